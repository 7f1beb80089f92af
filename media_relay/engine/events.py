"""What the engine reacts to: the caller's sound and words, the far end's playback, its own timers.

The session's reader turns socket traffic into these and puts them on the engine's one queue; the
engine's own workers (the speaker, carrier actions) report back the same way. Times are monotonic
seconds on the engine's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from media_relay.ports import Transcript
from media_relay.reply import ReplyChunk


@dataclass(frozen=True)
class SpeechStarted:
    at: float  # when the caller's voice began (first voiced frame)


@dataclass(frozen=True)
class SpeechEnded:
    ended_at: float  # the caller's last voiced frame
    decided_at: float  # when the silence window closed and STT was asked to finalise


@dataclass(frozen=True)
class SpeechProgress:
    voiced_ms: int  # voiced time of the caller's utterance so far (every 100 ms)


@dataclass(frozen=True)
class SpeechPaused:
    """The caller has been quiet a moment mid-utterance: a natural gap, not yet the end of the turn."""

    at: float  # their last voiced frame


@dataclass(frozen=True)
class SpeechResumed:
    """The caller's voice came back after a gap, within the same utterance."""

    at: float


@dataclass(frozen=True)
class TranscriptPartial:
    transcript: Transcript


@dataclass(frozen=True)
class TranscriptFinal:
    transcript: Transcript
    at: float


@dataclass(frozen=True)
class DigitPressed:
    digit: str
    at: float


@dataclass(frozen=True)
class MarkPlayed:
    name: str


@dataclass(frozen=True)
class StreamStopped:
    """The carrier ended the stream (the caller hung up, or our hang-up or transfer took effect)."""


class Timer(Enum):
    SILENCE = "silence"  # the caller has been silent for `maxSilenceMs`
    MAX_DURATION = "max-duration"
    DIGITS_IDLE = "digits-idle"  # keys pressed, then quiet: they make a turn of their own
    MARKS_OVERDUE = "marks-overdue"  # the far end never confirmed the end of the agent's audio
    CLOSE_STREAM = "close-stream"  # we asked the carrier to end the call, and it has not
    FIRST_WORDS = "first-words"  # a callee-first call: nobody said "Hello?", so the agent greets
    CUE = "cue"  # a natural gap in a long caller turn: time for a "mm-hmm"


@dataclass(frozen=True)
class TimerFired:
    timer: Timer
    token: int  # which arming of the timer fired (a re-armed timer's old firing is ignored)


@dataclass(frozen=True)
class AudioQueued:
    """The first audio of a turn's reply is in the playout: the agent is (about to be) audible."""

    turn_id: str


@dataclass(frozen=True)
class ReplyEnded:
    """The speaker finished a turn's reply: every piece is queued for playout (or the reply failed)."""

    turn_id: str
    last: ReplyChunk | None  # the chunk that closed the reply (its actions), if any
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionFailed:
    """A transfer (or hang-up) the carrier refused."""

    kind: str
    detail: str


Event = (SpeechStarted | SpeechEnded | SpeechProgress | SpeechPaused | SpeechResumed | TranscriptPartial
         | TranscriptFinal | DigitPressed | MarkPlayed
         | StreamStopped | TimerFired | AudioQueued | ReplyEnded | ActionFailed)
