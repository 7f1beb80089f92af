"""/v1/register: US A2P 10DLC brand and campaign registration (AgentPhone's snake_case shapes)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from switchboard.api.deps import CtxDep
from switchboard.models.registration import CampaignFields, RegistrationCreate
from switchboard.services import registration as service

router = APIRouter(prefix="/v1/register", tags=["10dlc"])


@router.post("", status_code=201)
def register(body: RegistrationCreate, ctx: CtxDep) -> dict[str, Any]:
    return service.register(ctx.c, ctx.project_id, body)


@router.get("/status")
def registration_status(ctx: CtxDep) -> dict[str, Any]:
    """Where the registration stands; asking moves it on as far as the carrier has decided."""
    return service.status_view(service.poll(ctx.c, ctx.project_id))


@router.get("")
def registration_detail(ctx: CtxDep) -> dict[str, Any]:
    return service.detail(ctx.c, ctx.project_id)


@router.patch("")
def update_registration(body: CampaignFields, ctx: CtxDep) -> dict[str, Any]:
    return service.update(ctx.c, ctx.project_id, body)
