"""AgentPhone's long polls on real outbound calls: `GET /v1/calls/{id}?wait=true` blocks until the call
is over and returns it with its transcript; where the deployment's front cannot hold a request that
long (API Gateway, 30 s), the API answers before its cap with the call as it stands, and a client that
asks again, as AgentPhone's MCP server's users do, sees it progress to the end."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from media_relay.server import Relay
from switchboard.container import Container
from switchboard_local.carrier.outbound import OutboundCalls
from tests.support.calls import agent_with_number
from tests.support.voice_webhook import Reply, voice_webhook

pytestmark = pytest.mark.slow
CALLEE = "+14155550142"
LINES = ["Hello, this is Sam speaking."]
REPLIES = [Reply(single={"text": "Great, see you then. Goodbye.", "hangup": True})]


@pytest.fixture
def carrier(local_carrier: Any, settings: Any) -> Iterator[OutboundCalls]:
    outbound: OutboundCalls = local_carrier.server.config.app.state.outbound
    outbound.sessions.clear()
    url = f"{settings.twilio_api_base}/2010-04-01/Accounts/{settings.twilio_account_sid}/Local/Callees.json"
    httpx.post(url, data={"Number": CALLEE, "Say": LINES}, auth=(settings.twilio_account_sid,
                                                                 settings.twilio_auth_token)).raise_for_status()
    yield outbound


async def test_get_with_wait_returns_the_finished_call_with_its_transcript(
        api: httpx.Client, relay: Relay, carrier: OutboundCalls) -> None:
    with voice_webhook(REPLIES) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        agent, _ = agent_with_number(api)
        created = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": CALLEE}).json()
        waited = await asyncio.to_thread(api.get, f"/v1/calls/{created['id']}", params={"wait": "true",
                                                                                        "timeout": 90})
    call = waited.json()
    assert waited.status_code == 200 and waited.headers["x-call-finished"] == "true"
    assert call["status"] == "completed" and call["endReason"] == "agent-hangup"
    assert call["transcripts"][-1]["response"] == "Great, see you then. Goodbye."
    again = time.monotonic()
    assert api.get(f"/v1/calls/{created['id']}", params={"wait": "true"}).json() == call  # over: at once
    assert time.monotonic() - again < 2


async def test_behind_a_front_with_a_time_limit_the_client_asks_again(
        api: httpx.Client, relay: Relay, carrier: OutboundCalls, container: Container,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(container.settings, "long_poll_max_seconds", 2.0)
    with voice_webhook(REPLIES) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        agent, _ = agent_with_number(api)
        started = time.monotonic()
        placed = await asyncio.to_thread(api.post, "/v1/calls", json={
            "agentId": agent["id"], "toNumber": CALLEE, "waitForCompletion": True,
            "maxWaitSeconds": 300})
        assert placed.status_code == 201 and time.monotonic() - started < 4  # answered before the cap ran out
        assert placed.headers["x-call-finished"] == "false" and placed.json()["status"] != "completed"
        seen, rounds = [placed.json()["status"]], 1
        while True:  # what a client of AgentPhone's long poll does: ask again until the call is over
            polled = await asyncio.to_thread(api.get, f"/v1/calls/{placed.json()['id']}",
                                             params={"wait": "true", "timeout": 300})
            rounds += 1
            seen.append(polled.json()["status"])
            if polled.headers["x-call-finished"] == "true":
                break
            assert rounds < 40, seen
    call = polled.json()
    assert call["status"] == "completed" and call["transcripts"][-1]["response"] == "Great, see you then. Goodbye."
    assert rounds >= 2 and "in-progress" in seen  # it progressed while the client kept asking


def test_bad_wait_parameters_are_refused_and_place_nothing(api: httpx.Client) -> None:
    agent, _ = agent_with_number(api)
    for body in ({"maxWaitSeconds": 0, "waitForCompletion": True}, {"waitForCompletion": "yes"},
                 {"maxWaitSeconds": 601}):
        resp = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": CALLEE, **body})
        assert resp.status_code == 400, resp.text
    assert api.get("/v1/calls").json()["total"] == 0
    for params in ({"wait": "true", "timeout": 0}, {"wait": "maybe"}, {"wait": "true", "timeout": "soon"}):
        assert api.get("/v1/calls/call_none", params=params).status_code == 400
    assert api.get("/v1/calls/call_none", params={"wait": "true", "timeout": 5}).status_code == 404
