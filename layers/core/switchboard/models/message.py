"""SMS messages and conversations."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, ConfigDict, Field, field_validator

from switchboard.models.common import E164, RequestModel, ResponseModel

BODY_LIMIT = 1600  # Twilio's limit for one (concatenated) SMS


def _either(*names: str) -> Any:
    """Accept the camelCase name and the snake_case one the SDK sends (api.md: both spellings)."""
    return AliasChoices(*names)


class MessageSend(RequestModel):
    """`POST /v1/messages`: camelCase or snake_case, as AgentPhone's clients send either."""

    # `body` is required, but checked by `_text` so that its errors name the field.
    model_config = ConfigDict(**RequestModel.model_config,
                              json_schema_extra=lambda schema: schema.setdefault("required", []).append("body"))

    agentId: str = Field(min_length=1, validation_alias=_either("agentId", "agent_id"))
    toNumber: E164 = Field(validation_alias=_either("toNumber", "to_number"))
    body: str = Field(default=None, validate_default=True)  # type: ignore[assignment]  # checked in _text
    numberId: str | None = Field(default=None, min_length=1, validation_alias=_either(
        "numberId", "number_id", "fromNumberId", "from_number_id"))
    fromNumber: E164 | None = Field(default=None, validation_alias=_either("fromNumber", "from_number"))
    mediaUrl: str | None = Field(default=None, validation_alias=_either("mediaUrl", "media_url"))
    mediaUrls: list[str] | None = Field(default=None, validation_alias=_either("mediaUrls", "media_urls"))
    recipients: list[str] | None = None

    @field_validator("body", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        # The messages name the field themselves: the error renderer drops a location called "body".
        if value is None:
            raise ValueError("'body' is required")
        if not isinstance(value, str):
            raise ValueError("'body' must be a string")
        if not value.strip():
            raise ValueError("'body' must not be empty")
        if len(value) > BODY_LIMIT:
            raise ValueError(f"'body' has {len(value)} characters; one text holds at most {BODY_LIMIT}")
        return value


class Message(ResponseModel):
    # `from` (what AgentPhone's MCP server reads) is a Python keyword: an aliased field, dumped by alias.
    model_config = ConfigDict(**ResponseModel.model_config, serialize_by_alias=True)

    id: str
    fromNumber: str
    toNumber: str
    from_: str
    from_party: str = Field(alias="from")
    to: str
    body: str = Field(default=None, validate_default=True)  # type: ignore[assignment]  # checked in _text
    direction: str
    channel: str = "sms"
    status: str
    receivedAt: str
    conversationId: str | None = None
    numberId: str | None = None
    agentId: str | None = None
    mediaUrl: str | None = None
    mediaUrls: list[str] = Field(default_factory=list)
    failureReason: str | None = None
    errorCode: str | None = None
    sentAt: str | None = None
    deliveredAt: str | None = None


class SentMessage(Message):
    """The answer to `POST /v1/messages`: the message plus the SDK's snake_case names."""

    from_number: str
    to_number: str
    conversation_id: str | None = None
    media_urls: list[str] = Field(default_factory=list)


class MessagePage(ResponseModel):
    data: list[Message]
    hasMore: bool


class Conversation(ResponseModel):
    id: str
    agentId: str | None
    phoneNumberId: str
    phoneNumber: str
    participant: str
    channel: str = "sms"
    messageCount: int
    lastMessageAt: str
    lastMessagePreview: str
    metadata: dict[str, Any] | None = None
    createdAt: str
    subAccountId: str | None = None
    # The participant's name from the contacts, also as AgentPhone's group-style `participants`.
    contactName: str | None = None
    isGroup: bool = False
    participants: list[dict[str, Any]] | None = None


class ConversationDetail(Conversation):
    messages: list[Message] = Field(default_factory=list)


class ConversationList(ResponseModel):
    data: list[Conversation]
    total: int
    hasMore: bool
