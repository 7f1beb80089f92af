"""Text is cut into speakable pieces as early as it is known to be complete."""

from __future__ import annotations

from media_relay.speech.text import TextChunker, sentences, speakable


def stream(text: str, step: int = 2, **options: int) -> list[str]:
    chunker = TextChunker(**options)
    pieces: list[str] = []
    for i in range(0, len(text), step):
        pieces += chunker.feed(text[i:i + step])
    tail = chunker.release()
    return [*pieces, tail] if tail else pieces


def test_reply_objects_are_joined_as_tokens_or_as_sentences() -> None:
    chunker = TextChunker()
    assert chunker.add("It costs 3") == [] and chunker.add(".") == [] and chunker.add("5 dollars.") == [
        "It costs 3.5 dollars."]
    chunker = TextChunker()
    assert chunker.add("Call Dr.") == [] and chunker.add("Smith now.") == ["Call Dr. Smith now."]


def test_complete_text_splits_into_sentences() -> None:
    assert sentences('Hi there. "Is it?" she said. Yes!') == ["Hi there.", '"Is it?"', "she said.", "Yes!"]


def test_a_sentence_is_released_the_moment_its_full_stop_arrives() -> None:
    chunker = TextChunker()
    assert chunker.feed("Sure, I can") == []
    assert chunker.feed(" help with that.") == ["Sure, I can help with that."]  # no waiting for a next token
    assert chunker.feed(" How") == []
    assert chunker.feed(" are you?") == ["How are you?"]
    assert not chunker.pending and chunker.release() == ""


def test_a_full_stop_that_may_not_end_the_sentence_waits_for_the_next_character() -> None:
    for held in ("It costs 3.", "Call Dr.", "Ask for J.", "Bring forms etc."):
        chunker = TextChunker()
        assert chunker.feed(held) == [], held
        assert chunker.pending and chunker.release() == held  # what a quiet source gets, at once


def test_incomplete_text_is_released_on_request() -> None:
    chunker = TextChunker()
    assert chunker.feed("Let me check") == []
    assert chunker.release() == "Let me check"


def test_question_and_exclamation_marks_end_sentences() -> None:
    assert stream("Really? Yes! Great. Done") == ["Really?", "Yes!", "Great.", "Done"]


def test_decimals_do_not_split_even_when_streamed_across_tokens() -> None:
    chunker = TextChunker()
    assert chunker.feed("It costs 3.") == []
    assert chunker.feed("5 dollars. Anything") == ["It costs 3.5 dollars."]
    assert chunker.release() == "Anything"


def test_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    text = "Dr. Smith and Mr. J. Jones will call, e.g. tomorrow. Then we are done."
    assert stream(text) == ["Dr. Smith and Mr. J. Jones will call, e.g. tomorrow.", "Then we are done."]


def test_an_abbreviation_that_often_ends_a_sentence_splits_before_a_capital() -> None:
    assert stream("Bring forms, ids etc. We will help.") == ["Bring forms, ids etc.", "We will help."]
    assert stream("We open at 9 a.m. and close at 5 p.m. See you.") == [
        "We open at 9 a.m. and close at 5 p.m.", "See you."]


def test_a_numbered_item_marker_is_not_a_sentence() -> None:
    assert stream("1. Press one for sales.") == ["1. Press one for sales."]


def test_closing_quotes_and_brackets_stay_with_their_sentence() -> None:
    assert stream('She said "go." Then (quietly.) we left.') == ['She said "go."', "Then (quietly.)", "we left."]


def test_a_long_sentence_is_released_early_at_a_clause_break() -> None:
    text = ("When you arrive at the clinic tomorrow morning, please check in at the front desk and "
            "then take a seat in the waiting room.")
    pieces = stream(text, clause_words=8)
    assert pieces[0] == "When you arrive at the clinic tomorrow morning,"
    assert " ".join(pieces) == text


def test_a_short_sentence_with_commas_is_not_cut() -> None:
    assert stream("Yes, sure, of course. Bye.") == ["Yes, sure, of course.", "Bye."]


def test_thousands_separators_and_times_are_not_clause_breaks() -> None:
    text = "The total for the whole order is 1,250 dollars and delivery is at 10:30 tomorrow."
    assert stream(text, clause_words=4) == [text]


def test_a_very_long_run_without_punctuation_is_cut_at_a_word_boundary() -> None:
    words = " ".join(f"w{i}" for i in range(30))
    pieces = stream(words + ".", step=3, max_words=10)
    assert all(len(p.split()) <= 11 for p in pieces)
    assert " ".join(pieces) == words + "."


def test_markdown_is_not_spoken() -> None:
    assert speakable("**Great** news: `code` here") == "Great news: code here"
    assert stream("## Title\n- first item.\n- second item.") == ["Title first item.", "second item."]


def test_newlines_end_sentences_like_spaces() -> None:
    assert stream("First line.\nSecond line.") == ["First line.", "Second line."]
