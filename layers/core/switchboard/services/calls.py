"""Placing and ending calls: the validation and carrier hand-off shared by the API and events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from switchboard.clock import iso, parse_iso
from switchboard.container import Container
from switchboard.errors import InvalidInput, NotFound, RateLimited, SwitchboardError
from switchboard.ids import new_id
from switchboard.logging import logger
from switchboard.models.call import TERMINAL_STATUSES, CallCreate
from switchboard.scheduling import NOT_SET_UP, due_second
from switchboard.services import agents as agent_service
from switchboard.services import call_ended, outcomes
from switchboard.services.numbers import telephony_webhooks

# A due scheduled call reaches functions/outbound as this event (the schedule's payload).
SCHEDULE_SOURCE = "switchboard.scheduler"
SCHEDULED_CALL_DUE = "ScheduledCallDue"


def stream_twiml(c: Container, call: dict[str, Any], project_id: str, mode: str | None = None) -> str:
    """TwiML that connects a call's audio to the media relay, naming the call in <Parameter>s.

    `mode="voicemail"` tells the relay the far end is an answering machine: leave the agent's
    voicemail message and hang up.
    """
    from switchboard.carrier import twiml

    params = {"callId": call["id"], "projectId": project_id, "agentId": call.get("agentId") or ""}
    if mode:
        params["mode"] = mode
    return twiml.connect_stream(c.settings.relay_url, params)


def _caller_number(c: Container, project_id: str, agent_id: str, from_number_id: str | None) -> dict[str, Any]:
    numbers = c.numbers.for_agent(agent_id)
    if from_number_id:
        c.numbers.get(project_id, from_number_id)  # unknown or foreign id: 404
        match = [n for n in numbers if n["id"] == from_number_id]
        if not match:
            raise InvalidInput(f"'fromNumberId' {from_number_id} is not attached to agent '{agent_id}'.")
        return match[0]
    if not numbers:
        raise InvalidInput(f"Agent '{agent_id}' has no phone number to call from; attach one first.")
    return numbers[0]


def _validate(c: Container, project_id: str, body: CallCreate) -> tuple[dict[str, Any], dict[str, Any], str]:
    agent = c.agents.get(project_id, body.agentId)
    number = _caller_number(c, project_id, agent["id"], body.fromNumberId)
    if body.voice is not None:
        agent_service._check_voice(c, body.voice)
    mode = "hosted" if body.systemPrompt else agent["voiceMode"]
    if body.systemPrompt is not None and not body.systemPrompt.strip():
        raise InvalidInput("'systemPrompt' must not be empty when given.")
    if mode == "webhook" and c.webhooks.resolve(project_id, agent["id"], agent.get("subAccountId")) is None:
        raise InvalidInput(
            f"Agent '{agent['id']}' answers by webhook but no webhook is set (agent or project level); "
            "set one with POST /v1/webhooks, or pass 'systemPrompt' for a hosted call."
        )
    if body.toNumber == number["phoneNumber"]:
        raise InvalidInput("'toNumber' is the agent's own caller number.")
    return agent, number, mode


def _due(c: Container, scheduled_at: str | None) -> datetime | None:
    """When a scheduled call is due; None to call now (no `scheduledAt`, or one not in the future)."""
    if scheduled_at is None:
        return None
    try:
        due = parse_iso(scheduled_at)
    except ValueError as exc:
        raise InvalidInput(f"'scheduledAt' must be an ISO 8601 time, e.g. 2026-12-01T09:30:00Z; got "
                           f"'{scheduled_at}'.") from exc
    if due <= c.clock():
        return None
    if not c.scheduler.configured:
        raise InvalidInput(NOT_SET_UP)
    return due_second(due)


def _check_capacity(c: Container, project_id: str, sub: str | None = None) -> None:
    plan = c.settings.plan
    limit = plan.concurrent_calls
    if c.calls.count_live(project_id) >= limit:
        raise RateLimited(f"This plan allows {limit} calls at once; retry when one ends.", retry_after=30)
    sub_limit = plan.sub_account_concurrent_calls
    if sub and sub_limit is not None and c.calls.count_live(project_id, sub) >= sub_limit:
        raise RateLimited(f"This plan allows {sub_limit} calls at once per sub-account; retry when one of "
                          "this sub-account's calls ends.", retry_after=30)


def place(c: Container, project_id: str, body: CallCreate, *, origin: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validate and store the call as queued; dial it now, or schedule it when `scheduledAt` is in the future.

    `origin` (`requestEventId`, `requestSource`) names the event that asked for the call.
    """
    agent, number, mode = _validate(c, project_id, body)
    due = _due(c, body.scheduledAt)
    if due is None:
        _check_capacity(c, project_id, agent.get("subAccountId"))
    now = iso(c.clock())
    call = {
        "id": new_id("call"), "agentId": agent["id"], "agentName": agent["name"], "phoneNumberId": number["id"],
        "phoneNumber": number["phoneNumber"], "fromNumber": number["phoneNumber"], "toNumber": body.toNumber,
        "direction": "outbound", "status": "queued", "startedAt": now, "createdAt": now, "endedAt": None,
        "durationSeconds": None, "endReason": None, "lastTranscriptSnippet": None, "recordingAvailable": False,
        "recordingUrl": None, "metadata": body.metadata, "variables": body.variables, "answeredBy": None,
        "voiceMode": mode, "initialGreeting": body.initialGreeting, "systemPrompt": body.systemPrompt,
        "voice": body.voice, "modelTier": body.modelTier, "disableRecording": bool(body.disableRecording),
        "maxSilenceMs": body.maxSilenceMs, "endOfTurnSilenceMs": body.endOfTurnSilenceMs,
        "firstSpeaker": body.firstSpeaker, "subAccountId": agent.get("subAccountId"), **(origin or {}),
    }
    if due is not None:
        call["scheduledAt"] = iso(due)
        c.calls.create(project_id, call, live=False)  # not a live call until its schedule fires
        return _schedule(c, project_id, call, due)
    c.calls.create(project_id, call)
    c.usage.add(project_id, calls=1, agent_id=agent["id"], number_id=number["id"],
                sub_account_id=agent.get("subAccountId"))
    return _dial(c, project_id, call, agent)


