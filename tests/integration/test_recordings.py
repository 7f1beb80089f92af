"""Recordings: both sides of a real call in a stereo WAV in (moto's) S3, encrypted at rest, as long as
the call, reachable only with the project's key or a signed, expiring link; off when asked."""

from __future__ import annotations

import asyncio
import io
import time
import wave
from typing import Any

import httpx
import numpy as np
import pytest
from agentphone import AgentPhone

from switchboard import signed
from switchboard.container import Container
from switchboard.recordings import recording_key
from switchboard_local.carrier.dialer import script_from_lines
from tests.support.calls import agent_with_number, dial, only_call
from tests.support.voice_webhook import Reply, voice_webhook

pytestmark = pytest.mark.slow


def channels(wav_bytes: bytes) -> tuple[np.ndarray, np.ndarray, float]:
    with wave.open(io.BytesIO(wav_bytes)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (2, 2, 8000)
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, 2)
        return samples[:, 0].astype(np.float64), samples[:, 1].astype(np.float64), w.getnframes() / 8000


def loud_seconds(x: np.ndarray) -> float:
    """Seconds of 20 ms windows clearly above silence."""
    frames = x[: len(x) // 160 * 160].reshape(-1, 160)
    return float((np.sqrt((frames ** 2).mean(axis=1)) > 300).sum() * 0.02)


async def test_a_phone_calls_recording_has_both_sides_and_the_calls_length(
        api: httpx.Client, api_url: str, settings: Any, project: Any, relay: Any, container: Container) -> None:
    with voice_webhook([Reply(single={"text": "Your order ships tomorrow, thank you for waiting."})]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        _, number = agent_with_number(api, beginMessage="Thanks for calling Acme support.")
        await dial(api_url, settings, number, await script_from_lines(["Where is my order please?"]),
                   greeting_timeout_s=5.0)  # it greets: a caller over it would cut it short
    call = only_call(api)
    deadline = time.monotonic() + 10
    while not call["recordingAvailable"] and time.monotonic() < deadline:
        await asyncio.sleep(0.1)  # the relay runs on this loop: it must get to finish the call
        call = only_call(api)
    assert call["recordingAvailable"] and call["recordingUrl"] == f"{api_url}/v1/calls/{call['id']}/recording"

    recording = AgentPhone(api_key=project.api_key, base_url=api_url).calls.get_recording(call["id"])
    assert recording.content_type == "audio/wav"
    caller, agent, seconds = channels(recording.content)
    # durationSeconds is whole seconds, as the carrier reports it (cut, not rounded): within a
    # second of the true length, so up to a second and a rounding step from the recording's.
    assert -0.5 <= seconds - call["durationSeconds"] <= 1.5, (seconds, call["durationSeconds"])
    assert loud_seconds(agent) >= 2.0  # the greeting and the answer, on the agent's channel
    assert loud_seconds(caller) >= 0.8  # the caller's line, on theirs
    # The agent speaks first: its channel is loud before the caller's is.
    first = lambda x: int(np.argmax(np.abs(x) > 1000))  # noqa: E731
    assert first(agent) < first(caller)

    s3 = container.recordings.client
    head = s3.head_object(Bucket=settings.recordings_bucket, Key=recording_key(project.project_id, call["id"]))
    assert head["ServerSideEncryption"] == "AES256"

    # Private: the key, or a signed link; nothing else.
    url = f"{api_url}/v1/calls/{call['id']}/recording"
    assert httpx.get(url).status_code == 401
    other = container.projects.create("other")
    assert httpx.get(url, headers={"Authorization": f"Bearer {other.api_key}"}).status_code == 404
    link = api.post(f"/v1/calls/{call['id']}/recording/link").json()
    assert httpx.get(link["url"]).content == recording.content  # no key needed
    key = container.signing_key
    for token, why in ((signed.sign(key, "recording", project.project_id, call["id"], int(time.time()) - 1), "expired"),
                       (signed.sign("guess", "recording", project.project_id, call["id"], 2**40), "not valid"),
                       (signed.sign(key, "transcript", project.project_id, call["id"], 2**40), "not issued"),
                       (link["path"].split("token=")[1][:-3] + "abc", "")):
        resp = httpx.get(url, params={"token": token})
        assert resp.status_code == 403 and why in resp.json()["detail"], resp.text
    other_call = signed.sign(key, "recording", other.project_id, call["id"], 2**40)
    assert httpx.get(url, params={"token": other_call}).status_code == 404

    # Too large for the front (as behind API Gateway): a redirect to a short-lived presigned S3 URL.
    container.settings.recording_inline_max_bytes = 1000
    redirect = httpx.get(url, headers={"Authorization": f"Bearer {project.api_key}"})
    assert redirect.status_code == 307 and "Signature=" in redirect.headers["location"]
    assert httpx.get(redirect.headers["location"].split("?")[0]).status_code == 403  # unsigned: refused
    assert httpx.get(redirect.headers["location"]).content == recording.content


async def test_disable_recording_on_the_agent_or_the_call_records_nothing(
        api: httpx.Client, api_url: str, project: Any, relay: Any, settings: Any, container: Container) -> None:
    from switchboard_local.carrier.web_client import place_web_call

    with voice_webhook([]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        quiet = api.post("/v1/agents", json={"name": "Private", "beginMessage": "Hi.", "disableRecording": True})
        assert quiet.json()["disableRecording"] is True
        loud = api.post("/v1/agents", json={"name": "Open", "beginMessage": "Hi."}).json()
        script = await script_from_lines([])
        off_by_agent = await place_web_call(api_url, project.api_key, quiet.json()["id"], script)
        off_by_call = await place_web_call(api_url, project.api_key, loud["id"], script, disableRecording=True)
    for result in (off_by_agent, off_by_call):
        call_id = result.call["id"]
        deadline = time.monotonic() + 10
        while api.get(f"/v1/calls/{call_id}").json()["status"] != "completed" and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        call = api.get(f"/v1/calls/{call_id}").json()
        assert call["recordingAvailable"] is False and call["recordingUrl"] is None
        resp = api.get(f"/v1/calls/{call_id}/recording")
        assert resp.status_code == 404 and "recording" in resp.json()["detail"]
        assert api.post(f"/v1/calls/{call_id}/recording/link").status_code == 404
    listed = container.recordings.client.list_objects_v2(Bucket=settings.recordings_bucket)
    assert listed.get("KeyCount", 0) == 0
