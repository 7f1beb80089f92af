"""The relay on SIGTERM, as ECS stops it: a real `python -m media_relay` process (one, or a supervisor
and two workers), real call sockets, a stand-in ECS agent endpoint for scale-in protection, the
ActiveCalls metric on stdout; and the drain logic in-process."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from media_relay.config import RelaySettings
from media_relay.server import Relay, build_relay
from switchboard.carrier import signature
from switchboard.container import Container
from switchboard.ids import new_id
from switchboard.settings import Settings
from switchboard.store.projects import NewProject
from tests.support.relay_process import EcsAgent, RelayProcess
from tests.support.servers import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def ecs_agent() -> Iterator[EcsAgent]:
    agent = EcsAgent()
    yield agent
    agent.close()


@pytest.fixture
def start_relay(settings: Settings, ecs_agent: EcsAgent) -> Iterator[Any]:
    started: list[RelayProcess] = []

    def start(drain_seconds: float, workers: int = 1) -> RelayProcess:
        started.append(RelayProcess(settings, ecs_agent.uri, drain_seconds, workers))
        return started[-1]

    yield start
    for relay in started:
        relay.kill()


def twilio_event(event: str, stream_sid: str, **body: Any) -> str:
    return json.dumps({"event": event, "streamSid": stream_sid, **body})


async def first_media(ws: ClientConnection, timeout: float = 30) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            msg = json.loads(await ws.recv())
            if msg.get("event") == "media":
                return msg


async def test_sigterm_stops_new_calls_while_the_live_call_runs_to_its_end(
        start_relay: Any, ecs_agent: EcsAgent, api: httpx.Client, container: Container, project: NewProject) -> None:
    agent = api.post("/v1/agents", json={"name": "Drain", "beginMessage": "Hello, still here."}).json()
    call = container.calls.create(project.project_id, {
        "id": new_id("call"), "agentId": agent["id"], "status": "in-progress", "direction": "inbound",
        "fromNumber": "+14155550123", "toNumber": "+14155550100"})
    relay = start_relay(drain_seconds=60)
    await relay.wait_health(200)
    assert await relay.docker_healthcheck() == 0

    async with relay.connect() as held:
        assert await ecs_agent.next() == {"ProtectionEnabled": True, "ExpiresInMinutes": 5}
        relay.proc.send_signal(signal.SIGTERM)

        await relay.wait_health(503, timeout=15)  # the load balancer stops routing here
        assert await relay.docker_healthcheck() != 0
        with pytest.raises(InvalidStatus) as refused:
            async with relay.connect():
                pass
        assert refused.value.response.status_code == 503

        # The call that was live before SIGTERM still works: it starts and hears its greeting.
        sid = "MZ" + "d" * 32
        await held.send(twilio_event("connected", sid, protocol="Call", version="1.0.0"))
        await held.send(twilio_event("start", sid, start={
            "streamSid": sid, "callSid": "CA" + "d" * 32, "accountSid": "AC" + "0" * 32, "tracks": ["inbound"],
            "customParameters": {"projectId": project.project_id, "callId": call["id"]}}))
        assert (await first_media(held))["streamSid"] == sid
        assert relay.proc.poll() is None
        await held.send(twilio_event("stop", sid, stop={"callSid": "CA" + "d" * 32}))

    assert await ecs_agent.next() == {"ProtectionEnabled": False}
    assert await relay.exit_code(timeout=30) == 0, relay.output()
    assert "drained" in relay.output()
    samples = relay.metric_samples()  # each the peak since the one before; the last one is written on exit
    assert samples[0] == 0 and 1 in samples


async def test_calls_still_live_at_the_drain_deadline_are_closed_and_the_relay_exits(
        start_relay: Any, ecs_agent: EcsAgent) -> None:
    relay = start_relay(drain_seconds=1.5)
    await relay.wait_health(200)
    async with relay.connect() as held:
        assert (await ecs_agent.next())["ProtectionEnabled"] is True
        started = time.monotonic()
        relay.proc.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(20):
                await held.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001  # going away
    assert time.monotonic() - started >= 1.0
    assert await relay.exit_code(timeout=30) == 0, relay.output()
    assert await ecs_agent.next() == {"ProtectionEnabled": False}
    assert "drain deadline reached" in relay.output()


def start_event(sid: str, project_id: str, call_id: str) -> str:
    return twilio_event("start", sid, start={
        "streamSid": sid, "callSid": "CA" + sid[2:], "accountSid": "AC" + "0" * 32, "tracks": ["inbound"],
        "customParameters": {"projectId": project_id, "callId": call_id}})


async def test_two_worker_processes_share_the_calls_and_both_drain_on_sigterm(
        start_relay: Any, ecs_agent: EcsAgent, api: httpx.Client, container: Container, project: NewProject) -> None:
    agent = api.post("/v1/agents", json={"name": "Workers", "beginMessage": "Hello from a worker."}).json()
    calls = [container.calls.create(project.project_id, {
        "id": new_id("call"), "agentId": agent["id"], "status": "in-progress", "direction": "inbound",
        "fromNumber": "+14155550123", "toNumber": "+14155550100"}) for _ in range(2)]
    relay = start_relay(drain_seconds=60, workers=2)
    await relay.wait_health(200)
    assert len(relay.logs("relay worker ready")) == 2

    async with relay.connect() as first, relay.connect() as second:
        for i, (ws, call) in enumerate(((first, calls[0]), (second, calls[1]))):
            sid = "MZ" + str(i) * 32
            await ws.send(start_event(sid, project.project_id, call["id"]))
            assert (await first_media(ws))["streamSid"] == sid  # each call is served: it hears its greeting
        assert await ecs_agent.next() == {"ProtectionEnabled": True, "ExpiresInMinutes": 5}  # one task, one hold
        connected = {r["callId"]: r["worker"] for r in relay.logs("call connected")}
        assert set(connected) == {c["id"] for c in calls}
        assert sorted(connected.values()) == [0, 1]  # the second call went to the worker without one

        relay.proc.send_signal(signal.SIGTERM)
        await relay.wait_health(503, timeout=15)  # whichever worker answers, it is draining
        with pytest.raises(InvalidStatus) as refused:
            async with relay.connect():
                pass
        assert refused.value.response.status_code == 503
        assert sorted(r["worker"] for r in relay.logs("draining") if "worker" in r) == [0, 1]
        for i, ws in enumerate((first, second)):  # both live calls go on through the drain
            await ws.send(twilio_event("stop", "MZ" + str(i) * 32))

    assert await ecs_agent.next() == {"ProtectionEnabled": False}  # released once the sum fell to 0
    assert await relay.exit_code(timeout=30) == 0, relay.output()
    assert sorted(r["worker"] for r in relay.logs("drained")) == [0, 1]
    assert 2 in relay.metric_samples()  # the task's metric is the sum over its workers


# --- the drain logic in-process ----------------------------------------------------------------------------

@pytest.fixture
async def relay(container: Container) -> AsyncIterator[Relay]:
    port = free_port()
    container.settings.relay_url = f"ws://127.0.0.1:{port}/twilio"
    relay = await build_relay(container, RelaySettings()).start("127.0.0.1", port)
    yield relay
    await relay.stop()


def signed(relay: Relay) -> Any:
    headers = {"X-Twilio-Signature": signature.compute(relay.public_url, {}, relay.auth_token)}
    return connect(relay.public_url, additional_headers=headers, open_timeout=5)


async def wait_for(condition: Any, timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_drain_waits_for_the_last_call_and_refuses_new_ones(relay: Relay) -> None:
    counts: list[int] = []
    relay.on_calls_changed = counts.append
    health = relay.public_url.replace("ws://", "http://").replace("/twilio", "/health")
    async with httpx.AsyncClient() as http:
        assert (await http.get(health)).status_code == 200
        async with signed(relay) as held:
            await wait_for(lambda: relay.active == 1)
            draining = asyncio.create_task(relay.drain(30))
            await wait_for(lambda: relay.draining)
            assert (await http.get(health)).status_code == 503
            with pytest.raises(InvalidStatus):
                async with signed(relay):
                    pass
            await held.ping()  # the live socket is still served
            assert not draining.done()
        assert await asyncio.wait_for(draining, 5) is True
    assert counts == [1, 0] and relay.active == 0


async def test_drain_gives_up_at_the_deadline(relay: Relay) -> None:
    async with signed(relay):
        await wait_for(lambda: relay.active == 1)
        assert await relay.drain(0.2) is False
        assert relay.active == 1
