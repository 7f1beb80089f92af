"""US A2P 10DLC registration (`/v1/register`): one per scope, run through the carrier, polled.

The brand is submitted at once; the campaign follows when the brand is approved, which the
carrier learns in its own time, so every status request asks the carrier for the next step
(`advance_a2p`) until the campaign is verified or something failed. Once verified, the scope's
numbers join the campaign's messaging service.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from switchboard.carrier.port import A2PState
from switchboard.clock import iso
from switchboard.container import Container
from switchboard.errors import Conflict, InvalidInput, NotFound
from switchboard.models.registration import CampaignFields, RegistrationCreate
from switchboard.scope import Scope, list_source, sub_of
from switchboard.store import keys
from switchboard.store.dynamo import strip_keys

TERMINAL = {"verified", "failed"}
MESSAGES = {
    ("brand", "pending"): "Your brand is being reviewed by the carriers; the campaign follows once it is approved.",
    ("brand", "failed"): "The brand registration failed: {reason}. Correct it with PATCH /v1/register.",
    ("campaign", "pending"): "Your brand is approved; the campaign is waiting for review.",
    ("campaign", "in_progress"): "Your brand is approved; the campaign is being reviewed by the carriers.",
    ("campaign", "failed"): "The campaign was rejected: {reason}.",
    ("complete", "verified"): "Your campaign is verified: texts from your numbers now go out under it.",
}


def _summary(state: A2PState) -> tuple[str, str]:
    """(stage, campaign_status) in our words from the carrier's brand and campaign states."""
    if state.campaign_sid is None:
        return "brand", "failed" if state.brand_status == "FAILED" else "pending"
    status = {"VERIFIED": "verified", "FAILED": "failed", "IN_PROGRESS": "in_progress"}.get(
        state.campaign_status or "", "pending")
    return ("complete" if status == "verified" else "campaign"), status


def _key(project_id: str) -> tuple[str, str]:
    return keys.project_pk(project_id), keys.registration_sk(sub_of(project_id))


def _load(c: Container, project_id: str) -> dict[str, Any] | None:
    item = c.table.get(*_key(project_id), consistent=True)
    return strip_keys(item) if item else None


def _store(c: Container, project_id: str, reg: dict[str, Any], state: A2PState) -> dict[str, Any]:
    stage, status = _summary(state)
    reg = {**reg, "brandSid": state.brand_sid, "brandStatus": state.brand_status,
           "campaignSid": state.campaign_sid, "campaignStatus": state.campaign_status,
           "messagingServiceSid": state.messaging_service_sid, "failureReason": state.failure_reason,
           "stage": stage, "status": status, "updatedAt": iso(c.clock())}
    pk, sk = _key(project_id)
    c.table.put({"pk": pk, "sk": sk, "kind": "registration", **reg})
    return reg


def _state(reg: dict[str, Any]) -> A2PState:
    return A2PState(reg["brandSid"], reg["brandStatus"], reg.get("campaignStatus"), reg.get("messagingServiceSid"),
                    reg.get("campaignSid"), reg.get("failureReason"))


def status_view(reg: dict[str, Any] | None) -> dict[str, Any]:
    if reg is None:
        return {"campaign_status": "not_registered", "stage": None,
                "message": "No 10DLC registration yet; submit one with POST /v1/register."}
    text = MESSAGES.get((reg["stage"], reg["status"]), "Registration {status}.")
    return {"campaign_status": reg["status"], "stage": reg["stage"],
            "message": text.format(reason=reg.get("failureReason") or "no reason given", status=reg["status"])}


def register(c: Container, project_id: str, body: RegistrationCreate) -> dict[str, Any]:
    sub = sub_of(project_id)
    if body.create_sub_account and sub is None:
        sub = c.sub_accounts.create(project_id, body.brand_name or body.business_name or
                                    f"{body.first_name} {body.last_name}")["id"]
        project_id = Scope(project_id, sub)
    current = _load(c, project_id)
    if current is not None and current["status"] != "failed":
        raise Conflict("A 10DLC registration is already under way here; follow it with GET /v1/register/status "
                       "or change it with PATCH /v1/register.")
    profile = body.model_dump(mode="json", exclude_none=True)
    state = c.carrier.start_a2p(profile)
    now = iso(c.clock())
    reg = _store(c, project_id, {"profile": profile, "subAccountId": sub, "createdAt": now}, state)
    view = status_view(reg)
    # Carrier fees (brand and campaign vetting) are billed by the carrier to your own account.
    return {"ok": True, "message": view["message"], "campaign_status": view["campaign_status"],
            "stage": view["stage"], "sub_account_id": sub, "fee_cents": 0}


def poll(c: Container, project_id: str) -> dict[str, Any] | None:
    """The registration, moved on by whatever the carrier has decided since it was last asked."""
    reg = _load(c, project_id)
    if reg is None or reg["status"] in TERMINAL:
        return reg
    state = c.carrier.advance_a2p(_state(reg), reg["profile"])
    reg = _store(c, project_id, reg, state)
    if reg["status"] == "verified":
        _add_numbers(c, project_id, state.messaging_service_sid or "")
    return reg


def _add_numbers(c: Container, project_id: str, service_sid: str) -> None:
    pk, index = list_source(project_id)
    for number in c.table.query(pk, index=index, prefix="NUMBER#"):
        if number.get("status") == "active":
            c.carrier.add_sender(service_sid, number["carrierId"])


def detail(c: Container, project_id: str) -> dict[str, Any]:
    reg = poll(c, project_id)
    if reg is None:
        raise NotFound("No 10DLC registration here yet; submit one with POST /v1/register.")
    profile = reg["profile"]
    return {**status_view(reg), "sub_account_id": reg.get("subAccountId"), "created_at": reg["createdAt"],
            "updated_at": reg["updatedAt"], "registration": profile,
            "brand": {"sid": reg["brandSid"], "status": reg["brandStatus"], "type": profile["registration_type"],
                      "name": profile.get("brand_name") or profile.get("business_name"),
                      "failure_reason": reg.get("failureReason") if reg["stage"] == "brand" else None},
            "campaign": None if not reg.get("campaignSid") else {
                "sid": reg["campaignSid"], "status": reg.get("campaignStatus"),
                "messaging_service_sid": reg.get("messagingServiceSid"), "use_cases": profile["use_cases"]}}


def update(c: Container, project_id: str, body: CampaignFields) -> dict[str, Any]:
    """Change a registration whose campaign is not yet submitted; a failed brand is submitted again."""
    reg = _load(c, project_id)
    if reg is None:
        raise NotFound("No 10DLC registration here yet; submit one with POST /v1/register.")
    if reg.get("campaignSid"):
        raise Conflict("The campaign is already with the carriers; it can no longer be changed here.")
    changes = body.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    try:
        merged = RegistrationCreate.model_validate({**reg["profile"], **changes})
    except ValidationError as exc:
        raise InvalidInput(f"The registration would not be valid: {exc.errors()[0]['msg']}.") from exc
    profile = merged.model_dump(mode="json", exclude_none=True)
    state = c.carrier.start_a2p(profile) if reg["status"] == "failed" else _state(reg)
    return detail_after(c, project_id, _store(c, project_id, {**reg, "profile": profile}, state))


def detail_after(c: Container, project_id: str, reg: dict[str, Any]) -> dict[str, Any]:
    return {**status_view(reg), "registration": reg["profile"], "sub_account_id": reg.get("subAccountId")}
