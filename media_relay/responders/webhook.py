"""The webhook responder: one signed `agent.message` per caller turn, the reply read as NDJSON.

Objects are yielded the moment their line is complete, so speech starts on the first chunk.
The webhook's timeout bounds the wait for the first byte and every gap between chunks (httpx's
read timeout is per read). A failure ends the turn, never the call, and is written to the
delivery log when the turn's outcome comes back.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from media_relay.engine.outcome import TurnKind, TurnOutcome
from media_relay.ndjson import NdjsonParser
from media_relay.records import CallContext, CallRecords
from media_relay.reply import ReplyChunk, parse_chunk
from media_relay.responders.port import TurnRequest
from switchboard.clock import iso, utcnow
from switchboard.logging import logger
from switchboard.net.client import Refused, aclose_shielded, aread_capped
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


MAX_REPLY_BYTES = 1_000_000  # one turn's reply; a webhook that streams on past it has its turn cut there


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
    resp: httpx.Response | None = None
    try:
        resp = await http.send(http.build_request("POST", url, content=body, headers=headers, timeout=limits),
                               stream=True)
        exchange.status = resp.status_code
        if not 200 <= resp.status_code < 300:
            exchange.body_head = (await aread_capped(resp, 1024)).decode(errors="replace")
            exchange.error = f"Webhook answered HTTP {resp.status_code}."
            return
        received = 0
        async for data in resp.aiter_bytes():
            if exchange.first_byte is None:
                exchange.first_byte = time.monotonic()
            received += len(data)
            if received > MAX_REPLY_BYTES:
                exchange.error = f"Webhook reply passed {MAX_REPLY_BYTES} bytes; the rest was not read."
                return
            if len(exchange.body_head) < 1024:
                exchange.body_head += data[:1024].decode(errors="replace")
            for obj in parser.feed(data):
                yield obj
                if not obj.get("interim"):
                    return
        for obj in parser.close():
            yield obj
    except Refused as exc:  # the guard refused the address: nothing was sent
        exchange.error = f"Webhook refused: {exc}"
    except httpx.TimeoutException:
        exchange.error = f"Webhook timed out (no bytes for {timeout:g} s)."
    except httpx.HTTPError as exc:
        exchange.error = f"Webhook request failed: {type(exc).__name__}."
    finally:
        exchange.skipped = parser.skipped
        if resp is not None:  # the reply is abandoned by cancellation as often as it ends
            await aclose_shielded(resp)


class WebhookResponder:
    """Asks the agent's (else the project's) webhook; keeps the call's history as the caller heard it."""

    def __init__(self, ctx: CallContext, http: httpx.AsyncClient, records: CallRecords) -> None:
        self.ctx, self.http, self.records = ctx, http, records
        self.history: list[dict[str, Any]] = []
        self.last_latency: dict[str, int | None] | None = None
        self.exchanges: dict[str, Exchange] = {}

    def payload(self, request: TurnRequest) -> dict[str, Any]:
        call, limit = self.ctx.call, self.ctx.context_limit
        data: dict[str, Any] = {
            "callId": call["id"], "transcript": request.transcript.text, "confidence": request.transcript.confidence,
            "from": call["fromNumber"], "to": call["toNumber"], "direction": call["direction"],
            "status": "in-progress", "numberId": call.get("phoneNumberId"), "turnId": request.turn_id}
        if self.ctx.contact:
            data["contact"] = self.ctx.contact
        if request.digits:
            data["digits"] = request.digits
        previous = request.previous
        if previous is not None and previous.interrupted:
            data["interrupted"] = {"heard": previous.heard, "notHeard": previous.not_heard}
        if self.last_latency:
            data["latencyMs"] = self.last_latency
        return {"event": "agent.message", "channel": "voice", "timestamp": iso(utcnow()),
                "agentId": self.ctx.agent["id"], "data": data,
                "recentHistory": self.history[-limit:] if limit else []}

    async def reply(self, request: TurnRequest) -> AsyncIterator[ReplyChunk]:
        exchange = self.exchanges[request.turn_id] = Exchange()
        hook = self.ctx.webhook
        if hook is None:
            exchange.error = "No webhook is set for this agent or project."
            return
        payload = self.payload(request)
        request.timing.request = time.monotonic()
        try:
            async for obj in respond(self.http, hook["url"], hook["secret"], float(hook["timeout"]), payload,
                                     exchange):
                request.timing.first_byte = exchange.first_byte
                yield parse_chunk(obj)
        finally:
            request.timing.first_byte = exchange.first_byte

    def _remember(self, content: str, direction: str) -> None:
        self.history.append({"content": content, "direction": direction, "channel": "voice", "at": iso(utcnow())})

    async def turn_finished(self, outcome: TurnOutcome) -> None:
        if outcome.transcript is not None and outcome.transcript.text:
            self._remember(outcome.transcript.text, "inbound")
        if outcome.heard:
            self._remember(outcome.heard, "outbound")
        if outcome.kind is TurnKind.ANSWER:
            self.last_latency = outcome.latency
        exchange = self.exchanges.pop(outcome.turn_id, None)
        if exchange is None or self.ctx.webhook is None:
            return
        note = "; ".join([*exchange.skipped, *outcome.problems]) or None
        try:
            await self.records.record_delivery(
                self.ctx, ok=exchange.ok, http_status=exchange.status, error=exchange.error or note,
                body=exchange.body_head[:1024] or None,
                duration_ms=max(0, round((time.monotonic() - exchange.started) * 1000)) if exchange.started else 0)
        except Exception:
            logger.exception("could not record a voice delivery", extra={"callId": self.ctx.call["id"]})
