"""A real agent webhook for voice tests: scripted replies per turn, streamed as NDJSON with delays."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from tests.support.servers import ThreadedUvicorn


@dataclass
class Reply:
    """One turn's answer: raw NDJSON lines with a delay before each, or a single JSON object."""

    lines: list[tuple[float, str]] = field(default_factory=list)
    single: dict[str, Any] | None = None
    stall_s: float = 0.0  # wait this long before answering at all (timeouts)


@dataclass
class VoiceWebhook:
    url: str
    replies: list[Reply]
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    last_line_sent_at: list[float] = field(default_factory=list)
    request_times: list[float] = field(default_factory=list)  # monotonic, when each request arrived

    @property
    def first_request_at(self) -> float | None:
        return self.request_times[0] if self.request_times else None


@contextmanager
def voice_webhook(replies: list[Reply]) -> Iterator[VoiceWebhook]:
    app = FastAPI()
    server = ThreadedUvicorn(app)
    hook = VoiceWebhook(f"{server.url}/agent", replies)

    @app.post("/agent")
    async def agent(request: Request) -> Response:
        body = await request.body()
        index = len(hook.requests)
        hook.requests.append((dict(request.headers), body))
        hook.request_times.append(time.monotonic())
        reply = hook.replies[index] if index < len(hook.replies) else Reply(single={"text": "Okay."})
        if reply.stall_s:
            await asyncio.sleep(reply.stall_s)
        if reply.single is not None:
            hook.last_line_sent_at.append(time.monotonic())
            return JSONResponse(reply.single)

        async def stream() -> AsyncIterator[bytes]:
            for delay, line in reply.lines:
                await asyncio.sleep(delay)
                yield (line + "\n").encode()
            hook.last_line_sent_at.append(time.monotonic())

        return StreamingResponse(stream(), media_type="application/x-ndjson")

    server.start()
    try:
        yield hook
    finally:
        server.stop()
