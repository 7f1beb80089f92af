"""Lists on moto's DynamoDB: one page read per page, exact totals from counters, cursors never stale."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from switchboard.container import Container
from switchboard.ids import new_id
from switchboard.scope import Scope
from switchboard.settings import Settings
from switchboard.store.projects import NewProject
from tests.support.dynamo_reads import items_read


class SteppingClock:
    """Wall time the test moves: cursors are cached only from lists that settled (SETTLE_MS)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def settle(self) -> None:
        self.now += timedelta(seconds=5)


class ReadCounter:
    """Items DynamoDB read, from the client's responses (a Query's ScannedCount, a get's items)."""

    def __init__(self) -> None:
        self.items = 0

    def __call__(self, parsed: dict[str, Any], **_: Any) -> None:
        self.items += items_read(parsed)


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def store(settings: Settings, clock: SteppingClock) -> Container:
    return Container(settings, clock=clock)


@pytest.fixture
def owner(store: Container) -> NewProject:
    return store.projects.create("paging")


@pytest.fixture
def reads(store: Container) -> Iterator[ReadCounter]:
    counter = ReadCounter()
    store.dynamodb.meta.events.register("after-call.dynamodb", counter)
    yield counter
    store.dynamodb.meta.events.unregister("after-call.dynamodb", counter)


def _agents(store: Container, project_id: str, n: int, sub: str | None = None) -> list[str]:
    return [store.agents.create(project_id, {"name": f"a{i}", "subAccountId": sub})["id"] for i in range(n)]


def _call(store: Container, project_id: str, agent_id: str, status: str, direction: str = "inbound",
          sub: str | None = None) -> dict[str, Any]:
    call = {"id": new_id("call"), "agentId": agent_id, "phoneNumberId": None, "fromNumber": "+14155550100",
            "toNumber": "+14155550101", "direction": direction, "status": status, "subAccountId": sub}
    return store.calls.create(project_id, call)


def _all(lister: Any, *args: Any) -> list[str]:
    """Every id of a list, read 100 at a time."""
    ids: list[str] = []
    while True:
        items, _, more = lister(*args, 100, len(ids))
        ids += [i["id"] for i in items]
        if not more:
            return ids


def test_sequential_pages_read_one_page_each_and_match_the_whole_list(
        store: Container, owner: NewProject, clock: SteppingClock, reads: ReadCounter) -> None:
    made = _agents(store, owner.project_id, 65)
    clock.settle()
    expected = list(reversed(made))
    seen: list[str] = []
    for offset in (0, 20, 40, 60):
        reads.items = 0
        items, total, more = store.agents.list(owner.project_id, 20, offset)
        assert total == 65
        assert more is (offset + 20 < 65)
        seen += [a["id"] for a in items]
        # the counter item, at most two cursors, and one page of limit + 1: never the items before `offset`
        assert reads.items <= 21 + 3, (offset, reads.items)
    assert seen == expected


def test_a_jump_reads_keys_up_to_the_offset_once_then_one_page(
        store: Container, owner: NewProject, clock: SteppingClock, reads: ReadCounter) -> None:
    made = list(reversed(_agents(store, owner.project_id, 50)))
    clock.settle()
    reads.items = 0
    items, _, _ = store.agents.list(owner.project_id, 10, 33)
    assert [a["id"] for a in items] == made[33:43]
    assert 33 <= reads.items <= 33 + 11 + 3  # keys of the 33 skipped, then the page
    reads.items = 0
    again, _, _ = store.agents.list(owner.project_id, 10, 33)
    assert again == items and reads.items <= 11 + 3  # the cursor it cached on the way


def test_a_cursor_made_before_a_change_is_never_used(store: Container, owner: NewProject,
                                                      clock: SteppingClock) -> None:
    _agents(store, owner.project_id, 30)
    clock.settle()
    store.agents.list(owner.project_id, 10, 0)  # caches the cursor at offset 10
    newest = store.agents.create(owner.project_id, {"name": "new"})["id"]
    oldest_shown = store.agents.list(owner.project_id, 10, 0)[0][-1]["id"]
    clock.settle()
    second, total, _ = store.agents.list(owner.project_id, 10, 10)
    assert total == 31
    everything = _all(store.agents.list, owner.project_id)
    assert everything[0] == newest
    assert [a["id"] for a in second] == everything[10:20]  # offset semantics, not "after the old cursor"
    assert oldest_shown == everything[9]


