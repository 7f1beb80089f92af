"""API keys: list (prefix and time only), create, revoke and rotate, by API and CLI; revocation at once.

"At once" covers every path that authenticates with a key: the /v1 routes, a long poll's next request,
and /mcp. Keys are stored only as hashes.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx

from switchboard.container import Container
from switchboard.settings import Settings
from switchboard.store import keys as table_keys
from switchboard.store.api_keys import hash_key
from tests.support.lambdas import settings_env

MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def as_key(api_url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def mcp_status(api_url: str, key: str) -> int:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {key}"}
    return httpx.post(f"{api_url}/mcp", json=body, headers=headers).status_code


def test_list_shows_prefix_and_time_only_and_keys_are_stored_hashed(api: httpx.Client, container: Container,
                                                                   project: Any) -> None:
    made = api.post("/v1/api-keys", json={"name": "ci"})
    assert made.status_code == 201, made.text
    new = made.json()
    assert new["key"].startswith("sk_live_") and new["prefix"] == new["key"][:12] and new["name"] == "ci"
    listed = api.get("/v1/api-keys").json()
    assert listed["total"] == 2 and {k["id"] for k in listed["data"]} >= {new["id"]}
    for entry in listed["data"]:
        assert set(entry) == {"id", "prefix", "name", "createdAt"}, entry
    raw = json.dumps(list(container.table.query(table_keys.api_keys_index_pk(project.project_id), index="gsi1")))
    assert new["key"] not in raw and project.api_key not in raw
    assert container.table.get(table_keys.api_key_pk(hash_key(new["key"])), table_keys.API_KEY_SK) is not None


def test_revocation_takes_effect_at_once_everywhere(api: httpx.Client, api_url: str) -> None:
    second = api.post("/v1/api-keys").json()
    with as_key(api_url, second["key"]) as other:
        agent = other.post("/v1/agents", json={"name": "Mine"}).json()
        assert other.get(f"/v1/agents/{agent['id']}").status_code == 200
        assert mcp_status(api_url, second["key"]) == 200
        assert api.delete(f"/v1/api-keys/{second['id']}").json() == {"success": True, "id": second["id"]}
        for method, path in (("GET", "/v1/agents"), ("GET", f"/v1/agents/{agent['id']}"),
                             ("POST", "/v1/api-keys"), ("GET", "/v1/calls/call_x?wait=true&timeout=1")):
            assert other.request(method, path).status_code == 401, path
        assert mcp_status(api_url, second["key"]) == 401
    assert api.get("/v1/agents").json()["total"] == 1  # the project and its data are untouched
    assert api.delete(f"/v1/api-keys/{second['id']}").status_code == 404


def test_rotation_swaps_keys_in_one_step_and_the_last_key_stays(api: httpx.Client, api_url: str,
                                                                project: Any) -> None:
    (only,) = api.get("/v1/api-keys").json()["data"]
    assert api.delete(f"/v1/api-keys/{only['id']}").status_code == 409  # the API never locks a project out
    rotated = api.post(f"/v1/api-keys/{only['id']}/rotate").json()
    assert rotated["replaces"] == only["id"] and rotated["id"] != only["id"]
    assert api.get("/v1/agents").status_code == 401  # `api` holds the old key
    with as_key(api_url, rotated["key"]) as fresh:
        assert [k["id"] for k in fresh.get("/v1/api-keys").json()["data"]] == [rotated["id"]]
        assert fresh.post(f"/v1/api-keys/{only['id']}/rotate").status_code == 404


def test_another_project_and_a_sub_account_cannot_touch_the_keys(api: httpx.Client, api_url: str,
                                                                  container: Container) -> None:
    (mine,) = api.get("/v1/api-keys").json()["data"]
    other = container.projects.create("B")
    with as_key(api_url, other.api_key) as b:
        assert b.delete(f"/v1/api-keys/{mine['id']}").status_code == 404
        assert b.post(f"/v1/api-keys/{mine['id']}/rotate").status_code == 404
        assert mine["id"] not in {k["id"] for k in b.get("/v1/api-keys").json()["data"]}
    sub = api.post("/v1/sub-accounts", json={"name": "S"}).json()
    assert api.get("/v1/api-keys", headers={"X-Sub-Account-Id": sub["id"]}).status_code == 403
    assert api.post("/v1/api-keys", headers={"X-Sub-Account-Id": sub["id"]}).status_code == 403
    assert api.get("/v1/api-keys").json()["total"] == 1


def test_a_key_from_before_key_ids_is_listed_once_used(api_url: str, container: Container) -> None:
    legacy = "sk_live_legacy_" + "x" * 30
    container.table.put({"pk": table_keys.project_pk("proj_legacy"), "sk": table_keys.PROJECT_SK, "kind": "project",
                         "id": "proj_legacy", "name": "old", "createdAt": "2026-01-01T00:00:00.000Z",
                         "activeNumbers": 0})
    container.table.put({"pk": table_keys.api_key_pk(hash_key(legacy)), "sk": table_keys.API_KEY_SK, "kind": "apikey",
                         "projectId": "proj_legacy", "createdAt": "2026-01-01T00:00:00.000Z",
                         "keyPrefix": legacy[:12]})
    with as_key(api_url, legacy) as old:
        (entry,) = old.get("/v1/api-keys").json()["data"]
        assert entry["prefix"] == legacy[:12] and entry["id"].startswith("key_")
    assert "proj_legacy" in container.projects.all_ids()


def _cli(settings: Settings, *args: str) -> list[dict[str, Any]]:
    env = {**os.environ, **settings_env(settings)}
    cli = Path(".venv/bin/switchboard")
    out = subprocess.run([str(cli), *args], env=env, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def test_the_cli_lists_creates_rotates_and_revokes(settings: Settings, api_url: str, project: Any) -> None:
    (made,) = _cli(settings, "keys", "create", project.project_id, "--name", "ops")
    listed = _cli(settings, "keys", "list", project.project_id)
    assert made["id"] in {k["id"] for k in listed} and all("key" not in k for k in listed)
    (rotated,) = _cli(settings, "keys", "rotate", project.project_id, made["id"])
    assert as_key(api_url, made["key"]).get("/v1/agents").status_code == 401
    assert as_key(api_url, rotated["key"]).get("/v1/agents").status_code == 200
    (revoked,) = _cli(settings, "keys", "revoke", project.project_id, rotated["id"])
    assert revoked == {"success": True, "id": rotated["id"]}
    assert as_key(api_url, rotated["key"]).get("/v1/agents").status_code == 401
    assert as_key(api_url, project.api_key).get("/v1/agents").status_code == 200
