"""Projects (tenants) and their API keys, stored only as SHA-256 hashes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from switchboard.clock import Clock, iso, utcnow
from switchboard.ids import new_id
from switchboard.store import counters, keys
from switchboard.store.api_keys import KEY_PREFIX, ApiKeyRepo, hash_key, new_secret
from switchboard.store.dynamo import Table, put_op

__all__ = ["KEY_PREFIX", "NewProject", "ProjectRepo", "hash_key"]


@dataclass(frozen=True)
class NewProject:
    project_id: str
    api_key: str


class ProjectRepo:
    def __init__(self, table: Table, clock: Clock = utcnow) -> None:
        self.table = table
        self.clock = clock

    def create(self, name: str, *, project_id: str | None = None, api_key: str | None = None) -> NewProject:
        """Create a project with one API key; the clear key is returned once and never stored."""
        project_id = project_id or new_id("proj")
        api_key = api_key or new_secret()
        now = iso(self.clock())
        # gsi1 "PROJECTS" lists every project, for the sweep that reconciles stuck calls.
        project = {"pk": keys.project_pk(project_id), "sk": keys.PROJECT_SK, "kind": "project",
                   "id": project_id, "name": name, "createdAt": now, "activeNumbers": 0,
                   "gsi1pk": keys.PROJECTS_INDEX_PK, "gsi1sk": keys.project_pk(project_id)}
        key_item = self.keys.item(project_id, api_key, "default")
        counts = counters.create_op(keys.scope_owner(project_id), {"apiKeys": 1}, counters.epoch_ms(self.clock()))
        self.table.transact([put_op(project, new=True), put_op(key_item, new=True), counts])
        return NewProject(project_id, api_key)

    @property
    def keys(self) -> ApiKeyRepo:
        return ApiKeyRepo(self.table, self.clock)

    def project_for_key(self, api_key: str) -> str | None:
        return self.keys.project_for(api_key)

    def all_ids(self) -> list[str]:
        """Every project's id (gsi1 "PROJECTS"; projects made before it are added when their key is next used)."""
        return [i["id"] for i in self.table.query(keys.PROJECTS_INDEX_PK, index="gsi1", prefix="PROJECT#")]

    def get(self, project_id: str) -> dict[str, Any] | None:
        return self.table.get(keys.project_pk(project_id), keys.PROJECT_SK)

