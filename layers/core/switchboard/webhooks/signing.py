"""Webhook signatures: `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def headers(secret: str, body: bytes, delivery_id: str, timestamp: int | None = None) -> dict[str, str]:
    """Everything a receiver needs to verify a delivery (and to drop replays and duplicates)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "User-Agent": "Switchboard-Webhooks/1.0",
        "X-Webhook-Signature": sign(secret, body, ts),
        "X-Webhook-Timestamp": str(ts),
        "X-Webhook-Id": delivery_id,
    }
