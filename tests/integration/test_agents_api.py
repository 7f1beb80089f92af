"""Agents over real HTTP: defaults, validation, partial updates, voices, delete."""

from __future__ import annotations

from typing import Any

import httpx

from switchboard.models.agent import AGENT_DEFAULTS


def test_create_agent_applies_published_defaults(api: httpx.Client) -> None:
    resp = api.post("/v1/agents", json={"name": "Support"})
    assert resp.status_code == 201, resp.text
    agent = resp.json()
    assert agent["id"].startswith("agent_")
    assert agent["voiceMode"] == "webhook"
    assert agent["modelTier"] == "balanced"
    assert agent["maxSilenceMs"] == 600_000  # AgentPhone's meaning: the caller-silence hang-up
    assert agent["endOfTurnSilenceMs"] == 1500
    assert agent["interruptionSensitivity"] == 0.8
    assert agent["enableBackchannel"] is True
    assert agent["voiceSpeed"] == 1.0
    assert agent["language"] == "en-US"
    assert agent["numbers"] == []
    assert agent["voice"] in {v["voiceId"] for v in api.get("/v1/agents/voices").json()["data"]}
    assert agent["createdAt"].endswith("Z") and len(agent["createdAt"]) == 24


def test_an_agent_stored_when_max_silence_was_the_turn_window_reads_the_new_way(
        api: httpx.Client, container: Any, project: Any) -> None:
    before = {k: v for k, v in AGENT_DEFAULTS.items() if k != "endOfTurnSilenceMs"}  # the item as stored then
    old = container.agents.create(project.project_id, {
        **before, "name": "Old", "voice": "slt", "maxSilenceMs": 900, "interruptionSensitivity": 0.5})
    agent = api.get(f"/v1/agents/{old['id']}").json()
    assert (agent["maxSilenceMs"], agent["endOfTurnSilenceMs"]) == (600_000, 900)
    assert agent["interruptionSensitivity"] == 0.5  # a stored choice stays


def test_hosted_agent_without_prompt_is_refused(api: httpx.Client) -> None:
    resp = api.post("/v1/agents", json={"name": "Bot", "voiceMode": "hosted"})
    assert resp.status_code == 400
    assert "systemPrompt" in resp.json()["detail"]
    assert api.get("/v1/agents").json()["total"] == 0


def test_patch_changes_only_sent_fields_and_keeps_hosted_rule(api: httpx.Client) -> None:
    agent = api.post("/v1/agents", json={"name": "A", "beginMessage": "Hello {{name}}"}).json()
    resp = api.patch(f"/v1/agents/{agent['id']}", json={"maxSilenceMs": 60_000, "endOfTurnSilenceMs": 900})
    assert resp.status_code == 200
    assert (resp.json()["maxSilenceMs"], resp.json()["endOfTurnSilenceMs"]) == (60_000, 900)
    assert resp.json()["beginMessage"] == "Hello {{name}}"
    assert api.patch(f"/v1/agents/{agent['id']}", json={"voiceMode": "hosted"}).status_code == 400
    ok = api.patch(f"/v1/agents/{agent['id']}", json={"voiceMode": "hosted", "systemPrompt": "Be kind."})
    assert ok.status_code == 200 and ok.json()["voiceMode"] == "hosted"


