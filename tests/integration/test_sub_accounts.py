"""Sub-accounts: the SDK manages them; `X-Sub-Account-Id` confines every route to one of them.

The SDK has no option for the header, so the scoped requests go through httpx.
"""

from __future__ import annotations

from typing import Any

import httpx
from agentphone import AgentPhone

from switchboard.container import Container
from tests.support.published_schema import assert_conforms


def scoped(api_url: str, key: str, sub: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}", **({"X-Sub-Account-Id": sub} if sub else {})}
    return httpx.Client(base_url=api_url, headers=headers, timeout=30)


def world(client: httpx.Client, container: Container, project_id: str, tag: str) -> dict[str, str]:
    """Everything one scope can make: agent, numbers, webhook, call, conversation, contact, delivery."""
    agent = client.post("/v1/agents", json={"name": f"Agent {tag}"}).json()
    number = client.post("/v1/numbers", json={"areaCode": "415", "agentId": agent["id"]}).json()
    spare = client.post("/v1/numbers", json={"areaCode": "415"}).json()
    assert client.post("/v1/webhooks", json={"url": f"http://127.0.0.1:9/{tag}"}).status_code == 200
    assert client.post(f"/v1/agents/{agent['id']}/webhook", json={"url": "http://127.0.0.1:9/a"}).status_code == 200
    call = client.post("/v1/calls", json={"agentId": agent["id"], "toNumber": "+14155550123"}).json()
    stored = container.numbers.get(project_id, number["id"])
    _, conv = container.conversations.record_message(project_id, number=stored, participant="+14155550123",
                                                     agent_id=agent["id"], direction="inbound", body="hi",
                                                     status="received")
    contact = client.post("/v1/contacts", json={"phoneNumber": "+14155550123", "name": f"Ada {tag}"}).json()
    client.post("/v1/webhooks/test")  # one delivery in this scope
    trunk = client.post("/v1/sip-trunks").json()
    return {"agent": agent["id"], "number": number["id"], "spare": spare["id"], "call": call["id"],
            "conv": conv["id"], "contact": contact["id"], "trunk": trunk["id"]}


def test_the_sdk_manages_sub_accounts(api_url: str, project: Any) -> None:
    sdk = AgentPhone(api_key=project.api_key, base_url=api_url)
    made = sdk.sub_accounts.create(name="Acme West")
    assert made["id"].startswith("sub_") and made["name"] == "Acme West"
    assert [s["id"] for s in sdk.sub_accounts.list()] == [made["id"]]
    assert sdk.sub_accounts.update(made["id"], name="Acme Pacific")["name"] == "Acme Pacific"
    assert sdk.sub_accounts.delete(made["id"])["success"] is True
    assert sdk.sub_accounts.list() == []
    with scoped(api_url, project.api_key, made["id"]) as gone:  # a deleted sub-account is unknown
        assert gone.get("/v1/agents").status_code == 404


