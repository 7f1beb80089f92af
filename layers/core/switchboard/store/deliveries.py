"""Webhook deliveries: one record per event, updated on every attempt; all-time totals kept atomically."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from switchboard.clock import Clock, iso, utcnow
from switchboard.ids import new_id, time_part
from switchboard.scope import index_keys, list_source, owner, sub_of, visible
from switchboard.store import keys
from switchboard.store.dynamo import Table, strip_keys

RETENTION_DAYS = 30
TOTALS_SK = "DELIVERYTOTALS"
Totals = tuple[str, str, dict[str, int]]  # (pk, sk, counts to add)


class DeliveryRepo:
    def __init__(self, table: Table, clock: Clock = utcnow) -> None:
        self.table = table
        self.clock = clock

    def start(self, project_id: str, *, agent_id: str | None, event_type: str, channel: str | None, url: str,
              message_id: str | None = None, sub_account_id: str | None = None,
              delivery_id: str | None = None) -> dict[str, Any]:
        """A new delivery record; with `delivery_id` (an event's own, named when it was queued) the record is
        made once however often the event is handled (a worker that died mid-delivery, SQS redelivery)."""
        if delivery_id is not None:
            existing = self.table.get(keys.project_pk(project_id), keys.delivery_sk(delivery_id), consistent=True)
            if existing is not None:
                return strip_keys(existing)
        now = self.clock()
        delivery = {"id": delivery_id or new_id("dlv"), "messageId": message_id, "eventType": event_type,
                    "channel": channel, "status": "pending", "httpStatus": None, "errorMessage": None,
                    "responseBody": None,
                    "attemptCount": 0, "lastAttemptAt": None, "nextRetryAt": None, "createdAt": iso(now),
                    "agentId": agent_id, "url": url, "durationMs": None}
        item = {"pk": keys.project_pk(project_id), "sk": keys.delivery_sk(delivery["id"]), "kind": "delivery",
                "ttl": int((now + timedelta(days=RETENTION_DAYS)).timestamp()), **delivery}
        self._put(project_id, item, sub_account_id, {"total": 1})
        return delivery

    def _put(self, project_id: str, item: dict[str, Any], sub_account_id: str | None, counts: dict[str, int]) -> None:
        """Store a new delivery (indexed by agent and sub-account) and count it in the totals it belongs to."""
        sub = self._indexed(project_id, item, sub_account_id)
        self.table.put(item)
        self._count(project_id, sub, counts)

    @staticmethod
    def _indexed(project_id: str, item: dict[str, Any], sub_account_id: str | None) -> str | None:
        """Add the agent and sub-account index keys to a new delivery's `item`; returns its sub-account."""
        sub = owner(project_id, {"subAccountId": sub_account_id})
        if item.get("agentId"):
            item |= {"gsi1pk": keys.agent_index_pk(item["agentId"]), "gsi1sk": item["sk"]}
        item |= {"subAccountId": sub, **index_keys(sub, item["sk"])}
        return sub

    @staticmethod
    def _totals(project_id: str, sub: str | None, counts: dict[str, int]) -> list[Totals]:
        """The totals items (the project's, and its sub-account's) a delivery counts in."""
        return [(keys.project_pk(project_id), totals_sk, counts)
                for totals_sk in (TOTALS_SK, *([TOTALS_SK + keys.sub_suffix(sub)] if sub else []))]

    def _count(self, project_id: str, sub: str | None, counts: dict[str, int]) -> None:
        self._add(self._totals(project_id, sub, counts))

    def _add(self, totals: list[Totals]) -> None:
        for pk, sk, counts in totals:
            self.table.update(pk, sk, add=counts)

    def attempt(self, project_id: str, delivery_id: str, *, ok: bool, http_status: int | None,
                error_message: str | None, response_body: str | None, duration_ms: int,
                next_retry_at: str | None) -> dict[str, Any]:
        """Record one attempt; without a next retry the delivery is final (success or failed)."""
        status = "success" if ok else ("pending" if next_retry_at else "failed")
        item = self.table.update(
            keys.project_pk(project_id), keys.delivery_sk(delivery_id), add={"attemptCount": 1},
            set_={"status": status, "httpStatus": http_status, "errorMessage": error_message,
                  "responseBody": response_body, "durationMs": duration_ms, "lastAttemptAt": iso(self.clock()),
                  "nextRetryAt": next_retry_at},
        )
        if status != "pending":
            self._count(project_id, item.get("subAccountId"), {status: 1})
        return strip_keys(item)

    def record(self, project_id: str, agent_id: str | None, event_type: str, channel: str | None, url: str,
               status: str, http_status: int | None, error_message: str | None, response_body: str | None,
               duration_ms: int, attempt_count: int = 1, message_id: str | None = None,
               sub_account_id: str | None = None) -> dict[str, Any]:
        """A delivery made in one go (voice turns, test sends): one put and one totals update.

        Voice turns record one per turn on the relay's hot path, so this skips the pending state.
        """
        delivery, item, totals = self.record_writes(project_id, agent_id, event_type, channel, url, status,
                                                    http_status, error_message, response_body, duration_ms,
                                                    attempt_count, message_id, sub_account_id)
        self.table.put(item)
        self._add(totals)
        return delivery

    def record_writes(self, project_id: str, agent_id: str | None, event_type: str, channel: str | None, url: str,
                      status: str, http_status: int | None, error_message: str | None, response_body: str | None,
                      duration_ms: int, attempt_count: int = 1, message_id: str | None = None,
                      sub_account_id: str | None = None) -> tuple[dict[str, Any], dict[str, Any], list[Totals]]:
        """What `record` writes, for a writer that batches them: the delivery, its item, the totals it adds to."""
        now = self.clock()
        delivery = {"id": new_id("dlv"), "messageId": message_id, "eventType": event_type, "channel": channel,
                    "status": status, "httpStatus": http_status, "errorMessage": error_message,
                    "responseBody": response_body, "attemptCount": attempt_count, "lastAttemptAt": iso(now),
                    "nextRetryAt": None, "createdAt": iso(now), "agentId": agent_id, "url": url,
                    "durationMs": duration_ms}
        item = {"pk": keys.project_pk(project_id), "sk": keys.delivery_sk(delivery["id"]), "kind": "delivery",
                "ttl": int((now + timedelta(days=RETENTION_DAYS)).timestamp()), **delivery}
        sub = self._indexed(project_id, item, sub_account_id)
        return delivery, item, self._totals(project_id, sub, {"total": 1, status: 1})

    def get(self, project_id: str, delivery_id: str) -> dict[str, Any] | None:
        item = self.table.get(keys.project_pk(project_id), keys.delivery_sk(delivery_id))
        return strip_keys(item) if item and visible(project_id, item) else None

    def _window(self, project_id: str, hours: int | None) -> Any:
        pk, index = list_source(project_id)
        if hours is None:
            return self.table.query(pk, index=index, prefix="DELIVERY#")
        since = self.clock() - timedelta(hours=hours)
        low = keys.delivery_sk("dlv_" + time_part(since))
        return self.table.query(pk, index=index, between=(low, "DELIVERY#~"))

    def list(self, project_id: str, limit: int, offset: int, hours: int | None) -> tuple[list[dict[str, Any]], int]:
        items = [strip_keys(i) for i in self._window(project_id, hours)]
        return items[offset:offset + limit], len(items)

    def list_for_agent(self, agent_id: str, limit: int) -> list[dict[str, Any]]:
        items = self.table.query(keys.agent_index_pk(agent_id), index="gsi1", prefix="DELIVERY#", limit=limit)
        return [strip_keys(i) for i in items]

    def in_window(self, project_id: str, hours: int) -> list[dict[str, Any]]:
        return [strip_keys(i) for i in self._window(project_id, hours)]

    def totals(self, project_id: str) -> dict[str, int]:
        item = self.table.get(keys.project_pk(project_id), TOTALS_SK + keys.sub_suffix(sub_of(project_id))) or {}
        return {k: int(item.get(k, 0)) for k in ("total", "success", "failed")}
