"""/v1/agents: the personas that own numbers and answer calls."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from switchboard.api.deps import CtxDep, ctx
from switchboard.api.routes.pagination import Limit, Offset
from switchboard.models.agent import (
    Agent,
    AgentCreate,
    AgentList,
    AgentUpdate,
    AttachNumberRequest,
    AttachNumberResponse,
    DeleteAgentResponse,
    VoiceList,
)
from switchboard.services import agents as service

router = APIRouter(prefix="/v1/agents", tags=["agents"])
# Registered before `router` so that /v1/agents/voices is never read as an agent id.
voices_router = APIRouter(prefix="/v1/agents", tags=["agents"])


@voices_router.get("/voices", response_model=VoiceList, dependencies=[Depends(ctx)])
def list_voices(ctx: CtxDep) -> dict[str, Any]:
    return service.voice_list(ctx.c)


@router.post("", response_model=Agent, status_code=201)
def create_agent(body: AgentCreate, ctx: CtxDep) -> dict[str, Any]:
    return service.create(ctx.c, ctx.project_id, body)


@router.get("", response_model=AgentList)
def list_agents(ctx: CtxDep, limit: Limit = 20, offset: Offset = 0) -> dict[str, Any]:
    return service.list_page(ctx.c, ctx.project_id, limit, offset)


@router.get("/{agent_id}", response_model=Agent)
def get_agent(agent_id: str, ctx: CtxDep) -> dict[str, Any]:
    return service.get(ctx.c, ctx.project_id, agent_id)


@router.patch("/{agent_id}", response_model=Agent)
def update_agent(agent_id: str, body: AgentUpdate, ctx: CtxDep) -> dict[str, Any]:
    return service.update(ctx.c, ctx.project_id, agent_id, body)


@router.delete("/{agent_id}", response_model=DeleteAgentResponse)
def delete_agent(agent_id: str, ctx: CtxDep) -> dict[str, Any]:
    return service.delete(ctx.c, ctx.project_id, agent_id)


@router.post("/{agent_id}/numbers", response_model=AttachNumberResponse)
def attach_number(agent_id: str, body: AttachNumberRequest, ctx: CtxDep) -> dict[str, Any]:
    return service.attach(ctx.c, ctx.project_id, agent_id, body.numberId)


@router.delete("/{agent_id}/numbers/{number_id}")
def detach_number(agent_id: str, number_id: str, ctx: CtxDep) -> dict[str, Any]:
    return service.detach(ctx.c, ctx.project_id, agent_id, number_id)
