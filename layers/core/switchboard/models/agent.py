"""Agents: the persona that owns numbers and answers calls and texts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, field_validator, model_serializer

from switchboard.models.common import JsonObject, Language, Page, RequestModel, ResponseModel, TransferTarget

VoiceMode = Literal["webhook", "hosted"]
ModelTier = Literal["turbo", "balanced", "max"]
SttMode = Literal["fast", "accurate"]
AmbientSound = Literal["none", "office", "coffee-shop", "outdoor"]
DenoisingMode = Literal["noise-cancellation", "noise-and-background-speech-cancellation"]
FirstSpeaker = Literal["agent", "callee"]


class CustomTool(RequestModel):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    description: str = Field(min_length=1, max_length=1024)
    url: str = Field(min_length=8, max_length=2048, pattern=r"^https?://[^\s]+$")
    method: Literal["GET", "POST"] = "POST"
    headers: dict[str, str | None] | None = Field(default=None, max_length=20)
    parameters: JsonObject | None = None
    timeoutMs: int | None = Field(default=None, ge=100, le=120_000)
    speakDuringExecution: bool | None = None
    executionMessage: str | None = Field(default=None, max_length=500)


class AgentFields(RequestModel):
    """Fields a client may set; shared by create (with defaults) and update (all optional)."""

    description: str | None = Field(default=None, max_length=2000)
    voiceMode: VoiceMode | None = None
    systemPrompt: str | None = Field(default=None, max_length=50_000)
    beginMessage: str | None = Field(default=None, max_length=2000)
    voice: str | None = None
    modelTier: ModelTier | None = None
    transferNumber: TransferTarget | None = None
    voicemailMessage: str | None = Field(default=None, max_length=2000)
    sttMode: SttMode | None = None
    language: Language | None = None
    # AgentPhone's meaning: hang up after this much caller silence (10 s to an hour).
    maxSilenceMs: int | None = Field(default=None, ge=10_000, le=3_600_000)
    # Switchboard's own: the longest silence that ends the caller's turn.
    endOfTurnSilenceMs: int | None = Field(default=None, ge=200, le=5000)
    interruptionSensitivity: float | None = Field(default=None, ge=0, le=1)
    # Switchboard's own: who speaks first (unset: the agent on inbound calls, the callee on outbound ones).
    firstSpeaker: FirstSpeaker | None = None
    voiceSpeed: float | None = Field(default=None, ge=0.5, le=2.0)
    enableBackchannel: bool | None = None
    # Switchboard's own: no recording of this agent's calls (a call's own disableRecording also turns it off).
    disableRecording: bool | None = None
    enableMessaging: bool | None = None
    ambientSound: AmbientSound | None = None
    denoisingMode: DenoisingMode | None = None
    callScreeningIdentity: str | None = Field(default=None, max_length=500)
    callScreeningPurpose: str | None = Field(default=None, max_length=500)
    customTools: list[CustomTool] | None = Field(default=None, max_length=20)

    @field_validator("customTools")
    @classmethod
    def _unique_tool_names(cls, tools: list[CustomTool] | None) -> list[CustomTool] | None:
        if tools:
            names = [t.name for t in tools]
            if len(names) != len(set(names)):
                raise ValueError("custom tool names must be unique")
        return tools


class AgentCreate(AgentFields):
    name: str = Field(min_length=1, max_length=200)


class AgentUpdate(AgentFields):
    name: str | None = Field(default=None, min_length=1, max_length=200)


AGENT_DEFAULTS: dict[str, Any] = {
    "description": None,
    "voiceMode": "webhook",
    "systemPrompt": None,
    "beginMessage": None,
    "modelTier": "balanced",
    "transferNumber": None,
    "voicemailMessage": None,
    "sttMode": "fast",
    "language": "en-US",
    "maxSilenceMs": 600_000,
    "endOfTurnSilenceMs": 1500,  # pauses up to 1.2 s inside an utterance do not end it
    "interruptionSensitivity": 0.8,
    "voiceSpeed": 1.0,
    "enableBackchannel": True,
    "disableRecording": False,
    "enableMessaging": True,
    "ambientSound": "none",
    "denoisingMode": None,
    "callScreeningIdentity": None,
    "callScreeningPurpose": None,
    "customTools": None,
}


LEGACY_WINDOW_MAX_MS = 5_000  # a stored maxSilenceMs this small is an old end-of-turn window


def upgrade_stored(agent: dict[str, Any]) -> dict[str, Any]:
    """An agent item as today's fields mean it.

    Before maxSilenceMs took AgentPhone's meaning (the caller-silence hang-up) it held the
    end-of-turn window (200-5,000 ms); such a value is read as `endOfTurnSilenceMs`.
    """
    old = agent.get("maxSilenceMs")
    legacy = old is not None and int(old) <= LEGACY_WINDOW_MAX_MS
    if not legacy and old is not None and "endOfTurnSilenceMs" in agent:
        return agent
    upgraded = dict(agent)
    if legacy:
        upgraded["endOfTurnSilenceMs"] = agent.get("endOfTurnSilenceMs") or int(old)
        upgraded["maxSilenceMs"] = AGENT_DEFAULTS["maxSilenceMs"]
    upgraded.setdefault("maxSilenceMs", AGENT_DEFAULTS["maxSilenceMs"])
    upgraded.setdefault("endOfTurnSilenceMs", AGENT_DEFAULTS["endOfTurnSilenceMs"])
    return upgraded


class AgentNumber(ResponseModel):
    id: str
    phoneNumber: str
    status: str
    type: str = "local"


class Agent(ResponseModel):
    id: str
    name: str
    description: str | None
    voiceMode: VoiceMode
    systemPrompt: str | None
    beginMessage: str | None
    voice: str
    modelTier: ModelTier
    transferNumber: str | None
    voicemailMessage: str | None
    sttMode: SttMode
    language: str
    maxSilenceMs: int
    endOfTurnSilenceMs: int
    interruptionSensitivity: float
    firstSpeaker: FirstSpeaker | None = None
    voiceSpeed: float
    enableBackchannel: bool
    disableRecording: bool = False
    enableMessaging: bool
    ambientSound: AmbientSound
    denoisingMode: DenoisingMode | None
    callScreeningIdentity: str | None
    callScreeningPurpose: str | None
    customTools: list[dict[str, Any]] | None
    numbers: list[AgentNumber] = []
    subAccountId: str | None = None
    warnings: list[str] = []
    createdAt: str
    updatedAt: str

    @model_serializer(mode="wrap")
    def _omit_unset_denoising(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # The published schema types denoisingMode as optional but never null: omit it when off.
        data = handler(self)
        if data.get("denoisingMode") is None:
            data.pop("denoisingMode", None)
        return data


class AgentList(Page):
    data: list[Agent]


class DeleteAgentResponse(ResponseModel):
    success: bool
    id: str
    name: str
    message: str
    unassignedNumbers: list[str]


class AttachNumberRequest(RequestModel):
    numberId: str = Field(min_length=1)


class AttachNumberResponse(ResponseModel):
    agentId: str
    number: AgentNumber


class Voice(ResponseModel):
    voiceId: str
    name: str
    provider: str
    gender: str
    language: str
    accent: str
    voice_id: str
    voice_name: str


class VoiceList(ResponseModel):
    data: list[Voice]
