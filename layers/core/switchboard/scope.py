"""Sub-account scoping: which of a project's items a request may see, and where its lists come from.

A request with `X-Sub-Account-Id` is confined to that sub-account; one without it sees the whole
project. The confinement travels as `Scope`, a `str` subclass holding the project id, so every
repository and service keeps taking a project id and builds the project's keys from it, while the
repositories (and only they) read `.sub` to hide foreign items (404) and to stamp new ones.
Code that acts for the platform (telephony callbacks, the relay, deliveries) passes a plain project
id and so sees everything.

Items that belong to a sub-account carry `subAccountId` and the sparse gsi4 keys
(`SUB#<sub>`, the item's own sort key), so a scoped list is one Query like the project's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from switchboard.store import keys


class Scope(str):
    """A project id, confined to one sub-account when `sub` is set."""

    sub: str | None

    def __new__(cls, project_id: str, sub: str | None = None) -> Scope:
        obj = super().__new__(cls, project_id)
        obj.sub = sub
        return obj


def sub_of(project_id: str) -> str | None:
    """The sub-account a project id is confined to (None: the whole project)."""
    return getattr(project_id, "sub", None)


def visible(project_id: str, item: Mapping[str, Any]) -> bool:
    """Whether a request scoped by `project_id` may see `item` (a foreign one is answered 404)."""
    sub = sub_of(project_id)
    return sub is None or item.get("subAccountId") == sub


def owner(project_id: str, fields: Mapping[str, Any]) -> str | None:
    """The sub-account a new item belongs to: the request's, else the one its parent resource has."""
    return sub_of(project_id) or fields.get("subAccountId")


def index_keys(sub: str | None, sort_key: str) -> dict[str, str]:
    """gsi4 keys of an item that belongs to `sub` (none for the project's own items)."""
    return {"gsi4pk": keys.sub_index_pk(sub), "gsi4sk": sort_key} if sub else {}


def list_source(project_id: str, partition: str | None = None) -> tuple[str, str | None]:
    """(partition key, index) that lists what the scope sees: the project's partition, or gsi4."""
    sub = sub_of(project_id)
    if sub:
        return keys.sub_index_pk(sub), "gsi4"
    return partition or keys.project_pk(project_id), None
