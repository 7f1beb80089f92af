"""Contacts, under their project's partition (sk CONTACT#<id>, so they sort by creation).

Each contact also has a number item (`CONTACTPHONE#<scope>#<e164>` → id and name), written in the
same transaction: a number is one contact within a scope (project or sub-account), and events and
conversation lists find a sender's name with a GetItem or one BatchGet, never a search.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from switchboard.clock import Clock, iso, utcnow
from switchboard.errors import Conflict, NotFound
from switchboard.ids import new_id
from switchboard.scope import index_keys, list_source, owner, visible
from switchboard.store import counters, keys
from switchboard.store.dynamo import Table, delete_op, is_conditional_failure, put_op, strip_keys, update_op
from switchboard.store.listing import Lister, ListSpec, Source


def _missing(contact_id: str) -> NotFound:
    return NotFound(f"No contact with id '{contact_id}' in this project.")


def _taken(e164: str) -> Conflict:
    return Conflict(f"A contact with the number {e164} already exists; update that contact instead.")


class ContactRepo:
    def __init__(self, table: Table, clock: Clock = utcnow) -> None:
        self.table = table
        self.clock = clock

    def _pointer(self, project_id: str, contact: dict[str, Any]) -> dict[str, Any]:
        return {"pk": keys.project_pk(project_id), "kind": "contactphone", "contactId": contact["id"],
                "sk": keys.contact_phone_sk(contact.get("subAccountId"), contact["phoneNumber"]),
                "name": contact["name"]}

    def create(self, project_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        now = iso(self.clock())
        sub = owner(project_id, fields)
        contact = {"id": new_id("ct"), "email": None, "notes": None, **fields, "subAccountId": sub,
                   "createdAt": now, "updatedAt": now}
        sk = keys.contact_sk(contact["id"])
        item = {"pk": keys.project_pk(project_id), "sk": sk, "kind": "contact", **contact, **index_keys(sub, sk)}
        try:
            self.table.transact([put_op(item, new=True), put_op(self._pointer(project_id, contact), new=True),
                                 *self._counted(project_id, sub, 1)])
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise _taken(contact["phoneNumber"]) from exc
            raise
        return contact

    def get(self, project_id: str, contact_id: str) -> dict[str, Any]:
        item = self.table.get(keys.project_pk(project_id), keys.contact_sk(contact_id))
        if item is None or not visible(project_id, item):
            raise _missing(contact_id)
        return strip_keys(item)

    def update(self, project_id: str, contact_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change a contact and its number item together (a new number must be free in the scope)."""
        current = self.get(project_id, contact_id)
        merged = {**current, **changes, "updatedAt": iso(self.clock())}
        pk = keys.project_pk(project_id)
        ops = [update_op(pk, keys.contact_sk(contact_id), set_={**changes, "updatedAt": merged["updatedAt"]},
                         condition="attribute_exists(pk)")]
        if merged["phoneNumber"] != current["phoneNumber"]:
            ops += [delete_op(pk, self._pointer(project_id, current)["sk"]),
                    put_op(self._pointer(project_id, merged), new=True)]
        elif merged["name"] != current["name"]:
            ops.append(put_op(self._pointer(project_id, merged)))
        try:
            self.table.transact(ops)
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise _taken(merged["phoneNumber"]) from exc
            raise
        return self.get(project_id, contact_id)

    def delete(self, project_id: str, contact_id: str) -> None:
        contact = self.get(project_id, contact_id)
        pk = keys.project_pk(project_id)
        try:
            self.table.transact([delete_op(pk, keys.contact_sk(contact_id), condition="attribute_exists(pk)"),
                                 delete_op(pk, self._pointer(project_id, contact)["sk"]),
                                 *self._counted(project_id, contact.get("subAccountId"), -1)])
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise _missing(contact_id) from exc
            raise

    def _counted(self, project_id: str, sub: str | None, delta: int) -> list[dict[str, Any]]:
        return counters.scope_ops(project_id, sub, {"contacts": delta}, counters.epoch_ms(self.clock()))

    def search(self, project_id: str, term: str | None) -> list[dict[str, Any]]:
        """The scope's contacts, newest first; `term` matches name or number, ignoring case.

        An address book is small: one partition (or gsi4) read, filtered here (DynamoDB's `contains`
        is case-sensitive).
        """
        pk, index = list_source(project_id)
        items = (strip_keys(i) for i in self.table.query(pk, index=index, prefix="CONTACT#"))
        needle = (term or "").strip().lower()
        return [c for c in items if not needle or needle in c["name"].lower() or needle in c["phoneNumber"]]

    def by_number(self, project_id: str, sub_account_id: str | None, e164: str) -> dict[str, Any] | None:
        """The contact at a number within a scope (a sender on an event), or None."""
        pointer = self.table.get(keys.project_pk(project_id), keys.contact_phone_sk(sub_account_id, e164))
        if pointer is None:
            return None
        item = self.table.get(keys.project_pk(project_id), keys.contact_sk(pointer["contactId"]))
        return strip_keys(item) if item else None

    def names(self, project_id: str, sub_account_id: str | None, numbers: list[str]) -> dict[str, str]:
        """Contact names by number within a scope, in one BatchGet (for a page of conversations)."""
        wanted = sorted(set(numbers))
        found = self.table.batch_get([(keys.project_pk(project_id), keys.contact_phone_sk(sub_account_id, n))
                                      for n in wanted])
        return {item["sk"].rsplit("#", 1)[1]: item["name"] for item in found}

    # last in the class: below it, `list` in an annotation would mean this method
    def list(self, project_id: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int, bool]:
        """The scope's contacts, newest first, a page at a time (a search reads them all: see `search`)."""
        pk, index = list_source(project_id)
        spec = ListSpec.of("contacts", Source(pk, index, "CONTACT#"), counters.scope_counter(project_id, "contacts"))
        items, total, has_more = Lister(self.table, self.clock).page(spec, limit, offset)
        return [strip_keys(i) for i in items], total, has_more
