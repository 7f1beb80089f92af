"""One validated settings model, read from the environment once per process.

The models read the environment as pydantic-settings' BaseSettings would for fields like these (plain
values: strings, numbers, booleans, literals; tests/unit/test_settings_env.py holds them to it): a field
not passed is `<prefix><name>` (or its validation alias) in any case, validated by pydantic. A few lines
here instead of the package, which with python-dotenv was about 20 ms of every Lambda cold start.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class EnvSettings(BaseModel):
    """A model whose fields not passed are read from the environment (`env_prefix` + the field's name)."""

    model_config = ConfigDict(extra="ignore", validate_default=True)
    env_prefix: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        env = {name.lower(): value for name, value in os.environ.items()}
        given, found = dict(data), {}
        for name, field in cls.model_fields.items():
            alias = field.validation_alias if isinstance(field.validation_alias, str) else None
            if alias and name in given and alias not in given:  # passed by its name, as BaseSettings allows
                given[alias] = given.pop(name)
            variable = (alias or cls.env_prefix + name).lower()
            if variable in env:
                found[alias or name] = env[variable]
        return {**found, **given}


class PlanLimits(EnvSettings):
    """The deployment's plan; self-hosters set their own limits."""

    env_prefix: ClassVar[str] = "SWITCHBOARD_PLAN_"

    name: str = "self-hosted"
    numbers: int = 100
    messages_per_month: int = 100_000
    voice_minutes_per_month: int = 100_000
    max_call_duration_minutes: int = 60
    concurrent_calls: int = 100
    # Limits each sub-account meets on its own (within the project's); unset: only the project's apply.
    sub_account_numbers: int | None = None
    sub_account_concurrent_calls: int | None = None


class Settings(EnvSettings):
    """Everything a component needs to know about its deployment."""

    env_prefix: ClassVar[str] = "SWITCHBOARD_"

    table_name: str = "switchboard"
    aws_region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    aws_endpoint_url: str | None = None
    # Local mode relaxes what only makes sense on a laptop (plain http webhooks on loopback).
    local_mode: bool = False
    # Public base URL of the API (carrier callbacks are built from it).
    public_base_url: str = "http://127.0.0.1:8080"
    # Public WebSocket URL of the media relay's Twilio endpoint.
    relay_url: str = "ws://127.0.0.1:8765/twilio"
    carrier: Literal["twilio", "local"] = "local"
    twilio_api_base: str = "https://api.twilio.com"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    # In AWS the Twilio credentials live in Secrets Manager: {"accountSid", "authToken"}.
    twilio_secret_arn: str | None = None
    delivery_queue_url: str | None = None
    delivery_dlq_url: str | None = None
    event_bus_name: str = "switchboard"
    # Scheduled calls (`scheduledAt`): one-off EventBridge Scheduler schedules in this group invoke the
    # outbound function (its ARN, an alias in AWS) through a role Scheduler assumes. Unset ARNs: no scheduling.
    schedule_group_name: str = "switchboard-calls"
    scheduler_role_arn: str | None = None
    outbound_function_arn: str | None = None
    # SIP trunk credentials are Secrets Manager secrets named `<prefix>/<trunk id>` (the template sets the
    # stack's name as the prefix, and grants the API function exactly that prefix).
    sip_secret_prefix: str = "switchboard/sip-trunks"
    # Calls whose final status callback is lost: the relay asks for a check this long after a stream ends,
    # and the sweep (every few minutes) asks the carrier about live calls at least this old.
    reconcile_queue_url: str | None = None
    reconcile_delay_seconds: int = Field(default=20, ge=0, le=900)
    reconcile_min_age_seconds: int = Field(default=120, ge=0)
    # agent.call_ended waits this long after a call ended for a relay that still holds its stream
    # (longer than post-call analysis may take); past it, the relay is taken to have died mid-call.
    call_settle_grace_seconds: float = Field(default=45.0, gt=0)
    delivery_max_attempts: int = 5
    delivery_base_delay_seconds: int = 30
    # The speech engines the relay runs; the API validates voices and languages against them.
    tts_provider: Literal["flite", "polly"] = "flite"
    stt_provider: Literal["pocketsphinx", "transcribe"] = "pocketsphinx"
    max_body_bytes: int = 1_000_000
    # Long polls (`GET /v1/calls/{id}?wait=true`, `POST /v1/calls` with `waitForCompletion`) answer with the
    # call as it stands after at most this long, whatever timeout the client asked for: API Gateway drops a
    # request after 30 s. None (local mode's uvicorn): no cap.
    long_poll_max_seconds: float | None = Field(default=None, gt=0)
    long_poll_interval_seconds: float = Field(default=0.5, gt=0)
    # Web calls: the relay's public WebSocket URL for browsers (default: the relay URL with /web for
    # /twilio), and how long a web call's single-use access token may wait to be used.
    web_call_url: str | None = None
    web_call_token_seconds: int = Field(default=60, ge=5, le=3600)
    # Signed, expiring links (recordings, the relay's transcript streams) are HMACs with this key;
    # in AWS it is a Secrets Manager secret (`signing_secret_arn`) the stack generates.
    signing_key: str = ""
    signing_secret_arn: str | None = None
    # Live transcript streams: where the front cannot stream (API Gateway), the API redirects a live
    # call's stream to this public https base (the relay's HTTP side), with a signed token in the URL.
    transcript_stream_url: str | None = None
    transcript_poll_seconds: float = Field(default=0.3, gt=0, le=1)
    transcript_keepalive_seconds: float = Field(default=15, gt=0)
    # Recordings: the S3 bucket (unset: nothing is recorded), how long a signed or presigned link lives,
    # and the largest recording the API answers inline (larger: a redirect to a presigned URL; unset: all).
    recordings_bucket: str | None = None
    recording_link_seconds: int = Field(default=300, ge=10, le=86400)
    recording_inline_max_bytes: int | None = Field(default=None, ge=0)

    @property
    def browser_relay_url(self) -> str:
        """Where browsers open a web call's WebSocket."""
        if self.web_call_url:
            return self.web_call_url
        base = self.relay_url.removesuffix("/twilio")
        return f"{base}/web"

    @property
    def plan(self) -> PlanLimits:
        return PlanLimits()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
