"""What the words so far say about whether the caller has finished (English; other languages: nothing).

A turn that stops on "and", "the", "to" or while reading a number out (its last words digits, or
what a recogniser makes of them: "too", "won") is not over,
whatever the voice does: people pause to look up the next digits or the rest of an address. Only
when the words do not settle it is the turn model asked.
"""

from __future__ import annotations

import re

UNFINISHED_ENDINGS = frozenset({
    "and", "or", "but", "so", "because", "the", "a", "an", "to", "of", "for", "with", "at", "in", "on", "from",
    "my", "your", "our", "is", "are", "was", "were", "um", "uh", "er", "erm", "like", "if", "that", "then",
    "than", "about", "into", "by", "as", "it's", "i'm", "we're", "i", "we", "you", "which", "who", "where",
})
NUMBER_WORDS = frozenset({
    "zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
    "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "double",
    "triple", "dash", "point",
    # what a recogniser makes of digits said one by one
    "too", "won", "ate", "tree", "free", "fore", "sicks", "niner",
})
_WORD = re.compile(r"[a-z']+|\d+")


def unfinished(partial: str, language: str) -> bool:
    """Do the words so far end where a sentence cannot (a conjunction, an article, a number read out)?"""
    if not language.lower().startswith("en"):
        return False
    words = _WORD.findall(partial.lower())
    if not words:
        return False
    if words[-1] in UNFINISHED_ENDINGS:
        return True
    # Reading a number out: the last words are digits (people pause between groups of them).
    return any(w in NUMBER_WORDS or w.isdigit() for w in words[-2:])
