"""One signed webhook POST, with its outcome measured and never raised (the caller records it)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from switchboard.net.client import Refused, guarded_client, read_capped
from switchboard.net.guard import Resolver, system_resolver
from switchboard.webhooks import signing

RESPONSE_BODY_LIMIT = 1024


@dataclass(frozen=True)
class SendResult:
    ok: bool
    http_status: int | None
    response_body: str | None
    error_message: str | None
    duration_ms: int


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookSender:
    """Posts through the guarded client: the address is checked (and pinned) on every send, redirects are
    not followed, and at most RESPONSE_BODY_LIMIT bytes of the answer are ever read."""

    def __init__(self, local_mode: bool, http: httpx.Client | None = None,
                 resolver: Resolver = system_resolver) -> None:
        self.local_mode = local_mode
        self.http = http or guarded_client(local_mode=local_mode, resolver=resolver)

    def send(self, url: str, secret: str, payload: dict[str, Any], delivery_id: str, timeout: float) -> SendResult:
        started = time.monotonic()

        def done(ok: bool, status: int | None, body: str | None, error: str | None) -> SendResult:
            return SendResult(ok, status, body, error, int((time.monotonic() - started) * 1000))

        body = encode(payload)
        try:
            with self.http.stream("POST", url, content=body, headers=signing.headers(secret, body, delivery_id),
                                  timeout=timeout) as resp:
                head = read_capped(resp, RESPONSE_BODY_LIMIT)
        except Refused as exc:  # nothing was sent: the target is not one the platform may reach
            return done(False, None, None, f"Refused: {exc}")
        except httpx.TimeoutException:
            return done(False, None, None, f"Timed out after {timeout:g} s.")
        except httpx.HTTPError as exc:
            return done(False, None, None, f"Could not connect: {type(exc).__name__}.")
        text = head.decode("utf-8", errors="replace")
        ok = 200 <= resp.status_code < 300
        return done(ok, resp.status_code, text, None if ok else f"Webhook answered HTTP {resp.status_code}.")
