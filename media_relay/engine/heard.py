"""What the caller heard of a turn, to the word: whole pieces the far end confirmed, and the words of
the piece it was playing when the turn stopped, placed in that piece's audio by `speech.timing`."""

from __future__ import annotations

from dataclasses import dataclass

from media_relay.audio import codec
from media_relay.playout import BYTES_PER_S, Piece
from media_relay.speech.timing import WordTimer, heard_words


@dataclass(frozen=True)
class Heard:
    said: str
    heard: str
    not_heard: str


def needs_timing(pieces: list[Piece]) -> bool:
    """Was a piece with words cut part-way (so word timing, some CPU, is needed)?"""
    return any(p.text and 0 < p.heard_bytes() < len(p.audio) and not p.done for p in pieces)


def split(pieces: list[Piece], timer: WordTimer, language: str) -> Heard:
    said: list[str] = []
    heard: list[str] = []
    unheard: list[str] = []
    for piece in pieces:
        if not piece.text:
            continue
        said.append(piece.text)
        played = len(piece.audio) if piece.done else piece.heard_bytes()
        if played >= len(piece.audio) > 0:
            heard.append(piece.text)
        elif played <= 0:
            unheard.append(piece.text)
        else:
            spans = timer.spans(piece.text, codec.decode(bytes(piece.audio)), language)
            count = heard_words(spans, played * 1000 / BYTES_PER_S)
            words = piece.text.split()
            heard += words[:count]
            unheard += words[count:]
    return Heard(" ".join(said), " ".join(w for w in heard if w), " ".join(w for w in unheard if w))
