"""Webhooks, the project's or one agent's, and their delivery log."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from switchboard.mcp.runtime import caller, hints, parse, run
from switchboard.models.webhook import Delivery, WebhookSet
from switchboard.services import webhooks as webhook_service

SECRET_HIDDEN = "hidden; call again with reveal_secret=true to see it"


def shown(hook: dict[str, Any] | None, reveal: bool) -> dict[str, Any] | None:
    """A webhook with its signing secret hidden unless asked for (tool output tends to end up in transcripts)."""
    if hook is None or reveal or "secret" not in hook:
        return hook
    prefix = "whsec_" if str(hook["secret"]).startswith("whsec_") else ""
    return {**hook, "secret": f"{prefix}… ({SECRET_HIDDEN})"}


async def owning_agent(agent_id: str | None) -> None:
    if agent_id:
        me = caller()
        await run(me.c.agents.get, me.project_id, agent_id)  # unknown or another project's: an error


def register(server: MCPServer) -> None:
    @server.tool(description="The webhook events go to: an agent's own (agent_id) or the project's.",
                 **hints("Get Webhook", read_only=True, idempotent=True))
    async def get_webhook(agent_id: str | None = None, reveal_secret: bool = False) -> dict[str, Any]:
        me = caller()
        await owning_agent(agent_id)
        hook = await run(me.c.webhooks.get, me.project_id, agent_id)
        return {"webhook": shown(hook, reveal_secret), "scope": "agent" if agent_id else "project"}

    @server.tool(description="Set the webhook URL that gets calls' turns and events: for one agent (agent_id) or "
                             "the whole project. Its signing secret verifies the requests.",
                 **hints("Set Webhook", idempotent=True))
    async def set_webhook(url: str, agent_id: str | None = None,
                          context_limit: Annotated[int | None, Field(ge=0, le=50)] = None,
                          timeout: int | None = None, reveal_secret: bool = False) -> dict[str, Any]:
        body = parse(WebhookSet, {"url": url, "contextLimit": context_limit, "timeout": timeout})
        me = caller()
        await owning_agent(agent_id)
        return shown(await run(webhook_service.set_webhook, me.c, me.project_id, body, agent_id),
                     reveal_secret) or {}

    @server.tool(description="Remove a webhook: an agent's (its events then go to the project's) or the project's.",
                 **hints("Delete Webhook", destructive=True))
    async def delete_webhook(agent_id: str | None = None) -> dict[str, Any]:
        me = caller()
        await owning_agent(agent_id)
        existed = await run(me.c.webhooks.delete, me.project_id, agent_id)
        return {"success": True, "deleted": existed, "scope": "agent" if agent_id else "project"}

    @server.tool(description="Send a signed test event to a webhook and report its status code and time.",
                 **hints("Test Webhook", idempotent=True, open_world=True))
    async def test_webhook(agent_id: str | None = None) -> dict[str, Any]:
        me = caller()
        await owning_agent(agent_id)
        return await run(webhook_service.send_test, me.c, me.project_id, agent_id, own_only=bool(agent_id))

    @server.tool(description="Recent webhook deliveries (each event sent, its status code and time), of one agent "
                             "or the whole project.",
                 **hints("List Webhook Deliveries", read_only=True, idempotent=True))
    async def list_webhook_deliveries(agent_id: str | None = None, limit: Annotated[int, Field(ge=1, le=100)] = 20,
                                      hours: Annotated[int | None, Field(ge=1, le=720)] = None) -> dict[str, Any]:
        me = caller()
        if agent_id:
            await owning_agent(agent_id)
            items = await run(me.c.deliveries.list_for_agent, agent_id, limit)
            total = len(items)
        else:
            items, total = await run(me.c.deliveries.list, me.project_id, limit, 0, hours)
        data = [Delivery.model_validate(d).model_dump(mode="json") for d in items]
        return {"data": data, "total": total}
