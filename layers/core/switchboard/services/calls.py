"""Placing and ending calls: the validation and carrier hand-off shared by the API and events."""

from __future__ import annotations

from typing import Any

from switchboard.clock import iso
from switchboard.container import Container
from switchboard.errors import InvalidInput, RateLimited, SwitchboardError
from switchboard.ids import new_id
from switchboard.models.call import TERMINAL_STATUSES, CallCreate
from switchboard.services import agents as agent_service
from switchboard.services.numbers import telephony_webhooks


def stream_twiml(c: Container, call: dict[str, Any], project_id: str) -> str:
    """TwiML that connects a call's audio to the media relay, naming the call in <Parameter>s."""
    from switchboard.carrier import twiml

    params = {"callId": call["id"], "projectId": project_id, "agentId": call.get("agentId") or ""}
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
    if mode == "webhook" and c.webhooks.resolve(project_id, agent["id"]) is None:
        raise InvalidInput(
            f"Agent '{agent['id']}' answers by webhook but no webhook is set (agent or project level); "
            "set one with POST /v1/webhooks, or pass 'systemPrompt' for a hosted call."
        )
    if body.scheduledAt is not None:
        raise InvalidInput("'scheduledAt' (scheduled calls) is not supported by this deployment yet; "
                           "omit it to call now.")
    if body.toNumber == number["phoneNumber"]:
        raise InvalidInput("'toNumber' is the agent's own caller number.")
    return agent, number, mode


def place(c: Container, project_id: str, body: CallCreate) -> dict[str, Any]:
    """Validate, store the call as queued, and hand it to the carrier."""
    agent, number, mode = _validate(c, project_id, body)
    limit = c.settings.plan.concurrent_calls
    if c.calls.count_live(project_id) >= limit:
        raise RateLimited(f"This plan allows {limit} calls at once; retry when one ends.", retry_after=30)
    now = iso(c.clock())
    call = {
        "id": new_id("call"), "agentId": agent["id"], "agentName": agent["name"], "phoneNumberId": number["id"],
        "phoneNumber": number["phoneNumber"], "fromNumber": number["phoneNumber"], "toNumber": body.toNumber,
        "direction": "outbound", "status": "queued", "startedAt": now, "createdAt": now, "endedAt": None,
        "durationSeconds": None, "endReason": None, "lastTranscriptSnippet": None, "recordingAvailable": False,
        "recordingUrl": None, "metadata": body.metadata, "variables": body.variables, "answeredBy": None,
        "voiceMode": mode, "initialGreeting": body.initialGreeting, "systemPrompt": body.systemPrompt,
        "voice": body.voice, "modelTier": body.modelTier, "disableRecording": bool(body.disableRecording),
    }
    c.calls.create(project_id, call)
    c.usage.add(project_id, calls=1, agent_id=agent["id"], number_id=number["id"])
    try:
        placed = c.carrier.place_call(
            to=body.toNumber, from_=number["phoneNumber"], twiml=stream_twiml(c, call, project_id),
            status_callback=telephony_webhooks(c.settings).status_url,
            time_limit_seconds=c.settings.plan.max_call_duration_minutes * 60,
            machine_detection=bool(agent.get("voicemailMessage")),
        )
    except SwitchboardError as exc:
        c.calls.update(project_id, call["id"], {"status": "failed", "endedAt": iso(c.clock()), "endReason": "error",
                                                "error": exc.detail})
        raise
    c.calls.set_carrier_id(project_id, call["id"], placed.carrier_call_id)
    return c.calls.get(project_id, call["id"])


def end(c: Container, project_id: str, call_id: str) -> dict[str, Any]:
    """End a live call; ending an ended call changes nothing."""
    call = c.calls.get(project_id, call_id)
    if call["status"] in TERMINAL_STATUSES:
        return call
    answered = call["status"] == "in-progress"
    if call.get("carrierCallId"):
        c.carrier.update_call(call["carrierCallId"], status="completed" if answered else "canceled")
    changes = {"status": "completed" if answered else "canceled", "endedAt": iso(c.clock()),
               "endReason": "api-ended"}
    return c.calls.update(project_id, call_id, changes) or c.calls.get(project_id, call_id)


def detail(c: Container, project_id: str, call_id: str) -> dict[str, Any]:
    call = c.calls.get(project_id, call_id)
    return {**call, "transcripts": c.calls.list_turns(call_id)}
