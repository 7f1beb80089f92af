"""A fake Amazon Bedrock runtime: `POST /model/{modelId}/converse-stream` answering real event-stream frames.

Frames are encoded by hand as AWS does (tests/support/eventstream.py), with string headers and a
JSON payload. boto3 talks to it with `endpoint_url` and dummy credentials.
Each request takes the next `BedrockScript`; tests read `requests` and `streams`.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from tests.support.eventstream import encode_message
from tests.support.fake_openai import StreamRecord


def event_frame(event_type: str, body: dict[str, Any]) -> bytes:
    return encode_message({":message-type": "event", ":event-type": event_type, ":content-type": "application/json"},
                        json.dumps(body).encode())


def exception_frame(exception_type: str, message: str) -> bytes:
    return encode_message({":message-type": "exception", ":exception-type": exception_type,
                         ":content-type": "application/json"}, json.dumps({"message": message}).encode())


def error_frame(code: str, message: str) -> bytes:
    return encode_message({":message-type": "error", ":error-code": code, ":error-message": message}, b"")


@dataclass
class BedrockScript:
    text: str = ""
    tool_uses: list[dict[str, Any]] = field(default_factory=list)  # {"name", "input", "id"?}
    ttft: float = 0.0
    delay: float = 0.0
    status: int = 200  # anything else: an error answer with `error_code`, before any stream
    error_code: str = "ThrottlingException"
    exception: str | None = None  # an exception frame after the text, e.g. "modelStreamErrorException"
    error_message_frame: bool = False  # send `exception` as a `:message-type: error` frame instead
    cut: bool = False  # end without messageStop


def script_events(script: BedrockScript) -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, dict[str, Any]]]]:
    """(text events, the rest): the first list is paced as tokens, the rest follows it."""
    tokens = re.findall(r"\s*\S+", script.text)
    text = [("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": t}}) for t in tokens]
    rest: list[tuple[str, dict[str, Any]]] = [("contentBlockStop", {"contentBlockIndex": 0})] if tokens else []
    for offset, use in enumerate(script.tool_uses, start=1):
        raw = json.dumps(use["input"])
        step = max(1, len(raw) // 3)
        rest.append(("contentBlockStart", {"contentBlockIndex": offset, "start": {"toolUse": {
            "toolUseId": use.get("id", f"tooluse_{offset}"), "name": use["name"], "type": "tool_use"}}}))
        rest += [("contentBlockDelta", {"contentBlockIndex": offset, "delta": {"toolUse": {"input": raw[i:i + step]}}})
                 for i in range(0, len(raw), step)]
        rest.append(("contentBlockStop", {"contentBlockIndex": offset}))
    if not script.cut and not script.exception:
        reason = "tool_use" if script.tool_uses else "end_turn"
        usage = {"inputTokens": 10, "outputTokens": len(tokens), "totalTokens": 10 + len(tokens)}
        rest += [("messageStop", {"stopReason": reason}),
                 ("metadata", {"usage": usage, "metrics": {"latencyMs": 100}})]
    return text, rest


class FakeBedrock:
    def __init__(self) -> None:
        self.scripts: deque[BedrockScript] = deque()
        self.requests: list[dict[str, Any]] = []
        self.model_ids: list[str] = []
        self.streams: list[StreamRecord] = []
        self.app = FastAPI()
        self.app.post("/model/{model_id:path}/converse-stream")(self._converse_stream)

    def push(self, *scripts: BedrockScript) -> None:
        self.scripts.extend(scripts)

    def reset(self) -> None:
        for recorded in (self.scripts, self.requests, self.model_ids, self.streams):
            recorded.clear()

    async def _converse_stream(self, model_id: str, request: Request) -> Response:
        self.model_ids.append(model_id)
        self.requests.append(await request.json())
        script = self.scripts.popleft() if self.scripts else BedrockScript(text="OK.")
        if script.status != 200:
            return JSONResponse({"message": f"scripted {script.error_code}"}, status_code=script.status,
                                headers={"x-amzn-ErrorType": script.error_code})
        record = StreamRecord(started=time.monotonic())
        self.streams.append(record)
        return StreamingResponse(self._stream(script, record), media_type="application/vnd.amazon.eventstream")

    async def _stream(self, script: BedrockScript, record: StreamRecord) -> AsyncIterator[bytes]:
        text, rest = script_events(script)
        try:
            yield event_frame("messageStart", {"role": "assistant"})
            await asyncio.sleep(script.ttft)
            for i, (kind, body) in enumerate(text):
                if i:
                    await asyncio.sleep(script.delay)
                record.token_times.append(time.monotonic())
                yield event_frame(kind, body)
            for kind, body in rest:
                yield event_frame(kind, body)
            if script.exception:
                message = f"scripted {script.exception}"
                yield (error_frame(script.exception, message) if script.error_message_frame
                       else exception_frame(script.exception, message))
            record.finished_at = time.monotonic()
        except BaseException:
            record.disconnected_at = time.monotonic()
            raise
        finally:
            record.ended.set()
