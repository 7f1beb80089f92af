"""Sample-rate conversion by integer factors with a windowed-sinc low-pass (numpy only).

Telephone audio is 8 kHz; pocketsphinx's model wants 16 kHz and flite speaks at 16 kHz.
Naive sample dropping would alias, so both directions filter at the lower Nyquist rate.
"""

from __future__ import annotations

import numpy as np

TAPS = 63


def _lowpass(cutoff: float, taps: int = TAPS) -> np.ndarray:
    """FIR low-pass; `cutoff` is a fraction of the sample rate (0 < cutoff < 0.5)."""
    n = np.arange(taps) - (taps - 1) / 2
    h = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(taps)
    return h / h.sum()


_HALF_BAND = _lowpass(0.23)  # passes up to ~3.7 kHz at 16 kHz, stops aliasing into 0-4 kHz


def _to_int16(x: np.ndarray) -> bytes:
    return np.clip(np.round(x), -32768, 32767).astype(np.int16).tobytes()


def upsample_2x(pcm8k: bytes) -> bytes:
    """8 kHz -> 16 kHz: zero-stuff, then low-pass (gain 2 restores the level)."""
    x = np.frombuffer(pcm8k, dtype=np.int16).astype(np.float64)
    y = np.zeros(len(x) * 2)
    y[::2] = x
    return _to_int16(np.convolve(y, 2 * _HALF_BAND, mode="same"))


def downsample(pcm: bytes, factor: int) -> bytes:
    """Low-pass then keep every `factor`-th sample (e.g. 16 kHz -> 8 kHz with factor 2)."""
    x = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    if factor == 1:
        return pcm
    h = _lowpass(0.46 / factor)
    return _to_int16(np.convolve(x, h, mode="same")[::factor])


class StreamingUpsampler:
    """8 kHz -> 16 kHz across chunk boundaries: keeps the filter's history, so a stream cut into
    100 ms chunks comes out the same as the whole signal (no click every chunk)."""

    def __init__(self) -> None:
        self.kernel = 2 * _HALF_BAND
        self.history = np.zeros(TAPS - 1)

    def process(self, pcm8k: bytes) -> bytes:
        x = np.frombuffer(pcm8k, dtype=np.int16).astype(np.float64)
        stuffed = np.zeros(len(x) * 2)
        stuffed[::2] = x
        joined = np.concatenate([self.history, stuffed])
        self.history = joined[-(TAPS - 1):]
        return _to_int16(np.convolve(joined, self.kernel, mode="valid"))
