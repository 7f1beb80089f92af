"""`agent.call_ended` as a webhook written for AgentPhone receives it: exactly one per call, with
AgentPhone's fields, for inbound, outbound and unanswered outbound calls, and no event the handler
did not subscribe to. Real audio through the local carrier and the relay; the delivery poller runs
the deliveries Lambda handler in the background as `make dev` does."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from media_relay.server import Relay
from switchboard.container import Container
from switchboard.services import call_ended
from switchboard_local.carrier.dialer import CallerScript, Line
from switchboard_local.carrier.outbound import OutboundCalls
from tests.support.calls import agent_with_number, dial, speech
from tests.support.events import EventLog, delivering, event_log

pytestmark = pytest.mark.slow
CALLEE = "+14155550142"
FIELDS = {"callId", "numberId", "from", "to", "direction", "status", "startedAt", "endedAt", "durationSeconds",
          "disconnectionReason", "transcript"}


@pytest.fixture
def carrier(local_carrier: Any) -> Iterator[OutboundCalls]:
    outbound: OutboundCalls = local_carrier.server.config.app.state.outbound
    outbound.no_answer_s = 1.5
    outbound.sessions.clear()
    yield outbound
    outbound.no_answer_s = 6.0


def set_callee(settings: Any, **form: Any) -> None:
    url = f"{settings.twilio_api_base}/2010-04-01/Accounts/{settings.twilio_account_sid}/Local/Callees.json"
    resp = httpx.post(url, data=form, auth=(settings.twilio_account_sid, settings.twilio_auth_token))
    assert resp.status_code == 201, resp.text


async def one_call_ended(log: EventLog) -> dict[str, Any]:
    """The call's one `agent.call_ended` (waited for off the loop: the relay runs on it)."""
    await asyncio.to_thread(log.wait_for, lambda got: bool(got.of("agent.call_ended")))
    (event,) = log.of("agent.call_ended")
    assert event["channel"] == "voice" and event["timestamp"] and event["agentId"].startswith("agent_")
    assert set(event["data"]) >= FIELDS
    return event


def assert_no_second(container: Container, call_id: str, project_id: str) -> None:
    """The claim is taken, and nothing waits in the queue that could deliver another."""
    assert container.calls.get(project_id, call_id)[call_ended.CLAIM]
    sqs = container.aws_client("sqs")
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
             "ApproximateNumberOfMessagesDelayed"]
    deadline = time.monotonic() + 10
    while True:
        attrs = sqs.get_queue_attributes(QueueUrl=container.settings.delivery_queue_url,
                                         AttributeNames=names)["Attributes"]
        if all(attrs[n] == "0" for n in names):
            return
        assert time.monotonic() < deadline, attrs
        time.sleep(0.1)


