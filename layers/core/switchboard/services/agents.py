"""Agent rules: defaults, voice and language checks, hosted-mode prompt, numbers attached."""

from __future__ import annotations

from typing import Any

from switchboard import voices
from switchboard.container import Container
from switchboard.errors import Conflict, InvalidInput
from switchboard.models.agent import AGENT_DEFAULTS, AgentCreate, AgentUpdate
from switchboard.services.numbers import same_scope
from switchboard.webhooks.ssrf import check_url

# Fields that always have a value: an explicit null in a PATCH is a mistake, not "unset".
NOT_NULLABLE = frozenset({
    "name", "voiceMode", "voice", "modelTier", "sttMode", "language", "maxSilenceMs", "endOfTurnSilenceMs",
    "interruptionSensitivity",
    "voiceSpeed", "enableBackchannel", "enableMessaging", "ambientSound",
})


def number_summary(number: dict[str, Any]) -> dict[str, Any]:
    return {"id": number["id"], "phoneNumber": number["phoneNumber"], "status": number["status"],
            "type": number.get("type", "local")}


def view(c: Container, agent: dict[str, Any], numbers: list[dict[str, Any]]) -> dict[str, Any]:
    """The agent as the API shows it: its attached numbers and any language gaps."""
    s = c.settings
    warnings = voices.language_warnings(agent["language"], tts_provider=s.tts_provider, stt_provider=s.stt_provider)
    return {**agent, "numbers": [number_summary(n) for n in numbers], "warnings": warnings}


def _check_voice(c: Container, voice: str) -> None:
    known = {v.voice_id for v in voices.voices(c.settings.tts_provider)}
    if voice not in known:
        raise InvalidInput(f"Unknown voice '{voice}'; GET /v1/agents/voices lists the voices available here.")


def _check_hosted(agent: dict[str, Any]) -> None:
    if agent.get("voiceMode") == "hosted" and not (agent.get("systemPrompt") or "").strip():
        raise InvalidInput("A hosted agent needs a non-empty 'systemPrompt' (the model's instructions).")


def _check_tools(c: Container, tools: list[dict[str, Any]] | None) -> None:
    """A custom tool's URL must be one the platform may fetch (the relay checks again on every call)."""
    for tool in tools or []:
        check_url(tool["url"], local_mode=c.settings.local_mode, resolver=c.resolver,
                  what=f"Custom tool '{tool['name']}' URL")


def create(c: Container, project_id: str, body: AgentCreate) -> dict[str, Any]:
    sent = body.model_dump(exclude_none=True, mode="json")
    fields = {**AGENT_DEFAULTS, "voice": voices.default_voice(c.settings.tts_provider), **sent}
    _check_voice(c, fields["voice"])
    _check_tools(c, fields.get("customTools"))
    _check_hosted(fields)
    agent = c.agents.create(project_id, fields)
    return view(c, agent, [])


def update(c: Container, project_id: str, agent_id: str, body: AgentUpdate) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True, mode="json")
    nulls = sorted(k for k, v in changes.items() if v is None and k in NOT_NULLABLE)
    if nulls:
        raise InvalidInput(f"These fields cannot be null: {', '.join(nulls)}.")
    current = c.agents.get(project_id, agent_id)
    if "voice" in changes:
        _check_voice(c, changes["voice"])
    if "customTools" in changes:
        _check_tools(c, changes["customTools"])
    _check_hosted({**current, **changes})
    agent = c.agents.update(project_id, agent_id, changes) if changes else current
    return view(c, agent, c.numbers.for_agent(agent_id))


def get(c: Container, project_id: str, agent_id: str) -> dict[str, Any]:
    return view(c, c.agents.get(project_id, agent_id), c.numbers.for_agent(agent_id))


def list_page(c: Container, project_id: str, limit: int, offset: int) -> dict[str, Any]:
    """A page of agents with their numbers: the scope's active numbers, which the plan bounds (one Query)."""
    agents, total, has_more = c.agents.list(project_id, limit, offset)
    by_agent: dict[str, list[dict[str, Any]]] = {}
    if agents:
        for number in c.numbers.active(project_id):
            if number.get("agentId"):
                by_agent.setdefault(number["agentId"], []).append(number)
    for numbers in by_agent.values():
        numbers.sort(key=lambda n: n.get("attachedAt") or n["createdAt"])
    data = [view(c, a, by_agent.get(a["id"], [])) for a in agents]
    return {"data": data, "total": total, "hasMore": has_more}


def delete(c: Container, project_id: str, agent_id: str) -> dict[str, Any]:
    agent = c.agents.get(project_id, agent_id)
    unassigned = []
    for number in c.numbers.for_agent(agent_id):
        c.numbers.update(project_id, number["id"], {"agentId": None})
        unassigned.append(number["id"])
    c.agents.delete(project_id, agent_id)
    return {"success": True, "id": agent_id, "name": agent["name"],
            "message": f"Agent '{agent['name']}' deleted; {len(unassigned)} number(s) unassigned and kept.",
            "unassignedNumbers": unassigned}


def attach(c: Container, project_id: str, agent_id: str, number_id: str) -> dict[str, Any]:
    agent = c.agents.get(project_id, agent_id)
    number = c.numbers.get(project_id, number_id)
    same_scope(number, agent)
    if number["status"] != "active":
        raise Conflict(f"Phone number '{number_id}' has been released.")
    holder = number.get("agentId")
    if holder and holder != agent_id:
        raise Conflict(f"Phone number '{number_id}' is attached to agent '{holder}'; detach it there first.")
    if holder != agent_id:
        number = c.numbers.update(project_id, number_id, {"agentId": agent_id})
    return {"agentId": agent_id, "number": number_summary(number)}


def detach(c: Container, project_id: str, agent_id: str, number_id: str) -> dict[str, Any]:
    c.agents.get(project_id, agent_id)
    number = c.numbers.get(project_id, number_id)
    if number.get("agentId") != agent_id:
        raise InvalidInput(f"Phone number '{number_id}' is not attached to agent '{agent_id}'.")
    number = c.numbers.update(project_id, number_id, {"agentId": None})
    return {"success": True, "agentId": agent_id, "number": number_summary(number)}


def voice_list(c: Container) -> dict[str, Any]:
    # Both spellings: api.md's camelCase, and the snake_case AgentPhone's MCP server reads.
    return {"data": [{"voiceId": v.voice_id, "name": v.name, "provider": v.provider, "gender": v.gender,
                      "language": v.language, "accent": v.accent, "voice_id": v.voice_id, "voice_name": v.name}
                     for v in voices.voices(c.settings.tts_provider)]}
