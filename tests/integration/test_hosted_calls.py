"""Hosted-mode calls end to end with real audio: the agent's own model (an OpenAI-compatible server
streaming over real HTTP) answers; the first sentence is heard before generation ends; a barge-in
stops generation; a model that fails gives an apology and a clean hang-up."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from media_relay.config import RelaySettings
from media_relay.llm.config import LlmSettings
from media_relay.llm.openai_compat import OpenAICompatModel
from media_relay.server import Relay, build_relay
from switchboard.container import Container
from switchboard_local.carrier.dialer import CallerScript, CallResult, Line
from tests.support.calls import dial, only_call, speech
from tests.support.fake_openai import FakeOpenAI, Script
from tests.support.servers import ThreadedUvicorn, free_port

pytestmark = pytest.mark.slow

PROMPT = "You are the front desk of {{business}}. Be brief."


@pytest.fixture
def model_server() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI()
    server = ThreadedUvicorn(fake.app).start()
    fake.base_url = f"{server.url}/v1"  # type: ignore[attr-defined]
    yield fake
    server.stop()


@pytest.fixture
async def relay(container: Container, model_server: FakeOpenAI) -> AsyncIterator[Relay]:
    port = free_port()
    container.settings.relay_url = f"ws://127.0.0.1:{port}/twilio"
    relay = build_relay(container, RelaySettings())
    base = model_server.base_url  # type: ignore[attr-defined]
    relay.deps._llm_settings = LlmSettings(openai_base_url=base, model_balanced="fake-model")
    relay.deps.llm_factory = lambda: OpenAICompatModel(base, http=relay.deps.http, timeout=5)
    relay.deps.records.analyst.settings.enabled = False  # type: ignore[attr-defined]  # counts own requests
    await relay.start("127.0.0.1", port)
    yield relay
    await relay.stop()


def hosted_agent_number(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    agent = api.post("/v1/agents", json={"name": "Front desk", "voiceMode": "hosted", "systemPrompt": PROMPT,
                                         **fields}).json()
    return api.post("/v1/numbers", json={"areaCode": "415", "agentId": agent["id"]}).json()


first_heard: Callable[[CallResult, float], float] = lambda result, after: min(  # noqa: E731
    t for t, _ in result.client.agent.chunks if t > after)  # type: ignore[union-attr]


async def test_first_sentence_is_heard_while_the_model_is_still_generating(
        api: httpx.Client, api_url: str, settings: Any, relay: Relay, model_server: FakeOpenAI) -> None:
    answer = ("We open at nine in the morning on weekdays. On Saturdays we open at ten. "
              "Sundays we are closed all day long.")
    model_server.push(Script(text=answer, ttft=0.2, delay=0.12))
    number = hosted_agent_number(api, beginMessage="Acme front desk, how can I help?")
    script = CallerScript(lines=[Line("When do you open?", await speech("When do you open?"))])
    result = await dial(api_url, settings, number, script, greeting_timeout_s=5.0)
    stream = model_server.streams[0]
    assert stream.finished_at is not None
    assert first_heard(result, result.line_times[0][2]) < stream.finished_at  # heard before generation ended

    request = model_server.requests[0]
    system = request["messages"][0]
    assert system["role"] == "system" and "front desk of {{business}}" not in system["content"]
    assert [m["role"] for m in request["messages"][1:]] == ["assistant", "user"]  # greeting, then the caller
    assert request["messages"][1]["content"] == "Acme front desk, how can I help?"
    assert request["stream"] is True and request["model"] == "fake-model"
    turns = only_call(api)["transcripts"]
    assert turns[-1]["response"] == answer and turns[-1]["interrupted"] is False
    assert turns[-1]["latencyMs"]["firstAudio"] is not None


async def test_a_model_that_pauses_after_its_first_sentence_does_not_hold_it_back(
        api: httpx.Client, api_url: str, settings: Any, relay: Relay, model_server: FakeOpenAI) -> None:
    """The first sentence plays while the model is quiet for 2 s (a tool call, a slow model) right
    after "Sure, I can help with that.": first audio comes long before the pause ends (held back,
    it would come more than 2.2 s after the transcript)."""
    first, rest = "Sure, I can help with that.", " Your cleaning is booked for Tuesday at ten."
    tokens = re.findall(r"\s*\S+", first) + re.findall(r"\s*\S+", rest)
    model_server.push(Script(tokens=tokens, ttft=0.1, delay=0.02, pauses={len(first.split()): 2.0}))
    number = hosted_agent_number(api)
    script = CallerScript(lines=[Line("Can I book a cleaning?", await speech("Can I book a cleaning?"))],
                          linger_s=4)
    await dial(api_url, settings, number, script)
    turn = only_call(api)["transcripts"][-1]
    latency = turn["latencyMs"]
    assert turn["response"] == first + rest
    assert latency["firstAudio"] - latency["endpointing"] < 1200, latency


async def test_barge_in_stops_generation_and_the_model_remembers_only_what_was_heard(
        api: httpx.Client, api_url: str, settings: Any, relay: Relay, model_server: FakeOpenAI) -> None:
    long_answer = " ".join(f"Here is detail number {i} about our opening hours and holidays." for i in range(1, 30))
    model_server.push(Script(text=long_answer, delay=0.05), Script(text="Sure, what else?"))
    number = hosted_agent_number(api)
    script = CallerScript(lines=[
        Line("Tell me everything.", await speech("Tell me everything about your hours.")),
        Line("Stop, thanks.", await speech("Okay stop, thank you."), interrupt_after_s=4.5)])
    result = await dial(api_url, settings, number, script)
    assert result.client is not None and result.client.clears == 1
    first = model_server.streams[0]
    assert first.disconnected_at is not None and first.finished_at is None  # generation was cut off
    turns = only_call(api)["transcripts"]
    assert turns[0]["interrupted"] is True and turns[0]["response"] != long_answer
    heard = turns[0]["response"]
    assert heard.startswith("Here is detail number 1 ")  # the first sentence was heard, not the rest
    assert len(model_server.requests) == 2, turns
    second = model_server.requests[1]["messages"]
    assistant = [m for m in second if m["role"] == "assistant"]
    assert assistant[-1]["content"].strip() == heard.strip()
    assert "interrupt" in json.dumps(second[-1]).lower() or "cut" in json.dumps(second[-1]).lower()


async def test_a_failing_model_gives_an_apology_and_a_clean_hang_up(
        api: httpx.Client, api_url: str, settings: Any, relay: Relay, model_server: FakeOpenAI) -> None:
    model_server.push(Script(status=503))
    number = hosted_agent_number(api)
    script = CallerScript(lines=[Line("Hello?", await speech("Hello, is anyone there?"))], linger_s=15)
    result = await dial(api_url, settings, number, script)
    assert result.ended_by == "carrier"
    detail = only_call(api)
    assert detail["endReason"] == "agent-hangup"
    assert "sorry" in detail["transcripts"][-1]["response"].lower()
