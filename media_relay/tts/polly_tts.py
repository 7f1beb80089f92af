"""Amazon Polly text-to-speech (the relay's "polly" provider): boto3 in a thread pool, audio streamed.

Polly answers `pcm` at 8000 Hz, the relay's own format, so nothing is resampled. Neural voices
allow 8 requests per second per account and region, so text is never sent one fragment at a time:
sentences are packed into requests (a short first one, so the first audio comes early, then up to
`max_chars` billed characters; Polly's limit is 3,000). Each request's audio is yielded as it
arrives. Short fixed phrases (greetings, fillers) come from an LRU cache, and throttling is
retried with jittered exponential backoff (botocore's own retries are off, so they do not stack).
"""

from __future__ import annotations

import asyncio
import random
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing
from typing import Any
from xml.sax.saxutils import escape

from media_relay.ports import FRAME_BYTES_PCM, SAMPLE_RATE, VoiceInfo
from media_relay.speech.text import sentences
from media_relay.threaded import read_in_thread
from switchboard.errors import UpstreamError
from switchboard.voices import POLLY_VOICES, default_voice

VOICES = tuple(VoiceInfo(v.voice_id, v.name, v.provider, v.gender, v.language) for v in POLLY_VOICES)
MAX_BILLED_CHARS = 3000
RETRYABLE = frozenset({"ThrottlingException", "ServiceFailureException", "EndpointConnectionError",
                       "ConnectTimeoutError", "ReadTimeoutError"})


def to_ssml(text: str, speed: float) -> str:
    """The text as SSML, its speed as a prosody rate (Polly accepts 20-200%)."""
    rate = round(min(200.0, max(20.0, speed * 100)))
    body = escape(text)
    return f'<speak><prosody rate="{rate}%">{body}</prosody></speak>' if rate != 100 else f"<speak>{body}</speak>"


def _split_long(sentence: str, max_chars: int) -> list[str]:
    pieces, current = [], ""
    for word in sentence.split():
        if current and len(current) + 1 + len(word) > max_chars:
            pieces.append(current)
            current = ""
        current = f"{current} {word}" if current else word[:max_chars]
    return [*pieces, current] if current else pieces


def batches(text: str, *, max_chars: int, first_chars: int = 200) -> list[str]:
    """Sentences packed into requests: the first up to `first_chars`, the rest up to `max_chars`."""
    parts = [p for s in sentences(text) for p in _split_long(s, max_chars)]
    out: list[str] = []
    current = ""
    for part in parts:
        limit = max_chars if out else min(first_chars, max_chars)
        if current and len(current) + 1 + len(part) > limit:
            out.append(current)
            current = part
        else:
            current = f"{current} {part}" if current else part
    return [*out, current] if current else out


def polly_error(exc: Exception) -> UpstreamError:
    """A sentence naming what Polly refused and why (never a bare botocore traceback)."""
    error_info = getattr(exc, "response", {}).get("Error", {})
    code, message = error_info.get("Code", type(exc).__name__), error_info.get("Message", str(exc))
    hint = ""
    if code == "TextLengthExceededException":
        hint = f" Requests hold at most {MAX_BILLED_CHARS} billed characters; lower SWITCHBOARD_RELAY_POLLY_MAX_CHARS."
    error = UpstreamError(f"Amazon Polly refused to synthesise speech ({code}): {message.rstrip('.')}.{hint}")
    error.retryable = code in RETRYABLE
    return error


