"""Calls whose final status callback is lost end anyway, from the carrier's own record (GET Calls/{sid}).

Real calls through the local carrier and the relay; the carrier drops the final callback as a lost
request would. The reconcile function runs from its queue (the relay asks for a check when the stream
ends) and on its sweep, as `make dev` runs it; deliveries run from theirs. Each test proves: the call
ends with the carrier's status and duration, its live slot is freed, and `agent.call_ended` arrives once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from switchboard.carrier import signature
from switchboard.container import Container
from switchboard.services import reconcile
from switchboard.settings import Settings
from switchboard_local.carrier.dialer import CallerScript, CarrierLink, place_inbound_call
from switchboard_local.pollers import DeliveryPoller
from switchboard_local.runtime import load_function
from tests.integration.test_call_ended_events import assert_no_second, one_call_ended, set_callee
from tests.support.calls import agent_with_number, speech
from tests.support.events import delivering, event_log

pytestmark = pytest.mark.slow
CALLEE = "+14155550142"


@contextmanager
def reconciling(container: Container, monkeypatch: Any) -> Iterator[Any]:
    """functions/reconcile fed from this test's queue, in the background (what make dev runs)."""
    module = load_function("reconcile")
    monkeypatch.setattr(module, "get_container", lambda: container)
    poller = DeliveryPoller(container.aws_client("sqs"), container.settings.reconcile_queue_url, module.handler,
                            name="reconcile-poller")
    poller.start()
    try:
        yield module
    finally:
        poller.stop()


def carrier_call(local_carrier: Any, sid: str) -> dict[str, Any]:
    state = local_carrier.server.config.app.state.carrier
    with state.lock:
        return dict(state.calls[sid])


async def test_an_inbound_call_whose_final_callback_is_lost_ends_when_its_stream_does(
        api: httpx.Client, api_url: str, settings: Settings, container: Container, project: Any, relay: Any,
        local_carrier: Any, monkeypatch: Any) -> None:
    container.settings.reconcile_delay_seconds = 1
    with event_log() as log, delivering(container, monkeypatch), reconciling(container, monkeypatch):
        api.post("/v1/webhooks", json={"url": log.url})
        _, number = agent_with_number(api)
        script = CallerScript(lines=[], greeting_timeout_s=0.5)
        script.lines = (await _lines("Where is my package?"))
        result = await place_inbound_call(  # no status_url: the carrier's final callback never arrives
            voice_url=f"{api_url}/telephony/twilio/voice", status_url=None,
            account_sid=settings.twilio_account_sid, auth_token=settings.twilio_auth_token,
            from_number="+14155550123", to_number=number["phoneNumber"], script=script,
            carrier=CarrierLink(f"{settings.twilio_api_base}/2010-04-01/Accounts/{settings.twilio_account_sid}",
                                settings.twilio_account_sid, settings.twilio_auth_token))
        event = await one_call_ended(log)
    call = api.get(f"/v1/calls/{event['data']['callId']}").json()
    carrier = carrier_call(local_carrier, result.call_sid)
    assert call["status"] == "completed" and carrier["status"] == "completed"
    assert call["durationSeconds"] == int(carrier["duration"]), (call, carrier)
    assert event["data"]["disconnectionReason"] == "user_hangup" and event["data"]["transcript"], event
    assert container.calls.count_live(project.project_id) == 0
    assert_no_second(container, call["id"], project.project_id)
    late = _signed_status(api_url, settings, result.call_sid, "completed", CallDuration="999")
    assert late.status_code == 204 and api.get(f"/v1/calls/{call['id']}").json()["durationSeconds"] == \
        call["durationSeconds"]
    assert_no_second(container, call["id"], project.project_id)


async def test_an_outbound_call_whose_final_callback_is_lost_ends_completed(
        api: httpx.Client, settings: Settings, container: Container, project: Any, relay: Any,
        local_carrier: Any, monkeypatch: Any) -> None:
    container.settings.reconcile_delay_seconds = 1
    outbound = local_carrier.server.config.app.state.outbound
    outbound.drop_final_status = True
    set_callee(settings, Number=CALLEE, Say="Hello, this is Sam.")
    with event_log(replies=[{"text": "Thanks, goodbye.", "hangup": True}]) as log, \
            delivering(container, monkeypatch), reconciling(container, monkeypatch):
        api.post("/v1/webhooks", json={"url": log.url})
        agent, _ = agent_with_number(api)
        placed = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": CALLEE}).json()
        event = await one_call_ended(log)
    call = api.get(f"/v1/calls/{placed['id']}").json()
    assert event["data"]["callId"] == placed["id"] and call["status"] == "completed", call
    assert call["endReason"] == "agent-hangup" and call["durationSeconds"] is not None
    assert container.calls.count_live(project.project_id) == 0
    assert_no_second(container, placed["id"], project.project_id)


