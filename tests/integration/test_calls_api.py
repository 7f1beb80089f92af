"""Outbound calls over real HTTP: validation, the carrier hand-off, listing, ending."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from switchboard.container import Container


@pytest.fixture
def caller(api: httpx.Client) -> dict[str, Any]:
    """A webhook-mode agent with a number and a project webhook."""
    agent = api.post("/v1/agents", json={"name": "Caller"}).json()
    number = api.post("/v1/numbers", json={"areaCode": "415", "agentId": agent["id"]}).json()
    assert api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"}).status_code in (200, 201)
    return {"agent": agent, "number": number}


def carrier_calls(local_carrier: Any, settings: Any) -> list[dict[str, Any]]:
    resp = httpx.get(f"{local_carrier.url}/2010-04-01/Accounts/{settings.twilio_account_sid}/Calls.json",
                     auth=(settings.twilio_account_sid, settings.twilio_auth_token))
    assert resp.status_code == 200, resp.text
    return resp.json()["calls"]


@pytest.fixture(autouse=True)
def carrier_holds_calls(local_carrier: Any, settings: Any) -> None:
    """These tests are about the hand-off: the carrier takes the calls and does not progress them
    (test_outbound_calls.py covers ringing, answering and the rest). After `settings`, which resets it."""
    local_carrier.server.config.app.state.outbound.answering = False


def test_create_call_is_queued_and_handed_to_the_carrier(api: httpx.Client, caller: dict[str, Any],
                                                         local_carrier: Any, settings: Any) -> None:
    resp = api.post("/v1/calls", json={"agentId": caller["agent"]["id"], "toNumber": "+14155550123",
                                       "variables": {"name": "Ada"}, "metadata": {"ticket": 7}})
    assert resp.status_code == 201, resp.text
    call = resp.json()
    assert call["status"] == "queued" and call["direction"] == "outbound"
    assert call["fromNumber"] == caller["number"]["phoneNumber"] and call["toNumber"] == "+14155550123"
    assert call["phoneNumberId"] == caller["number"]["id"] and call["agentName"] == "Caller"
    assert call["metadata"] == {"ticket": 7} and call["variables"] == {"name": "Ada"}
    ours = caller["number"]["phoneNumber"]
    placed = [c for c in carrier_calls(local_carrier, settings) if c["from"] == ours]
    assert len(placed) == 1 and placed[0]["to"] == "+14155550123" and "<Stream" in placed[0]["twiml"]
    got = api.get(f"/v1/calls/{call['id']}").json()
    assert got["transcripts"] == [] and got["id"] == call["id"]
    assert api.get(f"/v1/calls/{call['id']}/transcript").json() == {"data": []}


def test_call_validation(api: httpx.Client, caller: dict[str, Any], container: Container, project: Any) -> None:
    agent_id = caller["agent"]["id"]
    bad = [
        ({"agentId": agent_id, "toNumber": "4155550123"}, 400, "toNumber"),
        ({"agentId": agent_id}, 400, "toNumber"),
        ({"agentId": "agent_missing", "toNumber": "+14155550123"}, 404, "agent"),
        ({"agentId": agent_id, "toNumber": "+14155550123", "fromNumberId": "pn_missing"}, 404, "pn_missing"),
        ({"agentId": agent_id, "toNumber": "+14155550123", "voice": "robot"}, 400, "voice"),
        ({"agentId": agent_id, "toNumber": "+14155550123", "systemPrompt": "  "}, 400, "systemPrompt"),
        ({"agentId": agent_id, "toNumber": "+14155550123", "variables": {"a": 1}}, 400, "variables"),
    ]
    for body, status, word in bad:
        resp = api.post("/v1/calls", json=body)
        assert resp.status_code == status, (body, resp.text)
        assert word in resp.json()["detail"], (body, resp.json())
    assert api.get("/v1/calls").json()["total"] == 0


def test_webhook_mode_call_needs_a_webhook_but_hosted_prompt_does_not(api: httpx.Client) -> None:
    agent = api.post("/v1/agents", json={"name": "NoHook"}).json()
    api.post("/v1/numbers", json={"areaCode": "415", "agentId": agent["id"]})
    resp = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": "+14155550123"})
    assert resp.status_code == 400 and "webhook" in resp.json()["detail"]
    hosted = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": "+14155550123",
                                         "systemPrompt": "Book a table for two."})
    assert hosted.status_code == 201, hosted.text
    assert hosted.json()["voiceMode"] == "hosted"


def test_agent_without_number_cannot_call(api: httpx.Client) -> None:
    agent = api.post("/v1/agents", json={"name": "Mute", "voiceMode": "hosted", "systemPrompt": "Hi"}).json()
    resp = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": "+14155550123"})
    assert resp.status_code == 400 and "number" in resp.json()["detail"]


def test_list_filters_and_pagination(api: httpx.Client, caller: dict[str, Any]) -> None:
    agent_id = caller["agent"]["id"]
    ids = [api.post("/v1/calls", json={"agentId": agent_id, "toNumber": f"+1415555012{i}"}).json()["id"]
           for i in range(3)]
    everything = api.get("/v1/calls").json()
    assert [c["id"] for c in everything["data"]] == ids[::-1] and everything["total"] == 3
    assert "transcripts" not in everything["data"][0]
    page = api.get("/v1/calls", params={"limit": 1, "offset": 1}).json()
    assert [c["id"] for c in page["data"]] == [ids[1]] and page["hasMore"] is True
    assert api.get("/v1/calls", params={"search": "5550121"}).json()["total"] == 1
    assert api.get("/v1/calls", params={"status": "queued", "direction": "outbound"}).json()["total"] == 3
    assert api.get("/v1/calls", params={"status": "completed"}).json()["total"] == 0
    assert api.get("/v1/calls", params={"status": "nope"}).status_code == 400
    assert api.get(f"/v1/agents/{agent_id}/calls").json()["total"] == 3
    assert api.get(f"/v1/numbers/{caller['number']['id']}/calls").json()["total"] == 3


def test_end_call_cancels_then_is_a_noop(api: httpx.Client, caller: dict[str, Any], local_carrier: Any,
                                         settings: Any) -> None:
    call = api.post("/v1/calls", json={"agentId": caller["agent"]["id"], "toNumber": "+14155550123"}).json()
    ended = api.post(f"/v1/calls/{call['id']}/end")
    assert ended.status_code == 200 and ended.json()["status"] == "canceled"
    assert ended.json()["endedAt"] is not None
    again = api.post(f"/v1/calls/{call['id']}/end")
    assert again.status_code == 200 and again.json()["endedAt"] == ended.json()["endedAt"]
    (placed,) = [c for c in carrier_calls(local_carrier, settings) if c["from"] == caller["number"]["phoneNumber"]]
    assert placed["status"] == "canceled"
    assert api.post("/v1/calls/call_missing/end").status_code == 404


def test_idempotent_call_creation(api: httpx.Client, caller: dict[str, Any]) -> None:
    body = {"agentId": caller["agent"]["id"], "toNumber": "+14155550123"}
    first = api.post("/v1/calls", json=body, headers={"Idempotency-Key": "k1"})
    again = api.post("/v1/calls", json=body, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert api.get("/v1/calls").json()["total"] == 1
    assert api.post("/v1/calls", json={**body, "toNumber": "+14155550124"},
                    headers={"Idempotency-Key": "k1"}).status_code == 409
    assert api.get("/v1/calls").json()["total"] == 1


def test_carrier_refusal_is_a_clear_4xx_and_marks_the_call_failed(api: httpx.Client,
                                                                   caller: dict[str, Any]) -> None:
    # The carrier, like Twilio, refuses a destination it cannot route (+999 is an unassigned prefix).
    resp = api.post("/v1/calls", json={"agentId": caller["agent"]["id"], "toNumber": "+999999999999"})
    assert resp.status_code == 400, resp.text
    assert "21211" in resp.json()["detail"]
    failed = api.get("/v1/calls").json()["data"][0]
    assert failed["status"] == "failed" and failed["endReason"] == "error"
