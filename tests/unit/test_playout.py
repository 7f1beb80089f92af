"""Playout paces 20 ms frames to a deadline, marks each segment, and knows what was heard."""

from __future__ import annotations

import asyncio
import json
import time

import numpy as np

from media_relay.playout import Playout


async def test_frames_are_paced_marked_and_heard_on_echo() -> None:
    sent: list[tuple[float, dict]] = []

    async def send(text: str) -> None:
        sent.append((time.monotonic(), json.loads(text)))

    playout = Playout(send, "MZ1", lead_ms=0)
    runner = asyncio.create_task(playout.run())
    pcm = (np.ones(8000 // 2) * 1000).astype(np.int16).tobytes()  # 500 ms
    first = playout.enqueue(pcm, "Hello.", "tr_1")
    second = playout.enqueue(pcm[:3000], "Bye.", "tr_1")  # 187.5 ms: padded to whole frames
    await asyncio.wait_for(first.started.wait(), 1)
    while len([m for _, m in sent if m["event"] == "mark"]) < 2:
        await asyncio.sleep(0.01)
    runner.cancel()
    media = [(t, m) for t, m in sent if m["event"] == "media"]
    assert len(media) == 25 + 10
    span = media[-1][0] - media[0][0]
    assert 0.66 < span < 0.76  # 34 frame intervals of 20 ms, no drift
    marks = [m["mark"]["name"] for _, m in sent if m["event"] == "mark"]
    assert marks == [first.name, second.name]
    assert not first.heard.is_set()
    playout.on_mark(first.name)
    assert first.heard.is_set() and list(playout.pending) == [second.name]
