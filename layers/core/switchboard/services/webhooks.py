"""Webhook configuration rules and the synchronous test send."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from switchboard.clock import iso
from switchboard.container import Container
from switchboard.errors import InvalidInput
from switchboard.ids import new_id
from switchboard.models.webhook import WebhookSet
from switchboard.webhooks.events import envelope
from switchboard.webhooks.ssrf import check_url


def set_webhook(c: Container, project_id: str, body: WebhookSet, agent_id: str | None = None) -> dict[str, Any]:
    check_url(body.url, local_mode=c.settings.local_mode, resolver=c.resolver)
    return c.webhooks.set(project_id, body.url, body.contextLimit, body.timeout, bool(body.rotateSecret), agent_id,
                          events=body.events)


def send_test(c: Container, project_id: str, agent_id: str | None, *, own_only: bool = False) -> dict[str, Any]:
    """POST a signed synthetic agent.message ("test": true) and report what came back."""
    agent = c.agents.get(project_id, agent_id) if agent_id else None
    sub = agent.get("subAccountId") if agent else None
    hook = c.webhooks.get(project_id, agent_id) if own_only else c.webhooks.resolve(project_id, agent_id, sub)
    if hook is None:
        where = f"agent '{agent_id}'" if own_only else "this project"
        raise InvalidInput(f"No webhook is set for {where}; set one first.")
    now = c.clock()
    data = {"callId": "call_test", "transcript": "Hi, this is a test message from Switchboard.", "confidence": 1.0,
            "from": "+14155550100", "to": "+14155550199", "direction": "inbound", "status": "in-progress",
            "numberId": None, "turnId": new_id("tr"), "test": True}
    payload = envelope("agent.message", data, at=now, agent_id=agent["id"] if agent else None, channel="voice")
    payload |= {"test": True, "recentHistory": [
        {"content": "Hello, how can I help?", "direction": "outbound", "channel": "voice",
         "at": iso(now - timedelta(seconds=5))}]}
    delivery = c.deliveries.start(project_id, agent_id=agent_id, event_type="agent.message", channel="voice",
                                  url=hook["url"], sub_account_id=sub)
    result = c.webhook_sender.send(hook["url"], hook["secret"], payload, delivery["id"], hook["timeout"])
    c.deliveries.attempt(project_id, delivery["id"], ok=result.ok, http_status=result.http_status,
                         error_message=result.error_message, response_body=result.response_body,
                         duration_ms=result.duration_ms, next_retry_at=None)
    c.usage.add(project_id, webhooks=1, webhooks_success=int(result.ok), webhooks_failed=int(not result.ok),
                agent_id=agent_id, sub_account_id=sub)
    return {"success": result.ok, "httpStatus": result.http_status, "responseBody": result.response_body,
            "durationMs": result.duration_ms, "errorMessage": result.error_message, "deliveryId": delivery["id"],
            "statusCode": result.http_status, "responseMs": result.duration_ms, "error": result.error_message}


def stats(c: Container, project_id: str, hours: int) -> dict[str, Any]:
    items = c.deliveries.in_window(project_id, hours)
    by_type: dict[str, dict[str, int]] = {}
    by_hour: dict[str, dict[str, int]] = {}
    for d in items:
        event = d.get("eventType") or "unknown"
        by_type.setdefault(event, {}).setdefault(d["status"], 0)
        by_type[event][d["status"]] += 1
        hour = d["createdAt"][:13] + ":00:00.000Z"
        bucket = by_hour.setdefault(hour, {"total": 0, "success": 0, "failed": 0, "pending": 0})
        bucket["total"] += 1
        bucket[d["status"]] = bucket.get(d["status"], 0) + 1
    counts = {s: sum(1 for d in items if d["status"] == s) for s in ("success", "failed", "pending")}
    done = counts["success"] + counts["failed"]
    return {"total": len(items), **counts, "successRate": round(counts["success"] / done, 4) if done else 0.0,
            "byEventType": by_type, "byHour": [{"hour": h, **v} for h, v in sorted(by_hour.items())]}


def all_time(c: Container, project_id: str) -> dict[str, Any]:
    totals = c.deliveries.totals(project_id)
    done = totals["success"] + totals["failed"]
    return {**totals, "successRate": round(totals["success"] / done, 4) if done else 0.0}
