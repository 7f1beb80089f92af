"""SMS messages and conversations."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from switchboard.models.common import ResponseModel


class Message(ResponseModel):
    id: str
    fromNumber: str
    toNumber: str
    from_: str
    to: str
    body: str
    direction: str
    channel: str = "sms"
    status: str
    receivedAt: str
    conversationId: str | None = None
    numberId: str | None = None
    agentId: str | None = None
    mediaUrl: str | None = None
    failureReason: str | None = None


class MessagePage(ResponseModel):
    data: list[Message]
    hasMore: bool


class Conversation(ResponseModel):
    id: str
    agentId: str | None
    phoneNumberId: str
    phoneNumber: str
    participant: str
    messageCount: int
    lastMessageAt: str
    lastMessagePreview: str
    metadata: dict[str, Any] | None = None
    createdAt: str


class ConversationDetail(Conversation):
    messages: list[Message] = Field(default_factory=list)


class ConversationList(ResponseModel):
    data: list[Conversation]
    total: int
    hasMore: bool
