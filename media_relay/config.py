"""The relay's own settings (speech engines, threads, where it listens)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class RelaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SWITCHBOARD_RELAY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8765
    # The public wss:// URL Twilio connects to (what it signs); defaults to SWITCHBOARD_RELAY_URL.
    public_url: str | None = None
    stt_provider: str = "pocketsphinx"
    tts_provider: str = "flite"
    stt_threads: int = 2
    vad_mode: int = 2
