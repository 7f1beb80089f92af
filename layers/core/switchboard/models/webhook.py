"""Webhook configuration and delivery records."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from switchboard.models.common import RequestModel, ResponseModel


class WebhookSet(RequestModel):
    url: str = Field(min_length=1, max_length=2048)
    contextLimit: int | None = Field(default=None, ge=0, le=50)
    timeout: int | None = Field(default=None, ge=5, le=120)
    rotateSecret: bool | None = None


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


class DeliveryPage(ResponseModel):
    items: list[Delivery]
    total: int
    offset: int
    limit: int


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
