"""Webhook events in tests: the delivery poller running in the background (what `make dev` runs),
and a receiver written the way AgentPhone's users write theirs: it dispatches on `event`,
answers voice turns, and records everything it gets."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from switchboard.container import Container
from switchboard_local.pollers import DeliveryPoller
from switchboard_local.runtime import load_function
from tests.support.servers import ThreadedUvicorn


@contextmanager
def delivering(container: Container, monkeypatch: Any) -> Iterator[DeliveryPoller]:
    """The deliveries Lambda handler fed from this test's queue, polling in the background."""
    module = load_function("deliveries")
    monkeypatch.setattr(module, "get_container", lambda: container)
    running = DeliveryPoller(container.aws_client("sqs"), container.settings.delivery_queue_url, module.handler,
                             wait_seconds=1)
    running.start()
    try:
        yield running
    finally:
        running.stop()  # a daemon thread; it ends after its current poll


@dataclass
class EventLog:
    url: str
    events: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)  # voice turns, in order; then "Okay."
    fail_first: set[str] = field(default_factory=set)  # events whose first delivery gets a 503
    changed: threading.Condition = field(default_factory=threading.Condition)

    def of(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == event]

    def wait_for(self, check: Callable[[EventLog], bool], timeout: float = 30.0) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: check(self), timeout):
                raise AssertionError(f"webhook never saw what was awaited; got {[e['event'] for e in self.events]}")


@contextmanager
def event_log(replies: list[dict[str, Any]] | None = None) -> Iterator[EventLog]:
    app = FastAPI()
    server = ThreadedUvicorn(app)
    log = EventLog(url=f"{server.url}/hook", replies=list(replies or []))

    @app.post("/hook")
    async def hook(request: Request) -> JSONResponse:
        event = json.loads(await request.body())
        with log.changed:
            first_time = event["event"] in log.fail_first
            log.fail_first.discard(event["event"])
            log.events.append(event)
            log.headers.append(dict(request.headers))
            log.changed.notify_all()
        if first_time:
            return JSONResponse({"detail": "try again"}, status_code=503)
        if event["event"] == "agent.message" and event.get("channel") == "voice":
            turn = len([e for e in log.of("agent.message") if e.get("channel") == "voice"]) - 1
            return JSONResponse(log.replies[turn] if turn < len(log.replies) else {"text": "Okay."})
        return JSONResponse({"ok": True})  # everything else: acknowledged, whatever it is

    server.start()
    try:
        yield log
    finally:
        server.stop()
