"""Events through the real SQS emulator into the deliveries Lambda handler, with retries and the DLQ."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from agentphone import verify_webhook

from switchboard.container import Container
from switchboard.webhooks.delivery import backoff_seconds
from switchboard_local.pollers import DeliveryPoller
from switchboard_local.runtime import load_function
from tests.support.receiver import webhook_receiver


@pytest.fixture
def poller(container: Container, monkeypatch: pytest.MonkeyPatch) -> DeliveryPoller:
    """The local poller driving the real Lambda handler module, bound to this test's container."""
    module = load_function("deliveries")
    monkeypatch.setattr(module, "get_container", lambda: container)
    return DeliveryPoller(container.aws_client("sqs"), container.settings.delivery_queue_url, module.handler,
                          wait_seconds=0)


def drain(poller: DeliveryPoller) -> None:
    while poller.poll_once():
        pass


def queued(container: Container, url: str) -> list[dict[str, Any]]:
    sqs = container.aws_client("sqs")
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
    return [json.loads(m["Body"]) for m in msgs]


def test_a_subscribed_extra_event_is_delivered_signed(api: httpx.Client, container: Container, project: Any,
                                                      poller: DeliveryPoller) -> None:
    with webhook_receiver() as hook:
        secret = api.post("/v1/webhooks", json={"url": hook.url, "events": ["call.started"]}).json()["secret"]
        container.event_queue.publish(project.project_id, "call.started", {"id": "call_x"},
                                      agent_id=None, channel="voice")
        drain(poller)
        (req,) = hook.wait(1)
    verify_webhook(req.body, req.headers["x-webhook-signature"], secret, req.headers["x-webhook-timestamp"])
    body = json.loads(req.body)
    assert body["event"] == "call.started" and body["data"]["id"] == "call_x"
    (delivery,) = api.get("/v1/webhooks/deliveries").json()["items"]
    assert delivery["status"] == "success" and delivery["eventType"] == "call.started"
    assert api.get("/v1/usage/daily", params={"days": 1}).json()["data"][0]["webhooks"] == 1


def test_failures_retry_with_backoff_then_park_in_the_dlq(api: httpx.Client, container: Container,
                                                          project: Any, poller: DeliveryPoller,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    settings = container.settings
    monkeypatch.setattr(settings, "delivery_max_attempts", 3)
    monkeypatch.setattr(settings, "delivery_base_delay_seconds", 2)
    delays: list[int] = []
    send = container.event_queue.send

    def spy(message: dict[str, Any], delay_seconds: int = 0, queue_url: str | None = None) -> None:
        delays.append(delay_seconds)  # what the handler asked for; sent at once so the test need not wait
        send(message, 0, queue_url)

    monkeypatch.setattr(container.event_queue, "send", spy)
    with webhook_receiver(status=503) as hook:
        api.post("/v1/webhooks", json={"url": hook.url, "events": ["message.received"]})
        container.event_queue.publish(project.project_id, "message.received", {"id": "msg_1"})
        drain(poller)
        hook.wait(3)
    (delivery,) = api.get("/v1/webhooks/deliveries").json()["items"]
    assert delivery["status"] == "failed" and delivery["attemptCount"] == 3 and delivery["httpStatus"] == 503
    assert delivery["nextRetryAt"] is None
    assert delays == [0, 2, 8, 0]  # the event, two retries with growing delay, then the dead-letter queue
    (parked,) = queued(container, settings.delivery_dlq_url)
    assert parked["event"] == "message.received" and parked["attempt"] == 3
    assert api.get("/v1/webhooks/deliveries/all-time").json()["failed"] == 1
    assert [backoff_seconds(n, 30) for n in (1, 2, 3, 4, 5)] == [30, 120, 480, 900, 900]


def test_event_without_webhook_is_dropped_quietly(container: Container, project: Any,
                                                  poller: DeliveryPoller) -> None:
    container.event_queue.publish(project.project_id, "call.started", {"id": "call_y"})
    drain(poller)
    assert container.deliveries.list(project.project_id, 10, 0, None) == ([], 0)
    assert queued(container, container.settings.delivery_dlq_url) == []


def test_extra_events_reach_only_webhooks_that_subscribe(api: httpx.Client, container: Container, project: Any,
                                                         poller: DeliveryPoller) -> None:
    with webhook_receiver() as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        for event in ("call.started", "message.received", "message.sent"):
            container.event_queue.publish(project.project_id, event, {"id": "x"})
        container.event_queue.publish(project.project_id, "agent.message", {"message": "hi"}, channel="sms")
        drain(poller)
        (req,) = hook.wait(1)
        assert json.loads(req.body)["event"] == "agent.message"  # AgentPhone's own, and nothing else
        assert api.post("/v1/webhooks", json={"url": hook.url, "events": ["message.sent"]}).json()["events"] == [
            "message.sent"]
        container.event_queue.publish(project.project_id, "message.sent", {"id": "y"})
        container.event_queue.publish(project.project_id, "message.received", {"id": "z"})
        drain(poller)
        assert [json.loads(r.body)["event"] for r in hook.wait(2)] == ["agent.message", "message.sent"]
    api.post("/v1/webhooks", json={"url": hook.url, "timeout": 10})
    assert api.get("/v1/webhooks").json()["events"] == ["message.sent"]  # kept when the hook is set again
    refused = api.post("/v1/webhooks", json={"url": hook.url, "events": ["call.exploded"]})
    assert refused.status_code == 400 and "call.exploded" in refused.json()["detail"]
    assert api.get("/v1/webhooks").json()["events"] == ["message.sent"]
