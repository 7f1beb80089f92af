"""Signed, expiring grants in a URL: for clients that cannot send the API key with a request.

An `<audio>` element cannot send `Authorization`, and HTTP clients drop it when a redirect changes
host, so a recording link or a redirected transcript stream carries its own proof instead: an
HMAC-SHA256, under the deployment's signing key, of what it grants (a purpose, a project and a
call) and until when. Nothing is stored; a token is worthless for another call, purpose or time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from switchboard.errors import Forbidden


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: str, payload: str) -> bytes:
    return hmac.new(key.encode(), payload.encode(), hashlib.sha256).digest()


def sign(key: str, purpose: str, project_id: str, call_id: str, expires_at: int) -> str:
    if not key:
        raise Forbidden("This deployment has no signing key (SWITCHBOARD_SIGNING_KEY), so it cannot sign links.")
    payload = f"{purpose}|{project_id}|{call_id}|{expires_at}"
    return f"{_b64(payload.encode())}.{_b64(_mac(key, payload))}"


def verify(key: str, token: str, purpose: str, call_id: str, now: float | None = None) -> str:
    """The project a valid token grants `purpose` on `call_id` for; Forbidden otherwise (and says why)."""
    try:
        encoded, mac = token.split(".", 1)
        payload = _unb64(encoded).decode()
        given = _unb64(mac)
        kind, project_id, called, expires = payload.split("|")
        expires_at = int(expires)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Forbidden("The link's token is malformed.") from exc
    if not key or not hmac.compare_digest(given, _mac(key, payload)):
        raise Forbidden("The link's token is not valid.")
    if kind != purpose or called != call_id:
        raise Forbidden("The link's token was not issued for this.")
    if (now if now is not None else time.time()) >= expires_at:
        raise Forbidden("The link has expired; ask the API for a new one.")
    return project_id
