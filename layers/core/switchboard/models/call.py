"""Calls and their transcript turns."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from switchboard.models.agent import FirstSpeaker, ModelTier
from switchboard.models.common import E164, JsonObject, Page, RequestModel, ResponseModel, Variables

CallStatus = Literal[
    "queued", "ringing", "in-progress", "completed", "failed", "busy", "no-answer", "canceled"
]
TERMINAL_STATUSES = frozenset({"completed", "failed", "busy", "no-answer", "canceled"})
Direction = Literal["inbound", "outbound", "web"]


class CallCreate(RequestModel):
    agentId: str = Field(min_length=1)
    toNumber: E164
    fromNumberId: str | None = None
    initialGreeting: str | None = Field(default=None, max_length=2000)
    voice: str | None = None
    systemPrompt: str | None = Field(default=None, max_length=50_000)
    variables: Variables | None = None
    modelTier: ModelTier | None = None
    disableRecording: bool | None = None
    metadata: JsonObject | None = None
    scheduledAt: str | None = None
    callScreeningIdentity: str | None = None
    callScreeningPurpose: str | None = None
    # This call's own turn-taking, over its agent's: the caller-silence hang-up and the end-of-turn window.
    maxSilenceMs: int | None = Field(default=None, ge=10_000, le=3_600_000)
    endOfTurnSilenceMs: int | None = Field(default=None, ge=200, le=5000)
    firstSpeaker: FirstSpeaker | None = None
    # AgentPhone's long poll: answer once the call is over (or after maxWaitSeconds) with its transcript.
    waitForCompletion: bool | None = None
    maxWaitSeconds: int | None = Field(default=None, ge=1, le=600)

    def placing_fields(self) -> dict[str, Any]:
        """What defines the call placed (for idempotency): how long the caller waits does not."""
        return self.model_dump(mode="json", exclude={"waitForCompletion", "maxWaitSeconds"})


class LatencyMs(ResponseModel):
    endpointing: int | None = None
    firstResponseByte: int | None = None
    firstAudio: int | None = None
    # Where `firstAudio` went (Switchboard's own fields): the end-of-turn silence window, STT
    # finalisation, the webhook (request → first object with text), TTS (text → first audio),
    # and what is left: the platform's own overhead.
    silenceWindow: int | None = None
    sttFinalize: int | None = None
    webhook: int | None = None
    tts: int | None = None
    overhead: int | None = None


class TranscriptTurn(ResponseModel):
    id: str
    transcript: str
    response: str
    confidence: float | None = None
    interrupted: bool = False
    createdAt: str
    latencyMs: LatencyMs = LatencyMs()


class Call(ResponseModel):
    id: str
    agentId: str | None
    agentName: str | None = None
    phoneNumberId: str | None
    phoneNumber: str | None
    fromNumber: str
    toNumber: str
    direction: Direction
    status: CallStatus
    startedAt: str
    endedAt: str | None = None
    durationSeconds: int | None = None
    endReason: str | None = None
    lastTranscriptSnippet: str | None = None
    recordingAvailable: bool = False
    recordingUrl: str | None = None
    metadata: dict[str, Any] | None = None
    variables: dict[str, str | None] | None = None
    answeredBy: Literal["human", "machine", "unknown"] | None = None
    voiceMode: str | None = None
    scheduledAt: str | None = None
    warnings: list[str] = []
    createdAt: str | None = None
    # Post-call analysis, when the deployment has a language model (also on agent.call_ended).
    summary: str | None = None
    userSentiment: Literal["Positive", "Neutral", "Negative"] | None = None
    callSuccessful: bool | None = None


class CallDetail(Call):
    transcripts: list[TranscriptTurn] = []


class CallList(Page):
    data: list[Call]


class TranscriptList(ResponseModel):
    data: list[TranscriptTurn]


class WebCallCreate(RequestModel):
    agentId: str = Field(min_length=1)
    metadata: dict[str, Any] | None = None
    variables: dict[str, str | None] | None = None
    # Our extensions, as on POST /v1/calls.
    disableRecording: bool | None = None
    maxSilenceMs: int | None = Field(default=None, ge=10_000, le=3_600_000)
    endOfTurnSilenceMs: int | None = Field(default=None, ge=200, le=5000)


class WebCallCreated(ResponseModel):
    """What a browser needs to join: the relay's socket URL (token included) and the token itself."""

    id: str
    callId: str
    websocketUrl: str
    accessToken: str
    expiresAt: str
    agentId: str
    status: CallStatus
    # How audio travels on the socket (README: "Talk to your agent in the browser").
    audioFormat: dict[str, Any]
