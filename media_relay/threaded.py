"""A blocking SDK stream read in a worker thread, consumed as an async generator on the event loop.

boto3's streaming bodies (Polly audio, Bedrock events) block on every read. A worker thread reads
and hands each item over through a queue; a consumer that stops early (a barge-in closes or cancels
the generator) sets a flag the reader checks before its next item, so it drops the stream then,
and nobody waits for a read in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncGenerator, Callable, Iterable
from typing import Any

_END = object()


class _Failed:
    def __init__(self, error: Exception) -> None:
        self.error = error


async def read_in_thread[T](open_stream: Callable[[], tuple[Iterable[T], Callable[[], None]]],
                         start: Callable[[Callable[[], None]], object],
                         error: Callable[[Exception], Exception] = lambda exc: exc) -> AsyncGenerator[T, None]:
    """Yield what `open_stream()`'s iterable yields, read by the worker `start` runs.

    `open_stream` makes the blocking request and returns (items, close); `close` runs in the worker
    when reading ends. A failure in the worker is raised here, through `error` (e.g. to the port's
    error types).
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()
    stop = threading.Event()

    def post(item: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed while the thread was still reading
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def work() -> None:
        close: Callable[[], None] | None = None
        try:
            items, close = open_stream()
            for item in items:
                if stop.is_set():
                    return
                post(item)
            post(_END)
        except Exception as exc:
            if not stop.is_set():
                post(_Failed(exc))
        finally:
            if close is not None:
                with contextlib.suppress(Exception):
                    close()

    start(work)  # not awaited: a consumer that stops early must not wait for a read
    try:
        while (item := await queue.get()) is not _END:
            if isinstance(item, _Failed):
                raised = error(item.error)
                raise raised from (item.error if raised is not item.error else None)
            yield item
    finally:
        stop.set()
