"""One-off, idempotent upgrade of a table made before list counters: state keys, then counters.

Per project: read its partition (consistently), give calls and active numbers their state-index keys
(gsi5/gsi6; each write conditioned on the status it was read with), count every list, and write each
owner's counter item with `since` (from then on its lists use counters and cursors). A counter item
is written only if none of its lists changed while they were being counted (their versions, which
every write raises, are the ones read before): otherwise the project is read again. Owners already
complete (`since`: created after the upgrade, or a previous run) are left alone, so a second run
writes nothing. Run it after the deploy that brings the code and the indexes (README, "Updating").
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from switchboard.clock import Clock, utcnow
from switchboard.store import counters, keys
from switchboard.store.calls import state_keys
from switchboard.store.dynamo import Expr, Table, deserialize, is_conditional_failure, serialize
from switchboard.store.numbers import active_keys

ATTEMPTS = 5
# Item kinds in a project's partition that lists count, and the list each is in.
COUNTED_KINDS = {"agent": "agents", "contact": "contacts", "subaccount": "subAccounts", "siptrunk": "sipTrunks",
                 "feedback": "feedback", "conversation": "conversations"}


@dataclass
class Report:
    projects: int = 0
    keys_set: int = 0
    owners_built: int = 0
    retries: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # owner -> counts written


class Backfill:
    def __init__(self, table: Table, clock: Clock = utcnow) -> None:
        self.table = table
        self.clock = clock

    def run(self, project_ids: list[str] | None = None) -> Report:
        report = Report()
        for project_id in project_ids or list(self._projects()):
            self.project(project_id, report)
            report.projects += 1
        return report

    def _projects(self) -> Iterator[str]:
        """Every project, by its record (a one-off operator scan; no request path scans)."""
        expr = Expr()
        request = expr.apply({"TableName": self.table.name, "FilterExpression":
                              f"{expr.name('kind')} = {expr.value('project')}"})
        while True:
            resp = self.table.client.scan(**request)
            for raw in resp.get("Items", []):
                yield str(deserialize(raw)["id"])
            if not resp.get("LastEvaluatedKey"):
                return
            request["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def project(self, project_id: str, report: Report) -> None:
        for _ in range(ATTEMPTS):
            before = self._counter_items(project_id)
            items = self._partition(project_id)
            report.keys_set += self._set_state_keys(project_id, items)
            tallies = tally(project_id, items, self._api_keys(project_id))
            if self._write(tallies, before, report):
                return
            report.retries += 1
        raise RuntimeError(f"project {project_id} kept changing while it was counted; run the backfill again")

    def _partition(self, project_id: str) -> list[dict[str, Any]]:
        request: dict[str, Any] = {"TableName": self.table.name, "ConsistentRead": True,
                                   "KeyConditionExpression": "pk = :pk",
                                   "ExpressionAttributeValues": serialize({":pk": keys.project_pk(project_id)})}
        found: list[dict[str, Any]] = []
        while True:
            resp = self.table.client.query(**request)
            found.extend(deserialize(raw) for raw in resp.get("Items", []))
            if not resp.get("LastEvaluatedKey"):
                return found
            request["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def _api_keys(self, project_id: str) -> int:
        return self.table.count(keys.api_keys_index_pk(project_id), index="gsi1", prefix="APIKEY#")

    def _counter_items(self, project_id: str) -> dict[str, dict[str, Any]]:
        """Every counter item of the project's owners, as they are now (read before the partition)."""
        found_owners = (_owner_of(i) for i in self.table.query(keys.project_pk(project_id)))
        owners = [keys.scope_owner(project_id)] + [o for o in found_owners if o]
        found = self.table.batch_get([(keys.counts_pk(o), keys.COUNTS_SK) for o in owners], consistent=True)
        return {i["pk"]: i for i in found}

    def _set_state_keys(self, project_id: str, items: list[dict[str, Any]]) -> int:
        """Set missing state-index keys, each conditioned on the status it was read with."""
        written = 0
        for item in items:
            wanted = _wanted_state_keys(project_id, item)
            if not wanted or all(item.get(k) == v for k, v in wanted.items()):
                continue
            expr = Expr()
            try:
                self.table.update(item["pk"], item["sk"], set_=wanted, expr=expr,
                                  condition=f"{expr.name('status')} = {expr.value(item['status'])}")
                written += 1
            except ClientError as exc:
                if not is_conditional_failure(exc):
                    raise  # a status changed meanwhile: the write that changed it set the keys
        return written

    def _write(self, tallies: dict[str, Tally[str]], before: dict[str, dict[str, Any]], report: Report) -> bool:
        """Write every incomplete owner's counts, unless one of its lists changed since `before` was read."""
        for owner, counts in tallies.items():
            pk = keys.counts_pk(owner)
            old = before.get(pk, {})
            if counters.SINCE in old:
                continue
            names = set(counts) | {a[2:] for a in old if a.startswith("n.")}
            expr = Expr()
            held = [_unchanged(expr, counters.version_attr(n), old) for n in sorted(names)]
            held.append(f"attribute_not_exists({expr.name(counters.SINCE)})")
            now = counters.epoch_ms(self.clock())
            set_ = {counters.count_attr(n): counts.get(n, 0) for n in names} | {
                counters.SINCE: now, counters.CHANGED: now, "kind": "counts"}
            try:
                self.table.update(pk, keys.COUNTS_SK, set_=set_, condition=" AND ".join(held), expr=expr)
            except ClientError as exc:
                if not is_conditional_failure(exc):
                    raise
                return False
            report.owners_built += 1
            report.counts[owner] = dict(counts)
        return True


