"""What the words so far say about whether the caller has finished (English; other languages: nothing).

A turn that stops on "and", "the", "to" or while reading a number out (its last words digits, or
what a recogniser makes of them: "too", "won") or on a contracted auxiliary ("I've", "they're":
English never strands one at the end of a clause) is not over, whatever the voice does. Nor is one
that is dictating: once the words so far give a number, a code or an address ("my account number
is", "alpha bravo", "twelve Oak Street"), people pause between its groups ("...four seven two nine,
[1 s] one five eight three") and their voice falls at each comma as if they had finished, which
fools the turn model; such a turn ends after the whole end-of-turn window. Only when the words do
not settle it is the turn model asked.
"""

from __future__ import annotations

import itertools
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
# Words that mean the caller is giving something to be written down. Digits said as words (not the
# recogniser's homophones, nor "one", which ordinary questions are full of), the spelling alphabet's less
# common words, and the nouns that introduce a number, a code or an address.
DICTATION_WORDS = frozenset({
    "zero", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty",
    "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand",
    "alpha", "bravo", "charlie", "foxtrot", "juliet", "kilo", "lima", "oscar", "papa", "quebec", "romeo",
    "sierra", "tango", "victor", "whiskey", "xray", "yankee", "zulu",
    "number", "account", "code", "zip", "postcode", "address", "street", "st", "avenue", "road", "lane",
    "boulevard", "apartment", "suite", "spell", "spelled", "id",
})
_WORD = re.compile(r"[a-z']+|\d+")
# A pronoun with a contracted auxiliary ("i've", "we'll", "that's"): "I know where he is" ends a
# sentence, "I know where he's" cannot. Possessives ("at John's") are not matched.
_CONTRACTED_AUXILIARY = re.compile(
    r"(i|you|he|she|it|we|they|that|there|here|what|who|where|let)'(s|re|ve|ll|d|m)")


def unfinished(partial: str, language: str) -> bool:
    """Do the words so far end where a sentence cannot (a conjunction, an article, a number read out)?"""
    if not language.lower().startswith("en"):
        return False
    words = _WORD.findall(partial.lower())
    if not words:
        return False
    if words[-1] in UNFINISHED_ENDINGS or _CONTRACTED_AUXILIARY.fullmatch(words[-1]):
        return True
    if dictating(words):
        return True
    # Reading a number out: the last words are digits (people pause between groups of them).
    return any(w in NUMBER_WORDS or w.isdigit() for w in words[-2:])


def dictating(words: list[str]) -> bool:
    """Is the caller giving a number, a code or an address ("I live at ..." included)?"""
    if any(w in DICTATION_WORDS or w.isdigit() for w in words):
        return True
    return any(a == "i" and b in ("live", "lived") for a, b in itertools.pairwise(words))
