"""The live transcript stream through the vendor's SDK: `connected`, stored turns replayed, live turns
within a second of being stored, `ended` with the final call; served by the API locally and, for a
front that cannot stream, by any relay after a redirect that carries a signed token."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime
from typing import Any

import httpx
import pytest
from agentphone import AgentPhone, AsyncAgentPhone

from switchboard import signed
from switchboard.container import Container
from switchboard_local.carrier.dialer import script_from_lines
from switchboard_local.carrier.web_client import place_web_call
from tests.support.calls import agent_with_number, dial
from tests.support.servers import free_port
from tests.support.voice_webhook import Reply, voice_webhook

pytestmark = pytest.mark.slow


class Collector(threading.Thread):
    """Runs the SDK's blocking `stream_transcript` and notes when each event arrived (wall clock)."""

    def __init__(self, sdk: AgentPhone, call_id: str) -> None:
        super().__init__(daemon=True)
        self.sdk, self.call_id = sdk, call_id
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for item in self.sdk.calls.stream_transcript(self.call_id):
                self.events.append((time.time(), item))
        except BaseException as exc:  # reported by the test
            self.error = exc


def stored_at(turn: dict[str, Any]) -> float:
    return datetime.fromisoformat(turn["createdAt"].replace("Z", "+00:00")).timestamp()


