"""The engine's handling of what the caller does: speech starting, pausing and ending, words, keys,
and the agent's audio becoming audible while they talk. A part of `CallEngine` (a mixin over the
same state), kept apart so each file stays readable; the state it reads and changes is declared below.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from media_relay.engine import events as ev
from media_relay.engine.interruption import Verdict
from media_relay.engine.outcome import TurnEnd
from media_relay.engine.turn import ActiveTurn, CallerInput, TurnState
from switchboard.logging import logger

if TYPE_CHECKING:
    from media_relay.engine.clock import Clock
    from media_relay.engine.cues import Cues
    from media_relay.engine.floor import Floor
    from media_relay.engine.plan import CallPlan
    from media_relay.engine.timers import Timers
    from media_relay.playout import Playout


class CallPhase(Enum):
    STARTING = "starting"
    TALKING = "talking"
    ENDING = "ending"
    ENDED = "ended"


class CallerEvents:
    plan: CallPlan
    playout: Playout
    floor: Floor
    cues: Cues
    timers: Timers
    clock: Clock
    phase: CallPhase
    turn: ActiveTurn | None
    waiting: list[CallerInput]
    digits: str
    last_digit_at: float
    caller_speaking: bool
    awaiting_first_words: bool
    barge_ins: int
    _speech_end: ev.SpeechEnded | None

    def _activity(self) -> None: ...
    def _greet(self, caller: CallerInput | None) -> None: ...
    def _answer(self, caller: CallerInput) -> None: ...
    def _end_turn(self, turn: ActiveTurn, how: TurnEnd) -> None: ...
    def _heard_all(self, turn: ActiveTurn) -> bool: ...
    def _next(self) -> None: ...

    async def _on_speech_started(self, resumed: bool = False) -> None:
        if not resumed:
            self.caller_speaking = True
            self.floor.caller_started()
        self._activity()
        await self._quiet_cue()
        if self.phase is CallPhase.TALKING:
            self._apply(await self.floor.onset(self.turn, resumed=resumed))

    async def _on_speech_quiet(self, event: ev.SpeechPaused | ev.SpeechEnded) -> None:
        voiced = self.floor.voiced_ms
        if isinstance(event, ev.SpeechEnded):
            self.caller_speaking = False
            self.floor.caller_stopped()
            self._speech_end = event
            self.timers.disarm(ev.Timer.CUE)
        elif self.turn is None and self.phase is CallPhase.TALKING and self.cues.due(voiced, self.clock.now()):
            self.timers.arm(ev.Timer.CUE, self.cues.gap_s)  # a gap in a long turn: "uh-huh", if it lasts
        self._activity()
        self._apply(self.floor.quiet())

    async def _quiet_cue(self) -> None:
        """The caller speaks again: no cue now, and one already playing stops at once."""
        self.timers.disarm(ev.Timer.CUE)
        if self.cues.playing():
            await self.playout.stop()

    def _apply(self, verdict: Verdict | None) -> None:
        """Act on the floor's verdict about the sound over the agent."""
        turn = self.turn
        if verdict is None or verdict is Verdict.WAIT or turn is None or turn.state is not TurnState.PAUSED:
            return
        self.floor.settled(turn, verdict)
        if verdict is Verdict.CONFIRM:
            self._interrupt(turn)
        else:
            self._resume(turn)

    def _interrupt(self, turn: ActiveTurn) -> None:
        """The caller has the floor: the rest of the reply is dropped and its stream closed."""
        self.barge_ins += 1
        self.playout.drop()
        logger.info("barge-in", extra={"callId": self.plan.call_id, "turnId": turn.id})
        self._end_turn(turn, TurnEnd.INTERRUPTED)

    def _resume(self, turn: ActiveTurn) -> None:
        """Not an interruption: play on, repeating the piece (a sentence or clause) that was cut."""
        turn.state = TurnState.SPEAKING
        turn.resumes += 1
        held = self.playout.pieces
        self.playout.resume(held[0] if held else None, 0)
        if self._heard_all(turn):
            self._end_turn(turn, TurnEnd.COMPLETED)

    async def _on_audio_queued(self, turn_id: str) -> None:
        turn = self.turn
        if turn is None or turn.id != turn_id or turn.state is not TurnState.PREPARING:
            return
        turn.state = TurnState.SPEAKING
        if self.caller_speaking and self.phase is CallPhase.TALKING:  # both started at once: the agent yields
            self._apply(await self.floor.overlapping_start(turn))

    async def _on_transcript(self, event: ev.TranscriptFinal) -> None:
        text = event.transcript.text
        over = self.floor.absorbing
        if over is not None and self.floor.absorbs(text) is over:
            over.backchannels += (text,)  # noted on the turn it was said over; never a turn of its own
            return
        if over is not None and over is self.turn and self.floor.audible(over):
            await self.playout.pause()  # the agent played on, but that was more than a backchannel
            self._interrupt(over)
        if not text.strip():
            logger.info("utterance with no recognised words", extra={"callId": self.plan.call_id})
            if self.awaiting_first_words and self.phase is CallPhase.TALKING:
                self._greet(None)
            return
        if self.phase is not CallPhase.TALKING:
            return
        end = self._speech_end
        caller = CallerInput(event.transcript, end.ended_at if end else None, end.decided_at if end else None,
                             event.at)
        self._speech_end = None
        if self.awaiting_first_words:
            self._greet(caller)  # their "Hello?" is the greeting's cue, not a question for the responder
        elif self.turn is None:
            self._answer(caller)
        else:
            self.waiting.append(caller)

    def _on_digit(self, event: ev.DigitPressed) -> None:
        self.digits += event.digit
        self.last_digit_at = event.at
        self._activity()
        self.timers.arm(ev.Timer.DIGITS_IDLE, self.plan.limits.digits_idle_ms / 1000)

    def _digits_turn_due(self) -> bool:
        idle = self.clock.now() - self.last_digit_at >= self.plan.limits.digits_idle_ms / 1000 - 1e-6
        return (bool(self.digits) and idle and not self.caller_speaking and self.turn is None and not self.waiting
                and self.phase is CallPhase.TALKING)

