"""Turn-taking with callers who behave like people, with real audio end to end: an "uh-huh" during
the agent's answer, the agent's own voice coming back through a speakerphone, a pause in the
middle of an account number, and the agent's own "uh-huh" in a gap of a long caller turn."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from media_relay.audio import codec
from media_relay.server import Relay
from switchboard_local.carrier.dialer import CallerScript, Line
from switchboard_local.carrier.media_client import MediaStreamClient, Room
from tests.support.calls import agent_with_number, dial, only_call, speech
from tests.support.speech_reference import spliced
from tests.support.voice_webhook import Reply, voice_webhook

pytestmark = pytest.mark.slow
StartRelay = Callable[..., Awaitable[Relay]]
LONG_ANSWER = ("Our store opens at nine in the morning. On weekends we open at ten instead. "
               "We close at six in the evening every day. Parking is free behind the building.")


def agent_audio_between(client: MediaStreamClient, start: float, end: float) -> float:
    return sum(len(audio) / 8000 for at, audio in client.agent.chunks if start <= at < end)


async def test_an_uh_huh_during_the_answer_neither_stops_it_nor_becomes_a_turn(
        api: httpx.Client, api_url: str, settings: Any, start_relay: StartRelay) -> None:
    await start_relay()
    script = CallerScript(lines=[Line("When do you open?", await speech("When do you open?")),
                                 Line("Uh-huh.", await speech("Uh-huh.", voice="slt"), interrupt_after_s=2.5)])
    with voice_webhook([Reply(single={"text": LONG_ANSWER})]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        _, number = agent_with_number(api)
        result = await dial(api_url, settings, number, script)
    assert len(hook.requests) == 1  # the backchannel was no turn
    turn = only_call(api)["transcripts"][-1]
    assert turn["interrupted"] is False and turn["response"] == LONG_ANSWER
    client = result.client
    assert client is not None
    _, _, uh_huh_ended = result.line_times[1]
    if client.clears:  # it paused for the sound, then went on by itself (not silent until the caller spoke)
        resumed = min(at for at, _ in client.agent.chunks if at > uh_huh_ended)
        # The 500 ms target is measured by bench/turn_taking.py (p95 265 ms); a suite on two busy
        # cores delays this in-process relay's loop by up to ~1.5 s, so this bound is about falling silent.
        assert resumed - uh_huh_ended < 3.0


async def test_the_agents_own_voice_from_a_speakerphone_does_not_cut_it_off(
        api: httpx.Client, api_url: str, settings: Any, start_relay: StartRelay) -> None:
    await start_relay()
    script = CallerScript(lines=[Line("When do you open?", await speech("When do you open?"))],
                          room=Room(echo_db=-15, echo_delay_s=0.15))
    with voice_webhook([Reply(single={"text": LONG_ANSWER})]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        _, number = agent_with_number(api)
        result = await dial(api_url, settings, number, script)
    assert result.client is not None and result.client.clears == 0
    assert len(hook.requests) == 1  # its echo was never taken for the caller
    turn = only_call(api)["transcripts"][-1]
    assert turn["interrupted"] is False and turn["response"] == LONG_ANSWER


async def test_a_pause_in_the_middle_of_an_account_number_does_not_end_the_turn(
        api: httpx.Client, api_url: str, settings: Any, start_relay: StartRelay) -> None:
    await start_relay()
    text = "My account number is four seven two nine, one five eight three."
    audio = codec.encode(spliced(text, "rms", [7], [1.1]))
    with voice_webhook([Reply(single={"text": "Thanks, I have it."})]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        _, number = agent_with_number(api)
        result = await dial(api_url, settings, number, CallerScript(lines=[Line(text, audio)]))
    assert len(hook.requests) == 1, [json.loads(b)["data"]["transcript"] for _, b in hook.requests]
    _, _, finished = result.line_times[0]
    assert hook.first_request_at is not None and hook.first_request_at > finished  # not before they finished


@pytest.mark.parametrize("enabled", [True, False])
async def test_the_agent_says_uh_huh_in_a_gap_of_a_long_turn_only_when_enabled(
        api: httpx.Client, api_url: str, settings: Any, start_relay: StartRelay, enabled: bool) -> None:
    await start_relay()
    text = ("I have been a customer of yours for many years now and I order the same coffee beans every "
            "single month and this time the package never arrived at my house.")
    audio = codec.encode(spliced(text, "rms", [19], [1.0]))  # a second's gap after "month and"
    with voice_webhook([Reply(single={"text": "I am sorry to hear that."})]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        _, number = agent_with_number(api, enableBackchannel=enabled)
        result = await dial(api_url, settings, number, CallerScript(lines=[Line(text, audio)]))
    client = result.client
    assert client is not None
    _, started, finished = result.line_times[0]
    cue = agent_audio_between(client, started, finished)
    assert (cue > 0.2) if enabled else (cue == 0)
    assert len(hook.requests) == 1  # one turn, the cue was none
    assert [t["response"] for t in only_call(api)["transcripts"]] == ["I am sorry to hear that."]
