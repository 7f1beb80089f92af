"""The mu-law codec is bit-exact with G.711 (checked against the algorithm in twilio.md §3.5)."""

from __future__ import annotations

import numpy as np

from media_relay.audio import codec


def reference_encode(s: int) -> int:
    v = s >> 2
    mask = 0xFF
    if v < 0:
        v, mask = -v, 0x7F
    v = min(v, 8159) + 33
    seg = max(0, v.bit_length() - 6)
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((v >> (seg + 1)) & 0x0F)) ^ mask


def reference_decode(b: int) -> int:
    b = ~b & 0xFF
    t = (((b & 0x0F) << 3) + 0x84) << ((b & 0x70) >> 4)
    return (0x84 - t) if (b & 0x80) else (t - 0x84)


def test_every_sample_and_every_byte_match_the_reference() -> None:
    samples = np.arange(-32768, 32768, dtype=np.int16)
    encoded = np.frombuffer(codec.encode(samples.tobytes()), dtype=np.uint8)
    assert all(int(e) == reference_encode(int(s)) for s, e in zip(samples, encoded, strict=True))
    decoded = np.frombuffer(codec.decode(bytes(range(256))), dtype=np.int16)
    assert [int(d) for d in decoded] == [reference_decode(b) for b in range(256)]


def test_silence_and_round_trip() -> None:
    assert codec.decode(b"\xff\x7f") == b"\x00\x00\x00\x00"
    frame = bytes(range(0, 256, 2))  # any bytes-like payload decodes alike, to little-endian samples
    expected = np.array([reference_decode(b) for b in frame], dtype="<i2").tobytes()
    assert codec.decode(frame) == codec.decode(bytearray(frame)) == codec.decode(memoryview(frame)) == expected
    tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(800) / 8000)).astype(np.int16)
    back = np.frombuffer(codec.decode(codec.encode(tone.tobytes())), dtype=np.int16)
    assert np.max(np.abs(back.astype(int) - tone)) < 8000 * 0.04  # within mu-law's step size
