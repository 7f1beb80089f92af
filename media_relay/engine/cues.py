"""The agent's own backchannels: a short "uh-huh" in a natural gap while the caller talks at length.

Never over the caller (only in a gap that has lasted `gap_s`, stopped the moment they speak again),
never more often than a person would (only after `after_ms` of the caller's speech, and
`every_s` apart), never stored as an agent turn, and in the agent's language when the voice
engine speaks it (else there are none). `enableBackchannel` turns it on and off per agent.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from media_relay.engine.plan import CallPlan
from media_relay.playout import Playout
from media_relay.ports import TextToSpeech
from switchboard.logging import logger

CUES: dict[str, tuple[str, ...]] = {
    "en": ("Uh-huh.", "Right.", "Okay.", "I see."),
    "es": ("Ajá.", "Sí.", "Vale."),
    "fr": ("Oui.", "D'accord.", "Je vois."),
    "de": ("Mhm.", "Ja.", "Genau."),
    "it": ("Sì.", "Certo.", "Capisco."),
    "pt": ("Aham.", "Sim.", "Certo."),
    "nl": ("Ja.", "Oké.", "Precies."),
}
CUE_TURN = "cue"  # the playout's name for cue audio: no turn owns it


class Cues:
    def __init__(self, plan: CallPlan, tts: TextToSpeech, playout: Playout, *, after_ms: int = 4000,
                 every_s: float = 8.0, gap_s: float = 0.4, pick: Callable[[int], int] | None = None) -> None:
        self.plan, self.tts, self.playout = plan, tts, playout
        self.after_ms, self.every_s, self.gap_s = after_ms, every_s, gap_s
        self.pick = pick or (lambda n: random.randrange(n))
        base = plan.language.split("-")[0].lower()
        speaks = any(v.language.split("-")[0].lower() == base for v in tts.voices())
        self.lines = CUES.get(base, ()) if plan.enable_backchannel and speaks else ()
        self.audio: dict[str, bytes] = {}
        self.last_at = -math.inf
        self.played = 0
        self.preparing = False

    @property
    def enabled(self) -> bool:
        return bool(self.lines)

    def wanted_soon(self, voiced_ms: int) -> bool:
        """Halfway to the first cue's due time, and nothing synthesised yet (most calls never need one)."""
        return self.enabled and not self.preparing and voiced_ms >= self.after_ms // 2

    async def prepare(self) -> None:
        """Synthesise the cues once per call (engines cache them across calls), before one is due."""
        self.preparing = True
        for line in self.lines:
            try:
                audio = b"".join([pcm async for pcm in self.tts.synthesize(
                    line, voice=self.plan.voice, speed=self.plan.speed, language=self.plan.language)])
            except Exception:
                logger.exception("could not synthesise a backchannel cue", extra={"callId": self.plan.call_id})
                continue
            self.audio[line] = audio

    def due(self, voiced_ms: int, now: float) -> bool:
        return bool(self.audio) and voiced_ms >= self.after_ms and now - self.last_at >= self.every_s

    def play(self, now: float) -> None:
        lines = [line for line in self.lines if line in self.audio]
        line = lines[self.pick(len(lines))]
        self.playout.play(self.audio[line], "", CUE_TURN)
        self.last_at, self.played = now, self.played + 1

    def playing(self) -> bool:
        return self.playout.pending(CUE_TURN)
