"""Reading a list that lives in one partition, or is spread over a few sorted alike, newest first.

A list of calls by direction is one partition per status (of the calls of that direction), so it is
read as the merge of those partitions by their common sort key (the call's own key, which sorts by
creation). Each part resumes from its own start; `Window.after(m)` says where every part resumes
once the first m merged items are consumed, which is what a cursor stores. A part is read again
whenever its buffer runs out, so no item a part did not return can be newer than one taken.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

from switchboard.store.dynamo import Table

# Where a part resumes: {} from its start, {"key": <DynamoDB key>} after that item, {"end": True} nothing left.
Start = dict[str, Any]


@dataclass(frozen=True)
class Source:
    """One partition of the table or of an index (`prefix`: the sort keys the list's items have)."""

    pk: str
    index: str | None = None
    prefix: str | None = None

    @property
    def sort_attr(self) -> str:
        return f"{self.index}sk" if self.index else "sk"

    def key_of(self, item: dict[str, Any]) -> dict[str, str]:
        """The item's key as DynamoDB gives it in LastEvaluatedKey for this source."""
        names = ("pk", "sk") + ((f"{self.index}pk", f"{self.index}sk") if self.index else ())
        return {n: item[n] for n in names}

    def fetch(self, table: Table, n: int, after: dict[str, str] | None,
              keys_only: bool) -> tuple[list[dict[str, Any]], bool]:
        """Up to `n` items after `after`, and whether the partition ended (DynamoDB stops at 1 MB: read on)."""
        found: list[dict[str, Any]] = []
        while True:
            items, last = table.query_page(self.pk, limit=n - len(found), index=self.index, prefix=self.prefix,
                                           start=after, keys_only=keys_only)
            found += items
            if last is None:
                return found, True
            if len(found) >= n:
                return found, False
            after = last


@dataclass(frozen=True)
class Window:
    """The first items of a merged read, and what each part returned."""

    parts: tuple[Source, ...]
    items: list[tuple[int, dict[str, Any]]]  # (part, item), newest first
    starts: list[Start]
    fetched: list[int]
    ended: list[bool]

    def after(self, consumed: int) -> list[Start]:
        """Where each part resumes once the first `consumed` merged items are used up."""
        starts = list(self.starts)
        taken: Counter[int] = Counter()
        for part, item in self.items[:consumed]:
            starts[part] = {"key": self.parts[part].key_of(item)}
            taken[part] += 1
        for part, ended in enumerate(self.ended):
            if ended and taken[part] == self.fetched[part]:
                starts[part] = {"end": True}
        return starts


def read(table: Table, parts: tuple[Source, ...], starts: list[Start], n: int, keys_only: bool = False) -> Window:
    """The newest `n` items of the parts after their starts.

    One part is asked for `n` at once. Several are merged lazily: each is asked for its share (n / parts,
    plus one) and asked again, for twice as many, only when its buffered items run out while it may
    still hold the next item, so a page reads about `n` items plus a share per part, not `n` per part.
    """
    reader = _Merge(table, parts, starts, keys_only, n if len(parts) == 1 else -(-n // len(parts)) + 1)
    merged: list[tuple[int, dict[str, Any]]] = []
    while len(merged) < n:
        head = reader.newest()
        if head is None:
            break
        merged.append((head, reader.buffers[head].popleft()))
    return Window(parts, merged, starts, reader.fetched, reader.ended)


class _Merge:
    """Per-part buffers of a merged read, refilled on demand."""

    def __init__(self, table: Table, parts: tuple[Source, ...], starts: list[Start], keys_only: bool,
                 chunk: int) -> None:
        self.table, self.parts, self.keys_only = table, parts, keys_only
        self.after: list[dict[str, str] | None] = [s.get("key") for s in starts]
        self.ended = [bool(s.get("end")) for s in starts]
        self.chunks = [chunk] * len(parts)
        self.fetched = [0] * len(parts)
        self.buffers: list[deque[dict[str, Any]]] = [deque() for _ in parts]

    def newest(self) -> int | None:
        """The part whose next item is the newest of all (None: every part is used up)."""
        for i in range(len(self.parts)):
            if not self.buffers[i] and not self.ended[i]:
                self._refill(i)
        heads = [i for i, buffer in enumerate(self.buffers) if buffer]
        if not heads:
            return None
        return max(heads, key=lambda i: self.buffers[i][0][self.parts[i].sort_attr])

    def _refill(self, i: int) -> None:
        items, done = self.parts[i].fetch(self.table, self.chunks[i], self.after[i], self.keys_only)
        self.buffers[i].extend(items)
        self.fetched[i] += len(items)
        self.ended[i] = done or not items
        if items:
            self.after[i] = self.parts[i].key_of(items[-1])
        self.chunks[i] = min(self.chunks[i] * 2, 1000)


def skip(table: Table, parts: tuple[Source, ...], starts: list[Start], count: int,
         chunk: int = 1000) -> list[Start] | None:
    """Where each part resumes `count` items further on, reading keys only (None: the list ends first)."""
    while count > 0:
        window = read(table, parts, starts, min(count, chunk), keys_only=True)
        if not window.items:
            return None
        taken = min(count, len(window.items))
        starts = window.after(taken)
        count -= taken
    return starts
