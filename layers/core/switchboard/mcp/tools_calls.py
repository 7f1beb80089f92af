"""Calls: list, read (optionally waiting for the end), and place them.

A tool that waits answers within the deployment's long-poll cap (API Gateway's 30 s where it fronts
the API); when the call is still going it returns the call as it stands and says to ask again.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from switchboard.errors import SwitchboardError
from switchboard.mcp.runtime import caller, hints, parse, run
from switchboard.models.call import CallCreate
from switchboard.services import calls as call_service
from switchboard.services.call_wait import Waited, wait_for_end

Limit = Annotated[int, Field(ge=1, le=100, description="Max results to return")]
Offset = Annotated[int, Field(ge=0, description="Number of results to skip (for pagination)")]
AGAIN = "The call is still going. Call get_call with call_id={id} and wait=true to keep waiting for its end."


def waited(result: Waited) -> dict[str, Any]:
    """The call, whether it is over, and what to do when it is not."""
    answer = {**result.call, "finished": result.finished}
    if not result.finished:
        answer["hint"] = AGAIN.format(id=result.call["id"])
    return answer


def register(server: MCPServer) -> None:
    @server.tool(description="Recent calls: of one agent (agent_id) or number (number_id), else all of them, "
                             "filtered by status, direction or a number (search). get_call shows a transcript.",
                 **hints("List Calls", read_only=True, idempotent=True))
    async def list_calls(agent_id: str | None = None, number_id: str | None = None, limit: Limit = 20,
                         offset: Offset = 0, status: str | None = None,
                         direction: Literal["inbound", "outbound"] | None = None,
                         search: str | None = None) -> dict[str, Any]:
        me = caller()
        if number_id:
            await run(me.c.numbers.get, me.project_id, number_id)
            items, total, more = await run(me.c.calls.list_for_number, number_id, limit, offset)
        elif agent_id:
            await run(me.c.agents.get, me.project_id, agent_id)
            items, total, more = await run(me.c.calls.list_for_agent, agent_id, limit, offset)
        else:
            items, total, more = await run(me.c.calls.list, me.project_id, limit, offset, status=status,
                                           direction=direction, search=search)
        return {"data": items, "total": total, "hasMore": more}

    @server.tool(description="A call with its transcript. wait=true waits (up to timeout seconds) for a live call "
                             "to end first.",
                 **hints("Get Call", read_only=True, idempotent=True))
    async def get_call(call_id: str, wait: bool = False,
                       timeout: Annotated[int, Field(ge=10, le=300, description="Seconds to wait")] = 120
                       ) -> dict[str, Any]:
        me = caller()
        if not wait:
            return await run(call_service.detail, me.c, me.project_id, call_id)
        return waited(await run_wait(me.project_id, call_id, timeout))

    @server.tool(description="Place an outbound call answered by the agent's webhook (the agent needs a number and "
                             "a webhook).",
                 **hints("Make Call", destructive=True, open_world=True))
    async def make_call(agent_id: str, to_number: str, initial_greeting: str | None = None,
                        from_number_id: str | None = None, voice: str | None = None) -> dict[str, Any]:
        me = caller()
        body = parse(CallCreate, {"agentId": agent_id, "toNumber": to_number, "initialGreeting": initial_greeting,
                                  "fromNumberId": from_number_id, "voice": voice})
        return await run(call_service.place, me.c, me.project_id, body)

    @server.tool(description="Place a call in which the agent's own model holds a conversation about topic (no "
                             "webhook needed). With wait=true (default) it answers when the call is over, with the "
                             "transcript, or says to keep waiting with get_call.",
                 **hints("Make AI Conversation Call", destructive=True, open_world=True))
    async def make_conversation_call(
            agent_id: str, to_number: str, topic: str, initial_greeting: str | None = None, wait: bool = True,
            max_wait_seconds: Annotated[int, Field(ge=10, le=600)] = 300, from_number_id: str | None = None,
            voice: str | None = None) -> dict[str, Any]:
        me = caller()
        body = parse(CallCreate, {"agentId": agent_id, "toNumber": to_number, "systemPrompt": topic,
                                  "initialGreeting": initial_greeting, "fromNumberId": from_number_id,
                                  "voice": voice})
        placed = await run(call_service.place, me.c, me.project_id, body)
        if not wait:
            return placed
        return waited(await run_wait(me.project_id, placed["id"], max_wait_seconds))


async def run_wait(project_id: str, call_id: str, timeout_s: float) -> Waited:
    """`wait_for_end` (async itself, so not through `run`), its domain errors as tool errors."""
    try:
        return await wait_for_end(caller().c, project_id, call_id, timeout_s)
    except SwitchboardError as exc:
        raise ToolError(exc.detail) from exc
