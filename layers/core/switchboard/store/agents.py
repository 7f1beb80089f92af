"""Agents, stored under their project's partition (sk AGENT#<id>, so ids sort by creation)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from switchboard.clock import Clock, iso, utcnow
from switchboard.errors import NotFound
from switchboard.ids import new_id
from switchboard.models.agent import upgrade_stored
from switchboard.scope import index_keys, list_source, owner, sub_of, visible
from switchboard.store import counters, keys
from switchboard.store.dynamo import Table, delete_op, is_conditional_failure, put_op, strip_keys
from switchboard.store.listing import Lister, ListSpec, Source

AGENT_LISTS = {"calls": 0, "conversations": 0}  # an agent's own lists, counted on its counter item


def _missing(agent_id: str) -> NotFound:
    return NotFound(f"No agent with id '{agent_id}' in this project.")


class AgentRepo:
    def __init__(self, table: Table, clock: Clock = utcnow) -> None:
        self.table = table
        self.clock = clock

    def create(self, project_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Store a new agent, count it in its scope's lists and start its own counters, in one transaction."""
        now = iso(self.clock())
        agent = {"id": new_id("agent"), **fields, "subAccountId": owner(project_id, fields), "createdAt": now,
                 "updatedAt": now}
        item = self.item(project_id, agent)
        at = counters.epoch_ms(self.clock())
        self.table.transact([put_op(item, new=True),
                             counters.create_op(keys.agent_index_pk(agent["id"]), AGENT_LISTS, at),
                             *counters.scope_ops(project_id, agent["subAccountId"], {"agents": 1}, at)])
        return agent

    @staticmethod
    def item(project_id: str, agent: dict[str, Any]) -> dict[str, Any]:
        """The stored item of an agent document (its keys, and gsi4's when it belongs to a sub-account)."""
        sk = keys.agent_sk(agent["id"])
        return {"pk": keys.project_pk(project_id), "sk": sk, "kind": "agent", **agent,
                **index_keys(agent.get("subAccountId"), sk)}

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
        spec = ListSpec.of("agents", Source(pk, index, "AGENT#"), counters.scope_counter(project_id, "agents"))
        items, total, has_more = Lister(self.table, self.clock).page(spec, limit, offset)
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
        """Delete the agent and take it out of its scope's counts (the condition makes a repeat count nothing)."""
        item = self.table.get(keys.project_pk(project_id), keys.agent_sk(agent_id), consistent=True)
        if item is None or not visible(project_id, item):
            raise _missing(agent_id)
        at = counters.epoch_ms(self.clock())
        try:
            self.table.transact([delete_op(keys.project_pk(project_id), keys.agent_sk(agent_id),
                                           condition="attribute_exists(pk)"),
                                 *counters.scope_ops(project_id, item.get("subAccountId"), {"agents": -1}, at)])
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise _missing(agent_id) from exc
            raise
