"""Texts, conversations and contacts."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from switchboard.container import Container
from switchboard.mcp.runtime import caller, hints, parse, run
from switchboard.models.contact import ContactCreate, ContactUpdate
from switchboard.models.message import MessageSend
from switchboard.services import messages as message_service

Limit = Annotated[int, Field(ge=1, le=100, description="Max results to return")]
Offset = Annotated[int, Field(ge=0, description="Number of results to skip (for pagination)")]
SendStyle = Literal["celebration", "fireworks", "lasers", "love", "confetti", "balloons", "spotlight", "echo",
                    "invisible", "gentle", "loud", "slam"]


def sender_agent(c: Container, project_id: str, number_id: str | None, from_number: str | None) -> str:
    """The agent that owns the sending number, when the caller named a number instead of an agent."""
    if number_id:
        number = c.numbers.get(project_id, number_id)
    else:
        owner = c.numbers.owner_of(from_number or "")
        if owner is None or owner["projectId"] != project_id:
            raise ToolError(f"{from_number} is not one of this account's numbers.")
        number = c.numbers.get(project_id, owner["numberId"])
    if not number.get("agentId"):
        raise ToolError(f"Number {number['phoneNumber']} has no agent; attach it to one (attach_number) first.")
    return number["agentId"]


def register(server: MCPServer) -> None:
    register_texts(server)
    register_conversations(server)
    register_contacts(server)


def register_texts(server: MCPServer) -> None:
    @server.tool(description="Send an SMS from one of an agent's numbers (agent_id, or the number by number_id or "
                             "from_number). iMessage-only options (reply_to_message_id, send_style) are ignored for "
                             "SMS; reactions are iMessage-only and not available here.",
                 **hints("Send Message", destructive=True, open_world=True))
    async def send_message(agent_id: str | None = None, to_number: str | None = None, body: str = "",
                           media_url: str | None = None, media_urls: list[str] | None = None,
                           number_id: str | None = None, from_number: str | None = None,
                           reply_to_message_id: str | None = None, send_style: SendStyle | None = None,
                           react_to_message_id: str | None = None, reaction: str | None = None) -> dict[str, Any]:
        if reaction or react_to_message_id:
            raise ToolError("Reactions are an iMessage feature; this deployment sends SMS, so none was sent.")
        if not (agent_id or number_id or from_number):
            raise ToolError("Say who sends the text: agent_id, number_id or from_number.")
        if not to_number:
            raise ToolError("to_number is required: the recipient in E.164 format, e.g. +14155551234.")
        me = caller()
        agent_id = agent_id or await run(sender_agent, me.c, me.project_id, number_id, from_number)
        request = parse(MessageSend, {"agentId": agent_id, "toNumber": to_number, "body": body, "mediaUrl": media_url,
                                      "mediaUrls": media_urls, "numberId": number_id, "fromNumber": from_number})
        return await run(message_service.send, me.c, me.project_id, request)

    @server.tool(description="Texts sent and received on one phone number, newest first.",
                 **hints("Get Messages", read_only=True, idempotent=True))
    async def get_messages(number_id: str, limit: Annotated[int, Field(ge=1, le=200)] = 50) -> dict[str, Any]:
        me = caller()
        await run(me.c.numbers.get, me.project_id, number_id)
        items, has_more = await run(me.c.conversations.list_for_number, me.project_id, number_id, limit)
        return {"data": items, "hasMore": has_more}


def register_conversations(server: MCPServer) -> None:
    @server.tool(description="SMS conversations (one per number and other party), optionally of one agent.",
                 **hints("List Conversations", read_only=True, idempotent=True))
    async def list_conversations(agent_id: str | None = None, limit: Limit = 20, offset: Offset = 0
                                 ) -> dict[str, Any]:
        me = caller()
        if agent_id:
            await run(me.c.agents.get, me.project_id, agent_id)
            items, total, more = await run(me.c.conversations.list_for_agent, me.project_id, agent_id, limit, offset)
        else:
            items, total, more = await run(me.c.conversations.list, me.project_id, limit, offset)
        return {"data": items, "total": total, "hasMore": more}

    @server.tool(description="One conversation with its latest messages.",
                 **hints("Get Conversation", read_only=True, idempotent=True))
    async def get_conversation(conversation_id: str,
                               message_limit: Annotated[int, Field(ge=1, le=100)] = 50) -> dict[str, Any]:
        me = caller()
        conv = await run(me.c.conversations.get, me.project_id, conversation_id)
        messages, _ = await run(me.c.conversations.messages, conversation_id, message_limit)
        return {**conv, "messages": messages}

    @server.tool(description="Store metadata (any JSON object) on a conversation; null clears it.",
                 **hints("Update Conversation", destructive=True, idempotent=True))
    async def update_conversation(conversation_id: str, metadata: dict[str, Any] | None) -> dict[str, Any]:
        me = caller()
        return await run(me.c.conversations.update_metadata, me.project_id, conversation_id, metadata)


def register_contacts(server: MCPServer) -> None:
    @server.tool(description="Saved contacts (the address book); search matches name or phone number.",
                 **hints("List Contacts", read_only=True, idempotent=True))
    async def list_contacts(search: str | None = None, limit: Annotated[int, Field(ge=1, le=100)] = 50,
                            offset: Offset = 0) -> dict[str, Any]:
        me = caller()
        found = await run(me.c.contacts.search, me.project_id, search)
        return {"data": found[offset:offset + limit], "total": len(found), "hasMore": offset + limit < len(found)}

    @server.tool(description="Create (phone_number and name), update (contact_id; only the fields given change) "
                             "or delete (contact_id) a saved contact.",
                 **hints("Manage Contact", destructive=True))
    async def manage_contact(action: Literal["create", "update", "delete"], contact_id: str | None = None,
                             phone_number: str | None = None, name: str | None = None, email: str | None = None,
                             notes: str | None = None) -> dict[str, Any]:
        me = caller()
        fields = {"phoneNumber": phone_number, "name": name, "email": email, "notes": notes}
        if action == "create":
            created = parse(ContactCreate, fields)
            return await run(me.c.contacts.create, me.project_id, created.model_dump())
        if not contact_id:
            raise ToolError(f"{action} needs contact_id (list_contacts shows them).")
        if action == "update":
            changes = parse(ContactUpdate, fields).model_dump(exclude_unset=True)
            return await run(me.c.contacts.update, me.project_id, contact_id, changes)
        contact = await run(me.c.contacts.get, me.project_id, contact_id)
        await run(me.c.contacts.delete, me.project_id, contact_id)
        return {"deleted": True, **contact}
