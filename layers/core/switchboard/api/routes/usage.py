"""/v1/usage: the plan, its limits and what the project has used."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from switchboard.api.deps import CtxDep
from switchboard.models.usage import AgentUsageList, DailyUsage, MonthlyUsage, NumberUsageList, Usage
from switchboard.services import usage as service

router = APIRouter(prefix="/v1/usage", tags=["usage"])


@router.get("", response_model=Usage)
def usage_summary(ctx: CtxDep) -> dict[str, Any]:
    return service.summary(ctx.c, ctx.project_id)


@router.get("/daily", response_model=DailyUsage)
def usage_daily(ctx: CtxDep, days: Annotated[int, Query(ge=1, le=365)] = 30) -> dict[str, Any]:
    return service.daily(ctx.c, ctx.project_id, days)


@router.get("/monthly", response_model=MonthlyUsage)
def usage_monthly(ctx: CtxDep, months: Annotated[int, Query(ge=1, le=24)] = 6) -> dict[str, Any]:
    return service.monthly(ctx.c, ctx.project_id, months)


@router.get("/by-number", response_model=NumberUsageList)
def usage_by_number(ctx: CtxDep) -> dict[str, Any]:
    return service.by_number(ctx.c, ctx.project_id)


@router.get("/by-agent", response_model=AgentUsageList)
def usage_by_agent(ctx: CtxDep, period: Literal["week", "month", "year"] = "month",
                   tz: str | None = None) -> dict[str, Any]:
    return service.by_agent(ctx.c, ctx.project_id, period, tz)
