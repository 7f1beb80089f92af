"""Deliver one queued event: sign, POST, record the attempt, and retry with backoff or park it.

Retries re-enqueue the event with an SQS delay of `base * 4^attempt` seconds (capped at the
15 min SQS maximum); after the last attempt the event goes to the dead-letter queue.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from switchboard.clock import iso, parse_iso
from switchboard.container import Container
from switchboard.logging import logger
from switchboard.services import call_ended
from switchboard.webhooks.events import CALL_ENDED, envelope, wants


def backoff_seconds(attempt: int, base: int) -> int:
    """Delay before attempt `attempt + 1` (attempt counts from 1)."""
    return min(900, base * 4 ** (attempt - 1))


def _call_ended_data(c: Container, message: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """(data, None) once the call has settled; else (None, what happened instead)."""
    prepared = call_ended.prepare(c, message["projectId"], message["data"]["callId"])
    if prepared.wait_s > 0:  # the relay is still writing the call's last turn or its analysis
        c.event_queue.send({**message, "waits": int(message.get("waits", 0)) + 1},
                           delay_seconds=max(1, round(prepared.wait_s)))
        return None, "waiting"
    return prepared.data, None if prepared.data is not None else "dropped"


def process_message(c: Container, message: dict[str, Any]) -> str:
    """Handle one queue message; returns what happened ("delivered", "retrying", "failed", "dropped", "waiting")."""
    project_id, agent_id, event = message["projectId"], message.get("agentId"), message["event"]
    sub = c.agents.sub_account_of(project_id, agent_id)
    hook = c.webhooks.resolve(project_id, agent_id, sub)
    if hook is None or not wants(hook, event):
        logger.info("no webhook wants the event; dropped", extra={"event": event, "projectId": project_id})
        return "dropped"
    data = message["data"]
    if event == CALL_ENDED:
        built, instead = _call_ended_data(c, message)
        if built is None:
            return instead or "dropped"
        data = built
    delivery_id = c.deliveries.start(project_id, agent_id=agent_id, event_type=event, channel=message.get("channel"),
                                     url=hook["url"], sub_account_id=sub, delivery_id=message.get("deliveryId"))["id"]
    payload = envelope(event, data, at=parse_iso(message["occurredAt"]), agent_id=agent_id,
                       channel=message.get("channel"))
    payload |= message.get("extra") or {}
    result = c.webhook_sender.send(hook["url"], hook["secret"], payload, delivery_id, hook["timeout"])
    attempt = int(message.get("attempt", 0)) + 1
    settings = c.settings
    retry = not result.ok and attempt < settings.delivery_max_attempts
    delay = backoff_seconds(attempt, settings.delivery_base_delay_seconds) if retry else 0
    next_at = iso(c.clock() + timedelta(seconds=delay)) if retry else None
    c.deliveries.attempt(project_id, delivery_id, ok=result.ok, http_status=result.http_status,
                         error_message=result.error_message, response_body=result.response_body,
                         duration_ms=result.duration_ms, next_retry_at=next_at)
    if result.ok or not retry:
        c.usage.add(project_id, webhooks=1, webhooks_success=int(result.ok), webhooks_failed=int(not result.ok),
                    agent_id=agent_id, sub_account_id=sub)
    following = {**message, "deliveryId": delivery_id, "attempt": attempt}
    if retry:
        c.event_queue.send(following, delay_seconds=delay)
        return "retrying"
    if not result.ok:
        c.event_queue.send(following, queue_url=settings.delivery_dlq_url)
        return "failed"
    return "delivered"
