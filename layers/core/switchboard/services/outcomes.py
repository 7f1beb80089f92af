"""`CallCompleted` / `CallFailed` on the platform's bus, so workflows can chain on an outbound call's end.

Every outbound call (placed by the API, an `OutboundCallRequested` event or a schedule) that
reaches a terminal status emits one of them, from wherever the call ends: a carrier status
callback, `POST /v1/calls/{id}/end`, a refused dial, a scheduled call that can no longer be
placed. An `OutboundCallRequested` event that is refused before any call exists emits
`CallFailed` with `callId: null` and `endReason: "invalid-request"`, so a workflow waiting on
its request always hears back. Delivery is at least once: match on `callId` or `requestEventId`.
A bus outage is logged and never fails the call path that noticed the end.
"""

from __future__ import annotations

from typing import Any

from switchboard.container import Container
from switchboard.logging import logger
from switchboard.models.call import TERMINAL_STATUSES

SOURCE = "switchboard"
COMPLETED = "CallCompleted"
FAILED = "CallFailed"
INVALID_REQUEST = "invalid-request"

# What a workflow needs to act on an outcome; transcripts stay behind (the 256 KB event limit).
FIELDS = ("agentId", "status", "endReason", "error", "direction", "fromNumber", "toNumber", "phoneNumberId",
          "startedAt", "answeredAt", "endedAt", "durationSeconds", "answeredBy", "scheduledAt", "metadata",
          "variables", "requestEventId", "requestSource")


def call_outcome(project_id: str, call: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(detail-type, detail) of an ended call."""
    detail = {"callId": call["id"], "projectId": project_id} | {f: call.get(f) for f in FIELDS}
    return (COMPLETED if call["status"] == "completed" else FAILED), detail


def publish(c: Container, project_id: str, call: dict[str, Any]) -> None:
    """Emit the outcome of an outbound call that has just ended (other calls are ignored)."""
    if call.get("direction") != "outbound" or call.get("status") not in TERMINAL_STATUSES:
        return
    detail_type, detail = call_outcome(project_id, call)
    _put(c, detail_type, detail)


def publish_rejection(c: Container, *, project_id: str | None, event_id: str, source: str, reason: str,
                      metadata: Any = None) -> None:
    """Emit `CallFailed` for an `OutboundCallRequested` event that was refused before a call existed."""
    detail = {"callId": None, "projectId": project_id, "status": "failed", "endReason": INVALID_REQUEST,
              "error": reason, "direction": "outbound", "metadata": metadata if isinstance(metadata, dict) else None,
              "requestEventId": event_id, "requestSource": source}
    _put(c, FAILED, detail)


def _put(c: Container, detail_type: str, detail: dict[str, Any]) -> None:
    try:
        c.event_bus.put(SOURCE, detail_type, detail)
    except Exception:
        logger.exception("could not put a call outcome on the bus",
                         extra={"detailType": detail_type, "callId": detail.get("callId"),
                                "requestEventId": detail.get("requestEventId")})
