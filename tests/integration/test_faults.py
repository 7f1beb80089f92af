"""Faults, made real: the table taken away and throttling (through a proxy in front of the emulator), the
delivery worker and the relay killed as processes mid-work and restarted, a carrier answering 5xx.

Each keeps its promise: documented statuses (503 with Retry-After, 502), no finished turn lost, every
event delivered at least once under one X-Webhook-Id, and `agent.call_ended` exactly once.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from fastapi import FastAPI, Request, Response

from media_relay.records import DynamoCallRecords
from switchboard.container import Container
from switchboard.settings import Settings
from tests.support.fault_proxy import FaultProxy
from tests.support.lambdas import settings_env
from tests.support.servers import ThreadedUvicorn

pytestmark = pytest.mark.slow


@pytest.fixture
def proxied(settings: Settings, moto_endpoint: str, api_server: ThreadedUvicorn) -> Iterator[tuple[Any, FaultProxy]]:
    """A container whose table is reached through the fault proxy; the API serves it."""
    proxy = FaultProxy(moto_endpoint).up()
    container = Container(settings)
    container.__dict__["dynamodb"] = boto3.client(
        "dynamodb", region_name="us-east-1", endpoint_url=proxy.url,
        config=Config(connect_timeout=1, read_timeout=5, retries={"mode": "standard", "max_attempts": 3}))
    api_server.server.config.app.state.container = container
    project = container.projects.create("faults")
    client = httpx.Client(base_url=api_server.url, headers={"Authorization": f"Bearer {project.api_key}"},
                          timeout=30)
    yield (container, project, client), proxy
    proxy.down()


def test_the_table_away_is_503_with_retry_after_and_throttling_is_absorbed(proxied: Any) -> None:
    (_, _, api), proxy = proxied
    assert api.post("/v1/agents", json={"name": "Before"}).status_code == 201
    proxy.down()
    for method, path, body in (("GET", "/v1/agents", None), ("POST", "/v1/agents", {"name": "During"}),
                               ("GET", "/v1/calls", None)):
        resp = api.request(method, path, json=body)
        assert resp.status_code == 503 and resp.headers["Retry-After"], (path, resp.text)
        assert "database" in resp.json()["detail"]
    proxy.up()
    assert api.get("/v1/agents").json()["total"] == 1  # nothing half-written while it was away
    proxy.throttle(2)  # within botocore's own retries: the client never notices
    assert api.post("/v1/agents", json={"name": "Throttled"}).status_code == 201 and proxy.throttled == 2
    proxy.throttle(50)  # throttling that outlasts the retries: a clear 503, not a 500
    resp = api.get("/v1/agents")
    assert resp.status_code == 503 and resp.headers["Retry-After"]
    proxy.throttle(0)
    assert api.get("/v1/agents").json()["total"] == 2


async def test_a_finished_turn_is_stored_through_a_short_outage(proxied: Any) -> None:
    (container, project, api), proxy = proxied
    agent = api.post("/v1/agents", json={"name": "A"}).json()
    call_id = "call_fault1"
    container.calls.create(project.project_id, {"id": call_id, "agentId": agent["id"], "status": "in-progress",
                                                "direction": "inbound", "fromNumber": "+14155550123",
                                                "toNumber": "+14155550100", "startedAt": "2026-12-01T00:00:00.000Z"})
    records = DynamoCallRecords(container)
    ctx = await records.load(project.project_id, call_id)
    proxy.down()
    comes_back = threading.Timer(3.0, proxy.up)  # the fault: away for three seconds
    comes_back.start()
    started = time.monotonic()
    await records.append_turn(ctx, {"id": "tr_1", "transcript": "hello", "response": "hi there"})
    assert time.monotonic() - started < 1.0  # queued: the call goes on while the store is away
    await records.flush()
    assert 3.0 <= time.monotonic() - started < 15
    assert [t["transcript"] for t in container.calls.list_turns(call_id)] == ["hello"]


# --- the delivery worker, killed mid-delivery ------------------------------------------------------------

class HoldingReceiver:
    """A webhook that holds its first request open until released, so a kill lands mid-delivery."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []  # (X-Webhook-Id, event)
        self.first = threading.Event()
        self.release = threading.Event()
        self.changed = threading.Condition()
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            event = json.loads(await request.body())
            with self.changed:
                self.received.append((request.headers["x-webhook-id"], event))
                self.changed.notify_all()
            self.first.set()
            await asyncio.to_thread(self.release.wait, 30)
            return Response('{"ok": true}', media_type="application/json")

        self.server = ThreadedUvicorn(app).start()
        self.url = f"{self.server.url}/hook"

    def wait_for(self, ids: set[str], timeout: float = 60) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: ids <= {i for i, _ in self.received}, timeout), self.received


