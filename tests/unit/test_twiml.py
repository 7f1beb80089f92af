"""TwiML builders produce well-formed documents with every value escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from switchboard.carrier import twiml


def test_connect_stream_carries_parameters_and_escapes() -> None:
    doc = twiml.connect_stream("wss://relay.test/twilio", {"callId": 'c"1<&>', "projectId": "p"},
                               after_url="https://api.test/after?a=1&b=2")
    root = ET.fromstring(doc)
    stream = root.find("Connect/Stream")
    assert stream is not None and stream.get("url") == "wss://relay.test/twilio"
    assert {p.get("name"): p.get("value") for p in stream.findall("Parameter")} == {"callId": 'c"1<&>',
                                                                                   "projectId": "p"}
    assert root.find("Redirect").text == "https://api.test/after?a=1&b=2"


def test_say_hangup_dial_and_digits() -> None:
    root = ET.fromstring(twiml.say_and_hangup("Bye & thanks <3"))
    assert [e.tag for e in root] == ["Say", "Hangup"] and root[0].text == "Bye & thanks <3"
    dial = ET.fromstring(twiml.dial("+14155550100", caller_id="+14155550199")).find("Dial")
    assert dial.text == "+14155550100" and dial.get("callerId") == "+14155550199"
    assert ET.fromstring(twiml.play_digits("w1#")).find("Play").get("digits") == "w1#"
    assert ET.fromstring(twiml.hangup())[0].tag == "Hangup"
