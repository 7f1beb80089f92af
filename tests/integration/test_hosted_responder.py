"""The hosted responder over real HTTP: a fake model server, a fake Bedrock, and a real custom-tool endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import aclosing
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from media_relay.hosted import APOLOGY, GAVE_UP, GUIDANCE, HostedOptions, HostedResponder
from media_relay.llm.bedrock import BedrockModel
from media_relay.llm.config import LlmSettings
from media_relay.llm.conversation import NOT_FINISHED
from media_relay.llm.openai_compat import OpenAICompatModel
from media_relay.llm.port import ChatRequest, LanguageModel, StreamEvent
from media_relay.reply import ReplyChunk
from switchboard.webhooks import signing
from tests.support.fake_bedrock import BedrockScript, FakeBedrock
from tests.support.fake_openai import FakeOpenAI, Script
from tests.support.servers import ThreadedUvicorn, free_port, serve

SECRET = "whsec_test-secret"
TRANSFER_TO = "+15557654321"


class ToolEndpoint:
    """The customer's side of custom tools: records every request, answers per path."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.arrived = threading.Event()
        self.app = FastAPI()
        self.app.api_route("/tools/{name}", methods=["GET", "POST"])(self._tool)

    async def _tool(self, name: str, request: Request) -> JSONResponse:
        self.requests.append({"at": time.monotonic(), "method": request.method, "path": request.url.path,
                              "query": dict(request.query_params), "headers": dict(request.headers),
                              "body": await request.body()})
        self.arrived.set()
        if name == "slow":
            await asyncio.sleep(2)
        if name == "broken":
            return JSONResponse({"message": "database down"}, status_code=500)
        return JSONResponse({"status": "shipped", "eta": "Friday"})


@pytest.fixture(scope="module")
def model_server() -> Iterator[tuple[FakeOpenAI, ThreadedUvicorn]]:
    fake = FakeOpenAI()
    with serve(fake.app) as server:
        yield fake, server


@pytest.fixture
def fake(model_server: tuple[FakeOpenAI, ThreadedUvicorn]) -> FakeOpenAI:
    fake = model_server[0]
    fake.reset()
    return fake


@pytest.fixture(scope="module")
def tool_server() -> Iterator[tuple[ToolEndpoint, ThreadedUvicorn]]:
    endpoint = ToolEndpoint()
    with serve(endpoint.app) as server:
        yield endpoint, server


@pytest.fixture
def tools(tool_server: tuple[ToolEndpoint, ThreadedUvicorn]) -> ToolEndpoint:
    tool_server[0].requests.clear()
    tool_server[0].arrived.clear()
    return tool_server[0]


@pytest.fixture
def tool_url(tool_server: tuple[ToolEndpoint, ThreadedUvicorn]) -> Callable[[str], str]:
    return lambda name: f"{tool_server[1].url}/tools/{name}"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
async def model(model_server: tuple[FakeOpenAI, ThreadedUvicorn], fake: FakeOpenAI,
                http: httpx.AsyncClient) -> OpenAICompatModel:
    return OpenAICompatModel(model_server[1].url + "/v1", http=http, timeout=1.0)


@pytest.fixture
def make(model: OpenAICompatModel, http: httpx.AsyncClient) -> Callable[..., HostedResponder]:
    def build(**overrides: Any) -> HostedResponder:
        options: dict[str, Any] = {"model": model, "model_id": "test-model", "system_prompt": "You are Ava.",
                                   "http": http, "call_id": "call_123"}
        return HostedResponder(**(options | overrides))
    return build


async def collect(responder: HostedResponder, text: str = "Hi", **kwargs: Any) -> list[tuple[float, ReplyChunk]]:
    async with aclosing(responder.respond(text, **kwargs)) as chunks:
        return [(time.monotonic(), chunk) async for chunk in chunks]


def texts(chunks: list[tuple[float, ReplyChunk]]) -> list[str]:
    """The pieces to speak (the closing chunk often only carries the turn's end and its actions)."""
    return [c.text for _, c in chunks if c.text]


def tool_names(body: dict[str, Any]) -> list[str]:
    return [t["function"]["name"] for t in body.get("tools", [])]