async def wait_for(predicate: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


async def test_the_sdk_streams_a_phone_call_live_and_replays_it_after(api: httpx.Client, api_url: str, settings: Any,
                                                                      project: Any, relay: Any) -> None:
    lines = ["I would like to check the status of my order.", "Thank you very much."]
    replies = [Reply(single={"text": "It ships tomorrow."}), Reply(single={"text": "You are welcome."})]
    sdk = AgentPhone(api_key=project.api_key, base_url=api_url)
    with voice_webhook(replies) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        _, number = agent_with_number(api, beginMessage="Thanks for calling Acme.")
        script = await script_from_lines(lines)
        calling = asyncio.create_task(dial(api_url, settings, number, script, greeting_timeout_s=5.0))  # it greets
        await wait_for(lambda: api.get("/v1/calls").json()["total"] == 1)
        call_id = api.get("/v1/calls").json()["data"][0]["id"]
        live = Collector(sdk, call_id)
        live.start()
        await calling
        await asyncio.to_thread(live.join, 30)
    assert live.error is None, live.error
    kinds = [e["event"] for _, e in live.events]
    assert kinds[0] == "connected" and kinds[-1] == "ended" and kinds.count("turn") == 3, kinds
    turns = [(at, e["data"]) for at, e in live.events if e["event"] == "turn"]
    assert [t["response"] for _, t in turns] == ["Thanks for calling Acme.", "It ships tomorrow.", "You are welcome."]
    # The caller's turns were stored while the stream was open: each arrived within a second of being stored.
    for arrived, turn in turns[1:]:
        assert arrived - stored_at(turn) < 1.0, (arrived, turn["createdAt"])
    final = live.events[-1][1]["data"]
    assert final["id"] == call_id and final["status"] == "completed"
    assert [t["id"] for t in final["transcripts"]] == [t["id"] for _, t in turns]

    # After the call: the whole transcript replayed, then `ended`, at once (sync and async clients alike).
    replay = [e for e in sdk.calls.stream_transcript(call_id)]
    assert [e["event"] for e in replay] == ["connected", "turn", "turn", "turn", "ended"]
    async with AsyncAgentPhone(api_key=project.api_key, base_url=api_url) as client:
        kinds = [e["event"] async for e in client.calls.stream_transcript(call_id)]
    assert kinds == ["connected", "turn", "turn", "turn", "ended"]
    # A reconnecting client says what it has (Last-Event-ID) and gets only the rest.
    resp = httpx.get(f"{api_url}/v1/calls/{call_id}/transcript/stream",
                     headers={"Authorization": f"Bearer {project.api_key}", "Last-Event-ID": "2"})
    assert resp.text.count("event: turn") == 1 and "id: 3\n" in resp.text


async def test_a_live_stream_is_redirected_to_a_relay_with_a_signed_token(
        api: httpx.Client, api_url: str, project: Any, container: Container, start_relay: Any) -> None:
    http_port = free_port()
    await start_relay(http_port=http_port)
    # As behind API Gateway: the relay serves live streams, on another host (so clients drop Authorization).
    container.settings.transcript_stream_url = f"http://localhost:{http_port}"
    sdk = AgentPhone(api_key=project.api_key, base_url=api_url)
    with voice_webhook([Reply(single={"text": "Your order ships tomorrow."})]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        agent = api.post("/v1/agents", json={"name": "Web", "beginMessage": "Hello from the web."}).json()
        script = await script_from_lines(["I would like to check my order."])
        calling = asyncio.create_task(place_web_call(api_url, project.api_key, agent["id"], script))
        await wait_for(lambda: api.get("/v1/calls", params={"status": "in-progress"}).json()["total"] == 1)
        call_id = api.get("/v1/calls").json()["data"][0]["id"]

        first = httpx.get(f"{api_url}/v1/calls/{call_id}/transcript/stream",
                          headers={"Authorization": f"Bearer {project.api_key}"})
        assert first.status_code == 307
        location = first.headers["location"]
        assert location.startswith(f"http://localhost:{http_port}/v1/calls/{call_id}/transcript/stream?token=")

        live = Collector(sdk, call_id)  # requests follows the 307 and drops Authorization: the token carries it
        live.start()
        await calling
        await asyncio.to_thread(live.join, 30)
    assert live.error is None, live.error
    kinds = [e["event"] for _, e in live.events]
    assert kinds[0] == "connected" and kinds.count("turn") == 2 and kinds[-1] == "ended", kinds

    relay_url = f"http://localhost:{http_port}/v1/calls/{call_id}/transcript/stream"
    key = container.signing_key
    other = signed.sign(key, "transcript", project.project_id, "call_other", int(time.time()) + 60)
    stale = signed.sign(key, "transcript", project.project_id, call_id, int(time.time()) - 1)
    forged = signed.sign("not-the-key", "transcript", project.project_id, call_id, int(time.time()) + 60)
    recording = signed.sign(key, "recording", project.project_id, call_id, int(time.time()) + 60)
    async with httpx.AsyncClient() as client:  # the relay runs in this test's event loop
        for token, why in ((None, "malformed"), (other, "not issued"), (stale, "expired"), (forged, "not valid"),
                           (recording, "not issued")):
            resp = await client.get(relay_url, params={"token": token} if token else None)
            assert resp.status_code == 403 and why in resp.json()["detail"], (why, resp.text)
    # A finished call's stream is answered by the API itself (short and final: no need to redirect).
    done = httpx.get(f"{api_url}/v1/calls/{call_id}/transcript/stream",
                     headers={"Authorization": f"Bearer {project.api_key}"})
    assert done.status_code == 200 and done.text.count("event: turn") == 2 and "event: ended" in done.text


def test_stream_refuses_without_the_key_and_hides_foreign_calls(api: httpx.Client, api_url: str,
                                                                container: Container) -> None:
    other = container.projects.create("other")
    agent = api.post("/v1/agents", json={"name": "A"}).json()
    api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"})
    call_id = api.post("/v1/calls/web", json={"agentId": agent["id"]}).json()["id"]
    url = f"{api_url}/v1/calls/{call_id}/transcript/stream"
    assert httpx.get(url).status_code == 401
    foreign = httpx.get(url, headers={"Authorization": f"Bearer {other.api_key}"})
    assert foreign.status_code == 404 and call_id in foreign.json()["detail"]
    assert api.get("/v1/calls/call_unknown/transcript/stream").status_code == 404
