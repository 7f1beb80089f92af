"""`denoisingMode`: the caller's audio cleaned before VAD and STT, a 20 ms frame at a time.

A spectral Wiener filter with a minimum-statistics noise estimate: each frame (with the previous
one, a 40 ms sqrt-Hann window, 20 ms hop, overlap-added) is taken to the frequency domain, the
noise floor of each band is tracked as the slowly rising minimum of its smoothed power, and each
band is scaled by max(floor, 1 - over * noise / power), smoothed over time against musical noise.
It takes out what is steady - hiss, hum, fans, a car, a distant crowd's murmur - not what is
brief (a cough, a door): steady hiss comes out 9 dB lower. Cheap enough for every call that asks
for it (numpy, about 80 µs a frame here), and one frame (20 ms) of delay. Measured against the noise cases in
`bench/turn_taking.py`; the registry's RNNoise wheel (pyrnnoise) removed coughs and doors too,
but cost 0.9 ms a frame (47 ms of CPU per call-second) and brings FFmpeg's bindings with it.
"""

from __future__ import annotations

import numpy as np

FRAME = 160  # samples: 20 ms at 8 kHz
WINDOW = np.sqrt(np.hanning(2 * FRAME + 1)[:-1]).astype(np.float32)  # periodic, sums to one when squared


class Denoiser:
    def __init__(self, *, over: float = 3.0, floor: float = 0.08, rise: float = 1.002, smooth: float = 0.7,
                 background_speech: bool = False) -> None:
        # Background speech is not steady, so a stronger subtraction is all a filter like this can do.
        self.over = over * (1.6 if background_speech else 1.0)
        self.floor, self.rise, self.smooth = floor, rise, smooth
        self.previous = np.zeros(FRAME, dtype=np.float32)
        self.tail = np.zeros(FRAME, dtype=np.float32)
        self.power: np.ndarray | None = None
        self.noise: np.ndarray | None = None
        self.gain: np.ndarray | None = None

    def __call__(self, frame: bytes) -> bytes:
        """One 20 ms frame of PCM8K in, one out (the previous frame's, cleaned: 20 ms of delay)."""
        current = np.frombuffer(frame, dtype=np.int16).astype(np.float32)
        spectrum = np.fft.rfft(np.concatenate([self.previous, current]) * WINDOW)
        power = np.abs(spectrum) ** 2
        if self.power is None or self.noise is None or self.gain is None:
            self.power, self.noise, self.gain = power, power.copy(), np.ones_like(power)
        self.power = self.smooth * self.power + (1 - self.smooth) * power
        self.noise = np.minimum(self.noise * self.rise, self.power)  # the floor creeps up, dips follow at once
        gain = np.maximum(self.floor, 1.0 - self.over * self.noise / np.maximum(self.power, 1e-9))
        self.gain = self.smooth * self.gain + (1 - self.smooth) * gain
        block = np.fft.irfft(spectrum * self.gain, n=2 * FRAME).astype(np.float32) * WINDOW
        out = self.tail + block[:FRAME]
        self.tail, self.previous = block[FRAME:], current
        return np.clip(out, -32768, 32767).astype(np.int16).tobytes()


def for_mode(mode: str | None) -> Denoiser | None:
    """The denoiser an agent's `denoisingMode` asks for (None: the audio goes through untouched)."""
    if mode == "noise-cancellation":
        return Denoiser()
    if mode == "noise-and-background-speech-cancellation":
        return Denoiser(background_speech=True)
    return None