def order_tool(url: str, **extra: Any) -> dict[str, Any]:
    return {"name": "check_order", "description": "Look up an order's status.", "url": url,
            "headers": {"X-Api-Key": "key-1", "X-Empty": None},
            "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}},
                           "required": ["order_id"]}} | extra


# -- streaming --------------------------------------------------------------------------------------
async def test_first_sentence_is_yielded_before_generation_ends(make: Callable[..., HostedResponder],
                                                               fake: FakeOpenAI) -> None:
    text = "Sure, I can help with that. Your appointment is on Monday at ten. Is there anything else?"
    fake.push(Script(text=text, ttft=0.05, delay=0.08))
    chunks = await collect(make())
    assert texts(chunks) == ["Sure, I can help with that.", "Your appointment is on Monday at ten.",
                             "Is there anything else?"]
    assert [c.interim for _, c in chunks] == [True, True, True, False]  # each sentence the moment it ended
    assert all(c.complete for _, c in chunks)
    assert chunks[0][0] < fake.streams[0].token_times[-1] - 0.3  # heard while ~9 more tokens were generated
    assert not any(c.hangup or c.transfer or c.digits for _, c in chunks)


async def test_cancelling_the_consumer_stops_generation(make: Callable[..., HostedResponder],
                                                        model: OpenAICompatModel, fake: FakeOpenAI) -> None:
    fake.push(Script(text="Hello there. " + "This goes on and on. " * 30, delay=0.05))
    first = asyncio.Event()
    spy = OpenStreams(model)

    async def consume() -> None:
        async for _ in make(model=spy).respond("Hi"):
            first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert spy.open == 0
    cancelled_at = time.monotonic()
    record = fake.streams[0]
    assert await asyncio.to_thread(record.ended.wait, 5)
    assert record.finished_at is None and record.disconnected_at is not None
    assert record.disconnected_at - cancelled_at < 1.0


class OpenStreams:
    """A LanguageModel wrapper counting streams not yet closed (to prove closing is immediate, not left to GC)."""

    def __init__(self, inner: OpenAICompatModel) -> None:
        self.inner, self.name, self.open = inner, inner.name, 0

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        self.open += 1
        try:
            async with aclosing(self.inner.stream(request)) as events:
                async for event in events:
                    yield event
        finally:
            self.open -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_closing_the_iterator_after_the_first_chunk_closes_the_model_stream(
        make: Callable[..., HostedResponder], model: OpenAICompatModel, fake: FakeOpenAI) -> None:
    fake.push(Script(text="Hello there. " + "More words follow here. " * 30, delay=0.05))
    spy = OpenStreams(model)
    async with aclosing(make(model=spy).respond("Hi")) as chunks:
        async for chunk in chunks:
            assert chunk.text == "Hello there."
            assert spy.open == 1
            break
    assert spy.open == 0  # closed by the time the iterator is, not whenever it is collected
    record = fake.streams[0]
    assert await asyncio.to_thread(record.ended.wait, 5)
    assert record.finished_at is None and record.disconnected_at is not None


# -- built-in tools ---------------------------------------------------------------------------------
async def test_end_call_hangs_up_after_the_text(make: Callable[..., HostedResponder], fake: FakeOpenAI) -> None:
    fake.push(Script(text="Thanks for calling. Goodbye!", tool_calls=[{"name": "end_call", "arguments": {}}]))
    chunks = await collect(make())
    assert [(c.text, c.interim, c.hangup) for _, c in chunks] == [("Thanks for calling.", True, False),
                                                                  ("Goodbye!", True, False), ("", False, True)]
    assert tool_names(fake.requests[0]) == ["end_call", "press_digits"]  # no transfer number: no transfer tool


async def test_transfer_call_is_offered_with_a_transfer_number_and_transfers(
        make: Callable[..., HostedResponder], fake: FakeOpenAI) -> None:
    fake.push(Script(text="Let me transfer you.", tool_calls=[{"name": "transfer_call", "arguments": {}}]))
    chunks = await collect(make(transfer_number=TRANSFER_TO))
    last = chunks[-1][1]
    assert texts(chunks) == ["Let me transfer you."]
    assert (last.transfer, last.transfer_number, last.hangup) == (True, TRANSFER_TO, False)
    assert "transfer_call" in tool_names(fake.requests[0])
    assert "transfer_call" in fake.requests[0]["messages"][0]["content"]


