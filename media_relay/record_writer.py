"""Turn and delivery records written off the calls' path, batched across calls, by one thread.

Each turn used to cost four DynamoDB requests awaited on the call's own path (the turn counter,
the turn item, the voice delivery and its totals), each a boto3 round trip in a worker thread.
Here a call queues its writes and goes on; one writer thread per relay process takes whatever is
queued (waiting `linger_s` first so that turns of other calls join, unless a call's end is waiting
for them), sends the new items in
BatchWriteItem requests of up to 25, sums the counter updates made to one item (a project's
delivery totals) into one, and sends the updates of several items in one TransactWriteItems.
The items and counters stored are the ones the direct writes stored. A call's end waits for
`flush()`, so everything the call wrote is in the table before the call counts as ended.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

from botocore.exceptions import ClientError

from switchboard.logging import logger
from switchboard.store.dynamo import is_conditional_failure, update_op
from switchboard.store.transient import retrying

# How long queued writes wait for others to join them: a turn is stored up to this much later (the
# live transcript stream, which polls every 0.3 s, shows it within about 0.6 s of its end), and a
# batch holds the turns of every call that ended one meanwhile. At 25 calls with a turn every 6 s,
# a turn costs 0.88 DynamoDB requests, against 1.38 at 0.1 s (0.64 at 0.5 s). A call's end does not
# wait it out (`flush`).
LINGER_S = 0.3
TRANSACT_MAX = 100  # actions per TransactWriteItems


class BatchTable(Protocol):
    def batch_put(self, items: list[dict[str, Any]]) -> None: ...

    def transact(self, operations: list[dict[str, Any]]) -> None: ...

    def update(self, pk: str, sk: str, *, set_: dict[str, Any] | None = None,
               add: dict[str, int] | None = None, condition: str | None = None) -> dict[str, Any]: ...


@dataclass
class Update:
    """Counters to add to one item (and attributes to set on it), under an optional condition."""

    pk: str
    sk: str
    add: dict[str, int]
    set_: dict[str, Any] | None = None
    condition: str | None = None


@dataclass
class Batch:
    """Writes taken together: new items in order, one update per item and condition."""

    puts: list[dict[str, Any]] = field(default_factory=list)
    updates: dict[tuple[str, str, str | None], Update] = field(default_factory=dict)

    def put(self, item: dict[str, Any]) -> None:
        self.puts.append(item)

    def update(self, update: Update) -> None:
        """Sum with an earlier update of the same item (later attributes set win)."""
        key = (update.pk, update.sk, update.condition)
        if (earlier := self.updates.get(key)) is None:
            self.updates[key] = Update(update.pk, update.sk, dict(update.add), update.set_, update.condition)
            return
        for name, count in update.add.items():
            earlier.add[name] = earlier.add.get(name, 0) + count
        if update.set_:
            earlier.set_ = {**(earlier.set_ or {}), **update.set_}

    def __bool__(self) -> bool:
        return bool(self.puts or self.updates)


def write(table: BatchTable, batch: Batch, retry: Callable[[Callable[[], Any]], Any] = retrying) -> None:
    """Items first, then counters (a reader that sees a count finds its items); each request is retried
    through a short outage.

    Several updates go in one TransactWriteItems (up to 100): DynamoDB has no batch update, and one
    request instead of one per call is what the relay's CPU pays for (DynamoDB bills a transactional
    write two units instead of one: these items are small counters). If it is cancelled (a condition
    failed because a call was deleted, or conflicts outlasted the retries), each goes alone.
    """
    if batch.puts:
        retry(partial(table.batch_put, batch.puts))
    updates = list(batch.updates.values())
    for start in range(0, len(updates), TRANSACT_MAX):
        chunk = updates[start:start + TRANSACT_MAX]
        if len(chunk) > 1 and len({(u.pk, u.sk) for u in chunk}) == len(chunk):
            try:
                retry(partial(table.transact, [update_op(u.pk, u.sk, add=u.add, set_=u.set_,
                                                         condition=u.condition) for u in chunk]))
                continue
            except ClientError as exc:
                if not is_conditional_failure(exc):
                    raise
        for u in chunk:
            _update_alone(table, u, retry)


def _update_alone(table: BatchTable, u: Update, retry: Callable[[Callable[[], Any]], Any]) -> None:
    """One update in its own request; one whose condition fails (the call was deleted) is dropped."""
    try:
        retry(partial(table.update, u.pk, u.sk, add=u.add, set_=u.set_, condition=u.condition))
    except ClientError as exc:
        if not is_conditional_failure(exc):
            raise
        logger.warning("a record's item is gone; its update was dropped", extra={"sk": u.sk})


class RecordWriter:
    """The process's queue of record writes and the thread that drains it."""

    def __init__(self, table: BatchTable, *, linger_s: float = LINGER_S,
                 writer: Callable[[BatchTable, Batch], None] = write) -> None:
        self.table, self.linger_s, self.writer = table, linger_s, writer
        self._pending = Batch()
        self._queued = 0  # writes queued since the process started
        self._written = 0  # of those, how many the table has (or that failed for good)
        self._waiters: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._changed = threading.Condition()
        self._hurry = False  # a flush waits: the next batch goes without lingering
        self._thread: threading.Thread | None = None

    def put(self, item: dict[str, Any]) -> None:
        self._queue(lambda batch: batch.put(item))

    def update(self, update: Update) -> None:
        self._queue(lambda batch: batch.update(update))

    def _queue(self, add: Callable[[Batch], None]) -> None:
        with self._changed:
            add(self._pending)
            self._queued += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="record-writer", daemon=True)
                self._thread.start()
            self._changed.notify()

    async def flush(self) -> None:
        """Wait until every write queued before now is done."""
        loop = asyncio.get_running_loop()
        with self._changed:
            if self._written >= self._queued:
                return
            done: asyncio.Future[None] = loop.create_future()
            self._waiters.append((self._queued, loop, done))
            self._hurry = True
            self._changed.notify()
        await done

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._pending:
                    self._changed.wait()
                # Let other calls' writes join this batch (the lock is free meanwhile).
                self._changed.wait_for(lambda: self._hurry, timeout=self.linger_s)
                self._hurry = False
                batch, self._pending, upto = self._pending, Batch(), self._queued
            try:
                self.writer(self.table, batch)
            except Exception:  # an outage outlasting the retries: these records are lost, say so
                logger.exception("records could not be written",
                                 extra={"items": len(batch.puts), "updates": len(batch.updates)})
            self._done(upto)

    def _done(self, upto: int) -> None:
        with self._changed:
            self._written = upto
            ready = [w for w in self._waiters if w[0] <= upto]
            self._waiters = [w for w in self._waiters if w[0] > upto]
        for _, loop, done in ready:
            loop.call_soon_threadsafe(_release, done)


def _release(done: asyncio.Future[None]) -> None:
    if not done.done():  # a flush cancelled meanwhile
        done.set_result(None)
