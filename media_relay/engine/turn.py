"""A turn in flight, and how a finished one is settled into its `TurnOutcome`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import Enum

from media_relay.engine.heard import needs_timing, split
from media_relay.engine.outcome import Action, TurnEnd, TurnKind, TurnOutcome, TurnTimes, latency_ms
from media_relay.engine.speaker import SpeechStamps
from media_relay.playout import Piece
from media_relay.ports import Transcript
from media_relay.reply import ReplyChunk
from media_relay.responders.port import ReplyTiming
from media_relay.speech.timing import WordTimer


class TurnState(Enum):
    PREPARING = "preparing"  # the reply is being asked for; nothing audible yet
    SPEAKING = "speaking"  # its audio is queued or playing
    PAUSED = "paused"  # the caller made a sound over it: playback stopped, the rest kept, undecided


class ReplyState(Enum):
    STREAMING = "streaming"
    ENDED = "ended"


@dataclass(frozen=True)
class CallerInput:
    """What the caller gave a turn: their words (with when they ended), or only keys."""

    transcript: Transcript
    speech_ended: float | None = None
    window_closed: float | None = None
    at: float | None = None


@dataclass(eq=False)
class ActiveTurn:
    id: str
    kind: TurnKind
    caller: CallerInput | None = None
    digits: str | None = None
    text: str = ""  # the line to say (turns that are not answers)
    state: TurnState = TurnState.PREPARING
    reply: ReplyState = ReplyState.STREAMING
    pieces: list[Piece] = field(default_factory=list)
    stamps: SpeechStamps = field(default_factory=SpeechStamps)
    timing: ReplyTiming = field(default_factory=ReplyTiming)
    last: ReplyChunk | None = None
    problems: tuple[str, ...] = ()
    backchannels: tuple[str, ...] = ()  # what the caller said over it that was only listening noises
    resumes: int = 0  # times it paused for a sound that was not an interruption, then played on
    task: asyncio.Task[None] | None = None

    def times(self) -> TurnTimes:
        caller = self.caller
        first_audio = next((p.first_sent_at for p in self.pieces if p.first_sent_at is not None), None)
        return TurnTimes(speech_ended=caller.speech_ended if caller else None,
                         window_closed=caller.window_closed if caller else None,
                         transcript=caller.at if caller else None, request=self.timing.request,
                         first_byte=self.timing.first_byte, first_text=self.stamps.first_text,
                         tts_ms=self.stamps.tts_ms, first_audio=first_audio)

    def action(self, transfer_number: str | None) -> Action | None:
        """What the chunk that closed the reply asked for (a transfer needs a number from it or the agent)."""
        last = self.last
        if last is None:
            return None
        if last.transfer:
            number = last.transfer_number or transfer_number
            if number:
                return Action("transfer", number)
            self.problems += ("transfer asked for, but neither the reply nor the agent has a transferNumber",)
        return Action("hangup") if last.hangup else None


async def outcome_of(turn: ActiveTurn, how: TurnEnd, action: Action | None, timer: WordTimer,
                     language: str) -> TurnOutcome:
    """The turn as the caller experienced it; word timing (some CPU) runs in a thread when a piece was cut."""
    if needs_timing(turn.pieces) and getattr(timer, "costly", True):
        heard = await asyncio.to_thread(split, turn.pieces, timer, language)
    else:
        heard = split(turn.pieces, timer, language)
    return TurnOutcome(
        turn_id=turn.id, kind=turn.kind, ended=how, transcript=turn.caller.transcript if turn.caller else None,
        digits=turn.digits, said=heard.said, heard=heard.heard, not_heard=heard.not_heard, action=action,
        latency=latency_ms(turn.times(), answer=turn.kind is TurnKind.ANSWER), problems=turn.problems,
        backchannels=turn.backchannels)
