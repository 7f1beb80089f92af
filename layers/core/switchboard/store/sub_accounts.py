"""Sub-accounts: named partitions of a project (`X-Sub-Account-Id`), under the project's partition.

The sub-account item also counts its active numbers (moved in the number's buy and release
transactions), so the plan's per-sub-account number limit is a condition, never a count.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from switchboard.clock import Clock, iso, utcnow
from switchboard.errors import Conflict, NotFound
from switchboard.ids import new_id
from switchboard.store import counters, keys
from switchboard.store.dynamo import Expr, Table, delete_op, is_conditional_failure, put_op, strip_keys
from switchboard.store.listing import Lister, ListSpec, Source

PREFIX = "SUBACCOUNT#"
INTERNAL = ("activeNumbers",)


def _missing(sub_account_id: str) -> NotFound:
    return NotFound(f"No sub-account with id '{sub_account_id}' in this project.")


def view(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in strip_keys(item).items() if k not in INTERNAL}


class SubAccountRepo:
    def __init__(self, table: Table, clock: Clock = utcnow) -> None:
        self.table = table
        self.clock = clock

    def create(self, project_id: str, name: str) -> dict[str, Any]:
        now = iso(self.clock())
        sub = {"id": new_id("sub"), "name": name, "status": "active", "projectId": str(project_id),
               "createdAt": now, "updatedAt": now}
        item = {"pk": keys.project_pk(project_id), "sk": keys.sub_account_sk(sub["id"]), "kind": "subaccount",
                "activeNumbers": 0, **sub}
        at = counters.epoch_ms(self.clock())
        self.table.transact([put_op(item, new=True),
                             counters.create_op(keys.scope_owner(project_id, sub["id"]), {}, at),
                             counters.change_op(keys.scope_owner(project_id), {"subAccounts": 1}, at)])
        return sub

    def find(self, project_id: str, sub_account_id: str) -> dict[str, Any] | None:
        item = self.table.get(keys.project_pk(project_id), keys.sub_account_sk(sub_account_id))
        return item if item else None

    def get(self, project_id: str, sub_account_id: str) -> dict[str, Any]:
        item = self.find(project_id, sub_account_id)
        if item is None:
            raise _missing(sub_account_id)
        return view(item)

    def active_numbers(self, project_id: str, sub_account_id: str) -> int:
        return int((self.find(project_id, sub_account_id) or {}).get("activeNumbers", 0))

    def list(self, project_id: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int, bool]:
        owner = keys.scope_owner(project_id)
        spec = ListSpec.of("subAccounts", Source(keys.project_pk(project_id), None, PREFIX),
                        counters.Counter(owner, ("subAccounts",), "subAccounts"))
        items, total, has_more = Lister(self.table, self.clock).page(spec, limit, offset)
        return [view(i) for i in items], total, has_more

    def rename(self, project_id: str, sub_account_id: str, name: str) -> dict[str, Any]:
        try:
            item = self.table.update(keys.project_pk(project_id), keys.sub_account_sk(sub_account_id),
                                     set_={"name": name, "updatedAt": iso(self.clock())},
                                     condition="attribute_exists(pk)")
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise _missing(sub_account_id) from exc
            raise
        return view(item)

    def delete(self, project_id: str, sub_account_id: str) -> None:
        """Delete an empty sub-account: one that still holds numbers is refused (409), nothing changes."""
        self.get(project_id, sub_account_id)
        expr = Expr()
        held = expr.name("activeNumbers")
        gone = delete_op(keys.project_pk(project_id), keys.sub_account_sk(sub_account_id), expr=expr,
                         condition=f"attribute_exists(pk) AND (attribute_not_exists({held}) OR "
                                   f"{held} <= {expr.value(0)})")
        counted = counters.change_op(keys.scope_owner(project_id), {"subAccounts": -1}, counters.epoch_ms(self.clock()))
        try:
            self.table.transact([gone, counted])
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise Conflict(f"Sub-account '{sub_account_id}' still holds phone numbers; release them "
                               "before deleting it.") from exc
            raise
