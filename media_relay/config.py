"""The relay's own settings (speech engines, threads, where it listens)."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RelaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SWITCHBOARD_RELAY_", extra="ignore", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = 8765
    # The plain-HTTP side (live transcript streams the API redirects here); unset: not served.
    http_port: int | None = None
    # The public wss:// URL Twilio connects to (what it signs); defaults to SWITCHBOARD_RELAY_URL.
    public_url: str | None = None
    stt_provider: Literal["pocketsphinx", "transcribe"] = "pocketsphinx"
    tts_provider: Literal["flite", "polly"] = "flite"
    stt_threads: int = 2
    # Where recordings spool while a call runs (default: the system's temporary directory).
    spool_dir: str | None = None
    vad_mode: int = 2
    # Calls end politely once they last this long (default: the plan's maxCallDurationMinutes).
    max_call_seconds: float | None = None
    # The end-of-turn model (Smart Turn v3.2, scripts/fetch_turn_model.py); "" turns it off.
    turn_model_path: str | None = None
    turn_model_threshold: float = Field(default=0.8, gt=0, le=1)
    # A deployment-wide cap on agents' maxSilenceMs (the caller-silence hang-up); none by default.
    max_silence_ceiling_ms: int | None = Field(default=None, ge=1000)
    # Worker processes, one per vCPU (the template sets the task's count): above 1, a supervisor owns
    # the socket and hands each connection to the least-loaded worker (media_relay.workers).
    workers: int = Field(default=1, ge=1, le=64)
    # The event loop: uvloop (libuv) costs less per socket read and timer than asyncio's own loop.
    event_loop: Literal["uvloop", "asyncio"] = "uvloop"
    # How long a thread may hold the GIL while another waits (Python's default: 5 ms). Speech SDKs
    # and DynamoDB writes run Python in threads; the event loop, which paces every call's audio,
    # waits up to this long for the GIL each time one of them has it.
    gil_switch_interval_ms: float = Field(default=5.0, gt=0, le=100)
    # Diagnostics: log the event loop's stack whenever it stalls this long (unset: off).
    stall_report_ms: float | None = Field(default=None, gt=0)

    # AWS speech (docs/aws-speech.md). Credentials come from the default chain (environment,
    # profile, container or instance role); the region from AWS_REGION.
    aws_region: str | None = Field(default=None, validation_alias=AliasChoices(
        "aws_region", "SWITCHBOARD_RELAY_AWS_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"))
    transcribe_endpoint: str | None = None  # e.g. a local fake; default: the region's endpoint
    transcribe_ca_file: str | None = None  # PEM bundle to trust for that endpoint (replaces the system store)
    transcribe_stability: Literal["high", "medium", "low", "off"] = "high"
    # The agent's audio per Twilio media message (whole 20 ms frames); 20: one frame per message, as before.
    playout_message_ms: int = Field(default=100, ge=20, le=500, multiple_of=20)
    transcribe_chunk_ms: int = Field(default=100, ge=20, le=1000)
    # Event size while the caller talks and the agent is silent (media_relay/listener.py says when).
    transcribe_voiced_chunk_ms: int = Field(default=200, ge=20, le=1000)
    transcribe_grace_ms: int = Field(default=300, ge=0)
    transcribe_max_stream_s: float = Field(default=4 * 3600 - 300, gt=0, le=4 * 3600)
    transcribe_connect_timeout_s: float = Field(default=10.0, gt=0)
    transcribe_max_retries: int = Field(default=4, ge=0)
    # Idle streams get a silent chunk this often (0: silence at real time, ten signed events a second).
    transcribe_keepalive_seconds: float = Field(default=5.0, ge=0, le=10)
    # Partial transcripts on the stream's results: the engine reads them as evidence of words.
    transcribe_partials: bool = True
    polly_endpoint: str | None = None
    polly_engine: Literal["standard", "neural", "long-form", "generative"] = "neural"
    polly_max_chars: int = Field(default=1500, ge=100, le=3000)  # billed characters per request (Polly: 3,000)
    polly_max_retries: int = Field(default=4, ge=0)
    polly_threads: int = Field(default=4, ge=1)
