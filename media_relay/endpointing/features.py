"""Whisper-style log-mel features: what the Smart Turn model was trained on.

80 mel bands (Slaney scale and area normalisation) of a centred short-time Fourier transform
(400-sample periodic Hann window, hop 160) of 8 s of 16 kHz audio, normalised to zero mean and unit
variance first; then log10, floored at 8 below the loudest value, and scaled as (x + 4) / 4. That is
the recipe Whisper's papers and model cards give; it is written here with numpy alone.
"""

from __future__ import annotations

from functools import cache

import numpy as np

RATE = 16000
N_FFT, HOP, N_MELS = 400, 160, 80
SECONDS = 8
SAMPLES = RATE * SECONDS


def _slaney_mel(hz: np.ndarray) -> np.ndarray:
    """Hertz to mels: linear below 1 kHz (3 mels per 200 Hz), logarithmic above."""
    mel = 3.0 * hz / 200.0
    above = hz >= 1000.0
    return np.where(above, 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) * 27.0 / np.log(6.4), mel)


def _slaney_hz(mel: np.ndarray) -> np.ndarray:
    hz = 200.0 * mel / 3.0
    above = mel >= 15.0
    return np.where(above, 1000.0 * np.exp((mel - 15.0) * np.log(6.4) / 27.0), hz)


@cache
def mel_filters() -> np.ndarray:
    """(N_MELS, N_FFT // 2 + 1) triangular filters, each normalised to unit area (Slaney)."""
    fft_hz = np.linspace(0.0, RATE / 2, N_FFT // 2 + 1)
    edges = _slaney_hz(np.linspace(_slaney_mel(np.array(0.0)), _slaney_mel(np.array(RATE / 2.0)), N_MELS + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (fft_hz[None, :] - lower) / (centre - lower)
    falling = (upper - fft_hz[None, :]) / (upper - centre)
    triangles = np.maximum(0.0, np.minimum(rising, falling))
    return triangles * (2.0 / (upper - lower))


@cache
def _window() -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic Hann


def fit(audio: np.ndarray) -> np.ndarray:
    """The last 8 s of `audio` (float, 16 kHz), zeros in front when it is shorter."""
    audio = audio[-SAMPLES:]
    return np.pad(audio, (SAMPLES - audio.size, 0)) if audio.size < SAMPLES else audio


def log_mel(audio: np.ndarray) -> np.ndarray:
    """(80, 800) float32 features of exactly 8 s of 16 kHz audio."""
    x = audio.astype(np.float32)
    x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
    padded = np.pad(x.astype(np.float64), N_FFT // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]
    power = np.abs(np.fft.rfft(frames * _window(), axis=-1)) ** 2  # (frames, bins)
    mel = np.maximum(1e-10, power @ mel_filters().T).T  # (mels, frames)
    logged = np.log10(mel)[:, :-1]
    logged = np.maximum(logged, logged.max() - 8.0)
    return ((logged + 4.0) / 4.0).astype(np.float32)
