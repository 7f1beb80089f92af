"""Playout: the agent's audio to the caller in 20 ms frames, paced to a deadline clock, with marks.

Audio comes in pieces, one per piece of text, and a piece's audio may arrive in parts while it
already plays. After each run of frames a mark goes out; the far end (Twilio, or a browser: see
`wire`) echoes it once the caller has heard everything before it. The deadline clock is also the
far end's playback clock (frames go out `lead` ahead of it, and the far end plays them back to
back), so at any moment the playout knows how far into a piece the caller is: marks confirm it,
and the frames sent since the last mark refine it to the frame. How late marks come back against
that clock estimates the network's delay, which is taken off.

A barge-in `pause()`s: the far end drops its buffer (`clear`), and the audio not yet played is
held, to be `resume()`d from a chosen point of a piece or `drop()`ped. After a `clear` the far end
echoes every pending mark at once; those marks are forgotten first, so they prove nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from media_relay.audio import codec
from media_relay.ports import FRAME_BYTES_MULAW, FRAME_MS, FRAME_SAMPLES
from media_relay.stats import RelayStats
from media_relay.wire import TwilioWire, Wire

Send = Callable[[str], Awaitable[None]]
BYTES_PER_S = 8000  # mu-law at 8 kHz


class EchoReference(Protocol):
    def played(self, at: float, energy: float) -> None: ...

    def reset(self) -> None: ...


def frame_energies(pcm8k: bytes) -> list[float]:
    """Mean power of each 20 ms frame of `pcm8k` (a partial last frame counts as one)."""
    samples = np.frombuffer(pcm8k[: len(pcm8k) // 2 * 2], dtype=np.int16).astype(np.float32)
    if pad := -samples.size % FRAME_SAMPLES:
        samples = np.concatenate([samples, np.zeros(pad, dtype=np.float32)])
    frames = samples.reshape(-1, FRAME_SAMPLES)
    return [float(e) for e in np.einsum("ij,ij->i", frames, frames) / FRAME_SAMPLES]


@dataclass(eq=False)
class Piece:
    """One piece of speech (its text, possibly empty for tones) and how much of it the caller heard."""

    seq: int
    text: str
    turn_id: str
    audio: bytearray = field(default_factory=bytearray)  # mu-law, whole frames
    energies: list[float] = field(default_factory=list)  # mean power of each frame (for the echo gate)
    complete: bool = False  # no more audio will be added
    sent: int = 0  # bytes handed to the far end
    confirmed: int = 0  # bytes the far end's marks prove were played
    played: int | None = None  # set by a pause: bytes the caller heard before it
    first_sent_at: float | None = None  # monotonic time its first frame went out
    runs: list[tuple[float, int]] = field(default_factory=list)  # (far-end time, byte offset) of each run
    heard: asyncio.Event = field(default_factory=asyncio.Event)  # every byte played (marks)

    @property
    def duration_ms(self) -> int:
        return len(self.audio) * 1000 // BYTES_PER_S

    @property
    def done(self) -> bool:
        return self.complete and self.confirmed >= len(self.audio)

    def position(self, far_time: float) -> int:
        """Bytes played by `far_time` on the far end's clock: the marks' proof, refined by frames sent since."""
        played = self.confirmed
        for start, offset in reversed(self.runs):
            if start <= far_time:
                played = max(played, min(self.sent, offset + int((far_time - start) * BYTES_PER_S)))
                break
        return played - played % FRAME_BYTES_MULAW

    def heard_bytes(self) -> int:
        """What the caller heard of this piece, as far as is known now."""
        return max(self.confirmed, self.played or 0)


class Playout:
    def __init__(self, send: Send | None, stream_sid: str = "", *, lead_ms: int = 100,
                 clock: Callable[[], float] = time.monotonic, stats: RelayStats | None = None,
                 echo: EchoReference | None = None, wire: Wire | None = None, frames_per_message: int = 1,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        # `wire` says how frames, marks and clears look on the socket; Twilio's format by default
        # (`frames_per_message` is that default wire's message size).
        if wire is None:
            assert send is not None, "a Playout needs a wire or a send function"
            wire = TwilioWire(send, stream_sid, frames_per_message)
        self.wire, self.lead = wire, lead_ms / 1000
        self.clock, self.stats, self.echo, self.sleep = clock, stats, echo, sleep
        self.pieces: list[Piece] = []  # every piece not yet wholly heard, in order
        self.frames_sent = 0
        self.held = False  # paused by a barge-in: nothing is sent until resume() or drop()
        self.delay_s = 0.0  # how much later than our clock the far end plays (from marks)
        self._marks: dict[str, tuple[Piece, int, float]] = {}  # name -> piece, offset, predicted far time
        self._seq = 0
        self._deadline: float | None = None
        self._restarted_at = 0.0
        self._generation = 0  # bumped by pause(): the run being sent stops at its next frame
        self._wake = asyncio.Event()

    # -- what to play ------------------------------------------------------------------------------
    def start_piece(self, text: str, turn_id: str) -> Piece:
        self._seq += 1
        piece = Piece(self._seq, text, turn_id)
        self.pieces.append(piece)
        return piece

    def add_audio(self, piece: Piece, pcm8k: bytes) -> None:
        mulaw = codec.encode(pcm8k)
        if pad := -len(mulaw) % FRAME_BYTES_MULAW:
            mulaw += bytes([codec.SILENCE_BYTE]) * pad
        piece.audio += mulaw
        if self.echo is not None:
            piece.energies += frame_energies(pcm8k)
        self._wake.set()

    def finish_piece(self, piece: Piece) -> None:
        piece.complete = True
        self._settle(piece)
        self._wake.set()

    def play(self, pcm8k: bytes, text: str, turn_id: str) -> Piece:
        """A piece whose audio is all known (tones, cached phrases)."""
        piece = self.start_piece(text, turn_id)
        self.add_audio(piece, pcm8k)
        self.finish_piece(piece)
        return piece

    # -- what the far end reports --------------------------------------------------------------------
    def on_mark(self, name: str) -> Piece | None:
        """A mark came back; returns its piece if that piece is now wholly heard."""
        entry = self._marks.pop(name, None)
        if entry is None:
            return None
        piece, offset, predicted = entry
        self.delay_s += (max(0.0, self.clock() - predicted) - self.delay_s) / 4  # smoothed
        piece.confirmed = max(piece.confirmed, offset)
        return piece if self._settle(piece) else None

    def _settle(self, piece: Piece) -> bool:
        if not piece.done or piece.heard.is_set():
            return False
        piece.heard.set()
        if piece in self.pieces:
            self.pieces.remove(piece)
        return True

    @property
    def busy(self) -> bool:
        """Is the agent audible or about to be (anything queued, playing or not yet heard)?"""
        return bool(self.pieces) and not self.held

    def pending(self, turn_id: str) -> bool:
        return any(p.turn_id == turn_id for p in self.pieces)

    # -- barge-in ------------------------------------------------------------------------------------
    async def pause(self) -> None:
        """Stop the agent now: the far end drops its buffer; what was played is noted, the rest held."""
        if self.held:
            return
        self.held = True
        self._generation += 1
        await self.wire.clear()
        if self.echo is not None:
            self.echo.reset()
        self.note_played()
        self._marks.clear()
        self._deadline = None

    def note_played(self) -> None:
        """Note how far the caller got into each piece by now (on a pause, or when the stream stops)."""
        far_now = self.clock() - self.delay_s / 2  # marks measure a round trip; playback lags by half
        for piece in list(self.pieces):
            piece.played = piece.position(far_now)
            if piece.complete and piece.played >= len(piece.audio):
                piece.confirmed = piece.played
                self._settle(piece)

    def resume(self, piece: Piece | None = None, from_byte: int = 0) -> None:
        """Play the held audio again: `piece` from `from_byte` (a frame boundary), and every later piece."""
        if piece is not None and piece in self.pieces:
            index = self.pieces.index(piece)
            for stale in self.pieces[:index]:
                self._forget(stale)
            from_byte -= from_byte % FRAME_BYTES_MULAW
            piece.sent = piece.confirmed = min(from_byte, len(piece.audio))
            later = self.pieces[index + 1:]
        else:
            later = list(self.pieces)
        for p in later:
            p.sent = p.confirmed = 0
        for p in self.pieces:
            p.runs.clear()
            p.played = None
        self.held = False
        self._wake.set()

    def drop(self) -> list[Piece]:
        """Forget everything not yet heard (the interruption stands); returns those pieces."""
        dropped = list(self.pieces)
        for piece in dropped:
            self._forget(piece)
        self.held = False
        return dropped

    def _forget(self, piece: Piece) -> None:
        piece.complete = True
        piece.heard.set()  # nothing more will be played: waiters are released
        self.pieces.remove(piece)

    async def stop(self) -> list[Piece]:
        """Stop and forget at once (the call is ending)."""
        await self.pause()
        return self.drop()

    # -- sending -------------------------------------------------------------------------------------
    def _next(self) -> Piece | None:
        if self.held:
            return None
        for piece in self.pieces:
            if piece.sent < len(piece.audio):
                return piece
            if not piece.complete:
                return None  # its audio is still coming: later pieces must wait
        return None

    async def run(self) -> None:
        while True:
            piece = self._next()
            if piece is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                await self._send_run(piece, len(piece.audio))
            except ConnectionError:
                return  # the stream is gone: the reader sees it end and the call winds down
            except Exception as exc:
                if type(exc).__name__.startswith("ConnectionClosed"):  # websockets' closed-socket errors
                    return
                raise

    async def _send_run(self, piece: Piece, end: int) -> None:
        """Frames of `piece` up to `end`, paced, then a mark."""
        generation = self._generation
        now = self.clock()
        if self._deadline is None or self._deadline < now:
            self._deadline = now  # idle since the last frame: restart the clock, don't burst to catch up
            self._restarted_at = now
        piece.runs.append((self._deadline, piece.sent))
        while piece.sent < end:
            wait = self._deadline - self.lead - self.clock()
            if wait > 0:
                await self.sleep(wait)
            if generation != self._generation:
                return
            await self._send_frames(piece, end)
        name = f"{piece.turn_id}:{piece.seq}:{piece.sent}"
        self._marks[name] = (piece, piece.sent, self._deadline)
        await self.wire.mark(name)

    async def _send_frames(self, piece: Piece, end: int) -> None:
        """The frames due now, and up to the wire's message size after them, in one message.

        Later frames of a message go out early (the far end queues them), never late: a 100 ms message
        is one socket write where 20 ms frames were five.
        """
        assert self._deadline is not None  # set by the run that sends these frames
        start, deadline = piece.sent, self._deadline
        count = min(self.wire.frames_per_message, -(-(end - start) // FRAME_BYTES_MULAW))
        if piece.first_sent_at is None:
            piece.first_sent_at = self.clock()
        if self.stats is not None:  # > lead: the far end ran out of audio before this frame arrived
            due = max(deadline - self.lead, self._restarted_at)
            self.stats.frame_out(self.clock() - due, self.lead, count, FRAME_MS / 1000)
        if self.echo is not None:
            first = start // FRAME_BYTES_MULAW
            for i, energy in enumerate(piece.energies[first:first + count]):
                self.echo.played(deadline + i * FRAME_MS / 1000, energy)
        stop = min(end, start + count * FRAME_BYTES_MULAW)
        await self.wire.media(bytes(piece.audio[start:stop]))
        piece.sent = stop
        self.frames_sent += count
        self._deadline = deadline + count * FRAME_MS / 1000
