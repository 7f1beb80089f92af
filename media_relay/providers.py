"""Pick the speech adapters by name from configuration (never by branches inside stages)."""

from __future__ import annotations

from collections.abc import Callable

from media_relay.config import RelaySettings
from media_relay.ports import SpeechToText, TextToSpeech


def _pocketsphinx(config: RelaySettings) -> SpeechToText:
    from media_relay.stt.pocketsphinx_stt import PocketsphinxStt

    return PocketsphinxStt(threads=config.stt_threads)


def _transcribe(config: RelaySettings) -> SpeechToText:
    from media_relay.stt.transcribe_sdk import TranscribeSdkStt
    from media_relay.stt.transcribe_stream import TranscribeOptions

    options = TranscribeOptions(
        stability=None if config.transcribe_stability == "off" else config.transcribe_stability,
        chunk_ms=config.transcribe_chunk_ms, voiced_chunk_ms=config.transcribe_voiced_chunk_ms,
        grace_ms=config.transcribe_grace_ms,
        max_stream_s=config.transcribe_max_stream_s, connect_timeout_s=config.transcribe_connect_timeout_s,
        max_retries=config.transcribe_max_retries, partials=config.transcribe_partials,
        keepalive_s=config.transcribe_keepalive_seconds)
    return TranscribeSdkStt(region=config.aws_region, endpoint=config.transcribe_endpoint,
                            ca_file=config.transcribe_ca_file, options=options)


def _flite(config: RelaySettings) -> TextToSpeech:
    from media_relay.tts.flite_tts import FliteTts

    return FliteTts()


def _polly(config: RelaySettings) -> TextToSpeech:
    from media_relay.tts.polly_tts import PollyTts

    return PollyTts(engine=config.polly_engine, region=config.aws_region, endpoint_url=config.polly_endpoint,
                    max_chars=config.polly_max_chars, max_retries=config.polly_max_retries,
                    threads=config.polly_threads)


STT_PROVIDERS: dict[str, Callable[[RelaySettings], SpeechToText]] = {
    "pocketsphinx": _pocketsphinx,
    "transcribe": _transcribe,
}
TTS_PROVIDERS: dict[str, Callable[[RelaySettings], TextToSpeech]] = {
    "flite": _flite,
    "polly": _polly,
}


def build_stt(config: RelaySettings) -> SpeechToText:
    if config.stt_provider not in STT_PROVIDERS:
        raise ValueError(f"Unknown speech-to-text provider '{config.stt_provider}'; "
                         f"choose one of {', '.join(STT_PROVIDERS)}.")
    return STT_PROVIDERS[config.stt_provider](config)


def build_tts(config: RelaySettings) -> TextToSpeech:
    if config.tts_provider not in TTS_PROVIDERS:
        raise ValueError(f"Unknown text-to-speech provider '{config.tts_provider}'; "
                         f"choose one of {', '.join(TTS_PROVIDERS)}.")
    return TTS_PROVIDERS[config.tts_provider](config)
