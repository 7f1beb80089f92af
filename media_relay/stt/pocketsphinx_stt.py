"""Offline speech-to-text with the pocketsphinx wheel's bundled US English model (no downloads).

Tuned for telephone audio (measured in bench/speech_engines.py): audio is upsampled 8 -> 16 kHz
(the model is 16 kHz); the decoder runs incrementally while the caller speaks, so finishing an
utterance costs ~15 ms instead of ~250 ms: the flat-lexicon second pass is off (`fwdflat`), the
lattice best-path pass stays on. Cepstral mean normalisation starts from values measured on
telephone speech instead of the model's generic default, which otherwise ruins the first
utterance of every call. Decoding runs in pocketsphinx host processes (`speech/sphinx_host`), one per
thread of a bounded pool: the decoder holds the GIL while it works (up to 340 ms at a time), which
in the relay's own process stalled every call's audio.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from media_relay.audio.resample import StreamingUpsampler
from media_relay.ports import SAMPLE_RATE, Transcript
from media_relay.speech.sphinx_host import SphinxHost

# CMN measured after decoding flite speech sent through mu-law at 8 kHz and upsampled.
TELEPHONE_CMN = "43.83,18.89,-12.89,26.17,-6.83,-1.06,10.96,-13.06,9.34,-0.93,-1.09,7.84,-2.77"
DECODER_OPTIONS: dict[str, Any] = {"samprate": 16000, "cmninit": TELEPHONE_CMN, "fwdflat": False,
                                   "loglevel": "FATAL"}
CHUNK_BYTES = 1600  # 100 ms at 8 kHz: decode in steps small enough to keep up, big enough to be cheap
# Building a decoder (loading the model) takes 350-450 ms, and a call's engine waits for its stream:
# ended calls' decoders are kept, reset, for the next calls, and each host builds one at start.
SPARE_DECODERS = 4


def word_confidence(decoder: Any) -> float | None:
    """Mean posterior of the recognised words (the sentence posterior is tiny for any long utterance)."""
    probs = [seg.prob for seg in decoder.seg() if seg.word[0] not in "<[+" and seg.word != "<sil>"]
    return round(max(0.0, min(1.0, sum(probs) / len(probs))), 3) if probs else None


class HostDecoder:
    """One stream's decoder, in the pocketsphinx host process (`media_relay.speech.sphinx_host`)."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        self.decoder = Decoder(**DECODER_OPTIONS)
        self.upsampler = StreamingUpsampler()
        self.in_utterance = False

    def process(self, pcm8k: bytes) -> str:
        """Decode more audio; returns the best hypothesis so far (the partial transcript)."""
        if not self.in_utterance:
            self.decoder.start_utt()
            self.in_utterance = True
        self.decoder.process_raw(self.upsampler.process(pcm8k), False, False)
        hyp = self.decoder.hyp()
        return hyp.hypstr if hyp is not None else ""

    def reset(self) -> None:
        """As new for the next call: no utterance open, normalisation back to the telephone start."""
        if self.in_utterance:
            self.decoder.end_utt()
            self.in_utterance = False
        self.decoder.reinit_feat()  # the front end as configured: normalisation from TELEPHONE_CMN again
        self.upsampler = StreamingUpsampler()

    def finish(self, tail: bytes) -> tuple[str, float | None]:
        if tail:
            self.process(tail)
        if not self.in_utterance:
            return "", None
        self.decoder.end_utt()
        self.in_utterance = False
        hyp = self.decoder.hyp()
        if hyp is None:
            return "", None
        return hyp.hypstr, word_confidence(self.decoder)


_decoders: dict[int, HostDecoder] = {}
_spare: list[HostDecoder] = []


def _open(stream_id: int) -> None:
    _decoders[stream_id] = _spare.pop() if _spare else HostDecoder()


def _close(stream_id: int) -> None:
    decoder = _decoders.pop(stream_id, None)
    if decoder is not None and len(_spare) < SPARE_DECODERS:
        decoder.reset()
        _spare.append(decoder)


def _warm() -> None:
    if not _spare:
        _spare.append(HostDecoder())


HOST_OPS: dict[str, Any] = {
    "stt_open": _open, "stt_close": _close, "stt_warm": _warm,
    "stt_process": lambda stream_id, pcm8k: _decoders[stream_id].process(pcm8k),
    "stt_finish": lambda stream_id, tail: _decoders[stream_id].finish(tail),
}


class PocketsphinxStream:
    def __init__(self, executor: ThreadPoolExecutor, host: SphinxHost, stream_id: int) -> None:
        self.executor, self.host, self.id = executor, host, stream_id
        self.lock = asyncio.Lock()
        self.pending = bytearray()
        self.in_utterance = False
        self.samples = 0
        self.utterance_start_ms = 0
        self.queue: asyncio.Queue[Transcript | None] = asyncio.Queue()

    async def _run(self, op: str, *args: Any) -> Any:
        """A request to the host, from a worker thread that waits on its pipe (not holding the GIL)."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, self.host.call, op, self.id, *args)

    async def push(self, pcm: bytes) -> None:
        if not self.in_utterance and not self.pending:
            self.utterance_start_ms = self.samples * 1000 // SAMPLE_RATE
        self.samples += len(pcm) // 2
        self.pending += pcm
        if len(self.pending) >= CHUNK_BYTES:
            chunk, self.pending = bytes(self.pending), bytearray()
            async with self.lock:
                partial = await self._run("stt_process", chunk)
                self.in_utterance = True
            # Words so far, evidence for turn-taking, after every chunk (an unchanged one says the
            # recogniser has kept its words over more audio).
            if partial:
                await self.queue.put(Transcript(partial, False, None, self.utterance_start_ms,
                                                self.samples * 1000 // SAMPLE_RATE))

    def pace(self, coarse: bool) -> None:
        """Frames reach the decoder as they come; there are no pieces to size."""

    async def flush(self) -> None:
        """End of the caller's utterance: finalise and publish the transcript."""
        tail, self.pending = bytes(self.pending), bytearray()
        async with self.lock:
            text, confidence = await self._run("stt_finish", tail)
            self.in_utterance = False
        end_ms = self.samples * 1000 // SAMPLE_RATE
        await self.queue.put(Transcript(text, True, confidence, self.utterance_start_ms, end_ms))

    async def results(self) -> AsyncIterator[Transcript]:
        while (item := await self.queue.get()) is not None:
            yield item

    async def close(self) -> None:
        await self.queue.put(None)
        with contextlib.suppress(Exception):  # a host that is gone has freed the decoder already
            async with self.lock:
                await self._run("stt_close")


class PocketsphinxStt:
    name = "pocketsphinx"

    def __init__(self, threads: int = 2) -> None:
        # One host process per thread: as many decoders run at once as threads did, in parallel now.
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="pocketsphinx")
        self.hosts = [SphinxHost() for _ in range(threads)]
        self._ids = itertools.count(1)

    async def warm(self) -> None:
        """Start the hosts and build a decoder in each, before the first call waits for one."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self.executor, host.call, "stt_warm") for host in self.hosts))

    async def open_stream(self, *, language: str, sample_rate: int = SAMPLE_RATE) -> PocketsphinxStream:
        if sample_rate != SAMPLE_RATE:
            raise ValueError("the relay feeds 8 kHz telephone audio")
        stream_id = next(self._ids)
        stream = PocketsphinxStream(self.executor, self.hosts[stream_id % len(self.hosts)], stream_id)
        await asyncio.get_running_loop().run_in_executor(self.executor, stream.host.call, "stt_open", stream_id)
        return stream
