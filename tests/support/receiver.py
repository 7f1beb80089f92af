"""A real HTTP webhook receiver for tests: records every request, answers as told."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response

from tests.support.servers import ThreadedUvicorn


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    status: int = 200
    changed: threading.Condition = field(default_factory=threading.Condition)

    def add(self, received: Received) -> None:
        with self.changed:
            self.requests.append(received)
            self.changed.notify_all()

    def wait(self, count: int, timeout: float = 10.0) -> list[Received]:
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"expected {count} webhook requests, got {len(self.requests)}")
            return list(self.requests)


@contextmanager
def webhook_receiver(status: int = 200, body: str = '{"ok": true}') -> Iterator[Receiver]:
    app = FastAPI()
    server = ThreadedUvicorn(app)
    receiver = Receiver(url=f"{server.url}/hook", status=status)

    @app.post("/hook")
    async def hook(request: Request) -> Any:
        receiver.add(Received(dict(request.headers), await request.body()))
        return Response(body, status_code=receiver.status, media_type="application/json")

    server.start()
    try:
        yield receiver
    finally:
        server.stop()
