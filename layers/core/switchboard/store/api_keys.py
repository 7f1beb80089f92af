"""API keys: stored only as SHA-256 hashes, listed per project, revoked by deleting the hash's item.

The request path reads `APIKEY#<hash>` with a consistent read, so a revoked key stops working at once
(the API, /mcp and every route that authenticates through `authenticate`). The list is the project's
keys on gsi1 (`KEYS#<project>`); a key made before keys had ids gets one the first time it is used.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from botocore.exceptions import ClientError

from switchboard.clock import Clock, iso, utcnow
from switchboard.errors import Conflict, NotFound
from switchboard.ids import new_id
from switchboard.store import counters, keys
from switchboard.store.dynamo import Expr, Table, delete_op, is_conditional_failure, put_op, update_op
from switchboard.store.listing import Lister, ListSpec, Source

KEY_PREFIX = "sk_live_"
SHOWN_PREFIX_CHARS = 12  # "sk_live_" and four characters: enough to tell keys apart, useless to an attacker


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8", "surrogatepass")).hexdigest()


def new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def public(item: dict[str, Any]) -> dict[str, Any]:
    """What anyone may see of a key: never its hash, never the key."""
    return {"id": item["id"], "prefix": item.get("keyPrefix", ""), "name": item.get("name"),
            "createdAt": item["createdAt"]}


class ApiKeyRepo:
    def __init__(self, table: Table, clock: Clock = utcnow) -> None:
        self.table, self.clock = table, clock

    def item(self, project_id: str, api_key: str, name: str | None = None) -> dict[str, Any]:
        key_id = new_id("key")
        return {"pk": keys.api_key_pk(hash_key(api_key)), "sk": keys.API_KEY_SK, "kind": "apikey",
                "id": key_id, "projectId": project_id, "name": name, "createdAt": iso(self.clock()),
                "keyPrefix": api_key[:SHOWN_PREFIX_CHARS], "gsi1pk": keys.api_keys_index_pk(project_id),
                "gsi1sk": keys.api_key_sk(key_id)}

    def project_for(self, api_key: str) -> str | None:
        """The project a key belongs to (None: unknown or revoked); read consistently, so revocation is at once."""
        item = self.table.get(keys.api_key_pk(hash_key(api_key)), keys.API_KEY_SK, consistent=True)
        if item is None:
            return None
        if "id" not in item:  # a key from before keys had ids: give it one, so it can be listed and revoked
            self._give_id(item)
        return str(item["projectId"])

    def _give_id(self, item: dict[str, Any]) -> None:
        """List an old key (it joins the project's key count) and its project (the stuck-call sweep's list)."""
        key_id, project_id = new_id("key"), item["projectId"]
        expr = Expr()
        listed = update_op(item["pk"], item["sk"], expr=expr, condition=f"attribute_not_exists({expr.name('id')})",
                           set_={"id": key_id, "gsi1pk": keys.api_keys_index_pk(project_id),
                                 "gsi1sk": keys.api_key_sk(key_id)})
        try:
            self.table.transact([listed, self._counted(project_id, 1)])
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
            return  # another request gave it an id first
        self.table.update(keys.project_pk(project_id), keys.PROJECT_SK, set_={
            "gsi1pk": keys.PROJECTS_INDEX_PK, "gsi1sk": keys.project_pk(project_id)})

    def _counted(self, project_id: str, delta: int) -> dict[str, Any]:
        return counters.change_op(keys.scope_owner(project_id), {"apiKeys": delta}, counters.epoch_ms(self.clock()))

    def create(self, project_id: str, name: str | None = None) -> dict[str, Any]:
        """A new key for the project: the answer holds `key`, shown this once."""
        api_key = new_secret()
        item = self.item(project_id, api_key, name)
        self.table.transact([put_op(item, new=True), self._counted(project_id, 1)])
        return {**public(item), "key": api_key}

    def list(self, project_id: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int, bool]:
        spec = ListSpec.of("apiKeys", Source(keys.api_keys_index_pk(project_id), "gsi1", "APIKEY#"),
                        counters.Counter(keys.scope_owner(project_id), ("apiKeys",), "apiKeys"))
        items, total, has_more = Lister(self.table, self.clock).page(spec, limit, offset)
        return [public(i) for i in items], total, has_more

    def _find(self, project_id: str, key_id: str) -> dict[str, Any]:
        pk = keys.api_keys_index_pk(project_id)
        expr = Expr()
        found = list(self.table.query(pk, index="gsi1", prefix=keys.api_key_sk(key_id), expr=expr))
        match = [i for i in found if i.get("id") == key_id]
        if not match:
            raise NotFound(f"No API key with id '{key_id}' in this project.")
        return match[0]

    def _others(self, project_id: str, key_id: str) -> int:
        return sum(1 for i in self.table.query(keys.api_keys_index_pk(project_id), index="gsi1", prefix="APIKEY#")
                   if i.get("id") != key_id)

    def revoke(self, project_id: str, key_id: str, *, allow_last: bool = False) -> dict[str, Any]:
        """Delete the key's item: the next request with it is 401. The last key stays unless `allow_last`."""
        item = self._find(project_id, key_id)
        if not allow_last and self._others(project_id, key_id) == 0:
            raise Conflict("This is the project's last API key; create another before revoking it (or rotate it).")
        try:
            self.table.transact([delete_op(item["pk"], item["sk"], condition="attribute_exists(pk)"),
                                 self._counted(project_id, -1)])
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
            raise NotFound(f"No API key with id '{key_id}' in this project.") from exc
        return {"success": True, "id": key_id}

    def rotate(self, project_id: str, key_id: str) -> dict[str, Any]:
        """Replace a key in one transaction: the new one works and the old one does not, from the same moment."""
        old = self._find(project_id, key_id)
        api_key = new_secret()
        item = self.item(project_id, api_key, old.get("name"))
        expr = Expr()
        try:
            self.table.transact([put_op(item, new=True),
                                 delete_op(old["pk"], old["sk"], condition="attribute_exists(pk)", expr=expr),
                                 counters.change_op(keys.scope_owner(project_id), {}, counters.epoch_ms(self.clock()),
                                                    moved=["apiKeys"])])
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
            raise NotFound(f"No API key with id '{key_id}' in this project.") from exc
        return {**public(item), "key": api_key, "replaces": key_id}
