"""Transcribe's result messages parsed straight from the wire mean what the SDK's models say they mean."""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from aws_sdk_transcribe_streaming.models import (
    TranscriptResultStreamTranscriptEvent,
    _TranscriptResultStreamDeserializer,
)
from smithy_aws_event_stream._private.deserializers import EventDeserializer
from smithy_aws_event_stream.events import Event, EventMessage
from smithy_aws_event_stream.exceptions import UnmodeledEventError
from smithy_json import JSONCodec

from media_relay.stt.transcribe_events import messages, segments_of
from media_relay.stt.transcribe_sdk import as_fault, to_segment
from media_relay.stt.transcribe_stream import ServiceFault

PARTIAL = {"ResultId": "r1", "StartTime": 0.52, "EndTime": 1.74, "IsPartial": True, "ChannelId": "ch_0",
           "Alternatives": [{"Transcript": "I have a question,", "Items": [
               {"Content": "I", "Type": "pronunciation", "StartTime": 0.52, "EndTime": 0.6, "Confidence": 0.8,
                "Stable": True},
               {"Content": "have", "Type": "pronunciation", "StartTime": 0.6, "EndTime": 0.9, "Confidence": 1.0},
               {"Content": ",", "Type": "punctuation", "StartTime": 1.7, "EndTime": 1.7, "Confidence": 0.0},
               {"Content": "question", "Type": "pronunciation", "StartTime": 0.9, "EndTime": 1.7}]}]}
FINAL = {"ResultId": "r2", "StartTime": 2.0, "EndTime": 3.5, "IsPartial": False,
         "Alternatives": [{"Transcript": "thanks", "Items": []}]}
SPARSE = {"ResultId": "r3"}  # fields the service may leave out: the models' defaults apply


def message(headers: dict[str, str], body: object) -> EventMessage:
    return EventMessage(headers=headers, payload=json.dumps(body).encode())


def transcript(*results: dict[str, object]) -> EventMessage:
    return message({":message-type": "event", ":event-type": "TranscriptEvent",
                    ":content-type": "application/json"}, {"Transcript": {"Results": list(results)}})


def through_the_sdk(msg: EventMessage) -> list[object]:
    """What the SDK's own receiver makes of the same bytes, through `to_segment`."""
    event = Event.decode(io.BytesIO(msg.encode()))
    parsed = _TranscriptResultStreamDeserializer().deserialize(
        EventDeserializer(event=event, payload_codec=JSONCodec(), is_client_mode=True))
    assert isinstance(parsed, TranscriptResultStreamTranscriptEvent)
    return [to_segment(r) for r in parsed.value.transcript.results or []]


def test_transcript_results_become_the_segments_the_sdk_models_would_give() -> None:
    msg = transcript(PARTIAL, FINAL, SPARSE)
    ours = segments_of(Event.decode(io.BytesIO(msg.encode())).message)
    assert ours == through_the_sdk(msg)
    assert ours[0].confidences == (0.8, 1.0)  # punctuation and unscored words left out
    assert (ours[2].is_partial, ours[2].text, ours[2].start_s) == (False, "", 0.0)


def test_an_exception_message_is_the_fault_the_sdk_error_maps_to() -> None:
    msg = message({":message-type": "exception", ":exception-type": "LimitExceededException",
                   ":content-type": "application/json"}, {"Message": "Too many streams."})
    with pytest.raises(ServiceFault) as raised:
        segments_of(msg)
    assert (raised.value.name, raised.value.message, raised.value.retryable) == (
        "LimitExceededException", "Too many streams.", True)
    bad = message({":message-type": "exception", ":exception-type": "BadRequestException"}, {"Message": "No."})
    with pytest.raises(ServiceFault) as raised:
        segments_of(bad)
    assert not raised.value.retryable


def test_an_unmodelled_error_is_retried_as_a_transport_failure() -> None:
    msg = EventMessage(headers={":message-type": "error", ":error-code": "InternalError",
                                ":error-message": "oops"})
    with pytest.raises(UnmodeledEventError) as raised:
        segments_of(msg)
    assert as_fault(raised.value).retryable


def test_events_other_than_transcripts_carry_no_segments() -> None:
    assert segments_of(message({":message-type": "event", ":event-type": "SomethingNew"}, {})) == []


class Body:
    def __init__(self, data: bytes) -> None:
        self.data, self.closed = data, False

    async def read(self, size: int = -1) -> bytes:
        out, self.data = self.data[:size], self.data[size:]
        return out

    async def close(self) -> None:
        self.closed = True


def test_messages_are_read_until_the_body_ends_and_a_broken_body_is_closed() -> None:
    async def read_all(body: Body) -> list[EventMessage]:
        return [m async for m in messages(body, body.close)]

    body = Body(transcript(PARTIAL).encode() + transcript(FINAL).encode())
    assert [len(segments_of(m)) for m in asyncio.run(read_all(body))] == [1, 1]
    broken = Body(transcript(PARTIAL).encode()[:-3] + b"xyz")  # a corrupt checksum
    with pytest.raises(Exception):  # noqa: B017 (the SDK's own error type for a bad frame)
        asyncio.run(read_all(broken))
    assert broken.closed
