"""Twilio Media Streams messages: parse what Twilio sends, build what we may send (media, mark, clear).

Pure functions; numeric fields arrive as strings and are parsed leniently. `media` messages, 50 a
second each way on every call, take a fast path: msgspec decodes the JSON and the base64 payload in
one C call (0.7 µs against 8.5 µs for json + base64 + dicts), and an outbound frame is its JSON
text around the base64 payload, the same text `json.dumps` writes. Anything the fast path does not
take exactly (another event, a field of an unexpected type, lax base64) goes the general way.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import msgspec


@dataclass(frozen=True)
class Start:
    stream_sid: str
    call_sid: str
    account_sid: str
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Media:
    payload: bytes  # mu-law
    timestamp_ms: int | None


@dataclass(frozen=True)
class Mark:
    name: str


@dataclass(frozen=True)
class Dtmf:
    digit: str


@dataclass(frozen=True)
class Stop:
    pass


@dataclass(frozen=True)
class Connected:
    pass


Inbound = Start | Media | Mark | Dtmf | Stop | Connected | None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _MediaBody(msgspec.Struct):
    payload: bytes = b""  # base64 in the JSON, decoded by msgspec
    timestamp: str | int | None = None


class _Envelope(msgspec.Struct):
    event: str = ""
    media: _MediaBody | None = None


_ENVELOPE = msgspec.json.Decoder(_Envelope)


class _AudioBody(msgspec.Struct):
    payload: bytes = b""


class _AudioEnvelope(msgspec.Struct):
    event: str = ""
    media: _AudioBody | None = None


_AUDIO = msgspec.json.Decoder(_AudioEnvelope)


def media_payload(text: str | bytes) -> bytes | None:
    """The mu-law of a `media` message, with no message object built (the reader's path for 50
    messages a second per call); None for anything else, and for a media message only `parse` takes."""
    try:
        envelope = _AUDIO.decode(text)
    except msgspec.DecodeError:
        return None
    if envelope.event == "media" and envelope.media is not None:
        return envelope.media.payload
    return None


def parse(text: str | bytes) -> Inbound:
    """One message from Twilio; None for anything unknown (ignored, never fatal)."""
    try:
        envelope = _ENVELOPE.decode(text)
    except msgspec.DecodeError:  # not this shape exactly: the general way decides
        envelope = None
    if envelope is not None and envelope.event == "media" and envelope.media is not None:
        return Media(envelope.media.payload, _int(envelope.media.timestamp))
    return _parse_any(text)


def _parse_any(text: str | bytes) -> Inbound:
    try:
        msg = json.loads(text)
    except ValueError:
        return None
    event = msg.get("event") if isinstance(msg, dict) else None
    if event == "media":
        media = msg.get("media") or {}
        return Media(base64.b64decode(media.get("payload", "")), _int(media.get("timestamp")))
    if event == "start":
        start = msg.get("start") or {}
        return Start(msg.get("streamSid") or start.get("streamSid", ""), start.get("callSid", ""),
                     start.get("accountSid", ""), dict(start.get("customParameters") or {}))
    if event == "mark":
        return Mark((msg.get("mark") or {}).get("name", ""))
    if event == "dtmf":
        return Dtmf((msg.get("dtmf") or {}).get("digit", ""))
    if event == "stop":
        return Stop()
    if event == "connected":
        return Connected()
    return None


def media(stream_sid: str, mulaw: bytes) -> str:
    return media_prefix(stream_sid) + base64.b64encode(mulaw).decode() + MEDIA_SUFFIX


def media_prefix(stream_sid: str) -> str:
    """A media message's text before its payload (the same for every frame of a stream)."""
    return '{"event": "media", "streamSid": ' + json.dumps(stream_sid) + ', "media": {"payload": "'


MEDIA_SUFFIX = '"}}'


def mark(stream_sid: str, name: str) -> str:
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear(stream_sid: str) -> str:
    return json.dumps({"event": "clear", "streamSid": stream_sid})
