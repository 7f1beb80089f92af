"""The upgrade of a table made before list counters: lists stay right before, during and after the backfill."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from typing import Any

import httpx

from switchboard import cli
from switchboard.container import Container
from switchboard.ids import new_id
from switchboard.models.agent import AgentCreate
from switchboard.scope import Scope
from switchboard.services import agents as agent_service
from switchboard.store import keys
from switchboard.store.backfill import Backfill, Report, tally
from switchboard.store.dynamo import deserialize
from switchboard.store.projects import NewProject

STATE_KEYS = ["gsi5pk", "gsi5sk", "gsi6pk", "gsi6sk"]


def _scan(container: Container) -> list[dict[str, Any]]:
    items, request = [], {"TableName": container.table.name}
    while True:
        resp = container.dynamodb.scan(**request)
        items += [deserialize(i) for i in resp["Items"]]
        if not resp.get("LastEvaluatedKey"):
            return items
        request["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def _age(container: Container) -> None:
    """Make the table look as a deployment before the counters left it: no counter or cursor items, no state keys."""
    for item in _scan(container):
        if item["pk"].startswith(("COUNTS#", "CURSOR#")):
            container.table.delete(item["pk"], item["sk"])
        elif any(k in item for k in STATE_KEYS):
            container.table.update(item["pk"], item["sk"], remove=[k for k in STATE_KEYS if k in item])


def _seed(container: Container, project_id: str, sub: str) -> dict[str, list[str]]:
    agents = [agent_service.create(container, Scope(project_id, sub) if i % 2 else project_id,
                                   AgentCreate(name=f"a{i}")) for i in range(5)]
    calls = []
    for i in range(14):
        agent = agents[i % 5]
        call = container.calls.create(project_id, {
            "id": new_id("call"), "agentId": agent["id"], "phoneNumberId": None, "phoneNumber": "+14155550101",
            "fromNumber": "+14155550100", "toNumber": "+14155550101", "startedAt": "2026-05-01T12:00:00Z",
            "direction": ("inbound", "outbound", "web")[i % 3], "status": "in-progress",
            "subAccountId": agent["subAccountId"]})
        if i % 4:
            container.calls.update(project_id, call["id"], {"status": ("completed", "failed", "busy")[i % 3]})
        calls.append(call["id"])
    return {"agents": [a["id"] for a in agents], "calls": calls}


def _lists(api: httpx.Client, sub: str, agent_id: str) -> dict[str, Any]:
    """What a client sees of every list touched here: totals, ids, hasMore."""
    seen = {}
    for name, path, params, headers in [
        ("agents", "/v1/agents", {}, {}),
        ("calls", "/v1/calls", {}, {}),
        ("completed", "/v1/calls", {"status": "completed"}, {}),
        ("in-progress web", "/v1/calls", {"status": "in-progress", "direction": "web"}, {}),
        ("outbound", "/v1/calls", {"direction": "outbound"}, {}),
        ("sub calls", "/v1/calls", {}, {"X-Sub-Account-Id": sub}),
        ("sub failed", "/v1/calls", {"status": "failed"}, {"X-Sub-Account-Id": sub}),
        ("sub agents", "/v1/agents", {}, {"X-Sub-Account-Id": sub}),
        ("agent calls", f"/v1/agents/{agent_id}/calls", {}, {}),
        ("sub-accounts", "/v1/sub-accounts", {}, {}),
        ("api keys", "/v1/api-keys", {}, {}),
    ]:
        for offset in (0, 3):
            body = api.get(path, params={**params, "limit": 3, "offset": offset}, headers=headers).json()
            seen[f"{name}@{offset}"] = (body["total"], [i["id"] for i in body["data"]], body["hasMore"])
    return seen


def test_backfill_builds_counters_and_keys_on_old_items_and_changes_no_answer(
        container: Container, project: NewProject, api: httpx.Client) -> None:
    sub = container.sub_accounts.create(project.project_id, "old sub")["id"]
    made = _seed(container, project.project_id, sub)
    answers = _lists(api, sub, made["agents"][0])
    _age(container)
    assert _lists(api, sub, made["agents"][0]) == answers  # before the backfill: read the old way

    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["backfill-lists"], container=container) == 0
    first = json.loads(out.getvalue())
    assert first["projects"] == 1 and first["keysSet"] == 14 + 0  # every call (no numbers here)
    assert first["ownersBuilt"] == 1 + 1 + 5  # the project, its sub-account, each agent
    assert _lists(api, sub, made["agents"][0]) == answers

    calls = [i for i in _scan(container) if i.get("kind") == "call"]
    assert all(c["gsi5pk"] == keys.call_state_index_pk(project.project_id, c["status"], c["direction"]) for c in calls)
    assert all(("gsi6pk" in c) == bool(c.get("subAccountId")) for c in calls)
    counts = container.table.get(keys.counts_pk(keys.scope_owner(project.project_id)), keys.COUNTS_SK)
    assert counts is not None and counts["n.calls"] == 14 and counts["n.agents"] == 5 and "since" in counts

    again = Backfill(container.table, container.clock).run()
    assert (again.keys_set, again.owners_built) == (0, 0)  # idempotent: nothing left to write

    # after the upgrade, writes keep the totals exact
    container.calls.update(project.project_id, made["calls"][0], {"status": "completed"})
    body = api.get("/v1/calls", params={"status": "completed", "limit": 50}).json()
    expected = sum(1 for c in _scan(container) if c.get("kind") == "call" and c["status"] == "completed")
    assert body["total"] == len(body["data"]) == expected


def test_backfill_writes_no_counter_a_write_changed_while_it_was_counting(
        container: Container, project: NewProject) -> None:
    made = _seed(container, project.project_id, container.sub_accounts.create(project.project_id, "s")["id"])
    _age(container)
    backfill = Backfill(container.table, container.clock)
    before = backfill._counter_items(project.project_id)
    items = backfill._partition(project.project_id)
    container.calls.update(project.project_id, made["calls"][0], {"status": "completed"})  # lands mid-count
    assert backfill._write(tally(project.project_id, items, 1), before, report := Report()) is False
    counts = container.table.get(keys.counts_pk(keys.scope_owner(project.project_id)), keys.COUNTS_SK) or {}
    assert "since" not in counts and report.owners_built == 0
    done = backfill.run([project.project_id])  # read again: now it holds
    assert done.owners_built >= 1
    counts = container.table.get(keys.counts_pk(keys.scope_owner(project.project_id)), keys.COUNTS_SK) or {}
    completed = sum(1 for i in _scan(container) if i.get("kind") == "call" and i["status"] == "completed")
    assert counts["n.calls.s.completed"] == completed

