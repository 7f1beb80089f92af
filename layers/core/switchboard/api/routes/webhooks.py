"""/v1/webhooks: the project's webhook, test sends and the delivery log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from switchboard.api.deps import CtxDep
from switchboard.api.routes.pagination import Limit, Offset
from switchboard.models.webhook import AllTimeStats, DeliveryPage, DeliveryStats, Webhook, WebhookSet, WebhookTestResult
from switchboard.services import webhooks as service

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
Hours = Annotated[int, Query(ge=1, le=24 * 30, description="Look back this many hours.")]


@router.post("", response_model=Webhook)
def set_webhook(body: WebhookSet, ctx: CtxDep) -> dict[str, Any]:
    return service.set_webhook(ctx.c, ctx.project_id, body)


@router.get("", response_model=Webhook | None, responses={200: {"description": "The webhook, or null if none."}})
def get_webhook(ctx: CtxDep) -> Any:
    hook = ctx.c.webhooks.get(ctx.project_id)
    return hook if hook else JSONResponse(None)


@router.delete("")
def delete_webhook(ctx: CtxDep) -> dict[str, Any]:
    return {"success": True, "deleted": ctx.c.webhooks.delete(ctx.project_id)}


@router.post("/test", response_model=WebhookTestResult)
def test_webhook(ctx: CtxDep, agentId: str | None = None) -> dict[str, Any]:
    return service.send_test(ctx.c, ctx.project_id, agentId)


@router.get("/deliveries", response_model=DeliveryPage)
def list_deliveries(ctx: CtxDep, limit: Limit = 50, offset: Offset = 0, hours: Hours | None = None) -> dict[str, Any]:
    items, total = ctx.c.deliveries.list(ctx.project_id, limit, offset, hours)
    return {"items": items, "data": items, "total": total, "offset": offset, "limit": limit,
            "hasMore": offset + len(items) < total}


@router.get("/deliveries/stats", response_model=DeliveryStats)
def delivery_stats(ctx: CtxDep, hours: Hours = 24) -> dict[str, Any]:
    return service.stats(ctx.c, ctx.project_id, hours)


@router.get("/deliveries/all-time", response_model=AllTimeStats)
def all_time_stats(ctx: CtxDep) -> dict[str, Any]:
    return service.all_time(ctx.c, ctx.project_id)
