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

from media_relay.audio.quantile import Window, percentile

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
        # Frames sent, as (far-end time, energy), in the order they play (the playout's deadline clock
        # only moves on): those not yet playing, and of those playing within the window only the ones
        # no later frame outshouts (each louder than every frame after it), so the loudest is the
        # first. A caller frame costs O(1) whatever the playout's lead, not a scan of the window.
        self._ahead: deque[tuple[float, float]] = deque()
        self._loudest: deque[tuple[float, float]] = deque()
        self._ratios = Window(HISTORY)  # caller energy / reference while the agent is audible, since a reset
        self.level = PRIOR  # the echo level: caller energy over reference while the caller is quiet
        self._count = 0  # ratios learnt in all (every tenth refreshes the level)

    def played(self, at: float, energy: float) -> None:
        """The playout sent a frame that plays at the far end at `at` (monotonic), with this mean power."""
        self._ahead.append((at, energy))

    def reset(self) -> None:
        """The far end dropped the agent's audio (a pause): nothing it held can echo any more, and what
        is heard meanwhile may be the caller talking, so the window starts afresh (the level stays)."""
        self._ahead.clear()
        self._loudest.clear()
        self._ratios.clear()

    def reference(self, now: float | None = None) -> float:
        """The loudest agent frame that can still be echoing now (0: the agent has been quiet)."""
        ahead, loudest = self._ahead, self._loudest
        if not ahead and not loudest:  # the agent has said nothing within the window: most frames of a call
            return 0.0
        now = self.clock() if now is None else now
        while ahead and ahead[0][0] <= now:
            frame = ahead.popleft()
            while loudest and loudest[-1][1] <= frame[1]:
                loudest.pop()
            loudest.append(frame)
        while loudest and loudest[0][0] < now - self.window_s:
            loudest.popleft()
        return loudest[0][1] if loudest else 0.0

    def is_echo(self, energy: float, *, learn: bool = True) -> bool:
        """Could this caller frame be only the agent coming back? Frames also teach the level, unless
        `learn` is off (the caller is known to be speaking: their voice is not the line's echo)."""
        ref = self.reference()
        if ref <= 0.0:
            return False
        ratio = energy / ref
        if learn:
            self._ratios.add(ratio)
            self._count += 1
            if self._ratios.count >= MIN_HISTORY and self._count % 10 == 0:
                self.level = percentile(self._ratios.values(), PERCENTILE)
        return ratio < self.level * self.margin
