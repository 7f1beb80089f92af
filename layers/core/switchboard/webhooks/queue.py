"""The event queue: events other than voice turns (agent.call_ended, SMS agent.message, our extras) wait here."""

from __future__ import annotations

import json
from typing import Any

from switchboard.clock import iso, utcnow
from switchboard.ids import new_id


class SqsEventQueue:
    def __init__(self, sqs_client: Any, queue_url: str | None) -> None:
        self.sqs = sqs_client
        self.queue_url = queue_url

    def publish(self, project_id: str, event_type: str, data: dict[str, Any], agent_id: str | None = None,
                channel: str | None = None, extra: dict[str, Any] | None = None) -> None:
        """Enqueue an event; its delivery (signing, POST, retries) happens in functions/deliveries.

        `extra` holds envelope fields beyond the shared ones (an SMS agent.message's `recentHistory`).
        """
        # The delivery id (the X-Webhook-Id) is the event's from the start, so a worker that dies mid-delivery
        # and SQS's redelivery send it again under the same id: at least once, never as a different event.
        message = {"projectId": project_id, "agentId": agent_id, "event": event_type, "channel": channel,
                   "data": data, "occurredAt": iso(utcnow()), "attempt": 0, "deliveryId": new_id("dlv")}
        if extra:
            message["extra"] = extra
        self.send(message)

    def send(self, message: dict[str, Any], delay_seconds: int = 0, queue_url: str | None = None) -> None:
        url = queue_url or self.queue_url
        if not url:
            raise RuntimeError("No delivery queue is configured (SWITCHBOARD_DELIVERY_QUEUE_URL).")
        self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(message, default=str),
                              DelaySeconds=max(0, min(900, delay_seconds)))
