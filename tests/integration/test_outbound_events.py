"""functions/outbound through the emulator over real HTTP: OutboundCallRequested on the bus and due
schedules become calls, once each, and CallCompleted / CallFailed come back on the bus.

The wiring is local mode's: the template's rule on the bus delivers to SQS (moto does not invoke
Lambda) and a poller hands each event to the real handler; a timer fires the group's schedules
(moto never does). The carrier is the local Twilio emulator; its recorded calls say what was dialed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from switchboard.carrier import signature
from switchboard.clock import iso, utcnow
from switchboard.container import Container, get_container
from switchboard.scheduling import at_expression, due_second, fill_context, scheduled_event
from switchboard.services import calls
from switchboard.settings import Settings, get_settings
from switchboard_local.outbound import LocalScheduler, OutboundPoller, outbound_context
from switchboard_local.provision import ACCOUNT, provision_outbound
from tests.support.lambdas import REPO, load_event, load_handler, settings_env
from tests.support.servers import free_port

TO = "+14155550123"


@dataclass
class Results:
    """What the handler answered, in order; an exception is recorded as {"outcome": "error"}."""

    items: list[dict[str, Any]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def add(self, item: dict[str, Any]) -> None:
        with self.changed:
            self.items.append(item)
            self.changed.notify_all()

    def wait(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.items) >= count, timeout):
                raise AssertionError(f"expected {count} handler results, got {self.items}")
            return list(self.items)


@dataclass
class Outbound:
    settings: Settings
    client: Callable[[str], Any]
    queue_url: str
    requests_tap: str
    outcomes_tap: str
    handler: Callable[[dict[str, Any], Any], Any]
    results: Results

    def put_request(self, detail: dict[str, Any], source: str = "acme.tests") -> str:
        resp = self.client("events").put_events(Entries=[{
            "EventBusName": self.settings.event_bus_name, "Source": source,
            "DetailType": "OutboundCallRequested", "Detail": json.dumps(detail)}])
        assert resp["FailedEntryCount"] == 0, resp
        return resp["Entries"][0]["EventId"]

    def read(self, queue_url: str, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        sqs, bodies = self.client("sqs"), []
        deadline = utcnow() + timedelta(seconds=timeout)
        while len(bodies) < count and utcnow() < deadline:
            for m in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                         WaitTimeSeconds=1).get("Messages", []):
                bodies.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
        assert len(bodies) >= count, f"expected {count} messages, got {bodies}"
        return bodies

    def get_schedule(self, name: str) -> dict[str, Any]:
        return self.client("scheduler").get_schedule(Name=name, GroupName=self.settings.schedule_group_name)


def _tap(client: Callable[[str], Any], bus: str, name: str, pattern: dict[str, Any]) -> str:
    """A queue receiving what `pattern` matches on the bus (how a test reads events)."""
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    client("events").put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))
    client("events").put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])
    return url


@pytest.fixture
def outbound(settings: Settings, api_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Outbound]:
    """The test's bus with local mode's rule, the handler as Lambda would load it, the poller and the timer."""
    suffix = uuid.uuid4().hex[:10]
    settings.schedule_group_name = f"calls-{suffix}"
    settings.scheduler_role_arn = f"arn:aws:iam::{ACCOUNT}:role/scheduler-{suffix}"
    settings.outbound_function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:outbound-{suffix}:live"

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=settings.aws_endpoint_url, region_name="us-east-1")

    bus = settings.event_bus_name
    client("events").create_event_bus(Name=bus)
    queue_url = provision_outbound(client, bus, f"outbound-{suffix}", settings.schedule_group_name)
    requests_tap = _tap(client, bus, f"requests-{suffix}", {"detail-type": ["OutboundCallRequested"]})
    outcomes_tap = _tap(client, bus, f"outcomes-{suffix}",
                        {"source": ["switchboard"], "detail-type": ["CallCompleted", "CallFailed"]})
    for name, value in settings_env(settings).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    get_container.cache_clear()
    handler, results = load_handler("outbound").handler, Results()

    def recorded(event: dict[str, Any], context: Any) -> Any:
        try:
            result = handler(event, context)
        except Exception as exc:
            results.add({"outcome": "error", "error": repr(exc)})
            raise
        results.add(result)
        return result

    poller = OutboundPoller(client("sqs"), queue_url, recorded, account=ACCOUNT, wait_seconds=1)
    timer = LocalScheduler(client("scheduler"), settings.schedule_group_name, recorded, interval=0.1)
    poller.start()
    timer.start()
    yield Outbound(settings, client, queue_url, requests_tap, outcomes_tap, handler, results)
    poller.stop()
    timer.stop()
    get_settings.cache_clear()
    get_container.cache_clear()


@pytest.fixture
def caller(api: httpx.Client) -> dict[str, Any]:
    """A webhook-mode agent with a number and a project webhook."""
    agent = api.post("/v1/agents", json={"name": "Dispatcher"}).json()
    number = api.post("/v1/numbers", json={"areaCode": "415", "agentId": agent["id"]}).json()
    assert api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"}).status_code in (200, 201)
    return {"agent": agent, "number": number}


def dialed(local_carrier: Any) -> list[dict[str, Any]]:
    """Calls the platform asked the local carrier to place."""
    state = local_carrier.server.config.app.state.carrier
    with state.lock:
        return [dict(c) for c in state.calls.values() if c["direction"] == "outbound-api"]


def post_status(api_url: str, settings: Settings, carrier_call_id: str, status: str, **extra: str) -> None:
    """A call status callback, signed as Twilio signs it."""
    url = f"{api_url}/telephony/twilio/status"
    form = {"CallSid": carrier_call_id, "CallStatus": status, "AccountSid": settings.twilio_account_sid, **extra}
    resp = httpx.post(url, data=form, headers={
        "X-Twilio-Signature": signature.compute(url, form, settings.twilio_auth_token)})
    assert resp.status_code == 204, resp.text


def test_a_redelivered_event_places_one_call(outbound: Outbound, caller: dict[str, Any], api: httpx.Client,
                                             project: Any, local_carrier: Any) -> None:
    event_id = outbound.put_request({"projectId": project.project_id, "agentId": caller["agent"]["id"],
                                     "toNumber": TO, "metadata": {"orderId": "A-1042"}, "variables": {"name": "Ada"}})
    (first,) = outbound.results.wait(1)
    assert first["outcome"] == "placed" and first["eventId"] == event_id, first
    # EventBridge delivers at least once: the very same event (same id) twice more.
    (envelope,) = outbound.read(outbound.requests_tap, 1)
    assert envelope["id"] == event_id
    for _ in range(2):
        outbound.client("sqs").send_message(QueueUrl=outbound.queue_url, MessageBody=json.dumps(envelope))
    results = outbound.results.wait(3)
    assert [r["outcome"] for r in results[1:]] == ["duplicate", "duplicate"]
    assert {r["callId"] for r in results} == {first["callId"]}
    assert [c["to"] for c in dialed(local_carrier)] == [TO]
    calls = api.get("/v1/calls").json()
    assert calls["total"] == 1
    call = calls["data"][0]
    assert call["id"] == first["callId"] and call["metadata"] == {"orderId": "A-1042"}
    assert call["fromNumber"] == caller["number"]["phoneNumber"] and call["variables"] == {"name": "Ada"}


def test_invalid_requests_place_nothing_and_are_answered_on_the_bus(
        outbound: Outbound, caller: dict[str, Any], api: httpx.Client, api_url: str, project: Any,
        container: Container, local_carrier: Any) -> None:
    other = container.projects.create("someone else")
    foreign = httpx.post(f"{api_url}/v1/agents", json={"name": "Not yours"},
                         headers={"Authorization": f"Bearer {other.api_key}"}).json()
    agent_id, pid = caller["agent"]["id"], project.project_id
    bad = {
        "unknown agent": ({"projectId": pid, "agentId": "agent_missing", "toNumber": TO}, "agent_missing"),
        "another project's agent": ({"projectId": pid, "agentId": foreign["id"], "toNumber": TO}, foreign["id"]),
        "not E.164": ({"projectId": pid, "agentId": agent_id, "toNumber": "4155550123"}, "E.164"),
        "unknown project": ({"projectId": "proj_missing", "agentId": agent_id, "toNumber": TO}, "proj_missing"),
        "no project": ({"agentId": agent_id, "toNumber": TO, "metadata": {"ticket": 7}}, "'projectId' is required"),
    }
    ids = {outbound.put_request(detail): (case, word) for case, (detail, word) in bad.items()}
    results = outbound.results.wait(len(bad))
    assert [r["outcome"] for r in results] == ["rejected"] * len(bad), results
    assert dialed(local_carrier) == [] and api.get("/v1/calls").json()["total"] == 0
    answers = outbound.read(outbound.outcomes_tap, len(bad))
    for answer in answers:
        detail = answer["detail"]
        case, word = ids[detail["requestEventId"]]
        assert answer["detail-type"] == "CallFailed" and answer["source"] == "switchboard", case
        assert detail["callId"] is None and detail["endReason"] == "invalid-request", case
        assert word in detail["error"], (case, detail["error"])
        assert detail["requestSource"] == "acme.tests"
    no_project = next(a["detail"] for a in answers if ids[a["detail"]["requestEventId"]][0] == "no project")
    assert no_project["metadata"] == {"ticket": 7}  # the workflow's correlation survives a refusal


def test_scheduled_call_waits_for_its_schedule_then_the_stored_call_is_placed(
        outbound: Outbound, caller: dict[str, Any], api: httpx.Client, project: Any, container: Container,
        local_carrier: Any) -> None:
    due = utcnow() + timedelta(seconds=2)
    resp = api.post("/v1/calls", json={"agentId": caller["agent"]["id"], "toNumber": TO, "scheduledAt": iso(due),
                                       "metadata": {"reminder": True}})
    assert resp.status_code == 201, resp.text
    call = resp.json()
    assert call["status"] == "queued" and call["scheduledAt"] == iso(due_second(due))
    schedule = outbound.get_schedule(call["id"])
    assert schedule["ScheduleExpression"] == at_expression(due) and schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["ActionAfterCompletion"] == "DELETE" and schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    target = schedule["Target"]
    assert target["Arn"] == outbound.settings.outbound_function_arn
    assert target["RoleArn"] == outbound.settings.scheduler_role_arn
    payload = json.loads(target["Input"])
    assert payload["detail-type"] == "ScheduledCallDue" and payload["id"] == "<aws.scheduler.execution-id>"
    assert payload["detail"] == {"projectId": project.project_id, "callId": call["id"]}
    assert dialed(local_carrier) == [] and container.calls.count_live(project.project_id) == 0  # not live yet
    # An event can schedule too; both fire into the same handler.
    event_id = outbound.put_request({"projectId": project.project_id, "agentId": caller["agent"]["id"],
                                     "toNumber": "+14155550199", "scheduledAt": iso(due)})
    results = outbound.results.wait(3)
    fired_at = utcnow()
    by_outcome = sorted((r["outcome"], r.get("eventId") or "") for r in results)
    assert by_outcome == [("placed", ""), ("placed", ""), ("scheduled", event_id)], results
    assert fired_at >= due_second(due)
    (by_event,) = [r["callId"] for r in results if r["outcome"] == "scheduled"]
    assert {r["callId"] for r in results if r["outcome"] == "placed"} == {call["id"], by_event}
    assert sorted(c["to"] for c in dialed(local_carrier)) == [TO, "+14155550199"]
    stored = container.calls.get(project.project_id, call["id"])
    assert stored["carrierCallId"] and stored["dialedAt"] and stored["metadata"] == {"reminder": True}
    with pytest.raises(ClientError) as gone:  # ActionAfterCompletion=DELETE
        outbound.get_schedule(call["id"])
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_cancelling_a_scheduled_call_deletes_its_schedule_and_it_never_rings(
        outbound: Outbound, caller: dict[str, Any], api: httpx.Client, project: Any, local_carrier: Any) -> None:
    start = utcnow()
    body = {"agentId": caller["agent"]["id"], "toNumber": TO}
    canceled = api.post("/v1/calls", json={**body, "scheduledAt": iso(start + timedelta(seconds=1))}).json()
    later = api.post("/v1/calls", json={**body, "toNumber": "+14155550188",
                                        "scheduledAt": iso(start + timedelta(seconds=2))}).json()
    ended = api.post(f"/v1/calls/{canceled['id']}/end")
    assert ended.status_code == 200 and ended.json()["status"] == "canceled"
    with pytest.raises(ClientError) as gone:
        outbound.get_schedule(canceled["id"])
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"
    # The later call's firing proves the timer ran past the canceled call's time.
    (fired,) = outbound.results.wait(1)
    assert fired == {"outcome": "placed", "callId": later["id"]}
    assert [c["to"] for c in dialed(local_carrier)] == ["+14155550188"]
    # A schedule that fires anyway (deleted too late) finds the call canceled and places nothing.
    payload = scheduled_event(calls.SCHEDULE_SOURCE, calls.SCHEDULED_CALL_DUE,
                              {"projectId": project.project_id, "callId": canceled["id"]},
                              outbound.settings.outbound_function_arn or "")
    late = fill_context(json.dumps(payload), schedule_arn=f"arn:aws:scheduler:::schedule/x/{canceled['id']}",
                        scheduled_time=start, execution_id="late")
    assert outbound.handler(json.loads(late), outbound_context()) == {"outcome": "skipped", "callId": canceled["id"]}
    assert len(dialed(local_carrier)) == 1
    (answer,) = outbound.read(outbound.outcomes_tap, 1)
    assert answer["detail-type"] == "CallFailed"
    assert answer["detail"]["callId"] == canceled["id"] and answer["detail"]["status"] == "canceled"
    assert answer["detail"]["scheduledAt"] == canceled["scheduledAt"]


def test_outcomes_reach_the_bus_when_calls_end(outbound: Outbound, caller: dict[str, Any], api: httpx.Client,
                                               api_url: str, project: Any, container: Container) -> None:
    event_id = outbound.put_request({"projectId": project.project_id, "agentId": caller["agent"]["id"],
                                     "toNumber": TO, "metadata": {"orderId": 7}})
    (placed,) = outbound.results.wait(1)
    by_event = container.calls.get(project.project_id, placed["callId"])
    by_api = api.post("/v1/calls", json={"agentId": caller["agent"]["id"], "toNumber": "+14155550177"}).json()
    by_api = container.calls.get(project.project_id, by_api["id"])
    settings = outbound.settings
    post_status(api_url, settings, by_event["carrierCallId"], "in-progress", SequenceNumber="1")
    post_status(api_url, settings, by_event["carrierCallId"], "completed", CallDuration="42", SequenceNumber="2")
    post_status(api_url, settings, by_event["carrierCallId"], "completed", CallDuration="42", SequenceNumber="3")
    post_status(api_url, settings, by_api["carrierCallId"], "busy", SequenceNumber="1")
    answers = {a["detail"]["callId"]: a for a in outbound.read(outbound.outcomes_tap, 2)}
    assert set(answers) == {by_event["id"], by_api["id"]}  # the repeated callback emitted nothing more
    completed, busy = answers[by_event["id"]], answers[by_api["id"]]
    assert completed["detail-type"] == "CallCompleted" and completed["source"] == "switchboard"
    assert completed["detail"]["requestEventId"] == event_id and completed["detail"]["requestSource"] == "acme.tests"
    assert completed["detail"]["metadata"] == {"orderId": 7} and completed["detail"]["durationSeconds"] == 42
    assert completed["detail"]["projectId"] == project.project_id and completed["detail"]["status"] == "completed"
    assert busy["detail-type"] == "CallFailed" and busy["detail"]["status"] == "busy"
    assert busy["detail"]["endReason"] == "busy" and busy["detail"]["requestEventId"] is None


def test_the_sample_events_drive_the_handler(outbound: Outbound, caller: dict[str, Any], project: Any,
                                             local_carrier: Any) -> None:
    event = load_event("outbound_call_requested.json")
    event["id"] = str(uuid.uuid4())
    event["detail"] |= {"projectId": project.project_id, "agentId": caller["agent"]["id"]}
    first = outbound.handler(event, outbound_context())
    again = outbound.handler(event, outbound_context())
    assert first["outcome"] == "placed" and again == {**first, "outcome": "duplicate", "first": "placed"}
    assert len(dialed(local_carrier)) == 1
    fired = load_event("schedule_fired.json")
    fired["detail"]["projectId"] = project.project_id
    fired["detail"]["callId"] = first["callId"]  # not a scheduled call: nothing to place
    assert outbound.handler(fired, outbound_context()) == {"outcome": "skipped", "callId": first["callId"]}
    assert outbound.handler({"detail-type": "Something else"}, outbound_context()) == {"outcome": "ignored"}
    assert len(dialed(local_carrier)) == 1


def readme_snippet(heading: str = "## Outbound calls from EventBridge events") -> str:
    """The README's boto3 example, as a user would copy it."""
    text = (REPO / "README.md").read_text()
    section = text[text.index(heading):]
    return section[section.index("```python\n") + len("```python\n"):section.index("\n```\n")] + "\n"


