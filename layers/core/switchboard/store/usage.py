"""Usage counters: atomic ADDs per project and UTC day, per agent and day, and per number.

Reports read these counters with key-range Queries; nothing ever scans calls or messages.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from switchboard.clock import Clock, utcnow
from switchboard.scope import sub_of
from switchboard.store import keys
from switchboard.store.dynamo import Table, strip_keys

TOTALS_SK = "TOTALS"
COUNTERS = ("calls", "messages", "webhooks", "webhooksSuccess", "webhooksFailed", "callSeconds")


class UsageRepo:
    def __init__(self, table: Table, clock: Clock = utcnow) -> None:
        self.table = table
        self.clock = clock

    def add(self, project_id: str, *, day: str | None = None, calls: int = 0, messages: int = 0, webhooks: int = 0,
            webhooks_success: int = 0, webhooks_failed: int = 0, call_seconds: int = 0,
            agent_id: str | None = None, number_id: str | None = None, sub_account_id: str | None = None) -> None:
        """Count activity; each counter item touched gets one atomic UpdateItem.

        Activity of a sub-account is counted twice: in the project's counters and in the sub-account's own.
        """
        counts = {"calls": calls, "messages": messages, "webhooks": webhooks, "webhooksSuccess": webhooks_success,
                  "webhooksFailed": webhooks_failed, "callSeconds": call_seconds}
        counts = {k: v for k, v in counts.items() if v}
        if not counts:
            return
        day = day or self.clock().date().isoformat()
        sub = sub_of(project_id) or sub_account_id
        for pk in (keys.usage_pk(project_id), *([_pk(project_id, sub)] if sub else [])):
            self._add(pk, day, counts, agent_id, number_id)

    def _add(self, pk: str, day: str, counts: dict[str, int], agent_id: str | None, number_id: str | None) -> None:
        self.table.update(pk, keys.usage_day_sk(day), add=counts, set_={"date": day})
        self.table.update(pk, TOTALS_SK, add=counts)
        if agent_id:
            self.table.update(pk, keys.usage_agent_day_sk(agent_id, day), add=counts,
                              set_={"date": day, "agentId": agent_id})
        if number_id:
            self.table.update(pk, keys.usage_number_sk(number_id), add=counts, set_={"numberId": number_id})

    def days(self, project_id: str, start: date, end: date) -> dict[str, dict[str, int]]:
        """Counters of each day in [start, end] that had activity, by ISO date."""
        items = self.table.query(_pk(project_id),
                                 between=(keys.usage_day_sk(start.isoformat()), keys.usage_day_sk(end.isoformat())))
        return {i["date"]: _counts(i) for i in items}

    def agent_days(self, project_id: str, start: date, end: date) -> dict[str, dict[str, int]]:
        """Per agent, the sum of its day counters in [start, end]."""
        totals: dict[str, dict[str, int]] = {}
        low, high = f"AGENTDAY#{start.isoformat()}", f"AGENTDAY#{end.isoformat()}#~"
        for item in self.table.query(_pk(project_id), between=(low, high)):
            bucket = totals.setdefault(item["agentId"], dict.fromkeys(COUNTERS, 0))
            for k, v in _counts(item).items():
                bucket[k] += v
        return totals

    def numbers(self, project_id: str) -> dict[str, dict[str, int]]:
        items = self.table.query(_pk(project_id), prefix="NUMBER#")
        return {i["numberId"]: _counts(i) for i in items}

    def totals(self, project_id: str) -> dict[str, int]:
        return _counts(self.table.get(_pk(project_id), TOTALS_SK) or {})


def _pk(project_id: str, sub: str | None = None) -> str:
    """The usage partition a scope reads: the project's, or its sub-account's own copy."""
    return keys.usage_pk(project_id) + keys.sub_suffix(sub or sub_of(project_id))


def _counts(item: dict[str, Any]) -> dict[str, int]:
    plain = strip_keys(item)
    return {k: int(plain.get(k, 0)) for k in COUNTERS}
