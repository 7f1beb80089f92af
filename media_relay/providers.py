"""Pick the speech adapters by name from configuration (never by branches inside stages)."""

from __future__ import annotations

from media_relay.config import RelaySettings
from media_relay.ports import SpeechToText, TextToSpeech


def build_stt(config: RelaySettings) -> SpeechToText:
    if config.stt_provider == "pocketsphinx":
        from media_relay.stt.pocketsphinx_stt import PocketsphinxStt

        return PocketsphinxStt(threads=config.stt_threads)
    raise ValueError(f"Unknown speech-to-text provider '{config.stt_provider}'.")


def build_tts(config: RelaySettings) -> TextToSpeech:
    if config.tts_provider == "flite":
        from media_relay.tts.flite_tts import FliteTts

        return FliteTts()
    raise ValueError(f"Unknown text-to-speech provider '{config.tts_provider}'.")
