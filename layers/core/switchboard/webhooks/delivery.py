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
from switchboard.webhooks.events import envelope


def backoff_seconds(attempt: int, base: int) -> int:
    """Delay before attempt `attempt + 1` (attempt counts from 1)."""
    return min(900, base * 4 ** (attempt - 1))


def process_message(c: Container, message: dict[str, Any]) -> str:
    """Handle one queue message; returns what happened ("delivered", "retrying", "failed", "dropped")."""
    project_id, agent_id = message["projectId"], message.get("agentId")
    hook = c.webhooks.resolve(project_id, agent_id)
    if hook is None:
        logger.info("no webhook set; event dropped", extra={"event": message["event"], "projectId": project_id})
        return "dropped"
    delivery_id = message.get("deliveryId")
    if delivery_id is None:
        delivery_id = c.deliveries.start(project_id, agent_id=agent_id, event_type=message["event"],
                                         channel=message.get("channel"), url=hook["url"])["id"]
    payload = envelope(message["event"], message["data"], at=parse_iso(message["occurredAt"]), agent_id=agent_id,
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
                    agent_id=agent_id)
    following = {**message, "deliveryId": delivery_id, "attempt": attempt}
    if retry:
        c.event_queue.send(following, delay_seconds=delay)
        return "retrying"
    if not result.ok:
        c.event_queue.send(following, queue_url=settings.delivery_dlq_url)
        return "failed"
    return "delivered"
