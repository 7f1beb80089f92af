"""Projects (tenants) and their API keys, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from switchboard.clock import Clock, iso, utcnow
from switchboard.ids import new_id
from switchboard.store import keys
from switchboard.store.dynamo import Table, put_op

KEY_PREFIX = "sk_live_"


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


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
        api_key = api_key or KEY_PREFIX + secrets.token_urlsafe(32)
        now = iso(self.clock())
        project = {"pk": keys.project_pk(project_id), "sk": keys.PROJECT_SK, "kind": "project",
                   "id": project_id, "name": name, "createdAt": now, "activeNumbers": 0}
        key_item = {"pk": keys.api_key_pk(hash_key(api_key)), "sk": keys.API_KEY_SK, "kind": "apikey",
                    "projectId": project_id, "createdAt": now, "keyPrefix": api_key[:12]}
        self.table.transact([put_op(project, new=True), put_op(key_item, new=True)])
        return NewProject(project_id, api_key)

    def project_for_key(self, api_key: str) -> str | None:
        item = self.table.get(keys.api_key_pk(hash_key(api_key)), keys.API_KEY_SK)
        return item["projectId"] if item else None

    def get(self, project_id: str) -> dict[str, Any] | None:
        return self.table.get(keys.project_pk(project_id), keys.PROJECT_SK)

