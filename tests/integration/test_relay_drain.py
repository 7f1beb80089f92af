"""The relay on SIGTERM, as ECS stops it: a real `python -m media_relay` process, a real call socket,
a stand-in ECS agent endpoint for scale-in protection, the ActiveCalls metric on stdout; and the drain
logic in-process."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
from tests.support.dockerfile import healthcheck_command, parse
from tests.support.servers import free_port

pytestmark = pytest.mark.slow


# --- a stand-in ECS agent: records task-protection PUTs ---------------------------------------------------

class EcsAgent:
    def __init__(self) -> None:
        self.requests: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        agent = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                agent.requests.put((self.path, body))
                answer = json.dumps({"protection": {"ProtectionEnabled": body["ProtectionEnabled"],
                                                    "TaskArn": "arn:aws:ecs:us-east-1:123456789012:task/c/1"}})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.uri = f"http://127.0.0.1:{self.server.server_address[1]}/api/task-1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    async def next(self, timeout: float = 15) -> dict[str, Any]:
        path, body = await asyncio.to_thread(self.requests.get, timeout=timeout)
        assert path == "/api/task-1/task-protection/v1/state"
        return body

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def ecs_agent() -> Iterator[EcsAgent]:
    agent = EcsAgent()
    yield agent
    agent.close()


# --- the relay as its own process ------------------------------------------------------------------------

class RelayProcess:
    def __init__(self, settings: Settings, agent_uri: str, drain_seconds: float) -> None:
        self.port = free_port()
        self.url = f"ws://127.0.0.1:{self.port}/twilio"
        self.token = settings.twilio_auth_token
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_") and k != "ECS_AGENT_URI"}
        env |= {
            "PYTHONUNBUFFERED": "1",
            "SWITCHBOARD_TABLE_NAME": settings.table_name,
            "SWITCHBOARD_AWS_ENDPOINT_URL": settings.aws_endpoint_url or "",
            "SWITCHBOARD_TWILIO_API_BASE": settings.twilio_api_base,
            "SWITCHBOARD_TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
            "SWITCHBOARD_TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
            "SWITCHBOARD_RELAY_URL": self.url,
            "SWITCHBOARD_RELAY_HOST": "127.0.0.1",
            "SWITCHBOARD_RELAY_PORT": str(self.port),
            "SWITCHBOARD_RELAY_DRAIN_SECONDS": str(drain_seconds),
            "SWITCHBOARD_RELAY_METRIC_INTERVAL_SECONDS": "0.5",
            "SWITCHBOARD_RELAY_SERVICE_NAME": "relay-under-test",
            "SWITCHBOARD_RELAY_PROTECTION_MINUTES": "5",
            "ECS_AGENT_URI": agent_uri,
        }
        self.env = env
        self.proc = subprocess.Popen([sys.executable, "-m", "media_relay"], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"

    def output(self) -> str:
        return "".join(self.lines)

    async def wait_health(self, status: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2) as http:
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, self.output()
                try:
                    if (await http.get(self.health_url)).status_code == status:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"/health never answered {status}:\n{self.output()}")

    def connect(self) -> Any:
        headers = {"X-Twilio-Signature": signature.compute(self.url, {}, self.token)}
        return connect(self.url, additional_headers=headers, open_timeout=10)

    async def docker_healthcheck(self) -> int:
        """The image's HEALTHCHECK command, run against this relay."""
        command = healthcheck_command(parse())
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *command[1:], env={**self.env, "SWITCHBOARD_RELAY_PORT": str(self.port)},
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        return await asyncio.wait_for(proc.wait(), 15)

    async def exit_code(self, timeout: float) -> int:
        return await asyncio.to_thread(self.proc.wait, timeout)

    def metric_samples(self) -> list[int]:
        docs = [json.loads(line) for line in self.lines if line.startswith('{"_aws"')]
        assert all(d["ServiceName"] == "relay-under-test" for d in docs)
        return [d["ActiveCalls"] for d in docs]

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def start_relay(settings: Settings, ecs_agent: EcsAgent) -> Iterator[Any]:
    started: list[RelayProcess] = []

    def start(drain_seconds: float) -> RelayProcess:
        started.append(RelayProcess(settings, ecs_agent.uri, drain_seconds))
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
