"""Where each word falls in synthesised speech: the estimate and the forced alignment against a reference.

The reference is pocketsphinx's alignment of flite's own 16 kHz output; the relay only has the 8 kHz
audio after mu-law, which is what both methods get here. "Heard" is asked at many cut points of
each sentence: how many words had played by then.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import pytest

from media_relay.audio import codec
from media_relay.audio.resample import downsample
from media_relay.speech.alignment import SphinxAligner, spoken_tokens
from media_relay.speech.timing import WordSpan, WordTimer, heard_words, sentence_start_ms, word_spans
from tests.support.speech_reference import aligned_words, flite

pytestmark = pytest.mark.slow

SENTENCES = [
    "Our store opens at nine in the morning. On weekends we open at ten instead.",
    "I can book you in for a cleaning on Tuesday at ten, or on Wednesday at two.",
    "Please hold on while I look up your account, this will only take a moment.",
    "The clinic is on the second floor, next to the pharmacy, across from the elevators.",
    "Your order shipped yesterday and should arrive by Thursday afternoon.",
]


def telephone(pcm: bytes, rate: int) -> bytes:
    """What the relay holds: 8 kHz, through mu-law and back."""
    return codec.decode(codec.encode(downsample(pcm, rate // 8000) if rate > 8000 else pcm))


@cache
def aligner() -> SphinxAligner:
    return SphinxAligner()


def reference(text: str, pcm: bytes, rate: int) -> list[tuple[int, int]]:
    return aligned_words(text, pcm, rate)


def heard_errors(spans: list[WordSpan], truth: list[tuple[int, int]]) -> list[int]:
    errors = []
    for cut in np.linspace(150, truth[-1][1], 30):
        actual = sum(1 for start, end in truth if (start + end) / 2 <= cut)
        errors.append(abs(heard_words(spans, cut) - actual))
    return errors


@pytest.mark.parametrize("voice", ["rms", "slt"])
def test_the_estimate_and_the_alignment_place_heard_words_within_one_word(voice: str) -> None:
    estimate, aligned = [], []
    for text in SENTENCES:
        pcm, rate = flite(text, voice)
        truth = reference(text, pcm, rate)
        assert len(truth) == len(text.split())
        audio = telephone(pcm, rate)
        estimate += heard_errors(word_spans(text, audio), truth)
        spans = aligner().align(text, audio)
        assert spans is not None
        aligned += heard_errors(spans, truth)
    assert max(aligned) <= 1 and np.mean(np.array(aligned) == 0) >= 0.9
    assert np.mean(np.array(estimate) <= 1) >= 0.95  # the estimate, for languages the aligner lacks


def test_words_the_dictionary_lacks_fall_back_to_the_estimate() -> None:
    text = "Ask for Zxqvbrt at the desk."
    pcm, rate = flite(text, "rms")
    audio = telephone(pcm, rate)
    assert aligner().align(text, audio) is None
    spans = WordTimer(aligner()).spans(text, audio)
    assert [s.word for s in spans] == text.split() and spans == word_spans(text, audio)
    assert WordTimer(aligner()).spans(text, audio, language="de-DE") == word_spans(text, audio)


def test_numbers_and_symbols_are_aligned_as_they_are_read() -> None:
    assert spoken_tokens("3.5") == ["three", "point", "five"]
    assert spoken_tokens("1,250") == ["one", "thousand", "two", "hundred", "fifty"]
    assert spoken_tokens("10:30,") == ["ten", "thirty"]
    text = "It costs 35 dollars and 3.5 cents."
    pcm, rate = flite(text, "rms")
    spans = aligner().align(text, telephone(pcm, rate))
    assert spans is not None and [s.word for s in spans] == text.split()
    assert all(b.start_ms >= a.end_ms - 10 for a, b in itertools.pairwise(spans))


def test_a_resumed_sentence_starts_where_its_sentence_starts() -> None:
    spans = [WordSpan(w, i * 200, (i + 1) * 200) for i, w in enumerate(["Hi", "there.", "We", "open", "at", "nine."])]
    assert sentence_start_ms(spans, 4) == 400  # "at" belongs to "We open at nine."
    assert sentence_start_ms(spans, 1) == 0
