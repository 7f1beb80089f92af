"""Playout: the agent's audio to the caller in 20 ms frames, paced to a deadline clock, with marks.

Each segment (a sentence) is followed by a mark; Twilio echoes it when the caller has heard
everything before it, so `heard` is known from the far end, not guessed from what was sent.
Frames go out a little ahead of real time (`lead`), so a scheduling hiccup never starves
the caller, while `clear` (barge-in) still discards little. After a `clear` the far end echoes
every pending mark at once; those segments were not heard, so `clear()` forgets them first.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from media_relay import twilio_protocol as tp
from media_relay.audio import codec
from media_relay.ports import FRAME_BYTES_MULAW, FRAME_MS
from media_relay.stats import RelayStats

Send = Callable[[str], Awaitable[None]]


@dataclass
class Segment:
    name: str
    text: str
    mulaw: bytes
    turn_id: str
    sent_at: float | None = None  # monotonic time of the first frame
    started: asyncio.Event = field(default_factory=asyncio.Event)
    heard: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)  # heard, or dropped by a clear

    @property
    def duration_ms(self) -> int:
        return len(self.mulaw) * 1000 // 8000


class Playout:
    def __init__(self, send: Send, stream_sid: str, *, lead_ms: int = 100,
                 clock: Callable[[], float] = time.monotonic, stats: RelayStats | None = None) -> None:
        self.send, self.stream_sid, self.lead = send, stream_sid, lead_ms / 1000
        self.clock, self.stats = clock, stats
        self.queue: asyncio.Queue[Segment] = asyncio.Queue()
        self.pending: dict[str, Segment] = {}
        self.frames_sent = 0
        self._seq = 0
        self._deadline: float | None = None
        self._generation = 0  # bumped by clear(): the segment being played stops at its next frame
        self._restarted_at = 0.0  # when the clock last restarted after idle (the lead is refilled from then)
        self.speaking_until = 0.0  # monotonic time the audio sent so far ends at the far end

    def enqueue(self, pcm8k: bytes, text: str, turn_id: str) -> Segment:
        self._seq += 1
        mulaw = codec.encode(pcm8k)
        if pad := -len(mulaw) % FRAME_BYTES_MULAW:
            mulaw += bytes([codec.SILENCE_BYTE]) * pad
        segment = Segment(f"{turn_id}:{self._seq}", text, mulaw, turn_id)
        self.pending[segment.name] = segment
        self.queue.put_nowait(segment)
        return segment

    def on_mark(self, name: str) -> None:
        segment = self.pending.pop(name, None)
        if segment is not None:
            segment.heard.set()
            segment.done.set()

    @property
    def busy(self) -> bool:
        """Is the agent audible or about to be (anything queued, playing or not yet heard)?"""
        return bool(self.pending)

    async def clear(self) -> list[Segment]:
        """Stop the agent now: tell the far end to drop its buffer, forget everything unheard."""
        self._generation += 1
        await self.send(tp.clear(self.stream_sid))
        dropped = list(self.pending.values())
        self.pending.clear()
        while not self.queue.empty():
            self.queue.get_nowait()
        for segment in dropped:
            segment.done.set()
        self._deadline = None
        self.speaking_until = self.clock()
        return dropped

    async def idle(self) -> None:
        """Wait until everything queued has been heard."""
        while self.pending:
            await next(iter(self.pending.values())).done.wait()

    async def run(self) -> None:
        while True:
            segment = await self.queue.get()
            await self._play(segment)

    async def _play(self, segment: Segment) -> None:
        if segment.done.is_set():
            return  # dropped by a clear while queued
        generation = self._generation
        now = self.clock()
        if self._deadline is None or self._deadline < now:
            self._deadline = now  # idle since the last segment: restart the clock, don't burst to catch up
            self._restarted_at = now
        for start in range(0, len(segment.mulaw), FRAME_BYTES_MULAW):
            wait = self._deadline - self.lead - self.clock()
            if wait > 0:
                await asyncio.sleep(wait)
            if generation != self._generation:
                return
            if self.stats is not None:  # > lead: the far end ran out of audio before this frame arrived
                due = max(self._deadline - self.lead, self._restarted_at)
                self.stats.frame_out(self.clock() - due, self.lead)
            if segment.sent_at is None:
                segment.sent_at = self.clock()
                segment.started.set()
            await self.send(tp.media(self.stream_sid, segment.mulaw[start:start + FRAME_BYTES_MULAW]))
            self.frames_sent += 1
            self._deadline += FRAME_MS / 1000
            self.speaking_until = self._deadline
        await self.send(tp.mark(self.stream_sid, segment.name))
