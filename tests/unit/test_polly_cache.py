"""Polly's phrase cache stays within its byte budget, evicting the least recently used first."""

from __future__ import annotations

from media_relay.tts.polly_tts import PollyTts


def test_cache_keeps_its_byte_budget_least_recently_used_first() -> None:
    tts = PollyTts(client=object(), cache_bytes=1000)
    key = lambda n: (f"phrase {n}", "Joanna", "neural", 1.0)  # noqa: E731
    for n in range(3):
        tts._remember(key(n), bytes(400))
    assert list(tts.cache) == [key(1), key(2)] and tts.cached_bytes == 800
    tts._remember(key(1), bytes(100))  # replacing an entry counts its new size only
    assert tts.cached_bytes == 500
    tts._remember(key(3), bytes(2000))  # bigger than the budget: kept alone
    assert list(tts.cache) == [key(3)] and tts.cached_bytes == 2000
