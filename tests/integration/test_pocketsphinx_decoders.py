"""Local-mode recognition reuses decoders: building one loads the model (350-450 ms here), and every
call's engine, its greeting included, waited for it. A reused decoder hears as a new one does."""

from __future__ import annotations

import time

import pytest

from media_relay.stt import pocketsphinx_stt as sphinx
from media_relay.tts.flite_tts import FliteTts

pytestmark = pytest.mark.slow


async def telephone(text: str) -> bytes:
    """What the relay's local TTS says, at 8 kHz."""
    return b"".join([pcm async for pcm in FliteTts().synthesize(text, voice="kal16")])


def hear(decoder: sphinx.HostDecoder, pcm8k: bytes) -> tuple[str, float | None]:
    for i in range(0, len(pcm8k), sphinx.CHUNK_BYTES):
        decoder.process(pcm8k[i:i + sphinx.CHUNK_BYTES])
    return decoder.finish(b"")


async def test_a_reset_decoder_hears_exactly_as_a_new_one() -> None:
    line = await telephone("I would like to book a table for two.")
    other = await telephone("Can you check my delivery date?")
    expected = hear(sphinx.HostDecoder(), line)
    used = sphinx.HostDecoder()
    hear(used, other)
    used.process(other[:8000])  # the last caller hung up mid-utterance
    used.reset()
    assert hear(used, line) == expected
    assert expected[0].startswith("i would like to")


def test_closed_streams_leave_their_decoders_for_the_next_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sphinx, "_spare", [])
    monkeypatch.setattr(sphinx, "_decoders", {})
    sphinx._warm()
    (warm,) = sphinx._spare
    sphinx._open(1)
    assert sphinx._decoders[1] is warm and sphinx._spare == []
    sphinx._open(2)  # none spare: built
    sphinx._close(1)
    sphinx._close(2)
    assert len(sphinx._spare) == 2 and warm in sphinx._spare
    for i in range(3, 3 + sphinx.SPARE_DECODERS + 1):
        sphinx._open(i)
    for i in range(3, 3 + sphinx.SPARE_DECODERS + 1):
        sphinx._close(i)
    assert len(sphinx._spare) == sphinx.SPARE_DECODERS  # the rest are freed


async def test_after_warming_a_stream_opens_without_building_a_decoder() -> None:
    stt = sphinx.PocketsphinxStt(threads=1)
    await stt.warm()
    started = time.monotonic()
    stream = await stt.open_stream(language="en-US")
    opened_in = time.monotonic() - started
    await stream.close()
    assert opened_in < 0.2, f"opening took {opened_in:.3f} s: a decoder was built (350-450 ms)"
    started = time.monotonic()
    second = await stt.open_stream(language="en-US")  # the closed stream's decoder, reset
    assert time.monotonic() - started < 0.2
    await second.close()
