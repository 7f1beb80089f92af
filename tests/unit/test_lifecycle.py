"""Task protection through the ECS agent endpoint, the ActiveCalls EMF line, and the loop that drives both."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import httpx

from media_relay.lifecycle import ActiveCallsMetric, Lifecycle, TaskProtection

AGENT = "http://169.254.170.2/api/task-1"


class Agent:
    """A stand-in ECS agent behind httpx.MockTransport: records each PUT, answers like the real one."""

    def __init__(self, status: int = 200) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "PUT" and str(request.url) == f"{AGENT}/task-protection/v1/state"
        body = json.loads(request.content)
        self.bodies.append(body)
        if self.status != 200:
            return httpx.Response(self.status, json={"error": {"Code": "ServerException"}})
        return httpx.Response(200, json={"protection": {"ProtectionEnabled": body["ProtectionEnabled"]}})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_protection_follows_calls_and_is_renewed_at_half_life() -> None:
    agent, clock = Agent(), Clock()
    async with httpx.AsyncClient(transport=httpx.MockTransport(agent)) as http:
        protection = TaskProtection(AGENT + "/", http, minutes=10, clock=clock)
        await protection.update(1)
        await protection.update(2)  # already protected: no second request
        clock.now += 5 * 60  # half of the 10 minutes
        await protection.update(2)
        await protection.update(0)
        await protection.update(0)
    assert agent.bodies == [{"ProtectionEnabled": True, "ExpiresInMinutes": 10},
                            {"ProtectionEnabled": True, "ExpiresInMinutes": 10},
                            {"ProtectionEnabled": False}]
    assert protection.enabled is False


async def test_a_refused_protection_request_is_retried_on_the_next_update() -> None:
    agent = Agent(status=500)
    async with httpx.AsyncClient(transport=httpx.MockTransport(agent)) as http:
        protection = TaskProtection(AGENT, http, minutes=10)
        await protection.update(1)
        assert protection.enabled is False
        agent.status = 200
        await protection.update(1)
    assert protection.enabled is True and len(agent.bodies) == 2


async def test_without_an_agent_endpoint_protection_does_nothing() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected outside ECS")

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        protection = TaskProtection(None, http)
        await protection.update(3)
    assert protection.enabled is False


def test_metric_line_is_embedded_metric_format() -> None:
    out = io.StringIO()
    ActiveCallsMetric("switchboard-relay", out=out, now=lambda: 1700000000.5).emit(4)
    doc = json.loads(out.getvalue())
    assert doc["_aws"] == {"Timestamp": 1700000000500, "CloudWatchMetrics": [
        {"Namespace": "Switchboard", "Dimensions": [["ServiceName"]],
         "Metrics": [{"Name": "ActiveCalls", "Unit": "Count"}]}]}
    assert doc["ServiceName"] == "switchboard-relay" and doc["ActiveCalls"] == 4
    assert out.getvalue().count("\n") == 1


class FakeProtection:
    def __init__(self) -> None:
        self.seen: list[int] = []
        self.changed = asyncio.Event()

    async def update(self, active: int) -> None:
        self.seen.append(active)
        self.changed.set()


async def test_lifecycle_reports_each_interval_peak_and_releases_protection_on_close() -> None:
    out, protection = io.StringIO(), FakeProtection()
    life = Lifecycle(protection, ActiveCallsMetric("relay", out=out), interval=3600)  # type: ignore[arg-type]
    runner = asyncio.create_task(life.run())
    await asyncio.wait_for(protection.changed.wait(), 5)  # the first pass: protection checked, a sample out
    protection.changed.clear()
    life.calls_changed(1)
    await asyncio.wait_for(protection.changed.wait(), 5)
    life.calls_changed(2)
    life.calls_changed(0)  # a short call between two samples still counts
    await life.close(runner)
    samples = [json.loads(line)["ActiveCalls"] for line in out.getvalue().splitlines()]
    assert samples == [0, 2]
    assert protection.seen[0] == 0 and 1 in protection.seen and protection.seen[-1] == 0
    assert runner.cancelled()
