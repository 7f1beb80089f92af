"""Tenant isolation over every route and id type, walked from /openapi.json, for two projects and for two
sub-accounts of one project.

For every operation whose path names ids, the other tenant's ids of those types are substituted and
the request is sent with the attacker's credentials: another project's key, or the same project's key
confined to a sibling sub-account. Each must be 404 (403 where sub-accounts may not manage at all),
ids carried in bodies and queries too, every list and filter must show none of the victim's items,
the MCP endpoint must refuse the victim's ids, and afterwards the victim's world is unchanged.
`PAIRS_PROVEN` feeds the README's figures.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from switchboard.container import Container

ID_TYPES = {"agent_id": "agent", "number_id": "number", "call_id": "call", "conversation_id": "conversation",
            "contact_id": "contact", "sub_account_id": "sub_account", "trunk_id": "trunk", "key_id": "key"}
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/agents/{agent_id}/webhook"): {"url": "http://127.0.0.1:9/evil"},
    ("POST", "/v1/agents/{agent_id}/numbers"): {"numberId": "<spare>"},
    ("PATCH", "/v1/agents/{agent_id}"): {"name": "stolen"},
    ("PATCH", "/v1/numbers/{number_id}"): {"inboundCallsEnabled": False},
    ("PATCH", "/v1/contacts/{contact_id}"): {"name": "stolen"},
    ("PATCH", "/v1/conversations/{conversation_id}"): {"metadata": {"x": 1}},
    ("PATCH", "/v1/sub-accounts/{sub_account_id}"): {"name": "stolen"},
    ("PATCH", "/v1/sip-trunks/{trunk_id}"): {"name": "stolen"},
}
PROJECT_LEVEL = ("/v1/sub-accounts", "/v1/api-keys")  # managed without X-Sub-Account-Id: 403 under one
PAIRS_PROVEN: dict[str, int] = {}


def client(api_url: str, key: str, sub: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}", **({"X-Sub-Account-Id": sub} if sub else {})}
    return httpx.Client(base_url=api_url, headers=headers, timeout=30)


def build_world(c: httpx.Client, container: Container, project_id: str, sub: str | None,
                area: str) -> dict[str, str]:
    agent = c.post("/v1/agents", json={"name": "Victim"}).json()
    assert c.post(f"/v1/agents/{agent['id']}/webhook", json={"url": "http://127.0.0.1:9/a"}).status_code in (200, 201)
    number = c.post("/v1/numbers", json={"areaCode": area, "agentId": agent["id"]}).json()
    spare = c.post("/v1/numbers", json={"areaCode": area}).json()
    call = c.post("/v1/calls", json={"agentId": agent["id"], "toNumber": "+14155550150"}).json()
    contact = c.post("/v1/contacts", json={"phoneNumber": "+14155550151", "name": "Vic"}).json()
    trunk = c.post("/v1/sip-trunks", json={"name": "pbx"}).json()
    verification = c.post("/v1/verify/send", json={"phone_number": "+14155550152"}).json()
    stored = container.numbers.get(project_id, number["id"])
    _, conv = container.conversations.record_message(project_id, number=stored, participant="+14155550153",
                                                     agent_id=agent["id"], direction="inbound", body="hi",
                                                     status="received")
    assert c.post(f"/v1/agents/{agent['id']}/webhook/test").status_code == 200  # a delivery to find
    ids = {"agent": agent["id"], "number": number["id"], "spare": spare["id"], "call": call["id"],
           "contact": contact["id"], "trunk": trunk["id"], "conversation": conv["id"],
           "verification": verification["id"], "phone": number["phoneNumber"]}
    assert all(ids.values()), ids
    return ids


def snapshot(c: httpx.Client, ids: dict[str, str]) -> dict[str, Any]:
    paths = [f"/v1/agents/{ids['agent']}", f"/v1/numbers/{ids['number']}", f"/v1/numbers/{ids['spare']}",
             f"/v1/calls/{ids['call']}", f"/v1/contacts/{ids['contact']}", f"/v1/sip-trunks/{ids['trunk']}",
             f"/v1/conversations/{ids['conversation']}", f"/v1/agents/{ids['agent']}/webhook"]
    return {p: c.get(p).json() for p in paths}


def operations(api_url: str) -> Iterator[tuple[str, str, list[str]]]:
    schema = httpx.get(f"{api_url}/openapi.json").json()
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if "not available" in (op.get("tags") or []):
                continue  # answers 501 for everyone, whatever the id
            names = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
            if names:
                assert all(n in ID_TYPES for n in names), f"{method} {path}: a new id type {names} to cover"
                yield method.upper(), path, names


def attack(attacker: httpx.Client, api_url: str, ids: dict[str, str], *, under_sub: bool) -> int:
    """Every id route with the victim's ids; returns the (operation, id type) pairs proven."""
    proven = 0
    for method, path, names in operations(api_url):
        if "key_id" in names and not under_sub:
            continue  # keys: covered below with the victim project's own key ids
        concrete = path
        for name in names:
            concrete = concrete.replace("{" + name + "}", ids[ID_TYPES[name]])
        body = json.loads(json.dumps(BODIES.get((method, path))).replace("<spare>", ids["spare"]))
        resp = attacker.request(method, concrete, json=body)
        expected = 403 if under_sub and path.startswith(PROJECT_LEVEL) else 404
        assert resp.status_code == expected, f"{method} {concrete}: {resp.status_code} {resp.text[:200]}"
        assert isinstance(resp.json()["detail"], str)
        proven += len(names)
    return proven