def test_bad_input_is_400_with_a_sentence_and_changes_nothing(api: httpx.Client) -> None:
    cases = [
        ({"name": ""}, "name"),
        ({"name": 5}, "name"),
        ({"name": "x", "maxSilenceMs": 5_000}, "maxSilenceMs"),  # 10,000 to 3,600,000
        ({"name": "x", "maxSilenceMs": 3_600_001}, "maxSilenceMs"),
        ({"name": "x", "endOfTurnSilenceMs": 100}, "endOfTurnSilenceMs"),
        ({"name": "x", "maxSilenceMs": "700"}, "maxSilenceMs"),
        ({"name": "x", "voiceSpeed": 3}, "voiceSpeed"),
        ({"name": "x", "language": "xx-XX"}, "language"),
        ({"name": "x", "transferNumber": "555-1234"}, "transferNumber"),
        ({"name": "x", "voice": "nobody"}, "voice"),
        ({"name": "x", "voiceMode": "robot"}, "voiceMode"),
    ]
    for body, field in cases:
        resp = api.post("/v1/agents", json=body)
        assert resp.status_code == 400, (body, resp.text)
        detail = resp.json()["detail"]
        assert isinstance(detail, str) and field in detail, (body, detail)
    malformed = api.post("/v1/agents", content=b"{not json", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400 and "JSON" in malformed.json()["detail"]
    array = api.post("/v1/agents", json=[{"name": "x"}])
    assert array.status_code == 400
    assert api.get("/v1/agents").json()["total"] == 0


def test_unknown_agent_is_404_and_voices_route_is_not_an_id(api: httpx.Client) -> None:
    assert api.get("/v1/agents/agent_nope").status_code == 404
    assert api.get("/v1/agents/voices").status_code == 200
    assert api.delete("/v1/agents/agent_nope").json()["detail"].startswith("No agent")


def test_list_is_newest_first_with_pagination(api: httpx.Client) -> None:
    ids = [api.post("/v1/agents", json={"name": f"a{i}"}).json()["id"] for i in range(5)]
    page = api.get("/v1/agents", params={"limit": 2, "offset": 1}).json()
    assert [a["id"] for a in page["data"]] == [ids[3], ids[2]]
    assert page["total"] == 5 and page["hasMore"] is True
    assert api.get("/v1/agents", params={"limit": 0}).status_code == 400
    assert api.get("/v1/agents", params={"limit": 101}).status_code == 400
    assert api.get("/v1/agents", params={"offset": -1}).status_code == 400


def test_auth_and_sub_account_header(api: httpx.Client, api_url: str) -> None:
    assert httpx.get(f"{api_url}/v1/agents").status_code == 401
    assert httpx.get(f"{api_url}/v1/agents", headers={"Authorization": "Token x"}).status_code == 401
    assert httpx.get(f"{api_url}/v1/agents", headers={"Authorization": "Bearer nope"}).status_code == 401
    resp = api.post("/v1/agents", json={"name": "x"}, headers={"X-Sub-Account-Id": "sub_1"})
    assert resp.status_code == 404 and "sub-account" in resp.json()["detail"]  # unknown: nothing is made
    assert api.get("/v1/agents").json()["total"] == 0


def test_delete_agent_reports_shape(api: httpx.Client) -> None:
    agent = api.post("/v1/agents", json={"name": "Gone"}).json()
    resp = api.delete(f"/v1/agents/{agent['id']}")
    assert resp.status_code == 200
    body = resp.json()
    assert body["success"] is True and body["id"] == agent["id"] and body["name"] == "Gone"
    assert body["unassignedNumbers"] == []
    assert api.get(f"/v1/agents/{agent['id']}").status_code == 404


def test_the_voice_list_follows_the_configured_speech_engine(api: httpx.Client, container: Any) -> None:
    flite = {v["voiceId"] for v in api.get("/v1/agents/voices").json()["data"]}
    assert "slt" in flite and "Joanna" not in flite
    assert api.post("/v1/agents", json={"name": "x", "voice": "Joanna"}).status_code == 400
    container.settings.tts_provider = "polly"
    polly = api.get("/v1/agents/voices").json()["data"]
    assert {"Joanna", "Matthew"} <= {v["voiceId"] for v in polly} and "slt" not in {v["voiceId"] for v in polly}
    assert all(v["provider"] == "polly" for v in polly)
    created = api.post("/v1/agents", json={"name": "x", "voice": "Joanna"})
    assert created.status_code == 201 and created.json()["voice"] == "Joanna"
