"""The Transcribe stream's audio out, against a fake connection: a chunk goes straight onto an idle
stream from `push` (no wake-up of the writer per event), nothing overtakes audio already queued,
and a partial chunk goes once it has waited one tick from its first audio (a timer's job, so it
goes even while the writer sleeps until the next keep-alive)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from media_relay.stt.transcribe_stream import Segment, TranscribeOptions, TranscribeStream

FRAME = b"\x01\x02" * 160  # 20 ms of PCM8K that is not silence
CHUNK_FRAMES = 5  # 100 ms chunks


class FakeConnection:
    """Records how each chunk left: "now" (`send_now`, from `push`) or "send" (the writer's await)."""

    def __init__(self) -> None:
        self.takes_now = True
        self.sent: list[tuple[str, bytes]] = []
        self._ended = asyncio.Event()

    async def send(self, pcm: bytes) -> None:
        self.sent.append(("send", pcm))

    def send_now(self, pcm: bytes) -> bool:
        if not self.takes_now:
            return False
        self.sent.append(("now", pcm))
        return True

    async def end(self) -> None:
        self._ended.set()

    async def segments(self) -> AsyncIterator[Segment]:
        await self._ended.wait()
        return
        yield

    async def close(self) -> None:
        self._ended.set()

    def audio(self) -> list[tuple[str, bytes]]:
        return [(how, pcm) for how, pcm in self.sent if pcm.strip(b"\x00")]  # not the silence


async def _stream(keepalive_s: float) -> tuple[TranscribeStream, FakeConnection]:
    conn = FakeConnection()

    async def connect(_: TranscribeOptions) -> FakeConnection:
        return conn

    stream = TranscribeStream(connect, TranscribeOptions(chunk_ms=100, voiced_chunk_ms=200, keepalive_s=keepalive_s))
    await stream.start()
    await asyncio.sleep(0.01)  # the writer is waiting
    return stream, conn


async def _until(check: object, timeout: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.005)


async def test_chunks_go_straight_out_from_push_while_the_writer_is_idle() -> None:
    stream, conn = await _stream(keepalive_s=5.0)
    for _ in range(2 * CHUNK_FRAMES):
        await stream.push(FRAME)
    assert conn.sent == [("now", FRAME * CHUNK_FRAMES)] * 2  # sent before push returned
    await stream.close()


async def test_nothing_overtakes_audio_already_queued() -> None:
    stream, conn = await _stream(keepalive_s=5.0)
    conn.takes_now = False  # a stalled connection: the first chunk queues for the writer
    for _ in range(CHUNK_FRAMES):
        await stream.push(b"\x01\x01" * 160)
    conn.takes_now = True  # the writer has not run yet: its queue is not empty
    for _ in range(CHUNK_FRAMES):
        await stream.push(b"\x02\x02" * 160)
    await _until(lambda: len(conn.sent) == 2)
    assert conn.sent == [("send", b"\x01\x01" * 800), ("send", b"\x02\x02" * 800)]
    for _ in range(CHUNK_FRAMES):  # the queue is empty again: straight out
        await stream.push(FRAME)
    assert conn.sent[-1] == ("now", FRAME * CHUNK_FRAMES)
    await stream.close()


async def test_a_partial_chunk_waits_a_whole_tick_from_its_first_audio() -> None:
    # Real-time silence mode: the writer wakes every 100 ms tick on its own.
    stream, conn = await _stream(keepalive_s=0.0)
    for _ in range(CHUNK_FRAMES):
        await stream.push(FRAME)
    await asyncio.sleep(0.06)  # the writer's own tick is more than half gone
    loop = asyncio.get_running_loop()
    first_audio = loop.time()
    await stream.push(FRAME)
    await asyncio.sleep(0.07)  # past the writer's tick, not past the partial chunk's own
    assert conn.audio() == [("now", FRAME * CHUNK_FRAMES)] or loop.time() - first_audio >= 0.098
    await _until(lambda: len(conn.audio()) == 2)
    assert conn.audio()[1] == ("now", FRAME)  # the writer was idle: straight onto the stream
    assert loop.time() - first_audio >= 0.098
    await stream.close()


async def test_a_partial_chunk_goes_while_the_writer_sleeps_until_the_next_keepalive() -> None:
    stream, conn = await _stream(keepalive_s=10.0)
    await stream.push(FRAME)  # a partial chunk, seconds before the next keep-alive
    await _until(lambda: len(conn.audio()) == 1, timeout=1.0)
    assert conn.audio() == [("now", FRAME)]
    conn.takes_now = False  # a stalled connection: the next one is the writer's, woken for it
    await stream.push(FRAME)
    await _until(lambda: len(conn.audio()) == 2, timeout=1.0)
    assert conn.audio()[1] == ("send", FRAME)
    await stream.close()


async def test_no_silence_goes_ahead_of_pending_audio() -> None:
    # Real-time silence mode: the writer sends silence level with the clock while nobody is heard.
    stream, conn = await _stream(keepalive_s=0.0)
    await _until(lambda: len(conn.sent) == 1)  # the first 100 ms of silence
    before = len(conn.sent)
    await stream.push(FRAME)  # the writer's next tick, due silence, comes while this is pending
    await _until(lambda: len(conn.audio()) == 1)
    assert conn.sent[before][1] == FRAME
    await stream.close()
