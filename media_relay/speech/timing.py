"""Where each word falls in synthesised speech, estimated from the audio itself.

Any engine's audio works (no speech marks needed), and the work is done only when it is needed:
when the caller cuts in and the relay must say which words they heard. The estimate:

1. Find the spoken region and its pauses from 10 ms frame energies.
2. Weigh every word by its letters and syllables (digits by the words they are read as).
3. Pin the text's phrase breaks (`,` `;` `:` and sentence ends) to the audio's longest pauses in
   order, then share each phrase's spoken time among its words by weight.

Against pocketsphinx's forced alignment of flite's voices, word boundaries land within one word
(see tests/unit/test_word_timing.py and bench/word_timing.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from media_relay.ports import SAMPLE_RATE

FRAME_MS = 10
SILENCE_DB = 35.0  # this far below the loudest frame counts as silence
PAUSE_MS = 80  # a quiet run at least this long inside speech is a pause
_VOWELS = re.compile(r"[aeiouy]+")
# Unstressed function words are said in a fraction of their letters' time ("the" ~ 70 ms).
_WEAK = frozenset({"a", "an", "the", "to", "of", "in", "at", "on", "is", "and", "or", "for", "from", "as", "by",
                   "it", "we", "you", "i", "be", "are", "was", "can", "will", "with", "your", "our", "my"})
_BREAK = re.compile(r"[,;:.!?\u2026\u2013\u2014][\"'\u201d\u2019)\]]*$")


@dataclass(frozen=True)
class WordSpan:
    word: str
    start_ms: int
    end_ms: int

    @property
    def middle_ms(self) -> float:
        return (self.start_ms + self.end_ms) / 2


def spoken_weight(word: str) -> float:
    """A word's spoken length, relatively: letters count most, syllables too; digits as the words read.

    Fitted on flite's voices against forced alignment (letters and syllables predict a word's
    duration with a quarter less error than syllables alone).
    """
    digits = sum(c.isdigit() for c in word)
    letters = re.sub(r"[^a-z]", "", word.lower())
    count = len(_VOWELS.findall(letters))
    if letters.endswith("e") and count > 1 and not letters.endswith(("le", "ee")):
        count -= 1  # a silent final e
    weight = max(1.5, 2.6 * (len(letters) + 4 * digits) + count + 1.3 * digits)
    return weight * 0.8 if letters in _WEAK else weight


def _frames_db(pcm: bytes) -> np.ndarray:
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype=np.int16).astype(np.float32)
    step = SAMPLE_RATE * FRAME_MS // 1000
    n = len(samples) // step
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    power = np.mean(samples[: n * step].reshape(n, step) ** 2, axis=1)
    return 10 * np.log10(power + 1.0)


def _pauses(voiced: np.ndarray, first: int, last: int) -> list[tuple[int, int]]:
    """Quiet runs of at least PAUSE_MS inside [first, last], as frame ranges."""
    runs, start = [], None
    for i in range(first, last + 1):
        if not voiced[i]:
            start = i if start is None else start
        elif start is not None:
            if (i - start) * FRAME_MS >= PAUSE_MS:
                runs.append((start, i))
            start = None
    return runs


def _anchor(breaks: list[float], pauses: list[tuple[int, int]], first: int, last: int) -> list[tuple[int, int]]:
    """For each phrase break (a share of the text's weight), the pause it most likely is, or none.

    Greedy in order: each break takes the nearest pause after the previous one, if it lies within
    a quarter of the utterance of where the break would fall at an even speaking rate.
    """
    span = max(1, last - first)
    chosen: list[tuple[int, int]] = []
    floor = first
    for share in breaks:
        expected = first + share * span
        candidates = [p for p in pauses if p[0] >= floor]
        best = min(candidates, key=lambda p: abs((p[0] + p[1]) / 2 - expected), default=None)
        if best is not None and abs((best[0] + best[1]) / 2 - expected) <= span / 4:
            chosen.append(best)
            floor = best[1]
        else:
            at = round(expected)
            chosen.append((at, at))
    return chosen


def word_spans(text: str, pcm: bytes) -> list[WordSpan]:
    """Each word of `text` with its estimated start and end (ms) in `pcm` (PCM8K of that text)."""
    words = text.split()
    if not words:
        return []
    db = _frames_db(pcm)
    total_ms = len(pcm) // 2 * 1000 // SAMPLE_RATE
    if db.size == 0 or float(db.max()) <= 20.0:
        return _spread(words, 0, total_ms)
    voiced = db > float(db.max()) - SILENCE_DB
    idx = np.flatnonzero(voiced)
    first, last = int(idx[0]), int(idx[-1]) + 1
    weights = [spoken_weight(w) for w in words]
    phrases = _phrases(words)
    cumulative = np.cumsum(weights) / sum(weights)
    breaks = [float(cumulative[end - 1]) for _, end in phrases[:-1]]
    anchors = _anchor(breaks, _pauses(voiced, first, last - 1), first, last)
    spans: list[WordSpan] = []
    starts = [first] + [a[1] for a in anchors]
    ends = [a[0] for a in anchors] + [last]
    for (begin, end), start_f, end_f in zip(phrases, starts, ends, strict=True):
        spans += _snap(_spread(words[begin:end], start_f * FRAME_MS, max(start_f, end_f) * FRAME_MS,
                               weights[begin:end]), db)
    return spans


def _snap(spans: list[WordSpan], db: np.ndarray, reach: float = 0.35) -> list[WordSpan]:
    """Move each boundary between two words to the quietest frame near it (words part at energy dips)."""
    bounds = [s.start_ms for s in spans] + [spans[-1].end_ms] if spans else []
    for i in range(1, len(bounds) - 1):
        left, right = bounds[i] - bounds[i - 1], bounds[i + 1] - bounds[i]
        lo = (bounds[i] - reach * left) / FRAME_MS
        hi = (bounds[i] + reach * right) / FRAME_MS
        lo_i, hi_i = max(0, int(lo)), min(len(db), int(hi) + 1)
        if hi_i - lo_i >= 2:
            bounds[i] = (lo_i + int(np.argmin(db[lo_i:hi_i]))) * FRAME_MS
    return [WordSpan(s.word, bounds[i], bounds[i + 1]) for i, s in enumerate(spans)]


def _phrases(words: list[str]) -> list[tuple[int, int]]:
    """Word index ranges between punctuation breaks."""
    out, begin = [], 0
    for i, word in enumerate(words):
        if _BREAK.search(word) and i + 1 < len(words):
            out.append((begin, i + 1))
            begin = i + 1
    out.append((begin, len(words)))
    return out


def _spread(words: list[str], start_ms: int, end_ms: int, weights: list[float] | None = None) -> list[WordSpan]:
    weights = weights or [spoken_weight(w) for w in words]
    total = sum(weights) or 1.0
    spans, at = [], float(start_ms)
    for word, weight in zip(words, weights, strict=True):
        length = (end_ms - start_ms) * weight / total
        spans.append(WordSpan(word, round(at), round(at + length)))
        at += length
    return spans


class Aligner(Protocol):
    def align(self, text: str, pcm8k: bytes) -> list[WordSpan] | None: ...


class WordTimer:
    """Word times for a piece of speech: forced alignment where it works, the estimate above otherwise."""

    def __init__(self, aligner: Aligner | None = None) -> None:
        self.aligner = aligner

    @property
    def costly(self) -> bool:
        """Is it worth a worker thread? (Alignment is ~15 ms of CPU per second of audio; the estimate ~0.1 ms.)"""
        return self.aligner is not None

    def spans(self, text: str, pcm: bytes, language: str = "en-US") -> list[WordSpan]:
        if self.aligner is not None and language.lower().startswith("en"):
            aligned = self.aligner.align(text, pcm)
            if aligned is not None:
                return aligned
        return word_spans(text, pcm)


def heard_words(spans: list[WordSpan], heard_ms: float) -> int:
    """How many words were heard in the first `heard_ms`: a word counts once playback passed its middle."""
    return sum(1 for s in spans if s.middle_ms <= heard_ms)


def sentence_start_ms(spans: list[WordSpan], word_index: int) -> int:
    """Where the sentence holding word `word_index` starts in the audio (to repeat it from there)."""
    if not spans or word_index <= 0:
        return 0
    index = min(word_index, len(spans) - 1)
    while index > 0 and not re.search(r"[.!?\u2026][\"'\u201d\u2019)\]]*$", spans[index - 1].word):
        index -= 1
    if index == 0:
        return 0
    return max(0, (spans[index - 1].end_ms + spans[index].start_ms) // 2)