async def test_inbound_call_ends_with_one_agent_call_ended(api: httpx.Client, api_url: str, settings: Any,
                                                           relay: Relay, container: Container, project: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    with event_log([{"text": "Your order ships tomorrow."}]) as log, delivering(container, monkeypatch):
        api.post("/v1/webhooks", json={"url": log.url})
        agent, number = agent_with_number(api, beginMessage="Acme support, hello.")
        script = CallerScript(lines=[Line("order", await speech("Where is my order?"))])
        await dial(api_url, settings, number, script, greeting_timeout_s=5.0)  # it greets: wait for it
        event = await one_call_ended(log)
    data = event["data"]
    assert event["agentId"] == agent["id"]
    assert (data["from"], data["to"], data["direction"]) == ("+14155550123", number["phoneNumber"], "inbound")
    assert data["status"] == "completed" and data["disconnectionReason"] == "user_hangup"
    assert data["numberId"] == number["id"] and data["durationSeconds"] >= 1 and data["endedAt"]
    assert data["transcript"][0] == {"role": "agent", "content": "Acme support, hello."}
    assert [line["role"] for line in data["transcript"]] == ["agent", "user", "agent"]
    assert data["transcript"][2]["content"] == "Your order ships tomorrow."
    assert "summary" not in data  # no model configured: no analysis fields
    assert {e["event"] for e in log.events} == {"agent.message", "agent.call_ended"}  # no call.started
    assert_no_second(container, data["callId"], project.project_id)
    deliveries = api.get("/v1/webhooks/deliveries").json()["items"]
    assert [d["eventType"] for d in deliveries].count("agent.call_ended") == 1


async def test_outbound_call_answered_and_hung_up_by_the_agent(api: httpx.Client, settings: Any, relay: Relay,
                                                               carrier: OutboundCalls, container: Container,
                                                               project: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    set_callee(settings, Number=CALLEE, Say=["Hello, this is Sam speaking."])
    replies = [{"text": "Thanks Sam, goodbye.", "hangup": True}]
    with event_log(replies) as log, delivering(container, monkeypatch):
        api.post("/v1/webhooks", json={"url": log.url, "events": ["call.started"]})
        agent, number = agent_with_number(api)
        created = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": CALLEE,
                                              "metadata": {"orderId": "A-1"}}).json()
        event = await one_call_ended(log)
        log.wait_for(lambda got: bool(got.of("call.started")))  # subscribed, so it comes too
    data = event["data"]
    assert data["callId"] == created["id"] and data["direction"] == "outbound"
    assert (data["from"], data["to"]) == (number["phoneNumber"], CALLEE)
    assert data["status"] == "completed" and data["disconnectionReason"] == "agent_hangup"
    assert data["transcript"][-1] == {"role": "agent", "content": "Thanks Sam, goodbye."}
    assert data["metadata"] == {"orderId": "A-1"}
    assert_no_second(container, created["id"], project.project_id)


async def test_unanswered_outbound_call_still_ends_with_one_event(api: httpx.Client, settings: Any, relay: Relay,
                                                                  carrier: OutboundCalls, container: Container,
                                                                  project: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with event_log() as log, delivering(container, monkeypatch):
        api.post("/v1/webhooks", json={"url": log.url})
        agent, _ = agent_with_number(api)
        created = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": CALLEE}).json()
        event = await one_call_ended(log)
    data = event["data"]
    assert data["callId"] == created["id"] and data["status"] == "no-answer"
    assert data["disconnectionReason"] == "no_answer" and data["transcript"] == []
    assert data["durationSeconds"] == 0
    assert [e["event"] for e in log.events] == ["agent.call_ended"]
    assert_no_second(container, created["id"], project.project_id)


def test_a_failed_first_delivery_is_retried_under_the_same_id(api: httpx.Client, container: Container,
                                                                    project: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(container.settings, "delivery_base_delay_seconds", 1)
    agent, number = agent_with_number(api)
    call = container.calls.create(project.project_id, {
        "id": "call_retrytest0000000000", "agentId": agent["id"], "phoneNumberId": number["id"],
        "phoneNumber": number["phoneNumber"], "fromNumber": "+14155550123", "toNumber": number["phoneNumber"],
        "direction": "inbound", "status": "in-progress", "startedAt": "2026-11-24T10:00:00.000Z"})
    ended = container.calls.update(project.project_id, call["id"], {
        "status": "completed", "endedAt": "2026-11-24T10:01:00.000Z", "endReason": "caller-hangup"})
    with event_log() as log, delivering(container, monkeypatch):
        log.fail_first.add("agent.call_ended")
        api.post("/v1/webhooks", json={"url": log.url})
        assert call_ended.announce(container, project.project_id, ended)
        assert not call_ended.announce(container, project.project_id, ended)  # a second path: nothing queued
        log.wait_for(lambda got: len(got.of("agent.call_ended")) == 2)
    first, second = [h["x-webhook-id"] for h, e in zip(log.headers, log.events, strict=True)
                     if e["event"] == "agent.call_ended"]
    assert first == second and log.of("agent.call_ended")[1]["data"]["durationSeconds"] == 60