def _unchanged(expr: Expr, attr: str, old: dict[str, Any]) -> str:
    """A condition: `attr` is what it was in `old` (absent if it was absent)."""
    if attr in old:
        return f"{expr.name(attr)} = {expr.value(old[attr])}"
    return f"attribute_not_exists({expr.name(attr)})"


def _owner_of(item: dict[str, Any]) -> str | None:
    """The list owner an item of a project's partition is (agents, numbers, sub-accounts own lists)."""
    kind = item.get("kind")
    if kind == "agent":
        return keys.agent_index_pk(item["id"])
    if kind == "number":
        return keys.number_index_pk(item["id"])
    if kind == "subaccount":
        return keys.scope_owner("", item["id"])
    return None


def _wanted_state_keys(project_id: str, item: dict[str, Any]) -> dict[str, str]:
    if item.get("kind") == "call":
        return state_keys(project_id, item.get("subAccountId"), item["status"], item["direction"], item["sk"])
    if item.get("kind") == "number" and item.get("status") == "active":
        return active_keys(project_id, item.get("subAccountId"), item["sk"])
    return {}


def tally(project_id: str, items: list[dict[str, Any]], api_keys: int) -> dict[str, Tally[str]]:
    """Every owner's counts, from the project's items, as the writes would have kept them."""
    project = keys.scope_owner(project_id)
    out: dict[str, Tally[str]] = {project: Tally({"apiKeys": api_keys})}
    for item in items:
        owner = _owner_of(item)
        if owner:
            out.setdefault(owner, Tally())
    for item in items:
        scopes = [project] + ([keys.scope_owner(project_id, item["subAccountId"])] if item.get("subAccountId")
                              else [])
        for name, n in _lists_of(item).items():
            for scope in scopes:
                out.setdefault(scope, Tally())[name] += n
        for owner, name in _owned_lists_of(item):
            out.setdefault(owner, Tally())[name] += 1
    return out


def _lists_of(item: dict[str, Any]) -> dict[str, int]:
    kind = item.get("kind")
    if kind == "call":
        return counters.calls_deltas(item["status"], item["direction"], 1)
    if kind == "number":
        return {"numbers": 1} if item.get("status") == "active" else {}
    name = COUNTED_KINDS.get(str(kind))
    return {name: 1} if name else {}


def _owned_lists_of(item: dict[str, Any]) -> list[tuple[str, str]]:
    """The agent's and number's own lists an item is in (calls by agent and number, an agent's conversations)."""
    if item.get("kind") == "call":
        return ([(keys.agent_index_pk(item["agentId"]), "calls")] if item.get("gsi1pk") else []) + (
            [(keys.number_index_pk(item["phoneNumberId"]), "calls")] if item.get("gsi2pk") else [])
    if item.get("kind") == "conversation" and str(item.get("gsi2pk", "")).startswith("AGENTCONV#"):
        return [(keys.agent_index_pk(item["gsi2pk"].split("#", 1)[1]), "conversations")]
    return []
