"""In-band DTMF: every key survives the telephone codec and decodes; timing is 100 ms on, 100 ms off."""

from __future__ import annotations

import numpy as np
import pytest

from media_relay.audio import codec, dtmf
from tests.support.dtmf_detect import decode


def test_every_key_decodes_after_mu_law() -> None:
    keys = "0123456789*#"
    assert decode(codec.decode(codec.encode(dtmf.tones(keys)))) == keys


def test_timing_and_pauses() -> None:
    assert len(dtmf.tones("1")) == 2 * 1600  # 100 ms tone + 100 ms gap, 16-bit samples at 8 kHz
    assert len(dtmf.tones("1w2")) == 2 * (1600 + 4000 + 1600)
    tone = np.frombuffer(dtmf.tones("5"), dtype=np.int16)
    assert np.abs(tone[:800]).max() < 32767 and np.abs(tone[800:]).max() == 0  # no clipping; silent gap


def test_repeated_keys_are_separate_presses() -> None:
    assert decode(dtmf.tones("1122")) == "1122"


@pytest.mark.parametrize("bad", ["", "12x", "1 2", "+1"])
def test_only_keypad_characters(bad: str) -> None:
    assert not dtmf.valid(bad)
    with pytest.raises(ValueError):
        dtmf.tones(bad)


async def test_speech_is_not_mistaken_for_keys() -> None:
    from media_relay.tts.flite_tts import FliteTts

    pcm = b"".join([c async for c in FliteTts().synthesize("Press one for sales, or two for support.", voice="slt")])
    assert decode(pcm) == ""
