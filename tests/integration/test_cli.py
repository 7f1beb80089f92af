"""`switchboard create-project` makes a project whose printed key (stored only hashed) works."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx

from switchboard.container import Container
from switchboard.settings import Settings
from switchboard.store.projects import hash_key
from tests.support.lambdas import settings_env


def test_create_project_prints_a_working_key(settings: Settings, container: Container, api_url: str) -> None:
    env = {**os.environ, **settings_env(settings)}
    cli = Path(os.environ.get("VIRTUAL_ENV", ".venv")) / "bin" / "switchboard"
    cli = cli if cli.exists() else Path(".venv/bin/switchboard")
    out = subprocess.run([str(cli), "create-project", "acme"], env=env, capture_output=True, text=True, check=True)
    created = json.loads(out.stdout)
    assert created["projectId"].startswith("proj_") and created["apiKey"].startswith("sk_live_")
    stored = container.table.get(f"APIKEY#{hash_key(created['apiKey'])}", "APIKEY")
    assert stored["projectId"] == created["projectId"] and created["apiKey"] not in json.dumps(stored)
    resp = httpx.get(f"{api_url}/v1/agents", headers={"Authorization": f"Bearer {created['apiKey']}"})
    assert resp.status_code == 200 and resp.json()["total"] == 0
