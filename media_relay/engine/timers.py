"""The engine's timers: each one armed at most once at a time, its firing an event on the engine's queue.

Re-arming or disarming a timer makes any firing already on its way stale (its token no longer
matches), so a late firing never acts.
"""

from __future__ import annotations

from collections.abc import Callable

from media_relay.engine import events as ev
from media_relay.engine.clock import Clock, TimerHandle


class Timers:
    def __init__(self, clock: Clock, post: Callable[[ev.Event], None]) -> None:
        self.clock, self.post = clock, post
        self._armed: dict[ev.Timer, tuple[int, TimerHandle]] = {}
        self._tokens = 0

    def arm(self, timer: ev.Timer, delay_s: float) -> None:
        self.disarm(timer)
        self._tokens += 1
        token = self._tokens
        handle = self.clock.call_later(delay_s, lambda: self.post(ev.TimerFired(timer, token)))
        self._armed[timer] = (token, handle)

    def disarm(self, timer: ev.Timer) -> None:
        current = self._armed.pop(timer, None)
        if current is not None:
            current[1].cancel()

    def take(self, fired: ev.TimerFired) -> bool:
        """Is this firing the current one? (It is then no longer armed.)"""
        current = self._armed.get(fired.timer)
        if current is None or current[0] != fired.token:
            return False
        del self._armed[fired.timer]
        return True

    def clear(self) -> None:
        for timer in list(self._armed):
            self.disarm(timer)
