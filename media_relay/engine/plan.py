"""A call's effective settings, resolved once when the stream starts: the call's own, else its agent's.

Everything the engine and the reader need to decide anything sits here, frozen, so no stage reads a
raw stored item or asks "is this hosted?" again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from media_relay.templating import fill
from switchboard.models.agent import AGENT_DEFAULTS, upgrade_stored


@dataclass(frozen=True)
class RelayLimits:
    """What the deployment imposes on every call."""

    max_duration_s: float = 3600.0
    max_silence_ceiling_ms: int | None = None  # a deployment may hang up sooner than agents ask
    digits_idle_ms: int = 1500  # keys pressed and then quiet this long: a turn of their own
    close_grace_s: float = 5.0  # after asking the carrier to end the call, close the socket ourselves
    marks_slack_s: float = 5.0  # how much longer than the audio itself we wait for its marks
    silence_goodbye: str = "It sounds like nobody is there, so I will hang up now. Goodbye."
    max_duration_goodbye: str = "We have reached the time limit for this call. Goodbye."
    transfer_failed: str = "Sorry, I could not transfer your call."
    first_words_s: float = 1.5  # callee-first calls: greet after this long with nobody speaking


def onset_ms(sensitivity: float) -> int | None:
    """Voiced time over the agent before playback stops: 1.0 -> 40 ms, 0.8 -> 160, 0.5 -> 340; 0 -> never.

    A cough or click (under ~150 ms of voicing) stays below the default.
    """
    if sensitivity <= 0:
        return None
    return round(40 + 600 * (1 - min(1.0, sensitivity)))


@dataclass(frozen=True)
class CallPlan:
    call_id: str
    project_id: str
    mode: str  # "webhook" | "hosted"
    voicemail: bool  # an answering machine picked up: leave the message and hang up
    greeting: str
    voicemail_message: str
    voice: str
    speed: float
    language: str
    transfer_number: str | None
    end_of_turn_ms: int
    max_silence_ms: int
    interruption_sensitivity: float
    enable_backchannel: bool
    stt_mode: str
    denoising_mode: str | None
    first_speaker: str  # "agent" greets at once; "callee" waits for their "Hello?" (or a silence) first
    limits: RelayLimits = field(default_factory=RelayLimits)

    @property
    def barge_in_ms(self) -> int | None:
        return onset_ms(self.interruption_sensitivity)

    @classmethod
    def resolve(cls, call: dict[str, Any], agent: dict[str, Any], *, project_id: str,
                limits: RelayLimits | None = None, stream_mode: str | None = None) -> CallPlan:
        limits = limits or RelayLimits()
        variables = call.get("variables")
        settings = upgrade_stored(agent)
        max_silence = int(call.get("maxSilenceMs") or settings["maxSilenceMs"])
        if limits.max_silence_ceiling_ms is not None:
            max_silence = min(max_silence, limits.max_silence_ceiling_ms)
        return cls(
            call_id=call["id"], project_id=project_id,
            mode="hosted" if (call.get("voiceMode") or agent.get("voiceMode")) == "hosted" else "webhook",
            voicemail=stream_mode == "voicemail",
            greeting=fill(call.get("initialGreeting") or agent.get("beginMessage") or "", variables),
            voicemail_message=fill(agent.get("voicemailMessage") or "", variables),
            voice=call.get("voice") or agent.get("voice") or "", speed=float(agent.get("voiceSpeed") or 1.0),
            language=agent.get("language") or "en-US", transfer_number=agent.get("transferNumber") or None,
            end_of_turn_ms=int(call.get("endOfTurnSilenceMs") or settings["endOfTurnSilenceMs"]),
            max_silence_ms=max_silence,
            interruption_sensitivity=float(settings.get("interruptionSensitivity",
                                                         AGENT_DEFAULTS["interruptionSensitivity"])),
            enable_backchannel=bool(settings.get("enableBackchannel", AGENT_DEFAULTS["enableBackchannel"])),
            stt_mode=agent.get("sttMode") or "fast", denoising_mode=agent.get("denoisingMode"),
            first_speaker=(call.get("firstSpeaker") or agent.get("firstSpeaker")
                           or ("callee" if call.get("direction") == "outbound" else "agent")),
            limits=limits)
