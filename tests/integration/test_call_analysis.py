"""Post-call analysis with a fake OpenAI-compatible model configured (hosted mode's settings): a
webhook-mode call ends with `summary`, `userSentiment` and `callSuccessful` on `agent.call_ended` and
on the call; a failing model leaves them out and the event still goes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from media_relay.config import RelaySettings
from media_relay.llm.config import LlmSettings
from media_relay.llm.openai_compat import OpenAICompatModel
from media_relay.server import Relay, build_relay
from switchboard.container import Container
from switchboard_local.carrier.dialer import CallerScript, Line
from tests.support.calls import agent_with_number, dial, only_call, speech
from tests.support.events import EventLog, delivering, event_log
from tests.support.fake_openai import FakeOpenAI, Script
from tests.support.servers import ThreadedUvicorn, free_port

pytestmark = pytest.mark.slow
ANALYSIS = {"summary": "The caller asked where their order is; the agent said it ships tomorrow.",
            "userSentiment": "Positive", "callSuccessful": True}


@pytest.fixture
def model_server() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    server = ThreadedUvicorn(fake.app).start()
    fake.base_url = f"{server.url}/v1"  # type: ignore[attr-defined]
    yield fake
    server.stop()


@pytest.fixture
async def relay(container: Container, model_server: FakeOpenAI) -> AsyncIterator[Relay]:
    """A relay whose deployment has a model configured, as SWITCHBOARD_OPENAI_BASE_URL would."""
    port = free_port()
    container.settings.relay_url = f"ws://127.0.0.1:{port}/twilio"
    relay = build_relay(container, RelaySettings())
    base = model_server.base_url  # type: ignore[attr-defined]
    relay.deps._llm_settings = LlmSettings(openai_base_url=base, model_balanced="fake-model")
    relay.deps.llm_factory = lambda: OpenAICompatModel(base, http=relay.deps.http, timeout=5)
    await relay.start("127.0.0.1", port)
    yield relay
    await relay.stop()


async def call_and_wait(api: httpx.Client, api_url: str, settings: Any, log: EventLog) -> dict[str, Any]:
    api.post("/v1/webhooks", json={"url": log.url})
    _, number = agent_with_number(api, beginMessage="Acme support.", description="Tells callers about orders.")
    await dial(api_url, settings, number, CallerScript(lines=[Line("order", await speech("Where is my order?"))]),
               greeting_timeout_s=5.0)
    await asyncio.to_thread(log.wait_for, lambda got: bool(got.of("agent.call_ended")))
    (event,) = log.of("agent.call_ended")
    return event["data"]


async def test_call_ended_carries_the_models_analysis(api: httpx.Client, api_url: str, settings: Any,
                                                      relay: Relay, model_server: FakeOpenAI, container: Container,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    model_server.push(Script(text=json.dumps(ANALYSIS)))
    with event_log([{"text": "It ships tomorrow."}]) as log, delivering(container, monkeypatch):
        data = await call_and_wait(api, api_url, settings, log)
    assert {k: data[k] for k in ANALYSIS} == ANALYSIS
    assert {k: only_call(api)[k] for k in ANALYSIS} == ANALYSIS  # stored on the call too
    (request,) = model_server.requests  # one analysis per call, of the whole conversation
    asked = json.dumps(request["messages"])
    assert "Agent: It ships tomorrow." in asked and "Tells callers about orders." in asked
    assert "Caller: " in asked and request["model"] == "fake-model"


async def test_a_failing_model_leaves_the_fields_out(api: httpx.Client, api_url: str, settings: Any,
                                                     relay: Relay, model_server: FakeOpenAI, container: Container,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    model_server.push(Script(status=500))
    with event_log() as log, delivering(container, monkeypatch):
        data = await call_and_wait(api, api_url, settings, log)
    assert not set(ANALYSIS) & set(data) and data["transcript"]
    assert only_call(api)["summary"] is None and len(model_server.requests) == 1
