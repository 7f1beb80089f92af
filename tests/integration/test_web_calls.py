"""Web calls end to end: POST /v1/calls/web, the relay's /web socket with real audio, the same engine
as a phone call (greeting, turns, marks, actions), and a token that admits exactly one socket."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from media_relay.server import Relay
from switchboard.container import Container
from switchboard_local.carrier.dialer import script_from_lines
from switchboard_local.carrier.web_client import WebCallClient, place_web_call
from tests.support.voice_webhook import Reply, voice_webhook

pytestmark = pytest.mark.slow


def words(text: str) -> set[str]:
    return {w.strip(",.?!").lower() for w in text.split()}


async def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


def web_agent(api: httpx.Client, hook_url: str, **fields: Any) -> dict[str, Any]:
    api.post("/v1/webhooks", json={"url": hook_url})
    return api.post("/v1/agents", json={"name": "Web support", "beginMessage": "Hello from the web.",
                                        **fields}).json()


async def test_a_web_call_is_a_call_like_any_other(api: httpx.Client, api_url: str, project: Any,
                                                   relay: Relay, container: Container) -> None:
    line = "I would like to check the status of my order."
    with voice_webhook([Reply(single={"text": "Your order ships tomorrow."})]) as hook:
        agent = web_agent(api, hook.url)
        result = await place_web_call(api_url, project.api_key, agent["id"], await script_from_lines([line]),
                                      metadata={"page": "pricing"})
    created, client = result.call, result.client
    assert created["websocketUrl"].startswith("ws://127.0.0.1:") and "/web?token=wct_" in created["websocketUrl"]
    assert created["id"] == created["callId"] and created["accessToken"] in created["websocketUrl"]
    assert client.start["type"] == "start" and client.start["callId"] == created["id"]
    assert client.start["audio"]["sampleRate"] == 8000

    # The greeting played before the caller spoke, and the playout's marks came back from "playback".
    assert client.agent.first_heard_at is not None and client.agent.first_heard_at < result.line_times[0][1]
    assert len(client.marks_echoed) >= 2

    # The caller's line reached the webhook as a web call's agent.message.
    assert len(hook.requests) == 1
    event = json.loads(hook.requests[0][1])
    assert event["event"] == "agent.message" and event["data"]["direction"] == "web"
    assert event["data"]["callId"] == created["id"] and event["data"]["from"] == "web"
    assert len(words(event["data"]["transcript"]) & words(line)) >= len(words(line)) // 2

    await wait_for(lambda: api.get(f"/v1/calls/{created['id']}").json()["status"] == "completed")
    call = api.get(f"/v1/calls/{created['id']}").json()
    assert call["direction"] == "web" and call["endReason"] == "caller-hangup"
    assert call["metadata"] == {"page": "pricing"} and call["durationSeconds"] >= 2
    turns = call["transcripts"]
    assert turns[0]["transcript"] == "" and turns[0]["response"] == "Hello from the web."
    assert turns[1]["response"] == "Your order ships tomorrow."
    assert turns[1]["latencyMs"]["firstAudio"] is not None
    assert api.get("/v1/calls", params={"direction": "web"}).json()["total"] == 1


async def test_a_token_admits_one_socket_and_refuses_reuse_expiry_and_forgery(
        api: httpx.Client, project: Any, relay: Relay, container: Container) -> None:
    with voice_webhook([]) as hook:
        agent = web_agent(api, hook.url)
        first = api.post("/v1/calls/web", json={"agentId": agent["id"]}).json()
        base = first["websocketUrl"].split("?")[0]

        for url, status in ((base, 401), (f"{base}?token=wct_forged", 403), (f"{base}?token=nonsense", 403)):
            with pytest.raises(InvalidStatus) as refused:
                async with connect(url):
                    pass
            assert refused.value.response.status_code == status
        assert api.get(f"/v1/calls/{first['id']}").json()["status"] == "queued"  # nothing changed

        client = WebCallClient(first["websocketUrl"])
        runner = asyncio.create_task(client.run())
        await wait_for(lambda: client.started_at > 0)
        with pytest.raises(InvalidStatus) as reused:  # the same token again, while the call is live
            async with connect(first["websocketUrl"]):
                pass
        assert reused.value.response.status_code == 403
        assert b"already used" in reused.value.response.body
        await client.hang_up()
        await asyncio.wait_for(runner, 10)

        late = api.post("/v1/calls/web", json={"agentId": agent["id"]}).json()
        container.web_tokens.now = lambda: time.time() + 3600
        with pytest.raises(InvalidStatus) as expired:
            async with connect(late["websocketUrl"]):
                pass
        assert expired.value.response.status_code == 403 and b"expired" in expired.value.response.body
        assert api.get(f"/v1/calls/{late['id']}").json()["status"] == "queued"


async def test_transfer_and_digits_are_refused_and_the_api_ends_a_web_call(
        api: httpx.Client, api_url: str, project: Any, relay: Relay, container: Container) -> None:
    replies = [Reply(single={"text": "Let me transfer you.", "action": "transfer", "transferNumber": "+14155550199"}),
               Reply(single={"text": "Pressing one.", "digits": "1"})]
    script = await script_from_lines(["Please transfer me to a person.", "Press one for me."])
    script.linger_s = 30  # stay on until the API ends the call
    with voice_webhook(replies) as hook:
        agent = web_agent(api, hook.url)
        task = asyncio.create_task(place_web_call(api_url, project.api_key, agent["id"], script))
        await wait_for(lambda: len(api.get("/v1/calls").json()["data"]) == 1)
        call_id = api.get("/v1/calls").json()["data"][0]["id"]
        await wait_for(lambda: len(api.get(f"/v1/calls/{call_id}/transcript").json()["data"]) >= 4, 40)
        ended_at = time.monotonic()
        assert api.post(f"/v1/calls/{call_id}/end").json()["endReason"] == "api-ended"
        result = await asyncio.wait_for(task, 15)
    assert result.client.hangup_reason == "api-ended"
    assert result.client.closed.is_set() and time.monotonic() - ended_at < 5
    turns = api.get(f"/v1/calls/{call_id}/transcript").json()["data"]
    responses = [t["response"] for t in turns]
    assert "Let me transfer you." in responses
    assert "Sorry, I could not transfer your call." in responses  # the engine's spoken refusal
    assert "Pressing one." in responses
    deliveries = api.get("/v1/webhooks/deliveries").json()["items"]
    assert any("cannot be sent on a web call" in (d.get("errorMessage") or "") for d in deliveries), deliveries
    call = api.get(f"/v1/calls/{call_id}").json()
    assert call["status"] == "completed" and call["endReason"] == "api-ended"


def test_bad_web_call_requests_get_clear_errors_and_store_nothing(api: httpx.Client, api_url: str,
                                                                  container: Container) -> None:
    agent = api.post("/v1/agents", json={"name": "No hook"}).json()
    assert api.post("/v1/calls/web", json={}).status_code == 400
    resp = api.post("/v1/calls/web", json={"agentId": agent["id"]})
    assert resp.status_code == 400 and "webhook" in resp.json()["detail"]
    assert api.post("/v1/calls/web", json={"agentId": "agent_nope"}).status_code == 404
    other = container.projects.create("other")
    foreign = httpx.post(f"{api_url}/v1/calls/web", json={"agentId": agent["id"]},
                         headers={"Authorization": f"Bearer {other.api_key}"})
    assert foreign.status_code == 404
    assert httpx.post(f"{api_url}/v1/calls/web", json={"agentId": agent["id"]}).status_code == 401
    assert api.get("/v1/calls").json()["total"] == 0