async def test_press_digits_becomes_a_digits_chunk(make: Callable[..., HostedResponder], fake: FakeOpenAI) -> None:
    fake.push(Script(tool_calls=[{"name": "press_digits", "arguments": {"digits": "1w#"}}]))
    chunks = await collect(make())
    assert [(c.text, c.digits, c.interim) for _, c in chunks] == [("", "1w#", False)]
    assert len(fake.requests) == 1  # the menu answers next; the turn is over


async def test_bad_digits_and_unknown_tools_are_sent_back_to_the_model(make: Callable[..., HostedResponder],
                                                                      fake: FakeOpenAI) -> None:
    fake.push(Script(tool_calls=[{"id": "c1", "name": "press_digits", "arguments": {"digits": "12x"}},
                                 {"id": "c2", "name": "open_door", "arguments": {}}]),
              Script(text="Sorry, I could not do that."))
    chunks = await collect(make())
    assert texts(chunks)[-1] == "Sorry, I could not do that." and chunks[-1][1].digits is None
    results = {m["tool_call_id"]: m["content"] for m in fake.requests[1]["messages"] if m["role"] == "tool"}
    assert "0-9" in results["c1"] and "no tool named 'open_door'" in results["c2"]


# -- custom tools -----------------------------------------------------------------------------------
async def test_custom_tool_gets_a_signed_request_filler_first_and_its_result_goes_back(
        make: Callable[..., HostedResponder], fake: FakeOpenAI, tools: ToolEndpoint,
        tool_url: Callable[[str], str]) -> None:
    responder = make(custom_tools=[order_tool(tool_url("order"), executionMessage="Let me look that up.")],
                     signing_secret=SECRET)
    fake.push(Script(tool_calls=[{"id": "call_t1", "name": "check_order", "arguments": {"order_id": "A123"}}]),
              Script(text="Your order ships Friday."))
    chunks = await collect(responder, "Where is order A123?")
    assert [(c.text, c.interim) for _, c in chunks] == [("Let me look that up.", True),
                                                        ("Your order ships Friday.", True), ("", False)]
    [request] = tools.requests
    assert chunks[0][0] <= request["at"]  # the filler was out before the tool was called
    assert request["method"] == "POST"
    assert json.loads(request["body"]) == {"tool": "check_order", "arguments": {"order_id": "A123"},
                                           "callId": "call_123"}
    headers = request["headers"]
    expected = signing.sign(SECRET, request["body"], int(headers["x-webhook-timestamp"]))
    assert headers["x-webhook-signature"] == expected
    assert headers["x-api-key"] == "key-1" and "x-empty" not in headers
    assert headers["x-switchboard-call-id"] == "call_123"

    offered = next(t["function"] for t in fake.requests[0]["tools"] if t["function"]["name"] == "check_order")
    assert offered["parameters"]["required"] == ["order_id"]
    follow_up = fake.requests[1]["messages"]
    assert follow_up[-2]["tool_calls"][0]["function"]["name"] == "check_order"
    assert follow_up[-1] == {"role": "tool", "tool_call_id": "call_t1",
                             "content": json.dumps({"status": "shipped", "eta": "Friday"})}


async def test_get_tool_sends_arguments_as_query_unsigned_with_the_default_filler(
        make: Callable[..., HostedResponder], fake: FakeOpenAI, tools: ToolEndpoint,
        tool_url: Callable[[str], str]) -> None:
    responder = make(custom_tools=[order_tool(tool_url("order"), method="GET")])
    fake.push(Script(tool_calls=[{"name": "check_order", "arguments": {"order_id": "A1", "count": 2}}]),
              Script(text="Done."))
    chunks = await collect(responder)
    assert texts(chunks) == ["One moment.", "Done."]
    [request] = tools.requests
    assert request["method"] == "GET" and request["query"] == {"order_id": "A1", "count": "2"}
    assert "x-webhook-signature" not in request["headers"] and request["body"] == b""