@pytest.mark.slow
def test_make_dev_takes_the_readme_event_and_runs_schedules(tmp_path: Path) -> None:
    from tests.integration.test_local_dev import start, stop, wait_ready

    ports = {"API": free_port(), "AWS": free_port(), "CARRIER": free_port(), "RELAY": free_port()}
    api = f"http://127.0.0.1:{ports['API']}"
    proc = start(tmp_path / ".switchboard", ports)
    try:
        wait_ready(proc, api)
        cfg = json.loads((tmp_path / ".switchboard" / "local.json").read_text())
        headers = {"Authorization": f"Bearer {cfg['apiKey']}"}
        agent = httpx.post(f"{api}/v1/agents", json={"name": "Orders"}, headers=headers).json()
        httpx.post(f"{api}/v1/numbers", json={"areaCode": "415", "agentId": agent["id"]}, headers=headers)
        httpx.post(f"{api}/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"}, headers=headers)
        (tmp_path / "call_me.py").write_text(readme_snippet())
        run = subprocess.run([sys.executable, "call_me.py", agent["id"], TO], cwd=tmp_path, capture_output=True,
                             text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        later = iso(utcnow() + timedelta(seconds=1))
        scheduled = httpx.post(f"{api}/v1/calls", headers=headers,
                               json={"agentId": agent["id"], "toNumber": "+14155550166", "scheduledAt": later})
        assert scheduled.status_code == 201 and scheduled.json()["status"] == "queued", scheduled.text
        carrier = f"{cfg['twilioApiBase']}/2010-04-01/Accounts/{cfg['twilioAccountSid']}/Calls.json"
        deadline = utcnow() + timedelta(seconds=20)
        dialed_to: list[str] = []
        while sorted(dialed_to) != [TO, "+14155550166"] and utcnow() < deadline:
            time.sleep(0.2)
            calls = httpx.get(carrier, auth=(cfg["twilioAccountSid"], cfg["twilioAuthToken"])).json()["calls"]
            dialed_to = [c["to"] for c in calls]
        assert sorted(dialed_to) == [TO, "+14155550166"], dialed_to
        listed = httpx.get(f"{api}/v1/calls", headers=headers).json()["data"]
        assert {c["toNumber"]: c["metadata"] for c in listed}[TO] == {"orderId": "A-1042"}
    finally:
        stop(proc)
