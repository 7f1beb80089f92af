"""/v1/calls: listing, reading, placing and ending calls."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from switchboard.api.deps import CtxDep
from switchboard.api.routes.pagination import Limit, Offset
from switchboard.models.call import Call, CallCreate, CallDetail, CallList, CallStatus, TranscriptList
from switchboard.services import calls as service

router = APIRouter(prefix="/v1/calls", tags=["calls"])


@router.get("", response_model=CallList)
def list_calls(ctx: CtxDep, limit: Limit = 20, offset: Offset = 0, status: CallStatus | None = None,
               direction: Literal["inbound", "outbound", "web"] | None = None,
               type: Literal["voice", "web", "phone"] | None = None, search: str | None = None) -> dict[str, Any]:
    if direction is None and type == "web":
        direction = "web"
    items, total, has_more = ctx.c.calls.list(ctx.project_id, limit, offset, status=status, direction=direction,
                                              search=search)
    return {"data": items, "total": total, "hasMore": has_more}


@router.post("", response_model=Call, status_code=201)
def create_call(body: CallCreate, ctx: CtxDep,
                idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> Any:
    result = ctx.c.idempotency.run("create_call", ctx.project_id, idempotency_key, body.model_dump(mode="json"),
                                   lambda: Call.model_validate(
                                       service.place(ctx.c, ctx.project_id, body)).model_dump(mode="json"))
    return JSONResponse(result, status_code=201)


@router.get("/{call_id}", response_model=CallDetail)
def get_call(call_id: str, ctx: CtxDep) -> dict[str, Any]:
    return service.detail(ctx.c, ctx.project_id, call_id)


@router.get("/{call_id}/transcript", response_model=TranscriptList)
def get_transcript(call_id: str, ctx: CtxDep) -> dict[str, Any]:
    ctx.c.calls.get(ctx.project_id, call_id)
    return {"data": ctx.c.calls.list_turns(call_id)}


@router.post("/{call_id}/end", response_model=Call)
def end_call(call_id: str, ctx: CtxDep) -> dict[str, Any]:
    return service.end(ctx.c, ctx.project_id, call_id)