async def test_model_speech_before_a_tool_replaces_the_default_filler_and_silence_is_respected(
        make: Callable[..., HostedResponder], fake: FakeOpenAI, tool_url: Callable[[str], str]) -> None:
    responder = make(custom_tools=[order_tool(tool_url("order")),
                                   order_tool(tool_url("order"), name="quiet", speakDuringExecution=False,
                                              executionMessage="never said")])
    fake.push(Script(text="Let me check.", tool_calls=[{"name": "check_order", "arguments": {"order_id": "A"}}]),
              Script(text="Shipped."),
              Script(tool_calls=[{"name": "quiet", "arguments": {"order_id": "B"}}]),
              Script(text="Also shipped."))
    assert texts(await collect(responder)) == ["Let me check.", "Shipped."]
    assert texts(await collect(responder)) == ["Also shipped."]


@pytest.mark.parametrize(("path", "timeout_ms", "expected"), [
    ("slow", 300, "did not answer within 0.3 s"),
    ("broken", None, "HTTP 500"),
])
async def test_failing_tool_gives_the_model_an_error_result(
        make: Callable[..., HostedResponder], fake: FakeOpenAI, tool_url: Callable[[str], str],
        path: str, timeout_ms: int | None, expected: str) -> None:
    responder = make(custom_tools=[order_tool(tool_url(path), timeoutMs=timeout_ms)])
    fake.push(Script(tool_calls=[{"id": "t1", "name": "check_order", "arguments": {"order_id": "A"}}]),
              Script(text="Sorry, I can't see orders right now."))
    started = time.monotonic()
    chunks = await collect(responder)
    assert texts(chunks)[-1] == "Sorry, I can't see orders right now." and not chunks[-1][1].hangup
    assert time.monotonic() - started < 1.8
    result = json.loads(fake.requests[1]["messages"][-1]["content"])
    assert expected in result["error"]


async def test_tool_rounds_per_turn_are_bounded(make: Callable[..., HostedResponder], fake: FakeOpenAI,
                                                tool_url: Callable[[str], str]) -> None:
    responder = make(custom_tools=[order_tool(tool_url("order"), speakDuringExecution=False)],
                     options=HostedOptions(max_tool_rounds=2))
    fake.push(*[Script(tool_calls=[{"name": "check_order", "arguments": {"order_id": str(i)}}]) for i in range(5)])
    chunks = await collect(responder)
    assert texts(chunks) == [GAVE_UP] and not chunks[-1][1].interim
    assert len(fake.requests) == 3
    assert (responder.history[-1].role, responder.history[-1].text) == ("assistant", GAVE_UP)


async def test_cancelling_during_a_tool_keeps_the_history_valid(
        make: Callable[..., HostedResponder], fake: FakeOpenAI, tools: ToolEndpoint,
        tool_url: Callable[[str], str]) -> None:
    responder = make(custom_tools=[order_tool(tool_url("slow"), timeoutMs=5000)])
    fake.push(Script(tool_calls=[{"id": "t1", "name": "check_order", "arguments": {"order_id": "A"}}]))
    task = asyncio.create_task(collect(responder))
    assert await asyncio.to_thread(tools.arrived.wait, 5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    fake.push(Script(text="Anything else?"))
    await collect(responder, "Never mind.")
    messages = fake.requests[1]["messages"]
    assert messages[-2] == {"role": "tool", "tool_call_id": "t1", "content": json.dumps(NOT_FINISHED)}
    assert messages[-1] == {"role": "user", "content": "Never mind."}


# -- failures ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("script", [
    Script(status=500), Script(status=429), Script(status=404), Script(text="Hi", malformed=True),
    Script(text="Too late.", ttft=1.5), Script(text="Hi", error_chunk="CUDA out of memory"),
], ids=["5xx", "throttled", "bad-model", "malformed", "timeout", "error-chunk"])
async def test_model_failure_gives_an_apology_and_a_hang_up(make: Callable[..., HostedResponder],
                                                            fake: FakeOpenAI, script: Script) -> None:
    fake.push(script)
    chunks = await collect(make())
    assert [(c.text, c.hangup, c.interim) for _, c in chunks] == [(APOLOGY, True, False)]


async def test_unreachable_model_gives_an_apology_and_a_hang_up(make: Callable[..., HostedResponder],
                                                                http: httpx.AsyncClient) -> None:
    dead = OpenAICompatModel(f"http://127.0.0.1:{free_port()}/v1", http=http, timeout=1.0)
    chunks = await collect(make(model=dead))
    assert [(c.text, c.hangup) for _, c in chunks] == [(APOLOGY, True)]


