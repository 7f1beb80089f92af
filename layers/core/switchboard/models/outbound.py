"""The events functions/outbound takes: `OutboundCallRequested` (anyone's) and `ScheduledCallDue` (ours)."""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, Field

from switchboard.models.call import CallCreate


class OutboundCallRequest(CallCreate):
    """`detail` of OutboundCallRequested: the POST /v1/calls body, plus the project it is for.

    The bus belongs to the whole deployment, so the event names its project; `idempotencyKey`
    is the API's Idempotency-Key (a request and an event with the same key place one call).
    """

    projectId: str = Field(min_length=1)
    idempotencyKey: str | None = Field(default=None, min_length=1, max_length=255)

    def call_create(self) -> CallCreate:
        return CallCreate.model_validate(self.model_dump(exclude={"projectId", "idempotencyKey"}))


class ScheduledCallDue(BaseModel):
    """`detail` of the event a scheduled call's schedule sends when it is due."""

    projectId: str = Field(min_length=1)
    callId: str = Field(min_length=1)


class ScheduledCallDueEvent(EventBridgeModel):
    detail: ScheduledCallDue
