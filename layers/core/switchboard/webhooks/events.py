"""The envelope every webhook event shares (voice turns build theirs in the relay)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from switchboard.clock import iso


def envelope(event: str, data: dict[str, Any], *, at: datetime, agent_id: str | None,
             channel: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"event": event}
    if channel:
        payload["channel"] = channel
    payload |= {"timestamp": iso(at), "agentId": agent_id, "data": data}
    return payload
