"""Ends the caller's turn at the first pause that plainly finishes it, instead of after the whole
end-of-turn window (`endOfTurnSilenceMs`, the longest silence a turn may contain).

At each pause (`speech_paused`, 250 ms of quiet) it asks, in order: do the words so far end where
a sentence cannot (`rules.unfinished`)? Then wait. Otherwise the turn model scores the utterance's
audio, and a score of at least its `threshold` ends the turn now. `sttMode: accurate` waits 200 ms
longer at every pause before deciding, which gives the recogniser time for names and numbers.
A caller who speaks again meanwhile makes any pending decision void, and so do words that arrive
during the decision and show the utterance unfinished.
"""

from __future__ import annotations

import asyncio

from media_relay.endpointing.rules import unfinished
from media_relay.endpointing.smart_turn import SmartTurn
from media_relay.engine.plan import CallPlan
from switchboard.logging import logger

MAX_AUDIO = 8000 * 2 * 8  # the model looks at the last 8 s
ACCURATE_EXTRA_S = 0.2


class Endpointer:
    def __init__(self, plan: CallPlan, model: SmartTurn | None) -> None:
        self.plan, self.model = plan, model
        self.audio = bytearray()
        self.partial = ""
        self.generation = 0  # bumped whenever the caller's voice comes back or the utterance ends
        self.deciding = False  # one model decision at a time per call (a TV can pause every second)

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
