"""A Goertzel DTMF detector: what an IVR on the far end would decode from the agent's audio.

Independent of the relay's generator: it measures power at the eight Q.23 frequencies in
20 ms blocks, accepts a key when one low and one high tone dominate the block's energy in
two blocks running, and needs a gap before the same key counts again.
"""

from __future__ import annotations

import numpy as np

LOWS = (697, 770, 852, 941)
HIGHS = (1209, 1336, 1477, 1633)
KEYS = ("123A", "456B", "789C", "*0#D")
BLOCK = 160


def goertzel_power(block: np.ndarray, freq: float, rate: int = 8000) -> float:
    coeff = 2 * np.cos(2 * np.pi * freq / rate)
    s1 = s2 = 0.0
    for x in block:
        s0 = x + coeff * s1 - s2
        s2, s1 = s1, s0
    return float(s1 * s1 + s2 * s2 - coeff * s1 * s2)


def block_key(block: np.ndarray) -> str | None:
    energy = float(np.sum(block * block)) * len(block) / 2  # Parseval scale of the Goertzel power
    if energy < 1e6:
        return None
    lows = [goertzel_power(block, f) for f in LOWS]
    highs = [goertzel_power(block, f) for f in HIGHS]
    li, hi = int(np.argmax(lows)), int(np.argmax(highs))
    if (lows[li] + highs[hi]) / energy < 0.7:  # speech and noise spread their energy; tones do not
        return None
    if sorted(lows)[-2] > lows[li] / 10 or sorted(highs)[-2] > highs[hi] / 10:
        return None
    return KEYS[li][hi]


def decode(pcm: bytes) -> str:
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    keys, previous, current, run = [], None, None, 0
    for start in range(0, len(samples) - BLOCK + 1, BLOCK):
        key = block_key(samples[start:start + BLOCK])
        run = run + 1 if key == current else 1
        current = key
        if key is not None and run == 2 and key != previous:
            keys.append(key)
        if run >= 2:
            previous = key
    return "".join(keys)
