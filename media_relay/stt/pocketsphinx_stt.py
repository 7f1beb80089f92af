"""Offline speech-to-text with the pocketsphinx wheel's bundled US English model (no downloads).

Tuned for telephone audio (measured in bench/speech_engines.py): audio is upsampled 8 -> 16 kHz
(the model is 16 kHz); the decoder runs incrementally while the caller speaks, so finishing an
utterance costs ~15 ms instead of ~250 ms: the flat-lexicon second pass is off (`fwdflat`), the
lattice best-path pass stays on. Cepstral mean normalisation starts from values measured on
telephone speech instead of the model's generic default, which otherwise ruins the first
utterance of every call. Decoding runs in a bounded thread pool, never on the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from media_relay.audio.resample import StreamingUpsampler
from media_relay.ports import SAMPLE_RATE, Transcript

# CMN measured after decoding flite speech sent through mu-law at 8 kHz and upsampled.
TELEPHONE_CMN = "43.83,18.89,-12.89,26.17,-6.83,-1.06,10.96,-13.06,9.34,-0.93,-1.09,7.84,-2.77"
DECODER_OPTIONS: dict[str, Any] = {"samprate": 16000, "cmninit": TELEPHONE_CMN, "fwdflat": False,
                                   "loglevel": "FATAL"}
CHUNK_BYTES = 1600  # 100 ms at 8 kHz: decode in steps small enough to keep up, big enough to be cheap


def word_confidence(decoder: Any) -> float | None:
    """Mean posterior of the recognised words (the sentence posterior is tiny for any long utterance)."""
    probs = [seg.prob for seg in decoder.seg() if seg.word[0] not in "<[+" and seg.word != "<sil>"]
    return round(max(0.0, min(1.0, sum(probs) / len(probs))), 3) if probs else None


class PocketsphinxStream:
    def __init__(self, executor: ThreadPoolExecutor) -> None:
        from pocketsphinx import Decoder

        self.executor = executor
        self.decoder = Decoder(**DECODER_OPTIONS)
        self.upsampler = StreamingUpsampler()
        self.lock = asyncio.Lock()
        self.pending = bytearray()
        self.in_utterance = False
        self.samples = 0
        self.utterance_start_ms = 0
        self.partial = ""
        self.queue: asyncio.Queue[Transcript | None] = asyncio.Queue()

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def _process(self, pcm8k: bytes) -> str:
        """Decode more audio; returns the best hypothesis so far (the partial transcript)."""
        if not self.in_utterance:
            self.decoder.start_utt()
            self.in_utterance = True
        self.decoder.process_raw(self.upsampler.process(pcm8k), False, False)
        hyp = self.decoder.hyp()
        return hyp.hypstr if hyp is not None else ""

    async def push(self, pcm: bytes) -> None:
        if not self.in_utterance and not self.pending:
            self.utterance_start_ms = self.samples * 1000 // SAMPLE_RATE
        self.samples += len(pcm) // 2
        self.pending += pcm
        if len(self.pending) >= CHUNK_BYTES:
            chunk, self.pending = bytes(self.pending), bytearray()
            async with self.lock:
                partial = await self._run(self._process, chunk)
            if partial and partial != self.partial:  # words so far: evidence for turn-taking
                self.partial = partial
                await self.queue.put(Transcript(partial, False, None, self.utterance_start_ms,
                                                self.samples * 1000 // SAMPLE_RATE))

    def _finish(self, tail: bytes) -> tuple[str, float | None]:
        if tail:
            self._process(tail)
        if not self.in_utterance:
            return "", None
        self.decoder.end_utt()
        self.in_utterance = False
        hyp = self.decoder.hyp()
        if hyp is None:
            return "", None
        return hyp.hypstr, word_confidence(self.decoder)

    async def flush(self) -> None:
        """End of the caller's utterance: finalise and publish the transcript."""
        tail, self.pending = bytes(self.pending), bytearray()
        async with self.lock:
            text, confidence = await self._run(self._finish, tail)
        self.partial = ""
        end_ms = self.samples * 1000 // SAMPLE_RATE
        await self.queue.put(Transcript(text, True, confidence, self.utterance_start_ms, end_ms))

    async def results(self) -> AsyncIterator[Transcript]:
        while (item := await self.queue.get()) is not None:
            yield item

    async def close(self) -> None:
        await self.queue.put(None)


class PocketsphinxStt:
    name = "pocketsphinx"

    def __init__(self, threads: int = 2) -> None:
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="pocketsphinx")

    async def open_stream(self, *, language: str, sample_rate: int = SAMPLE_RATE) -> PocketsphinxStream:
        if sample_rate != SAMPLE_RATE:
            raise ValueError("the relay feeds 8 kHz telephone audio")
        return await asyncio.get_running_loop().run_in_executor(self.executor, PocketsphinxStream, self.executor)
