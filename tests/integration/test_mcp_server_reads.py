"""The fields AgentPhone's MCP server (agentphone-mcp, pointed at us with AGENTPHONE_BASE_URL) reads,
read the way it reads them: the same requests, and each field it prints must be there (a missing
one prints "undefined")."""

from __future__ import annotations

from typing import Any

import httpx

from switchboard.container import Container
from tests.support.receiver import webhook_receiver


def read(obj: dict[str, Any], *fields: str) -> list[Any]:
    """What JavaScript would read; a field that is absent is a failure, as `undefined` would be."""
    missing = [f for f in fields if f not in obj]
    assert not missing, f"absent: {missing} in {sorted(obj)}"
    return [obj[f] for f in fields]


def test_voices_deliveries_and_webhook_tests_read_as_the_mcp_server_reads_them(api: httpx.Client) -> None:
    for voice in api.get("/v1/agents/voices").json()["data"]:
        assert all(isinstance(v, str) and v for v in read(voice, "voice_id", "voice_name", "provider", "gender",
                                                          "accent"))
    agent = api.post("/v1/agents", json={"name": "Reader"}).json()
    with webhook_receiver() as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        tested = api.post("/v1/webhooks/test", json={}).json()
        success, status, took, error = read(tested, "success", "statusCode", "responseMs", "error")
        assert success is True and status == 200 and isinstance(took, int) and error is None
        api.post(f"/v1/agents/{agent['id']}/webhook", json={"url": hook.url})
        own = api.post(f"/v1/agents/{agent['id']}/webhook/test").json()
        assert read(own, "success", "statusCode")[1] == 200
    with webhook_receiver(status=500) as broken:
        api.post("/v1/webhooks", json={"url": broken.url})
        failed = api.post("/v1/webhooks/test").json()
        assert read(failed, "success", "statusCode", "error")[:2] == [False, 500] and failed["error"]
    page = api.get("/v1/webhooks/deliveries", params={"limit": 20, "hours": 24}).json()
    (total,) = read(page, "total")
    assert total == 3 and len(page["data"]) == 3
    for d in page["data"]:
        ident, event, status, ok, at, took = read(d, "id", "event", "statusCode", "success", "deliveredAt",
                                                  "responseMs")
        assert ident.startswith("dlv_") and event == "agent.message" and isinstance(took, int)
        assert at and ok is (status == 200)


def test_messages_and_usage_read_as_the_mcp_server_reads_them(api: httpx.Client, container: Container,
                                                             project: Any) -> None:
    agent = api.post("/v1/agents", json={"name": "Texter"}).json()
    number = api.post("/v1/numbers", json={"areaCode": "415", "agentId": agent["id"]}).json()
    stored = container.numbers.get(project.project_id, number["id"])
    container.conversations.record_message(project.project_id, number=stored, participant="+14155550123",
                                           agent_id=agent["id"], direction="inbound", body="Hi", status="received")
    sent = api.post("/v1/messages", json={"agent_id": agent["id"], "to_number": "+14155550123", "body": "Hello"})
    assert sent.status_code == 201
    # Older and newer releases of the MCP server read different names for the same parties.
    assert read(sent.json(), "from", "to", "from_number", "to_number", "status", "id")[:2] == [
        number["phoneNumber"], "+14155550123"]
    messages = api.get(f"/v1/numbers/{number['id']}/messages", params={"limit": 50}).json()["data"]
    assert [read(m, "from", "to", "body")[2] for m in messages] == ["Hello", "Hi"]
    assert all(read(m, "receivedAt")[0] for m in messages)

    container.usage.add(project.project_id, calls=1, call_seconds=90)  # what a finished call counts
    for route, params, key in [("daily", {"days": 30}, "date"), ("monthly", {"months": 12}, "month")]:
        rows = api.get(f"/v1/usage/{route}", params=params).json()["data"]
        assert all(isinstance(read(r, key, "messages", "calls", "voiceMinutes", "webhooks")[3], int | float)
                   for r in rows)
        assert rows[-1]["voiceMinutes"] == 1.5 and rows[-1]["calls"] == 1
