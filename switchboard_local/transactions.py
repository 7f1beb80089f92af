"""The emulator's TransactWriteItems: rolled back from copies of the items it touches, not of whole tables.

moto keeps a transaction all-or-nothing by deep-copying every table the transaction names, once per
item in it, before it writes, and putting the copies back if any item fails. So a transaction's cost
grows with the table: creating an agent (a transaction of 3-4 items) took p99 504 ms at 200 agents.
DynamoDB copies nothing. Here moto's own transaction code still does the checking and writing (so
conditions, CancellationReasons and validation errors are moto's), but its table copies are skipped:
the items the transaction names are copied before it runs, and restored if moto cancels it.

Tables with a stream keep moto's copies (the stream's records are rolled back with the table there).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from moto.dynamodb import models
from moto.dynamodb.exceptions import MockValidationException, TransactionCanceledException
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

_moto_transact_write_items = models.DynamoDBBackend.transact_write_items


@dataclass
class Saved:
    """One item as it was before the transaction (`item` None: it did not exist)."""

    table: Table
    hash_key: DynamoType
    range_key: DynamoType | None
    item: Item | None
    partition_existed: bool


def _key_of(table: Table, op_type: str, op: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    attrs = op["Item"] if op_type == "Put" else op["Key"]
    range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    return DynamoType(attrs[table.hash_key_attr]), range_key


def save_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[Saved] | None:
    """Copies of the items the transaction names; None when only whole-table copies will do."""
    saved: dict[tuple[str, Any, Any], Saved] = {}
    for entry in transact_items:
        op_type, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue  # moto answers for a table that does not exist; nothing of it can change
        if table.stream_shard is not None:
            return None
        try:
            hash_key, range_key = _key_of(table, op_type, op)
        except (KeyError, TypeError, AttributeError):
            continue  # a malformed key: moto refuses the item before it writes anything
        seen = (table.name, hash_key, range_key)
        if seen not in saved:
            saved[seen] = Saved(table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key)),
                                hash_key in table.items)
    return list(saved.values())


def restore(saved: list[Saved]) -> None:
    """Put every saved item back as it was (and take away the ones the transaction created)."""
    for s in saved:
        items = s.table.items
        if s.range_key is None:
            if s.item is None:
                items.pop(s.hash_key, None)
            else:
                items[s.hash_key] = s.item
            continue
        partition = items[s.hash_key]
        if s.item is None:
            partition.pop(s.range_key, None)
        else:
            partition[s.range_key] = s.item
        if not partition and not s.partition_existed:
            del items[s.hash_key]


class _TablesNotCopied:
    """Stands in for the `copy` module in moto's DynamoDB models: tables are not copied, anything else is."""

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


@contextmanager
def _tables_not_copied() -> Iterator[None]:
    models.copy = _TablesNotCopied  # type: ignore[attr-defined]
    try:
        yield
    finally:
        models.copy = copy  # type: ignore[attr-defined]


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto's transaction, rolled back from copies of its items (see the module's docstring)."""
    saved = save_items(self, transact_items) if len(transact_items) <= 100 else None
    if saved is None:
        return _moto_transact_write_items(self, transact_items)
    with _tables_not_copied():
        try:
            return _moto_transact_write_items(self, transact_items)
        except (TransactionCanceledException, MockValidationException):
            restore(saved)
            raise


def install() -> None:
    """Use the item-copying transaction in this process's moto (the emulator calls it once at start)."""
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
