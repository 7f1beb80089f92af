"""`/mcp` through the official MCP SDK's own client over Streamable HTTP, against the local stack: the
same 28 tools as AgentPhone's MCP server, each called and answering with the resource it names."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from switchboard.container import Container
from switchboard_local.carrier.outbound import OutboundCalls
from tests.support.receiver import webhook_receiver

TOOLS = {"account_overview", "list_numbers", "buy_number", "send_message", "get_messages", "list_calls", "get_call",
         "make_call", "make_conversation_call", "list_agents", "create_agent", "update_agent", "delete_agent",
         "get_agent", "attach_number", "detach_number", "list_voices", "list_conversations", "get_conversation",
         "update_conversation", "list_contacts", "manage_contact", "get_usage", "get_webhook", "set_webhook",
         "delete_webhook", "test_webhook", "list_webhook_deliveries"}
REQUIRED = {"make_conversation_call": ["agent_id", "to_number", "topic"], "send_message": [],
            "manage_contact": ["action"], "get_call": ["call_id"], "attach_number": ["agent_id", "number_id"]}
CALLEE = "+14155550142"

Connect = Callable[..., AbstractAsyncContextManager[Client]]


@pytest.fixture
def connect(api_url: str, project: Any) -> Connect:
    @asynccontextmanager
    async def open_client(key: str | None = project.api_key, mode: str = "legacy") -> AsyncIterator[Client]:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        async with httpx2.AsyncClient(headers=headers, timeout=60) as http, \
                Client(streamable_http_client(f"{api_url}/mcp", http_client=http), mode=mode) as client:
            yield client

    return open_client


@pytest.fixture
def unanswered(local_carrier: Any) -> Iterator[OutboundCalls]:
    outbound: OutboundCalls = local_carrier.server.config.app.state.outbound
    outbound.no_answer_s = 1.0  # nobody answers CALLEE: calls end quickly, without audio
    yield outbound
    outbound.no_answer_s = 6.0


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_the_28_tools_are_listed_with_agentphones_arguments(connect: Connect, mode: str) -> None:
    async with connect(mode=mode) as client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(listed) == TOOLS
    for name, required in REQUIRED.items():
        assert sorted(listed[name].input_schema.get("required", [])) == sorted(required), name
    assert set(listed["send_message"].input_schema["properties"]) >= {
        "agent_id", "to_number", "body", "media_url", "media_urls", "number_id", "from_number",
        "reply_to_message_id", "send_style", "react_to_message_id", "reaction"}
    assert listed["list_numbers"].annotations.read_only_hint is True
    assert listed["buy_number"].annotations.destructive_hint is True


async def test_a_missing_or_unknown_key_is_refused(api_url: str, connect: Connect) -> None:
    ping = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    for headers in ({}, {"Authorization": "Bearer sk_live_nope"}, {"Authorization": "Basic abc"}):
        resp = httpx.post(f"{api_url}/mcp", json=ping, headers={"Accept": "application/json, text/event-stream",
                                                                  **headers})
        assert resp.status_code == 401 and resp.json()["detail"] and "Bearer" in resp.headers["www-authenticate"]


async def call(client: Client, tool: str, **args: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    assert not result.is_error, f"{tool}: {result.content}"
    assert result.structured_content is not None, tool
    return result.structured_content


async def test_every_tool_answers_with_the_resource_it_names(connect: Connect, unanswered: OutboundCalls,
                                                             container: Container,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    used: set[str] = set()

    async def use(client: Client, tool: str, **args: Any) -> dict[str, Any]:
        used.add(tool)
        return await call(client, tool, **args)

    async with connect() as c:
        voices = await use(c, "list_voices")
        assert voices["data"][0]["voice_id"]
        agent = await use(c, "create_agent", name="Front desk", voice_mode="hosted",
                          system_prompt="You book cleanings.", voice=voices["data"][0]["voice_id"])
        assert agent["id"].startswith("agent_") and agent["voiceMode"] == "hosted"
        assert (await use(c, "get_agent", agent_id=agent["id"]))["name"] == "Front desk"
        updated = await use(c, "update_agent", agent_id=agent["id"], transfer_number="+14155550199",
                            voice_speed=1.2)
        assert (updated["transferNumber"], updated["voiceSpeed"]) == ("+14155550199", 1.2)
        assert (await use(c, "update_agent", agent_id=agent["id"], transfer_number=""))["transferNumber"] is None
        assert (await use(c, "list_agents"))["data"][0]["id"] == agent["id"]

        unbought = await use(c, "buy_number", area_code="415")
        assert unbought["purchased"] is False and (await use(c, "list_numbers"))["data"] == []
        number = await use(c, "buy_number", area_code="415", confirm=True)
        assert number["phoneNumber"].startswith("+1415")
        assert (await use(c, "attach_number", agent_id=agent["id"], number_id=number["id"]))["agentId"] == agent["id"]
        assert (await use(c, "list_numbers"))["data"][0]["agentId"] == agent["id"]

        sent = await use(c, "send_message", agent_id=agent["id"], to_number="+14155550123", body="Hi there")
        assert sent["id"].startswith("msg_") and sent["from"] == number["phoneNumber"]
        by_number = await use(c, "send_message", number_id=number["id"], to_number="+14155550123", body="Again")
        assert by_number["to"] == "+14155550123"
        assert [m["body"] for m in (await use(c, "get_messages", number_id=number["id"]))["data"]] == [
            "Again", "Hi there"]
        (conv,) = (await use(c, "list_conversations", agent_id=agent["id"]))["data"]
        assert (await use(c, "get_conversation", conversation_id=conv["id"]))["messageCount"] == 2
        tagged = await use(c, "update_conversation", conversation_id=conv["id"], metadata={"vip": True})
        assert tagged["metadata"] == {"vip": True}

        contact = await use(c, "manage_contact", action="create", phone_number="+14155550123", name="Ada")
        assert contact["id"].startswith("ct_")
        changed = await use(c, "manage_contact", action="update", contact_id=contact["id"], notes="Texts only.")
        assert changed["notes"] == "Texts only."
        assert (await use(c, "list_contacts", search="ada"))["total"] == 1
        assert (await use(c, "manage_contact", action="delete", contact_id=contact["id"]))["deleted"] is True

        with webhook_receiver() as hook:
            hooked = await use(c, "set_webhook", url=hook.url, context_limit=5)
            assert hooked["url"] == hook.url and hooked["secret"].endswith("reveal_secret=true to see it)")
            shown = await use(c, "get_webhook", reveal_secret=True)
            assert shown["webhook"]["secret"].startswith("whsec_") and len(shown["webhook"]["secret"]) > 30
            tested = await use(c, "test_webhook")
            assert tested["success"] is True and tested["statusCode"] == 200
            deliveries = await use(c, "list_webhook_deliveries")
            assert deliveries["total"] == 1 and deliveries["data"][0]["event"] == "agent.message"

            placed = await use(c, "make_call", agent_id=agent["id"], to_number=CALLEE)
            assert placed["id"].startswith("call_") and placed["direction"] == "outbound"
            finished = await use(c, "get_call", call_id=placed["id"], wait=True, timeout=30)
            assert finished["finished"] is True and finished["status"] == "no-answer"
            talked = await use(c, "make_conversation_call", agent_id=agent["id"], to_number=CALLEE,
                               topic="Confirm the cleaning on Tuesday.", max_wait_seconds=30)
            assert talked["finished"] is True and talked["status"] == "no-answer" and talked["transcripts"] == []
            monkeypatch.setattr(container.settings, "long_poll_max_seconds", 0.3)  # a front with a time limit
            early = await use(c, "make_conversation_call", agent_id=agent["id"], to_number=CALLEE, topic="Hi.")
            assert early["finished"] is False and "get_call" in early["hint"] and early["id"] in early["hint"]
            rounds = 0
            while not (later := await use(c, "get_call", call_id=early["id"], wait=True))["finished"]:
                rounds += 1
                assert rounds < 40 and "hint" in later
            assert later["status"] == "no-answer" and rounds >= 1
            calls = await use(c, "list_calls", agent_id=agent["id"])
            assert calls["total"] == 3 and {x["status"] for x in calls["data"]} == {"no-answer"}
            assert (await use(c, "list_calls", status="no-answer", direction="outbound"))["total"] == 3
            assert (await use(c, "list_calls", number_id=number["id"]))["total"] == 3

        usage = await use(c, "get_usage")
        assert usage["stats"]["totalCalls"] == 3 and usage["stats"]["totalMessages"] == 2
        assert (await use(c, "get_usage", breakdown="daily", days=2))["data"][-1]["calls"] == 3
        assert (await use(c, "get_usage", breakdown="monthly", months=1))["data"][-1]["messages"] == 2
        overview = await use(c, "account_overview")
        assert overview["agents"][0]["id"] == agent["id"] and overview["webhook"]["url"] == hook.url
        assert (await use(c, "delete_webhook"))["deleted"] is True
        assert (await use(c, "detach_number", agent_id=agent["id"], number_id=number["id"]))["success"] is True
        assert (await use(c, "delete_agent", agent_id=agent["id"]))["success"] is True
    assert used == TOOLS


async def test_bad_arguments_are_tool_errors_that_say_why_and_change_nothing(connect: Connect) -> None:
    async with connect() as c:
        for name, args, words in [
            ("create_agent", {"name": ""}, "name"),
            ("create_agent", {"name": "X", "voice_mode": "hosted"}, "systemPrompt"),
            ("send_message", {"to_number": "+14155550123", "body": "hi"}, "agent_id"),
            ("send_message", {"react_to_message_id": "msg_1", "reaction": "love"}, "iMessage"),
            ("get_agent", {"agent_id": "agent_nope"}, "agent_nope"),
            ("manage_contact", {"action": "update"}, "contact_id"),
            ("buy_number", {"country": "GB", "confirm": True}, "country"),
            ("list_numbers", {"limit": 500}, "limit"),
        ]:
            result = await c.call_tool(name, args)
            text = " ".join(part.text for part in result.content if hasattr(part, "text"))
            assert result.is_error and words in text, (name, text)
        assert (await call(c, "list_agents"))["data"] == []
        assert (await call(c, "list_numbers"))["data"] == []