def test_the_sweep_ends_stuck_calls_and_leaves_live_ones(api: httpx.Client, settings: Settings,
                                                         container: Container, project: Any,
                                                         local_carrier: Any, monkeypatch: Any) -> None:
    """No relay, no stream, no callback: only the sweep can notice. Unknown to the carrier: failed."""
    container.settings.reconcile_min_age_seconds = 0
    outbound = local_carrier.server.config.app.state.outbound
    outbound.answering = False  # the carrier takes the calls and leaves them queued
    agent, _ = agent_with_number(api)
    api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"})
    ended = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": CALLEE}).json()
    live = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": "+14155550143"}).json()
    lost = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": "+14155550144"}).json()
    state = local_carrier.server.config.app.state.carrier
    with state.lock:
        for c in state.calls.values():
            if c["to"] == CALLEE:
                c.update(status="busy", duration="0")
        lost_sid = next(sid for sid, c in state.calls.items() if c["to"] == "+14155550144")
        del state.calls[lost_sid]
    assert container.calls.count_live(project.project_id) == 3
    module = load_function("reconcile")
    monkeypatch.setattr(module, "get_container", lambda: container)
    report = module.handler({"source": "aws.events", "detail-type": "Scheduled Event"}, _Context())
    assert sorted(report["ended"]) == sorted([ended["id"], lost["id"]]) and report["checked"] == 3
    assert api.get(f"/v1/calls/{ended['id']}").json()["status"] == "busy"
    gone = container.calls.get(project.project_id, lost["id"])
    assert gone["status"] == "failed" and gone["error"] == reconcile.UNKNOWN_TO_CARRIER
    assert api.get(f"/v1/calls/{live['id']}").json()["status"] in ("queued", "ringing")
    assert container.calls.count_live(project.project_id) == 1
    assert module.handler({"detail-type": "Scheduled Event"}, _Context())["ended"] == []  # nothing twice


def test_a_carrier_outage_leaves_the_call_for_the_next_sweep(api: httpx.Client, container: Container,
                                                             project: Any, local_carrier: Any) -> None:
    container.settings.reconcile_min_age_seconds = 0
    local_carrier.server.config.app.state.outbound.answering = False
    agent, _ = agent_with_number(api)
    api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"})
    call = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": CALLEE}).json()
    container.settings.twilio_api_base = "http://127.0.0.1:9"  # the carrier does not answer
    container.__dict__.pop("carrier", None)
    report = reconcile.sweep(container)
    assert report.errors == 1 and report.ended == []
    assert api.get(f"/v1/calls/{call['id']}").json()["status"] in ("queued", "ringing")


class _Context:
    function_name = "reconcile"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:reconcile"
    aws_request_id = "test"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


async def _lines(*texts: str) -> list[Any]:
    from switchboard_local.carrier.dialer import Line

    return [Line(t, await speech(t)) for t in texts]


def _signed_status(api_url: str, settings: Settings, sid: str, status: str, **extra: str) -> httpx.Response:
    url = f"{api_url}/telephony/twilio/status"
    form = {"CallSid": sid, "CallStatus": status, "AccountSid": settings.twilio_account_sid, **extra}
    return httpx.post(url, data=form, headers={"X-Twilio-Signature": signature.compute(url, form,
                                                                                        settings.twilio_auth_token)})





def test_the_sample_events_drive_the_handler(container: Container, project: Any, monkeypatch: Any) -> None:
    """events/reconcile-*.json (for `sam local invoke`) are what the handler takes."""
    import json as _json

    from tests.support.lambdas import FakeContext, load_event, load_handler

    module = load_handler("reconcile")
    monkeypatch.setattr(module, "get_container", lambda: container)
    assert module.handler(load_event("reconcile-sweep.json"), FakeContext()) == {
        "checked": 0, "ended": [], "errors": 0, "numbersReleased": [], "numbersNotReleased": []}
    queued = load_event("reconcile-sqs.json")
    queued["Records"][0]["body"] = _json.dumps({"projectId": project.project_id, "callId": "call_gone"})
    assert module.handler(queued, FakeContext()) == {"batchItemFailures": []}


def test_the_sweep_releases_numbers_whose_expiry_has_passed(api: httpx.Client, settings: Settings,
                                                            container: Container, monkeypatch: Any) -> None:
    lapsing = api.post("/v1/numbers", json={"areaCode": "415", "expiresAt": "2099-01-01T00:00:00Z"}).json()
    kept = api.post("/v1/numbers", json={"areaCode": "415", "expiresAt": "2101-01-01T00:00:00Z"}).json()
    forever = api.post("/v1/numbers", json={"areaCode": "415"}).json()
    later = Container(settings, clock=lambda: datetime(2100, 1, 1, tzinfo=UTC))  # the schedule runs in 2100
    module = load_function("reconcile")
    monkeypatch.setattr(module, "get_container", lambda: later)
    report = module.handler({"source": "aws.events", "detail-type": "Scheduled Event"}, _Context())
    assert report["numbersReleased"] == [lapsing["id"]] and report["numbersNotReleased"] == []
    assert api.get(f"/v1/numbers/{lapsing['id']}").json()["status"] == "released"
    assert [api.get(f"/v1/numbers/{n['id']}").json()["status"] for n in (kept, forever)] == ["active", "active"]
    assert module.handler({"detail-type": "Scheduled Event"}, _Context())["numbersReleased"] == []  # once
