"""Offset pages at the cost of one page: cached cursors, and totals from counters.

DynamoDB has no OFFSET, so page `offset` starts where a cursor says: the key of the item just before
it (DynamoDB's ExclusiveStartKey), cached in the table per (owner, list, offset) when a page ends.
Paging offset=0, 20, 40, ... reads one page (limit + 1 items) each. A cursor is trusted only while
the list's version (on its counter item) is the one it was made under, so a list that gained, lost
or reordered an item since is never served stale. Without one, the page is reached by reading keys
only from the nearest cursor of the same version (or the list's start), at most `offset` keys, and
the cursor it reaches is cached for the next time.
`total` is the counter's, never a count of items; a list whose counters are not built yet (a
deployment before its backfill) is read and counted the old way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from switchboard.clock import Clock, utcnow
from switchboard.store import keys
from switchboard.store.counters import CHANGED, SINCE, Counter
from switchboard.store.dynamo import Expr, Table

Filter = Callable[[Expr], str]
Page = tuple[list[dict[str, Any]], int, bool]
CURSOR_TTL_S = 3600
SETTLE_MS = 2000  # a list changed this recently may not be in its index yet: no cursor is cached from it
SKIP_CHUNK = 1000


@dataclass(frozen=True)
class Source:
    """Where a list's items are, newest first: one partition of the table or of an index."""

    pk: str
    index: str | None = None
    prefix: str | None = None
    filter_: Filter | None = None

    def key_of(self, item: dict[str, Any]) -> dict[str, str]:
        """The item's key as DynamoDB gives it in LastEvaluatedKey for this source."""
        names = ("pk", "sk") + ((f"{self.index}pk", f"{self.index}sk") if self.index else ())
        return {n: item[n] for n in names}

    def page(self, table: Table, limit: int, start: dict[str, str] | None,
             keys_only: bool = False) -> tuple[list[dict[str, Any]], dict[str, str] | None]:
        expr = Expr()
        filter_ = self.filter_(expr) if self.filter_ else None
        return table.query_page(self.pk, limit=limit, index=self.index, prefix=self.prefix, start=start,
                                filter_=filter_, expr=expr, keys_only=keys_only)


@dataclass(frozen=True)
class ListSpec:
    """One list: its name among its owner's lists (with its filter), its items, its counter.

    `legacy` is where the list was read before the counters' backfill (e.g. status lists: the whole
    partition, filtered); `counter=None` lists (free-text search) are always read and counted.
    `cursors=False` for lists ordered by activity (conversations): every message reorders them, so a
    cursor would rarely live to be used; their pages read `offset + limit + 1` items, counted still.
    """

    name: str
    source: Source
    counter: Counter | None
    legacy: Source | None = None
    cursors: bool = True


