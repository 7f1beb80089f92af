"""/v1/calls: listing, reading, placing and ending calls."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse

from switchboard.api.deps import CtxDep
from switchboard.api.routes.pagination import Limit, Offset
from switchboard.models.call import (
    Call,
    CallCreate,
    CallDetail,
    CallList,
    CallStatus,
    TranscriptList,
    WebCallCreate,
    WebCallCreated,
)
from switchboard.services import calls as service
from switchboard.services import web_calls
from switchboard.services.call_wait import Waited, wait_for_end

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


DEFAULT_WAIT_S = 300  # AgentPhone's MCP server waits this long for a conversation call by default


def waited_response(waited: Waited, status_code: int = 200) -> JSONResponse:
    """The call (with transcripts); `X-Call-Finished: false` when time ran out first (ask again)."""
    body = CallDetail.model_validate(waited.call).model_dump(mode="json")
    return JSONResponse(body, status_code=status_code,
                        headers={"X-Call-Finished": "true" if waited.finished else "false"})


@router.post("", response_model=CallDetail, status_code=201)
async def create_call(body: CallCreate, ctx: CtxDep,
                      idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> Any:
    result = await asyncio.to_thread(
        ctx.c.idempotency.run, "create_call", ctx.project_id, idempotency_key, body.placing_fields(),
        lambda: Call.model_validate(service.place(ctx.c, ctx.project_id, body)).model_dump(mode="json"))
    if not body.waitForCompletion:
        return JSONResponse(result, status_code=201)
    waited = await wait_for_end(ctx.c, ctx.project_id, result["id"], body.maxWaitSeconds or DEFAULT_WAIT_S)
    return waited_response(waited, status_code=201)


@router.post("/web", response_model=WebCallCreated, status_code=201)
def create_web_call(body: WebCallCreate, ctx: CtxDep) -> dict[str, Any]:
    """A call from a browser: join it by opening `websocketUrl` (single use, within `expiresAt`)."""
    return web_calls.create(ctx.c, ctx.project_id, body)


@router.get("/{call_id}", response_model=CallDetail)
async def get_call(call_id: str, ctx: CtxDep, wait: bool = False,
                   timeout: Annotated[int, Query(ge=1, le=600, description="Seconds to wait with wait=true.")] = 120
                   ) -> Any:
    if not wait:
        return await asyncio.to_thread(service.detail, ctx.c, ctx.project_id, call_id)
    return waited_response(await wait_for_end(ctx.c, ctx.project_id, call_id, timeout))


@router.get("/{call_id}/transcript", response_model=TranscriptList)
def get_transcript(call_id: str, ctx: CtxDep) -> dict[str, Any]:
    ctx.c.calls.get(ctx.project_id, call_id)
    return {"data": ctx.c.calls.list_turns(call_id)}


@router.post("/{call_id}/end", response_model=Call)
def end_call(call_id: str, ctx: CtxDep) -> dict[str, Any]:
    return service.end(ctx.c, ctx.project_id, call_id)
