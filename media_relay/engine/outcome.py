"""How a turn ended, as the caller experienced it; each outcome is handed to the next turn.

It records what the agent set out to say, what the caller heard of it (to the word) and what
they did not, why the turn ended, what the reply asked to be done after it, and where the time
from the caller's last word to the agent's first sound went.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from media_relay.ports import Transcript


class TurnKind(Enum):
    GREETING = "greeting"  # the agent speaks first
    ANSWER = "answer"  # a reply to the caller's words or keys
    NOTICE = "notice"  # a line of the platform's own (a failed transfer)
    GOODBYE = "goodbye"  # the platform ends the call (silence, time limit)
    VOICEMAIL = "voicemail"  # a message left on an answering machine


class TurnEnd(Enum):
    COMPLETED = "completed"  # everything said was heard
    INTERRUPTED = "interrupted"  # the caller cut in
    PREEMPTED = "preempted"  # the platform stopped it to end the call
    HUNG_UP = "hung-up"  # the stream stopped mid-turn


@dataclass(frozen=True)
class Action:
    """What a reply asked for once its words were heard."""

    kind: str  # "hangup" | "transfer"
    number: str | None = None


@dataclass(frozen=True)
class TurnTimes:
    """Monotonic stamps of one answer turn; None where the turn never got there."""

    speech_ended: float | None = None  # the caller's last voiced frame
    window_closed: float | None = None  # the end-of-turn silence window closed; STT asked to finalise
    transcript: float | None = None  # the final transcript arrived
    request: float | None = None  # the responder was asked
    first_byte: float | None = None  # its first byte
    first_text: float | None = None  # its first words reached text-to-speech
    tts_ms: int | None = None  # text-to-speech time to the first audio
    first_audio: float | None = None  # the first frame of the answer went to the caller


def _ms(later: float | None, earlier: float | None) -> int | None:
    return None if later is None or earlier is None else max(0, round((later - earlier) * 1000))


def latency_ms(times: TurnTimes, *, answer: bool) -> dict[str, int | None]:
    """The stored `latencyMs`: AgentPhone's three figures, and for answers where `firstAudio` went.

    `overhead` is what is left once the silence window, STT finalisation, the responder (request
    sent → first words) and TTS (words → first audio) are taken out: the relay's own share.
    """
    latency = {"endpointing": _ms(times.transcript, times.speech_ended),
               "firstResponseByte": _ms(times.first_byte, times.request),
               "firstAudio": _ms(times.first_audio, times.speech_ended)}
    if not answer:
        return latency
    parts = {"silenceWindow": _ms(times.window_closed, times.speech_ended),
             "sttFinalize": _ms(times.transcript, times.window_closed),
             "webhook": _ms(times.first_text, times.request), "tts": times.tts_ms}
    first_audio = latency["firstAudio"]
    overhead = None
    if first_audio is not None and None not in parts.values():
        overhead = first_audio - sum(v for v in parts.values() if v is not None)
    return {**latency, **parts, "overhead": overhead}


@dataclass(frozen=True)
class TurnOutcome:
    turn_id: str
    kind: TurnKind
    ended: TurnEnd
    transcript: Transcript | None = None  # what the caller said (answers only)
    digits: str | None = None  # keys the caller pressed, sent with this turn
    said: str = ""  # everything the agent set out to say
    heard: str = ""  # what the caller heard of it
    not_heard: str = ""
    action: Action | None = None
    latency: dict[str, int | None] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    backchannels: tuple[str, ...] = ()  # what the caller said over it that was only listening noises

    @property
    def interrupted(self) -> bool:
        return self.ended is TurnEnd.INTERRUPTED

    def record(self, created_at: str) -> dict[str, object]:
        """The stored transcript turn."""
        transcript = self.transcript
        return {"id": self.turn_id, "transcript": transcript.text if transcript else "", "response": self.heard,
                "confidence": transcript.confidence if transcript else None, "interrupted": self.interrupted,
                "createdAt": created_at, "latencyMs": self.latency,
                **({"backchannels": list(self.backchannels)} if self.backchannels else {})}
