"""A fake OpenAI-compatible server: `POST /v1/chat/completions` streaming scripted SSE answers.

Each request takes the next `Script` (text streamed word by word, tool calls streamed in
fragments, or an HTTP error / broken stream) with a configurable time to first token and gap
between tokens. Tests read `requests` (the JSON bodies) and `streams` (per answer: when tokens
went out, whether it finished, whether the client went away first).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse


@dataclass
class Script:
    text: str = ""
    tokens: list[str] | None = None  # overrides `text`'s word-by-word split
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # {"name", "arguments", "id"?}
    ttft: float = 0.0
    delay: float = 0.0
    status: int = 200  # anything else: a JSON error answer, no stream
    malformed: bool = False  # a chunk that is not JSON after the text
    cut: bool = False  # the stream ends without a finish reason or [DONE]
    error_chunk: str | None = None  # a `{"error": ...}` chunk after the text
    pauses: dict[int, float] = field(default_factory=dict)  # token index -> seconds of silence before it


@dataclass
class StreamRecord:
    started: float
    token_times: list[float] = field(default_factory=list)
    finished_at: float | None = None
    disconnected_at: float | None = None
    ended: threading.Event = field(default_factory=threading.Event)


def _chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    body = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()), "model": "fake",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body)}\n\n"


def _thirds(text: str) -> list[str]:
    step = max(1, len(text) // 3)
    return [text[i:i + step] for i in range(0, len(text), step)] or [""]


def tool_call_chunks(calls: list[dict[str, Any]]) -> list[str]:
    """Tool calls the way OpenAI streams them: id and name first, then the arguments in fragments."""
    out = []
    for index, call in enumerate(calls):
        arguments = call["arguments"] if isinstance(call["arguments"], str) else json.dumps(call["arguments"])
        out.append(_chunk({"tool_calls": [{"index": index, "id": call.get("id", f"call_{index}"), "type": "function",
                                           "function": {"name": call["name"], "arguments": ""}}]}))
        out += [_chunk({"tool_calls": [{"index": index, "function": {"arguments": part}}]})
                for part in _thirds(arguments)]
    return out


class FakeOpenAI:
    def __init__(self) -> None:
        self.scripts: deque[Script] = deque()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.streams: list[StreamRecord] = []
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self._complete)

    def push(self, *scripts: Script) -> None:
        self.scripts.extend(scripts)

    def reset(self) -> None:
        for recorded in (self.scripts, self.requests, self.headers, self.streams):
            recorded.clear()

    async def _complete(self, request: Request) -> Response:
        self.requests.append(await request.json())
        self.headers.append(dict(request.headers))
        script = self.scripts.popleft() if self.scripts else Script(text="OK.")
        if script.status != 200:
            return JSONResponse({"error": {"message": f"scripted failure {script.status}"}}, status_code=script.status)
        record = StreamRecord(started=time.monotonic())
        self.streams.append(record)
        return StreamingResponse(self._stream(script, record), media_type="text/event-stream")

    async def _stream(self, script: Script, record: StreamRecord) -> AsyncIterator[str]:
        tokens = script.tokens if script.tokens is not None else re.findall(r"\s*\S+", script.text)
        try:
            await asyncio.sleep(script.ttft)
            for i, token in enumerate(tokens):
                if i:
                    await asyncio.sleep(script.delay + script.pauses.get(i, 0.0))
                record.token_times.append(time.monotonic())
                yield _chunk({"role": "assistant", "content": token} if i == 0 else {"content": token})
            for extra in tool_call_chunks(script.tool_calls):
                await asyncio.sleep(script.delay)
                yield extra
            if script.malformed:
                yield "data: {not json\n\n"
            if script.error_chunk:
                yield f"data: {json.dumps({'error': {'message': script.error_chunk}})}\n\n"
            if not script.cut:
                yield _chunk({}, "tool_calls" if script.tool_calls else "stop")
                yield "data: [DONE]\n\n"
            record.finished_at = time.monotonic()
        except BaseException:
            record.disconnected_at = time.monotonic()  # Starlette cancels the body when the client goes
            raise
        finally:
            record.ended.set()
