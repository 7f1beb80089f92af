"""Whether a sound the caller makes over the agent is an interruption. The engine has already paused
playback at its onset; this decides, from evidence, whether the agent yields or resumes.

Evidence is words (STT partials and finals) and voiced time. With `interruptionSensitivity` s:

- s = 0: the caller never interrupts (the agent does not even pause);
- s = 1: the first sound interrupts;
- otherwise an interruption is confirmed by
  - a word that asks for the floor ("wait", "stop", "sorry", ...) once `min_ms(s)` is voiced, or
    a content word (not a backchannel, not "and", "the", "I'm", ...) once `word_ms(s)` is voiced
    and the recogniser has kept a content word over `STABLE_MS` more of its audio, or
  - speech longer than any backchannel: `long_ms(s)` of voicing.

At the default 0.8: pause after 160 ms, confirm on a floor word from 250 ms, on a content word from
500 ms (held 200 ms), on length at 1,200 ms. A sound that ends (or pauses) before any of that -
"uh-huh", a long "mm-hmm", a cough, a door - lets the agent resume the sentence it was saying; its
words never become a turn. Content words matter because a recogniser hears a hum as "I'm a" or
"but oh"; they must hold because its last guess at a sound that is ending is often a stray word
(a "mm-hmm" heard as "and and eight" in its final 100 ms). The final transcript of a sound the
agent played on through takes the floor back only with a floor word, two content words, or length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from media_relay.engine.plan import CallPlan

# What people say to show they are listening, and what English STT makes of it.
BACKCHANNEL_WORDS = frozenset({
    "uh", "huh", "uhhuh", "uh-huh", "mm", "mhm", "mmhmm", "mm-hmm", "hmm", "hm", "m", "h", "ah", "oh", "aha",
    "yeah", "yes", "yep", "yup", "ok", "okay", "right", "sure", "alright", "all", "i", "see", "got", "it",
    "cool", "great", "fine", "good", "nice", "wow", "true", "exactly", "um", "er", "the", "a",
})
# Words that ask for the floor even when short.
FLOOR_WORDS = frozenset({
    "wait", "stop", "sorry", "hold", "hang", "excuse", "actually", "pardon", "what", "no", "nope",
    "hello", "hey", "listen", "question", "repeat",
})
# Words that carry no request of their own (and what a recogniser makes of a hum or a sigh).
FUNCTION_WORDS = frozenset({
    "i'm", "im", "i'd", "id", "i've", "and", "but", "so", "to", "too", "of", "in", "on", "at", "is", "are", "was",
    "be", "been", "do", "you", "he", "she", "we", "they", "me", "my", "your", "that", "this", "there", "here",
    "just", "well", "an", "or", "if", "for", "with", "er", "ha", "hey", "man", "made",
})
# During the greeting a caller's "hello?" or "yes?" only acknowledges it.
GREETING_ACKS = frozenset({"hello", "hi", "hey", "yes", "yeah", "speaking"})
_WORD = re.compile(r"[a-z'-]+")
STABLE_MS = 200  # voiced time a content word must survive in the partials before it counts


class Verdict(Enum):
    CONFIRM = "confirm"  # the caller is taking the floor: drop the rest
    RESUME = "resume"  # not an interruption after all: play on
    WAIT = "wait"  # not known yet


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def is_backchannel(text: str, *, greeting: bool = False) -> bool:
    """Only listening noises ("uh-huh", "yeah, right"), at most three words (or nothing recognised)."""
    words = words_of(text)
    allowed = BACKCHANNEL_WORDS | GREETING_ACKS if greeting else BACKCHANNEL_WORDS
    return len(words) <= 3 and all(w in allowed for w in words)


@dataclass
class Overlap:
    """One sound over the agent, from its onset to the verdict."""

    greeting: bool = False  # over the agent's greeting: "hello?" is an acknowledgement
    voiced_ms: int = 0  # since its onset
    words: list[str] = field(default_factory=list)
    since_ms: int = 0  # the utterance's voiced time at its onset
    content_at_ms: int = 0  # its voiced time when the words last gained a content word
    # The same moment, and the latest partial's, in the recogniser's audio (ms into the stream): a
    # recogniser running behind keeps a stray word for a while of voiced time, not of its own audio.
    content_audio_ms: int | None = None
    heard_audio_ms: int | None = None

    def hear(self, words: list[str], audio_ms: int | None = None) -> None:
        """New partial words (recognised up to `audio_ms`, when the recogniser says): a content word
        that was not there before starts its hold anew."""
        if content_words(words, greeting=self.greeting) - content_words(self.words, greeting=self.greeting):
            self.content_at_ms, self.content_audio_ms = self.voiced_ms, audio_ms
        self.words, self.heard_audio_ms = words, audio_ms

    def content_held_ms(self) -> int:
        """For how long the current content words have held: in the recogniser's audio when it gives
        times, else in voiced time."""
        if self.content_audio_ms is not None and self.heard_audio_ms is not None:
            return self.heard_audio_ms - self.content_audio_ms
        return self.voiced_ms - self.content_at_ms


class InterruptionPolicy:
    def pauses(self, plan: CallPlan) -> bool:
        """Does caller speech pause the agent at all?"""
        return plan.interruption_sensitivity > 0

    def judge(self, plan: CallPlan, overlap: Overlap, *, ended: bool = False) -> Verdict:
        """The verdict on the evidence so far; `ended`: the caller has gone quiet again."""
        s = min(1.0, plan.interruption_sensitivity)
        if s >= 1.0:
            return Verdict.CONFIRM
        voiced, words = overlap.voiced_ms, overlap.words
        floor_words = FLOOR_WORDS - GREETING_ACKS if overlap.greeting else FLOOR_WORDS
        if voiced >= min_ms(s) and any(w in floor_words for w in words):
            return Verdict.CONFIRM
        if content_words(words, greeting=overlap.greeting) and voiced >= word_ms(s) and \
                overlap.content_held_ms() >= STABLE_MS:
            return Verdict.CONFIRM
        if voiced >= long_ms(s):
            return Verdict.CONFIRM
        return Verdict.RESUME if ended else Verdict.WAIT


    def takes_back(self, plan: CallPlan, final: Overlap) -> bool:
        """The final transcript of a sound the agent played on through: is it more than that after all?
        It has no partials left to hold, so one stray content word is not enough."""
        s = min(1.0, plan.interruption_sensitivity)
        if s >= 1.0:
            return True
        several = len(content_words(final.words, greeting=final.greeting)) >= 2
        held_from = final.voiced_ms - STABLE_MS if several else final.voiced_ms
        return self.judge(plan, Overlap(final.greeting, final.voiced_ms, final.words, content_at_ms=held_from),
                          ended=True) is Verdict.CONFIRM


def content_words(words: list[str], *, greeting: bool = False) -> set[str]:
    """Words that carry a request of their own: not backchannels, not function words."""
    allowed = BACKCHANNEL_WORDS | GREETING_ACKS if greeting else BACKCHANNEL_WORDS
    return {w for w in words if w not in allowed and w not in FUNCTION_WORDS}


def min_ms(s: float) -> int:
    return round(100 + 750 * (1 - s))


def word_ms(s: float) -> int:
    return round(200 + 1500 * (1 - s))


def long_ms(s: float) -> int:
    return round(500 + 3500 * (1 - s))