class Lister:
    def __init__(self, table: Table, clock: Clock = utcnow) -> None:
        self.table = table
        self.clock = clock

    def page(self, spec: ListSpec, limit: int, offset: int) -> Page:
        if spec.counter is None:
            return self._read_all(spec.source, limit, offset)
        counts, exact, after = self._load(spec, offset, limit)
        if counts is None or SINCE not in counts:
            return self._read_all(spec.legacy or spec.source, limit, offset)
        total, version = spec.counter.total(counts), spec.counter.version_of(counts)
        if offset >= total:
            return [], total, False
        if not spec.cursors:
            items, more = self._read_ahead(spec.source, limit, offset)
            return items, total, more
        settled = self._now_ms() - int(counts.get(CHANGED, 0)) >= SETTLE_MS
        if offset == 0:
            start: dict[str, str] | None = None
        elif exact is not None and int(exact["ver"]) == version:
            start = exact["lek"]
        else:
            reached = self._skip(spec, offset, version)
            if reached is None:
                return [], total, False
            start = reached
            if settled:
                self._remember(spec, offset, version, start)
        items, more = self._read(spec.source, start, limit)
        if more and settled and not (after is not None and int(after["ver"]) == version):
            self._remember(spec, offset + limit, version, spec.source.key_of(items[-1]))
        return items, total, more

    # --- cursors ------------------------------------------------------------------------------
    def _load(self, spec: ListSpec, offset: int, limit: int) -> tuple[dict[str, Any] | None, ...]:
        """The counter item and the cursors at `offset` and `offset + limit`, in one consistent BatchGet."""
        assert spec.counter is not None
        owner = spec.counter.owner
        cursor_pk = keys.cursor_pk(owner, spec.name)
        wanted = [(keys.counts_pk(owner), keys.COUNTS_SK), (cursor_pk, keys.cursor_sk(offset + limit))]
        if offset:
            wanted.append((cursor_pk, keys.cursor_sk(offset)))
        found = {(i["pk"], i["sk"]): i for i in self.table.batch_get(wanted, consistent=True)}
        return (found.get(wanted[0]), found.get((cursor_pk, keys.cursor_sk(offset))) if offset else None,
                found.get(wanted[1]))

    def _remember(self, spec: ListSpec, offset: int, version: int, lek: dict[str, str]) -> None:
        assert spec.counter is not None
        self.table.put({"pk": keys.cursor_pk(spec.counter.owner, spec.name), "sk": keys.cursor_sk(offset),
                        "kind": "cursor", "ver": version, "lek": lek,
                        "ttl": self._now_ms() // 1000 + CURSOR_TTL_S})

    def _nearest(self, spec: ListSpec, offset: int, version: int) -> tuple[int, dict[str, str] | None]:
        """The closest cursor at or before `offset` made under `version`: (its offset, its key)."""
        assert spec.counter is not None
        expr = Expr()
        same = f"{expr.name('ver')} = {expr.value(version)}"
        found = self.table.query(keys.cursor_pk(spec.counter.owner, spec.name), limit=1, filter_=same, expr=expr,
                                 between=(keys.cursor_sk(0), keys.cursor_sk(offset)))
        for cursor in found:
            return int(cursor["sk"].split("#")[1]), cursor["lek"]
        return 0, None

    def _skip(self, spec: ListSpec, offset: int, version: int) -> dict[str, str] | None:
        """The key of the item at `offset - 1`, reading keys only from the nearest cursor (None: past the end)."""
        at, start = self._nearest(spec, offset, version)
        left = offset - at
        while left > 0:
            items, last = spec.source.page(self.table, min(left, SKIP_CHUNK), start, keys_only=True)
            take = items[:left]  # a filtered read may match fewer than it evaluated, never more than asked
            left -= len(take)
            if left == 0:
                return spec.source.key_of(take[-1])
            if last is None:
                return None
            start = last
        return start

    # --- reads --------------------------------------------------------------------------------
    def _read(self, source: Source, start: dict[str, str] | None, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """`limit` items from after `start`, and whether more follow (one request without a filter)."""
        found: list[dict[str, Any]] = []
        ask = limit + 1
        while True:
            items, last = source.page(self.table, ask, start)
            found.extend(items)
            if len(found) > limit:
                return found[:limit], True
            if last is None:
                return found, False
            start = last
            ask = min(ask * 2, SKIP_CHUNK)  # a filter matched few: read further ahead

    def _read_ahead(self, source: Source, limit: int, offset: int) -> tuple[list[dict[str, Any]], bool]:
        """`offset + limit + 1` items from the list's start (no cursor): the page and whether more follow."""
        expr = Expr()
        filter_ = source.filter_(expr) if source.filter_ else None
        items = list(self.table.query(source.pk, index=source.index, prefix=source.prefix, filter_=filter_,
                                      expr=expr, limit=offset + limit + 1))[offset:]
        return items[:limit], len(items) > limit

    def _read_all(self, source: Source, limit: int, offset: int) -> Page:
        """The old way: read `offset + limit + 1` items and count the whole list."""
        items, more = self._read_ahead(source, limit, offset)
        count_expr = Expr()
        count_filter = source.filter_(count_expr) if source.filter_ else None
        total = self.table.count(source.pk, index=source.index, prefix=source.prefix, filter_=count_filter,
                                 expr=count_expr)
        return items, total, more

    def _now_ms(self) -> int:
        return int(self.clock().timestamp() * 1000)
