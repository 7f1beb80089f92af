"""Audio events written straight onto a Transcribe stream's HTTP/2 request body.

The SDK's path for each event: our bytes go into smithy's `AsyncBytesProvider` (a lock and a
condition), which wakes awscrt's body task, which wraps them in a stream and writes them, then
waits for awscrt's thread to say the write is done (a cross-thread wake-up of the event loop)
before it takes the next. That is two task switches and a wake-up per 100 ms event, about a tenth
of the relay's event loop while callers talk (py-spy, 25 calls).

Here the event goes to awscrt's HTTP/2 write at once. awscrt queues writes in order, so nothing
waits for a completion: the completion (on awscrt's thread) only counts, and notes a failure,
which the next write raises. Writes wait only when `MAX_UNWRITTEN` are outstanding (a stalled
connection), so memory stays bounded. The request body's end (the SDK's end-of-stream event, then
END_STREAM) still goes through the SDK's body task, after everything written here.

awscrt's write is `_awscrt.http2_client_stream_write_data`, what its own `_write_data` calls
(awscrt 0.32.2, pinned); where it or the stream class is not there, `over` returns None and the
SDK's path is used.
"""

from __future__ import annotations

import asyncio
from io import BytesIO
from typing import Any

from media_relay.stt import crt_thread_state

MAX_UNWRITTEN = 32  # events (3.2-6.4 s of audio) awscrt may hold before the relay waits


class DirectBody:
    def __init__(self, stream: Any, write: Any, wrap: Any) -> None:
        self.stream, self._write, self._wrap = stream, write, wrap
        self.loop = asyncio.get_running_loop()
        self.written = 0  # counted on the event loop
        self.completed = 0  # counted on awscrt's thread only
        self.error_code = 0
        self._room: asyncio.Future[None] | None = None  # set while waiting for a write to complete

    @classmethod
    def over(cls, stream: Any) -> DirectBody | None:
        """For an awscrt HTTP/2 client stream opened for manual writes; None for anything else."""
        try:
            import _awscrt
            from awscrt.aio.http import AIOHttp2ClientStream
            from awscrt.io import InputStream
        except ImportError:
            return None
        write = getattr(_awscrt, "http2_client_stream_write_data", None)
        if write is None or not isinstance(stream, AIOHttp2ClientStream):
            return None
        return cls(stream, write, InputStream.wrap)

    async def write(self, data: bytes) -> None:
        if self.written - self.completed >= MAX_UNWRITTEN:
            self._room = self.loop.create_future()
            if self.written - self.completed >= MAX_UNWRITTEN:  # a completion may have come meanwhile
                await self._room
            self._room = None
        if not self.write_now(data):  # with room made, only a failure refuses it
            raise OSError(f"Failed to write to stream (awscrt error {self.error_code}).")

    def write_now(self, data: bytes) -> bool:
        """`write` where it would not wait: False (nothing written) with `MAX_UNWRITTEN` outstanding or
        after a failure, which `write` then waits out or raises."""
        if self.written - self.completed >= MAX_UNWRITTEN or self.error_code:
            return False
        self._write(self.stream, self._wrap(BytesIO(data)), False, self._completed)
        self.written += 1
        return True

    def _completed(self, error_code: int) -> None:
        """awscrt's thread: a write went out (or failed)."""
        crt_thread_state.keep()  # this thread's callbacks (writes, reads) stop rebuilding Python state
        if error_code and not self.error_code:
            self.error_code = error_code
        self.completed += 1
        room = self._room
        if room is not None:
            self.loop.call_soon_threadsafe(_wake, room)


def _wake(room: asyncio.Future[None]) -> None:
    if not room.done():
        room.set_result(None)
