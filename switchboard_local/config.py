"""Ports, paths and the persisted identity of a local deployment (`.switchboard/local.json`)."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]


def _port(name: str, default: int) -> int:
    value = os.environ.get(name, str(default))
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SystemExit(f"{name} must be a TCP port number, got '{value}'.")
    return int(value)


@dataclass(frozen=True)
class LocalPorts:
    api: int
    aws: int
    carrier: int
    relay: int
    relay_http: int

    @classmethod
    def from_env(cls) -> LocalPorts:
        return cls(
            api=_port("SWITCHBOARD_API_PORT", 8080),
            aws=_port("SWITCHBOARD_AWS_PORT", 4566),
            carrier=_port("SWITCHBOARD_CARRIER_PORT", 8090),
            relay=_port("SWITCHBOARD_RELAY_PORT", 8765),
            relay_http=_port("SWITCHBOARD_RELAY_HTTP_PORT", 8766),
        )


def state_dir() -> Path:
    return Path(os.environ.get("SWITCHBOARD_STATE_DIR", REPO_ROOT / ".switchboard"))


def load_identity(path: Path) -> dict[str, Any]:
    """What survives restarts: the project id, its API key and the local carrier's credentials."""
    try:
        saved = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        saved = {}
    return {
        "projectId": saved.get("projectId"),
        "apiKey": saved.get("apiKey"),
        "twilioAccountSid": saved.get("twilioAccountSid") or "AC" + secrets.token_hex(16),
        "twilioAuthToken": saved.get("twilioAuthToken") or secrets.token_hex(16),
        "signingKey": saved.get("signingKey") or secrets.token_urlsafe(32),
    }


def write_config(path: Path, values: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(values, indent=2) + "\n")
    tmp.chmod(0o600)
    tmp.replace(path)
