"""The relay killed mid-call (SIGKILL, as a crashed task), then started again on the same port.

The caller's line is answered and stored before the kill. After it: the call ends (the carrier hangs
up when its stream drops), is recorded as ended by an error, keeps its finished turn, frees its live
slot, and `agent.call_ended` is delivered exactly once, with the turn in its transcript. The restarted
relay takes the next call.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from switchboard.container import Container
from switchboard.settings import Settings
from switchboard_local.carrier.dialer import CallerScript, Line
from tests.integration.test_call_ended_events import assert_no_second, one_call_ended
from tests.support.calls import agent_with_number, dial, speech
from tests.support.events import delivering, event_log
from tests.support.lambdas import settings_env
from tests.support.servers import free_port

pytestmark = pytest.mark.slow


class RelayProcess:
    """`python -m media_relay` with the test's settings, on a port that survives a restart."""

    def __init__(self, settings: Settings, port: int) -> None:
        self.port = port
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
        self.env = env | settings_env(settings) | {
            "PYTHONUNBUFFERED": "1", "SWITCHBOARD_RELAY_HOST": "127.0.0.1", "SWITCHBOARD_RELAY_PORT": str(port),
            "SWITCHBOARD_RELAY_URL": f"ws://127.0.0.1:{port}/twilio"}
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> RelayProcess:
        self.proc = subprocess.Popen([sys.executable, "-m", "media_relay"], env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(timeout=2) as http:
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, "the relay exited"
                try:
                    if (await http.get(f"http://127.0.0.1:{self.port}/health")).status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("the relay never became healthy")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def relay_process(settings: Settings, container: Container) -> Iterator[RelayProcess]:
    port = free_port()
    container.settings.relay_url = f"ws://127.0.0.1:{port}/twilio"
    process = RelayProcess(container.settings, port)
    yield process
    process.stop()


async def wait_for_turns(container: Container, project_id: str, call_id: str, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(await asyncio.to_thread(container.calls.list_turns, call_id)) < count:
        assert time.monotonic() < deadline, "the turn was never stored"
        await asyncio.sleep(0.1)


async def test_a_relay_killed_mid_call_loses_no_turn_and_the_call_ends_once(
        api: httpx.Client, api_url: str, settings: Settings, container: Container, project: Any,
        relay_process: RelayProcess, monkeypatch: Any) -> None:
    container.settings.call_settle_grace_seconds = 3.0
    await relay_process.start()
    with event_log() as log, delivering(container, monkeypatch):
        api.post("/v1/webhooks", json={"url": log.url})
        _, number = agent_with_number(api)
        script = CallerScript(lines=[Line("Where is my package?", await speech("Where is my package?")),
                                     Line("Are you still there?", await speech("Are you still there?"))],
                              answer_timeout_s=30)
        calling = asyncio.create_task(dial(api_url, settings, number, script))
        call_id = await asyncio.to_thread(_first_call_id, api)
        await wait_for_turns(container, project.project_id, call_id, 1)
        relay_process.kill()  # mid-call: the second line is never answered
        result = await asyncio.wait_for(calling, 60)
        assert result.client is not None and result.client.closed.is_set()
        await relay_process.start()  # the same port, as a replacement task would
        event = await one_call_ended(log)
        await asyncio.to_thread(assert_no_second, container, call_id, project.project_id)
        assert container.calls.count_live(project.project_id) == 0
        again = await dial(api_url, settings, number, CallerScript(
            lines=[Line("Hello?", await speech("Hello?"))], answer_timeout_s=20))
        assert again.client is not None and again.client.agent.chunks  # the restarted relay answers
    call = api.get(f"/v1/calls/{call_id}").json()
    assert call["status"] == "completed" and call["endReason"] == "error", call
    assert event["data"]["disconnectionReason"] == "error" and event["data"]["callId"] == call_id
    assert call["transcripts"] and call["transcripts"][0]["response"], call["transcripts"]
    assert {"role": "user", "content": call["transcripts"][0]["transcript"]} in event["data"]["transcript"]
    assert len([e for e in log.of("agent.call_ended") if e["data"]["callId"] == call_id]) == 1


def _first_call_id(api: httpx.Client) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        data = api.get("/v1/calls").json()["data"]
        if data:
            return str(data[0]["id"])
        time.sleep(0.1)
    raise AssertionError("no call was stored")
