"""Post-call analysis: a short summary, the caller's sentiment, and whether the call did what it was for.

Asked of the deployment's hosted-mode language model once a call's last turn is written, within a
bound of at most 20 s (`agent.call_ended` waits for it). Whatever goes wrong (no model configured,
an unreachable model, an answer that is not the JSON asked for, the bound) leaves the fields out;
it never fails the call.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from media_relay.llm.config import LlmSettings
from media_relay.llm.port import ChatRequest, LanguageModel, Message, TextDelta
from switchboard.logging import logger

SENTIMENTS = ("Positive", "Neutral", "Negative")
MAX_TIMEOUT_S = 20.0
PURPOSE_CHARS = 2000
SYSTEM = (
    "You review a finished phone call between an AI phone agent and a person. Answer with one JSON "
    "object and nothing else, of the form {\"summary\": \"two or three sentences on what was said and "
    "decided\", \"userSentiment\": \"Positive\" | \"Neutral\" | \"Negative\", \"callSuccessful\": true | "
    "false}. userSentiment is the person's mood; callSuccessful says whether the agent achieved what "
    "the call was for."
)


class AnalysisSettings(BaseSettings):
    """`SWITCHBOARD_CALL_ANALYSIS_ENABLED` (default on when a model is configured) and `_TIMEOUT_SECONDS`."""

    model_config = SettingsConfigDict(env_prefix="SWITCHBOARD_CALL_ANALYSIS_", extra="ignore")

    enabled: bool = True
    timeout_seconds: float = Field(default=MAX_TIMEOUT_S, gt=0, le=MAX_TIMEOUT_S)


@dataclass(frozen=True)
class CallAnalysis:
    summary: str
    user_sentiment: str
    call_successful: bool

    def fields(self) -> dict[str, Any]:
        """The call's (and the event's) field names."""
        return {"summary": self.summary, "userSentiment": self.user_sentiment,
                "callSuccessful": self.call_successful}


def model_configured(settings: LlmSettings) -> bool:
    """Only a model the operator named counts: with nothing set, the adapter would default to Bedrock."""
    return bool(settings.openai_base_url or settings.llm_provider)


def parse(text: str) -> CallAnalysis | None:
    """The analysis in a model's answer (the first JSON object in it), or None if it is not one."""
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if match is None:
        return None
    try:
        found = json.loads(match.group(0))
    except json.JSONDecodeError:
        return None
    summary, sentiment, success = found.get("summary"), found.get("userSentiment"), found.get("callSuccessful")
    if not isinstance(summary, str) or not summary.strip() or not isinstance(success, bool):
        return None
    sentiment = next((s for s in SENTIMENTS if isinstance(sentiment, str) and sentiment.lower() == s.lower()), None)
    if sentiment is None:
        return None
    return CallAnalysis(summary.strip(), sentiment, success)


def conversation_text(lines: list[dict[str, str]]) -> str:
    return "\n".join(f"{'Caller' if line['role'] == 'user' else 'Agent'}: {line['content']}" for line in lines)


async def analyze(model: LanguageModel, model_id: str, lines: list[dict[str, str]], purpose: str | None,
                  max_tokens: int = 300) -> CallAnalysis | None:
    """Ask `model` about the call `lines` (AgentPhone's `[{role, content}]`); None if it gave no usable answer."""
    brief = f"What the agent was told to do:\n{purpose[:PURPOSE_CHARS]}\n\n" if purpose else ""
    request = ChatRequest(model=model_id, system=SYSTEM, max_tokens=max_tokens, temperature=0,
                          messages=[Message("user", f"{brief}The call:\n{conversation_text(lines)}")])
    parts = [event.text async for event in model.stream(request) if isinstance(event, TextDelta)]
    return parse("".join(parts))


class PostCallAnalyst:
    """Runs `analyze` for a finished call with the relay's model; `{}` whenever there is nothing to add."""

    def __init__(self, llm_settings: Callable[[], LlmSettings], model: Callable[[], LanguageModel],
                 settings: AnalysisSettings | None = None) -> None:
        self.llm_settings, self.model = llm_settings, model
        self.settings = settings or AnalysisSettings()

    def active(self) -> bool:
        return self.settings.enabled and model_configured(self.llm_settings())

    async def fields(self, call: dict[str, Any], agent: dict[str, Any], lines: list[dict[str, str]]) -> dict[str, Any]:
        if not lines or not self.active():
            return {}
        tier = call.get("modelTier") or agent.get("modelTier")
        purpose = call.get("systemPrompt") or agent.get("systemPrompt") or agent.get("description")
        try:
            async with asyncio.timeout(self.settings.timeout_seconds):
                result = await analyze(self.model(), self.llm_settings().model_for(tier), lines, purpose)
        except Exception as exc:  # a model failure or the time bound: the event goes without the fields
            logger.warning("post-call analysis failed", extra={"callId": call.get("id"), "error": repr(exc)})
            return {}
        if result is None:
            logger.warning("post-call analysis answer was not the JSON asked for", extra={"callId": call.get("id")})
            return {}
        return result.fields()