async def test_failure_mid_reply_keeps_what_was_said_then_apologises(make: Callable[..., HostedResponder],
                                                                     fake: FakeOpenAI) -> None:
    fake.push(Script(text="First sentence here. Second part never", cut=True))
    chunks = await collect(make())
    assert [(c.text, c.hangup) for _, c in chunks] == [("First sentence here.", False), (APOLOGY, True)]


# -- conversation -----------------------------------------------------------------------------------
async def test_system_prompt_has_its_variables_filled(make: Callable[..., HostedResponder], fake: FakeOpenAI) -> None:
    responder = make(system_prompt="You are {{agent}} helping {{ name }}.{{unknown}} Be kind.",
                     variables={"agent": "Ava", "name": "Sam"})
    await collect(responder)
    system = fake.requests[0]["messages"][0]
    assert system["role"] == "system"
    assert system["content"].startswith("You are Ava helping Sam. Be kind.")
    assert GUIDANCE in system["content"] and "{{" not in system["content"]


async def test_for_call_prefers_the_calls_prompt_and_tier(model: OpenAICompatModel, http: httpx.AsyncClient,
                                                          fake: FakeOpenAI, tool_url: Callable[[str], str]) -> None:
    settings = LlmSettings(llm_provider="openai", openai_base_url="http://unused/v1", model_turbo="small",
                           model_balanced="medium")
    agent = {"id": "agent_1", "systemPrompt": "Agent prompt.", "modelTier": "balanced",
             "transferNumber": TRANSFER_TO, "customTools": [order_tool(tool_url("order"))]}
    call = {"id": "call_9", "systemPrompt": "Call prompt for {{who}}.", "modelTier": "turbo",
            "variables": {"who": "Kim"}}
    await collect(HostedResponder.for_call(call, agent, model=model, settings=settings, http=http))
    body = fake.requests[0]
    assert body["model"] == "small"
    assert body["messages"][0]["content"].startswith("Call prompt for Kim.")
    assert tool_names(body) == ["end_call", "transfer_call", "press_digits", "check_order"]
    await collect(HostedResponder.for_call({"id": "call_10"}, agent, model=model, settings=settings, http=http))
    assert fake.requests[1]["model"] == "medium"
    assert fake.requests[1]["messages"][0]["content"].startswith("Agent prompt.")


async def test_history_grows_and_a_cut_off_reply_keeps_only_what_was_heard(
        make: Callable[..., HostedResponder], fake: FakeOpenAI) -> None:
    responder = make()
    responder.add_agent_line("Hi, this is Ava.")
    fake.push(Script(text="Hello Sam. Your balance is 3.5 dollars. Anything else?"),
              Script(text="It is 3.5 dollars."), Script(text="Bye."))
    await collect(responder, "Hi, it's Sam.")
    responder.truncate_last_reply("Hello Sam. Your")
    await collect(responder, "Sorry, what was it?")
    await collect(responder, "Thanks.")
    first, second, third = (r["messages"][1:] for r in fake.requests)
    assert first == [{"role": "assistant", "content": "Hi, this is Ava."},
                     {"role": "user", "content": "Hi, it's Sam."}]
    assert second[:3] == [*first, {"role": "assistant", "content": "Hello Sam. Your"}]
    assert second[3]["content"] == ('[You were interrupted: the caller heard only "Hello Sam. Your" of your last '
                                    'reply, then spoke.]\nSorry, what was it?')
    assert third == [*second, {"role": "assistant", "content": "It is 3.5 dollars."},
                     {"role": "user", "content": "Thanks."}]


async def test_interrupted_turn_info_truncates_when_the_relay_did_not(make: Callable[..., HostedResponder],
                                                                      fake: FakeOpenAI) -> None:
    responder = make()
    fake.push(Script(text="A long answer. With two sentences."), Script(text="Okay."))
    await collect(responder, "Question?")
    await collect(responder, "Wait!", interrupted={"heard": "", "notHeard": "A long answer. With two sentences."})
    messages = fake.requests[1]["messages"][1:]
    assert [m["role"] for m in messages] == ["user", "user"]  # nothing was heard, so nothing was said
    assert messages[1]["content"].startswith("[You were interrupted before the caller heard any")
    assert messages[1]["content"].endswith("Wait!")