def carried_ids(attacker: httpx.Client, own: dict[str, str], ids: dict[str, str]) -> int:
    """Ids in bodies and query strings: each names the victim's resource, and each is 404."""
    attempts = [
        ("POST", f"/v1/agents/{own['agent']}/numbers", {"numberId": ids["spare"]}),
        ("POST", "/v1/numbers", {"areaCode": "415", "agentId": ids["agent"]}),
        ("PATCH", f"/v1/numbers/{own['number']}", {"agentId": ids["agent"]}),
        ("PATCH", f"/v1/numbers/{own['number']}", {"sipTrunkId": ids["trunk"]}),
        ("POST", "/v1/calls", {"agentId": ids["agent"], "toNumber": "+14155550160"}),
        ("POST", "/v1/calls", {"agentId": own["agent"], "fromNumberId": ids["number"], "toNumber": "+14155550160",
                               "systemPrompt": "x"}),
        ("POST", "/v1/messages", {"agentId": ids["agent"], "toNumber": "+14155550160", "body": "hi"}),
        ("POST", "/v1/messages", {"agentId": own["agent"], "numberId": ids["number"], "toNumber": "+14155550160",
                                  "body": "hi"}),
        ("POST", f"/v1/webhooks/test?agentId={ids['agent']}", None),
        ("POST", "/v1/verify/check", {"verification_id": ids["verification"], "code": "123456"}),
    ]
    for method, path, body in attempts:
        resp = attacker.request(method, path, json=body)
        assert resp.status_code == 404, f"{method} {path} {body}: {resp.status_code} {resp.text[:200]}"
    return len(attempts)


def lists_hide(attacker: httpx.Client, ids: dict[str, str], *, under_sub: bool) -> int:
    victim = set(ids.values())
    lists = ["/v1/agents", "/v1/numbers", "/v1/calls", f"/v1/calls?search={ids['phone'][2:]}",
             "/v1/calls?direction=outbound", "/v1/calls?status=queued", "/v1/conversations", "/v1/contacts",
             "/v1/contacts?search=Vic", "/v1/sip-trunks", "/v1/feedback", "/v1/webhooks/deliveries",
             "/v1/webhooks/deliveries?hours=24", "/v1/usage/by-number", "/v1/usage/by-agent?period=month"]
    if not under_sub:
        lists += ["/v1/sub-accounts", "/v1/api-keys"]
    for path in lists:
        resp = attacker.get(path)
        assert resp.status_code == 200, (path, resp.text)
        text = resp.text
        leaked = [i for i in victim if i in text]
        assert not leaked, f"{path} shows {leaked}"
    return len(lists)


def mcp_refuses(api_url: str, headers: dict[str, str], ids: dict[str, str]) -> int:
    calls = [("get_agent", {"agent_id": ids["agent"]}), ("get_call", {"call_id": ids["call"]}),
             ("get_conversation", {"conversation_id": ids["conversation"]})]
    for name, arguments in calls:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}}
        resp = httpx.post(f"{api_url}/mcp", json=body, headers={
            **headers, "Accept": "application/json, text/event-stream"}, timeout=30)
        result = resp.json()["result"]
        assert result.get("isError") is True, (name, result)
        assert ids[next(iter(arguments)).removesuffix("_id")] not in json.dumps(result.get("structuredContent")), name
    return len(calls)


