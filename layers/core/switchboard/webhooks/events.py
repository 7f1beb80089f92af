"""The envelope every webhook event shares, and which events a webhook receives.

AgentPhone's own events reach every webhook, as they do there. Switchboard's extra events reach
a webhook only when its `events` list names them, so a handler written for AgentPhone never
sees an event it does not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from switchboard.clock import iso

AGENT_MESSAGE = "agent.message"
CALL_ENDED = "agent.call_ended"
REACTION = "agent.reaction"
AGENTPHONE_EVENTS = frozenset({AGENT_MESSAGE, CALL_ENDED, REACTION})
# Switchboard's extensions, delivered only on subscription.
EXTRA_EVENTS = frozenset({"call.started", "message.received", "message.sent"})
KNOWN_EVENTS = AGENTPHONE_EVENTS | EXTRA_EVENTS


def envelope(event: str, data: dict[str, Any], *, at: datetime, agent_id: str | None,
             channel: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"event": event}
    if channel:
        payload["channel"] = channel
    payload |= {"timestamp": iso(at), "agentId": agent_id, "data": data}
    return payload


def wants(hook: Mapping[str, Any], event: str) -> bool:
    """Whether `hook` receives `event`: AgentPhone's events always, ours when subscribed."""
    return event in AGENTPHONE_EVENTS or event in (hook.get("events") or ())
