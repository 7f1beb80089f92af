"""Offset pages at the cost of one page: cached cursors, and totals from counters.

DynamoDB has no OFFSET, so page `offset` starts where a cursor says: the key of the item just before
it (DynamoDB's ExclusiveStartKey; one per partition for a list merged from several), cached in the
table per (owner, list, offset) when a page ends.
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

from botocore.exceptions import BotoCoreError, ClientError

from switchboard.clock import Clock, utcnow
from switchboard.logging import logger
from switchboard.store import keys, list_reads
from switchboard.store.counters import CHANGED, SINCE, Counter
from switchboard.store.dynamo import Expr, Table
from switchboard.store.list_reads import Source, Start

__all__ = ["Legacy", "ListSpec", "Lister", "Source"]

Filter = Callable[[Expr], str]
Page = tuple[list[dict[str, Any]], int, bool]
CURSOR_TTL_S = 3600
SETTLE_MS = 2000  # a list changed this recently may not be in its index yet: no cursor is cached from it


@dataclass(frozen=True)
class Legacy:
    """Where a list was read before its counters and keys were built: one partition, maybe filtered."""

    pk: str
    index: str | None = None
    prefix: str | None = None
    filter_: Filter | None = None


@dataclass(frozen=True)
class ListSpec:
    """One list: its name among its owner's lists, its partitions (merged if several), its counter.

    `legacy` is where the list was read before the counters' backfill (e.g. status lists: the whole
    partition, filtered); `counter=None` lists (free-text search) are always read and counted there.
    `cursors=False` for lists ordered by activity (conversations): every message reorders them, so a
    cursor would rarely live to be used; their pages read `offset + limit + 1` items, counted still.
    """

    name: str
    parts: tuple[Source, ...]
    counter: Counter | None
    legacy: Legacy | None = None
    cursors: bool = True

    @staticmethod
    def of(name: str, source: Source, counter: Counter | None, **kwargs: Any) -> ListSpec:
        """A list in one partition (its legacy read: the same partition, unless given)."""
        kwargs.setdefault("legacy", Legacy(source.pk, source.index, source.prefix))
        return ListSpec(name, (source,), counter, **kwargs)


class Lister:
    def __init__(self, table: Table, clock: Clock = utcnow) -> None:
        self.table = table
        self.clock = clock

    def page(self, spec: ListSpec, limit: int, offset: int) -> Page:
        if spec.counter is None:
            assert spec.legacy is not None
            return self._read_all(spec.legacy, limit, offset)
        counts, exact, after = self._load(spec, offset, limit)
        if counts is None or SINCE not in counts:
            assert spec.legacy is not None
            return self._read_all(spec.legacy, limit, offset)
        total, version = spec.counter.total(counts), spec.counter.version_of(counts)
        if offset >= total:
            return [], total, False
        if not spec.cursors:
            assert spec.legacy is not None
            items, more = self._read_ahead(spec.legacy, limit, offset)
            return items, total, more
        settled = self._now_ms() - int(counts.get(CHANGED, 0)) >= SETTLE_MS
        starts = self._start(spec, offset, version, exact, settled)
        if starts is None:
            return [], total, False
        window = list_reads.read(self.table, spec.parts, starts, limit + 1)
        items, more = [item for _, item in window.items[:limit]], len(window.items) > limit
        if more and settled and not _fits(after, spec, version):
            self._remember(spec, offset + limit, version, window.after(limit))
        return items, total, more

    def _start(self, spec: ListSpec, offset: int, version: int, exact: dict[str, Any] | None,
               settled: bool) -> list[Start] | None:
        """Where each part of the list resumes at `offset`: a cursor, or keys read from the nearest one."""
        if offset == 0:
            return [{} for _ in spec.parts]
        if _fits(exact, spec, version):
            return list(exact["starts"])  # type: ignore[index]
        at, starts = self._nearest(spec, offset, version)
        reached = list_reads.skip(self.table, spec.parts, starts, offset - at)
        if reached is not None and settled:
            self._remember(spec, offset, version, reached)
        return reached

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

    def _remember(self, spec: ListSpec, offset: int, version: int, starts: list[Start]) -> None:
        """Cache where each part resumes at `offset` (a DynamoDB key per part: its ExclusiveStartKey).

        Only a cache: a read that could not write it (throttled, say) still answers its page.
        """
        assert spec.counter is not None
        try:
            self.table.put({"pk": keys.cursor_pk(spec.counter.owner, spec.name), "sk": keys.cursor_sk(offset),
                            "kind": "cursor", "ver": version, "starts": starts,
                            "ttl": self._now_ms() // 1000 + CURSOR_TTL_S})
        except (ClientError, BotoCoreError):
            logger.warning("could not cache a list cursor", extra={"list": spec.name, "offset": offset})

    def _nearest(self, spec: ListSpec, offset: int, version: int) -> tuple[int, list[Start]]:
        """The closest cursor at or before `offset` made under `version`: (its offset, its starts)."""
        assert spec.counter is not None
        expr = Expr()
        same = f"{expr.name('ver')} = {expr.value(version)}"
        found = self.table.query(keys.cursor_pk(spec.counter.owner, spec.name), limit=1, filter_=same, expr=expr,
                                 between=(keys.cursor_sk(0), keys.cursor_sk(offset)))
        for cursor in found:
            if _fits(cursor, spec, version):
                return int(cursor["sk"].split("#")[1]), list(cursor["starts"])
        return 0, [{} for _ in spec.parts]

    # --- reads without cursors ---------------------------------------------------------------
    def _read_ahead(self, source: Legacy, limit: int, offset: int) -> tuple[list[dict[str, Any]], bool]:
        """`offset + limit + 1` items from the list's start (no cursor): the page and whether more follow."""
        expr = Expr()
        filter_ = source.filter_(expr) if source.filter_ else None
        items = list(self.table.query(source.pk, index=source.index, prefix=source.prefix, filter_=filter_,
                                      expr=expr, limit=offset + limit + 1))[offset:]
        return items[:limit], len(items) > limit

    def _read_all(self, source: Legacy, limit: int, offset: int) -> Page:
        """The old way: read `offset + limit + 1` items and count the whole list."""
        items, more = self._read_ahead(source, limit, offset)
        count_expr = Expr()
        count_filter = source.filter_(count_expr) if source.filter_ else None
        total = self.table.count(source.pk, index=source.index, prefix=source.prefix, filter_=count_filter,
                                 expr=count_expr)
        return items, total, more

    def _now_ms(self) -> int:
        return int(self.clock().timestamp() * 1000)


def _fits(cursor: dict[str, Any] | None, spec: ListSpec, version: int) -> bool:
    """A cursor made for this list as it is: its version, and one start per partition the list spans."""
    return cursor is not None and int(cursor["ver"]) == version and len(cursor["starts"]) == len(spec.parts)
