"""X-Twilio-Signature: HMAC-SHA1 over the URL plus the sorted form parameters (twilio.md §4)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

Params = Mapping[str, str | Sequence[str]]
_DEFAULT_PORTS = {"https": 443, "wss": 443, "http": 80, "ws": 80}


def _payload(url: str, params: Params) -> bytes:
    parts = [url]
    for name in sorted(params):
        value = params[name]
        values = [value] if isinstance(value, str) else sorted(set(value))
        parts.extend(name + v for v in values)
    return "".join(parts).encode()


def compute(url: str, params: Params, auth_token: str) -> str:
    digest = hmac.new(auth_token.encode(), _payload(url, params), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _port_variants(url: str) -> list[str]:
    """The URL as given, with the default port added, and with it removed (Twilio is inconsistent)."""
    parts = urlsplit(url)
    default = _DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    if default is None or not host:
        return [url]
    with_port = urlunsplit((parts.scheme, f"{host}:{default}", parts.path, parts.query, parts.fragment))
    without = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    if parts.port not in (None, default):
        return [url]
    return list(dict.fromkeys([url, with_port, without]))


def validate(url: str, params: Params, signature: str, auth_token: str) -> bool:
    """Whether `signature` is Twilio's signature of this request (constant-time compare)."""
    if not signature or not auth_token:
        return False
    return any(hmac.compare_digest(compute(u, params, auth_token), signature) for u in _port_variants(url))


def validate_json(url: str, body: bytes, signature: str, auth_token: str) -> bool:
    """JSON-bodied webhooks: the URL carries bodySHA256, the signature covers the URL alone."""
    query = dict(parse_qsl(urlsplit(url).query))
    expected = hashlib.sha256(body).hexdigest()
    if not hmac.compare_digest(query.get("bodySHA256", ""), expected):
        return False
    return validate(url, {}, signature, auth_token)


def websocket_url(http_url: str) -> str:
    """The wss:// (or ws://) URL Twilio signed, from the http(s) URL a proxy handed us."""
    parts = urlsplit(http_url)
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def signed_form(url: str, params: Mapping[str, str], auth_token: str) -> tuple[str, dict[str, str]]:
    """Encode a form post the way Twilio sends one: the body and its X-Twilio-Signature header."""
    return urlencode(params), {"X-Twilio-Signature": compute(url, params, auth_token),
                               "Content-Type": "application/x-www-form-urlencoded"}
