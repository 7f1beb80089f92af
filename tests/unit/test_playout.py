"""Playout paces 20 ms frames to a deadline, marks each run, and knows how far into a piece the caller is."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import numpy as np

from media_relay.playout import Playout
from media_relay.stats import RelayStats
from tests.support.fake_clock import FakeClock

TONE = (np.ones(8000 // 2) * 1000).astype(np.int16).tobytes()  # 500 ms


async def test_frames_are_paced_marked_and_heard_on_echo() -> None:
    sent: list[tuple[float, dict[str, Any]]] = []

    async def send(text: str) -> None:
        sent.append((time.monotonic(), json.loads(text)))

    playout = Playout(send, "MZ1", lead_ms=0)
    runner = asyncio.create_task(playout.run())
    first = playout.play(TONE, "Hello.", "tr_1")
    second = playout.play(TONE[:3000], "Bye.", "tr_1")  # 187.5 ms: padded to whole frames
    while len([m for _, m in sent if m["event"] == "mark"]) < 2:
        await asyncio.sleep(0.01)
    runner.cancel()
    media = [(t, m) for t, m in sent if m["event"] == "media"]
    assert len(media) == 25 + 10
    span = media[-1][0] - media[0][0]
    assert 0.66 < span < 0.76  # 34 frame intervals of 20 ms, no drift
    marks = [m["mark"]["name"] for _, m in sent if m["event"] == "mark"]
    assert not first.heard.is_set() and playout.pending("tr_1")
    assert playout.on_mark(marks[0]) is first and first.heard.is_set()
    assert playout.pieces == [second]
    assert playout.on_mark("unknown") is None


class Line:
    """A playout on a fake clock with a lead so long that every frame goes out at once."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.sent: list[dict[str, Any]] = []
        self.playout = Playout(self.send, "MZ1", lead_ms=3_600_000, clock=self.clock)

    async def send(self, text: str) -> None:
        self.sent.append(json.loads(text))

    async def settle(self) -> None:
        for _ in range(20):
            await asyncio.sleep(0)


async def test_a_pause_knows_how_far_into_the_piece_the_far_end_got() -> None:
    line = Line()
    runner = asyncio.create_task(line.playout.run())
    first = line.playout.play(TONE, "One.", "tr_1")
    second = line.playout.play(TONE, "Two.", "tr_1")
    await line.settle()
    line.clock.advance(0.64)  # the first piece played whole, 140 ms of the second
    await line.playout.pause()
    runner.cancel()
    assert line.sent[-1]["event"] == "clear"
    assert first.heard.is_set()  # played in full, though its mark never came back
    assert second.played == 140 * 8 and not second.heard.is_set()
    assert line.playout.pieces == [second] and line.playout.held and not line.playout.busy


async def test_audio_that_arrives_while_a_piece_plays_continues_it() -> None:
    line = Line()
    runner = asyncio.create_task(line.playout.run())
    piece = line.playout.start_piece("A long one.", "tr_1")
    line.playout.add_audio(piece, TONE)
    await line.settle()
    line.clock.advance(0.7)  # the far end ran dry 200 ms ago...
    line.playout.add_audio(piece, TONE)  # ...then the rest of the sentence came
    await line.settle()
    line.clock.advance(0.1)
    await line.playout.pause()
    runner.cancel()
    assert piece.played == (500 + 100) * 8  # the gap is not counted as playing


async def test_resume_repeats_the_held_piece_and_drop_forgets_it() -> None:
    line = Line()
    runner = asyncio.create_task(line.playout.run())
    piece = line.playout.play(TONE, "Held.", "tr_1")
    later = line.playout.play(TONE, "Later.", "tr_1")
    await line.settle()
    line.clock.advance(0.2)
    await line.playout.pause()
    before = sum(1 for m in line.sent if m["event"] == "media")
    line.playout.resume(piece, 0)
    await line.settle()
    assert sum(1 for m in line.sent if m["event"] == "media") - before == 50  # both pieces again
    marks = [m["mark"]["name"] for m in line.sent if m["event"] == "mark"][-2:]
    line.clock.advance(1.0)
    for name in marks:
        line.playout.on_mark(name)
    assert piece.heard.is_set() and later.heard.is_set() and not line.playout.pieces

    again = line.playout.play(TONE, "Dropped.", "tr_2")
    await line.settle()
    await line.playout.pause()
    assert line.playout.drop() == [again] and not line.playout.pending("tr_2") and not line.playout.held
    runner.cancel()


