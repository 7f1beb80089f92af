"""Contacts as other resources show them: the sender's name on events and on conversations."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from switchboard.container import Container

EVENT_FIELDS = ("id", "name", "phoneNumber", "email", "notes")


def for_event(c: Container, project_id: str, sub_account_id: str | None, e164: str) -> dict[str, Any] | None:
    """`data.contact` of an event: the contact at the other party's number in the scope, if any."""
    found = c.contacts.by_number(project_id, sub_account_id, e164)
    return {k: found.get(k) for k in EVENT_FIELDS} if found else None


def on_conversations(c: Container, project_id: str, conversations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each conversation with its participant's contact name (`contactName`, and AgentPhone's `participants`)."""
    by_scope: dict[str | None, list[str]] = defaultdict(list)
    for conv in conversations:
        by_scope[conv.get("subAccountId")].append(conv["participant"])
    names = {sub: c.contacts.names(project_id, sub, numbers) for sub, numbers in by_scope.items()}
    out = []
    for conv in conversations:
        name = names[conv.get("subAccountId")].get(conv["participant"])
        out.append({**conv, "contactName": name, "isGroup": False,
                    "participants": [{"identifier": conv["participant"], "name": name}]})
    return out
