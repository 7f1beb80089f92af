"""`Listener.take` (the reader's way in for audio that arrives while nothing is queued) must hear
exactly what `hear` hears: quiet frames kept as preroll at once, anything else left for `follow`."""

from __future__ import annotations

import asyncio
from typing import Any

from media_relay.audio.vad import VadController
from media_relay.endpointing.endpointer import Endpointer
from media_relay.listener import Heard, Listener
from tests.support.engine_harness import plan_for
from tests.unit.test_early_end import QUIET, VOICED, _Analyzer

# A caller: quiet, a word, a pause, more words, then quiet long enough to end the utterance.
CALL = [QUIET] * 20 + [VOICED] * 30 + [QUIET] * 15 + [VOICED] * 20 + [QUIET] * 50


class _Stt:
    def __init__(self) -> None:
        self.pushed: list[bytes] = []
        self.flushes = 0

    async def push(self, pcm: bytes) -> None:
        self.pushed.append(pcm)

    async def flush(self) -> None:
        self.flushes += 1

    def pace(self, coarse: bool) -> None: ...


def _listener() -> tuple[Listener, _Stt, list[Any]]:
    stt, posted = _Stt(), []
    listener = Listener(VadController(_Analyzer(), start_ms=100, stop_ms=700), stt,  # type: ignore[arg-type]
                        Endpointer(plan_for({}), None), posted.append, asyncio.create_task)
    return listener, stt, posted


def _names(posted: list[Any]) -> list[str]:
    return [type(event).__name__ for event in posted]


async def test_take_then_follow_frame_by_frame_hears_what_hear_hears_in_one_piece() -> None:
    heard, heard_stt, heard_posted = _listener()
    taken, taken_stt, taken_posted = _listener()
    await heard.hear(b"".join(CALL))  # every voiced frame's follow-up, then the rest after it
    followed = 0
    for frame in CALL:
        rest = taken.take(frame)
        if rest is not None:
            followed += 1
            await taken.follow(rest)
    assert _names(taken_posted) == _names(heard_posted)
    assert "SpeechStarted" in _names(taken_posted) and "SpeechEnded" in _names(taken_posted)
    assert taken_stt.pushed == heard_stt.pushed and taken_stt.flushes == heard_stt.flushes == 1
    assert taken.stream_ms == heard.stream_ms == len(CALL) * 20
    # Only the utterance (its onset to its end) needed awaiting: every frame before it was taken at once.
    assert 0 < followed < len(CALL) - 20


async def test_quiet_audio_is_taken_whole_and_kept_as_preroll() -> None:
    listener, stt, posted = _listener()
    assert listener.take(b"".join([QUIET] * 4)) is None  # a message may carry several frames
    assert len(listener.preroll) == 4 and stt.pushed == [] and posted == []


async def test_a_message_that_turns_voiced_midway_leaves_its_rest_for_follow() -> None:
    heard, heard_stt, heard_posted = _listener()
    taken, taken_stt, taken_posted = _listener()
    message = b"".join([QUIET] * 2 + [VOICED] * 8)
    await heard.hear(message)
    rest = taken.take(message)
    assert isinstance(rest, Heard)
    # Voiced frames before the onset (100 ms) are preroll too; the onset's frame is the first to await.
    assert rest.event is not None and rest.event.kind == "speech_started" and rest.frame == VOICED
    assert rest.rest == b"".join([VOICED] * 3) and len(taken.preroll) == 6
    assert taken.stream_ms == 7 * 20  # the frames after it are not classified before their turn
    await taken.follow(rest)
    assert (taken_stt.pushed, _names(taken_posted)) == (heard_stt.pushed, _names(heard_posted))
