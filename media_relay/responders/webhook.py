"""The webhook responder: one signed `agent.message` per caller turn, the reply read as NDJSON.

Objects are yielded the moment their line is complete, so speech starts on the first chunk.
The webhook's timeout bounds the wait for the first byte and every gap between chunks (httpx's
read timeout is per read). A failure ends the turn, never the call, and is returned for the
delivery log.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from media_relay.ndjson import NdjsonParser
from switchboard.webhooks import signing


@dataclass
class Exchange:
    """What happened on one webhook request (for latency and the delivery record)."""

    delivery_id: str = field(default_factory=lambda: "dlv_" + uuid.uuid4().hex)
    started: float = 0.0
    first_byte: float | None = None
    status: int | None = None
    error: str | None = None
    body_head: str = ""
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


async def respond(http: httpx.AsyncClient, url: str, secret: str, timeout: float, payload: dict[str, Any],
                  exchange: Exchange) -> AsyncIterator[dict[str, Any]]:
    """Yield the reply's objects until the first one without `interim` closes the turn."""
    body = encode(payload)
    headers = signing.headers(secret, body, exchange.delivery_id)
    limits = httpx.Timeout(timeout, connect=min(timeout, 10.0))
    exchange.started = time.monotonic()
    parser = NdjsonParser()
    try:
        async with http.stream("POST", url, content=body, headers=headers, timeout=limits) as resp:
            exchange.status = resp.status_code
            if not 200 <= resp.status_code < 300:
                exchange.body_head = (await resp.aread())[:1024].decode(errors="replace")
                exchange.error = f"Webhook answered HTTP {resp.status_code}."
                return
            async for data in resp.aiter_bytes():
                if exchange.first_byte is None:
                    exchange.first_byte = time.monotonic()
                if len(exchange.body_head) < 1024:
                    exchange.body_head += data[:1024].decode(errors="replace")
                for obj in parser.feed(data):
                    yield obj
                    if not obj.get("interim"):
                        return
            for obj in parser.close():
                yield obj
    except httpx.TimeoutException:
        exchange.error = f"Webhook timed out (no bytes for {timeout:g} s)."
    except httpx.HTTPError as exc:
        exchange.error = f"Webhook request failed: {type(exc).__name__}."
    finally:
        exchange.skipped = parser.skipped
