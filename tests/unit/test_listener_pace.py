"""When the caller's audio may go to STT in larger pieces: while they are voiced and the agent is
silent. At 100 ms of quiet, or while the agent holds the floor, it goes in the smallest pieces."""

from __future__ import annotations

import asyncio

from media_relay.audio.vad import VadController
from media_relay.endpointing.endpointer import Endpointer
from media_relay.listener import FINE_AFTER_QUIET_MS, Listener
from media_relay.ports import FRAME_BYTES_PCM, FRAME_MS
from tests.support.engine_harness import plan_for
from tests.unit.test_early_end import QUIET, VOICED, _Analyzer


class PacedStt:
    """Records, per pushed frame, the pace it went at, and when the pace changed."""

    def __init__(self) -> None:
        self.coarse = False
        self.pushed: list[bool] = []
        self.changes: list[tuple[int, bool]] = []

    async def push(self, pcm: bytes) -> None:
        self.pushed.extend([self.coarse] * (len(pcm) // FRAME_BYTES_PCM))

    async def flush(self) -> None: ...

    def pace(self, coarse: bool) -> None:
        self.coarse = coarse
        self.changes.append((len(self.pushed), coarse))


async def listen(frames: list[bytes], agent_floor: list[bool] | None = None) -> PacedStt:
    stt = PacedStt()
    floor = agent_floor or [False] * len(frames)
    at = [0]
    listener = Listener(VadController(_Analyzer(), start_ms=100, stop_ms=700), stt,  # type: ignore[arg-type]
                        Endpointer(plan_for({}), None), lambda e: None, asyncio.create_task,
                        agent_floor=lambda: floor[at[0]])
    for i, frame in enumerate(frames):
        at[0] = i
        await listener.hear(frame)
    return stt


async def test_voiced_speech_goes_coarse_and_turns_fine_after_100_ms_of_quiet() -> None:
    stt = await listen([QUIET] * 20 + [VOICED] * 30 + [QUIET] * 40)
    quiet_frames = FINE_AFTER_QUIET_MS // FRAME_MS
    # The onset is the 5th voiced frame: 15 frames of preroll, then 26 voiced ones, all coarse; the
    # quiet's first frames too, until it has lasted 100 ms. The rest of the utterance's tail is fine.
    voiced = 15 + 26
    assert stt.changes == [(0, True), (voiced + quiet_frames - 1, False)]
    assert stt.pushed == [True] * (voiced + quiet_frames - 1) + [False] * (700 // FRAME_MS - quiet_frames + 1)


async def test_a_short_gap_between_words_keeps_the_coarse_pace() -> None:
    stt = await listen([VOICED] * 20 + [QUIET] * 4 + [VOICED] * 20 + [QUIET] * 40)
    assert [coarse for _, coarse in stt.changes] == [True, False]  # 80 ms of quiet is not a pause


async def test_while_the_agent_holds_the_floor_every_piece_is_fine() -> None:
    frames = [VOICED] * 60 + [QUIET] * 40
    floor = [True] * 30 + [False] * 70  # the agent was talking; it paused for the caller at frame 30
    stt = await listen(frames, floor)
    # The 4 frames of preroll and frames 4-29 go fine; from frame 30 the caller has the floor.
    assert stt.changes == [(30, True), (30 + 30 + FINE_AFTER_QUIET_MS // FRAME_MS - 1, False)]
    assert not any(stt.pushed[:30])