def test_two_sub_accounts_never_see_each_other(api: httpx.Client, api_url: str, container: Container,
                                              project: Any, local_carrier: Any) -> None:
    # The world's call stays queued: rung out (no-answer after 6 s) between the two snapshots below, on a
    # loaded machine, it changed state on its own and read as a change made by the other sub-account.
    local_carrier.server.config.app.state.outbound.answering = False
    first = api.post("/v1/sub-accounts", json={"name": "One"}).json()["id"]
    second = api.post("/v1/sub-accounts", json={"name": "Two"}).json()["id"]
    one, two = scoped(api_url, project.api_key, first), scoped(api_url, project.api_key, second)
    a = world(one, container, project.project_id, "one")
    b = world(two, container, project.project_id, "two")

    attempts = [
        ("GET", f"/v1/agents/{a['agent']}", None), ("PATCH", f"/v1/agents/{a['agent']}", {"name": "x"}),
        ("DELETE", f"/v1/agents/{a['agent']}", None),
        ("POST", f"/v1/agents/{a['agent']}/numbers", {"numberId": b["spare"]}),
        ("POST", f"/v1/agents/{b['agent']}/numbers", {"numberId": a["spare"]}),
        ("DELETE", f"/v1/agents/{a['agent']}/numbers/{a['number']}", None),
        ("GET", f"/v1/agents/{a['agent']}/calls", None), ("GET", f"/v1/agents/{a['agent']}/conversations", None),
        ("GET", f"/v1/agents/{a['agent']}/webhook", None), ("DELETE", f"/v1/agents/{a['agent']}/webhook", None),
        ("POST", f"/v1/agents/{a['agent']}/webhook", {"url": "http://127.0.0.1:9/evil"}),
        ("POST", f"/v1/agents/{a['agent']}/webhook/test", None),
        ("GET", f"/v1/agents/{a['agent']}/webhook/deliveries", None),
        ("GET", f"/v1/numbers/{a['number']}", None), ("PATCH", f"/v1/numbers/{a['number']}", {"externalId": "x"}),
        ("DELETE", f"/v1/numbers/{a['number']}", None), ("GET", f"/v1/numbers/{a['number']}/calls", None),
        ("GET", f"/v1/numbers/{a['number']}/messages", None),
        ("PATCH", f"/v1/numbers/{b['spare']}", {"agentId": a["agent"]}),
        ("PATCH", f"/v1/numbers/{b['spare']}", {"sipTrunkId": a["trunk"]}),
        ("POST", "/v1/numbers", {"areaCode": "415", "agentId": a["agent"]}),
        ("GET", f"/v1/calls/{a['call']}", None), ("GET", f"/v1/calls/{a['call']}/transcript", None),
        ("POST", f"/v1/calls/{a['call']}/end", None),
        ("POST", "/v1/calls", {"agentId": a["agent"], "toNumber": "+14155550123"}),
        ("POST", "/v1/messages", {"agentId": a["agent"], "toNumber": "+14155550123", "body": "hi"}),
        ("POST", f"/v1/webhooks/test?agentId={a['agent']}", None),
        ("GET", f"/v1/conversations/{a['conv']}", None), ("GET", f"/v1/conversations/{a['conv']}/messages", None),
        ("PATCH", f"/v1/conversations/{a['conv']}", {"metadata": {"x": 1}}),
        ("GET", f"/v1/contacts/{a['contact']}", None), ("PATCH", f"/v1/contacts/{a['contact']}", {"name": "x"}),
        ("DELETE", f"/v1/contacts/{a['contact']}", None),
        ("GET", f"/v1/sip-trunks/{a['trunk']}", None), ("PATCH", f"/v1/sip-trunks/{a['trunk']}", {"name": "x"}),
        ("DELETE", f"/v1/sip-trunks/{a['trunk']}", None),
    ]
    before = {path: one.get(path).json() for path in (
        f"/v1/agents/{a['agent']}", f"/v1/numbers/{a['number']}", f"/v1/calls/{a['call']}",
        f"/v1/conversations/{a['conv']}", f"/v1/contacts/{a['contact']}", f"/v1/sip-trunks/{a['trunk']}")}
    for method, path, body in attempts:
        resp = two.request(method, path, json=body)
        assert resp.status_code == 404, f"{method} {path} from sub-account two: {resp.status_code} {resp.text}"
        assert isinstance(resp.json()["detail"], str)
    assert {path: one.get(path).json() for path in before} == before

    for mine, client in ((a, one), (b, two)):
        lists = {"/v1/agents": {mine["agent"]}, "/v1/numbers": {mine["number"], mine["spare"]},
                 "/v1/calls": {mine["call"]}, "/v1/conversations": {mine["conv"]}, "/v1/contacts": {mine["contact"]},
                 "/v1/sip-trunks": {mine["trunk"]}}
        for path, ids in lists.items():
            page = client.get(path).json()
            assert {item["id"] for item in page["data"]} == ids and page["total"] == len(ids), path
        deliveries = client.get("/v1/webhooks/deliveries").json()
        assert deliveries["total"] == 1 and client.get("/v1/webhooks/deliveries/all-time").json()["total"] == 1
        assert client.get("/v1/webhooks").json()["url"].endswith("/one" if mine is a else "/two")
        assert {r["numberId"] for r in client.get("/v1/usage/by-number").json()["data"]} == {
            mine["number"], mine["spare"]}
        usage = client.get("/v1/usage").json()
        assert_conforms(usage, "UsageResponse")
        assert usage["numbers"]["used"] == 2 and usage["stats"]["totalCalls"] == 1

    # The project's key without the header sees both sub-accounts' worlds.
    assert api.get("/v1/agents").json()["total"] == 2 and api.get("/v1/numbers").json()["total"] == 4
    assert api.get("/v1/calls").json()["total"] == 2 and api.get("/v1/usage").json()["stats"]["totalCalls"] == 2
    assert api.get(f"/v1/agents/{a['agent']}").json()["subAccountId"] == first
    # An unknown or foreign sub-account is 404, and nothing is made.
    other = container.projects.create("Other")
    foreign = scoped(api_url, other.api_key, first)
    assert foreign.post("/v1/agents", json={"name": "x"}).status_code == 404
    assert foreign.get("/v1/agents").status_code == 404
    assert scoped(api_url, project.api_key, "sub_nope").get("/v1/numbers").status_code == 404
    assert api.get("/v1/agents").json()["total"] == 2
    # A sub-account holding numbers cannot be deleted; a sub-account cannot manage sub-accounts.
    assert api.delete(f"/v1/sub-accounts/{first}").status_code == 409
    assert one.get("/v1/sub-accounts").status_code == 403


def test_plan_limits_apply_per_sub_account(api: httpx.Client, api_url: str, project: Any,
                                           container: Container) -> None:
    """The plan is read from the environment on each use, so the test sets a per-sub-account limit there."""
    sub = api.post("/v1/sub-accounts", json={"name": "Small"}).json()["id"]
    with scoped(api_url, project.api_key, sub) as small:
        import os

        os.environ["SWITCHBOARD_PLAN_SUB_ACCOUNT_NUMBERS"] = "1"
        try:
            assert small.post("/v1/numbers", json={"areaCode": "415"}).status_code == 201
            refused = small.post("/v1/numbers", json={"areaCode": "415"})
            assert refused.status_code == 402 and "per sub-account" in refused.json()["detail"]
            assert small.get("/v1/usage").json()["numbers"] == {"used": 1, "limit": 1, "remaining": 0}
            assert api.post("/v1/numbers", json={"areaCode": "415"}).status_code == 201  # the project is not bound
        finally:
            del os.environ["SWITCHBOARD_PLAN_SUB_ACCOUNT_NUMBERS"]

        agent = small.post("/v1/agents", json={"name": "Caller"}).json()
        small.post("/v1/numbers", json={"areaCode": "415", "agentId": agent["id"]})
        call = {"agentId": agent["id"], "toNumber": "+14155550123", "systemPrompt": "Be brief."}
        os.environ["SWITCHBOARD_PLAN_SUB_ACCOUNT_CONCURRENT_CALLS"] = "1"
        try:
            assert small.post("/v1/calls", json=call).status_code == 201
            busy = small.post("/v1/calls", json=call)
            assert busy.status_code == 429 and "per sub-account" in busy.json()["detail"]
            assert busy.headers["Retry-After"]
        finally:
            del os.environ["SWITCHBOARD_PLAN_SUB_ACCOUNT_CONCURRENT_CALLS"]
