"""A small repository for a project's simple resources (SIP trunks, verifications, feedback).

Items live in the project's partition under `<PREFIX><id>`, carry their sub-account like every
resource (gsi4 keys), and are hidden from other scopes (404), exactly as agents or numbers are.
"""

from __future__ import annotations

from typing import Any

from switchboard.clock import Clock, iso, utcnow
from switchboard.errors import NotFound
from switchboard.scope import index_keys, list_source, owner, visible
from switchboard.store import counters, keys
from switchboard.store.dynamo import Expr, Table, delete_op, put_op, strip_keys
from switchboard.store.listing import Lister, ListSpec, Source


class ScopedItems:
    def __init__(self, table: Table, clock: Clock, *, kind: str, prefix: str, noun: str,
                 counted: str | None = None) -> None:
        """`counted` names the list's counter (items that are listed); unlisted items (verifications) have none."""
        self.table = table
        self.clock = clock or utcnow
        self.kind, self.prefix, self.noun, self.counted = kind, prefix, noun, counted

    def _counts(self, project_id: str, sub: str | None, delta: int) -> list[dict[str, Any]]:
        if self.counted is None:
            return []
        return counters.scope_ops(project_id, sub, {self.counted: delta}, counters.epoch_ms(self.clock()))

    def _missing(self, item_id: str) -> NotFound:
        return NotFound(f"No {self.noun} with id '{item_id}' in this project.")

    def create(self, project_id: str, fields: dict[str, Any], *, ttl: int | None = None) -> dict[str, Any]:
        """Store a new item (`fields` carries its `id`); `ttl` (epoch seconds) lets DynamoDB expire it."""
        sub = owner(project_id, fields)
        now = iso(self.clock())
        doc = {"createdAt": now, "updatedAt": now, **fields, "subAccountId": sub}
        sk = self.prefix + doc["id"]
        item = {"pk": keys.project_pk(project_id), "sk": sk, "kind": self.kind, **doc, **index_keys(sub, sk)}
        if ttl is not None:
            item["ttl"] = ttl
        self.table.transact([put_op(item, new=True), *self._counts(project_id, sub, 1)])
        return doc

    def get(self, project_id: str, item_id: str, *, consistent: bool = False) -> dict[str, Any]:
        item = self.table.get(keys.project_pk(project_id), self.prefix + item_id, consistent=consistent)
        if item is None or not visible(project_id, item):
            raise self._missing(item_id)
        return strip_keys(item)

    def update(self, project_id: str, item_id: str, *, set_: dict[str, Any] | None = None,
               add: dict[str, int] | None = None, condition: str | None = None,
               expr: Expr | None = None) -> dict[str, Any]:
        """Change an item the scope can see; a failed `condition` raises ClientError for the caller to map."""
        self.get(project_id, item_id)
        cond = "attribute_exists(pk)" + (f" AND ({condition})" if condition else "")
        item = self.table.update(keys.project_pk(project_id), self.prefix + item_id,
                                 set_={**(set_ or {}), "updatedAt": iso(self.clock())}, add=add,
                                 condition=cond, expr=expr)
        return strip_keys(item)

    def delete(self, project_id: str, item_id: str, *, condition: str | None = None,
               expr: Expr | None = None) -> None:
        """Delete an item the scope can see; a failed `condition` raises ClientError for the caller to map."""
        item = self.get(project_id, item_id)
        if self.counted is None:
            self.table.delete(keys.project_pk(project_id), self.prefix + item_id, condition=condition, expr=expr)
            return
        cond = "attribute_exists(pk)" + (f" AND ({condition})" if condition else "")
        self.table.transact([delete_op(keys.project_pk(project_id), self.prefix + item_id, condition=cond, expr=expr),
                             *self._counts(project_id, item.get("subAccountId"), -1)])

    def list(self, project_id: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int, bool]:
        pk, index = list_source(project_id)
        counter = counters.scope_counter(project_id, self.counted) if self.counted else None
        spec = ListSpec.of(self.counted or self.kind, Source(pk, index, self.prefix), counter)
        items, total, has_more = Lister(self.table, self.clock).page(spec, limit, offset)
        return [strip_keys(i) for i in items], total, has_more
