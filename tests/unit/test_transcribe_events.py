"""Transcribe's result messages parsed straight from the wire mean what the SDK's models say they mean."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator

import pytest
from aws_sdk_transcribe_streaming.models import (
    TranscriptResultStreamTranscriptEvent,
    _TranscriptResultStreamDeserializer,
)
from smithy_aws_event_stream._private.deserializers import EventDeserializer
from smithy_aws_event_stream.events import Event, EventMessage
from smithy_aws_event_stream.exceptions import ChecksumMismatch, InvalidEventBytes, UnmodeledEventError
from smithy_core.aio.types import AsyncBytesReader
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


class ChunkedBody(AsyncBytesReader):
    """The awscrt transport's body: smithy's reader over the response's chunks; its `read` is not used."""

    def __init__(self, chunks: list[bytes]) -> None:
        async def source() -> AsyncIterator[bytes]:
            for chunk in chunks:
                await asyncio.sleep(0)
                yield chunk

        super().__init__(source())
        self.closed_by_us = False

    async def read(self, size: int = -1) -> bytes:
        raise AssertionError("the chunks are read as they come")

    async def close(self) -> None:
        self.closed_by_us = True


def _read_all(body: ChunkedBody) -> list[EventMessage]:
    async def run() -> list[EventMessage]:
        return [m async for m in messages(body, body.close)]

    return asyncio.run(run())


def test_messages_split_anyhow_across_chunks_are_the_sdks_messages() -> None:
    wire = b"".join(m.encode() for m in (transcript(PARTIAL), transcript(FINAL), transcript(PARTIAL, SPARSE)))
    expected = [Event.decode(io.BytesIO(transcript(r).encode())).message for r in (PARTIAL,)]
    for size in (1, 5, 12, 13, 100, len(wire)):
        got = _read_all(ChunkedBody([wire[i:i + size] for i in range(0, len(wire), size)]))
        assert [segments_of(m) for m in got] == [segments_of(transcript(PARTIAL)), segments_of(transcript(FINAL)),
                                                 segments_of(transcript(PARTIAL, SPARSE))]
        assert got[0] == expected[0]


def test_a_corrupt_or_cut_body_is_the_sdks_error_and_is_closed() -> None:
    wire = transcript(PARTIAL).encode()
    bad_length = bytearray(wire)
    bad_length[3] ^= 0x40  # a length that would wait for bytes that never come: its prelude CRC fails first
    for chunks, error in (([bytes(bad_length)], ChecksumMismatch), ([wire[:-3] + b"xyz"], ChecksumMismatch),
                          ([wire, wire[:20]], InvalidEventBytes)):
        body = ChunkedBody(chunks)
        with pytest.raises(error):
            _read_all(body)
        assert body.closed_by_us