async def test_late_marks_after_a_clear_prove_nothing() -> None:
    line = Line()
    runner = asyncio.create_task(line.playout.run())
    piece = line.playout.play(TONE, "Cut.", "tr_1")
    await line.settle()
    mark = next(m["mark"]["name"] for m in line.sent if m["event"] == "mark")
    await line.playout.pause()  # Twilio echoes pending marks at once after a clear
    assert line.playout.on_mark(mark) is None and not piece.heard.is_set()
    runner.cancel()


async def test_the_network_delay_learned_from_marks_is_taken_off_the_position() -> None:
    line = Line()
    runner = asyncio.create_task(line.playout.run())
    for _ in range(8):  # marks come back 100 ms after the audio's end: a 100 ms round trip
        line.playout.play(TONE, "Hi.", "tr_1")
        await line.settle()
        line.clock.advance(0.6)
        line.playout.on_mark(next(m["mark"]["name"] for m in reversed(line.sent) if m["event"] == "mark"))
    assert 0.08 < line.playout.delay_s < 0.1
    cut = line.playout.play(TONE, "Cut.", "tr_1")
    await line.settle()
    line.clock.advance(0.3)
    await line.playout.pause()
    runner.cancel()
    assert 240 * 8 <= cut.played <= 260 * 8  # 300 ms on our clock, 50 ms less at the far end


class BatchedLine(Line):
    """A line whose wire carries five 20 ms frames per message, as the relay's Twilio wire does, paced
    on the fake clock (its sleeps end when the test advances the clock)."""

    def __init__(self) -> None:
        super().__init__()
        self.stats = RelayStats()
        self.playout = Playout(self.send, "MZ1", lead_ms=100, clock=self.clock, stats=self.stats,
                               frames_per_message=5, sleep=self.sleep)

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not woken.done():
                woken.set_result(None)

        self.clock.call_later(seconds, wake)
        await woken

    def media(self) -> list[bytes]:
        return [base64.b64decode(m["media"]["payload"]) for m in self.sent if m["event"] == "media"]

    async def until(self, ms: int) -> None:
        """Advance the clock by `ms` in 20 ms steps, letting the playout send what falls due."""
        for _ in range(ms // 20):
            self.clock.advance(0.02)
            await self.settle()
        self.clock.advance(1e-6)  # past float rounding of the 20 ms steps
        await self.settle()


async def test_several_frames_go_out_in_one_message_each_on_time() -> None:
    line = BatchedLine()
    runner = asyncio.create_task(line.playout.run())
    line.playout.play(TONE[:3900 * 2], "Hi.", "tr_1")  # 487.5 ms: 25 frames, the last padded
    await line.settle()
    assert [len(m) for m in line.media()] == [800, 800]  # 100 ms due now, the next 100 ms the lead
    await line.until(80)
    assert len(line.media()) == 2  # the far end still holds 120 ms
    await line.until(20)
    assert len(line.media()) == 3  # the third message when its first frame is due
    await line.until(200)
    runner.cancel()
    assert [len(m) for m in line.media()] == [800] * 5
    assert line.stats.frames_out == 25 and line.stats.late_frames == 0
    assert line.sent[-1]["event"] == "mark" and line.sent[-1]["mark"]["name"].endswith(":4000")


async def test_a_pause_between_messages_sends_nothing_more_and_knows_the_position() -> None:
    line = BatchedLine()
    runner = asyncio.create_task(line.playout.run())
    piece = line.playout.play(TONE, "Long.", "tr_1")
    await line.settle()
    await line.until(120)
    await line.playout.pause()
    sent = len(line.media())
    await line.until(200)
    runner.cancel()
    assert sent == 3 and len(line.media()) == sent and line.sent[-1]["event"] == "clear"
    assert piece.played == 120 * 8  # by the far end's clock, not what was sent ahead of it


def test_a_late_message_counts_only_its_frames_that_were_late() -> None:
    stats = RelayStats()
    stats.frame_out(0.15, 0.1, count=5, step_s=0.02)  # frames due 150, 130, 110, 90, 70 ms ago
    assert stats.frames_out == 5 and stats.late_frames == 3
    assert stats.lateness.summary()["n"] == 1  # one send, one lateness figure
