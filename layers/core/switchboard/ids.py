"""Opaque, URL-safe, time-ordered ids: `<prefix>_` + 48-bit ms time + 96 random bits.

Time first, so a DynamoDB sort key made of ids sorts by creation and "newest first"
is a reverse query, and a time window is a key range.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, ascending in ASCII
_TIME_CHARS = 10  # 50 bits, holds a 48-bit millisecond clock
_RANDOM_CHARS = 20  # 100 bits, at least 96 random

PREFIXES = ("agent", "pn", "call", "tr", "msg", "conv", "wh", "dlv", "ct", "proj", "key", "sub", "ver", "fb",
            "trunk", "reg")


def _encode(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def time_part(at: datetime) -> str:
    """The id prefix of a moment; ids made at or after `at` sort at or after it."""
    return _encode(int(at.timestamp() * 1000), _TIME_CHARS)


def new_id(prefix: str, now_ms: int | None = None) -> str:
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    return f"{prefix}_{_encode(ms, _TIME_CHARS)}{_encode(secrets.randbits(100), _RANDOM_CHARS)}"


def id_time(value: str) -> datetime:
    """When an id was made (its embedded millisecond clock)."""
    body = value.split("_", 1)[1][:_TIME_CHARS]
    ms = 0
    for ch in body:
        ms = ms * 32 + _ALPHABET.index(ch)
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def looks_like(value: str, prefix: str) -> bool:
    if not value.startswith(prefix + "_"):
        return False
    body = value[len(prefix) + 1 :]
    return len(body) == _TIME_CHARS + _RANDOM_CHARS and all(c in _ALPHABET for c in body)
