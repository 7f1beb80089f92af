"""Amazon Transcribe streaming, the half that does not depend on a client package.

A call's recognition (`TranscribeStream`, an `SttStream`) runs over a chain of Transcribe streams:
audio goes out in ~100 ms chunks, silence fills the gaps (the service ends a stream after 15 s
without audio), and a stream is replaced before the service's 4 h limit or after it fails, with
backoff. `UtteranceAssembler` turns Transcribe's segments (partials that replace each other, closed
by `IsPartial=false`) into the relay's turns: the relay's VAD decides when the caller stopped, so
`flush()` emits a final as soon as Transcribe closes what it heard, or the latest partial after a
short grace. A package adapter only supplies a `Connector` (see `transcribe_sdk.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from media_relay.ports import SAMPLE_RATE, Transcript
from switchboard.errors import UpstreamError
from switchboard.logging import logger

STREAM_LIMIT_S = 4 * 3600  # the service's fixed maximum stream duration
TICK_SLACK_S = 0.002  # a timer may fire this early: a partial chunk this close to its tick has waited it


@dataclass(frozen=True)
class TranscribeOptions:
    language: str = "en-US"
    sample_rate: int = SAMPLE_RATE
    stability: str | None = "high"  # partial-results stabilisation: high | medium | low, None = off
    chunk_ms: int = 100
    # While `pace(coarse=True)`: the caller is mid-speech and nobody reads their words before a pause.
    # Each event costs the loop its framing, signing and an HTTP/2 write; words arrive up to
    # `voiced_chunk_ms - chunk_ms` later, but never later at a pause (the listener turns it off there).
    voiced_chunk_ms: int = 200
    grace_ms: int = 300  # after flush(), how long to wait for Transcribe's own final
    max_stream_s: float = STREAM_LIMIT_S - 300  # replace a stream this long before the service ends it
    connect_timeout_s: float = 10.0
    max_retries: int = 4  # consecutive failed attempts before the call's recognition gives up
    backoff_s: float = 0.25
    backoff_max_s: float = 8.0
    partials: bool = True  # publish partial transcripts on results(), not only finals
    backlog_s: float = 10.0  # audio kept while reconnecting; older audio is dropped
    # While the caller is not heard: 0 keeps the sent audio level with the clock (silence at real
    # time); > 0 sends one silent chunk only when nothing went out for this long, which keeps the
    # stream alive (the service's limit is 15 s without audio) at a fraction of the cost: every
    # event is signed and framed, and the relay's VAD already sends the silence after each utterance.
    keepalive_s: float = 0.0
    drain_timeout_s: float = 3.0  # how long an ended stream may take to deliver its last results


@dataclass(frozen=True)
class Segment:
    """One Transcribe result, whatever package delivered it (times in seconds from its stream's start)."""

    result_id: str
    is_partial: bool
    text: str
    start_s: float
    end_s: float
    confidences: tuple[float, ...] = ()  # of the spoken items (punctuation has none)


class ServiceFault(Exception):
    """A Transcribe failure, as an adapter maps it: the service's error name and whether to retry."""

    def __init__(self, name: str, message: str, *, retryable: bool) -> None:
        super().__init__(f"{name}: {message}")
        self.name, self.message, self.retryable = name, message, retryable


class StreamConnection(Protocol):
    """One open Transcribe stream (one HTTP/2 request)."""

    async def send(self, pcm: bytes) -> None: ...

    def send_now(self, pcm: bytes) -> bool:
        """Send without awaiting anything, when the connection can (False: nothing was sent, use `send`)."""
        ...

    async def end(self) -> None:
        """No more audio; the service still delivers the results for what it got, then closes."""
        ...

    def segments(self) -> AsyncIterator[Segment]:
        """Results as they arrive; raises `ServiceFault` for an exception frame or a broken stream."""
        ...

    async def close(self) -> None: ...


Connector = Callable[[TranscribeOptions], Awaitable[StreamConnection]]


@dataclass
class _Piece:
    text: str
    start_ms: int
    end_ms: int
    confidences: tuple[float, ...]


class UtteranceAssembler:
    """Transcribe segments in, the relay's transcripts out (pure; the stream feeds it)."""

    def __init__(self, *, partials: bool = True) -> None:
        self.partials = partials
        self.closed: list[_Piece] = []
        self.open: dict[tuple[int, str], _Piece] = {}
        self.abandoned: set[tuple[int, str]] = set()  # segments already published from their partial
        self.flushing = 0  # generation of the flush waiting for a final; 0 = none
        self._generation = 0
        self._last_partial = ""

    def on_segment(self, stream: int, seg: Segment, offset_ms: int) -> list[Transcript]:
        key = (stream, seg.result_id)
        if key in self.abandoned:
            if not seg.is_partial:
                self.abandoned.discard(key)
            return []
        piece = _Piece(seg.text.strip(), offset_ms + round(seg.start_s * 1000), offset_ms + round(seg.end_s * 1000),
                       seg.confidences)
        if seg.is_partial:
            self.open[key] = piece
        else:
            self.open.pop(key, None)
            self.closed.append(piece)
        if self.flushing and not self.open:
            return [self._final()]
        return self._partial()

    def flush(self) -> tuple[int, list[Transcript]]:
        """The caller stopped: final now if everything heard is closed, else the caller waits for `expire`."""
        if not self.flushing:
            self._generation += 1
            self.flushing = self._generation
        generation = self.flushing
        if self.closed and not self.open:
            return generation, [self._final()]
        return generation, []

    def expire(self, generation: int) -> list[Transcript]:
        """The grace is over: publish the latest partial as final and ignore that segment's later results."""
        if self.flushing != generation:
            return []
        self.abandoned.update(self.open)
        return [self._final()]

    def stream_ended(self, stream: int) -> list[Transcript]:
        """A stream will never close its open segments: keep what they heard as if closed."""
        for key in [k for k in self.open if k[0] == stream]:
            self.closed.append(self.open.pop(key))
        self.abandoned = {k for k in self.abandoned if k[0] != stream}
        if self.flushing and not self.open:
            return [self._final()]
        return []

    def _compose(self, *, final: bool) -> Transcript:
        pieces = sorted([p for p in (*self.closed, *self.open.values()) if p.text], key=lambda p: p.start_ms)
        confidences = [c for p in pieces for c in p.confidences]
        confidence = round(sum(confidences) / len(confidences), 3) if confidences else None
        if not pieces:
            return Transcript("", final, None)
        return Transcript(" ".join(p.text for p in pieces), final, confidence, pieces[0].start_ms,
                          max(p.end_ms for p in pieces))

    def _partial(self) -> list[Transcript]:
        transcript = self._compose(final=False)
        if not self.partials or not transcript.text or transcript.text == self._last_partial:
            return []
        self._last_partial = transcript.text
        return [transcript]

    def _final(self) -> Transcript:
        transcript = self._compose(final=True)
        self.closed.clear()
        self.open.clear()
        self.flushing, self._last_partial = 0, ""
        return transcript


def fault_error(fault: ServiceFault, *, started: bool) -> UpstreamError:
    """The error a call sees when Transcribe cannot be used (a sentence an operator can act on)."""
    what = "stopped recognising this call" if started else "refused to start a stream"
    error = UpstreamError(f"Amazon Transcribe {what} ({fault.name}): {fault.message}")
    error.retryable = fault.retryable
    return error


class TranscribeStream:
    """One call's speech-to-text (`SttStream`) over Transcribe streams that are replaced as needed."""

    def __init__(self, connect: Connector, options: TranscribeOptions, *,
                 clock: Callable[[], float] = time.monotonic, jitter: Callable[[], float] = random.random) -> None:
        self._connect, self.options, self._clock, self._jitter = connect, options, clock, jitter
        self._bytes_per_s = options.sample_rate * 2
        self._fine_bytes = self._bytes_per_s * options.chunk_ms // 1000
        self._coarse_bytes = max(self._fine_bytes, self._bytes_per_s * options.voiced_chunk_ms // 1000)
        self._chunk_bytes = self._fine_bytes
        self._pending = bytearray()
        self._pending_at = 0.0  # when the audio now pending began: a partial chunk waits one tick from there
        self._tick: asyncio.TimerHandle | None = None  # sends a partial chunk that has waited its tick
        # The stream whose writer waits with nothing queued: a chunk goes straight onto it from `push`
        # (no wake-up of the writer per event); None while the writer holds a chunk or no stream is up.
        self._ready: StreamConnection | None = None
        self._chunks: deque[bytes] = deque(maxlen=max(1, round(options.backlog_s * 1000 / options.chunk_ms)))
        self._audio = asyncio.Event()
        self._queue: asyncio.Queue[Transcript | Exception | None] = asyncio.Queue()
        self._assembler = UtteranceAssembler(partials=options.partials)
        self._closing = False
        self._sent = 0  # audio bytes sent over all streams: the stream-relative timeline
        self._last_send = 0.0
        self._origin = 0.0  # when that timeline started on the clock
        self._failures = 0
        self.streams_opened = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._supervisor: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Open the first stream now, so a refused request fails the call's start with a clear error."""
        first = await self._open(started=False)
        self._origin = self._clock()
        self._supervisor = asyncio.create_task(self._supervise(first))

    # --- SttStream ---

    async def push(self, pcm: bytes) -> None:
        if not self._pending:
            self._pending_at = self._clock()
            if self._tick is None:
                self._tick = asyncio.get_running_loop().call_later(self._chunk_bytes / self._bytes_per_s,
                                                                   self._partial_due)
        self._pending += pcm
        while len(self._pending) >= self._chunk_bytes:
            self._out(bytes(self._pending[:self._chunk_bytes]))
            del self._pending[:self._chunk_bytes]

    def pace(self, coarse: bool) -> None:
        self._chunk_bytes = self._coarse_bytes if coarse else self._fine_bytes
        if not coarse and len(self._pending) >= self._fine_bytes:  # what waited for a larger piece goes now
            self._out_tail()

    async def flush(self) -> None:
        self._out_tail()
        generation, ready = self._assembler.flush()
        self._publish(ready)
        if not ready:
            self._spawn(self._expire_after_grace(generation))

    async def results(self) -> AsyncIterator[Transcript]:
        while (item := await self._queue.get()) is not None:
            if isinstance(item, Exception):
                raise item
            yield item

    async def close(self) -> None:
        """End the current stream cleanly (its last results still count), within `drain_timeout_s`."""
        if self._closing:
            return
        self._closing = True
        if self._tick is not None:
            self._tick.cancel()
        if tail := self._take_tail():
            self._enqueue(tail)
        self._audio.set()
        deadline = self._clock() + self.options.drain_timeout_s + 1
        if self._supervisor is not None:  # it ends the stream, then retires it in a task of its own
            await asyncio.wait([self._supervisor], timeout=self.options.drain_timeout_s)
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=max(0.0, deadline - self._clock()))
        tasks = [*([self._supervisor] if self._supervisor else []), *self._tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._queue.put_nowait(None)

    # --- audio out ---

    def _out(self, chunk: bytes) -> None:
        """A chunk goes straight out when the writer is idle on a stream that takes it at once (most events
        while a caller talks), else to the writer's queue, behind anything already there."""
        conn = self._ready
        if conn is not None and not self._chunks and conn.send_now(chunk):
            self._sent += len(chunk)
            self._last_send = self._clock()
            return
        self._enqueue(chunk)

    def _out_tail(self) -> None:
        if tail := self._take_tail():
            self._out(tail)

    def _partial_due(self) -> None:
        """A partial chunk goes as it is once it has waited one tick from its first audio (a timer, not
        the writer: chunks that fill in time never wake anything)."""
        self._tick = None
        if not self._pending:
            return
        wait = self._chunk_bytes / self._bytes_per_s - (self._clock() - self._pending_at)
        if wait > TICK_SLACK_S:  # the audio pending now began after the chunk this timer was set for
            self._tick = asyncio.get_running_loop().call_later(wait, self._partial_due)
            return
        self._out_tail()

    def _enqueue(self, chunk: bytes) -> None:
        if len(self._chunks) == self._chunks.maxlen:
            logger.warning("Transcribe audio backlog is full; dropping the oldest audio")
        self._chunks.append(chunk)
        self._audio.set()

    def _take_tail(self) -> bytes:
        """What is pending, in whole samples, taken off the pending audio."""
        size = len(self._pending) // 2 * 2
        tail = bytes(self._pending[:size])
        del self._pending[:size]
        return tail

    async def _next_chunk(self, timeout: float, limit: float | None = None) -> bytes:
        if not self._chunks:
            self._audio.clear()
            quiet = self.options.keepalive_s > 0
            with contextlib.suppress(TimeoutError):
                # With keep-alives, nothing is due before the next one unless audio is queued (which
                # sets the event), so the writer sleeps until then rather than waking ten times a second
                # on every idle call. Audio that is not queued (sent from `push`) never wakes it.
                wait = min(max(timeout, self._keepalive_due()), limit if limit is not None else math.inf)
                await asyncio.wait_for(self._audio.wait(), wait if quiet else timeout)
        if self._chunks:
            return self._chunks.popleft()
        return self._silence_due()

    def _keepalive_due(self) -> float:
        return self.options.keepalive_s - (self._clock() - max(self._last_send, self._origin))

    def _silence_due(self) -> bytes:
        """Silence while the caller is not heard: level with the clock, or a keep-alive chunk now and then
        (none while audio is pending: it goes within its tick, and silence must not come before it)."""
        if self._pending:
            return b""
        if self.options.keepalive_s > 0:
            quiet = self._clock() - max(self._last_send, self._origin)
            return bytes(self._fine_bytes) if quiet >= self.options.keepalive_s else b""
        due = int((self._clock() - self._origin) * self._bytes_per_s) - self._sent
        if due < self._fine_bytes:
            return b""
        if due > self._bytes_per_s:  # far behind (a reconnect): restart the clock rather than burst
            self._origin = self._clock() - self._sent / self._bytes_per_s
        return bytes(self._fine_bytes)

    async def _write(self, conn: StreamConnection) -> bool:
        """Send audio until closing (False) or until the stream is due for replacement (True)."""
        deadline = self._clock() + self.options.max_stream_s
        while True:
            if self._closing and not self._chunks:
                return False
            remaining = deadline - self._clock()
            if remaining <= 0:
                return True
            self._ready = conn
            try:
                chunk = await self._next_chunk(min(self._chunk_bytes / self._bytes_per_s, remaining), remaining)
            finally:
                self._ready = None
            if chunk:
                await conn.send(chunk)
                self._sent += len(chunk)
                self._last_send = self._clock()

    # --- results in ---

    async def _read(self, conn: StreamConnection, stream: int, offset_ms: int) -> None:
        async for segment in conn.segments():
            self._failures = 0
            self._publish(self._assembler.on_segment(stream, segment, offset_ms))

    def _publish(self, transcripts: Iterable[Transcript]) -> None:
        for transcript in transcripts:
            self._queue.put_nowait(transcript)

    async def _expire_after_grace(self, generation: int) -> None:
        await asyncio.sleep(self.options.grace_ms / 1000)
        self._publish(self._assembler.expire(generation))

    # --- the chain of streams ---

    async def _supervise(self, conn: StreamConnection | None) -> None:
        try:
            while conn is not None:
                conn = await self._serve(conn)
        except UpstreamError as error:
            logger.error("speech recognition failed", extra={"error": error.detail})
            self._queue.put_nowait(error)
        except Exception as exc:  # a bug must end the call's recognition loudly, not hang results()
            logger.exception("speech recognition crashed")
            self._queue.put_nowait(UpstreamError(f"Speech recognition stopped unexpectedly: {exc!r}"))

    async def _serve(self, conn: StreamConnection) -> StreamConnection | None:
        """Run one stream; return the stream that replaces it (None when the call is closing)."""
        self.streams_opened += 1
        stream, offset_ms = self.streams_opened, self._sent * 1000 // self._bytes_per_s
        reader = asyncio.create_task(self._read(conn, stream, offset_ms))
        writer = asyncio.create_task(self._write(conn))
        await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        if writer.done() and not writer.cancelled() and writer.exception() is None:
            # Ended streams still deliver their last results while the replacement connects;
            # the audio sent meanwhile waits in the backlog.
            self._spawn(self._retire(conn, reader, stream))
            if not writer.result():
                return None
            logger.info("replacing the Transcribe stream before its time limit", extra={"stream": stream})
            return await self._open(started=True)
        writer.cancel()
        await self._discard(conn, stream, reader)
        outcomes = await asyncio.gather(reader, writer, return_exceptions=True)
        fault = next((o for o in outcomes if isinstance(o, Exception)), None)
        if self._closing:
            return None
        return await self._reconnect(fault)

    async def _reconnect(self, fault: Exception | None) -> StreamConnection:
        if not isinstance(fault, ServiceFault):
            fault = ServiceFault(type(fault).__name__ if fault else "StreamEnded",
                                 str(fault) if fault else "the service ended the stream", retryable=True)
        self._failures += 1
        if self._failures > self.options.max_retries:
            raise fault_error(fault, started=True)
        delay = self._backoff(self._failures)
        logger.warning("Transcribe stream failed; reconnecting",
                       extra={"fault": str(fault), "attempt": self._failures, "delayS": round(delay, 3)})
        await asyncio.sleep(delay)
        return await self._open(started=True)

    async def _open(self, *, started: bool) -> StreamConnection:
        attempt = 0
        while True:
            try:
                return await asyncio.wait_for(self._connect(self.options), self.options.connect_timeout_s)
            except ServiceFault as fault:
                error = fault
            except TimeoutError:
                error = ServiceFault("ConnectTimeout", f"no answer within {self.options.connect_timeout_s:g} s "
                                     "(check the endpoint, the network, TLS trust and AWS credentials)", retryable=True)
            attempt += 1
            if not error.retryable or attempt > self.options.max_retries:
                raise fault_error(error, started=started)
            await asyncio.sleep(self._backoff(attempt))

    def _backoff(self, attempt: int) -> float:
        delay = min(self.options.backoff_max_s, self.options.backoff_s * 2 ** (attempt - 1))
        return delay * (0.5 + self._jitter() / 2)

    async def _retire(self, conn: StreamConnection, reader: asyncio.Task[None], stream: int) -> None:
        with contextlib.suppress(Exception, TimeoutError):
            await asyncio.wait_for(conn.end(), self.options.drain_timeout_s)
        await asyncio.wait([reader], timeout=self.options.drain_timeout_s)
        await self._discard(conn, stream, reader)

    async def _discard(self, conn: StreamConnection, stream: int, reader: asyncio.Task[None]) -> None:
        """Close the connection first: a read cancelled while waiting for data breaks awscrt's stream."""
        with contextlib.suppress(Exception):
            await conn.close()
        await asyncio.wait([reader], timeout=1.0)
        reader.cancel()
        self._publish(self._assembler.stream_ended(stream))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
