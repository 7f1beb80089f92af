"""Callers who behave like people, for the turn-taking benchmark: several synthetic voices at several
levels, backchannels, noises (a cough, clicks, a keyboard, a door), a TV in the room, pauses in
the middle of a number or an address. Everything is 8 kHz mu-law, as a phone line carries it."""

from __future__ import annotations

import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np
import stack  # noqa: F401 - puts the repository on sys.path (the tests' speech helpers)

from media_relay.audio import codec
from media_relay.audio.resample import downsample
from tests.support.speech_reference import spliced

RATE = 8000
FLITE_VOICES = ("rms", "slt", "awb", "kal16")
VOICES = (*FLITE_VOICES, "espeak")


def _pcm(samples: np.ndarray) -> bytes:
    return np.clip(samples, -32768, 32767).astype(np.int16).tobytes()


def _wav(path: Path) -> tuple[bytes, int]:
    with wave.open(str(path)) as w:
        return w.readframes(w.getnframes()), w.getframerate()


def say(text: str, voice: str) -> bytes:
    """`text` spoken by flite (`rms`, `slt`, `awb`, `kal16`) or espeak-ng, as 8 kHz PCM."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "s.wav"
        if voice == "espeak":
            raw = Path(tmp) / "r.wav"
            subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(raw), text], check=True)
            subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(out)], check=True)
        else:
            subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(out)], check=True)
        pcm, rate = _wav(out)
    return downsample(pcm, rate // RATE) if rate > RATE else pcm


def level(pcm: bytes, db: float) -> bytes:
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
    return _pcm(samples * 10 ** (db / 20))


def mulaw(pcm: bytes) -> bytes:
    return codec.encode(pcm)


def trim(pcm: bytes, floor: float = 300.0) -> bytes:
    """Without the silence flite puts before and after (so timings start at the voice)."""
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
    loud = np.flatnonzero(np.abs(samples) > floor)
    return pcm if loud.size == 0 else _pcm(samples[loud[0]:loud[-1] + 1])


def with_pauses(text: str, voice: str, after_words: list[int], pause_s: list[float]) -> bytes:
    """`text` said in one breath, with silences spliced in after the given words (flite voices)."""
    return spliced(text, voice, after_words, pause_s)


# -- noises -------------------------------------------------------------------------------------------
def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def cough(seed: int, ms: int = 220) -> bytes:
    n = RATE * ms // 1000
    env = np.exp(-np.linspace(0, 5, n)) * np.minimum(1, np.linspace(0, 8, n))
    rng = _rng(seed)
    burst = rng.normal(0, 9000, n) * env + 6000 * np.sin(2 * np.pi * rng.uniform(150, 250) * np.arange(n) / RATE) * env
    return _pcm(burst)


def click(seed: int) -> bytes:
    n = RATE * 30 // 1000
    return _pcm(_rng(seed).normal(0, 14000, n) * np.exp(-np.linspace(0, 12, n)))


def keyboard(seed: int, seconds: float = 1.5) -> bytes:
    rng, out = _rng(seed), np.zeros(int(RATE * seconds), dtype=np.float32)
    at = 0
    while at < out.size - 240:
        tap = rng.normal(0, rng.uniform(6000, 12000), 200) * np.exp(-np.linspace(0, 10, 200))
        out[at:at + 200] += tap
        at += int(rng.uniform(0.08, 0.2) * RATE)
    return _pcm(out)


def door(seed: int) -> bytes:
    n = RATE * 400 // 1000
    rng = _rng(seed)
    thump = 20000 * np.sin(2 * np.pi * 60 * np.arange(n) / RATE) + rng.normal(0, 8000, n)
    return _pcm(thump * np.exp(-np.linspace(0, 9, n)))


NOISES = {"cough": cough, "click": click, "keyboard": keyboard, "door": door}


def babble(seconds: float = 30.0) -> bytes:
    """A TV or a room of people: several voices talking at once, all the time."""
    lines = ["The weather tomorrow will be sunny with a light breeze in the afternoon.",
             "Scientists announced a new discovery about the oceans on Tuesday.",
             "The home team scored twice in the second half and won the match.",
             "Prices at the market went up again this week, shoppers said."]
    total = np.zeros(int(RATE * seconds), dtype=np.float32)
    for i, (line, voice) in enumerate(zip(lines, FLITE_VOICES, strict=True)):
        one = np.frombuffer(say(line, voice), dtype=np.int16).astype(np.float32)
        reps = np.tile(one, int(total.size / one.size) + 2)
        offset = i * RATE // 3
        total += reps[offset:offset + total.size] * 0.5
    return _pcm(total)
