"""A browser's WebSocket as a call's transport: its wire, its carrier and its reader.

There is no phone network behind a browser: hanging up closes the socket (after telling the page),
and a transfer is refused, so the engine apologises as for any refused transfer.
"""

from __future__ import annotations

from typing import Any

from media_relay.browser import protocol as bp
from media_relay.call import CallSink
from media_relay.ports import FRAME_BYTES_PCM
from switchboard.logging import logger

MAX_PENDING_BYTES = FRAME_BYTES_PCM * 50  # a second of audio: more in one message is not a live stream


class TransferRefused(Exception):
    """A web call has no phone line to hand over."""


class BrowserWire:
    frames_per_message = 1  # the browser's protocol: one 20 ms frame per binary message

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    async def media(self, mulaw: bytes) -> None:
        await self.ws.send(mulaw)

    async def mark(self, name: str) -> None:
        await self.ws.send(bp.mark(name))

    async def clear(self) -> None:
        await self.ws.send(bp.clear())


class BrowserCarrier:
    def __init__(self, ws: Any, call_id: str) -> None:
        self.ws, self.call_id = ws, call_id
        self.reason: str | None = None

    async def hang_up(self) -> None:
        try:
            await self.ws.send(bp.hangup("agent-hangup"))
        finally:
            await self.ws.close(1000, "call ended")

    async def transfer(self, number: str) -> None:
        logger.warning("transfer refused on a web call", extra={"callId": self.call_id})
        raise TransferRefused("A web call cannot be transferred: there is no phone line to hand over.")

    async def close_stream(self) -> None:
        await self.ws.close(1000, "call ended")


class BrowserTransport:
    def __init__(self, ws: Any, call_id: str) -> None:
        self.ws = ws
        self.wire = BrowserWire(ws)
        self.carrier = BrowserCarrier(ws, call_id)
        self.pending = b""

    async def read(self, sink: CallSink) -> None:
        async for message in self.ws:
            if isinstance(message, bytes):
                await self._audio(message, sink)
                continue
            control = bp.parse_control(message)
            if isinstance(control, bp.Mark):
                sink.mark(control.name)
            elif isinstance(control, bp.Digit):
                sink.digit(control.digit)
            elif isinstance(control, bp.Hangup):
                return

    async def _audio(self, pcm: bytes, sink: CallSink) -> None:
        """Cut the browser's PCM into whole 20 ms frames (an odd byte waits for its pair)."""
        data = self.pending + pcm
        if len(data) > MAX_PENDING_BYTES:
            data = data[-MAX_PENDING_BYTES:]  # a client sending faster than real time: keep the latest
        whole = len(data) - len(data) % FRAME_BYTES_PCM
        self.pending = data[whole:]
        if whole:
            await sink.audio(data[:whole])
