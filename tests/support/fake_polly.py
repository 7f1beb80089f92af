"""A fake Amazon Polly endpoint (`POST /v1/speech`) that answers real, paced PCM and checks requests as Polly does.

Audio is a tone per word (so more words mean more audio), streamed in blocks with a pause between
them, so a test can tell whether the client yields audio before the answer is complete. Tests
read `requests` (the JSON bodies) and `finished` (when each answer's last byte was sent), and
queue error answers in `errors`.
"""

from __future__ import annotations

import asyncio
import math
import re
import struct
import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from switchboard.voices import POLLY_VOICES

FORMATS = {"json", "mp3", "ogg_opus", "ogg_vorbis", "pcm", "mulaw", "alaw"}
RATES = {"pcm": {"8000", "16000"}, "mulaw": {"8000"}, "alaw": {"8000"}}
ENGINES = {"standard", "neural", "long-form", "generative"}
VOICES = {v.voice_id for v in POLLY_VOICES}
BILLED_LIMIT, TOTAL_LIMIT = 3000, 6000


def error(status: int, code: str, message: str) -> Response:
    return JSONResponse({"message": message}, status_code=status, headers={"x-amzn-errortype": code})


def spoken_text(body: dict[str, Any]) -> tuple[str, float] | Response:
    """The billed text and the prosody rate of a request, or Polly's error for it."""
    text = body.get("Text", "")
    if body.get("TextType", "text") == "text":
        return text, 1.0
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        return error(400, "InvalidSsmlException", f"Invalid SSML request: {exc}")
    if root.tag != "speak":
        return error(400, "InvalidSsmlException", "Invalid SSML request: the root element must be <speak>.")
    rate = 1.0
    for prosody in root.iter("prosody"):
        match = re.fullmatch(r"(\d+)%", prosody.get("rate", "100%"))
        if not match or not 20 <= int(match.group(1)) <= 200:
            return error(400, "InvalidSsmlException", "Invalid SSML request: prosody rate must be 20%-200%.")
        rate = int(match.group(1)) / 100
    return "".join(root.itertext()), rate


def check(body: dict[str, Any]) -> Response | None:
    fmt = body.get("OutputFormat")
    if fmt not in FORMATS:
        return error(400, "ValidationException", f"1 validation error detected: OutputFormat '{fmt}'")
    if "SampleRate" in body and body["SampleRate"] not in RATES.get(fmt, {"8000", "16000", "22050", "24000"}):
        return error(400, "InvalidSampleRateException", f"Invalid sample rate {body['SampleRate']} for {fmt}.")
    if body.get("VoiceId") not in VOICES:
        return error(400, "ValidationException", f"1 validation error detected: VoiceId '{body.get('VoiceId')}'")
    if body.get("Engine", "standard") not in ENGINES:
        return error(400, "ValidationException", f"1 validation error detected: Engine '{body.get('Engine')}'")
    if body.get("TextType", "text") not in {"text", "ssml"}:
        return error(400, "ValidationException", "1 validation error detected: TextType")
    if len(body.get("Text", "")) > TOTAL_LIMIT:
        return error(400, "TextLengthExceededException", "Maximum text length has been exceeded")
    return None


def render(text: str, sample_rate: int, rate: float) -> bytes:
    """A 120 ms tone and a 40 ms gap per word, shortened or stretched by the prosody rate."""
    pcm = bytearray()
    for i, _word in enumerate(text.split()):
        tone, gap = int(sample_rate * 0.12 / rate), int(sample_rate * 0.04 / rate)
        freq = 300 + 40 * (i % 8)
        pcm += struct.pack(f"<{tone}h", *(int(6000 * math.sin(2 * math.pi * freq * n / sample_rate))
                                          for n in range(tone)))
        pcm += bytes(2 * gap)
    return bytes(pcm)


class FakePolly:
    def __init__(self, *, block_ms: int = 100, pace_s: float = 0.02) -> None:
        self.block_ms, self.pace_s = block_ms, pace_s
        self.requests: list[dict[str, Any]] = []
        self.finished: list[float] = []
        self.errors: list[tuple[int, str, str]] = []  # (status, x-amzn-errortype, message), answered in order
        self.app = FastAPI()
        self.app.post("/v1/speech")(self.speech)

    async def speech(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        if self.errors:
            return error(*self.errors.pop(0))
        if (problem := check(body)) is not None:
            return problem
        spoken = spoken_text(body)
        if isinstance(spoken, Response):
            return spoken
        text, rate = spoken
        if len(text) > BILLED_LIMIT:
            return error(400, "TextLengthExceededException", "Maximum text length has been exceeded")
        sample_rate = int(body.get("SampleRate", "16000"))
        audio = render(text, sample_rate, rate)
        return StreamingResponse(self._paced(audio, sample_rate), media_type="audio/pcm",
                                 headers={"x-amzn-RequestCharacters": str(len(text))})

    async def _paced(self, audio: bytes, sample_rate: int) -> AsyncIterator[bytes]:
        block = sample_rate * 2 * self.block_ms // 1000
        for start in range(0, len(audio), block):
            yield audio[start:start + block]
            await asyncio.sleep(self.pace_s)
        self.finished.append(time.monotonic())
