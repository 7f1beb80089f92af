"""A small repository for a project's simple resources (SIP trunks, verifications, feedback).

Items live in the project's partition under `<PREFIX><id>`, carry their sub-account like every
resource (gsi4 keys), and are hidden from other scopes (404), exactly as agents or numbers are.
"""

from __future__ import annotations

from typing import Any

from switchboard.clock import Clock, iso, utcnow
from switchboard.errors import NotFound
from switchboard.scope import index_keys, list_source, owner, visible
from switchboard.store import keys
from switchboard.store.dynamo import Expr, Table, strip_keys
from switchboard.store.pages import page


class ScopedItems:
    def __init__(self, table: Table, clock: Clock, *, kind: str, prefix: str, noun: str) -> None:
        self.table = table
        self.clock = clock or utcnow
        self.kind, self.prefix, self.noun = kind, prefix, noun

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
        self.table.put(item, condition="attribute_not_exists(pk)")
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
        self.get(project_id, item_id)
        self.table.delete(keys.project_pk(project_id), self.prefix + item_id, condition=condition, expr=expr)

    def list(self, project_id: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int, bool]:
        pk, index = list_source(project_id)
        items, has_more = page(self.table.query(pk, index=index, prefix=self.prefix), limit, offset)
        return [strip_keys(i) for i in items], self.table.count(pk, index=index, prefix=self.prefix), has_more
