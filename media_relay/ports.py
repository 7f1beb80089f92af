"""The relay's provider ports: speech-to-text and text-to-speech.

Audio inside the relay is always signed 16-bit little-endian mono PCM at 8 kHz (`PCM8K`),
the telephone rate; adapters resample at their edge if their engine wants another rate.
Adapters are picked by configuration (`media_relay.providers`), never by branches in stages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

SAMPLE_RATE = 8000
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000  # 160
FRAME_BYTES_PCM = FRAME_SAMPLES * 2  # 320 bytes of int16
FRAME_BYTES_MULAW = FRAME_SAMPLES  # 160 bytes of mu-law


@dataclass(frozen=True)
class Transcript:
    """A recognition result. Partials replace each other until `is_final` closes the segment."""

    text: str
    is_final: bool
    confidence: float | None = None
    # Stream-relative times (ms since the first audio pushed) of the recognised speech.
    start_ms: int | None = None
    end_ms: int | None = None


class SttStream(Protocol):
    """One caller's recognition stream, open for the whole call."""

    async def push(self, pcm: bytes) -> None:
        """Feed audio (PCM8K) in real time; never blocks the event loop on CPU work."""
        ...

    async def flush(self) -> None:
        """The caller stopped speaking (VAD): finalise what has been heard so far."""
        ...

    def pace(self, coarse: bool) -> None:
        """Whether audio may travel in larger pieces for now: the caller is mid-speech and nothing reads
        their words before they pause (a recogniser without pieces ignores it)."""
        ...

    def results(self) -> AsyncIterator[Transcript]: ...

    async def close(self) -> None: ...


class SpeechToText(Protocol):
    name: str

    async def open_stream(self, *, language: str, sample_rate: int = SAMPLE_RATE) -> SttStream: ...


@dataclass(frozen=True)
class VoiceInfo:
    voice_id: str
    name: str
    provider: str
    gender: str
    language: str


class TextToSpeech(Protocol):
    name: str

    def voices(self) -> list[VoiceInfo]: ...

    def synthesize(self, text: str, *, voice: str, speed: float = 1.0, language: str = "en-US"
                   ) -> AsyncIterator[bytes]:
        """Yield PCM8K audio for `text` as it becomes available (first chunk as early as possible)."""
        ...
