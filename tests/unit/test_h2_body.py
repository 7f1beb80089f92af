"""`DirectBody`: audio events go to awscrt's HTTP/2 write at once, in order; only a stalled
connection (MAX_UNWRITTEN writes outstanding) makes the relay wait, and a failed write is raised."""

from __future__ import annotations

import asyncio
import threading
from io import BytesIO
from typing import Any

import pytest

from media_relay.stt.h2_body import MAX_UNWRITTEN, DirectBody


class Crt:
    """awscrt's write as the relay sees it: queued in order, completed later on another thread."""

    def __init__(self) -> None:
        self.queued: list[tuple[bytes, bool, Any]] = []

    def write(self, stream: Any, body: BytesIO, end_stream: bool, on_complete: Any) -> None:
        self.queued.append((body.read(), end_stream, on_complete))

    def complete(self, n: int, error_code: int = 0) -> None:
        done, self.queued = self.queued[:n], self.queued[n:]
        thread = threading.Thread(target=lambda: [cb(error_code) for _, _, cb in done])
        thread.start()
        thread.join()


async def test_writes_go_out_at_once_in_order_and_wait_only_when_too_many_are_outstanding() -> None:
    crt = Crt()
    body = DirectBody("stream", crt.write, lambda b: b)
    for i in range(MAX_UNWRITTEN):
        await body.write(bytes([i]))  # none of these waits for a completion
    assert [data for data, _, _ in crt.queued] == [bytes([i]) for i in range(MAX_UNWRITTEN)]
    assert not any(end for _, end, _ in crt.queued)
    late = asyncio.create_task(body.write(b"late"))
    await asyncio.sleep(0.05)
    assert not late.done() and len(crt.queued) == MAX_UNWRITTEN  # the connection is stalled: wait
    crt.complete(1)  # awscrt's thread reports one write done
    await asyncio.wait_for(late, 1)
    assert crt.queued[-1][0] == b"late" and body.written == MAX_UNWRITTEN + 1 and body.completed == 1


async def test_a_failed_write_is_raised_by_the_next_one() -> None:
    crt = Crt()
    body = DirectBody("stream", crt.write, lambda b: b)
    await body.write(b"one")
    crt.complete(1, error_code=1051)
    with pytest.raises(OSError, match="1051"):
        await body.write(b"two")
    assert len(crt.queued) == 0


def test_only_an_awscrt_http2_stream_is_written_directly() -> None:
    assert DirectBody.over(object()) is None
    assert DirectBody.over(None) is None
