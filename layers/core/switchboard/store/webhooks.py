"""Webhook configuration: one for the project, optionally one per agent (which wins for that agent)."""

from __future__ import annotations

from typing import Any

from switchboard.clock import Clock, iso, utcnow
from switchboard.ids import new_id
from switchboard.scope import sub_of
from switchboard.store import keys
from switchboard.store.dynamo import Table, strip_keys
from switchboard.webhooks.signing import new_secret

DEFAULT_CONTEXT_LIMIT = 10
DEFAULT_TIMEOUT = 30


class WebhookRepo:
    def __init__(self, table: Table, clock: Clock = utcnow) -> None:
        self.table = table
        self.clock = clock

    def get(self, project_id: str, agent_id: str | None = None) -> dict[str, Any] | None:
        """An agent's own webhook, or (no agent) the scope's: the project's, or a sub-account's own."""
        item = self.table.get(keys.project_pk(project_id), _sk(project_id, agent_id))
        return strip_keys(item) if item else None

    def set(self, project_id: str, url: str, context_limit: int | None, timeout: int | None,
            rotate_secret: bool = False, agent_id: str | None = None,
            events: list[str] | None = None) -> dict[str, Any]:
        """Create or replace; the id, the secret and the `events` list survive unless given anew."""
        current = self.get(project_id, agent_id) or {}
        now = iso(self.clock())
        hook = {
            "id": current.get("id") or new_id("wh"),
            "url": url,
            "secret": new_secret() if rotate_secret or not current else current["secret"],
            "status": "active",
            "contextLimit": context_limit if context_limit is not None else current.get(
                "contextLimit", DEFAULT_CONTEXT_LIMIT),
            "timeout": timeout if timeout is not None else current.get("timeout", DEFAULT_TIMEOUT),
            "createdAt": current.get("createdAt") or now,
            "updatedAt": now,
            "agentId": agent_id,
            "events": events if events is not None else current.get("events", []),
        }
        if not agent_id and sub_of(project_id):
            hook["subAccountId"] = sub_of(project_id)
        self.table.put({"pk": keys.project_pk(project_id), "sk": _sk(project_id, agent_id), "kind": "webhook",
                        **hook})
        return hook

    def delete(self, project_id: str, agent_id: str | None = None) -> bool:
        existed = self.get(project_id, agent_id) is not None
        self.table.delete(keys.project_pk(project_id), _sk(project_id, agent_id))
        return existed

    def resolve(self, project_id: str, agent_id: str | None,
                sub_account_id: str | None = None) -> dict[str, Any] | None:
        """The webhook an agent's events go to: its own, else its sub-account's, else the project's."""
        if agent_id:
            own = self.get(project_id, agent_id)
            if own:
                return own
        sub = sub_account_id or sub_of(project_id)
        if sub:
            theirs = self.table.get(keys.project_pk(project_id), keys.webhook_sk() + keys.sub_suffix(sub))
            if theirs:
                return strip_keys(theirs)
        return self.get(str(project_id))


def _sk(project_id: str, agent_id: str | None) -> str:
    return keys.webhook_sk(agent_id) if agent_id else keys.webhook_sk() + keys.sub_suffix(sub_of(project_id))
