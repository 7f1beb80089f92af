"""Buying, changing and releasing numbers: one rule set for the API and any other caller."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from switchboard.clock import iso, parse_iso
from switchboard.container import Container
from switchboard.errors import CarrierError, Conflict, InvalidInput, PlanLimitReached, SwitchboardError
from switchboard.ids import new_id
from switchboard.logging import logger
from switchboard.scope import sub_of
from switchboard.settings import Settings

if TYPE_CHECKING:  # imported where used: the agent routes import this module for `same_scope` alone
    from switchboard.carrier.port import NumberWebhooks
    from switchboard.models.number import NumberCreate, NumberUpdate


def telephony_webhooks(settings: Settings) -> NumberWebhooks:
    """Where the carrier reaches this deployment for a number's calls and texts."""
    from switchboard.carrier.port import NumberWebhooks

    base = settings.public_base_url.rstrip("/")
    return NumberWebhooks(voice_url=f"{base}/telephony/twilio/voice", status_url=f"{base}/telephony/twilio/status",
                          sms_url=f"{base}/telephony/twilio/sms")


def _expiry(value: str | None, now: datetime) -> str | None:
    if value is None:
        return None
    try:
        at = parse_iso(value)
    except ValueError as exc:
        raise InvalidInput(f"'expiresAt' must be an ISO 8601 time, e.g. 2026-12-31T00:00:00Z; got '{value}'.") from exc
    if at <= now:
        raise InvalidInput("'expiresAt' must be in the future.")
    return iso(at)


def buy(c: Container, project_id: str, body: NumberCreate) -> dict[str, Any]:
    if body.type not in (None, "local", "sms", "voice"):
        raise InvalidInput(f"Number type '{body.type}' is not offered here; numbers are local (voice and SMS).")
    agent = c.agents.get(project_id, body.agentId) if body.agentId else {}
    now = c.clock()
    expires_at = _expiry(body.expiresAt, now)
    plan = c.settings.plan
    limit, sub_limit = plan.numbers, plan.sub_account_numbers
    if c.numbers.active_count(project_id) >= limit:
        raise PlanLimitReached(f"This plan allows {limit} phone numbers; release one before buying another.")
    sub = sub_of(project_id) or agent.get("subAccountId")  # a number bought for an agent joins its sub-account
    if sub and sub_limit is not None and c.sub_accounts.active_numbers(project_id, sub) >= sub_limit:
        raise PlanLimitReached(f"This plan allows {sub_limit} phone numbers per sub-account; release one of "
                               "this sub-account's before buying another.")
    owned = c.carrier.buy_number(country=body.country, area_code=body.areaCode, phone_number=None,
                                 webhooks=telephony_webhooks(c.settings))
    stamp = iso(now)
    number = {
        "id": new_id("pn"), "phoneNumber": owned.phone_number, "country": body.country, "status": "active",
        "type": "local", "agentId": body.agentId, "attachedAt": stamp if body.agentId else None,
        "inboundCallsEnabled": True, "externalId": body.externalId, "expiresAt": expires_at,
        "createdAt": stamp, "purchasedAt": stamp, "carrierId": owned.carrier_id, "areaCode": body.areaCode,
        "subAccountId": sub,
    }
    try:
        return c.numbers.claim(project_id, number, limit, sub_limit)
    except (Conflict, PlanLimitReached):
        _release_quietly(c, owned.carrier_id)
        raise


def _release_quietly(c: Container, carrier_id: str) -> None:
    try:
        c.carrier.release_number(carrier_id)
    except SwitchboardError:
        logger.exception("could not hand a number back to the carrier", extra={"carrierId": carrier_id})


def update(c: Container, project_id: str, number_id: str, body: NumberUpdate) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    if changes.get("inboundCallsEnabled", True) is None:
        raise InvalidInput("'inboundCallsEnabled' cannot be null.")
    if changes.get("agentId"):
        same_scope(c.numbers.get(project_id, number_id), c.agents.get(project_id, changes["agentId"]))
    if "expiresAt" in changes:
        changes["expiresAt"] = _expiry(changes["expiresAt"], c.clock())
    if not changes:
        return c.numbers.get(project_id, number_id)
    if "sipTrunkId" in changes:
        from switchboard.services import sip_trunks

        number = c.numbers.get(project_id, number_id)
        if number["status"] != "active":
            raise Conflict(f"Phone number '{number_id}' has been released and cannot be changed.")
        sip_trunks.route_number(c, project_id, number, changes["sipTrunkId"])
    return c.numbers.update(project_id, number_id, changes)


def same_scope(number: dict[str, Any], agent: dict[str, Any]) -> None:
    """A number and the agent answering it belong to the same sub-account (or both to the project)."""
    if number.get("subAccountId") != agent.get("subAccountId"):
        raise Conflict(f"Phone number '{number['id']}' and agent '{agent['id']}' belong to different "
                       "sub-accounts; a number can only be attached to an agent of its own sub-account.")


def release(c: Container, project_id: str, number_id: str) -> dict[str, Any]:
    number = c.numbers.get(project_id, number_id)
    if number["status"] == "active":
        try:
            c.carrier.release_number(number["carrierId"])
        except CarrierError as exc:
            if exc.status != 404:
                raise
        c.numbers.release(project_id, number_id)
        if number.get("sipTrunkId"):  # the carrier dropped it from the trunk with the number
            c.sip_trunks.update(project_id, number["sipTrunkId"], add={"attachedNumbers": -1})
    return {"success": True, "id": number_id, "phoneNumber": number["phoneNumber"], "status": "released"}


def release_expired(c: Container) -> tuple[list[str], list[str]]:
    """Release every number whose `expiresAt` has passed (run on a schedule). Returns the ids released
    and those that failed (the carrier refused or was away: the next run tries them again)."""
    released, failed = [], []
    for project_id, number_id in c.numbers.expired(iso(c.clock())):
        try:
            release(c, project_id, number_id)
        except Exception:
            logger.exception("an expired number could not be released", extra={"numberId": number_id})
            failed.append(number_id)
        else:
            released.append(number_id)
    return released, failed


def available(c: Container, country: str, area_code: str | None, limit: int) -> dict[str, Any]:
    found = c.carrier.search_numbers(country, area_code, limit)
    return {"data": [{"phoneNumber": n.phone_number, "city": n.city, "state": n.state,
                      "areaCode": n.area_code or n.phone_number[2:5], "country": n.country} for n in found]}
