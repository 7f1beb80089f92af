"""Webhook reply objects: text, interim, hang-up, transfer and digits, with bad fields reported."""

from __future__ import annotations

from media_relay.reply import parse_chunk


def test_plain_text_and_interim() -> None:
    chunk = parse_chunk({"text": "  Hello.  ", "interim": True})
    assert chunk.text == "Hello." and chunk.interim and not chunk.hangup and not chunk.problems


def test_hangup_either_way() -> None:
    assert parse_chunk({"text": "Bye.", "hangup": True}).hangup
    assert parse_chunk({"action": "hangup"}).hangup
    assert not parse_chunk({"hangup": "yes"}).hangup  # only a JSON true counts


def test_transfer_with_and_without_a_number() -> None:
    chunk = parse_chunk({"action": "transfer", "transferNumber": "+14155550188"})
    assert chunk.transfer and chunk.transfer_number == "+14155550188"
    bad = parse_chunk({"action": "transfer", "transferNumber": "555-0188"})
    assert bad.transfer and bad.transfer_number is None and "E.164" in bad.problems[0]


def test_digit_aliases_and_validation() -> None:
    assert parse_chunk({"digits": "12#"}).digits == "12#"
    assert parse_chunk({"press_digit": 5}).digits == "5"
    assert parse_chunk({"dtmf": "w1"}).digits == "w1"
    bad = parse_chunk({"text": "Okay.", "digits": "12x"})
    assert bad.digits is None and bad.text == "Okay." and bad.problems


def test_unknown_action_and_wrong_types_are_reported_not_fatal() -> None:
    chunk = parse_chunk({"text": 42, "action": "dance"})
    assert chunk.text == "" and not chunk.hangup and not chunk.transfer and len(chunk.problems) == 2
