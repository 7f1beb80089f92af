"""Media Streams messages: lenient parsing of Twilio's, exact building of ours."""

from __future__ import annotations

import base64
import json

from media_relay import twilio_protocol as tp


def test_parse_every_inbound_event() -> None:
    start = tp.parse(json.dumps({"event": "start", "sequenceNumber": "1", "streamSid": "MZ1", "start": {
        "streamSid": "MZ1", "callSid": "CA1", "accountSid": "AC1", "customParameters": {"callId": "call_1"},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}}))
    assert start == tp.Start("MZ1", "CA1", "AC1", {"callId": "call_1"})
    media = tp.parse(json.dumps({"event": "media", "media": {"timestamp": "40", "payload": "//8="}}))
    assert media == tp.Media(b"\xff\xff", 40)
    assert tp.parse('{"event": "mark", "mark": {"name": "t:1"}}') == tp.Mark("t:1")
    assert tp.parse('{"event": "dtmf", "dtmf": {"digit": "5"}}') == tp.Dtmf("5")
    assert tp.parse('{"event": "stop"}') == tp.Stop()
    assert tp.parse('{"event": "connected"}') == tp.Connected()
    assert tp.parse('{"event": "surprise"}') is None and tp.parse("not json") is None


def test_outbound_messages_carry_only_allowed_fields() -> None:
    media = json.loads(tp.media("MZ1", b"\x00\xff"))
    assert media == {"event": "media", "streamSid": "MZ1", "media": {"payload": base64.b64encode(b"\x00\xff").decode()}}
    assert json.loads(tp.mark("MZ1", "a")) == {"event": "mark", "streamSid": "MZ1", "mark": {"name": "a"}}
    assert json.loads(tp.clear("MZ1")) == {"event": "clear", "streamSid": "MZ1"}


def test_media_messages_are_the_same_on_the_fast_path_and_the_general_one() -> None:
    payload = bytes(range(256))
    text = tp.media('MZ"1', payload)
    assert text == json.dumps({"event": "media", "streamSid": 'MZ"1',
                               "media": {"payload": base64.b64encode(payload).decode()}})
    compact = json.dumps({"event": "media", "streamSid": "MZ1", "sequenceNumber": "3",
                          "media": {"track": "inbound", "chunk": "2", "timestamp": "40",
                                    "payload": base64.b64encode(payload).decode()}}, separators=(",", ":"))
    assert tp.parse(compact) == tp.Media(payload, 40)
    # Shapes the fast path does not take exactly still parse as before.
    assert tp.parse('{"event": "media", "media": {"payload": "AA==", "timestamp": 40.5}}') == tp.Media(b"\x00", 40)
    assert tp.parse('{"event": "media", "media": null}') == tp.Media(b"", None)
    assert tp.parse('{"event": "media"}') == tp.Media(b"", None)
    assert tp.parse("not json") is None


def test_the_readers_audio_path_takes_media_and_leaves_everything_else_to_parse() -> None:
    payload = bytes(range(256))
    compact = json.dumps({"event": "media", "streamSid": "MZ1", "sequenceNumber": "3",
                          "media": {"track": "inbound", "chunk": "2", "timestamp": "40",
                                    "payload": base64.b64encode(payload).decode()}}, separators=(",", ":"))
    assert tp.media_payload(compact) == tp.media_payload(compact.encode()) == payload
    assert tp.media_payload('{"event": "media", "media": {"payload": "AA==", "timestamp": 40.5}}') == b"\x00"
    for other in ('{"event": "mark", "mark": {"name": "t:1"}}', '{"event": "stop"}', '{"event": "media"}',
                  '{"event": "media", "media": {"payload": "not base64!"}}', "not json", ""):
        assert tp.media_payload(other) is None  # the reader hands these to `parse`