@pytest.fixture
def quiet_carrier(local_carrier: Any) -> Iterator[None]:
    local_carrier.server.config.app.state.outbound.answering = False  # calls stay queued: no relay needed
    yield


def test_another_projects_key_reaches_nothing(api_url: str, container: Container, project: Any,
                                              quiet_carrier: None) -> None:
    victim = client(api_url, project.api_key)
    ids = build_world(victim, container, project.project_id, None, "415")
    sub = victim.post("/v1/sub-accounts", json={"name": "S"}).json()
    key = victim.post("/v1/api-keys", json={"name": "k"}).json()
    ids |= {"sub_account": sub["id"], "key": key["id"]}
    before = snapshot(victim, ids)
    other = container.projects.create("B")
    attacker = client(api_url, other.api_key)
    own = build_world(attacker, container, other.project_id, None, "212")
    proven = attack(attacker, api_url, ids, under_sub=False)
    for method, path in (("DELETE", f"/v1/api-keys/{key['id']}"), ("POST", f"/v1/api-keys/{key['id']}/rotate")):
        assert attacker.request(method, path).status_code == 404
        proven += 1
    proven += carried_ids(attacker, own, ids)
    proven += lists_hide(attacker, ids, under_sub=False)
    proven += mcp_refuses(api_url, {"Authorization": f"Bearer {other.api_key}"}, ids)
    assert snapshot(victim, ids) == before
    assert victim.get(f"/v1/sub-accounts/{sub['id']}").json()["name"] == "S"
    PAIRS_PROVEN["projects"] = proven
    print(f"\nisolation: {proven} (route, id type) checks between two projects")


def test_a_sibling_sub_account_reaches_nothing(api_url: str, container: Container, project: Any,
                                               quiet_carrier: None) -> None:
    parent = client(api_url, project.api_key)
    s1 = parent.post("/v1/sub-accounts", json={"name": "S1"}).json()["id"]
    s2 = parent.post("/v1/sub-accounts", json={"name": "S2"}).json()["id"]
    victim = client(api_url, project.api_key, s1)
    ids = build_world(victim, container, project.project_id, s1, "415") | {"sub_account": s1, "key": "key_x"}
    before = snapshot(victim, ids)
    attacker = client(api_url, project.api_key, s2)
    own = build_world(attacker, container, project.project_id, s2, "212")
    proven = attack(attacker, api_url, ids, under_sub=True)
    proven += carried_ids(attacker, own, ids)
    proven += lists_hide(attacker, ids, under_sub=True)
    proven += mcp_refuses(api_url, {"Authorization": f"Bearer {project.api_key}", "X-Sub-Account-Id": s2}, ids)
    assert snapshot(victim, ids) == before
    PAIRS_PROVEN["sub-accounts"] = proven
    print(f"\nisolation: {proven} (route, id type) checks between two sub-accounts")


async def test_a_signed_stream_naming_another_projects_call_gets_nothing(api_url: str, container: Container,
                                                                         project: Any, quiet_carrier: None,
                                                                         relay: Any) -> None:
    """The relay's socket: even with a valid carrier signature, a stream whose parameters pair one project with
    another's call is closed at once: no greeting, no turn, no stream counted on the call."""
    import asyncio

    from switchboard_local.carrier.media_client import MediaStreamClient

    victim = client(api_url, project.api_key)
    ids = build_world(victim, container, project.project_id, None, "415")
    other = container.projects.create("B")
    settings = container.settings
    for params in ({"callId": ids["call"], "projectId": other.project_id, "agentId": ids["agent"]},
                   {"callId": "call_nope", "projectId": project.project_id, "agentId": ids["agent"]}):
        stream = MediaStreamClient(settings.relay_url, settings.twilio_auth_token, settings.twilio_account_sid,
                                   "CA" + "0" * 32, params)
        runner = asyncio.create_task(stream.run())
        await asyncio.wait_for(stream.closed.wait(), 10)
        await asyncio.wait_for(runner, 10)
        assert stream.agent.first_heard_at is None and not stream.agent.chunks
    call = container.calls.get(project.project_id, ids["call"])
    assert not call.get("streamsOpen") and not call.get("turnCount"), call
