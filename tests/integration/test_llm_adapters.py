"""The LanguageModel adapters over real HTTP: a fake OpenAI-compatible server and a fake Bedrock runtime."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing

import pytest

from media_relay.llm.bedrock import CONNECTED_NOTE, BedrockModel
from media_relay.llm.config import BEDROCK_DEFAULTS, LlmSettings
from media_relay.llm.factory import build_language_model
from media_relay.llm.openai_compat import OpenAICompatModel
from media_relay.llm.port import (
    ChatRequest,
    MalformedStream,
    Message,
    ModelError,
    ModelRejected,
    ModelThrottled,
    ModelTimeout,
    ModelUnavailable,
    Stop,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallEvent,
    ToolResult,
    ToolSpec,
)
from tests.support.fake_bedrock import BedrockScript, FakeBedrock
from tests.support.fake_openai import FakeOpenAI, Script
from tests.support.servers import ThreadedUvicorn, free_port, serve

LOOKUP = ToolSpec("lookup_order", "Find an order.", {"type": "object", "properties": {"order_id": {"type": "string"}}})
Adapter = OpenAICompatModel | BedrockModel
REQUEST = ChatRequest(model="test-model", system="Be brief.", messages=[Message("user", "Hi")], tools=[LOOKUP])


@pytest.fixture(scope="module")
def openai_server() -> Iterator[tuple[FakeOpenAI, ThreadedUvicorn]]:
    fake = FakeOpenAI()
    with serve(fake.app) as server:
        yield fake, server


@pytest.fixture
def fake_openai(openai_server: tuple[FakeOpenAI, ThreadedUvicorn]) -> FakeOpenAI:
    fake = openai_server[0]
    fake.reset()
    return fake


@pytest.fixture
async def openai_model(openai_server: tuple[FakeOpenAI, ThreadedUvicorn],
                       fake_openai: FakeOpenAI) -> AsyncIterator[OpenAICompatModel]:
    model = OpenAICompatModel(openai_server[1].url + "/v1", api_key="sk-test", timeout=2.0)
    yield model
    await model.aclose()


@pytest.fixture(scope="module")
def bedrock_server() -> Iterator[tuple[FakeBedrock, ThreadedUvicorn]]:
    fake = FakeBedrock()
    with serve(fake.app) as server:
        yield fake, server


@pytest.fixture
def fake_bedrock(bedrock_server: tuple[FakeBedrock, ThreadedUvicorn]) -> FakeBedrock:
    fake = bedrock_server[0]
    fake.reset()
    return fake


@pytest.fixture
def bedrock_model(bedrock_server: tuple[FakeBedrock, ThreadedUvicorn], fake_bedrock: FakeBedrock) -> BedrockModel:
    return BedrockModel(endpoint_url=bedrock_server[1].url, region="us-east-1", timeout=2.0, max_attempts=1)


async def events_of(model: Adapter, request: ChatRequest = REQUEST) -> list[StreamEvent]:
    async with aclosing(model.stream(request)) as events:
        return [event async for event in events]


def text_of(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def first_delta_then_close(model: Adapter) -> float:
    """Read one text delta, close the stream, and say when it was closed."""
    async with aclosing(model.stream(REQUEST)) as events:
        async for event in events:
            assert isinstance(event, TextDelta)
            break
    return time.monotonic()


# -- OpenAI-compatible ------------------------------------------------------------------------------
async def test_openai_streams_text_deltas_and_stops(openai_model: OpenAICompatModel, fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Script(text="Hello there. How can I help?"))
    events = await events_of(openai_model)
    assert text_of(events) == "Hello there. How can I help?"
    assert len([e for e in events if isinstance(e, TextDelta)]) == 6
    assert events[-1] == Stop("end_turn")
    body = fake_openai.requests[0]
    assert body["model"] == "test-model" and body["stream"] is True and body["max_tokens"] == 400
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    assert body["tools"] == [{"type": "function", "function": {
        "name": "lookup_order", "description": "Find an order.", "parameters": LOOKUP.parameters}}]
    assert fake_openai.headers[0]["authorization"] == "Bearer sk-test"


async def test_openai_tool_call_fragments_are_assembled_by_index(openai_model: OpenAICompatModel,
                                                                 fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Script(text="Let me check.", tool_calls=[
        {"id": "call_a", "name": "lookup_order", "arguments": {"order_id": "A123", "verbose": True}},
        {"id": "call_b", "name": "lookup_order", "arguments": {"order_id": "B456"}}]))
    events = await events_of(openai_model)
    calls = [e.call for e in events if isinstance(e, ToolCallEvent)]
    assert calls == [ToolCall("call_a", "lookup_order", {"order_id": "A123", "verbose": True}),
                     ToolCall("call_b", "lookup_order", {"order_id": "B456"})]
    assert events[-1] == Stop("tool_use")


async def test_openai_request_carries_tool_calls_and_results_as_chat_messages(
        openai_model: OpenAICompatModel, fake_openai: FakeOpenAI) -> None:
    call = ToolCall("call_1", "lookup_order", {"order_id": "A1"})
    messages = [Message("user", "Where is A1?"), Message("assistant", "Checking.", tool_calls=[call]),
                Message("user", tool_results=[ToolResult("call_1", "lookup_order", {"status": "shipped"})]),
                Message("assistant", ""), Message("user", "Thanks")]
    await events_of(openai_model, ChatRequest(model="m", system="", messages=messages))
    assert fake_openai.requests[0]["messages"] == [
        {"role": "user", "content": "Where is A1?"},
        {"role": "assistant", "content": "Checking.", "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "lookup_order",
                                                              "arguments": '{"order_id": "A1"}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"status": "shipped"}'},
        {"role": "user", "content": "Thanks"}]
    assert "tools" not in fake_openai.requests[0]


@pytest.mark.parametrize(("script", "error"), [
    (Script(status=500), ModelUnavailable),
    (Script(status=503), ModelUnavailable),
    (Script(status=429), ModelThrottled),
    (Script(status=400), ModelRejected),
    (Script(text="Hello", malformed=True), MalformedStream),
    (Script(text="Hello there", cut=True), MalformedStream),
    (Script(text="Hello", error_chunk="out of memory"), ModelUnavailable),
    (Script(text="Hello", tool_calls=[{"name": "lookup_order", "arguments": '{"order_id": '}]), MalformedStream),
])
async def test_openai_failures_become_port_errors(openai_model: OpenAICompatModel, fake_openai: FakeOpenAI,
                                                  script: Script, error: type[ModelError]) -> None:
    fake_openai.push(script)
    with pytest.raises(error) as caught:
        await events_of(openai_model)
    assert caught.value.detail  # a sentence for the log


async def test_openai_time_to_first_token_is_bounded(openai_server: tuple[FakeOpenAI, ThreadedUvicorn],
                                                     fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Script(text="Too late.", ttft=1.5))
    model = OpenAICompatModel(openai_server[1].url + "/v1", timeout=0.3)
    try:
        with pytest.raises(ModelTimeout):
            await events_of(model)
    finally:
        await model.aclose()


async def test_openai_unreachable_server_is_unavailable() -> None:
    model = OpenAICompatModel(f"http://127.0.0.1:{free_port()}/v1", timeout=2.0)
    try:
        with pytest.raises(ModelUnavailable, match="Could not reach"):
            await events_of(model)
    finally:
        await model.aclose()


async def test_openai_closing_the_stream_early_disconnects_the_server(openai_model: OpenAICompatModel,
                                                                      fake_openai: FakeOpenAI) -> None:
    fake_openai.push(Script(text=" ".join(["word"] * 40), delay=0.05))
    closed_at = await first_delta_then_close(openai_model)
    record = fake_openai.streams[0]
    assert await asyncio.to_thread(record.ended.wait, 5)
    assert record.disconnected_at is not None and record.finished_at is None
    assert record.disconnected_at - closed_at < 1.0
    assert len(record.token_times) < 40


# -- Bedrock ----------------------------------------------------------------------------------------
async def test_bedrock_streams_text_deltas_and_stops(bedrock_model: BedrockModel, fake_bedrock: FakeBedrock) -> None:
    fake_bedrock.push(BedrockScript(text="Hello there. How can I help?"))
    request = ChatRequest(model="us.amazon.nova-lite-v1:0", system="Be brief.", messages=[Message("user", "Hi")],
                          tools=[LOOKUP], temperature=0.2)
    events = await events_of(bedrock_model, request)
    assert text_of(events) == "Hello there. How can I help?"
    assert events[-1] == Stop("end_turn")
    assert fake_bedrock.model_ids == ["us.amazon.nova-lite-v1:0"]
    assert fake_bedrock.requests[0] == {
        "messages": [{"role": "user", "content": [{"text": "Hi"}]}], "system": [{"text": "Be brief."}],
        "inferenceConfig": {"maxTokens": 400, "temperature": 0.2},
        "toolConfig": {"tools": [{"toolSpec": {"name": "lookup_order", "description": "Find an order.",
                                               "inputSchema": {"json": LOOKUP.parameters}}}]}}


async def test_bedrock_tool_input_fragments_are_joined_at_block_stop(bedrock_model: BedrockModel,
                                                                     fake_bedrock: FakeBedrock) -> None:
    fake_bedrock.push(BedrockScript(text="One moment.", tool_uses=[
        {"id": "tooluse_x", "name": "lookup_order", "input": {"order_id": "A123", "items": [1, 2]}}]))
    events = await events_of(bedrock_model)
    calls = [e.call for e in events if isinstance(e, ToolCallEvent)]
    assert calls == [ToolCall("tooluse_x", "lookup_order", {"order_id": "A123", "items": [1, 2]})]
    assert events[-1] == Stop("tool_use")


async def test_bedrock_messages_open_with_a_user_turn_and_carry_tool_blocks(bedrock_model: BedrockModel,
                                                                           fake_bedrock: FakeBedrock) -> None:
    call = ToolCall("tooluse_1", "lookup_order", {"order_id": "A1"})
    messages = [Message("assistant", "Hello, this is Acme."), Message("user", "Where is A1?"),
                Message("assistant", "Checking.", tool_calls=[call]),
                Message("user", tool_results=[ToolResult("tooluse_1", "lookup_order", {"status": "shipped"})]),
                Message("user", "And B2?"),
                Message("assistant", ""),
                Message("user", tool_results=[ToolResult("tooluse_2", "lookup_order", "not found", True)])]
    await events_of(bedrock_model, ChatRequest(model="m", system="", messages=messages, tools=[LOOKUP]))
    sent = fake_bedrock.requests[0]["messages"]
    assert sent[0] == {"role": "user", "content": [{"text": CONNECTED_NOTE}]}
    assert sent[2] == {"role": "user", "content": [{"text": "Where is A1?"}]}
    assert sent[3]["content"][1] == {"toolUse": {"toolUseId": "tooluse_1", "name": "lookup_order",
                                                 "input": {"order_id": "A1"}}}
    assert sent[4] == {"role": "user", "content": [
        {"toolResult": {"toolUseId": "tooluse_1", "content": [{"json": {"status": "shipped"}}]}},
        {"toolResult": {"toolUseId": "tooluse_2", "content": [{"text": "not found"}]}},
        {"text": "And B2?"}]}
    assert len(sent) == 5 and "system" not in fake_bedrock.requests[0]


# Both spellings of Bedrock's codes: exception frames name their type in lowerCamel (botocore only knows the
# stream's own members), `:message-type: error` frames and answers before the stream use UpperCamel.
@pytest.mark.parametrize(("script", "error"), [
    (BedrockScript(text="Hi", exception="modelStreamErrorException"), ModelUnavailable),
    (BedrockScript(text="Hi", exception="throttlingException"), ModelThrottled),
    (BedrockScript(text="Hi", exception="ThrottlingException", error_message_frame=True), ModelThrottled),
    (BedrockScript(text="Hi", exception="ModelStreamErrorException", error_message_frame=True), ModelUnavailable),
    (BedrockScript(text="Hi", exception="somethingNewException"), ModelUnavailable),
    (BedrockScript(text="Hi", exception="internalServerException"), ModelUnavailable),
    (BedrockScript(text="Hi", exception="validationException"), ModelRejected),
    (BedrockScript(text="Hi", exception="serviceUnavailableException", error_message_frame=True), ModelUnavailable),
    (BedrockScript(status=429, error_code="ThrottlingException"), ModelThrottled),
    (BedrockScript(status=400, error_code="ValidationException"), ModelRejected),
    (BedrockScript(status=403, error_code="AccessDeniedException"), ModelRejected),
    (BedrockScript(status=424, error_code="ModelErrorException"), ModelUnavailable),
    (BedrockScript(status=408, error_code="ModelTimeoutException"), ModelTimeout),
    (BedrockScript(text="Hello there", cut=True), MalformedStream),
])
async def test_bedrock_failures_become_port_errors(bedrock_model: BedrockModel, fake_bedrock: FakeBedrock,
                                                   script: BedrockScript, error: type[ModelError]) -> None:
    fake_bedrock.push(script)
    with pytest.raises(error):
        await events_of(bedrock_model)


async def test_bedrock_exception_frame_after_text_keeps_the_text_already_streamed(
        bedrock_model: BedrockModel, fake_bedrock: FakeBedrock) -> None:
    fake_bedrock.push(BedrockScript(text="Hello there", exception="modelStreamErrorException"))
    seen: list[StreamEvent] = []
    with pytest.raises(ModelUnavailable, match="ModelStreamErrorException"):
        async with aclosing(bedrock_model.stream(REQUEST)) as events:
            async for event in events:
                seen.append(event)
    assert text_of(seen) == "Hello there"


async def test_bedrock_unreachable_endpoint_is_unavailable() -> None:
    model = BedrockModel(endpoint_url=f"http://127.0.0.1:{free_port()}", region="us-east-1", timeout=2.0,
                         max_attempts=1)
    with pytest.raises(ModelUnavailable, match="Could not reach Bedrock"):
        await events_of(model)


async def test_bedrock_slow_first_token_times_out(bedrock_server: tuple[FakeBedrock, ThreadedUvicorn],
                                                  fake_bedrock: FakeBedrock) -> None:
    fake_bedrock.push(BedrockScript(text="Too late.", ttft=1.5))
    model = BedrockModel(endpoint_url=bedrock_server[1].url, region="us-east-1", timeout=0.3, max_attempts=1)
    with pytest.raises(ModelTimeout):
        await events_of(model)


async def test_bedrock_closing_the_stream_early_stops_the_reader(bedrock_model: BedrockModel,
                                                                 fake_bedrock: FakeBedrock) -> None:
    fake_bedrock.push(BedrockScript(text=" ".join(["word"] * 40), delay=0.05))
    closed_at = await first_delta_then_close(bedrock_model)
    record = fake_bedrock.streams[0]
    assert await asyncio.to_thread(record.ended.wait, 5)
    assert record.disconnected_at is not None and record.finished_at is None
    assert record.disconnected_at - closed_at < 1.0
    assert len(record.token_times) < 40


# -- configuration ----------------------------------------------------------------------------------
def test_provider_defaults_to_openai_only_when_a_base_url_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SWITCHBOARD_LLM_PROVIDER", "SWITCHBOARD_OPENAI_BASE_URL", "SWITCHBOARD_MODEL_BALANCED"):
        monkeypatch.delenv(name, raising=False)
    assert LlmSettings().provider == "bedrock"
    assert LlmSettings().model_for("turbo") == BEDROCK_DEFAULTS["turbo"] == "us.amazon.nova-micro-v1:0"
    assert LlmSettings().model_for(None) == "us.amazon.nova-lite-v1:0"
    monkeypatch.setenv("SWITCHBOARD_OPENAI_BASE_URL", "http://127.0.0.1:8080/v1")
    monkeypatch.setenv("SWITCHBOARD_MODEL_BALANCED", "qwen2.5-3b")
    settings = LlmSettings()
    assert settings.provider == "openai"
    assert settings.model_for("max") == "qwen2.5-3b"  # one local model serves every tier
    monkeypatch.setenv("SWITCHBOARD_LLM_PROVIDER", "bedrock")
    assert LlmSettings().provider == "bedrock"
    monkeypatch.setenv("SWITCHBOARD_BEDROCK_REGION", "eu-west-1")
    monkeypatch.setenv("SWITCHBOARD_LLM_MAX_TOKENS", "200")
    monkeypatch.setenv("SWITCHBOARD_LLM_TIMEOUT_SECONDS", "7.5")
    settings = LlmSettings()
    assert (settings.bedrock_region, settings.llm_max_tokens, settings.llm_timeout_seconds) == ("eu-west-1", 200, 7.5)


def test_openai_without_a_model_name_fails_at_build_time(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="SWITCHBOARD_MODEL_BALANCED"):
        build_language_model(LlmSettings(llm_provider="openai", openai_base_url="http://127.0.0.1:1/v1"))
    with pytest.raises(ValueError, match="SWITCHBOARD_OPENAI_BASE_URL"):
        build_language_model(LlmSettings(llm_provider="openai", model_balanced="m"))


async def test_factory_builds_working_adapters_from_the_environment(
        monkeypatch: pytest.MonkeyPatch, bedrock_server: tuple[FakeBedrock, ThreadedUvicorn],
        fake_bedrock: FakeBedrock, openai_server: tuple[FakeOpenAI, ThreadedUvicorn],
        fake_openai: FakeOpenAI) -> None:
    monkeypatch.delenv("SWITCHBOARD_OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("SWITCHBOARD_LLM_PROVIDER", raising=False)
    monkeypatch.setenv("SWITCHBOARD_BEDROCK_ENDPOINT_URL", bedrock_server[1].url)
    monkeypatch.setenv("SWITCHBOARD_LLM_TIMEOUT_SECONDS", "3")
    fake_bedrock.push(BedrockScript(text="From Bedrock."))
    model = build_language_model()
    assert isinstance(model, BedrockModel)
    assert text_of(await events_of(model)) == "From Bedrock."

    monkeypatch.setenv("SWITCHBOARD_OPENAI_BASE_URL", openai_server[1].url + "/v1")
    monkeypatch.setenv("SWITCHBOARD_OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("SWITCHBOARD_MODEL_BALANCED", "local-model")
    fake_openai.push(Script(text="From a local server."))
    model = build_language_model()
    assert isinstance(model, OpenAICompatModel)
    try:
        assert text_of(await events_of(model)) == "From a local server."
    finally:
        await model.aclose()
    assert fake_openai.headers[0]["authorization"] == "Bearer sk-env"
