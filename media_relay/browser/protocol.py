"""The browser socket's wire format: binary audio both ways, small JSON messages for control.

Caller → relay: binary messages of 16-bit little-endian PCM, 8 kHz mono (any whole number of
samples; the relay cuts 20 ms frames); text `{"type": "mark", "name"}` when playback reaches a
mark, `{"type": "dtmf", "digit"}` for a key, `{"type": "hangup"}` to end the call.
Relay → caller: `{"type": "start", ...}` once, binary mu-law frames (8 kHz, 20 ms each) of the
agent's voice, `{"type": "mark", "name"}` to echo when played up to there, `{"type": "clear"}` to
drop whatever is queued and not yet played (then echo every pending mark), `{"type": "hangup"}`.

Why these formats: the whole pipeline (VAD, endpointing, STT adapters) runs at the telephone rate,
so sending more than 8 kHz would be thrown away at the door; the agent's audio is already mu-law in
the playout, so it goes out as it is (half the bytes of PCM; the page decodes it with a table).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Mark:
    name: str


@dataclass(frozen=True)
class Digit:
    digit: str


@dataclass(frozen=True)
class Hangup:
    pass


Control = Mark | Digit | Hangup | None
DIGITS = set("0123456789*#")


def parse_control(text: str) -> Control:
    """A text message from the browser; None for anything unknown or malformed (ignored, never fatal)."""
    try:
        msg = json.loads(text)
    except ValueError:
        return None
    if not isinstance(msg, dict):
        return None
    kind = msg.get("type")
    if kind == "mark" and isinstance(msg.get("name"), str):
        return Mark(msg["name"])
    if kind == "dtmf" and msg.get("digit") in DIGITS:
        return Digit(msg["digit"])
    if kind == "hangup":
        return Hangup()
    return None


def start(call_id: str, agent_id: str, audio: dict[str, Any]) -> str:
    return json.dumps({"type": "start", "callId": call_id, "agentId": agent_id, "audio": audio})


def mark(name: str) -> str:
    return json.dumps({"type": "mark", "name": name})


def clear() -> str:
    return json.dumps({"type": "clear"})


def hangup(reason: str | None) -> str:
    return json.dumps({"type": "hangup", "reason": reason})
