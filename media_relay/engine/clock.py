"""The engine's clock: monotonic time and timers, injectable so tests run without real time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now(self) -> float: ...

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> TimerHandle: ...


class LoopClock:
    """Real time: `time.monotonic` and the running event loop's timers."""

    def now(self) -> float:
        return time.monotonic()

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> TimerHandle:
        return asyncio.get_running_loop().call_later(max(0.0, delay_s), callback)