class PollyTts:
    """`TextToSpeech` on Amazon Polly; pass `client` (a boto3 Polly client) or let it build one."""

    name = "polly"

    def __init__(self, client: Any = None, *, engine: str = "neural", region: str | None = None,
                 endpoint_url: str | None = None, max_chars: int = 1500, max_retries: int = 4,
                 backoff_s: float = 0.2, threads: int = 4, chunk_bytes: int = 3200,
                 cache_bytes: int = 16 * 1024 * 1024, cache_max_chars: int = 160,
                 jitter: Callable[[], float] = random.random) -> None:
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client("polly", region_name=region, endpoint_url=endpoint_url, config=Config(
                retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30, max_pool_connections=threads))
        self.client, self.engine = client, engine
        self.max_chars, self.max_retries, self.backoff_s = min(max_chars, MAX_BILLED_CHARS), max_retries, backoff_s
        self.chunk_bytes = max(FRAME_BYTES_PCM, chunk_bytes // FRAME_BYTES_PCM * FRAME_BYTES_PCM)
        self.cache: OrderedDict[tuple[str, str, str, float], bytes] = OrderedDict()
        self.cached_bytes = 0  # kept with the cache, so evicting is not a sum over every entry
        self.cache_bytes, self.cache_max_chars, self.jitter = cache_bytes, cache_max_chars, jitter
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="polly")

    def voices(self) -> list[VoiceInfo]:
        return list(VOICES)

    def _voice(self, voice: str, language: str) -> str:
        if any(v.voice_id == voice for v in VOICES):
            return voice
        same = [v for v in VOICES if v.language == language] or \
            [v for v in VOICES if v.language.split("-")[0] == language.split("-")[0]]
        return same[0].voice_id if same else default_voice("polly")

    async def synthesize(self, text: str, *, voice: str, speed: float = 1.0, language: str = "en-US"
                         ) -> AsyncIterator[bytes]:
        voice = self._voice(voice, language)
        for batch in batches(text, max_chars=self.max_chars):
            key = (batch, voice, self.engine, round(speed, 2))
            if key in self.cache:
                self.cache.move_to_end(key)
                yield self.cache[key]
                continue
            audio = bytearray()
            async for chunk in self._with_retries(batch, voice, speed):
                audio += chunk
                yield chunk
            if len(batch) <= self.cache_max_chars:
                self._remember(key, bytes(audio))

    def _remember(self, key: tuple[str, str, str, float], audio: bytes) -> None:
        """LRU within a byte budget (audio is 16 kB a second, so entries are counted by size)."""
        self.cached_bytes += len(audio) - len(self.cache.get(key, b""))
        self.cache[key] = audio
        while self.cached_bytes > self.cache_bytes and len(self.cache) > 1:
            self.cached_bytes -= len(self.cache.popitem(last=False)[1])

    async def _with_retries(self, text: str, voice: str, speed: float) -> AsyncIterator[bytes]:
        params = {"Text": to_ssml(text, speed), "TextType": "ssml", "VoiceId": voice, "Engine": self.engine,
                  "OutputFormat": "pcm", "SampleRate": str(SAMPLE_RATE)}
        attempt = 0
        while True:
            started = False
            try:
                async for chunk in self._stream(params):
                    started = True
                    yield chunk
                return
            except UpstreamError:
                raise
            except Exception as exc:
                error = polly_error(exc)
                if not error.retryable or started or attempt >= self.max_retries:
                    raise error from exc
            attempt += 1
            await asyncio.sleep(min(5.0, self.backoff_s * 2 ** (attempt - 1)) * (0.5 + self.jitter() / 2))

    async def _stream(self, params: dict[str, Any]) -> AsyncIterator[bytes]:
        """One request: the blocking call and its reads run in the pool (see media_relay.threaded)."""
        def open_stream() -> tuple[Iterable[bytes], Callable[[], None]]:
            body = self.client.synthesize_speech(**params)["AudioStream"]
            return body.iter_chunks(self.chunk_bytes), body.close

        carry = b""
        async with aclosing(read_in_thread(open_stream, self.executor.submit)) as chunks:
            async for chunk in chunks:
                carry += chunk
                whole = len(carry) // FRAME_BYTES_PCM * FRAME_BYTES_PCM  # playout pads partial frames
                if whole:
                    yield carry[:whole]
                    carry = carry[whole:]
        if len(carry) >= 2:
            yield carry[:len(carry) // 2 * 2]
