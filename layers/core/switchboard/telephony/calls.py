"""What carrier callbacks do to calls: answer inbound calls, move calls through their states."""

from __future__ import annotations

from typing import Any

from switchboard.clock import iso
from switchboard.container import Container
from switchboard.errors import SwitchboardError
from switchboard.ids import new_id
from switchboard.logging import logger
from switchboard.models.call import TERMINAL_STATUSES
from switchboard.services import call_ended, outcomes
from switchboard.services.calls import stream_twiml

NOT_IN_SERVICE = "The number you have called is not in service. Goodbye."
NOT_ANSWERING = "This number is not taking calls right now. Please try again later. Goodbye."

# Twilio's CallStatus → (our status, end reason when the call ends this way).
STATUS_MAP: dict[str, tuple[str, str | None]] = {
    "queued": ("queued", None),
    "initiated": ("queued", None),
    "ringing": ("ringing", None),
    "in-progress": ("in-progress", None),
    "answered": ("in-progress", None),
    "completed": ("completed", None),
    "busy": ("busy", "busy"),
    "no-answer": ("no-answer", "no-answer"),
    "failed": ("failed", "error"),
    "canceled": ("canceled", "canceled"),
}
ANSWERED_BY = {"human": "human", "unknown": "unknown", "fax": "machine"}


def answer_inbound(c: Container, form: dict[str, str]) -> str:
    """TwiML for a call arriving at one of our numbers (or a polite refusal)."""
    from switchboard.carrier import twiml

    owner = c.numbers.owner_of(form.get("To", ""))
    if owner is None:
        return twiml.say_and_hangup(NOT_IN_SERVICE)
    project_id = owner["projectId"]
    number = c.numbers.get(project_id, owner["numberId"])
    if number["status"] != "active" or not number.get("inboundCallsEnabled", True) or not number.get("agentId"):
        return twiml.say_and_hangup(NOT_ANSWERING)
    agent = c.agents.find(project_id, number["agentId"])
    if agent is None:
        return twiml.say_and_hangup(NOT_ANSWERING)
    carrier_id = form.get("CallSid", "")
    existing = c.calls.by_carrier_id(carrier_id) if carrier_id else None
    if existing:  # Twilio retried the webhook: same call, same answer
        return stream_twiml(c, c.calls.get(*existing), existing[0])
    now = iso(c.clock())
    call = {
        "id": new_id("call"), "agentId": agent["id"], "agentName": agent["name"], "phoneNumberId": number["id"],
        "phoneNumber": number["phoneNumber"], "fromNumber": form.get("From", ""), "toNumber": number["phoneNumber"],
        "direction": "inbound", "status": "in-progress", "startedAt": now, "createdAt": now, "endedAt": None,
        "durationSeconds": None, "endReason": None, "lastTranscriptSnippet": None, "recordingAvailable": False,
        "recordingUrl": None, "metadata": None, "variables": {}, "answeredBy": None, "voiceMode": agent["voiceMode"],
        "subAccountId": number.get("subAccountId"),
    }
    call = c.calls.create(project_id, call, carrier_call_id=carrier_id or None)
    c.usage.add(project_id, calls=1, agent_id=agent["id"], number_id=number["id"],
                sub_account_id=number.get("subAccountId"))
    publish(c, project_id, "call.started", call)
    return stream_twiml(c, call, project_id)


def apply_status(c: Container, form: dict[str, str]) -> dict[str, Any] | None:
    """Move a call to the status Twilio reports; late or repeated callbacks change nothing."""
    found = c.calls.by_carrier_id(form.get("CallSid", ""))
    if found is None:
        logger.warning("status callback for an unknown call", extra={"callSid": form.get("CallSid")})
        return None
    project_id, call_id = found
    call = c.calls.get(project_id, call_id)
    if form.get("AnsweredBy") and not form.get("CallStatus"):
        return _machine_detection(c, project_id, call, form["AnsweredBy"])
    status, reason = STATUS_MAP.get(form.get("CallStatus", ""), (None, None))
    if status is None:
        return call
    seq = _int(form.get("SequenceNumber"))
    if seq is not None and seq <= call.get("lastStatusSeq", -1):
        return call
    changes: dict[str, Any] = {"lastStatusSeq": seq} if seq is not None else {}
    if form.get("AnsweredBy"):
        changes["answeredBy"] = ANSWERED_BY.get(form["AnsweredBy"], "machine")
    if status in TERMINAL_STATUSES:
        return _finish(c, project_id, call, status, reason, form, changes)
    if status == call["status"]:
        return call
    changes["status"] = status
    if status == "in-progress":
        changes["answeredAt"] = iso(c.clock())
    updated = c.calls.update(project_id, call_id, changes)
    if updated and status == "in-progress" and call["direction"] != "inbound":
        publish(c, project_id, "call.started", updated)
    return updated