def test_status_lists_follow_every_status_change_exactly(store: Container, owner: NewProject,
                                                         clock: SteppingClock) -> None:
    agent = _agents(store, owner.project_id, 1)[0]
    calls = [_call(store, owner.project_id, agent, "in-progress", "outbound" if i % 3 else "inbound")
             for i in range(12)]
    for call in calls[:7]:
        store.calls.update(owner.project_id, call["id"], {"status": "completed"})
    store.calls.update(owner.project_id, calls[7]["id"], {"status": "failed"})
    assert store.calls.update(owner.project_id, calls[0]["id"], {"status": "failed"}) is None  # ended: unchanged
    clock.settle()
    by_status: dict[str, list[str]] = {}
    for call in reversed(calls):
        status = store.calls.get(owner.project_id, call["id"])["status"]
        by_status.setdefault(status, []).append(call["id"])
    for status, ids in by_status.items():
        items, total, more = store.calls.list(owner.project_id, 20, 0, status=status)
        assert (total, [c["id"] for c in items], more) == (len(ids), ids, False)
    outbound_done = [i for i in by_status["completed"]
                     if store.calls.get(owner.project_id, i)["direction"] == "outbound"]
    items, total, _ = store.calls.list(owner.project_id, 2, 0, status="completed", direction="outbound")
    assert total == len(outbound_done) and [c["id"] for c in items] == outbound_done[:2]
    assert store.calls.list(owner.project_id, 20, 0)[1] == 12
    assert store.calls.list_for_agent(agent, 5, 10)[1:] == (12, False)


def test_sub_account_lists_count_only_their_own(store: Container, owner: NewProject,
                                                clock: SteppingClock) -> None:
    sub = store.sub_accounts.create(owner.project_id, "s")["id"]
    mine = _agents(store, owner.project_id, 3, sub)
    _agents(store, owner.project_id, 4)
    _call(store, owner.project_id, mine[0], "completed", sub=sub)
    _call(store, owner.project_id, mine[0], "busy", sub=sub)
    _call(store, owner.project_id, mine[0], "completed")
    clock.settle()
    scoped = Scope(owner.project_id, sub)
    assert store.agents.list(scoped, 20, 0)[1] == 3
    assert store.agents.list(owner.project_id, 20, 0)[1] == 7
    items, total, _ = store.calls.list(scoped, 20, 0, status="completed")
    assert total == 1 and items[0]["subAccountId"] == sub
    assert store.calls.list(owner.project_id, 20, 0, status="completed")[1] == 2
    store.agents.delete(scoped, mine[1])
    assert store.agents.list(scoped, 20, 0)[1] == 2 and store.agents.list(owner.project_id, 20, 0)[1] == 6


def test_a_page_past_the_end_reads_nothing_but_the_counter(store: Container, owner: NewProject,
                                                             reads: ReadCounter) -> None:
    _agents(store, owner.project_id, 5)
    reads.items = 0
    assert store.agents.list(owner.project_id, 20, 500) == ([], 5, False)
    assert reads.items <= 1


def test_a_direction_list_merges_its_status_partitions_and_survives_status_changes(
        store: Container, owner: NewProject, clock: SteppingClock, reads: ReadCounter) -> None:
    agent = _agents(store, owner.project_id, 1)[0]
    statuses = ["in-progress", "completed", "busy", "in-progress", "failed", "in-progress"]
    made = [_call(store, owner.project_id, agent, statuses[i % 6], "outbound" if i % 4 else "inbound")
            for i in range(24)]
    outbound = [c["id"] for c in reversed(made) if c["direction"] == "outbound"]
    clock.settle()
    first, total, _ = store.calls.list(owner.project_id, 4, 0, direction="outbound")
    assert total == len(outbound) == 18 and [c["id"] for c in first] == outbound[:4]
    # a call of the next page moves to a status partition that page 1 found empty (and its cursor says so)
    store.calls.update(owner.project_id, outbound[5], {"status": "no-answer"})
    clock.settle()
    seen = [c["id"] for c in first]
    for offset in range(4, 18, 4):
        reads.items = 0
        page, _, more = store.calls.list(owner.project_id, 4, offset, direction="outbound")
        seen += [c["id"] for c in page]
        assert more is (offset + 4 < 18)
        assert reads.items <= 8 * 5 + 3 + offset  # eight status partitions, each asked for a page (a re-walk once)
    assert seen == outbound
