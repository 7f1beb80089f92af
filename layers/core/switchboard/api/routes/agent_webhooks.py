"""/v1/agents/{id}/webhook: an agent's own webhook (it wins over the project's for that agent)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from switchboard.api.deps import CtxDep
from switchboard.api.routes.pagination import Limit
from switchboard.models.webhook import Delivery, Webhook, WebhookSet, WebhookTestResult
from switchboard.services import webhooks as service

router = APIRouter(prefix="/v1/agents/{agent_id}/webhook", tags=["agents"])


@router.post("", response_model=Webhook)
def set_agent_webhook(agent_id: str, body: WebhookSet, ctx: CtxDep) -> dict[str, Any]:
    ctx.c.agents.get(ctx.project_id, agent_id)
    return service.set_webhook(ctx.c, ctx.project_id, body, agent_id)


@router.get("", response_model=Webhook | None)
def get_agent_webhook(agent_id: str, ctx: CtxDep) -> Any:
    ctx.c.agents.get(ctx.project_id, agent_id)
    hook = ctx.c.webhooks.get(ctx.project_id, agent_id)
    return hook if hook else JSONResponse(None)


@router.delete("")
def delete_agent_webhook(agent_id: str, ctx: CtxDep) -> dict[str, Any]:
    ctx.c.agents.get(ctx.project_id, agent_id)
    return {"success": True, "deleted": ctx.c.webhooks.delete(ctx.project_id, agent_id)}


@router.post("/test", response_model=WebhookTestResult)
def test_agent_webhook(agent_id: str, ctx: CtxDep) -> dict[str, Any]:
    return service.send_test(ctx.c, ctx.project_id, agent_id, own_only=True)


@router.get("/deliveries", response_model=list[Delivery])
def list_agent_deliveries(agent_id: str, ctx: CtxDep, limit: Limit = 50) -> list[dict[str, Any]]:
    ctx.c.agents.get(ctx.project_id, agent_id)
    return ctx.c.deliveries.list_for_agent(agent_id, limit)
