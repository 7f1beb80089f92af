"""denoisingMode: steady noise comes out of the caller's audio, their speech stays."""

from __future__ import annotations

import numpy as np

from media_relay.audio.denoise import Denoiser, for_mode

RATE = 8000


def rms(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    return float(np.sqrt(np.mean(samples**2)))


def run(denoiser: Denoiser, pcm: bytes) -> bytes:
    return b"".join(denoiser(pcm[i:i + 320]) for i in range(0, len(pcm) - 319, 320))


def test_steady_hiss_comes_out_several_db_lower_and_a_tone_over_it_stays() -> None:
    rng = np.random.default_rng(1)
    hiss = rng.normal(0, 1500, RATE * 4)
    tone = np.zeros(RATE * 4)
    tone[RATE * 3:] = 8000 * np.sin(2 * np.pi * 440 * np.arange(RATE) / RATE)  # "speech" in the last second
    pcm = np.clip(hiss + tone, -32768, 32767).astype(np.int16).tobytes()
    out = run(Denoiser(), pcm)
    before, after = rms(pcm[RATE * 2 * 2:RATE * 3 * 2]), rms(out[RATE * 2 * 2:RATE * 3 * 2])
    assert 20 * np.log10(before / after) >= 6  # the hiss alone, once the floor is learnt
    kept = rms(out[RATE * 3 * 2 + 640:]) / rms(pcm[RATE * 3 * 2 + 640:])
    assert kept > 0.8  # the tone (one frame later) keeps its level


def test_the_modes_are_agentphones_and_none_means_untouched() -> None:
    assert for_mode(None) is None
    assert isinstance(for_mode("noise-cancellation"), Denoiser)
    assert for_mode("noise-and-background-speech-cancellation").over > Denoiser().over  # type: ignore[union-attr]
