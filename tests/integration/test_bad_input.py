"""Bad input anywhere: a precise 4xx with a readable sentence, and nothing changes."""

from __future__ import annotations

import httpx
import pytest

LIST_ROUTES = ["/v1/agents", "/v1/numbers", "/v1/calls", "/v1/conversations", "/v1/webhooks/deliveries"]


@pytest.mark.parametrize("path", LIST_ROUTES)
@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"offset": -1}])
def test_list_bounds(api: httpx.Client, path: str, params: dict[str, object]) -> None:
    resp = api.get(path, params=params)
    assert resp.status_code == 400, resp.text
    detail = resp.json()["detail"]
    assert isinstance(detail, str) and next(iter(params)) in detail


@pytest.mark.parametrize(("path", "params", "word"), [
    ("/v1/usage/daily", {"days": 0}, "days"),
    ("/v1/usage/daily", {"days": 366}, "days"),
    ("/v1/usage/monthly", {"months": 25}, "months"),
    ("/v1/usage/by-agent", {"period": "decade"}, "period"),
    ("/v1/usage/by-agent", {"tz": "Mars/Olympus"}, "tz"),
    ("/v1/webhooks/deliveries/stats", {"hours": 0}, "hours"),
    ("/v1/numbers/available", {"country": "FR"}, "country"),
    ("/v1/numbers/available", {"areaCode": "1234"}, "areaCode"),
])
def test_query_validation(api: httpx.Client, path: str, params: dict[str, object], word: str) -> None:
    resp = api.get(path, params=params)
    assert resp.status_code == 400 and word in resp.json()["detail"], resp.text


def test_bodies_that_change_nothing(api: httpx.Client) -> None:
    agent = api.post("/v1/agents", json={"name": "Keep"}).json()
    cases = [
        ("PATCH", f"/v1/agents/{agent['id']}", {"name": None}, 400, "name"),
        ("PATCH", f"/v1/agents/{agent['id']}", {"interruptionSensitivity": 1.5}, 400, "interruptionSensitivity"),
        ("PATCH", f"/v1/agents/{agent['id']}", {"customTools": [{"name": "x"}]}, 400, "customTools"),
        ("POST", "/v1/numbers", {"country": "FR"}, 400, "country"),
        ("POST", "/v1/numbers", {"areaCode": 415}, 400, "areaCode"),
        ("POST", "/v1/numbers", {"agentId": "agent_missing"}, 404, "agent_missing"),
        ("POST", "/v1/numbers", {"expiresAt": "tomorrow"}, 400, "expiresAt"),
        ("POST", f"/v1/agents/{agent['id']}/numbers", {"numberId": "pn_missing"}, 404, "pn_missing"),
        ("POST", f"/v1/agents/{agent['id']}/numbers", {}, 400, "numberId"),
        ("POST", "/v1/webhooks", {"url": 5}, 400, "url"),
        ("GET", "/v1/numbers/pn_missing/messages?before=yesterday", None, 404, "pn_missing"),
    ]
    for method, path, body, status, word in cases:
        resp = api.request(method, path, json=body)
        assert resp.status_code == status, (method, path, resp.text)
        assert word in resp.json()["detail"], (method, path, resp.json())
    assert api.get(f"/v1/agents/{agent['id']}").json()["name"] == "Keep"
    assert api.get("/v1/numbers").json()["total"] == 0
    assert api.get("/v1/webhooks").content == b"null"


def test_oversized_and_malformed_bodies(api: httpx.Client) -> None:
    huge = api.post("/v1/agents", content=b"{" + b" " * 1_100_000 + b"}",
                    headers={"Content-Type": "application/json"})
    assert huge.status_code == 413 and "larger" in huge.json()["detail"]
    for raw in (b"", b"null", b"[]", b'"name"', b'{"name": "x",}'):
        resp = api.post("/v1/agents", content=raw, headers={"Content-Type": "application/json"})
        assert resp.status_code == 400, (raw, resp.text)
        assert isinstance(resp.json()["detail"], str) and resp.json()["detail"]
    assert api.get("/v1/agents").json()["total"] == 0


def test_unknown_routes_and_methods(api: httpx.Client) -> None:
    assert api.get("/v1/nothing").json() == {"detail": "No such route."}
    resp = api.put("/v1/agents")
    assert resp.status_code == 405 and isinstance(resp.json()["detail"], str)
