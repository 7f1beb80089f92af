"""Web calls: a call whose far end is a browser (or any WebSocket client) instead of a phone line.

`create` stores the call (`direction: web`, status `queued`) and a single-use, short-lived token
bound to it; the relay redeems the token when the socket opens (`join`: the call is then
`in-progress` and counted live) and reports the end (`finish`). Without a carrier, ending a web
call through the API only marks it ended: the relay watches the call's record and closes the socket.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

from switchboard.clock import iso
from switchboard.container import Container
from switchboard.errors import Conflict, InvalidInput
from switchboard.ids import new_id
from switchboard.models.call import TERMINAL_STATUSES, WebCallCreate
from switchboard.services import call_ended
from switchboard.services.calls import _check_capacity
from switchboard.store.web_tokens import WebCallGrant

# The socket's audio: the caller sends 16-bit PCM, the agent's audio comes back as mu-law (both 8 kHz).
AUDIO_FORMAT = {"sampleRate": 8000, "channels": 1, "frameMs": 20, "input": "pcm_s16le", "output": "mulaw"}
WEB_PARTY = "web"


def create(c: Container, project_id: str, body: WebCallCreate) -> dict[str, Any]:
    agent = c.agents.get(project_id, body.agentId)
    hook = c.webhooks.resolve(project_id, agent["id"], agent.get("subAccountId"))
    if agent["voiceMode"] == "webhook" and hook is None:
        raise InvalidInput(
            f"Agent '{agent['id']}' answers by webhook but no webhook is set (agent or project level); "
            "set one with POST /v1/webhooks, or make the agent hosted.")
    _check_capacity(c, project_id, agent.get("subAccountId"))
    now = c.clock()
    join_by = now + timedelta(seconds=c.settings.web_call_token_seconds)
    call = {
        "id": new_id("call"), "agentId": agent["id"], "agentName": agent["name"], "phoneNumberId": None,
        "phoneNumber": None, "fromNumber": WEB_PARTY, "toNumber": agent["id"], "direction": "web",
        "status": "queued", "startedAt": iso(now), "createdAt": iso(now), "endedAt": None, "durationSeconds": None,
        "endReason": None, "lastTranscriptSnippet": None, "recordingAvailable": False, "recordingUrl": None,
        "metadata": body.metadata, "variables": body.variables, "answeredBy": None,
        "voiceMode": agent["voiceMode"], "disableRecording": bool(body.disableRecording),
        "maxSilenceMs": body.maxSilenceMs, "endOfTurnSilenceMs": body.endOfTurnSilenceMs,
        "joinBy": iso(join_by),
        "subAccountId": agent.get("subAccountId"),
    }
    # Not a live call (nor counted) until a browser joins: an unused token must not hold a call slot.
    c.calls.create(project_id, call, live=False)
    token = c.web_tokens.issue(project_id, call["id"], int(join_by.timestamp()))
    return {"id": call["id"], "callId": call["id"], "accessToken": token, "expiresAt": call["joinBy"],
            "websocketUrl": f"{c.settings.browser_relay_url}?token={quote(token)}", "agentId": agent["id"],
            "status": call["status"], "audioFormat": AUDIO_FORMAT}


def join(c: Container, grant: WebCallGrant) -> dict[str, Any]:
    """The browser is on the socket: the call is answered and live (once; Conflict if it ended meanwhile)."""
    call = c.calls.claim_web_call(grant.project_id, grant.call_id, {"status": "in-progress",
                                                                    "answeredAt": iso(c.clock())})
    if call is None:
        raise Conflict("This web call has already ended.")
    c.usage.add(grant.project_id, calls=1, agent_id=call.get("agentId"), sub_account_id=call.get("subAccountId"))
    from switchboard.telephony.calls import publish

    publish(c, grant.project_id, "call.started", call)
    return call


def finish(c: Container, project_id: str, call_id: str, reason: str | None) -> dict[str, Any]:
    """The socket is closed: the call is over (the browser hung up unless the platform said otherwise)."""
    call = c.calls.get(project_id, call_id)
    now = iso(c.clock())
    changes: dict[str, Any] = {}
    if call["status"] not in TERMINAL_STATUSES:
        changes |= {"status": "completed", "endedAt": now,
                    "endReason": call.get("endReason") or reason or "caller-hangup"}
    if call.get("durationSeconds") is None:
        changes["durationSeconds"] = call_ended.duration_seconds({**call, **changes})
    if not changes:
        return call
    updated = c.calls.update(project_id, call_id, changes, unless_terminal=False) or call
    if "durationSeconds" in changes:
        c.usage.add(project_id, call_seconds=changes["durationSeconds"], agent_id=call.get("agentId"),
                    sub_account_id=call.get("subAccountId"))
    call_ended.announce(c, project_id, updated)
    return updated
