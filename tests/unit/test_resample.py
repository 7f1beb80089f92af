"""Resampling keeps the telephone band, removes what would alias, and streams without seams."""

from __future__ import annotations

import numpy as np

from media_relay.audio.resample import StreamingUpsampler, downsample, upsample_2x


def tone(freq: float, rate: int, seconds: float = 0.5) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    return (10000 * np.sin(2 * np.pi * freq * t)).astype(np.int16).tobytes()


def rms(pcm: bytes) -> float:
    x = np.frombuffer(pcm, dtype=np.int16).astype(float)[200:-200]
    return float(np.sqrt(np.mean(x**2)))


def test_downsampling_keeps_voice_band_and_blocks_aliases() -> None:
    assert rms(downsample(tone(1000, 16000), 2)) > 0.9 * rms(tone(1000, 16000))
    assert rms(downsample(tone(6000, 16000), 2)) < 0.05 * rms(tone(6000, 16000))


def test_upsampling_keeps_level() -> None:
    assert abs(rms(upsample_2x(tone(1000, 8000))) / rms(tone(1000, 8000)) - 1) < 0.1


def test_streaming_upsampler_has_no_seams_between_chunks() -> None:
    signal = tone(700, 8000, 1.0)
    up = StreamingUpsampler()
    streamed = b"".join(up.process(signal[i:i + 1600]) for i in range(0, len(signal), 1600))
    whole = np.frombuffer(StreamingUpsampler().process(signal), dtype=np.int16)
    assert np.array_equal(np.frombuffer(streamed, dtype=np.int16), whole)
    naive = np.frombuffer(b"".join(upsample_2x(signal[i:i + 1600]) for i in range(0, len(signal), 1600)),
                          dtype=np.int16).astype(int)
    reference = np.frombuffer(upsample_2x(signal), dtype=np.int16).astype(int)
    assert np.max(np.abs(naive - reference)) > 300  # chunk-by-chunk filtering clicks at every seam
