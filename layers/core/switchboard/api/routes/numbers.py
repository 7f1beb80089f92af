"""/v1/numbers: buying, listing, changing and releasing phone numbers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse

from switchboard.api.deps import CtxDep
from switchboard.api.routes.conversations import iso_param
from switchboard.api.routes.pagination import Limit, Offset
from switchboard.models.call import CallList
from switchboard.models.message import MessagePage
from switchboard.models.number import AvailableNumberList, NumberCreate, NumberUpdate, PhoneNumber, PhoneNumberList
from switchboard.services import numbers as service

router = APIRouter(prefix="/v1/numbers", tags=["numbers"])


@router.post("", response_model=PhoneNumber, status_code=201)
def buy_number(body: NumberCreate, ctx: CtxDep,
               idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> Any:
    result = ctx.c.idempotency.run("buy_number", ctx.project_id, idempotency_key, body.model_dump(mode="json"),
                                   lambda: PhoneNumber.model_validate(
                                       service.buy(ctx.c, ctx.project_id, body)).model_dump(mode="json"))
    return JSONResponse(result, status_code=201)


@router.get("/available", response_model=AvailableNumberList)
def available_numbers(ctx: CtxDep, country: Literal["US", "CA"] = "US",
                      areaCode: Annotated[str | None, Query(pattern=r"^[2-9]\d{2}$")] = None,
                      limit: Limit = 20) -> dict[str, Any]:
    return service.available(ctx.c, country, areaCode, limit)


@router.get("", response_model=PhoneNumberList)
def list_numbers(ctx: CtxDep, limit: Limit = 20, offset: Offset = 0) -> dict[str, Any]:
    items, total, has_more = ctx.c.numbers.list(ctx.project_id, limit, offset)
    return {"data": items, "total": total, "hasMore": has_more}


@router.get("/{number_id}", response_model=PhoneNumber)
def get_number(number_id: str, ctx: CtxDep) -> dict[str, Any]:
    return ctx.c.numbers.get(ctx.project_id, number_id)


@router.patch("/{number_id}", response_model=PhoneNumber)
def update_number(number_id: str, body: NumberUpdate, ctx: CtxDep) -> dict[str, Any]:
    return service.update(ctx.c, ctx.project_id, number_id, body)


@router.delete("/{number_id}")
def release_number(number_id: str, ctx: CtxDep) -> dict[str, Any]:
    return service.release(ctx.c, ctx.project_id, number_id)


@router.get("/{number_id}/calls", response_model=CallList)
def list_number_calls(number_id: str, ctx: CtxDep, limit: Limit = 20, offset: Offset = 0) -> dict[str, Any]:
    ctx.c.numbers.get(ctx.project_id, number_id)
    items, total, has_more = ctx.c.calls.list_for_number(number_id, limit, offset)
    return {"data": items, "total": total, "hasMore": has_more}


@router.get("/{number_id}/messages", response_model=MessagePage)
def list_number_messages(number_id: str, ctx: CtxDep, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                         before: str | None = None, after: str | None = None) -> dict[str, Any]:
    ctx.c.numbers.get(ctx.project_id, number_id)
    items, has_more = ctx.c.conversations.list_for_number(ctx.project_id, number_id, limit,
                                                          iso_param("before", before), iso_param("after", after))
    return {"data": items, "hasMore": has_more}
