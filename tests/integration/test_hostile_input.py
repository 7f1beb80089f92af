"""Hostile input never answers 5xx: each input that once did (issue 16) now gets its documented 4xx.

Every response here must also be valid JSON with a sentence in `detail` (a 500's body could not be
encoded at all for NaN and lone surrogates). The README's Hardening table counts these requests.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from switchboard.carrier import signature
from switchboard.container import Container
from switchboard.settings import Settings

NUMBERS = ["NaN", "Infinity", "-Infinity", "5e-324", "2.2250738585072014e-308", "1e-200", "1e130",
           str(10**40), str(-(10**39))]
LIST_ROUTES = ["/v1/agents", "/v1/numbers", "/v1/calls", "/v1/conversations", "/v1/webhooks/deliveries",
               "/v1/contacts", "/v1/sub-accounts", "/v1/sip-trunks", "/v1/feedback", "/v1/api-keys"]


def refused(resp: httpx.Response, status: int = 400, word: str | None = None) -> str:
    assert resp.status_code == status, (resp.status_code, resp.text[:300])
    detail = json.loads(resp.content)["detail"]
    assert isinstance(detail, str) and detail, resp.text
    if word:
        assert word in detail, detail
    return detail


def raw(api: httpx.Client, method: str, path: str, body: str) -> httpx.Response:
    return api.request(method, path, content=body.encode("utf-8", "surrogatepass"),
                       headers={"Content-Type": "application/json"})


@pytest.fixture
def world(api: httpx.Client, container: Container, project: Any) -> dict[str, Any]:
    agent = api.post("/v1/agents", json={"name": "Target"}).json()
    number = api.post("/v1/numbers", json={"areaCode": "415", "agentId": agent["id"]}).json()
    api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"})
    stored = container.numbers.get(project.project_id, number["id"])
    _, conv = container.conversations.record_message(project.project_id, number=stored, participant="+14155550123",
                                                     agent_id=agent["id"], direction="inbound", body="hi",
                                                     status="received")
    return {"agent": agent, "number": number, "conversation": conv}


@pytest.mark.parametrize("number", NUMBERS)
def test_numbers_nothing_can_store_are_400(api: httpx.Client, world: dict[str, Any], number: str) -> None:
    agent, conv = world["agent"]["id"], world["conversation"]["id"]
    cases = [
        ("POST", "/v1/agents", f'{{"name": "x", "voiceSpeed": {number}}}'),
        ("PATCH", f"/v1/agents/{agent}", f'{{"interruptionSensitivity": {number}}}'),
        ("PATCH", f"/v1/agents/{agent}", '{"customTools": [{"name": "t", "description": "d", "url": '
                                         f'"https://example.com/t", "parameters": {{"x": {number}}}}}]}}'),
        ("POST", "/v1/calls", f'{{"agentId": "{agent}", "toNumber": "+14155550123", "metadata": {{"n": {number}}}}}'),
        ("PATCH", f"/v1/conversations/{conv}", f'{{"metadata": {{"deep": [{{"n": {number}}}]}}}}'),
    ]
    for method, path, body in cases:
        refused(raw(api, method, path, body))
    assert api.get("/v1/calls").json()["total"] == 0
    assert api.get(f"/v1/agents/{agent}").json()["customTools"] is None


def test_lone_surrogates_are_400(api: httpx.Client, world: dict[str, Any]) -> None:
    for body in ('{"name": "\\ud800"}', '{"name": "ok", "description": "a\\udfffb"}', '{"\\ud83d": 1, "name": "k"}'):
        refused(raw(api, "POST", "/v1/agents", body), word="surrogate")
    refused(raw(api, "PATCH", f"/v1/conversations/{world['conversation']['id']}", '{"metadata": {"k": "\\ud800"}}'))
    refused(raw(api, "PATCH", f"/v1/conversations/{world['conversation']['id']}", '{"metadata": {"k": {"": 1}}}'),
            word="empty key")
    assert api.get("/v1/agents").json()["total"] == 1


def test_a_validation_error_echoes_safely(api: httpx.Client) -> None:
    """The refused value comes back in `errors` as JSON any client can parse (once a 500)."""
    resp = raw(api, "POST", "/v1/agents", '{"name": ' + json.dumps("x" * 300) + ', "voiceSpeed": "fast"}')
    refused(resp)
    echoed = [e.get("input") for e in resp.json()["errors"]]
    assert all(len(json.dumps(i)) < 260 for i in echoed), echoed


def test_oversized_metadata_is_400_and_nothing_is_stored(api: httpx.Client, world: dict[str, Any]) -> None:
    conv = world["conversation"]["id"]
    refused(api.patch(f"/v1/conversations/{conv}", json={"metadata": {"blob": "x" * 500_000}}), word="metadata")
    refused(api.post("/v1/calls", json={"agentId": world["agent"]["id"], "toNumber": "+14155550123",
                                        "metadata": {f"k{i}": "y" * 6000 for i in range(100)}}), word="metadata")
    refused(api.post("/v1/calls", json={"agentId": world["agent"]["id"], "toNumber": "+14155550123",
                                        "metadata": {str(i): i for i in range(101)}}), word="metadata")
    deep: Any = 1
    for _ in range(40):
        deep = {"d": deep}
    refused(api.patch(f"/v1/conversations/{conv}", json={"metadata": deep}), word="nested")
    assert api.get(f"/v1/conversations/{conv}").json().get("metadata") in (None, {})
    assert api.get("/v1/calls").json()["total"] == 0


def test_strings_and_tools_are_bounded(api: httpx.Client, world: dict[str, Any]) -> None:
    agent = world["agent"]["id"]
    refused(api.patch(f"/v1/agents/{agent}", json={"voice": "v" * 20_000}), word="voice")
    tool = {"name": "t", "description": "d", "url": "https://example.com/t"}
    refused(api.patch(f"/v1/agents/{agent}", json={"customTools": [{**tool, "name": f"t{i}"} for i in range(21)]}))
    refused(api.patch(f"/v1/agents/{agent}", json={"customTools": [{**tool, "parameters": {"p": "x" * 20_000}}]}))


@pytest.mark.parametrize("path", LIST_ROUTES)
def test_offsets_past_the_bound_are_400(api: httpx.Client, path: str) -> None:
    for offset in (sys.maxsize + 1, 10**30, 10_001):
        refused(api.get(path, params={"offset": offset}), word="offset")
    assert api.get(path, params={"offset": 10_000}).status_code == 200


def test_ids_longer_than_any_key_are_404(api: httpx.Client, world: dict[str, Any]) -> None:
    long_id = "agent_" + "z" * 5000
    for method, path in (("GET", f"/v1/agents/{long_id}"), ("PATCH", f"/v1/agents/{long_id}"),
                         ("DELETE", f"/v1/agents/{long_id}"), ("GET", f"/v1/calls/{'call_' + 'q' * 3000}"),
                         ("GET", f"/v1/numbers/{'pn_' + 'n' * 2100}/calls")):
        refused(api.request(method, path, json={} if method == "PATCH" else None), status=404)
    refused(api.post("/v1/calls", json={"agentId": long_id, "toNumber": "+14155550123"}), status=404)
    refused(api.get("/v1/agents", headers={"X-Sub-Account-Id": "sub_" + "s" * 3000}), status=404)


def _chunks(total: int) -> Iterator[bytes]:
    yield b'{"name": "'
    for _ in range(total // 65536):
        yield b"x" * 65536
    yield b'"}'


def test_a_streamed_body_past_the_limit_is_413(api: httpx.Client) -> None:
    resp = api.post("/v1/agents", content=_chunks(10_000_000), headers={"Content-Type": "application/json"})
    refused(resp, status=413, word="larger")
    assert api.get("/v1/agents").json()["total"] == 0


def test_sub_account_header_without_a_key_is_401(api_url: str) -> None:
    for value in ("", "sub_nope"):
        resp = httpx.get(f"{api_url}/v1/agents", headers={"X-Sub-Account-Id": value})
        refused(resp, status=401)


def test_a_signed_callback_with_a_huge_sequence_number_changes_nothing_harmful(
        api: httpx.Client, api_url: str, settings: Settings, world: dict[str, Any], local_carrier: Any) -> None:
    call = api.post("/v1/calls", json={"agentId": world["agent"]["id"], "toNumber": "+14155550142"}).json()
    assert call["status"] in ("queued", "ringing"), call
    state = local_carrier.server.config.app.state.carrier
    with state.lock:
        sid = next(c["sid"] for c in state.calls.values() if c["to"] == "+14155550142")
    url = f"{api_url}/telephony/twilio/status"
    for seq, status in (("9" * 60, "ringing"), (str(2**64), "in-progress"), ("-5", "in-progress")):
        form = {"CallSid": sid, "CallStatus": status, "SequenceNumber": seq, "CallDuration": "9" * 50,
                "AccountSid": settings.twilio_account_sid}
        resp = httpx.post(url, data=form, headers={"X-Twilio-Signature": signature.compute(url, form,
                                                                                            settings.twilio_auth_token)})
        assert resp.status_code < 500, resp.text
    assert api.get(f"/v1/calls/{call['id']}").json()["status"] in ("ringing", "in-progress", "no-answer")


