"""An independent reference for "which words had played": flite's own 16 kHz audio of each sentence,
aligned word by word by pocketsphinx, laid end to end as the relay plays them (8 kHz, whole frames)."""

from __future__ import annotations

import re
import subprocess
import tempfile
import wave
from functools import cache
from pathlib import Path
from typing import Any

from media_relay.audio.resample import upsample_2x


@cache
def flite(text: str, voice: str) -> tuple[bytes, int]:
    """flite's audio of `text` (PCM and its rate), as the local TTS makes it."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "s.wav"
        subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(out)], check=True)
        with wave.open(str(out)) as w:
            return w.readframes(w.getnframes()), w.getframerate()


@cache
def _decoder() -> Any:
    from pocketsphinx import Decoder

    return Decoder(samprate=16000, loglevel="FATAL")


def aligned_words(text: str, pcm: bytes, rate: int) -> list[tuple[int, int]]:
    """(start, end) ms of every word of `text` in its audio, by forced alignment at 16 kHz."""
    wide = pcm if rate == 16000 else upsample_2x(pcm)
    decoder = _decoder()
    decoder.set_align_text(" ".join(re.sub(r"[^a-z']", "", w.lower()) for w in text.split()))
    decoder.start_utt()
    decoder.process_raw(wide, full_utt=True)
    decoder.end_utt()
    return [(s.start_frame * 10, s.end_frame * 10) for s in decoder.seg() if s.word not in ("<s>", "</s>", "<sil>")]


def words_played(sentences: list[str], voice: str, played_ms: float) -> int:
    """How many words of `sentences`, spoken one after another, had played by `played_ms`
    (a word counts once its middle has played)."""
    count, offset = 0, 0.0
    for sentence in sentences:
        pcm, rate = flite(sentence, voice)
        frames = -(-len(pcm) // (rate // 50 * 2))  # the relay pads each piece to whole 20 ms frames
        for start, end in aligned_words(sentence, pcm, rate):
            if offset + (start + end) / 2 <= played_ms:
                count += 1
        offset += frames * 20
    return count


def spliced(text: str, voice: str, after_words: list[int], pauses_s: list[float]) -> bytes:
    """`text` said by flite in one breath (8 kHz PCM), with silences spliced in after the given words:
    the continuing prosody of a person who pauses mid-sentence (reading a number out, thinking)."""
    from media_relay.audio.resample import downsample
    from media_relay.speech.alignment import SphinxAligner

    pcm, rate = flite(text, voice)
    pcm = downsample(pcm, rate // 8000) if rate > 8000 else pcm
    spans = SphinxAligner().align(text, pcm)
    if spans is None:
        raise ValueError(f"could not align {text!r}")
    pieces, start = [], 0
    for index, pause in zip(after_words, pauses_s, strict=True):
        cut = (spans[index - 1].end_ms + spans[index].start_ms) // 2 * 16  # bytes of 8 kHz PCM
        pieces += [pcm[start:cut], bytes(int(pause * 8000) * 2)]
        start = cut
    return b"".join([*pieces, pcm[start:]])
