"""/v1/agents/{id}/calls and /conversations: an agent's activity, in its own route group.

Apart from the other agent routes so that they, the ones most requests use, are built without the call and
conversation models (route_groups.py builds a group when a request first reaches it).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from switchboard.api.deps import CtxDep
from switchboard.api.routes.pagination import Limit, Offset
from switchboard.models.call import CallList
from switchboard.models.message import ConversationList
from switchboard.services import contacts

router = APIRouter(prefix="/v1/agents", tags=["agents"])


@router.get("/{agent_id}/calls", response_model=CallList)
def list_agent_calls(agent_id: str, ctx: CtxDep, limit: Limit = 20, offset: Offset = 0) -> dict[str, Any]:
    ctx.c.agents.get(ctx.project_id, agent_id)
    items, total, has_more = ctx.c.calls.list_for_agent(agent_id, limit, offset)
    return {"data": items, "total": total, "hasMore": has_more}


@router.get("/{agent_id}/conversations", response_model=ConversationList)
def list_agent_conversations(agent_id: str, ctx: CtxDep, limit: Limit = 20, offset: Offset = 0) -> dict[str, Any]:
    ctx.c.agents.get(ctx.project_id, agent_id)
    items, total, has_more = ctx.c.conversations.list_for_agent(ctx.project_id, agent_id, limit, offset)
    return {"data": contacts.on_conversations(ctx.c, ctx.project_id, items), "total": total, "hasMore": has_more}
