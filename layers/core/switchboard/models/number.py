"""Phone numbers owned by a project."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from switchboard.models.common import Page, RequestModel, ResponseModel


class NumberCreate(RequestModel):
    country: Literal["US", "CA"] = "US"
    areaCode: str | None = Field(default=None, pattern=r"^[2-9]\d{2}$")
    agentId: str | None = None
    externalId: str | None = Field(default=None, max_length=200)
    expiresAt: str | None = None
    type: str | None = None  # the SDK sends a line kind; only "local" (voice + SMS) exists here


class NumberUpdate(RequestModel):
    agentId: str | None = None
    inboundCallsEnabled: bool | None = None
    externalId: str | None = Field(default=None, max_length=200)
    expiresAt: str | None = None
    # Send this number's inbound calls to a SIP trunk's origination URIs (null: back to its agent).
    sipTrunkId: str | None = None


class PhoneNumber(ResponseModel):
    id: str
    phoneNumber: str
    country: str
    status: Literal["active", "released"]
    type: str = "local"
    agentId: str | None
    inboundCallsEnabled: bool
    externalId: str | None = None
    expiresAt: str | None = None
    createdAt: str
    purchasedAt: str
    releasedAt: str | None = None
    subAccountId: str | None = None
    sipTrunkId: str | None = None


class PhoneNumberList(Page):
    data: list[PhoneNumber]


class AvailableNumber(ResponseModel):
    phoneNumber: str
    city: str | None
    state: str | None
    areaCode: str | None


class AvailableNumberList(ResponseModel):
    data: list[AvailableNumber]


class Success(ResponseModel):
    success: bool
