"""Text to speak, cut into pieces that go to text-to-speech the moment they are complete.

One module owns the rules, for webhook replies and model streams alike:

- A sentence ends at `.`, `!`, `?` or `…` (closing quotes and brackets included) when whitespace
  follows, or at once when the text so far ends there: "Sure, I can help with that." is released
  before the next token exists. A full stop that may not end anything waits for the next
  character: after an abbreviation ("Dr."), an initial ("J.") or a number ("3." of "3.5").
- A long sentence is released early at a clause break (`,` `;` `:` or a dash) once it holds
  `clause_words` words, and at a word boundary past `max_words`.
- `release()` hands out whatever is buffered: the caller of the chunker calls it when the text
  source has been quiet for a moment (a model thinking, a tool running), so complete words are
  never held back by text that has not been written yet.
- Markdown emphasis, code ticks, headings and bullets are not spoken.
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
_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s|$)")  # ellipsis, curly closing quotes
_CLAUSE = re.compile(r"(?:[,;:]|\s[-\u2013\u2014])(?=\s)")  # dashes: - en em
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")
_MARKDOWN = re.compile(r"\*+|`+|^#+\s*|^\s*[-*]\s+", re.MULTILINE)
_SENTENCE = re.compile(r"(?:(?<=[.!?\u2026])|(?<=[.!?\u2026][\"'\u201d\u2019)\]]))\s+")
PUNCTUATED_END = re.compile(r"[.!?\u2026,;:][\"'\u201d\u2019)\]]*$")


def speakable(text: str) -> str:
    """Text without markdown emphasis, code ticks, headings and bullets, whitespace collapsed."""
    return " ".join(_MARKDOWN.sub("", text).split())


def sentences(text: str) -> list[str]:
    """Complete text split at sentence ends (for engines that synthesise a sentence at a time)."""
    return [s for s in (p.strip() for p in _SENTENCE.split(text)) if s]


class TextChunker:
    """Streamed text in, speakable pieces out, each as early as it is known to be complete."""

    def __init__(self, *, clause_words: int = 12, min_clause_words: int = 4, max_words: int = 40) -> None:
        self.clause_words, self.min_clause_words, self.max_words = clause_words, min_clause_words, max_words
        self.buffer = ""

    @property
    def pending(self) -> bool:
        """Is there text that has not been handed out yet?"""
        return bool(self.buffer.strip())

    def add(self, chunk: str) -> list[str]:
        """Add one reply object's text. Objects may be tokens ("3" "." "5") or whole sentences, so a space
        is put between them only where one sentence plainly ends and another begins ("up." + "Your")."""
        if self.buffer and chunk[:1].isupper() and PUNCTUATED_END.search(self.buffer):
            chunk = " " + chunk
        return self.feed(chunk)

    def feed(self, text: str) -> list[str]:
        """Add streamed text; return the pieces it completed (possibly none)."""
        self.buffer += text
        out: list[str] = []
        while (cut := self._sentence_end() or self._clause_end()) is not None:
            piece, self.buffer = speakable(self.buffer[:cut]), self.buffer[cut:]
            if piece:
                out.append(piece)
        return out

    def release(self) -> str:
        """Whatever is buffered, complete or not (the source went quiet, or ended), and an empty buffer."""
        piece, self.buffer = speakable(self.buffer), ""
        return piece

    def _sentence_end(self) -> int | None:
        for match in _END.finditer(self.buffer):
            if not self._held_back(match):
                return match.end()
        return None

    def _held_back(self, match: re.Match[str]) -> bool:
        """Is this full stop not (or not yet known to be) the end of a sentence?"""
        if match.group() != ".":
            return False  # "?", "!", "..." and a dot followed by a quote always end a sentence
        at_end = match.end() == len(self.buffer)
        before = _WORD_BEFORE.search(self.buffer[:match.end()])
        if before is None:
            return False
        word = before.group(1).lower()
        if len(word) == 1 and word.isalpha():
            return True  # an initial: "J. Smith"
        if word[-1].isdigit():
            # "3." may be "3.5" until the next character; "1. " opening a numbered item is no sentence.
            return at_end or not self.buffer[:before.start()].strip()
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
