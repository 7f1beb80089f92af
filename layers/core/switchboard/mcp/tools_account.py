"""Account, usage, voices and phone numbers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from switchboard.mcp.runtime import caller, hints, parse, run
from switchboard.models.number import NumberCreate
from switchboard.services import agents as agent_service
from switchboard.services import numbers as number_service
from switchboard.services import usage as usage_service

Limit = Annotated[int, Field(ge=1, le=100, description="Max results to return")]
Offset = Annotated[int, Field(ge=0, description="Number of results to skip (for pagination)")]


def register(server: MCPServer) -> None:
    @server.tool(description="A snapshot of the account: agents with their numbers, phone numbers, the project "
                             "webhook and usage. Call this first to orient yourself.",
                 **hints("Account Overview", read_only=True, idempotent=True))
    async def account_overview() -> dict[str, Any]:
        me = caller()
        agents = await run(agent_service.list_page, me.c, me.project_id, 100, 0)
        numbers, total, _ = await run(me.c.numbers.list, me.project_id, 100, 0)
        hook = await run(me.c.webhooks.get, me.project_id)
        usage = await run(usage_service.summary, me.c, me.project_id)
        webhook = {"url": hook["url"], "status": hook["status"]} if hook else None
        return {"agents": agents["data"], "numbers": numbers, "numberCount": total, "webhook": webhook,
                "usage": usage}

    @server.tool(description="Usage statistics: a summary with plan limits and totals, or a daily or monthly "
                             "breakdown of messages, calls, voice minutes and webhooks.",
                 **hints("Get Usage", read_only=True, idempotent=True))
    async def get_usage(breakdown: Literal["summary", "daily", "monthly"] = "summary",
                        days: Annotated[int, Field(ge=1, le=365, description="Days, with breakdown='daily'")] = 30,
                        months: Annotated[int, Field(ge=1, le=24, description="Months, with 'monthly'")] = 12,
                        ) -> dict[str, Any]:
        me = caller()
        if breakdown == "daily":
            return await run(usage_service.daily, me.c, me.project_id, days)
        if breakdown == "monthly":
            return await run(usage_service.monthly, me.c, me.project_id, months)
        return await run(usage_service.summary, me.c, me.project_id)

    @server.tool(description="Voices agents can speak with; use a voice_id as an agent's voice.",
                 **hints("List Voices", read_only=True, idempotent=True))
    async def list_voices() -> dict[str, Any]:
        return await run(agent_service.voice_list, caller().c)

    @server.tool(description="Phone numbers of the account, each with its id, status, country and agent.",
                 **hints("List Phone Numbers", read_only=True, idempotent=True))
    async def list_numbers(limit: Limit = 20, offset: Offset = 0) -> dict[str, Any]:
        me = caller()
        items, total, has_more = await run(me.c.numbers.list, me.project_id, limit, offset)
        return {"data": items, "total": total, "hasMore": has_more}

    @server.tool(description="Buy a phone number (US or CA), optionally in an area code and attached to an agent. "
                             "Nothing is bought unless confirm=true.",
                 **hints("Buy Phone Number", destructive=True, open_world=True))
    async def buy_number(country: Annotated[str, Field(min_length=2, max_length=2)] = "US",
                         area_code: Annotated[str | None, Field(min_length=3, max_length=3)] = None,
                         agent_id: str | None = None, confirm: bool = False) -> dict[str, Any]:
        body = parse(NumberCreate, {"country": country, "areaCode": area_code, "agentId": agent_id})
        if not confirm:
            return {"purchased": False, "message": "No number was bought. Check with the user, then call buy_number "
                                                   "again with the same arguments and confirm=true."}
        me = caller()
        return await run(number_service.buy, me.c, me.project_id, body)
