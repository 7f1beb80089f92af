"""The agent's own voice coming back (a speakerphone, a bad handset) is not the caller speaking.

A double-talk test on frame energies, in the spirit of Geigel's: the playout notes the energy of
every frame it sends against the far end's playback clock, and each caller frame is compared with
the loudest agent frame that can still be echoing (the last `window_s`). As long as the agent
talks, that ratio is what the line sends back; for echo alone it never exceeds the line's echo
return loss, so its 80th percentile over the last ten seconds of the agent talking is the echo
level, learnt as the call goes. A caller frame counts only if it is `margin_db` above it. On a
clean line the level is line noise, so even a quiet caller passes; on a speakerphone (echo ~15 dB
down) the echo stays under the bar while a caller talking over the agent clears it. Callers are
quiet most of the time the agent talks, frames while the VAD hears them talking are not learnt from,
so they barely move that percentile; and a pause (an interruption being decided) starts the window
afresh while keeping what was learnt.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

import numpy as np

from media_relay.audio.quantile import percentile

WINDOW_S = 0.6  # echo arrives within this long of the audio that caused it (network and room)
MARGIN_DB = 6.0
HISTORY = 500  # frames (10 s) of ratios the echo level is taken from
MIN_HISTORY = 50  # until a second of the agent talking is known, the last level (or the prior) holds
PRIOR = 10 ** (-15 / 10)  # before anything is learnt: assume a speakerphone's ~15 dB
PERCENTILE = 80


class EchoGate:
    def __init__(self, clock: Callable[[], float] = time.monotonic, window_s: float = WINDOW_S,
                 margin_db: float = MARGIN_DB) -> None:
        self.clock, self.window_s, self.margin = clock, window_s, 10 ** (margin_db / 10)
        self._played: deque[tuple[float, float]] = deque()  # (far-end time, energy) of frames sent
        self._ratios: deque[float] = deque(maxlen=HISTORY)  # caller energy / reference, agent audible
        self.level = PRIOR  # the echo level: caller energy over reference while the caller is quiet
        self._count = 0

    def played(self, at: float, energy: float) -> None:
        """The playout sent a frame that plays at the far end at `at` (monotonic), with this mean power."""
        self._played.append((at, energy))

    def reset(self) -> None:
        """The far end dropped the agent's audio (a pause): nothing it held can echo any more, and what
        is heard meanwhile may be the caller talking, so the window starts afresh (the level stays)."""
        self._played.clear()
        self._ratios.clear()

    def reference(self, now: float | None = None) -> float:
        """The loudest agent frame that can still be echoing now (0: the agent has been quiet)."""
        played = self._played
        if not played:  # the agent has said nothing within the window: most frames of a call
            return 0.0
        now = self.clock() if now is None else now
        while played and played[0][0] < now - self.window_s:
            played.popleft()
        return max((e for t, e in played if t <= now), default=0.0)

    def is_echo(self, energy: float, *, learn: bool = True) -> bool:
        """Could this caller frame be only the agent coming back? Frames also teach the level, unless
        `learn` is off (the caller is known to be speaking: their voice is not the line's echo)."""
        ref = self.reference()
        if ref <= 0.0:
            return False
        ratio = energy / ref
        if learn:
            self._ratios.append(ratio)
            self._count += 1
            if len(self._ratios) >= MIN_HISTORY and self._count % 10 == 0:
                self.level = percentile(np.fromiter(self._ratios, dtype=np.float64), PERCENTILE)
        return ratio < self.level * self.margin
