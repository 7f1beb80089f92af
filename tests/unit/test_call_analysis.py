"""Post-call analysis: what counts as an answer, and the time bound around the model."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from media_relay.analysis import AnalysisSettings, PostCallAnalyst, model_configured, parse
from media_relay.llm.config import LlmSettings
from media_relay.llm.port import ChatRequest, StreamEvent, TextDelta

LINES = [{"role": "user", "content": "Where is my order?"}, {"role": "agent", "content": "It ships tomorrow."}]


def test_parse_takes_the_json_object_in_the_answer() -> None:
    found = parse('Sure: {"summary": "Asked about an order.", "userSentiment": "neutral", "callSuccessful": true}')
    assert found is not None and found.fields() == {"summary": "Asked about an order.", "userSentiment": "Neutral",
                                                    "callSuccessful": True}
    assert parse("The call went well.") is None
    assert parse('{"summary": "x", "userSentiment": "Ecstatic", "callSuccessful": true}') is None
    assert parse('{"summary": "x", "userSentiment": "Positive", "callSuccessful": "yes"}') is None
    assert parse('{"summary": "", "userSentiment": "Positive", "callSuccessful": true}') is None


def test_only_a_model_the_operator_named_counts() -> None:
    assert not model_configured(LlmSettings(_env_file=None))
    assert model_configured(LlmSettings(openai_base_url="http://127.0.0.1:9/v1"))
    assert model_configured(LlmSettings(llm_provider="bedrock"))


class SlowModel:
    name = "slow"

    def __init__(self) -> None:
        self.never = asyncio.Event()

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        await self.never.wait()
        yield TextDelta("too late")

    async def aclose(self) -> None: ...


async def test_a_model_that_does_not_answer_in_time_adds_nothing() -> None:
    settings = LlmSettings(openai_base_url="http://127.0.0.1:9/v1", model_balanced="m")
    analyst = PostCallAnalyst(lambda: settings, SlowModel, AnalysisSettings(timeout_seconds=0.2))
    started = time.monotonic()
    assert await analyst.fields({"id": "call_1"}, {}, LINES) == {}
    assert time.monotonic() - started < 2


async def test_nothing_is_asked_without_a_model_or_without_words() -> None:
    asked: list[ChatRequest] = []

    class Recording(SlowModel):
        async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
            asked.append(request)
            yield TextDelta("{}")

    unset = LlmSettings(_env_file=None)
    assert await PostCallAnalyst(lambda: unset, Recording).fields({"id": "c"}, {}, LINES) == {}
    named = LlmSettings(openai_base_url="http://127.0.0.1:9/v1", model_balanced="m")
    assert await PostCallAnalyst(lambda: named, Recording).fields({"id": "c"}, {}, []) == {}
    assert asked == []
    assert await PostCallAnalyst(lambda: named, Recording).fields({"id": "c"}, {}, LINES) == {}  # "{}" is no answer
    assert len(asked) == 1 and "Caller: Where is my order?" in asked[0].messages[0].text
