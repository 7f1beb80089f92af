"""The voices and languages the configured speech engines can actually speak and hear.

The API answers `GET /v1/agents/voices` and validates `voice`/`language` from this catalogue,
without talking to the relay, so it must match what the relay's TTS adapter speaks.
"""

from __future__ import annotations

from dataclasses import dataclass

# What AgentPhone's clients show as a voice's `accent`, by language (a voice may name its own).
ACCENTS = {
    "en-US": "American", "en-GB": "British", "en-AU": "Australian", "en-IN": "Indian", "es-US": "US Spanish",
    "es-ES": "Castilian Spanish", "fr-FR": "French", "fr-CA": "Canadian French", "de-DE": "German",
    "it-IT": "Italian", "pt-BR": "Brazilian Portuguese", "ja-JP": "Japanese", "ko-KR": "Korean",
    "zh-CN": "Mandarin Chinese",
}


@dataclass(frozen=True)
class VoiceEntry:
    voice_id: str
    name: str
    provider: str
    gender: str
    language: str
    own_accent: str | None = None

    @property
    def accent(self) -> str:
        return self.own_accent or ACCENTS.get(self.language, self.language)


# flite's bundled voices (Debian package `flite`); all US English.
FLITE_VOICES = (
    VoiceEntry("slt", "SLT (US English, female)", "flite", "female", "en-US"),
    VoiceEntry("rms", "RMS (US English, male)", "flite", "male", "en-US"),
    VoiceEntry("awb", "AWB (Scottish English, male)", "flite", "male", "en-GB", "Scottish"),
    VoiceEntry("kal", "Kal (US English, male, diphone)", "flite", "male", "en-US"),
    VoiceEntry("kal16", "Kal16 (US English, male, diphone)", "flite", "male", "en-US"),
)

# A subset of Amazon Polly neural voices (describe_voices at run time is the source of truth).
POLLY_VOICES = (
    VoiceEntry("Joanna", "Joanna", "polly", "female", "en-US"),
    VoiceEntry("Matthew", "Matthew", "polly", "male", "en-US"),
    VoiceEntry("Ruth", "Ruth", "polly", "female", "en-US"),
    VoiceEntry("Stephen", "Stephen", "polly", "male", "en-US"),
    VoiceEntry("Amy", "Amy", "polly", "female", "en-GB"),
    VoiceEntry("Brian", "Brian", "polly", "male", "en-GB"),
    VoiceEntry("Olivia", "Olivia", "polly", "female", "en-AU"),
    VoiceEntry("Kajal", "Kajal", "polly", "female", "en-IN"),
    VoiceEntry("Lupe", "Lupe", "polly", "female", "es-US"),
    VoiceEntry("Lucia", "Lucia", "polly", "female", "es-ES"),
    VoiceEntry("Lea", "Léa", "polly", "female", "fr-FR"),
    VoiceEntry("Gabrielle", "Gabrielle", "polly", "female", "fr-CA"),
    VoiceEntry("Vicki", "Vicki", "polly", "female", "de-DE"),
    VoiceEntry("Bianca", "Bianca", "polly", "female", "it-IT"),
    VoiceEntry("Camila", "Camila", "polly", "female", "pt-BR"),
    VoiceEntry("Takumi", "Takumi", "polly", "male", "ja-JP"),
    VoiceEntry("Seoyeon", "Seoyeon", "polly", "female", "ko-KR"),
    VoiceEntry("Zhiyu", "Zhiyu", "polly", "female", "zh-CN"),
)

CATALOGUES = {"flite": FLITE_VOICES, "polly": POLLY_VOICES}
DEFAULT_VOICE = {"flite": "slt", "polly": "Joanna"}

# Languages the recognisers understand: pocketsphinx's bundled model is US English only;
# Amazon Transcribe streaming covers most of the published list.
STT_LANGUAGES = {
    "pocketsphinx": frozenset({"en-US"}),
    "transcribe": frozenset({
        "en-US", "en-GB", "en-AU", "en-IN", "en-NZ", "es-ES", "es-419", "fr-FR", "fr-CA", "de-DE", "it-IT",
        "pt-BR", "pt-PT", "ja-JP", "ko-KR", "zh-CN", "hi-IN", "ar-SA", "nl-NL", "sv-SE", "da-DK", "no-NO",
        "fi-FI", "pl-PL", "ru-RU", "tr-TR", "he-IL", "id-ID", "ms-MY", "th-TH", "vi-VN", "uk-UA", "cs-CZ",
    }),
}


def voices(provider: str) -> tuple[VoiceEntry, ...]:
    return CATALOGUES[provider]


def default_voice(provider: str) -> str:
    return DEFAULT_VOICE[provider]


def language_warnings(language: str, *, tts_provider: str, stt_provider: str) -> list[str]:
    """Plain sentences naming what the configured engines cannot do in `language`."""
    warnings = []
    if language not in STT_LANGUAGES.get(stt_provider, frozenset()):
        warnings.append(
            f"The configured speech recogniser ({stt_provider}) does not understand {language}; "
            "callers will be transcribed as US English."
        )
    base = language.split("-")[0]
    if not any(v.language.split("-")[0] == base for v in voices(tts_provider)):
        warnings.append(
            f"The configured text-to-speech engine ({tts_provider}) has no {language} voice; "
            "replies will be spoken with an English voice."
        )
    return warnings
