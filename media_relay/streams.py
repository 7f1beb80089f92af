"""Async stream helpers the relay's stages share."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Final


class _Quiet:
    def __repr__(self) -> str:
        return "QUIET"


QUIET: Final = _Quiet()  # yielded by `with_quiet` when the source has said nothing for a while
_END: Final = object()


async def with_quiet[T](source: AsyncIterator[T], quiet_s: float) -> AsyncGenerator[T | _Quiet, None]:
    """The source's items, and `QUIET` once whenever it has been silent for `quiet_s`.

    The source is read by a task of its own, so waiting with a timeout never cancels (and so never
    finalises) the source itself; closing this generator cancels that task and closes the source.
    """
    queue: asyncio.Queue[object] = asyncio.Queue()

    async def pump() -> None:
        try:
            async for item in source:
                queue.put_nowait(item)
        except Exception as exc:  # handed to the consumer, raised there
            queue.put_nowait(exc)
        finally:
            queue.put_nowait(_END)

    task = asyncio.create_task(pump())
    try:
        quiet_sent = False
        while True:
            try:
                item = queue.get_nowait() if not queue.empty() else await asyncio.wait_for(
                    queue.get(), None if quiet_sent else quiet_s)
            except TimeoutError:
                quiet_sent = True
                yield QUIET
                continue
            if item is _END:
                return
            if isinstance(item, Exception):
                raise item
            quiet_sent = False
            yield item  # type: ignore[misc]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()
