"""What the words alone say about the end of a turn: the cases that must wait for the whole window."""

from __future__ import annotations

import pytest

from media_relay.endpointing.endpointer import Endpointer
from media_relay.endpointing.rules import unfinished
from tests.support.engine_harness import plan_for


@pytest.mark.parametrize("partial", [
    "i would like to book a table and",  # a conjunction
    "can you send it to the",  # an article
    "my phone number is four one five",  # digits being read out
    "my account number is for to",  # what a recogniser makes of them
    "the code is alpha bravo",  # the spelling alphabet
    "i lived at twelve oak street apartment",  # an address, even when its last word is a noun
    "my account number and cordoba do",  # a misheard number, but the caller said "account number"
    "i live out well",  # "I live at ..." misheard
    "my fellow member of our like i've",  # a misheard number ending on a stranded "I've"
    "so what they're",  # a contracted auxiliary never ends a clause
    "and then we'll",
])
def test_a_turn_that_is_dictating_or_stops_mid_phrase_is_not_over(partial: str) -> None:
    assert unfinished(partial, "en-US")


@pytest.mark.parametrize("partial", [
    "when are you open",
    "where can i park",
    "do you open on sundays",
    "what time do you close on saturday",
    "is there one near me",  # "one" is not a digit being read out
    "can i pick it up at john's",  # a possessive may end a sentence
    "i know where it is now",
    "",
])
def test_a_plain_question_is_left_to_the_turn_model(partial: str) -> None:
    assert not unfinished(partial, "en-US")


def test_other_languages_are_left_to_the_turn_model() -> None:
    assert not unfinished("mi número es cuatro y", "es-ES")


class _Model:
    """A turn model that is sure the turn is over, while the recogniser's words move on meanwhile."""

    threshold = 0.8

    def __init__(self, endpointer: Endpointer | None = None, words_meanwhile: str | None = None) -> None:
        self.endpointer, self.words_meanwhile = endpointer, words_meanwhile

    async def decide(self, audio: bytes) -> float:
        if self.endpointer is not None and self.words_meanwhile is not None:
            self.endpointer.partial = self.words_meanwhile
        return 0.97


async def test_words_that_arrive_during_the_decision_can_still_keep_the_turn_open() -> None:
    plan = plan_for({})
    endpointer = Endpointer(plan, None)
    endpointer.model = _Model(endpointer, "my phone number is four one five")  # type: ignore[assignment]
    endpointer.start(b"")
    endpointer.partial = "my phone"
    assert await endpointer.finished_at_pause() is False
    endpointer.model = _Model()  # type: ignore[assignment]
    endpointer.start(b"")
    endpointer.partial = "when are you open"
    assert await endpointer.finished_at_pause() is True
