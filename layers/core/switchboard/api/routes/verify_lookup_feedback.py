"""Small AgentPhone groups: one-time codes (`/v1/verify`), number lookup, and product feedback."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AliasChoices, Field

from switchboard.api.deps import CtxDep
from switchboard.api.routes.pagination import Limit, Offset
from switchboard.errors import InvalidInput
from switchboard.ids import new_id
from switchboard.models.common import E164, E164_RE, RequestModel
from switchboard.services import verify

verify_router = APIRouter(prefix="/v1/verify", tags=["verify"])
lookup_router = APIRouter(prefix="/v1/numbers", tags=["numbers"])
feedback_router = APIRouter(prefix="/v1/feedback", tags=["feedback"])
MAX_LOOKUPS = 25


class VerifySend(RequestModel):
    phone_number: E164 = Field(validation_alias=AliasChoices("phone_number", "phoneNumber"))


class VerifyCheck(RequestModel):
    verification_id: str = Field(min_length=1, max_length=64,
                                 validation_alias=AliasChoices("verification_id", "verificationId"))
    code: str = Field(pattern=r"^\d{4,10}$")


class FeedbackCreate(RequestModel):
    category: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9 _-]+$")
    note: str = Field(min_length=1, max_length=5000)
    request_id: str | None = Field(default=None, max_length=200,
                                   validation_alias=AliasChoices("request_id", "requestId"))
    url: str | None = Field(default=None, max_length=2000)
    tags: list[Annotated[str, Field(min_length=1, max_length=50)]] | None = Field(default=None, max_length=10)


@verify_router.post("/send", status_code=201)
def send_code(body: VerifySend, ctx: CtxDep) -> dict[str, Any]:
    return verify.send(ctx.c, ctx.project_id, body.phone_number)


@verify_router.post("/check")
def check_code(body: VerifyCheck, ctx: CtxDep) -> dict[str, Any]:
    return verify.check(ctx.c, ctx.project_id, body.verification_id, body.code)


@lookup_router.get("/lookup")
def lookup_numbers(ctx: CtxDep, phoneNumbers: Annotated[str, Query(
        description="Up to 25 E.164 numbers, comma separated.")]) -> dict[str, Any]:
    """Line type and country of each number, from the carrier (Twilio Lookup v2)."""
    wanted = list(dict.fromkeys(n.strip() for n in phoneNumbers.split(",") if n.strip()))
    if not wanted or len(wanted) > MAX_LOOKUPS:
        raise InvalidInput(f"'phoneNumbers' takes 1 to {MAX_LOOKUPS} E.164 numbers, comma separated.")
    bad = [n for n in wanted if not E164_RE.match(n)]
    if bad:
        raise InvalidInput(f"'phoneNumbers': {', '.join(bad)} is not an E.164 phone number (e.g. +14155550123).")
    with ThreadPoolExecutor(max_workers=min(8, len(wanted))) as pool:
        found = list(pool.map(ctx.c.carrier.lookup, wanted))
    return {"data": [{"phoneNumber": f.phone_number, "valid": f.valid, "lineType": f.line_type,
                      "country": f.country, "carrierName": f.carrier_name, "rcsEnabled": False} for f in found]}


@feedback_router.post("", status_code=201)
def submit_feedback(body: FeedbackCreate, ctx: CtxDep) -> dict[str, Any]:
    entry = ctx.c.feedback.create(ctx.project_id, {
        "id": new_id("fb"), "category": body.category, "note": body.note, "requestId": body.request_id,
        "url": body.url, "tags": body.tags or [], "status": "received"})
    return {**entry, "success": True}


@feedback_router.get("")
def list_feedback(ctx: CtxDep, limit: Limit = 20, offset: Offset = 0) -> dict[str, Any]:
    items, total, has_more = ctx.c.feedback.list(ctx.project_id, limit, offset)
    return {"data": items, "total": total, "hasMore": has_more}
