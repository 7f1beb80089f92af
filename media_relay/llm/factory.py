"""Build the configured `LanguageModel` (the one place that chooses a provider)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from media_relay.llm.config import LlmSettings
from media_relay.llm.port import LanguageModel


def _openai(settings: LlmSettings, http: httpx.AsyncClient | None) -> LanguageModel:
    from media_relay.llm.openai_compat import OpenAICompatModel

    if not settings.openai_base_url:
        raise ValueError("SWITCHBOARD_LLM_PROVIDER is 'openai' but SWITCHBOARD_OPENAI_BASE_URL is not set "
                         "(e.g. http://127.0.0.1:8080/v1).")
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return OpenAICompatModel(settings.openai_base_url, api_key=key, http=http,
                             timeout=settings.llm_timeout_seconds)


def _bedrock(settings: LlmSettings, http: httpx.AsyncClient | None) -> LanguageModel:
    from media_relay.llm.bedrock import BedrockModel

    return BedrockModel(region=settings.bedrock_region, endpoint_url=settings.bedrock_endpoint_url,
                        timeout=settings.llm_timeout_seconds, max_attempts=settings.bedrock_max_attempts)


PROVIDERS: dict[str, Callable[[LlmSettings, httpx.AsyncClient | None], LanguageModel]] = {
    "openai": _openai,
    "bedrock": _bedrock,
}


def build_language_model(settings: LlmSettings | None = None, *, http: httpx.AsyncClient | None = None
                         ) -> LanguageModel:
    """The adapter for `settings` (default: from the environment); `http` is shared by HTTP adapters."""
    settings = settings or LlmSettings()
    settings.model_for("balanced")  # fail at start-up, not on the first call, when no model is named
    return PROVIDERS[settings.provider](settings, http)
