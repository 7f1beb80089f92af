"""Streamed model text cut into speakable pieces, each released the moment it is complete.

A sentence ends at `.`, `!`, `?` or `…` (closing quotes and brackets included) once whitespace
follows, so "3.5" never splits and the end of the buffer is never a sentence end until more text
or `flush()` says so. Not after common abbreviations ("Dr.", "e.g.") or a single initial ("J.").
A long sentence is released early at a clause break (`,` `;` `:` or a dash) once it holds
`clause_words` words, and at a word boundary past `max_words`, so the first audio is not held back
by one very long sentence.
"""

from __future__ import annotations

import re

_CALENDAR = frozenset({"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
                       "mon", "tue", "wed", "thu", "fri", "sat", "sun"})
# Abbreviations that also end sentences often enough that a following capital means a new one.
SENTENCE_FINAL_ABBREVIATIONS = _CALENDAR | {"etc", "inc", "ltd", "co", "corp", "no", "a.m", "p.m", "u.s"}
ABBREVIATIONS = SENTENCE_FINAL_ABBREVIATIONS | {
    "mr", "mrs", "ms", "mx", "dr", "prof", "sr", "jr", "st", "mt", "ft", "vs", "approx", "dept", "apt", "e.g", "i.e",
    "tel", "ext"}
_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s)")  # ellipsis, curly closing quotes
_CLAUSE = re.compile(r"(?:[,;:]|\s[-\u2013\u2014])(?=\s)")  # dashes: - en em
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")
_MARKDOWN = re.compile(r"\*+|`+|^#+\s*|^\s*[-*]\s+", re.MULTILINE)


def speakable(text: str) -> str:
    """Text without markdown emphasis, code ticks, headings and bullets, whitespace collapsed."""
    return " ".join(_MARKDOWN.sub("", text).split())


class SentenceChunker:
    def __init__(self, *, clause_words: int = 12, min_clause_words: int = 4, max_words: int = 40) -> None:
        self.clause_words, self.min_clause_words, self.max_words = clause_words, min_clause_words, max_words
        self.buffer = ""

    def feed(self, text: str) -> list[str]:
        """Add streamed text; return the pieces it completed (possibly none)."""
        self.buffer += text
        out: list[str] = []
        while (cut := self._sentence_end() or self._clause_end()) is not None:
            piece, self.buffer = speakable(self.buffer[:cut]), self.buffer[cut:]
            if piece:
                out.append(piece)
        return out

    def flush(self) -> str:
        """Whatever is left (the reply's last sentence, usually), and an empty buffer."""
        piece, self.buffer = speakable(self.buffer), ""
        return piece

    def _sentence_end(self) -> int | None:
        for match in _END.finditer(self.buffer):
            if not self._is_abbreviation(match):
                return match.end()
        return None

    def _is_abbreviation(self, match: re.Match[str]) -> bool:
        if match.group() != ".":
            return False  # "?", "!", "..." and a dot followed by a quote always end a sentence
        before = _WORD_BEFORE.search(self.buffer[:match.end()])
        if before is None:
            return False
        word = before.group(1).lower()
        if len(word) == 1 and word.isalpha():
            return True  # an initial: "J. Smith"
        if word.isdigit() and not self.buffer[:before.start()].strip():
            return True  # "1. " opening a numbered item
        if word not in ABBREVIATIONS:
            return False
        if word in SENTENCE_FINAL_ABBREVIATIONS:
            after = self.buffer[match.end():].lstrip()
            return not after or not after[0].isupper()  # wait for the next word before deciding
        return True

    def _clause_end(self) -> int | None:
        words = len(self.buffer.split())
        if words < self.clause_words:
            return None
        for match in reversed(list(_CLAUSE.finditer(self.buffer))):
            if len(self.buffer[:match.end()].split()) >= self.min_clause_words:
                return match.end()
        if words > self.max_words:
            # No clause break at all: cut before the last (possibly unfinished) word.
            return self.buffer.rstrip().rfind(" ") + 1 or None
        return None
