"""Calls that behave the way callers expect, with real audio end to end: barge-in (and a cough that
does not count), hang-up after the words are heard, transfer through the carrier, DTMF both ways,
and the timeouts that end a call politely."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import numpy as np
import pytest

from media_relay.audio import codec
from media_relay.server import Relay
from media_relay.speech.text import sentences
from switchboard_local.carrier.dialer import CallerScript, Line
from switchboard_local.carrier.media_client import MediaStreamClient
from tests.support import dtmf_detect
from tests.support.calls import agent_with_number, dial, only_call, speech
from tests.support.speech_reference import words_played
from tests.support.voice_webhook import Reply, voice_webhook

pytestmark = pytest.mark.slow

LONG_ANSWER = ("Our store opens at nine in the morning. On weekends we open at ten instead. "
               "We close at six in the evening every day. Parking is free behind the building.")
StartRelay = Callable[..., Awaitable[Relay]]


def cough(ms: int = 140) -> bytes:
    """A loud, voiced-looking burst: broadband noise under a fast attack and decay."""
    rng = np.random.default_rng(7)
    n = 8 * ms
    envelope = np.exp(-np.linspace(0, 5, n)) * np.minimum(1, np.linspace(0, 8, n))
    burst = rng.normal(0, 9000, n) * envelope + 6000 * np.sin(2 * np.pi * 180 * np.arange(n) / 8000) * envelope
    return codec.encode(np.clip(burst, -32000, 32000).astype(np.int16).tobytes())


def heard_between(client: MediaStreamClient, start: float, end: float) -> float:
    """Seconds of agent audio that played for the caller between two moments."""
    return sum(len(audio) / 8000 for at, audio in client.agent.chunks if start <= at < end)


async def test_barge_in_stops_the_agent_and_keeps_the_words_heard(
        api: httpx.Client, api_url: str, settings: Any, start_relay: StartRelay) -> None:
    await start_relay()
    script = CallerScript(lines=[
        Line("When do you open?", await speech("When do you open?")),
        Line("Wait, what about Sunday?", await speech("Wait, what about Sunday?"), interrupt_after_s=3.0)])
    replies = [Reply(lines=[(0.0, json.dumps({"text": LONG_ANSWER}))]), Reply(single={"text": "Closed on Sunday."})]
    with voice_webhook(replies) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        agent, number = agent_with_number(api, voice="slt")  # the default sensitivity, 0.8
        result = await dial(api_url, settings, number, script)
    client = result.client
    assert client is not None and client.clears == 1
    _, barge_started, barge_finished = result.line_times[1]
    cleared_at = client.clear_times[0]
    # The agent went quiet shortly after the caller started talking, and stayed quiet while they spoke.
    assert barge_started < cleared_at < barge_started + 0.6
    assert heard_between(client, cleared_at + 0.05, barge_finished) == 0

    turns = only_call(api)["transcripts"]
    assert len(turns) == 2  # no greeting: the cut answer, then the answer to the interruption
    cut = turns[0]
    assert cut["interrupted"] is True and turns[1]["interrupted"] is False
    assert turns[1]["response"] == "Closed on Sunday."

    # What was stored is what the caller heard, to the word: the audio that played before the clear,
    # against an independent alignment of the same sentences.
    answer_started = result.line_times[0][2]
    played_ms = sum(min(len(audio) / 8, (cleared_at - at) * 1000) for at, audio in client.agent.chunks
                    if answer_started < at < cleared_at)
    truth = words_played(sentences(LONG_ANSWER), agent["voice"], played_ms)
    heard = cut["response"]
    assert LONG_ANSWER.startswith(heard) and truth >= 3
    assert abs(len(heard.split()) - truth) <= 1, (heard, truth, played_ms)

    # The webhook learns what was cut off, and its history holds only what was heard.
    second = json.loads(hook.requests[1][1])
    assert second["data"]["interrupted"]["heard"] == heard
    assert f"{heard} {second['data']['interrupted']['notHeard']}".strip() == LONG_ANSWER
    outbound = [h["content"] for h in second["recentHistory"] if h["direction"] == "outbound"]
    assert outbound[-1:] == [heard]


async def test_a_cough_does_not_interrupt(api: httpx.Client, api_url: str, settings: Any,
                                          start_relay: StartRelay) -> None:
    await start_relay()
    script = CallerScript(lines=[Line("When do you open?", await speech("When do you open?")),
                                 Line("(cough)", cough(), interrupt_after_s=1.5)])
    with voice_webhook([Reply(single={"text": LONG_ANSWER})]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        _, number = agent_with_number(api)  # the default sensitivity, 0.8
        result = await dial(api_url, settings, number, script)
    assert result.client is not None and result.client.clears == 0
    assert len(hook.requests) == 1  # the cough was not a turn either
    turns = only_call(api)["transcripts"]
    assert turns[-1]["response"] == LONG_ANSWER and turns[-1]["interrupted"] is False


async def test_hangup_ends_the_call_after_the_words_are_heard(api: httpx.Client, api_url: str, settings: Any,
                                                              start_relay: StartRelay) -> None:
    await start_relay()
    goodbye = "Thanks for calling Acme. Goodbye."
    script = CallerScript(lines=[Line("That is all, thanks.", await speech("That is all, thanks."))], linger_s=15)
    with voice_webhook([Reply(single={"text": goodbye, "hangup": True})]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        _, number = agent_with_number(api)
        result = await dial(api_url, settings, number, script)
    client = result.client
    assert client is not None and result.ended_by == "carrier" and result.transferred_to is None
    assert result.duration_s < 14  # the platform ended it; the caller would have stayed on
    # Every sentence of the goodbye played to the end (marks echoed by playout, none cleared).
    assert client.marks_echoed and not any(cleared for _, _, cleared in client.marks_echoed)
    last_audio_end = max(at + len(audio) / 8000 for at, audio in client.agent.chunks)
    assert last_audio_end - result.line_times[0][2] > 1.0
    detail = only_call(api)
    assert detail["status"] == "completed" and detail["endReason"] == "agent-hangup"
    assert detail["transcripts"][-1]["response"] == goodbye


async def test_transfer_reaches_the_carrier_with_the_right_number(
        api: httpx.Client, api_url: str, settings: Any, start_relay: StartRelay, local_carrier: Any) -> None:
    await start_relay()
    script = CallerScript(lines=[Line("I need a human.", await speech("I need a human, please."))], linger_s=15)
    with voice_webhook([Reply(single={"text": "Transferring you now.", "action": "transfer"})]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        _, number = agent_with_number(api, transferNumber="+14155550188")
        result = await dial(api_url, settings, number, script)
    assert result.transferred_to == "+14155550188" and result.ended_by == "carrier"
    state = local_carrier.server.config.app.state.carrier
    updates = state.calls[result.call_sid]["updates"]
    assert len(updates) == 1 and "<Dial>+14155550188</Dial>" in updates[0]["twiml"]
    detail = only_call(api)
    assert detail["endReason"] == "transferred" and detail["status"] == "completed"
    assert detail["transcripts"][-1]["response"] == "Transferring you now."


async def test_digits_both_ways(api: httpx.Client, api_url: str, settings: Any, start_relay: StartRelay) -> None:
    await start_relay()
    script = CallerScript(lines=[Line("Here is my choice.", await speech("Here is my choice."), keys="42")])
    with voice_webhook([Reply(single={"text": "Pressing them now.", "digits": "1w23#"})]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        _, number = agent_with_number(api)
        result = await dial(api_url, settings, number, script)
    assert json.loads(hook.requests[0][1])["data"]["digits"] == "42"
    assert result.client is not None
    heard = b"".join(audio for _, audio in sorted(result.client.agent.chunks, key=lambda c: c[0]))
    assert dtmf_detect.decode(codec.decode(heard)) == "123#"


async def test_keys_alone_make_a_turn(api: httpx.Client, api_url: str, settings: Any,
                                      start_relay: StartRelay) -> None:
    await start_relay()
    script = CallerScript(lines=[Line("(keys)", b"", keys="7#")], linger_s=4)
    with voice_webhook([Reply(single={"text": "You chose seven."})]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        _, number = agent_with_number(api)
        await dial(api_url, settings, number, script)
    data = json.loads(hook.requests[0][1])["data"]
    assert data["digits"] == "7#" and data["transcript"] == ""


async def test_the_agents_max_silence_ends_a_silent_call_politely(api: httpx.Client, api_url: str, settings: Any,
                                                                  start_relay: StartRelay) -> None:
    """AgentPhone's meaning: hang up after maxSilenceMs of caller silence (10 s, its shortest)."""
    await start_relay()
    agent, number = agent_with_number(api, beginMessage="Hello, how can I help?", maxSilenceMs=10_000,
                                      interruptionSensitivity=0.8)
    assert agent["maxSilenceMs"] == 10_000 and agent["endOfTurnSilenceMs"] == 1500
    result = await dial(api_url, settings, number, CallerScript(linger_s=30))
    assert result.ended_by == "carrier" and 11 < result.duration_s < 20
    detail = only_call(api)
    assert detail["endReason"] == "silence-timeout"
    assert "Goodbye" in detail["transcripts"][-1]["response"]


