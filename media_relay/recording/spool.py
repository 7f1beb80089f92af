"""Both sides of a call as a stereo WAV (left: caller, right: agent, 8 kHz 16-bit), spooled to disk.

Each side's 20 ms frames are placed on the call's timeline in slots: the caller's one after another
as they arrive (jumping ahead only across a gap in their audio), the agent's at the time the far end
plays them (the playout sends a little ahead of that and then back to back). A `clear` erases agent
audio the far end dropped unplayed. Slots older than a short window are final and written out, so a
long call holds no more in memory than a short one. Writes are small appends to the page cache,
batched to about half a second, so they do not stall the event loop.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from media_relay.audio import codec
from media_relay.ports import FRAME_BYTES_PCM, FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE

SLOT_S = FRAME_MS / 1000
MAX_CALLER_LAG = 10  # slots: a caller this far behind the clock had a gap in their audio; skip it
FINAL_AFTER = 15  # slots behind the clock that nothing can change any more
FLUSH_BATCH = 25  # write when this many slots are final (0.5 s)
HEADER_BYTES = 44


def wav_header(data_bytes: int, channels: int = 2, rate: int = SAMPLE_RATE) -> bytes:
    block = channels * 2
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block, block, 16)
            + b"data" + struct.pack("<I", data_bytes))


class StereoSpool:
    def __init__(self, path: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.path, self.clock = path, clock
        self.file = path.open("wb")
        self.file.write(wav_header(0))
        self.t0 = clock()
        self.written = 0  # slots on disk
        self.caller: dict[int, bytes] = {}
        self.agent: dict[int, bytes] = {}
        self.caller_next = 0
        self.agent_next = 0
        self.closed = False

    def now_slot(self) -> int:
        return int((self.clock() - self.t0) / SLOT_S)

    def caller_audio(self, pcm: bytes) -> None:
        """Caller audio (PCM 8 kHz, whole frames), in the order it arrived."""
        if self.closed:
            return
        now = self.now_slot()
        slot = max(self.caller_next, now - MAX_CALLER_LAG, self.written)
        for start in range(0, len(pcm) - FRAME_BYTES_PCM + 1, FRAME_BYTES_PCM):
            self.caller[slot] = pcm[start:start + FRAME_BYTES_PCM]
            slot += 1
        self.caller_next = slot
        self._flush(now - FINAL_AFTER, batch=FLUSH_BATCH)

    def agent_frame(self, mulaw: bytes) -> None:
        """One frame the agent sent: it plays right after the previous one, or now after a silence."""
        if self.closed:
            return
        slot = max(self.agent_next, self.now_slot(), self.written)
        self.agent[slot] = mulaw
        self.agent_next = slot + 1

    def agent_cleared(self) -> None:
        """The far end dropped what it had not played: the agent's frames after now were never heard."""
        now = self.now_slot()
        for slot in [s for s in self.agent if s > now]:
            del self.agent[slot]
        self.agent_next = min(self.agent_next, now + 1)

    def _flush(self, upto: int, batch: int = 1) -> None:
        """Write every slot before `upto` (silence where a side said nothing)."""
        count = upto - self.written
        if count < batch:
            return
        frames = np.zeros((count, FRAME_SAMPLES, 2), dtype=np.int16)
        for i, slot in enumerate(range(self.written, upto)):
            if (pcm := self.caller.pop(slot, None)) is not None:
                frames[i, :, 0] = np.frombuffer(pcm, dtype=np.int16)
            if (mulaw := self.agent.pop(slot, None)) is not None:
                frames[i, :, 1] = np.frombuffer(codec.decode(mulaw), dtype=np.int16)
        self.file.write(frames.tobytes())
        self.written = upto

    def finish(self) -> float:
        """Write what is left up to now, fix the header, close; returns the recording's length in seconds."""
        if self.closed:
            return self.written * SLOT_S
        end = max(self.now_slot(), self.caller_next, self.agent_next)
        self._flush(end)
        self.closed = True
        data = self.written * FRAME_SAMPLES * 2 * 2
        self.file.seek(0)
        self.file.write(wav_header(data))
        self.file.close()
        return self.written * SLOT_S

    def discard(self) -> None:
        if not self.file.closed:
            self.file.close()
        self.closed = True
        self.path.unlink(missing_ok=True)
