"""Hosted-mode language model settings (environment variables, read once when built, never at import)."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ModelTier = Literal["turbo", "balanced", "max"]
# Amazon Nova through US cross-Region inference profiles: cheap and fast enough for phone turns.
BEDROCK_DEFAULTS: dict[str, str] = {
    "turbo": "us.amazon.nova-micro-v1:0",
    "balanced": "us.amazon.nova-lite-v1:0",
    "max": "us.amazon.nova-pro-v1:0",
}


class LlmSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SWITCHBOARD_", extra="ignore", populate_by_name=True)

    # `bedrock` | `openai`; unset: `openai` when an OpenAI-compatible base URL is given, else `bedrock`.
    llm_provider: Literal["bedrock", "openai"] | None = None
    openai_base_url: str | None = None  # e.g. http://127.0.0.1:8080/v1 (llama.cpp), .../v1 (vLLM, Ollama)
    openai_api_key: SecretStr | None = None
    # The model id per agent `modelTier`; unset tiers fall back to the Bedrock defaults (Bedrock) or to
    # whichever tier is set (OpenAI-compatible servers usually serve one model).
    model_turbo: str | None = None
    model_balanced: str | None = None
    model_max: str | None = None
    llm_timeout_seconds: float = Field(default=20.0, gt=0)  # first token, and every gap between tokens
    llm_max_tokens: int = Field(default=400, ge=16)
    llm_temperature: float | None = Field(default=None, ge=0, le=2)
    bedrock_endpoint_url: str | None = None  # a local fake in tests; default: the region's endpoint
    bedrock_region: str | None = Field(default=None, validation_alias=AliasChoices(
        "bedrock_region", "SWITCHBOARD_BEDROCK_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"))
    bedrock_max_attempts: int = Field(default=2, ge=1, le=5)

    @property
    def provider(self) -> Literal["bedrock", "openai"]:
        if self.llm_provider is not None:
            return self.llm_provider
        return "openai" if self.openai_base_url else "bedrock"

    def model_for(self, tier: str | None) -> str:
        """The model id for an agent's `modelTier` (unknown or missing tiers count as `balanced`)."""
        tier = tier if tier in BEDROCK_DEFAULTS else "balanced"
        chosen = {"turbo": self.model_turbo, "balanced": self.model_balanced, "max": self.model_max}
        if chosen[tier]:
            return chosen[tier]  # type: ignore[return-value]
        if self.provider == "bedrock":
            return BEDROCK_DEFAULTS[tier]
        fallback = next((chosen[t] for t in ("balanced", "turbo", "max") if chosen[t]), None)
        if fallback is None:
            raise ValueError("SWITCHBOARD_LLM_PROVIDER is 'openai' but no model is named: set "
                             "SWITCHBOARD_MODEL_BALANCED (and optionally _TURBO / _MAX) to a model the server serves.")
        return fallback
