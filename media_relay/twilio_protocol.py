"""Twilio Media Streams messages: parse what Twilio sends, build what we may send (media, mark, clear).

Pure functions; numeric fields arrive as strings and are parsed leniently.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Start:
    stream_sid: str
    call_sid: str
    account_sid: str
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
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


def parse(text: str | bytes) -> Inbound:
    """One message from Twilio; None for anything unknown (ignored, never fatal)."""
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
    return json.dumps({"event": "media", "streamSid": stream_sid,
                       "media": {"payload": base64.b64encode(mulaw).decode()}})


def mark(stream_sid: str, name: str) -> str:
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear(stream_sid: str) -> str:
    return json.dumps({"event": "clear", "streamSid": stream_sid})
