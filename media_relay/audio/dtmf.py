"""In-band DTMF: the agent "presses keys" by playing the standard tone pairs toward the far end.

ITU-T Q.23 frequency pairs; 100 ms of tone then 100 ms of silence per key (accepted by
virtually every IVR), `w`/`W` a half-second pause. The high-group tone is ~2 dB louder than
the low one (twist), both well under full scale, with 3 ms fades so keys do not click.
"""

from __future__ import annotations

import numpy as np

from media_relay.ports import SAMPLE_RATE

LOW = {"1": 697, "2": 697, "3": 697, "A": 697, "4": 770, "5": 770, "6": 770, "B": 770,
       "7": 852, "8": 852, "9": 852, "C": 852, "*": 941, "0": 941, "#": 941, "D": 941}
HIGH = {"1": 1209, "4": 1209, "7": 1209, "*": 1209, "2": 1336, "5": 1336, "8": 1336, "0": 1336,
        "3": 1477, "6": 1477, "9": 1477, "#": 1477, "A": 1633, "B": 1633, "C": 1633, "D": 1633}
ALLOWED = set("0123456789*#wW")
TONE_MS, GAP_MS, PAUSE_MS, FADE_MS = 100, 100, 500, 3
LOW_AMPLITUDE, HIGH_AMPLITUDE = 10_000, 12_600


def valid(digits: str) -> bool:
    return bool(digits) and set(digits) <= ALLOWED


def _samples(ms: int) -> int:
    return SAMPLE_RATE * ms // 1000


def _tone(key: str) -> np.ndarray:
    n = np.arange(_samples(TONE_MS))
    wave = (LOW_AMPLITUDE * np.sin(2 * np.pi * LOW[key] * n / SAMPLE_RATE)
            + HIGH_AMPLITUDE * np.sin(2 * np.pi * HIGH[key] * n / SAMPLE_RATE))
    fade = np.linspace(0.0, 1.0, _samples(FADE_MS))
    wave[: fade.size] *= fade
    wave[-fade.size:] *= fade[::-1]
    return wave


def tones(digits: str) -> bytes:
    """PCM8K audio that keys `digits` (characters outside `0-9*#wW` raise ValueError)."""
    if not valid(digits):
        raise ValueError(f"DTMF digits must be 0-9, *, # or w (pause); got {digits!r}.")
    parts: list[np.ndarray] = []
    for key in digits:
        if key in "wW":
            parts.append(np.zeros(_samples(PAUSE_MS)))
        else:
            parts += [_tone(key), np.zeros(_samples(GAP_MS))]
    return np.concatenate(parts).astype(np.int16).tobytes()
