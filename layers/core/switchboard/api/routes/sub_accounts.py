"""/v1/sub-accounts: named partitions of a project, chosen per request with `X-Sub-Account-Id`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from switchboard.api.deps import CtxDep
from switchboard.api.routes.pagination import Limit, Offset
from switchboard.errors import Forbidden
from switchboard.models.common import RequestModel, ResponseModel
from switchboard.scope import sub_of

router = APIRouter(prefix="/v1/sub-accounts", tags=["sub-accounts"])


class SubAccountWrite(RequestModel):
    name: str = Field(min_length=1, max_length=200)


class SubAccount(ResponseModel):
    id: str
    name: str
    status: str
    projectId: str
    createdAt: str
    updatedAt: str


class SubAccountList(ResponseModel):
    data: list[SubAccount]
    total: int
    hasMore: bool


def _parent_only(ctx: CtxDep) -> None:
    if sub_of(ctx.project_id):
        raise Forbidden("Sub-accounts are managed with the project's key alone; send this request without "
                        "X-Sub-Account-Id.")


@router.post("", response_model=SubAccount, status_code=201)
def create_sub_account(body: SubAccountWrite, ctx: CtxDep) -> dict[str, Any]:
    _parent_only(ctx)
    return ctx.c.sub_accounts.create(ctx.project_id, body.name)


@router.get("", response_model=SubAccountList)
def list_sub_accounts(ctx: CtxDep, limit: Limit = 20, offset: Offset = 0) -> dict[str, Any]:
    _parent_only(ctx)
    items, total, has_more = ctx.c.sub_accounts.list(ctx.project_id, limit, offset)
    return {"data": items, "total": total, "hasMore": has_more}


@router.get("/{sub_account_id}", response_model=SubAccount)
def get_sub_account(sub_account_id: str, ctx: CtxDep) -> dict[str, Any]:
    _parent_only(ctx)
    return ctx.c.sub_accounts.get(ctx.project_id, sub_account_id)


@router.patch("/{sub_account_id}", response_model=SubAccount)
def rename_sub_account(sub_account_id: str, body: SubAccountWrite, ctx: CtxDep) -> dict[str, Any]:
    _parent_only(ctx)
    return ctx.c.sub_accounts.rename(ctx.project_id, sub_account_id, body.name)


@router.delete("/{sub_account_id}")
def delete_sub_account(sub_account_id: str, ctx: CtxDep) -> dict[str, Any]:
    """Delete an empty sub-account (409 while it holds numbers); what it made stays the project's to see."""
    _parent_only(ctx)
    ctx.c.sub_accounts.delete(ctx.project_id, sub_account_id)
    return {"success": True, "id": sub_account_id}
