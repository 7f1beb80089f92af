"""Webhook configuration, signed test sends and the delivery log over real HTTP."""

from __future__ import annotations

import json

import httpx
from agentphone import verify_webhook

from tests.support.receiver import webhook_receiver
from tests.support.servers import free_port


def test_get_unset_webhook_is_json_null_and_set_keeps_secret(api: httpx.Client) -> None:
    resp = api.get("/v1/webhooks")
    assert resp.status_code == 200 and resp.content == b"null"
    first = api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/a"}).json()
    assert first["secret"].startswith("whsec_") and first["id"].startswith("wh_")
    assert (first["contextLimit"], first["timeout"], first["status"]) == (10, 30, "active")
    second = api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/b", "timeout": 60}).json()
    assert second["secret"] == first["secret"] and second["id"] == first["id"] and second["timeout"] == 60
    rotated = api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/b", "rotateSecret": True}).json()
    assert rotated["secret"] != first["secret"]
    assert api.delete("/v1/webhooks").json()["success"] is True
    assert api.get("/v1/webhooks").content == b"null"


def test_webhook_validation(api: httpx.Client) -> None:
    for body, word in [({"url": "http://127.0.0.1:9", "contextLimit": 51}, "contextLimit"),
                       ({"url": "http://127.0.0.1:9", "timeout": 4}, "timeout"),
                       ({"url": "ftp://example.com/x"}, "URL"), ({}, "url")]:
        resp = api.post("/v1/webhooks", json=body)
        assert resp.status_code == 400, body
        assert word in resp.json()["detail"]
    assert api.get("/v1/webhooks").content == b"null"


def test_test_send_is_signed_and_verifiable_with_the_sdk(api: httpx.Client) -> None:
    with webhook_receiver() as hook:
        secret = api.post("/v1/webhooks", json={"url": hook.url}).json()["secret"]
        result = api.post("/v1/webhooks/test").json()
        assert result["success"] is True and result["httpStatus"] == 200
        assert result["responseBody"] == '{"ok": true}' and result["durationMs"] >= 0
        (req,) = hook.wait(1)
        verify_webhook(req.body, req.headers["x-webhook-signature"], secret, req.headers["x-webhook-timestamp"])
        payload = json.loads(req.body)
        assert payload["event"] == "agent.message" and payload["channel"] == "voice" and payload["test"] is True
        assert req.headers["x-webhook-id"].startswith("dlv_")
    deliveries = api.get("/v1/webhooks/deliveries").json()
    assert deliveries["total"] == 1 and deliveries["items"][0]["status"] == "success"
    assert deliveries["items"][0]["attemptCount"] == 1


def test_test_send_reports_failures(api: httpx.Client) -> None:
    with webhook_receiver(status=500, body="boom") as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        result = api.post("/v1/webhooks/test").json()
        assert result == {**result, "success": False, "httpStatus": 500, "responseBody": "boom"}
    api.post("/v1/webhooks", json={"url": f"http://127.0.0.1:{free_port()}/gone"})
    down = api.post("/v1/webhooks/test").json()
    assert down["success"] is False and down["httpStatus"] is None and "connect" in down["errorMessage"]
    stats = api.get("/v1/webhooks/deliveries/stats").json()
    assert stats["total"] == 2 and stats["failed"] == 2 and stats["successRate"] == 0.0
    assert stats["byEventType"] == {"agent.message": {"failed": 2}}
    assert api.get("/v1/webhooks/deliveries/all-time").json() == {"total": 2, "success": 0, "failed": 2,
                                                                   "successRate": 0.0}


def test_test_without_webhook_is_400(api: httpx.Client) -> None:
    resp = api.post("/v1/webhooks/test")
    assert resp.status_code == 400 and "webhook" in resp.json()["detail"]


def test_agent_webhook_overrides_project_webhook(api: httpx.Client) -> None:
    agent = api.post("/v1/agents", json={"name": "A"}).json()
    base = f"/v1/agents/{agent['id']}/webhook"
    assert api.get(base).content == b"null"
    with webhook_receiver() as project_hook, webhook_receiver() as agent_hook:
        api.post("/v1/webhooks", json={"url": project_hook.url})
        own = api.post(base, json={"url": agent_hook.url, "contextLimit": 3}).json()
        assert own["contextLimit"] == 3 and api.get(base).json()["id"] == own["id"]
        assert api.post(f"{base}/test").json()["success"] is True
        agent_hook.wait(1)
        assert project_hook.requests == []
        deliveries = api.get(f"{base}/deliveries").json()
        assert isinstance(deliveries, list) and len(deliveries) == 1
        assert api.delete(base).json()["success"] is True
        assert api.post(f"{base}/test").status_code == 400
    assert api.get("/v1/agents/agent_missing/webhook").status_code == 404
