"""Calls whose final status callback never came: ask the carrier, and finish them as it says.

Twilio does not retry status callbacks, so a lost one would leave a call `in-progress` for ever,
holding a concurrent-call slot. Two things ask the carrier (`GET Calls/{sid}`) instead:
- the relay, when a call's media stream ends, queues a check `reconcile_delay_seconds` later
  (`request_check`); by then the carrier's own callback has normally finished the call;
- a sweep (`sweep`, every few minutes) looks at every live call older than
  `reconcile_min_age_seconds`, for calls whose relay died too.
Either way the call is finished with the carrier's status and duration through the same path as the
callback (`finish_from_carrier`), so `agent.call_ended` is claimed once and the live index is left.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from switchboard.clock import iso, parse_iso
from switchboard.container import Container
from switchboard.errors import NotFound, SwitchboardError
from switchboard.logging import logger
from switchboard.models.call import TERMINAL_STATUSES
from switchboard.store import keys
from switchboard.telephony.calls import finish_from_carrier

NEVER_DIALED_S = 300  # a queued call with no carrier id this old was never handed to the carrier
UNKNOWN_TO_CARRIER = "The carrier has no record of this call."


MAX_CHECKS = 5  # a call still live after this many checks (a transfer, say) is left to the sweep


def request_check(c: Container, project_id: str, call_id: str, attempt: int = 0) -> bool:
    """Queue a check of the call, `reconcile_delay_seconds` * 3^attempt from now (at most 15 minutes);
    False where no queue is configured."""
    url = c.settings.reconcile_queue_url
    if not url:
        return False
    delay = min(900, c.settings.reconcile_delay_seconds * 3 ** attempt)
    body = {"projectId": project_id, "callId": call_id, "attempt": attempt}
    c.aws_client("sqs").send_message(QueueUrl=url, DelaySeconds=delay, MessageBody=json.dumps(body))
    return True


def handle_check(c: Container, message: dict[str, Any]) -> str:
    """One queued check; a call the carrier still has live is checked again later (then by the sweep)."""
    outcome = check_call(c, message["projectId"], message["callId"])
    attempt = int(message.get("attempt", 0)) + 1
    if outcome == "live" and attempt < MAX_CHECKS:
        request_check(c, message["projectId"], message["callId"], attempt)
    return outcome


def check_call(c: Container, project_id: str, call_id: str) -> str:
    """Finish the call if the carrier says it ended: "ended", "live", "gone" (no such call) or "done" (already)."""
    try:
        call = c.calls.get(project_id, call_id)
    except NotFound:
        return "gone"
    if call["status"] in TERMINAL_STATUSES:
        return "done"
    carrier_id = call.get("carrierCallId")
    if not carrier_id:
        return _never_dialed(c, project_id, call)
    found = c.carrier.get_call(carrier_id)  # a carrier outage raises: the check is retried
    if found is None:
        finish_from_carrier(c, project_id, call, "failed", None, reason="error")
        c.calls.update(project_id, call_id, {"error": UNKNOWN_TO_CARRIER}, unless_terminal=False)
        return "ended"
    if finish_from_carrier(c, project_id, call, found.status, found.duration_seconds) is None:
        return "live"
    logger.info("call reconciled from the carrier", extra={"callId": call_id, "status": found.status})
    return "ended"


def _never_dialed(c: Container, project_id: str, call: dict[str, Any]) -> str:
    """A live call the carrier never got (the API died between storing and dialing): failed after a while."""
    if call.get("scheduledAt") and not call.get("dialedAt"):
        return "live"  # waiting for its schedule: not live, not ours to end
    age = (c.clock() - parse_iso(call.get("createdAt") or call["startedAt"])).total_seconds()
    if age < NEVER_DIALED_S:
        return "live"
    updated = c.calls.update(project_id, call["id"], {"status": "failed", "endedAt": iso(c.clock()),
                                                      "endReason": "error", "error": "The call was never dialed."})
    if updated is not None:
        from switchboard.services import call_ended, outcomes

        call_ended.announce(c, project_id, updated)
        outcomes.publish(c, project_id, updated)
    return "ended"


@dataclass
class SweepReport:
    checked: int = 0
    ended: list[str] = field(default_factory=list)
    errors: int = 0


def live_calls(c: Container, project_id: str) -> list[dict[str, Any]]:
    pairs = [(i["pk"], i["sk"]) for i in c.table.query(keys.live_call_index_pk(project_id), index="gsi3")]
    return c.table.batch_get(pairs) if pairs else []


def sweep(c: Container) -> SweepReport:
    """Check every live call older than `reconcile_min_age_seconds`, in every project."""
    report = SweepReport()
    oldest = c.clock() - timedelta(seconds=c.settings.reconcile_min_age_seconds)
    for project_id in c.projects.all_ids():
        for call in live_calls(c, project_id):
            started = call.get("createdAt") or call.get("startedAt")
            if started and parse_iso(started) > oldest:
                continue
            report.checked += 1
            try:
                if check_call(c, project_id, call["id"]) == "ended":
                    report.ended.append(call["id"])
            except SwitchboardError:  # the carrier is down: the next sweep tries again
                report.errors += 1
                logger.exception("could not reconcile a call", extra={"callId": call["id"]})
    return report
