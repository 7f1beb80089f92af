"""One signed webhook POST, with its outcome measured and never raised (the caller records it)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from switchboard.errors import InvalidInput
from switchboard.webhooks import signing
from switchboard.webhooks.ssrf import check_url

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
    def __init__(self, local_mode: bool, http: httpx.Client | None = None) -> None:
        self.local_mode = local_mode
        self.http = http or httpx.Client(follow_redirects=False)

    def send(self, url: str, secret: str, payload: dict[str, Any], delivery_id: str, timeout: float) -> SendResult:
        started = time.monotonic()

        def done(ok: bool, status: int | None, body: str | None, error: str | None) -> SendResult:
            return SendResult(ok, status, body, error, int((time.monotonic() - started) * 1000))

        try:
            check_url(url, local_mode=self.local_mode)
        except InvalidInput as exc:
            return done(False, None, None, exc.detail)
        body = encode(payload)
        try:
            resp = self.http.post(url, content=body, headers=signing.headers(secret, body, delivery_id),
                                  timeout=timeout)
        except httpx.TimeoutException:
            return done(False, None, None, f"Timed out after {timeout:g} s.")
        except httpx.HTTPError as exc:
            return done(False, None, None, f"Could not connect: {type(exc).__name__}.")
        text = resp.text[:RESPONSE_BODY_LIMIT]
        ok = 200 <= resp.status_code < 300
        return done(ok, resp.status_code, text, None if ok else f"Webhook answered HTTP {resp.status_code}.")
