"""Ends the caller's turn at the first pause that plainly finishes it, instead of after the whole
end-of-turn window (`endOfTurnSilenceMs`, the longest silence a turn may contain).

At each pause (`speech_paused`, 250 ms of quiet) it asks, in order: do the words so far end where
a sentence cannot (`rules.unfinished`)? Then wait. Otherwise the turn model scores the utterance's
audio, and a score of at least its `threshold` ends the turn once the caller has been quiet for
`EARLY_END_SILENCE_MS` (or the whole window, if that is shorter). A comma's pause is 200-520 ms in
the synthetic voices measured ("Thank you very much, [320 ms] goodbye"), and people's are alike;
the voice falls there as at a sentence's end and the model is as sure as at one. The model decides
while the quiet goes on, so waiting to 500 ms costs about 120 ms a turn, not 250.
`sttMode: accurate` waits 200 ms longer at every pause before deciding, which gives the recogniser
time for names and numbers. A caller who speaks again meanwhile makes any pending decision void, and
so do words that arrive meanwhile and show the utterance unfinished.
"""

from __future__ import annotations

import asyncio

from media_relay.endpointing.rules import unfinished
from media_relay.endpointing.smart_turn import SmartTurn
from media_relay.engine.plan import CallPlan
from switchboard.logging import logger

MAX_AUDIO = 8000 * 2 * 8  # the model looks at the last 8 s
ACCURATE_EXTRA_S = 0.2
EARLY_END_SILENCE_MS = 500


class Endpointer:
    def __init__(self, plan: CallPlan, model: SmartTurn | None) -> None:
        self.plan, self.model = plan, model
        self.audio = bytearray()
        self.partial = ""
        self.generation = 0  # bumped whenever the caller's voice comes back or the utterance ends
        self.deciding = False  # one model decision at a time per call (a TV can pause every second)
        self.finished_generation: int | None = None  # the utterance judged finished, waiting out the quiet

    def start(self, preroll: bytes) -> None:
        self.audio = bytearray(preroll)
        self.partial = ""
        self.generation += 1

    def add(self, frame: bytes) -> None:
        self.audio += frame
        if len(self.audio) > MAX_AUDIO * 2:
            del self.audio[: len(self.audio) - MAX_AUDIO]

    def resumed(self) -> None:
        self.generation += 1

    def ended(self) -> None:
        self.generation += 1

    def ends_now(self, silent_ms: int) -> bool:
        """Has the utterance judged finished (and not resumed since) been quiet long enough to end?"""
        if self.finished_generation != self.generation:
            return False
        # Words that arrived while it waited ("...four one five") may show it unfinished after all.
        return (silent_ms >= min(EARLY_END_SILENCE_MS, self.plan.end_of_turn_ms)
                and not unfinished(self.partial, self.plan.language))

    async def judge_pause(self) -> None:
        """At a pause: remember whether the utterance is plainly finished (`ends_now` then ends it)."""
        generation = self.generation
        if await self.finished_at_pause():
            self.finished_generation = generation

    async def finished_at_pause(self) -> bool:
        """Is the utterance plainly finished at this pause? False also when the caller spoke again."""
        generation = self.generation
        if unfinished(self.partial, self.plan.language):
            return False
        if self.plan.stt_mode == "accurate":
            await asyncio.sleep(ACCURATE_EXTRA_S)
            if generation != self.generation or unfinished(self.partial, self.plan.language):
                return False
        if self.model is None or self.deciding:
            return False
        self.deciding = True
        try:
            score = await self.model.decide(bytes(self.audio[-MAX_AUDIO:]))
        finally:
            self.deciding = False
        logger.debug("end-of-turn score", extra={"words": self.partial, "score": score})
        # The recogniser's words lag the audio: ones that arrived during the decision ("...number is
        # four one five") may show the turn unfinished after all.
        return (score is not None and score >= self.model.threshold and generation == self.generation
                and not unfinished(self.partial, self.plan.language))
