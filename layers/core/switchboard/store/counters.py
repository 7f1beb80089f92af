"""List counters: every list's `total`, moved by the writes that change the list, in their transaction.

Each owner of lists (a project, a sub-account, an agent, a number) has one counter item holding, per
list, `n.<list>` (how many items it has) and `v.<list>` (a version, raised whenever the list gains,
loses or reorders an item). `total` is read from `n.`, and a cached cursor is trusted only while `v.`
is unchanged. `since` marks an item whose counts are complete: set when the owner is created, or by
the backfill for owners older than the counters (lists of those are counted the old way until then).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from switchboard.scope import sub_of
from switchboard.store import keys
from switchboard.store.dynamo import put_op, update_op

SINCE = "since"  # epoch ms when the owner's counts became complete
CHANGED = "at"  # epoch ms of the last change (a cursor is cached only once the indexes have caught up)


def count_attr(name: str) -> str:
    return f"n.{name}"


def version_attr(name: str) -> str:
    return f"v.{name}"


@dataclass(frozen=True)
class Counter:
    """Where a list's total and version live: `total` is the sum of `names`' counts."""

    owner: str
    names: tuple[str, ...]
    version: str

    def total(self, counts: Mapping[str, Any]) -> int:
        return sum(int(counts.get(count_attr(n), 0)) for n in self.names)

    def version_of(self, counts: Mapping[str, Any]) -> int:
        return int(counts.get(version_attr(self.version), 0))


def change_op(owner: str, deltas: Mapping[str, int], now_ms: int, moved: Iterable[str] = ()) -> dict[str, Any]:
    """A transaction Update adding `deltas` to the owner's counts; each list named gets a new version.

    `moved` names lists whose order changed without a count changing (an item moved within them).
    """
    add: dict[str, int] = {count_attr(name): delta for name, delta in deltas.items() if delta}
    add |= {version_attr(name): 1 for name in {*deltas, *moved}}
    return update_op(keys.counts_pk(owner), keys.COUNTS_SK, add=add, set_={CHANGED: now_ms})


def created_item(owner: str, counts: Mapping[str, int], now_ms: int) -> dict[str, Any]:
    """The counter item of a new owner: complete from the start, so its lists never need a backfill."""
    return {"pk": keys.counts_pk(owner), "sk": keys.COUNTS_SK, "kind": "counts", SINCE: now_ms, CHANGED: now_ms,
            **{count_attr(name): n for name, n in counts.items()}}


def create_op(owner: str, counts: Mapping[str, int], now_ms: int) -> dict[str, Any]:
    return put_op(created_item(owner, counts, now_ms))


def calls_deltas(status: str, direction: str, delta: int) -> dict[str, int]:
    """A scope's call counts a call of this status and direction is in: all, by status, direction, both."""
    return {"calls": delta, f"calls.s.{status}": delta, f"calls.d.{direction}": delta,
            f"calls.s.{status}.d.{direction}": delta}


def calls_moved(old: str, new: str, direction: str) -> dict[str, int]:
    """A call's status change, in its scope's counts (the all-calls and direction counts stay)."""
    return {f"calls.s.{old}": -1, f"calls.s.{old}.d.{direction}": -1,
            f"calls.s.{new}": 1, f"calls.s.{new}.d.{direction}": 1}


def scope_ops(project_id: str, sub_account_id: str | None, deltas: Mapping[str, int], now_ms: int,
              moved: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The counter changes of an item of the project that may belong to a sub-account: it is in both lists."""
    owners = [keys.scope_owner(project_id)] + ([keys.scope_owner(project_id, sub_account_id)] if sub_account_id
                                               else [])
    return [change_op(owner, deltas, now_ms, moved) for owner in owners]


def scope_counter(project_id: str, name: str, *names: str) -> Counter:
    """The counter of a list as a request's scope (the project, or the sub-account it is confined to) sees it."""
    return Counter(keys.scope_owner(project_id, sub_of(project_id)), names or (name,), name)


def epoch_ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)
