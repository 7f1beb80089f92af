"""Contacts, under their project's partition (sk CONTACT#<id>, so they sort by creation)."""

from __future__ import annotations

from typing import Any

from switchboard.clock import Clock, iso, utcnow
from switchboard.errors import NotFound
from switchboard.ids import new_id
from switchboard.store import keys
from switchboard.store.dynamo import Table, strip_keys


def _missing(contact_id: str) -> NotFound:
    return NotFound(f"No contact with id '{contact_id}' in this project.")


class ContactRepo:
    def __init__(self, table: Table, clock: Clock = utcnow) -> None:
        self.table = table
        self.clock = clock

    def create(self, project_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        now = iso(self.clock())
        contact = {"id": new_id("ct"), "email": None, "notes": None, **fields, "createdAt": now, "updatedAt": now}
        self.table.put({"pk": keys.project_pk(project_id), "sk": keys.contact_sk(contact["id"]), "kind": "contact",
                        **contact}, condition="attribute_not_exists(pk)")
        return contact

    def get(self, project_id: str, contact_id: str) -> dict[str, Any]:
        item = self.table.get(keys.project_pk(project_id), keys.contact_sk(contact_id))
        if item is None:
            raise _missing(contact_id)
        return strip_keys(item)

    def update(self, project_id: str, contact_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        self.get(project_id, contact_id)
        item = self.table.update(keys.project_pk(project_id), keys.contact_sk(contact_id),
                                 set_={**changes, "updatedAt": iso(self.clock())}, condition="attribute_exists(pk)")
        return strip_keys(item)

    def delete(self, project_id: str, contact_id: str) -> None:
        self.get(project_id, contact_id)
        self.table.delete(keys.project_pk(project_id), keys.contact_sk(contact_id))

    def search(self, project_id: str, term: str | None) -> list[dict[str, Any]]:
        """The project's contacts, newest first; `term` matches name or number, ignoring case.

        An address book is small: one partition read, filtered here (DynamoDB's `contains` is case-sensitive).
        """
        items = (strip_keys(i) for i in self.table.query(keys.project_pk(project_id), prefix="CONTACT#"))
        needle = (term or "").strip().lower()
        return [c for c in items if not needle or needle in c["name"].lower() or needle in c["phoneNumber"]]
