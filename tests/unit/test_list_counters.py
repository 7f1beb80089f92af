"""The counter arithmetic lists' totals rely on, and the backfill's count of old items."""

from __future__ import annotations

from collections import Counter as Tally
from pathlib import Path

from switchboard.store import keys
from switchboard.store.backfill import tally
from switchboard.store.counters import Counter, calls_deltas, calls_moved, change_op, count_attr
from switchboard.store.schema import table_definition

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def _apply(counts: Tally[str], deltas: dict[str, int]) -> None:
    for name, delta in deltas.items():
        counts[count_attr(name)] += delta


def test_a_status_change_moves_only_the_status_counts() -> None:
    counts: Tally[str] = Tally()
    _apply(counts, calls_deltas("queued", "outbound", 1))
    _apply(counts, calls_deltas("in-progress", "inbound", 1))
    _apply(counts, calls_moved("queued", "completed", "outbound"))
    _apply(counts, calls_moved("in-progress", "completed", "inbound"))
    assert Counter("p", ("calls",), "calls").total(counts) == 2
    assert Counter("p", ("calls.s.completed",), "calls.s.completed").total(counts) == 2
    assert Counter("p", ("calls.s.queued",), "calls.s.queued").total(counts) == 0
    assert Counter("p", ("calls.d.outbound",), "calls").total(counts) == 1
    assert Counter("p", ("calls.s.completed.d.inbound",), "calls.s.completed").total(counts) == 1


def test_every_list_a_write_touches_gets_a_new_version() -> None:
    op = change_op("PROJECT#p", calls_moved("queued", "failed", "web"), 7)["Update"]
    names = set(op["ExpressionAttributeNames"].values())
    assert {"v.calls.s.queued", "v.calls.s.failed", "n.calls.s.queued", "n.calls.s.failed"} <= names
    assert "v.calls" not in names  # the all-calls list kept its order: its cursors stay good
    moved = change_op("PROJECT#p", {}, 7, moved=["apiKeys"])["Update"]
    assert set(moved["ExpressionAttributeNames"].values()) == {"v.apiKeys", "at"}


def test_tally_counts_old_items_as_the_writes_would_have() -> None:
    items = [
        {"kind": "agent", "id": "a1", "subAccountId": "s1"},
        {"kind": "agent", "id": "a2"},
        {"kind": "number", "id": "n1", "status": "active", "subAccountId": "s1"},
        {"kind": "number", "id": "n2", "status": "released"},
        {"kind": "subaccount", "id": "s1"},
        {"kind": "call", "status": "completed", "direction": "inbound", "agentId": "a1", "phoneNumberId": "n1",
         "gsi1pk": "AGENT#a1", "gsi2pk": "NUMBER#n1", "subAccountId": "s1"},
        {"kind": "call", "status": "busy", "direction": "outbound", "agentId": "a2", "gsi1pk": "AGENT#a2"},
        {"kind": "conversation", "gsi2pk": "AGENTCONV#a2"},
        {"kind": "convkey"}, {"kind": "delivery"},
    ]
    out = tally("p", items, api_keys=2)
    project, sub = keys.scope_owner("p"), keys.scope_owner("p", "s1")
    assert out[project] == Tally({"agents": 2, "numbers": 1, "subAccounts": 1, "apiKeys": 2, "conversations": 1,
                                  **calls_deltas("completed", "inbound", 1), **calls_deltas("busy", "outbound", 1),
                                  "calls": 2})
    assert out[sub] == Tally({"agents": 1, "numbers": 1, **calls_deltas("completed", "inbound", 1)})
    assert out["AGENT#a1"] == Tally({"calls": 1}) and out["AGENT#a2"] == Tally({"calls": 1, "conversations": 1})
    assert out["NUMBER#n1"] == Tally({"calls": 1}) and out["NUMBER#n2"] == Tally()


def test_local_tables_get_every_index_a_new_stack_gets() -> None:
    table = table_definition(TEMPLATE)
    names = {i["IndexName"] for i in table["GlobalSecondaryIndexes"]}
    defined = {a["AttributeName"] for a in table["AttributeDefinitions"]}
    assert {"gsi5", "gsi6"} <= names and {"gsi5pk", "gsi5sk", "gsi6pk", "gsi6sk"} <= defined
    assert not any("If" in i or "Ref" in i for i in table["GlobalSecondaryIndexes"])
