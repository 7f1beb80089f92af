"""The agent's own voice coming back (a speakerphone, a bad handset) is not the caller speaking.

A double-talk test on frame energies, in the spirit of Geigel's: the playout notes the energy of
every frame it sends against the far end's playback clock, and each caller frame is compared with
the loudest agent frame that can still be echoing (the last `window_s`). How loud the echo is on
this line is learnt as it happens: the median of that ratio over the last two seconds of the agent
talking is what the line sends back when the caller is quiet (echo, or just line noise), and a
caller frame counts only if it is `margin_db` above it. On a clean line the median is line noise,
so even a quiet caller passes; on a speakerphone (echo ~15 dB down) the echo stays under the bar
while a caller talking over the agent clears it. A median is not moved by a caller who has spoken
for less than half of those two seconds, which is longer than it takes to confirm an interruption.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

import numpy as np

WINDOW_S = 0.6  # echo arrives within this long of the audio that caused it (network and room)
MARGIN_DB = 10.0
HISTORY = 100  # frames (2 s) of ratios the line's echo level is taken from
MIN_HISTORY = 5  # under 100 ms of the agent talking: not enough to judge; nothing is gated


class EchoGate:
    def __init__(self, clock: Callable[[], float] = time.monotonic, window_s: float = WINDOW_S,
                 margin_db: float = MARGIN_DB) -> None:
        self.clock, self.window_s, self.margin = clock, window_s, 10 ** (margin_db / 10)
        self._played: deque[tuple[float, float]] = deque()  # (far-end time, energy) of frames sent
        self._ratios: deque[float] = deque(maxlen=HISTORY)  # caller energy / reference, agent audible
        self._level = 0.0  # the line's echo level: median of the ratios
        self._count = 0

    def played(self, at: float, energy: float) -> None:
        """The playout sent a frame that plays at the far end at `at` (monotonic), with this mean power."""
        self._played.append((at, energy))

    def reset(self) -> None:
        """The far end dropped the agent's audio (a pause): nothing it still held can echo, and what
        was heard meanwhile may be the caller talking over it, so it teaches nothing about the line."""
        self._played.clear()
        self._ratios.clear()
        self._level = 0.0

    def reference(self, now: float | None = None) -> float:
        """The loudest agent frame that can still be echoing now (0: the agent has been quiet)."""
        now = self.clock() if now is None else now
        played = self._played
        while played and played[0][0] < now - self.window_s:
            played.popleft()
        return max((e for t, e in played if t <= now), default=0.0)

    @property
    def level(self) -> float:
        """The echo level learnt so far: caller energy over reference energy while the caller is quiet."""
        return self._level

    def is_echo(self, energy: float) -> bool:
        """Could this caller frame be only the agent coming back? (Every frame also teaches the level.)"""
        ref = self.reference()
        if ref <= 0.0:
            return False
        ratio = energy / ref
        self._ratios.append(ratio)
        self._count += 1
        if len(self._ratios) < MIN_HISTORY:
            return False
        if self._count % 5 == 0 or self._level == 0.0:
            self._level = float(np.median(np.fromiter(self._ratios, dtype=np.float64)))
        return ratio < self._level * self.margin
