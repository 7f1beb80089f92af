"""Word times by forced alignment: pocketsphinx's US English model lines the known text up with the audio.

Exact where the heuristic in `timing` guesses, so English speech uses it when the relay has
pocketsphinx (it ships in the relay image). It runs only when a caller cuts the agent off, on the
piece being played, in a worker thread that waits on the pocketsphinx host process (`sphinx_host`):
about 25 ms of CPU per second of audio, none of it holding the relay's GIL. Text with a word
the dictionary lacks (a name, say) is not aligned; `timing`'s estimate is used instead.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from media_relay.audio.resample import upsample_2x
from media_relay.speech.sphinx_host import SphinxHost, shared_host
from media_relay.speech.timing import WordSpan

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SYMBOLS = {"&": "and", "%": "percent", "+": "plus", "@": "at", "$": "dollars"}
_FILLERS = {"<s>", "</s>", "<sil>"}


def number_words(n: int) -> list[str]:
    """An integer below a million as the words it is read as."""
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        return [_TENS[n // 10]] + ([_ONES[n % 10]] if n % 10 else [])
    if n < 1000:
        return [_ONES[n // 100], "hundred"] + (number_words(n % 100) if n % 100 else [])
    return [*number_words(n // 1000), "thousand"] + (number_words(n % 1000) if n % 1000 else [])


def spoken_tokens(word: str) -> list[str]:
    """What the dictionary should hold for one written word ("3.5" -> three point five)."""
    out: list[str] = []
    for part in re.findall(r"\d+(?:,\d{3})*|[a-zA-Z']+|[&%+@$]", word):
        if part[0].isdigit():
            value = int(part.replace(",", ""))
            out += number_words(value) if value < 1_000_000 else [_ONES[int(d)] for d in part if d.isdigit()]
        elif part in _SYMBOLS:
            out.append(_SYMBOLS[part])
        else:
            out.append(part.lower().strip("'"))
    if re.search(r"\d\.\d", word):  # a decimal point is read out
        digits = re.findall(r"\d+", word)
        out = [*number_words(int(digits[0])), "point", *(_ONES[int(d)] for d in "".join(digits[1:]))]
    return [t for t in out if t]


class SphinxAligner:
    """Forced alignment in the pocketsphinx host process (`sphinx_host`): its decoder holds the GIL for
    the whole alignment (~120 ms for a 5 s sentence), which would stall every call's audio here."""

    def __init__(self, host: SphinxHost | None = None) -> None:
        self._host = host

    def align(self, text: str, pcm8k: bytes) -> list[WordSpan] | None:
        """Word spans (ms) for `text` spoken in `pcm8k`, or None when it cannot be aligned."""
        if not any(spoken_tokens(w) for w in text.split()) or len(pcm8k) < 3200:
            return None  # nothing to ask the host
        result: list[WordSpan] | None = (self._host or shared_host()).call("align", text, pcm8k)
        return result


class LocalAligner:
    """The alignment itself (in the host process): one decoder, built on first use, one thread at a time."""

    def __init__(self) -> None:
        self._decoder: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        if self._decoder is None:
            from pocketsphinx import Decoder

            self._decoder = Decoder(samprate=16000, loglevel="FATAL")
        return self._decoder

    def align(self, text: str, pcm8k: bytes) -> list[WordSpan] | None:
        words = text.split()
        tokens = [spoken_tokens(w) for w in words]
        flat = [t for group in tokens for t in group]
        if not flat or len(pcm8k) < 3200:
            return None
        with self._lock:
            decoder = self._get()
            if any(decoder.lookup_word(t) is None for t in flat):
                return None
            try:
                decoder.set_align_text(" ".join(flat))
                decoder.start_utt()
                decoder.process_raw(upsample_2x(pcm8k), full_utt=True)
                decoder.end_utt()
                segments = [(s.start_frame * 10, s.end_frame * 10) for s in decoder.seg()
                            if s.word not in _FILLERS and not s.word.startswith("[")]
            except RuntimeError:
                return None
        if len(segments) != len(flat):
            return None
        spans: list[WordSpan] = []
        at = 0
        for word, group in zip(words, tokens, strict=True):
            if not group:  # punctuation alone: no time of its own
                edge = spans[-1].end_ms if spans else segments[0][0]
                spans.append(WordSpan(word, edge, edge))
                continue
            spans.append(WordSpan(word, segments[at][0], segments[at + len(group) - 1][1]))
            at += len(group)
        return spans


_local: LocalAligner | None = None


def align_here(text: str, pcm8k: bytes) -> list[WordSpan] | None:
    """The host's "align" request."""
    global _local
    if _local is None:
        _local = LocalAligner()
    return _local.align(text, pcm8k)