def _worker(settings: Settings) -> subprocess.Popen[str]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}, **settings_env(settings)}
    return subprocess.Popen([sys.executable, "-m", "tests.support.delivery_worker"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_deliveries_survive_a_killed_worker_at_least_once_under_one_id(api: httpx.Client, container: Container,
                                                                       project: Any, settings: Settings) -> None:
    sqs = container.aws_client("sqs")
    sqs.set_queue_attributes(QueueUrl=settings.delivery_queue_url, Attributes={"VisibilityTimeout": "2"})
    receiver = HoldingReceiver()
    try:
        api.post("/v1/webhooks", json={"url": receiver.url})
        for n in range(6):
            container.event_queue.publish(project.project_id, "agent.message", {"messageId": f"m{n}", "n": n},
                                          channel="sms")
        queued = _queued_ids(sqs, settings.delivery_queue_url)
        worker = _worker(settings)
        assert receiver.first.wait(60), "the worker never delivered"
        worker.send_signal(signal.SIGKILL)  # mid-delivery: the POST is open, nothing acknowledged to SQS
        worker.wait(10)
        receiver.release.set()
        worker = _worker(settings)
        receiver.wait_for(queued)
        worker.send_signal(signal.SIGTERM)
        worker.wait(10)
    finally:
        receiver.release.set()
        receiver.server.stop()
    by_id: dict[str, set[int]] = {}
    for webhook_id, event in receiver.received:
        by_id.setdefault(webhook_id, set()).add(event["data"]["n"])
    assert set(by_id) == queued and all(len(ns) == 1 for ns in by_id.values()), by_id  # one event per id
    assert sorted(n for ns in by_id.values() for n in ns) == list(range(6))
    assert len(receiver.received) >= 6  # at least once; any repeat carried its event's own id


def _queued_ids(sqs: Any, url: str) -> set[str]:
    """The delivery ids the queued events carry (peeked: made visible again at once)."""
    seen: set[str] = set()
    deadline = time.monotonic() + 10
    while len(seen) < 6 and time.monotonic() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", []):
            seen.add(json.loads(m["Body"])["deliveryId"])
    return seen


# --- the carrier answering 5xx ---------------------------------------------------------------------------

def test_a_carrier_answering_5xx_is_a_502_and_the_call_ends_once(api: httpx.Client, container: Container,
                                                                 project: Any) -> None:
    agent = api.post("/v1/agents", json={"name": "A", "voiceMode": "hosted", "systemPrompt": "Be brief."}).json()
    api.post("/v1/numbers", json={"areaCode": "415", "agentId": agent["id"]})
    broken = FastAPI()

    @broken.api_route("/{path:path}", methods=["GET", "POST", "DELETE"])
    async def fail(path: str) -> Response:
        return Response('{"code": 20500, "message": "Internal Server Error"}', status_code=500,
                        media_type="application/json")

    server = ThreadedUvicorn(broken).start()
    try:
        container.settings.twilio_api_base = server.url
        container.__dict__.pop("carrier", None)
        placed = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": "+14155550142"})
        bought = api.post("/v1/numbers", json={"areaCode": "415"})
    finally:
        server.stop()
    assert placed.status_code == 502 and "carrier" in placed.json()["detail"], placed.text
    assert bought.status_code == 502 and api.get("/v1/numbers").json()["total"] == 1
    (call,) = api.get("/v1/calls").json()["data"]
    assert call["status"] == "failed" and container.calls.count_live(project.project_id) == 0
    stored = container.calls.get(project.project_id, call["id"])
    assert stored["callEndedQueuedAt"]  # agent.call_ended queued, once (the claim)



