"""Webhook configuration and delivery records."""

from __future__ import annotations

from typing import Any

from pydantic import Field, computed_field, field_validator

from switchboard.models.common import RequestModel, ResponseModel
from switchboard.webhooks.events import AGENTPHONE_EVENTS, EXTRA_EVENTS


class WebhookSet(RequestModel):
    url: str = Field(min_length=1, max_length=2048)
    contextLimit: int | None = Field(default=None, ge=0, le=50)
    timeout: int | None = Field(default=None, ge=5, le=120)
    rotateSecret: bool | None = None
    # Switchboard's extension: extra events to receive beside AgentPhone's (None keeps the current list).
    events: list[str] | None = Field(default=None, max_length=20)

    @field_validator("events")
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = [e for e in value if e not in AGENTPHONE_EVENTS | EXTRA_EVENTS]
        if unknown:
            raise ValueError(f"unknown event {unknown[0]!r}; extra events are {', '.join(sorted(EXTRA_EVENTS))} "
                             f"(AgentPhone's {', '.join(sorted(AGENTPHONE_EVENTS))} are always sent)")
        return sorted(set(value) & EXTRA_EVENTS)


class Webhook(ResponseModel):
    id: str
    url: str
    secret: str
    status: str
    contextLimit: int
    timeout: int
    createdAt: str
    updatedAt: str | None = None
    agentId: str | None = None
    events: list[str] = Field(default_factory=list)


class Delivery(ResponseModel):
    id: str
    messageId: str | None = None
    eventType: str | None
    channel: str | None
    status: str
    httpStatus: int | None
    errorMessage: str | None
    responseBody: str | None
    attemptCount: int
    lastAttemptAt: str | None
    nextRetryAt: str | None
    createdAt: str
    agentId: str | None = None
    url: str | None = None
    durationMs: int | None = None

    # The names AgentPhone's MCP server reads, beside the published ones.
    @computed_field  # type: ignore[prop-decorator]
    @property
    def event(self) -> str | None:
        return self.eventType

    @computed_field  # type: ignore[prop-decorator]
    @property
    def statusCode(self) -> int | None:
        return self.httpStatus

    @computed_field  # type: ignore[prop-decorator]
    @property
    def success(self) -> bool:
        return self.status == "success"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def deliveredAt(self) -> str:
        return self.lastAttemptAt or self.createdAt

    @computed_field  # type: ignore[prop-decorator]
    @property
    def responseMs(self) -> int | None:
        return self.durationMs


class DeliveryPage(ResponseModel):
    items: list[Delivery]
    data: list[Delivery]  # the same page under the name AgentPhone's MCP server reads
    total: int
    offset: int
    limit: int
    hasMore: bool


class DeliveryStats(ResponseModel):
    total: int
    success: int
    failed: int
    pending: int
    successRate: float
    byEventType: dict[str, dict[str, int]]
    byHour: list[dict[str, Any]]


class AllTimeStats(ResponseModel):
    total: int
    success: int
    failed: int
    successRate: float


class WebhookTestResult(ResponseModel):
    success: bool
    httpStatus: int | None
    responseBody: str | None
    durationMs: int
    errorMessage: str | None = None
    deliveryId: str | None = None
    # The names AgentPhone's MCP server reads.
    statusCode: int | None = None
    responseMs: int | None = None
    error: str | None = None
