"""/v1/conversations: SMS threads, one per (our number, other party)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from switchboard.api.deps import CtxDep
from switchboard.api.routes.pagination import Limit, Offset
from switchboard.clock import parse_iso
from switchboard.errors import InvalidInput
from switchboard.models.common import JsonObject, RequestModel
from switchboard.models.message import ConversationDetail, ConversationList, MessagePage
from switchboard.services import contacts

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])
MessageLimit = Annotated[int, Query(ge=1, le=200)]
DEFAULT_MESSAGES = 50


class ConversationUpdate(RequestModel):
    metadata: JsonObject | None = None


def iso_param(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parse_iso(value)
    except ValueError as exc:
        raise InvalidInput(f"'{name}' must be an ISO 8601 time; got '{value}'.") from exc
    return value


@router.get("", response_model=ConversationList)
def list_conversations(ctx: CtxDep, limit: Limit = 20, offset: Offset = 0) -> dict[str, Any]:
    items, total, has_more = ctx.c.conversations.list(ctx.project_id, limit, offset)
    return {"data": contacts.on_conversations(ctx.c, ctx.project_id, items), "total": total, "hasMore": has_more}


@router.get("/{conversation_id}", response_model=ConversationDetail)
def get_conversation(conversation_id: str, ctx: CtxDep, messageLimit: MessageLimit | None = None,
                     message_limit: MessageLimit | None = None) -> dict[str, Any]:
    conv = ctx.c.conversations.get(ctx.project_id, conversation_id)
    messages, _ = ctx.c.conversations.messages(conversation_id, messageLimit or message_limit or DEFAULT_MESSAGES)
    return {**contacts.on_conversations(ctx.c, ctx.project_id, [conv])[0], "messages": messages}


@router.get("/{conversation_id}/messages", response_model=MessagePage)
def list_messages(conversation_id: str, ctx: CtxDep, limit: MessageLimit = 50, before: str | None = None,
                  after: str | None = None) -> dict[str, Any]:
    ctx.c.conversations.get(ctx.project_id, conversation_id)
    items, has_more = ctx.c.conversations.messages(conversation_id, limit, iso_param("before", before),
                                                   iso_param("after", after))
    return {"data": items, "hasMore": has_more}


@router.patch("/{conversation_id}", response_model=ConversationDetail)
def update_conversation(conversation_id: str, body: ConversationUpdate, ctx: CtxDep) -> dict[str, Any]:
    """Only `metadata` changes (`group_name` is for iMessage groups, which SMS has not)."""
    conv = ctx.c.conversations.update_metadata(ctx.project_id, conversation_id, body.metadata)
    messages, _ = ctx.c.conversations.messages(conversation_id, DEFAULT_MESSAGES)
    return {**contacts.on_conversations(ctx.c, ctx.project_id, [conv])[0], "messages": messages}
