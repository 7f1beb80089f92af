"""`agent.call_ended`: exactly one per call, sent once the call is over and its transcript is complete.

Whatever ends a call (a carrier status callback, `POST /v1/calls/{id}/end`, a refused dial, a
canceled schedule) calls `announce`; a conditional write lets only the first of them queue the
event, so a call yields one event however many paths notice its end (delivery is then at least
once, under one `X-Webhook-Id`). The event carries only the call id; its data is read when it is
delivered. The relay counts the media streams it holds on a call (`streamsOpen`) and releases its
count after the last turn and the post-call analysis are written, so the delivery waits (re-queued
with a delay) until no stream is open, or until the settle grace (`call_settle_grace_seconds`, 45 s)
after the call ended, when it goes with what is stored: a relay that died never releases its count,
so the call is then recorded as ended by an error (`endReason: error`, `error` says the relay stopped).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from switchboard.clock import parse_iso
from switchboard.container import Container
from switchboard.errors import NotFound
from switchboard.logging import logger
from switchboard.models.call import TERMINAL_STATUSES
from switchboard.webhooks.events import CALL_ENDED

CLAIM = "callEndedQueuedAt"
SETTLE_GRACE_S = 45.0  # longer than the post-call analysis may take (20 s), with room for the relay's writes
RELAY_LOST = "The media relay stopped during the call; the turns it had finished are stored."
HANGUPS = (None, "caller-hangup", "callee-hangup")  # what the carrier's end says when the relay said nothing
ANALYSIS_FIELDS = ("summary", "userSentiment", "callSuccessful")

# Our `endReason` → AgentPhone's `disconnectionReason` (statuses that say it all are mapped first).
BY_STATUS = {"busy": "busy", "no-answer": "no_answer", "failed": "failed"}
BY_REASON = {
    "caller-hangup": "user_hangup", "callee-hangup": "user_hangup", "agent-hangup": "agent_hangup",
    # The owner ended it through the API, or hung up before it was answered: our side hung up.
    "api-ended": "agent_hangup", "canceled": "agent_hangup",
    "transferred": "transfer", "voicemail": "voicemail", "silence-timeout": "silence_timeout",
    "max-duration": "max_duration", "error": "error", "no-answer": "no_answer", "busy": "busy",
}


def disconnection_reason(call: dict[str, Any]) -> str:
    """AgentPhone's snake_case reason for how `call` ended."""
    status = call.get("status", "")
    if status in BY_STATUS:
        return BY_STATUS[status]
    return BY_REASON.get(call.get("endReason") or "", "user_hangup" if status == "completed" else "error")


def transcript(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Turns as AgentPhone's `[{role, content}]`: the caller's words, then what the agent was heard saying."""
    lines: list[dict[str, str]] = []
    for turn in turns:
        if (turn.get("transcript") or "").strip():
            lines.append({"role": "user", "content": turn["transcript"]})
        if (turn.get("response") or "").strip():
            lines.append({"role": "agent", "content": turn["response"]})
    return lines


def duration_seconds(call: dict[str, Any]) -> int:
    """The carrier's duration when it reported one, else answer to end (0 for a call never answered)."""
    if call.get("durationSeconds") is not None:
        return int(call["durationSeconds"])
    answered = call.get("answeredAt") or (call.get("startedAt") if call.get("direction") == "inbound" else None)
    if not answered or not call.get("endedAt"):
        return 0
    return max(0, round((parse_iso(call["endedAt"]) - parse_iso(answered)).total_seconds()))


def event_data(call: dict[str, Any], turns: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "callId": call["id"], "numberId": call.get("phoneNumberId"), "from": call["fromNumber"],
        "to": call["toNumber"], "direction": call["direction"], "status": call["status"],
        "startedAt": call.get("startedAt"), "endedAt": call.get("endedAt"), "durationSeconds": duration_seconds(call),
        "disconnectionReason": disconnection_reason(call), "transcript": transcript(turns),
        # Switchboard's own, beside AgentPhone's fields.
        "endReason": call.get("endReason"), "answeredBy": call.get("answeredBy"), "metadata": call.get("metadata"),
    }
    data |= {f: call[f] for f in ANALYSIS_FIELDS if call.get(f) is not None}
    return data


def announce(c: Container, project_id: str, call: dict[str, Any]) -> bool:
    """Queue `agent.call_ended` for a call that has just ended, unless another path already did."""
    if call.get("status") not in TERMINAL_STATUSES or not c.calls.claim_once(project_id, call["id"], CLAIM):
        return False
    try:
        c.event_queue.publish(project_id, CALL_ENDED, {"callId": call["id"]}, agent_id=call.get("agentId"),
                              channel="voice")
    except Exception:
        logger.exception("could not queue agent.call_ended", extra={"callId": call["id"]})
        c.calls.release_claim(project_id, call["id"], CLAIM)  # so a later path may try again
        return False
    return True


def settle_wait(call: dict[str, Any], now: datetime, grace_s: float = SETTLE_GRACE_S) -> float:
    """Seconds to wait before the call's record is final (0: it is): the relay still holds a stream."""
    if call.get("status") not in TERMINAL_STATUSES:
        return 5.0
    if int(call.get("streamsOpen") or 0) <= 0 or not call.get("endedAt"):
        return 0.0
    left = (parse_iso(call["endedAt"]) + timedelta(seconds=grace_s) - now).total_seconds()
    return max(0.0, min(left, 2.0))


def relay_lost(call: dict[str, Any]) -> bool:
    """The call ended, its grace passed, and the relay never closed its stream: it died mid-call."""
    return int(call.get("streamsOpen") or 0) > 0 and not call.get("streamClosedAt") and \
        call.get("endReason") in HANGUPS and call.get("status") == "completed"


@dataclass(frozen=True)
class Prepared:
    data: dict[str, Any] | None  # None: the call is gone, nothing to send
    wait_s: float = 0.0  # > 0: ask again after this long


def prepare(c: Container, project_id: str, call_id: str) -> Prepared:
    """The event's data once the call has settled; else how long to wait."""
    try:
        call = c.calls.get(project_id, call_id)
    except NotFound:
        return Prepared(None)
    wait = settle_wait(call, c.clock(), c.settings.call_settle_grace_seconds)
    if wait > 0:
        return Prepared(None, wait)
    if relay_lost(call):
        call = c.calls.update(project_id, call_id, {"endReason": "error", "error": RELAY_LOST},
                              unless_terminal=False) or call
    return Prepared(event_data(call, c.calls.list_turns(call_id)))
