"""What the playout sends toward the far end, as three verbs: a frame of audio, a mark, a clear.

The playout decides what to send and when; a wire says how it looks on a given socket. Twilio's
Media Streams take JSON with base64 mu-law; a browser takes binary mu-law frames and small JSON
control messages (`media_relay.browser.protocol`). A wire never decides anything.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Protocol

from media_relay import twilio_protocol as tp

Send = Callable[[str], Awaitable[None]]


# Twilio plays what it is sent back to back, of any size (../shared/spec/twilio.md §3.3): 100 ms per
# message is five times fewer messages and socket writes than 20 ms frames, while `clear` still drops
# whatever Twilio holds at once and marks still follow each run.
TWILIO_FRAMES_PER_MESSAGE = 5


class Wire(Protocol):
    frames_per_message: int  # how many 20 ms frames one `media` call may carry

    async def media(self, mulaw: bytes) -> None:
        """Whole 20 ms frames of the agent's audio (mu-law, 8 kHz), at most `frames_per_message`."""
        ...

    async def mark(self, name: str) -> None:
        """Ask the far end to echo `name` once everything sent before it has played."""
        ...

    async def clear(self) -> None:
        """Ask the far end to drop the audio it holds but has not played (it echoes pending marks)."""
        ...


class TwilioWire:
    """Twilio Media Streams: `media`, `mark` and `clear` messages on the call's stream."""

    def __init__(self, send: Send, stream_sid: str, frames_per_message: int = TWILIO_FRAMES_PER_MESSAGE) -> None:
        self.send, self.stream_sid = send, stream_sid
        self.frames_per_message = frames_per_message
        self._prefix = tp.media_prefix(stream_sid)

    async def media(self, mulaw: bytes) -> None:
        await self.send(self._prefix + base64.b64encode(mulaw).decode() + tp.MEDIA_SUFFIX)

    async def mark(self, name: str) -> None:
        await self.send(tp.mark(self.stream_sid, name))

    async def clear(self) -> None:
        await self.send(tp.clear(self.stream_sid))
