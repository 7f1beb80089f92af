"""/v1/sip-trunks: route your numbers' calls to your own SIP infrastructure (AgentPhone's shapes)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import Field, model_validator

from switchboard.api.deps import CtxDep
from switchboard.api.routes.pagination import Limit, Offset
from switchboard.models.common import RequestModel, is_sip_uri
from switchboard.services import sip_trunks as service

router = APIRouter(prefix="/v1/sip-trunks", tags=["sip-trunks"])


class OriginationUri(RequestModel):
    sip_uri: str = Field(min_length=5, max_length=255)
    name: str | None = Field(default=None, max_length=64)
    priority: int = Field(default=10, ge=0, le=65535)
    weight: int = Field(default=10, ge=1, le=65535)

    @model_validator(mode="after")
    def _sip(self) -> OriginationUri:
        if not is_sip_uri(self.sip_uri) and not (self.sip_uri.startswith("sip:") and "." in self.sip_uri):
            raise ValueError(f"'{self.sip_uri}' is not a SIP URI (e.g. sip:pbx.example.com)")
        return self


class Origination(RequestModel):
    uris: list[OriginationUri] = Field(max_length=10)


class SipTrunkWrite(RequestModel):
    """AgentPhone's fields (snake_case, `origination: {"uris": [...]}`); camelCase is accepted too."""

    name: str | None = Field(default=None, min_length=1, max_length=64)
    transfers: Literal["all", "sip", "none"] | None = None
    transfer_caller_id: Literal["transferee", "transferor"] | None = None
    transferCallerId: Literal["transferee", "transferor"] | None = None
    origination: Origination | None = None
    originationUris: list[OriginationUri] | None = Field(default=None, max_length=10)
    encrypted: bool | None = None

    def changes(self) -> dict[str, Any]:
        sent = self.model_dump(exclude_unset=True, exclude_none=True, mode="json")
        if "transferCallerId" in sent:
            sent["transfer_caller_id"] = sent.pop("transferCallerId")
        origination = sent.pop("origination", None)
        if origination is not None:
            sent["originationUris"] = origination["uris"]
        return sent


async def _body(request: Request) -> SipTrunkWrite:
    """The SDK's create sends no body at all: an empty or missing body means defaults."""
    raw = await request.body()
    if not raw.strip():
        return SipTrunkWrite()
    try:
        return SipTrunkWrite.model_validate_json(raw)
    except ValueError as exc:
        from fastapi.exceptions import RequestValidationError

        raise RequestValidationError(getattr(exc, "errors", lambda: [])()) from exc


@router.get("")
def list_trunks(ctx: CtxDep, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    items, total, has_more = ctx.c.sip_trunks.list(ctx.project_id, limit, offset)
    return {"data": [service.view(t) for t in items], "total": total, "hasMore": has_more}


@router.post("", status_code=201)
async def create_trunk(request: Request, ctx: CtxDep) -> dict[str, Any]:
    body = await _body(request)
    return service.create(ctx.c, ctx.project_id, body.changes())


@router.get("/{trunk_id}")
def get_trunk(trunk_id: str, ctx: CtxDep) -> dict[str, Any]:
    return service.view(ctx.c.sip_trunks.get(ctx.project_id, trunk_id))


@router.patch("/{trunk_id}")
async def update_trunk(trunk_id: str, request: Request, ctx: CtxDep) -> dict[str, Any]:
    """Change the fields sent; with none, rotate the credentials (the new password is shown once)."""
    body = await _body(request)
    changes = body.changes()
    changes.pop("encrypted", None)  # fixed when the trunk is made (the carrier's Secure trunking)
    return service.update(ctx.c, ctx.project_id, trunk_id, changes)


@router.delete("/{trunk_id}")
def delete_trunk(trunk_id: str, ctx: CtxDep) -> dict[str, Any]:
    return service.delete(ctx.c, ctx.project_id, trunk_id)
