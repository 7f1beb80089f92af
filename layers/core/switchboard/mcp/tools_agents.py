"""Agents and the numbers attached to them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from switchboard.mcp.runtime import caller, hints, parse, run
from switchboard.models.agent import AgentCreate, AgentUpdate
from switchboard.services import agents as agent_service

Tier = Literal["turbo", "balanced", "max"]
Ambient = Literal["none", "office", "coffee-shop", "outdoor"]
Denoise = Literal["noise-cancellation", "noise-and-background-speech-cancellation"]
Speed = Annotated[float | None, Field(ge=0.5, le=2)]
Sensitivity = Annotated[float | None, Field(ge=0, le=1)]
Silence = Annotated[int | None, Field(ge=10_000, le=3_600_000)]


def agent_fields(**args: Any) -> dict[str, Any]:
    """Tool arguments (snake_case) as the API's agent fields; "" clears a transfer number or voicemail."""
    names = {"voice_mode": "voiceMode", "system_prompt": "systemPrompt", "begin_message": "beginMessage",
             "model_tier": "modelTier", "transfer_number": "transferNumber", "voicemail_message": "voicemailMessage",
             "voice_speed": "voiceSpeed", "interruption_sensitivity": "interruptionSensitivity",
             "enable_backchannel": "enableBackchannel", "enable_messaging": "enableMessaging", "stt_mode": "sttMode",
             "ambient_sound": "ambientSound", "denoising_mode": "denoisingMode", "max_silence_ms": "maxSilenceMs"}
    return {names.get(k, k): v for k, v in args.items() if v is not None}


def register(server: MCPServer) -> None:
    @server.tool(description="Agents with their phone numbers and voice settings.",
                 **hints("List Agents", read_only=True, idempotent=True))
    async def list_agents(limit: Annotated[int, Field(ge=1, le=100)] = 20) -> dict[str, Any]:
        me = caller()
        return await run(agent_service.list_page, me.c, me.project_id, limit, 0)

    @server.tool(description="Create an agent: it owns numbers and answers calls and texts, by webhook (default) or "
                             "with its own model (voice_mode 'hosted' with a system_prompt).",
                 **hints("Create Agent"))
    async def create_agent(name: str, description: str | None = None,
                           voice_mode: Literal["webhook", "hosted"] | None = None, system_prompt: str | None = None,
                           begin_message: str | None = None, voice: str | None = None, model_tier: Tier | None = None,
                           transfer_number: str | None = None, voicemail_message: str | None = None,
                           voice_speed: Speed = None, interruption_sensitivity: Sensitivity = None,
                           enable_backchannel: bool | None = None, enable_messaging: bool | None = None,
                           stt_mode: Literal["fast", "accurate"] | None = None, ambient_sound: Ambient | None = None,
                           denoising_mode: Denoise | None = None, max_silence_ms: Silence = None,
                           language: str | None = None) -> dict[str, Any]:
        args = {k: v for k, v in locals().items() if k != "name"}
        body = parse(AgentCreate, {"name": name, **agent_fields(**args)})
        me = caller()
        return await run(agent_service.create, me.c, me.project_id, body)

    @server.tool(description="Change an agent; only the fields given change. An empty transfer_number or "
                             "voicemail_message removes it.",
                 **hints("Update Agent", idempotent=True))
    async def update_agent(agent_id: str, name: str | None = None, description: str | None = None,
                           voice_mode: Literal["webhook", "hosted"] | None = None, system_prompt: str | None = None,
                           begin_message: str | None = None, voice: str | None = None, model_tier: Tier | None = None,
                           transfer_number: str | None = None, voicemail_message: str | None = None,
                           voice_speed: Speed = None, interruption_sensitivity: Sensitivity = None,
                           enable_backchannel: bool | None = None, enable_messaging: bool | None = None,
                           stt_mode: Literal["fast", "accurate"] | None = None, ambient_sound: Ambient | None = None,
                           denoising_mode: Denoise | None = None, max_silence_ms: Silence = None,
                           language: str | None = None) -> dict[str, Any]:
        args = {k: v for k, v in locals().items() if k != "agent_id"}
        fields = agent_fields(**args)
        cleared = tuple(key for key in ("transferNumber", "voicemailMessage") if fields.get(key) == "")
        body = parse(AgentUpdate, {**fields, **dict.fromkeys(cleared)}, nulls=cleared)  # null: the API's removal
        me = caller()
        return await run(agent_service.update, me.c, me.project_id, agent_id, body)

    @server.tool(description="Delete an agent for good; its numbers stay in the account, unassigned.",
                 **hints("Delete Agent", destructive=True))
    async def delete_agent(agent_id: str) -> dict[str, Any]:
        me = caller()
        return await run(agent_service.delete, me.c, me.project_id, agent_id)

    @server.tool(description="One agent with its numbers, voice settings and instructions.",
                 **hints("Get Agent", read_only=True, idempotent=True))
    async def get_agent(agent_id: str) -> dict[str, Any]:
        me = caller()
        return await run(agent_service.get, me.c, me.project_id, agent_id)

    @server.tool(description="Attach a phone number to an agent, which then answers its calls and texts.",
                 **hints("Attach Number to Agent", idempotent=True))
    async def attach_number(agent_id: str, number_id: str) -> dict[str, Any]:
        me = caller()
        return await run(agent_service.attach, me.c, me.project_id, agent_id, number_id)

    @server.tool(description="Detach a phone number from an agent; the number stays in the account.",
                 **hints("Detach Number from Agent", idempotent=True))
    async def detach_number(agent_id: str, number_id: str) -> dict[str, Any]:
        me = caller()
        return await run(agent_service.detach, me.c, me.project_id, agent_id, number_id)
