"""An utterance judged finished at a pause ends only once the quiet has lasted EARLY_END_SILENCE_MS:
a comma's pause (250-520 ms in the voices measured) must not cut a sentence in two."""

from __future__ import annotations

import asyncio
from typing import Any

from media_relay.audio.vad import VadController
from media_relay.endpointing.endpointer import EARLY_END_SILENCE_MS, Endpointer
from media_relay.engine import events as ev
from media_relay.listener import Listener
from media_relay.ports import FRAME_BYTES_PCM, FRAME_MS
from tests.support.engine_harness import plan_for

VOICED, QUIET = b"\x01" * FRAME_BYTES_PCM, bytes(FRAME_BYTES_PCM)


class _Analyzer:
    """Speech is any frame that is not all zeros."""

    def is_speech(self, frame: bytes, *, caller_speaking: bool = False) -> bool:
        return any(frame)


class _Model:
    threshold = 0.8

    def __init__(self, score: float) -> None:
        self.score = score

    async def decide(self, audio: bytes) -> float:
        return self.score


class _Stt:
    async def push(self, pcm: bytes) -> None: ...

    async def flush(self) -> None: ...

    def pace(self, coarse: bool) -> None: ...


async def _listen(frames: list[bytes], score: float = 0.97, words: str = "when are you open",
                  plan: dict[str, Any] | None = None) -> list[tuple[int, str]]:
    """Feed frames one by one (letting the decision run between them); (stream ms, event) posted."""
    posted: list[tuple[int, str]] = []
    endpointer = Endpointer(plan_for(plan or {}), _Model(score))  # type: ignore[arg-type]
    listener = Listener(VadController(_Analyzer(), start_ms=100, stop_ms=1500), _Stt(), endpointer,  # type: ignore[arg-type]
                        lambda e: posted.append((listener.stream_ms, type(e).__name__)), asyncio.create_task)
    for frame in frames:
        await listener.hear(frame)
        listener.words(words)
        for _ in range(3):
            await asyncio.sleep(0)
    return posted


def _ended_at(posted: list[tuple[int, str]]) -> list[int]:
    return [at for at, name in posted if name == ev.SpeechEnded.__name__]


async def test_a_finished_utterance_ends_after_the_early_end_silence_not_at_the_pause() -> None:
    speech = [VOICED] * 50
    posted = await _listen(speech + [QUIET] * 40)
    assert _ended_at(posted) == [len(speech) * FRAME_MS + EARLY_END_SILENCE_MS]


async def test_a_comma_pause_shorter_than_the_early_end_silence_keeps_the_sentence_whole() -> None:
    comma = [QUIET] * (400 // FRAME_MS)  # paused (250 ms) and judged finished, but speech comes back
    posted = await _listen([VOICED] * 50 + comma + [VOICED] * 30 + [QUIET] * 10)
    assert _ended_at(posted) == []
    assert ev.SpeechPaused.__name__ in [name for _, name in posted]


async def test_words_that_arrive_while_waiting_out_the_quiet_keep_the_turn_open() -> None:
    posted: list[tuple[int, str]] = []
    endpointer = Endpointer(plan_for({}), _Model(0.97))  # type: ignore[arg-type]
    listener = Listener(VadController(_Analyzer(), start_ms=100, stop_ms=1500), _Stt(), endpointer,  # type: ignore[arg-type]
                        lambda e: posted.append((listener.stream_ms, type(e).__name__)), asyncio.create_task)
    for i, frame in enumerate([VOICED] * 50 + [QUIET] * 30):
        await listener.hear(frame)
        # the recogniser catches up after the decision: the caller had not finished
        listener.words("i need a table" if i < 50 + 20 else "i need a table for")
        for _ in range(3):
            await asyncio.sleep(0)
    assert _ended_at(posted) == []


async def test_an_unsure_model_leaves_the_turn_to_the_silence_window() -> None:
    posted = await _listen([VOICED] * 50 + [QUIET] * 40, score=0.3)
    assert _ended_at(posted) == []


async def test_a_silence_window_shorter_than_the_early_end_silence_is_not_lengthened() -> None:
    speech = [VOICED] * 50
    posted = await _listen(speech + [QUIET] * 40, plan={"endOfTurnSilenceMs": 400})
    assert _ended_at(posted) and _ended_at(posted)[0] <= len(speech) * FRAME_MS + 400
