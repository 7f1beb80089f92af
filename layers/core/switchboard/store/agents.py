"""Agents, stored under their project's partition (sk AGENT#<id>, so ids sort by creation)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from switchboard.clock import Clock, iso, utcnow
from switchboard.errors import NotFound
from switchboard.ids import new_id
from switchboard.models.agent import upgrade_stored
from switchboard.scope import index_keys, list_source, owner, sub_of, visible
from switchboard.store import keys
from switchboard.store.dynamo import Table, is_conditional_failure, strip_keys
from switchboard.store.pages import page


def _missing(agent_id: str) -> NotFound:
    return NotFound(f"No agent with id '{agent_id}' in this project.")


class AgentRepo:
    def __init__(self, table: Table, clock: Clock = utcnow) -> None:
        self.table = table
        self.clock = clock

    def create(self, project_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        now = iso(self.clock())
        sub = owner(project_id, fields)
        agent = {"id": new_id("agent"), **fields, "subAccountId": sub, "createdAt": now, "updatedAt": now}
        sk = keys.agent_sk(agent["id"])
        item = {"pk": keys.project_pk(project_id), "sk": sk, "kind": "agent", **agent, **index_keys(sub, sk)}
        self.table.put(item, condition="attribute_not_exists(pk)")
        return agent

    def get(self, project_id: str, agent_id: str) -> dict[str, Any]:
        found = self.find(project_id, agent_id)
        if found is None:
            raise _missing(agent_id)
        return found

    def find(self, project_id: str, agent_id: str) -> dict[str, Any] | None:
        item = self.table.get(keys.project_pk(project_id), keys.agent_sk(agent_id))
        return upgrade_stored(strip_keys(item)) if item and visible(project_id, item) else None

    def sub_account_of(self, project_id: str, agent_id: str | None) -> str | None:
        """The sub-account an agent belongs to (None: the project's own, or no such agent)."""
        found = self.find(project_id, agent_id) if agent_id else None
        return (found or {}).get("subAccountId")

    def get_many(self, project_id: str, agent_ids: list[str]) -> dict[str, dict[str, Any]]:
        wanted = sorted(set(agent_ids))
        found = self.table.batch_get([(keys.project_pk(project_id), keys.agent_sk(a)) for a in wanted])
        return {item["id"]: upgrade_stored(strip_keys(item)) for item in found if visible(project_id, item)}

    def list(self, project_id: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int, bool]:
        pk, index = list_source(project_id)
        items, has_more = page(self.table.query(pk, index=index, prefix="AGENT#"), limit, offset)
        total = self.table.count(pk, index=index, prefix="AGENT#")
        return [upgrade_stored(strip_keys(i)) for i in items], total, has_more

    def update(self, project_id: str, agent_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        if sub_of(project_id):
            self.get(project_id, agent_id)
        changes = {**changes, "updatedAt": iso(self.clock())}
        try:
            item = self.table.update(
                keys.project_pk(project_id), keys.agent_sk(agent_id),
                set_=changes, condition="attribute_exists(pk)",
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise _missing(agent_id) from exc
            raise
        return upgrade_stored(strip_keys(item))

    def delete(self, project_id: str, agent_id: str) -> None:
        if sub_of(project_id):
            self.get(project_id, agent_id)
        try:
            self.table.delete(keys.project_pk(project_id), keys.agent_sk(agent_id),
                              condition="attribute_exists(pk)")
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise _missing(agent_id) from exc
            raise
