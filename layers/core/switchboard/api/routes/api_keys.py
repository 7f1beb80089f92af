"""/v1/api-keys: list (prefix and creation time only), create, revoke and rotate a project's keys.

Keys are managed with the project's key alone (not under `X-Sub-Account-Id`). A new or rotated key is
in the answer once; only its SHA-256 hash is stored. Revocation and rotation take effect at once.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from switchboard.api.deps import CtxDep
from switchboard.api.routes.pagination import Limit, Offset
from switchboard.errors import Forbidden
from switchboard.models.common import RequestModel, ResponseModel
from switchboard.scope import sub_of

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])


class ApiKeyCreate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)


class ApiKey(ResponseModel):
    id: str
    prefix: str
    name: str | None = None
    createdAt: str


class NewApiKey(ApiKey):
    key: str
    replaces: str | None = None


class ApiKeyList(ResponseModel):
    data: list[ApiKey]
    total: int
    hasMore: bool


class Revoked(ResponseModel):
    success: bool
    id: str


def _repo(ctx: CtxDep) -> Any:
    if sub_of(ctx.project_id):
        raise Forbidden("API keys are managed with the project's key alone; send this request without "
                        "X-Sub-Account-Id.")
    return ctx.c.projects.keys


@router.get("", response_model=ApiKeyList)
def list_keys(ctx: CtxDep, limit: Limit = 20, offset: Offset = 0) -> dict[str, Any]:
    items, total, has_more = _repo(ctx).list(str(ctx.project_id), limit, offset)
    return {"data": items, "total": total, "hasMore": has_more}


@router.post("", response_model=NewApiKey, status_code=201)
def create_key(ctx: CtxDep, body: ApiKeyCreate | None = None) -> dict[str, Any]:
    return _repo(ctx).create(str(ctx.project_id), body.name if body else None)


@router.delete("/{key_id}", response_model=Revoked)
def revoke_key(key_id: str, ctx: CtxDep) -> dict[str, Any]:
    return _repo(ctx).revoke(str(ctx.project_id), key_id)


@router.post("/{key_id}/rotate", response_model=NewApiKey, status_code=201)
def rotate_key(key_id: str, ctx: CtxDep) -> dict[str, Any]:
    return _repo(ctx).rotate(str(ctx.project_id), key_id)
