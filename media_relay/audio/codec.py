"""G.711 mu-law <-> 16-bit PCM with numpy lookup tables (bit-exact with the reference algorithm)."""

from __future__ import annotations

import numpy as np


def _decode_table() -> np.ndarray:
    b = ~np.arange(256, dtype=np.int32) & 0xFF
    t = (((b & 0x0F) << 3) + 0x84) << ((b & 0x70) >> 4)
    return np.where(b & 0x80, 0x84 - t, t - 0x84).astype(np.int16)


def _encode_table() -> np.ndarray:
    s = np.arange(-32768, 32768, dtype=np.int32)
    v = s >> 2
    mask = np.where(v < 0, 0x7F, 0xFF)
    v = np.minimum(np.abs(v), 8159) + 33
    seg = np.maximum(0, np.floor(np.log2(v)).astype(np.int32) + 1 - 6)
    code = np.where(seg >= 8, 0x7F, (np.minimum(seg, 7) << 4) | ((v >> (np.minimum(seg, 7) + 1)) & 0x0F))
    return (code ^ mask).astype(np.uint8)  # seg 8 (the clipped extreme) saturates, as G.711 does


DECODE = _decode_table()
ENCODE = _encode_table()  # indexed by sample + 32768
SILENCE_BYTE = 0xFF


def decode(mulaw: bytes) -> bytes:
    return DECODE[np.frombuffer(mulaw, dtype=np.uint8)].tobytes()


def encode(pcm: bytes) -> bytes:
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.int32) + 32768
    return ENCODE[samples].tobytes()