async def test_max_duration_ends_the_call_politely(api: httpx.Client, api_url: str, settings: Any,
                                                   start_relay: StartRelay) -> None:
    await start_relay(max_call_seconds=4)
    _, number = agent_with_number(api, beginMessage="Hello, how can I help?")
    result = await dial(api_url, settings, number, CallerScript(linger_s=20))
    assert result.ended_by == "carrier" and result.duration_s < 12
    detail = only_call(api)
    assert detail["endReason"] == "max-duration"
    assert "time limit" in detail["transcripts"][-1]["response"]


async def test_a_stalled_stream_ends_the_turn_with_what_arrived(api: httpx.Client, api_url: str, settings: Any,
                                                                start_relay: StartRelay) -> None:
    await start_relay()
    reply = Reply(lines=[(0.0, '{"text": "Let me check.", "interim": true}'), (7.0, '{"text": "Too late."}')])
    script = CallerScript(lines=[Line("Is my order late?", await speech("Is my order late?"))], linger_s=8)
    with voice_webhook([reply]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url, "timeout": 5})
        _, number = agent_with_number(api)
        await dial(api_url, settings, number, script)
    turns = only_call(api)["transcripts"]
    assert turns[-1]["response"] == "Let me check."
    failed = [d for d in api.get("/v1/webhooks/deliveries").json()["items"] if d["status"] == "failed"]
    assert len(failed) == 1 and "timed out" in failed[0]["errorMessage"]
