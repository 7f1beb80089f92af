"""Transcribe's result stream read straight off the wire: each event-stream message's JSON parsed once.

The SDK turns every message into its model objects through smithy's generic shape deserializer,
about 0.6 ms of CPU for one partial result of a short sentence (json.loads of the same payload:
0.04 ms). Transcribe sends a result every few hundred milliseconds of every call's speech, so
that was a large share of what recognition cost the relay. Here a message becomes `Segment`s
directly, with the same meaning the SDK's models give the fields; an exception message becomes
the same `ServiceFault` the SDK's modelled error would have been mapped to.
"""

from __future__ import annotations

import contextlib
import io
import json
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, NoReturn

from smithy_aws_event_stream.events import Event, EventMessage
from smithy_aws_event_stream.exceptions import ChecksumMismatch, EventError, InvalidEventBytes, UnmodeledEventError

from media_relay.stt.transcribe_stream import Segment, ServiceFault

RETRYABLE = frozenset({"LimitExceededException", "ServiceUnavailableException", "InternalFailureException"})


def segments_of(message: EventMessage) -> list[Segment]:
    """The results one message carries ([] for events other than transcripts); raises the stream's faults."""
    headers = message.headers
    match headers.get(":message-type"):
        case "event":
            if headers.get(":event-type") != "TranscriptEvent" or not message.payload:
                return []
            transcript = json.loads(message.payload).get("Transcript") or {}
            return [_segment(result) for result in transcript.get("Results") or []]
        case "exception":
            name = str(headers.get(":exception-type"))
            body = json.loads(message.payload) if message.payload else {}
            detail = body.get("Message") or body.get("message") or name
            raise ServiceFault(name, str(detail), retryable=name in RETRYABLE)
        case "error":
            raise UnmodeledEventError(str(headers.get(":error-code")), str(headers.get(":error-message")))
        case _:
            raise EventError(f"Unknown event structure: {message}")


def _segment(result: dict[str, Any]) -> Segment:
    """As `transcribe_sdk.to_segment` reads the SDK's `Result` (its defaults where a field is absent)."""
    alternatives = result.get("Alternatives") or []
    alternative = alternatives[0] if alternatives else None
    items = (alternative.get("Items") or []) if alternative else []
    confidences = tuple(i["Confidence"] for i in items
                        if i.get("Confidence") is not None and i.get("Type") != "punctuation")
    return Segment(result.get("ResultId") or "", bool(result.get("IsPartial", False)),
                   (alternative.get("Transcript") or "") if alternative else "",
                   float(result.get("StartTime", 0)), float(result.get("EndTime", 0)), confidences)


async def messages(source: Any, close: Callable[[], Awaitable[None]]) -> AsyncIterator[EventMessage]:
    """The messages on an event-stream body until it ends; as the SDK's receiver, a body that cannot be
    read is closed (`close`) and raised as an `OSError` (an `EventError` as itself).

    On the awscrt transport the body is smithy's `AsyncBytesReader` over the response's chunks. Its
    `read` checks the source against two runtime protocols on every call, and the SDK's decoder reads
    four times a message. Here the chunks are read as they come, and each whole message is decoded
    from memory by the SDK's own decoder (the same checksums, headers and errors)."""
    chunks = _chunks_of(source)
    if chunks is None:  # another body: the SDK's way
        while True:
            try:
                event = await Event.decode_async(source)
            except Exception as exc:
                await _fail(exc, close)
            if event is None:
                return
            yield event.message
    buf = bytearray(getattr(source, "_remainder", b""))
    while True:
        try:
            chunk = await anext(chunks, None)
            if chunk is None and buf:
                raise InvalidEventBytes()  # the body ended inside a message
            ready = _whole_messages(buf, chunk) if chunk is not None else []
        except Exception as exc:
            await _fail(exc, close)
        if chunk is None:
            return
        for message in ready:
            yield message


def _chunks_of(source: Any) -> AsyncIterator[bytes] | None:
    data = getattr(source, "_data", None)
    return data if hasattr(data, "__anext__") and not hasattr(data, "read") else None


def _whole_messages(buf: bytearray, chunk: bytes) -> list[EventMessage]:
    """Add `chunk` to `buf` and take every whole message off its front (a prelude is checked as soon as
    it is there, so a corrupt length never waits for bytes that will not come)."""
    buf += chunk
    out = []
    while len(buf) >= _PRELUDE:
        total = int.from_bytes(buf[:4], "big")
        expected, calculated = int.from_bytes(buf[8:12], "big"), zlib.crc32(buf[:8])
        if expected != calculated:
            raise ChecksumMismatch(expected, calculated)
        if len(buf) < total:
            break
        event = Event.decode(io.BytesIO(bytes(buf[:total])))
        del buf[:total]
        if event is not None:
            out.append(event.message)
    return out


async def _fail(exc: Exception, close: Callable[[], Awaitable[None]]) -> NoReturn:
    """As the SDK's receiver: close the body, then raise an `EventError` as itself, anything else as
    an `OSError`."""
    with contextlib.suppress(Exception):
        await close()
    if isinstance(exc, EventError):
        raise exc
    raise OSError("Failed to read from stream.") from exc


_PRELUDE = 12  # total length, headers length, their CRC32
