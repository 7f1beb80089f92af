"""The relay's plain-HTTP side: live transcript streams, for fronts that cannot stream (API Gateway).

The API redirects a live call's `GET /v1/calls/{id}/transcript/stream` here with a signed token
(clients drop `Authorization` when a redirect changes host). Any relay process can serve any call:
the stream is read from the store (`switchboard.services.transcript_stream`), never from the
process that holds the call. uvicorn runs in the relay's own event loop; the relay's lifecycle,
not uvicorn, handles signals.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from switchboard import signed
from switchboard.container import Container
from switchboard.errors import SwitchboardError
from switchboard.services import transcript_stream


def build_app(container: Container) -> Starlette:
    async def stream(request: Request) -> Response:
        call_id = request.path_params["call_id"]
        try:
            project_id = signed.verify(container.signing_key, request.query_params.get("token", ""), "transcript",
                                       call_id)
            call = await asyncio.to_thread(container.calls.get, project_id, call_id)
        except SwitchboardError as exc:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status)
        after = transcript_stream.resume_from(request.headers.get("last-event-id"))
        return StreamingResponse(transcript_stream.stream(container, project_id, call, after),
                                 media_type=transcript_stream.MEDIA_TYPE, headers=transcript_stream.HEADERS)

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    return Starlette(routes=[Route("/v1/calls/{call_id}/transcript/stream", stream, methods=["GET"]),
                             Route("/health", health, methods=["GET"])])


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the relay's lifecycle owns SIGTERM (drain), so uvicorn must not take it


class HttpSide:
    def __init__(self, container: Container, host: str, port: int) -> None:
        config = uvicorn.Config(build_app(container), host=host, port=port, log_level="warning", lifespan="off",
                                access_log=False)
        self.server = _Server(config)
        self.task: asyncio.Task[Any] | None = None

    async def start(self) -> HttpSide:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()  # raises why it could not start
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await self.task