def _schedule(c: Container, project_id: str, call: dict[str, Any], due: datetime) -> dict[str, Any]:
    from switchboard.scheduling import scheduled_event

    payload = scheduled_event(SCHEDULE_SOURCE, SCHEDULED_CALL_DUE, {"projectId": project_id, "callId": call["id"]},
                              c.settings.outbound_function_arn or "")
    try:
        c.scheduler.create_one_off(call["id"], due, payload)
    except SwitchboardError as exc:
        _fail(c, project_id, call["id"], exc)
        raise
    return c.calls.get(project_id, call["id"])


def _dial(c: Container, project_id: str, call: dict[str, Any], agent: dict[str, Any]) -> dict[str, Any]:
    """Hand a stored call to the carrier; a refusal marks the call failed (and is raised)."""
    try:
        placed = c.carrier.place_call(
            to=call["toNumber"], from_=call["fromNumber"], twiml=stream_twiml(c, call, project_id),
            status_callback=telephony_webhooks(c.settings).status_url,
            time_limit_seconds=c.settings.plan.max_call_duration_minutes * 60,
            machine_detection=bool(agent.get("voicemailMessage")),
        )
    except SwitchboardError as exc:
        _fail(c, project_id, call["id"], exc)
        raise
    c.calls.set_carrier_id(project_id, call["id"], placed.carrier_call_id)
    stored = c.calls.get(project_id, call["id"])
    if stored["status"] in TERMINAL_STATUSES and stored.get("scheduledAt"):
        # Canceled while it was being dialed (a scheduled call's end() raced the schedule): hang up.
        try:
            c.carrier.update_call(placed.carrier_call_id, status="canceled")
        except SwitchboardError:
            logger.exception("could not hang up a call canceled while dialing", extra={"callId": call["id"]})
    return stored