def _finish(c: Container, project_id: str, call: dict[str, Any], status: str, reason: str | None,
            form: dict[str, str], changes: dict[str, Any]) -> dict[str, Any]:
    duration = _int(form.get("CallDuration"))
    already_ended = call["status"] in TERMINAL_STATUSES
    if duration is not None and call.get("durationSeconds") is None:
        changes["durationSeconds"] = duration
    if not already_ended:
        changes |= {"status": status, "endedAt": iso(c.clock()),
                    "endReason": call.get("endReason") or reason or _hangup_reason(call)}
    if not changes:
        return call
    updated = c.calls.update(project_id, call["id"], changes, unless_terminal=False) or call
    if not already_ended:
        c.usage.add(project_id, call_seconds=duration or 0, agent_id=call.get("agentId"),
                    number_id=call.get("phoneNumberId"), sub_account_id=call.get("subAccountId"))
        call_ended.announce(c, project_id, updated)
        outcomes.publish(c, project_id, updated)  # CallCompleted / CallFailed on the bus (outbound calls)
    return updated


def finish_from_carrier(c: Container, project_id: str, call: dict[str, Any], carrier_status: str,
                        duration: int | None, *, reason: str | None = None) -> dict[str, Any] | None:
    """End a call the way its lost final status callback would have (reconciliation); None if the carrier's
    status is not a final one. A callback that arrives later finds the call ended and changes nothing."""
    status, default_reason = STATUS_MAP.get(carrier_status, (None, None))
    if status not in TERMINAL_STATUSES:
        return None
    form = {"CallDuration": str(duration)} if duration is not None else {}
    return _finish(c, project_id, call, status, reason or default_reason, form, {"reconciledAt": iso(c.clock())})


def _machine_detection(c: Container, project_id: str, call: dict[str, Any], answered_by: str) -> dict[str, Any]:
    """The asynchronous AMD result: record who answered; on a machine, restart the stream in voicemail
    mode, so the relay leaves the agent's voicemail message (in the agent's voice) and hangs up."""
    who = ANSWERED_BY.get(answered_by, "machine")  # machine_start, machine_end_beep, ... are machines
    updated = c.calls.update(project_id, call["id"], {"answeredBy": who}) or call
    if who != "machine" or call["status"] != "in-progress" or not call.get("carrierCallId"):
        return updated
    agent = c.agents.find(project_id, call.get("agentId") or "")
    if agent is not None and agent.get("voicemailMessage"):
        try:
            c.carrier.update_call(call["carrierCallId"], twiml=stream_twiml(c, call, project_id, mode="voicemail"))
        except SwitchboardError:
            logger.exception("could not switch the call to voicemail", extra={"callId": call["id"]})
    return updated


def _hangup_reason(call: dict[str, Any]) -> str:
    return "caller-hangup" if call["direction"] == "inbound" else "callee-hangup"


MAX_CARRIER_INT = 2**31 - 1  # sequence numbers and durations beyond this are not the carrier's: ignored


def _int(value: str | None) -> int | None:
    """A carrier's count (sequence, seconds); absent, malformed or implausible values are None."""
    if value is None or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if number <= MAX_CARRIER_INT else None


def publish(c: Container, project_id: str, event: str, call: dict[str, Any]) -> None:
    """Queue a call event for webhook delivery; a queue outage never fails the carrier callback."""
    try:
        c.event_queue.publish(project_id, event, _public_call(call), agent_id=call.get("agentId"), channel="voice")
    except Exception:
        logger.exception("could not queue a call event", extra={"event": event, "callId": call.get("id")})


def _public_call(call: dict[str, Any]) -> dict[str, Any]:
    hidden = {"projectId", "carrierCallId", "lastStatusSeq", "turnCount", "systemPrompt"}
    return {k: v for k, v in call.items() if k not in hidden}
