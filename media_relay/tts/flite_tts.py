"""Offline text-to-speech with flite (Debian package), run as a subprocess off the event loop.

Text is spoken sentence by sentence so the first sentence's audio is ready early; each is
resampled to 8 kHz. Repeated phrases (greetings, fillers) come from a small cache.
"""

from __future__ import annotations

import asyncio
import tempfile
import wave
from collections import OrderedDict
from collections.abc import AsyncIterator
from pathlib import Path

from media_relay.audio.resample import downsample
from media_relay.ports import SAMPLE_RATE, VoiceInfo
from media_relay.speech.text import sentences

VOICES = (
    VoiceInfo("slt", "SLT (US English, female)", "flite", "female", "en-US"),
    VoiceInfo("rms", "RMS (US English, male)", "flite", "male", "en-US"),
    VoiceInfo("awb", "AWB (Scottish English, male)", "flite", "male", "en-GB"),
    VoiceInfo("kal", "Kal (US English, male, diphone)", "flite", "male", "en-US"),
    VoiceInfo("kal16", "Kal16 (US English, male, diphone)", "flite", "male", "en-US"),
)
CACHE_ENTRIES = 256


class FliteTts:
    name = "flite"

    def __init__(self, binary: str = "flite") -> None:
        self.binary = binary
        self.cache: OrderedDict[tuple[str, str, float], bytes] = OrderedDict()

    def voices(self) -> list[VoiceInfo]:
        return list(VOICES)

    async def _speak(self, sentence: str, voice: str, speed: float) -> bytes:
        key = (sentence, voice, round(speed, 2))
        if key in self.cache:
            self.cache.move_to_end(key)
            return self.cache[key]
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "speech.wav"
            proc = await asyncio.create_subprocess_exec(
                self.binary, "-voice", voice, "--setf", f"duration_stretch={1 / speed:.3f}", "-t", sentence,
                "-o", str(out), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
            _, err = await proc.communicate()
            if proc.returncode != 0:
                raise RuntimeError(f"flite failed: {err.decode(errors='replace').strip()}")
            with wave.open(str(out)) as w:
                rate, pcm = w.getframerate(), w.readframes(w.getnframes())
        audio = downsample(pcm, rate // SAMPLE_RATE) if rate != SAMPLE_RATE else pcm
        self.cache[key] = audio
        if len(self.cache) > CACHE_ENTRIES:
            self.cache.popitem(last=False)
        return audio

    async def synthesize(self, text: str, *, voice: str, speed: float = 1.0, language: str = "en-US"
                         ) -> AsyncIterator[bytes]:
        if voice not in {v.voice_id for v in VOICES}:
            voice = "slt"
        for sentence in sentences(text):
            yield await self._speak(sentence, voice, speed)
