"""The call engine: one state machine per call that decides who speaks, when a turn ends, and why.

Events arrive on one queue (`post`) and are handled one at a time, in order; nothing here waits on
the network while deciding. Slow work runs in tasks the engine owns: the speaker (reply → speech),
settling a finished turn (word timing, the stored record, the responder's memory), and carrier
actions. They report back through the same queue.

The call's phase and the turn's state are explicit enums:

    call:  STARTING → TALKING → ENDING → ENDED        (ENDING: a goodbye, hang-up or transfer is under way)
    turn:  PREPARING → SPEAKING ⇄ PAUSED → over       (PAUSED: the caller made a sound over the agent)

A turn is over when its reply has ended and the far end has played all of its audio, or when it
is cut: by the caller (interrupted), by the platform ending the call (preempted) or by the stream
stopping. Its `TurnOutcome` says what was heard, to the word, and is handed to the next turn.

Barge-in pauses first and decides after: on the caller's speech onset playback stops at once
(`clear`) with the rest of the reply and its open stream kept; `InterruptionPolicy` then confirms
the interruption (the rest is dropped, the stream closed) or lets the agent resume.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from media_relay.engine import events as ev
from media_relay.engine.actions import CallActions, CallRecordsPort, CarrierPort
from media_relay.engine.caller_events import CallerEvents, CallPhase
from media_relay.engine.clock import Clock
from media_relay.engine.cues import Cues
from media_relay.engine.floor import Floor
from media_relay.engine.interruption import InterruptionPolicy
from media_relay.engine.outcome import Action, TurnEnd, TurnKind, TurnOutcome
from media_relay.engine.plan import CallPlan
from media_relay.engine.speaker import Speaker
from media_relay.engine.timers import Timers
from media_relay.engine.turn import ActiveTurn, CallerInput, ReplyState, TurnState, outcome_of
from media_relay.playout import Playout
from media_relay.ports import Transcript
from media_relay.responders.port import Responder, TurnRequest
from media_relay.speech.timing import WordTimer
from switchboard.clock import iso, utcnow
from switchboard.ids import new_id
from switchboard.logging import logger


class CallEngine(CallerEvents):
    def __init__(self, plan: CallPlan, *, playout: Playout, speaker: Speaker, responder: Responder,
                 records: CallRecordsPort, carrier: CarrierPort, clock: Clock,
                 spawn: Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]],
                 timer: WordTimer | None = None, policy: InterruptionPolicy | None = None) -> None:
        self.plan, self.playout, self.speaker, self.responder = plan, playout, speaker, responder
        self.records, self.clock, self._create_task = records, clock, spawn
        self._tasks: set[asyncio.Task[Any]] = set()
        self.timer = timer or WordTimer()
        self.policy = policy or InterruptionPolicy()
        self.queue: asyncio.Queue[ev.Event] = asyncio.Queue()
        self.phase = CallPhase.STARTING
        self.end_reason: str | None = None
        self.turn: ActiveTurn | None = None
        self.waiting: list[CallerInput] = []  # caller turns that arrived while the agent had the floor
        self.digits = ""
        self.caller_speaking = False
        self.last_activity = 0.0
        self.last_digit_at = 0.0
        self.barge_ins = 0
        self._settled: asyncio.Task[TurnOutcome] | None = None
        self._speech_end: ev.SpeechEnded | None = None
        self.timers = Timers(clock, self.post)
        self.floor = Floor(plan, playout, self.policy)
        self.cues = Cues(plan, speaker.tts, playout)
        self.awaiting_first_words = False
        self.actions = CallActions(plan, records, carrier, self.timers, self.post)

    # -- the loop --------------------------------------------------------------------------------------
    def post(self, event: ev.Event) -> None:
        self.queue.put_nowait(event)

    async def run(self) -> str | None:
        """Run the call until its stream stops; returns why the platform ended it (None: the caller did)."""
        self._start()
        while self.phase is not CallPhase.ENDED:
            await self.handle(await self.queue.get())
        await self._shutdown()
        return self.end_reason

    async def handle(self, event: ev.Event) -> None:
        match event:
            case ev.SpeechStarted():
                await self._on_speech_started()
            case ev.SpeechResumed():
                await self._on_speech_started(resumed=True)
            case ev.SpeechProgress():
                self._apply(self.floor.progress(event.voiced_ms))
                if self.cues.wanted_soon(event.voiced_ms):  # synthesised once, before the first one is due
                    self._spawn_guarded(self.cues.prepare())
            case ev.SpeechPaused() | ev.SpeechEnded():
                await self._on_speech_quiet(event)
            case ev.TranscriptFinal():
                await self._on_transcript(event)
            case ev.TranscriptPartial():
                # Partials are evidence about a sound over the agent; a turn starts on a final transcript.
                self._apply(self.floor.words(event.transcript.text, event.transcript.end_ms))
            case ev.DigitPressed():
                self._on_digit(event)
            case ev.MarkPlayed():
                self._on_mark(event.name)
            case ev.AudioQueued():
                await self._on_audio_queued(event.turn_id)
            case ev.ReplyEnded():
                self._on_reply_ended(event)
            case ev.TimerFired():
                await self._on_timer(event)
            case ev.ActionFailed():
                self._on_action_failed(event)
            case ev.StreamStopped():
                self._on_stream_stopped()

    def _start(self) -> None:
        self._activity()
        self.timers.arm(ev.Timer.MAX_DURATION, self.plan.limits.max_duration_s)
        self.timers.arm(ev.Timer.SILENCE, self.plan.max_silence_ms / 1000)
        if self.plan.voicemail:
            self.phase, self.end_reason = CallPhase.ENDING, "voicemail"  # nothing the machine plays is a turn
            if self.plan.voicemail_message:
                self._begin(ActiveTurn(new_id("tr"), TurnKind.VOICEMAIL, text=self.plan.voicemail_message))
            else:
                self._spawn_guarded(self.actions.hang_up("voicemail"))
            return
        self.phase = CallPhase.TALKING
        if self.plan.greeting and self.plan.first_speaker == "callee":
            self.awaiting_first_words = True  # the callee's "Hello?" comes first; the greeting answers it
            self.timers.arm(ev.Timer.FIRST_WORDS, self.plan.limits.first_words_s)
        elif self.plan.greeting:
            self._greet(None)

    def _greet(self, caller: CallerInput | None) -> None:
        self.awaiting_first_words = False
        self.timers.disarm(ev.Timer.FIRST_WORDS)
        self._begin(ActiveTurn(new_id("tr"), TurnKind.GREETING, caller=caller, text=self.plan.greeting))

    # -- turns -----------------------------------------------------------------------------------------
    def _answer(self, caller: CallerInput) -> None:
        digits, self.digits = self.digits or None, ""
        self._begin(ActiveTurn(new_id("tr"), TurnKind.ANSWER, caller=caller, digits=digits))

    def _begin(self, turn: ActiveTurn) -> None:
        self.turn = turn
        self._activity()
        turn.task = self._spawn(self._speak(turn))

    async def _speak(self, turn: ActiveTurn) -> None:
        if turn.kind is not TurnKind.ANSWER:
            await self.speaker.say(turn.id, turn.pieces, turn.stamps, turn.text)
            return
        assert turn.caller is not None
        previous = await self._previous()
        request = TurnRequest(turn.id, turn.caller.transcript, turn.digits, previous, turn.timing)
        await self.speaker.speak(turn.id, turn.pieces, turn.stamps, self.responder.reply(request))

    async def _previous(self) -> TurnOutcome | None:
        """The last turn's outcome, once it is settled (the next request carries what was heard)."""
        if self._settled is None:
            return None
        return await asyncio.shield(self._settled)

    def _on_reply_ended(self, event: ev.ReplyEnded) -> None:
        turn = self.turn
        if turn is None or turn.id != event.turn_id:
            return
        turn.reply, turn.last, turn.problems = ReplyState.ENDED, event.last, event.problems
        if self._heard_all(turn):
            self._end_turn(turn, TurnEnd.COMPLETED)
            return
        remaining = sum(p.duration_ms - p.heard_bytes() // 8 for p in turn.pieces) / 1000
        self.timers.arm(ev.Timer.MARKS_OVERDUE, remaining + self.plan.limits.marks_slack_s)

    def _on_mark(self, name: str) -> None:
        piece = self.playout.on_mark(name)
        turn = self.turn
        if piece is not None and turn is not None and piece.turn_id == turn.id and self._heard_all(turn):
            self._end_turn(turn, TurnEnd.COMPLETED)

    def _heard_all(self, turn: ActiveTurn) -> bool:
        return (turn.reply is ReplyState.ENDED and turn.state is not TurnState.PAUSED
                and not self.playout.pending(turn.id))

    def _end_turn(self, turn: ActiveTurn, how: TurnEnd) -> None:
        """The turn is over: settle its outcome in the background, then decide what comes next."""
        if self.turn is not turn:
            return
        self.turn = None
        self.floor.overlap = None  # a sound being judged over this turn has nothing left to interrupt
        self.timers.disarm(ev.Timer.MARKS_OVERDUE)
        if turn.task is not None and not turn.task.done() and how is not TurnEnd.COMPLETED:
            turn.task.cancel()  # closes the reply stream (webhook request, model generation) and its TTS
        self._activity()
        action = turn.action(self.plan.transfer_number) if how is TurnEnd.COMPLETED else None
        previous = self._settled
        self._settled = self._spawn(self._settle(turn, how, action, previous))
        self._after(turn, how, action)

    def _after(self, turn: ActiveTurn, how: TurnEnd, action: Action | None) -> None:
        if self.phase is CallPhase.ENDED:
            return
        if action is not None and action.kind == "transfer" and action.number:
            self.phase, self.end_reason = CallPhase.ENDING, "transferred"
            self._spawn_guarded(self.actions.transfer(action.number, self._settled))
        elif action is not None:
            self.phase = CallPhase.ENDING
            self.end_reason = "agent-hangup"
            self._spawn_guarded(self.actions.hang_up(self.end_reason, self._settled))
        elif turn.kind in (TurnKind.GOODBYE, TurnKind.VOICEMAIL):
            self._spawn_guarded(self.actions.hang_up(self.end_reason or "agent-hangup", self._settled))
        elif self.phase is CallPhase.TALKING:
            self._next()

    def _next(self) -> None:
        if self.turn is not None or self.phase is not CallPhase.TALKING:
            return
        if self.waiting:
            self._answer(self.waiting.pop(0))
        elif self._digits_turn_due():
            self._answer(CallerInput(Transcript("", True)))

    async def _settle(self, turn: ActiveTurn, how: TurnEnd, action: Action | None,
                      previous: asyncio.Task[TurnOutcome] | None) -> TurnOutcome:
        """Work out what was heard, store the turn and tell the responder, in turn order; never raises."""
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        outcome = await outcome_of(turn, how, action, self.timer, self.plan.language)
        try:
            await self.records.append_turn(outcome.record(iso(utcnow())))
        except Exception:
            logger.exception("could not write a turn", extra={"callId": self.plan.call_id, "turnId": turn.id})
        try:
            await self.responder.turn_finished(outcome)
        except Exception:
            logger.exception("responder could not take a turn's outcome", extra={"callId": self.plan.call_id})
        logger.info("turn", extra={"callId": self.plan.call_id, "turnId": turn.id, "ended": how.value,
                                   "latencyMs": outcome.latency})
        return outcome

    # -- timers ----------------------------------------------------------------------------------------
    def _activity(self) -> None:
        self.last_activity = self.clock.now()

    async def _on_timer(self, event: ev.TimerFired) -> None:
        if not self.timers.take(event):
            return  # re-armed or disarmed since
        match event.timer:
            case ev.Timer.SILENCE:
                await self._check_silence()
            case ev.Timer.MAX_DURATION:
                await self._end_politely("max-duration", self.plan.limits.max_duration_goodbye)
            case ev.Timer.DIGITS_IDLE:
                self._next()
            case ev.Timer.CUE:
                if self.caller_speaking and self.turn is None and self.phase is CallPhase.TALKING:
                    self.cues.play(self.clock.now())
            case ev.Timer.FIRST_WORDS:
                if self.awaiting_first_words and not self.caller_speaking and self.phase is CallPhase.TALKING:
                    self._greet(None)
            case ev.Timer.MARKS_OVERDUE:
                if self.turn is not None:
                    logger.warning("marks did not come back", extra={"callId": self.plan.call_id,
                                                                     "turnId": self.turn.id})
                    self.playout.drop()
                    self._end_turn(self.turn, TurnEnd.COMPLETED)
            case ev.Timer.CLOSE_STREAM:
                self._spawn_guarded(self.actions.close_stream())

    async def _check_silence(self) -> None:
        """`maxSilenceMs` of caller silence (nobody talking, no turn under way) ends the call politely."""
        limit = self.plan.max_silence_ms / 1000
        if self.caller_speaking or self.turn is not None:
            self._activity()
        quiet = self.clock.now() - self.last_activity
        if quiet >= limit - 1e-6 and self.phase is CallPhase.TALKING:
            await self._end_politely("silence-timeout", self.plan.limits.silence_goodbye)
        elif self.phase in (CallPhase.STARTING, CallPhase.TALKING):
            self.timers.arm(ev.Timer.SILENCE, limit - quiet)

    # -- ending the call -------------------------------------------------------------------------------
    async def _end_politely(self, reason: str, goodbye: str) -> None:
        if self.phase is not CallPhase.TALKING:
            return
        self.phase, self.end_reason = CallPhase.ENDING, reason
        self.waiting.clear()
        turn = self.turn
        if turn is not None:
            await self.playout.stop()
            self._end_turn(turn, TurnEnd.PREEMPTED)
        self._begin(ActiveTurn(new_id("tr"), TurnKind.GOODBYE, text=goodbye))

    def _on_action_failed(self, event: ev.ActionFailed) -> None:
        if self.phase is not CallPhase.ENDING or event.kind != "transfer":
            return
        self.phase, self.end_reason = CallPhase.TALKING, None
        self._begin(ActiveTurn(new_id("tr"), TurnKind.NOTICE, text=self.plan.limits.transfer_failed))

    def _on_stream_stopped(self) -> None:
        self.phase = CallPhase.ENDED
        turn = self.turn
        if turn is not None:
            self.playout.note_played()
            self._end_turn(turn, TurnEnd.HUNG_UP)

    async def _shutdown(self) -> None:
        """The stream is gone: timers off, the last turn stored, whatever else the call started cancelled."""
        self.timers.clear()
        if self._settled is not None:
            await asyncio.gather(self._settled, return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = self._create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _spawn_guarded(self, work: Coroutine[Any, Any, Any]) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception:
                logger.exception("call action failed", extra={"callId": self.plan.call_id})
        self._spawn(guarded())