def _fail(c: Container, project_id: str, call_id: str, exc: SwitchboardError) -> dict[str, Any] | None:
    failed = c.calls.update(project_id, call_id, {"status": "failed", "endedAt": iso(c.clock()), "endReason": "error",
                                                  "error": exc.detail})
    if failed is not None:
        call_ended.announce(c, project_id, failed)
        outcomes.publish(c, project_id, failed)
    return failed


def dial_scheduled(c: Container, project_id: str, call_id: str) -> tuple[str, dict[str, Any] | None]:
    """Place a scheduled call whose time has come: ("placed" | "failed" | "skipped", the call).

    The call is checked again as the API would check it now (the agent, its number or its webhook
    may have changed since); a call already dialed or canceled is skipped, so a repeated firing
    places nothing. Over the concurrent-call limit, RateLimited is raised for the invoker to retry.
    """
    try:
        call = c.calls.get(project_id, call_id)
    except NotFound:
        return "skipped", None
    if call["status"] != "queued" or call.get("dialedAt") or not call.get("scheduledAt"):
        return "skipped", call
    body = CallCreate.model_validate({
        "agentId": call["agentId"], "toNumber": call["toNumber"], "fromNumberId": call["phoneNumberId"],
        "voice": call.get("voice"), "systemPrompt": call.get("systemPrompt"),
    })
    try:
        agent, _, mode = _validate(c, project_id, body)
    except (InvalidInput, NotFound) as exc:
        return "failed", _fail(c, project_id, call_id, exc)
    _check_capacity(c, project_id)
    claimed = c.calls.claim_scheduled(project_id, call_id, {"voiceMode": mode})
    if claimed is None:
        return "skipped", c.calls.get(project_id, call_id)
    c.usage.add(project_id, calls=1, agent_id=agent["id"], number_id=claimed.get("phoneNumberId"),
                sub_account_id=claimed.get("subAccountId"))
    try:
        return "placed", _dial(c, project_id, claimed, agent)
    except SwitchboardError:
        return "failed", c.calls.get(project_id, call_id)


def end(c: Container, project_id: str, call_id: str) -> dict[str, Any]:
    """End a live call; ending an ended call changes nothing. A queued scheduled call is canceled and
    its schedule deleted."""
    call = c.calls.get(project_id, call_id)
    if call["status"] in TERMINAL_STATUSES:
        return call
    answered = call["status"] == "in-progress"
    if call.get("carrierCallId"):
        c.carrier.update_call(call["carrierCallId"], status="completed" if answered else "canceled")
    changes = {"status": "completed" if answered else "canceled", "endedAt": iso(c.clock()),
               "endReason": "api-ended"}
    updated = c.calls.update(project_id, call_id, changes)
    if updated is None:  # it ended meanwhile
        return c.calls.get(project_id, call_id)
    if call.get("scheduledAt") and not call.get("carrierCallId"):
        _unschedule(c, call_id)
    call_ended.announce(c, project_id, updated)
    outcomes.publish(c, project_id, updated)
    return updated


def _unschedule(c: Container, call_id: str) -> None:
    # The call is already canceled, so a schedule that fires anyway is skipped (dial_scheduled);
    # deleting it is tidiness, and a failure here must not undo the cancel.
    try:
        c.scheduler.delete(call_id)
    except Exception:
        logger.exception("could not delete a canceled call's schedule", extra={"callId": call_id})


def detail(c: Container, project_id: str, call_id: str) -> dict[str, Any]:
    call = c.calls.get(project_id, call_id)
    return {**call, "transcripts": c.calls.list_turns(call_id)}
