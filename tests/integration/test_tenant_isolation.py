"""Project B's key never sees, changes or deletes project A's resources: every id route answers 404."""

from __future__ import annotations

from typing import Any

import httpx

from switchboard.container import Container


def test_no_route_crosses_projects(api: httpx.Client, api_url: str, container: Container, project: Any) -> None:
    # Project A's world.
    agent = api.post("/v1/agents", json={"name": "A"}).json()
    number = api.post("/v1/numbers", json={"areaCode": "415", "agentId": agent["id"]}).json()
    spare = api.post("/v1/numbers", json={"areaCode": "415"}).json()
    api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/a"})
    api.post(f"/v1/agents/{agent['id']}/webhook", json={"url": "http://127.0.0.1:9/agent"})
    call = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": "+14155550123"}).json()
    numbered = container.numbers.get(project.project_id, number["id"])
    _, conv = container.conversations.record_message(project.project_id, number=numbered,
                                                     participant="+14155550123", agent_id=agent["id"],
                                                     direction="inbound", body="hi", status="received")
    before = {path: api.get(path).json() for path in (
        f"/v1/agents/{agent['id']}", f"/v1/numbers/{number['id']}", f"/v1/calls/{call['id']}",
        f"/v1/conversations/{conv['id']}", f"/v1/agents/{agent['id']}/webhook")}

    other = container.projects.create("B")
    b = httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {other.api_key}"})
    b_agent = b.post("/v1/agents", json={"name": "B"}).json()
    b_number = b.post("/v1/numbers", json={"areaCode": "212"}).json()
    a, n, c, v = agent["id"], number["id"], call["id"], conv["id"]
    attempts = [
        ("GET", f"/v1/agents/{a}", None), ("PATCH", f"/v1/agents/{a}", {"name": "stolen"}),
        ("DELETE", f"/v1/agents/{a}", None), ("POST", f"/v1/agents/{a}/numbers", {"numberId": spare["id"]}),
        ("POST", f"/v1/agents/{b_agent['id']}/numbers", {"numberId": spare["id"]}),
        ("DELETE", f"/v1/agents/{a}/numbers/{n}", None), ("GET", f"/v1/agents/{a}/calls", None),
        ("GET", f"/v1/agents/{a}/conversations", None), ("GET", f"/v1/agents/{a}/webhook", None),
        ("POST", f"/v1/agents/{a}/webhook", {"url": "http://127.0.0.1:9/evil"}),
        ("DELETE", f"/v1/agents/{a}/webhook", None), ("POST", f"/v1/agents/{a}/webhook/test", None),
        ("GET", f"/v1/agents/{a}/webhook/deliveries", None),
        ("GET", f"/v1/numbers/{n}", None), ("PATCH", f"/v1/numbers/{n}", {"inboundCallsEnabled": False}),
        ("DELETE", f"/v1/numbers/{n}", None), ("GET", f"/v1/numbers/{n}/calls", None),
        ("GET", f"/v1/numbers/{n}/messages", None),
        ("PATCH", f"/v1/numbers/{b_number['id']}", {"agentId": a}),
        ("POST", "/v1/numbers", {"areaCode": "415", "agentId": a}),
        ("GET", f"/v1/calls/{c}", None), ("GET", f"/v1/calls/{c}/transcript", None),
        ("POST", f"/v1/calls/{c}/end", None),
        ("POST", "/v1/calls", {"agentId": a, "toNumber": "+14155550123"}),
        ("POST", "/v1/calls", {"agentId": b_agent["id"], "toNumber": "+14155550123", "fromNumberId": n,
                               "systemPrompt": "x"}),
        ("POST", f"/v1/webhooks/test?agentId={a}", None),
        ("GET", f"/v1/conversations/{v}", None), ("GET", f"/v1/conversations/{v}/messages", None),
        ("PATCH", f"/v1/conversations/{v}", {"metadata": {"x": 1}}),
    ]
    for method, path, body in attempts:
        resp = b.request(method, path, json=body)
        assert resp.status_code == 404, f"{method} {path} with B's key: {resp.status_code} {resp.text}"
        assert isinstance(resp.json()["detail"], str)

    listings = {"/v1/agents": b_agent["id"], "/v1/numbers": b_number["id"], "/v1/calls": None,
                "/v1/conversations": None}
    for path, own in listings.items():
        ids = {item["id"] for item in b.get(path).json()["data"]}
        assert ids == ({own} if own else set()), path
    assert b.get("/v1/webhooks/deliveries").json()["total"] == 0
    assert {row["numberId"] for row in b.get("/v1/usage/by-number").json()["data"]} == {b_number["id"]}
    after = {path: api.get(path).json() for path in before}
    assert after == before