async def test_pressed_keys_are_told_to_the_model(make: Callable[..., HostedResponder], fake: FakeOpenAI) -> None:
    await collect(make(), "", digits="42#")
    assert fake.requests[0]["messages"][-1] == {"role": "user", "content": "[The caller pressed the keys: 42#]"}


# -- on Bedrock -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bedrock_server() -> Iterator[tuple[FakeBedrock, ThreadedUvicorn]]:
    fake = FakeBedrock()
    with serve(fake.app) as server:
        yield fake, server


@pytest.fixture
def bedrock(bedrock_server: tuple[FakeBedrock, ThreadedUvicorn]) -> tuple[FakeBedrock, LanguageModel]:
    fake = bedrock_server[0]
    fake.reset()
    return fake, BedrockModel(endpoint_url=bedrock_server[1].url, region="us-east-1", timeout=2.0, max_attempts=1)


async def test_on_bedrock_a_tool_round_trip_streams_and_keeps_valid_history(
        make: Callable[..., HostedResponder], bedrock: tuple[FakeBedrock, LanguageModel],
        tool_url: Callable[[str], str], tools: ToolEndpoint) -> None:
    fake, model = bedrock
    responder = make(model=model, model_id="us.amazon.nova-lite-v1:0", signing_secret=SECRET,
                     custom_tools=[order_tool(tool_url("order"))])
    fake.push(BedrockScript(text="Let me check that order for you.", delay=0.05, tool_uses=[
                  {"id": "tooluse_1", "name": "check_order", "input": {"order_id": "A123"}}]),
              BedrockScript(text="It ships Friday. Anything else? Goodbye then.", delay=0.08,
                            tool_uses=[{"id": "tooluse_2", "name": "end_call", "input": {}}]))
    chunks = await collect(responder, "Where's my order?")
    assert [(c.text, c.interim, c.hangup) for _, c in chunks] == [
        ("Let me check that order for you.", True, False), ("It ships Friday.", True, False),
        ("Anything else?", True, False), ("Goodbye then.", True, False), ("", False, True)]
    assert chunks[1][0] < fake.streams[1].token_times[-1]
    assert json.loads(tools.requests[0]["body"])["arguments"] == {"order_id": "A123"}
    second = fake.requests[1]
    assert second["messages"][-2]["content"][-1] == {"toolUse": {"toolUseId": "tooluse_1", "name": "check_order",
                                                                 "input": {"order_id": "A123"}}}
    assert second["messages"][-1] == {"role": "user", "content": [{"toolResult": {
        "toolUseId": "tooluse_1", "content": [{"json": {"status": "shipped", "eta": "Friday"}}]}}]}


@pytest.mark.parametrize("script", [
    BedrockScript(status=429, error_code="ThrottlingException"),
    BedrockScript(text="Hi", exception="modelStreamErrorException"),
], ids=["throttled", "stream-error"])
async def test_on_bedrock_a_failing_model_apologises_and_hangs_up(
        make: Callable[..., HostedResponder], bedrock: tuple[FakeBedrock, LanguageModel],
        script: BedrockScript) -> None:
    fake, model = bedrock
    fake.push(script)
    chunks = await collect(make(model=model))
    assert chunks[-1][1] == ReplyChunk(text=APOLOGY, hangup=True, complete=True)


async def test_on_bedrock_a_barge_in_stops_the_stream_reader(make: Callable[..., HostedResponder],
                                                             bedrock: tuple[FakeBedrock, LanguageModel]) -> None:
    fake, model = bedrock
    fake.push(BedrockScript(text="Hello there. " + "This goes on and on. " * 30, delay=0.05))
    async with aclosing(make(model=model).respond("Hi")) as chunks:
        async for chunk in chunks:
            assert chunk.text == "Hello there."
            break
    closed_at = time.monotonic()
    record = fake.streams[0]
    assert await asyncio.to_thread(record.ended.wait, 5)
    assert record.finished_at is None and record.disconnected_at is not None
    assert record.disconnected_at - closed_at < 1.0
