"""What the relay measures about itself while it runs: outbound pacing, inbound load, event-loop lag.

Cheap enough for every frame (a counter and a histogram bucket). Served as JSON at `/stats` to
loopback clients only (the capacity benchmark reads it); the load balancer never routes there.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import traceback
from typing import Any

from switchboard.logging import logger

BUCKETS = 500  # 1 ms buckets; the last one holds everything from 499 ms up


class Histogram:
    def __init__(self) -> None:
        self.counts = [0] * BUCKETS
        self.n = 0
        self.max_ms = 0.0

    def add(self, ms: float) -> None:
        self.counts[min(BUCKETS - 1, max(0, int(ms)))] += 1
        self.n += 1
        self.max_ms = max(self.max_ms, ms)

    def percentile(self, p: float) -> float | None:
        if not self.n:
            return None
        target, seen = p / 100 * self.n, 0
        for ms, count in enumerate(self.counts):
            seen += count
            if seen >= target:
                return float(ms + 1)  # upper edge of the bucket
        return self.max_ms

    def summary(self) -> dict[str, Any]:
        return {"n": self.n, "p50": self.percentile(50), "p99": self.percentile(99), "max": round(self.max_ms, 2)}


# How often the loop's lag is sampled. Each wake-up costs ~0.13 ms of CPU here (epoll, the timer, the
# coroutine): at 20 ms that was 6.3 of the 7 ms a second a relay with no calls spent, a fixed cost
# that made the CPU per call-second fall as calls were added. A late timer is late by the loop's
# backlog whatever its interval, so 100 ms still measures it (and the playout's pacing measures
# the calls' own timers).
LOOP_WATCH_S = 0.1


class RelayStats:
    def __init__(self) -> None:
        self.frames_in = 0  # since the process started; the snapshot counts from the last reset
        self.frames_out = 0
        self.reset()

    def reset(self) -> None:
        self._in_at_reset, self._out_at_reset = self.frames_in, self.frames_out
        self.late_frames = 0  # sent after the far end needed it: the caller would have heard a gap
        self.lateness = Histogram()  # how far behind its deadline clock a frame went out
        self.loop_lag = Histogram()  # how late a 100 ms timer fired: the event loop's backlog
        self.since = time.monotonic()

    def frame_out(self, behind_s: float, lead_s: float, count: int = 1, step_s: float = 0.02) -> None:
        """A message of `count` frames went out, its first `behind_s` after it was due (the rest `step_s`
        apart after it). Lateness counts once per message: its later frames go out early by design, and
        counting them would hide a late send among zeros."""
        self.frames_out += count
        self.lateness.add(max(0.0, behind_s) * 1000)
        self.late_frames += sum(1 for i in range(count) if behind_s - i * step_s > lead_s)

    def snapshot(self, active_calls: int) -> dict[str, Any]:
        return {"activeCalls": active_calls, "seconds": round(time.monotonic() - self.since, 3),
                "framesIn": self.frames_in - self._in_at_reset, "framesOut": self.frames_out - self._out_at_reset,
                "framesInTotal": self.frames_in, "framesOutTotal": self.frames_out, "lateFrames": self.late_frames,
                "pacingLatenessMs": self.lateness.summary(), "loopLagMs": self.loop_lag.summary()}

    async def watch_loop(self, interval_s: float = LOOP_WATCH_S) -> None:
        while True:
            asked = time.monotonic()
            await asyncio.sleep(interval_s)
            self.loop_lag.add((time.monotonic() - asked - interval_s) * 1000)


class StallReporter:
    """Logs where the event loop was when it stalled (opt-in: SWITCHBOARD_RELAY_STALL_REPORT_MS).

    A thread checks a heartbeat the loop bumps every 10 ms; when it is `threshold_ms` stale, the
    loop thread's stack goes to the log, at most once per stall. What holds up the loop (a blocking
    call, a long callback, the GIL held by a worker thread) holds up every call's audio.
    """

    def __init__(self, threshold_ms: float) -> None:
        self.threshold_s = threshold_ms / 1000
        self.beat = time.monotonic()
        self.loop_thread = threading.get_ident()
        self._stop = threading.Event()

    async def heartbeat(self) -> None:
        threading.Thread(target=self._watch, name="stall-reporter", daemon=True).start()
        try:
            while True:
                self.beat = time.monotonic()
                await asyncio.sleep(0.01)
        finally:
            self._stop.set()

    def _watch(self) -> None:
        reported = 0.0
        while not self._stop.wait(0.005):
            stale = time.monotonic() - self.beat
            if stale >= self.threshold_s and self.beat != reported:
                reported = self.beat
                frame = sys._current_frames().get(self.loop_thread)
                stack = "".join(traceback.format_stack(frame)[-12:]) if frame is not None else "?"
                logger.warning("event loop stalled", extra={"staleMs": round(stale * 1000), "stack": stack})
