"""The request body's gate: its size is counted while it streams in, and JSON is checked before any route.

Why here and not per model: every route stores what it is sent in DynamoDB and echoes parts of it
back, so a value that DynamoDB or a JSON response cannot hold is refused once, for all routes
(`/mcp` included), with a 400 that says what is wrong, instead of failing deep inside a write.
A chunked body is counted too, so a body without `Content-Length` meets the same 413.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, MutableMapping
from decimal import Decimal, DecimalException
from typing import Any

from switchboard.store.attribute_values import DYNAMODB_CONTEXT

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_DEPTH = 24  # DynamoDB stores at most 32 levels of nesting in an item; a body sits a level or two down


class BadBody(ValueError):
    """A JSON body the platform cannot store or answer with; the message is the response's sentence."""


def storable_number(value: int | float) -> bool:
    """True if DynamoDB can hold `value` exactly as boto3 would send it (38 digits, 1e-130 to 1e126)."""
    if isinstance(value, float) and not math.isfinite(value):
        return False
    try:
        DYNAMODB_CONTEXT.create_decimal(Decimal(repr(value)) if isinstance(value, float) else value)
    except DecimalException:
        return False
    return True


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_value(value: Any, depth: int = 0) -> None:
    """Raise BadBody for the first thing in `value` that cannot be stored or echoed."""
    if depth > MAX_DEPTH:
        raise BadBody(f"The request body is nested more than {MAX_DEPTH} levels deep.")
    if isinstance(value, str):
        if _has_lone_surrogate(value):
            raise BadBody("The request body holds a lone UTF-16 surrogate (\\ud800-\\udfff); send valid Unicode.")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        if not storable_number(value):
            raise BadBody(f"The number {value!r} cannot be stored: numbers must be finite, with at most 38 "
                          "significant digits, and 0 or between 1e-130 and 1e126 in size.")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not key:  # DynamoDB has no empty attribute names, nested ones included
                raise BadBody("The request body holds an object with an empty key; keys must not be empty.")
            check_value(key, depth + 1)
            check_value(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_value(item, depth + 1)


def _no_constants(name: str) -> Any:
    raise BadBody(f"'{name}' is not a JSON number; numbers must be finite.")


def check_json(body: bytes) -> None:
    """Raise BadBody for JSON the platform refuses; invalid JSON is left to the route's own error."""
    try:
        value = json.loads(body, parse_constant=_no_constants)
    except RecursionError as exc:
        raise BadBody(f"The request body is nested more than {MAX_DEPTH} levels deep.") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, BadBody):
            raise
        return
    check_value(value)


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return kind == b"application/json" or kind.endswith(b"+json")
    return False


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class BodyGuard:
    """ASGI middleware: 413 past `limit` bytes (declared or streamed), 400 for JSON nothing could store."""

    def __init__(self, app: App, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        too_large = f"The request body is larger than {self.limit} bytes."
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await _answer(send, 413, too_large)
                return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _answer(send, 413, too_large)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and _is_json(scope):
            try:
                check_json(body)
            except BadBody as exc:
                await _answer(send, 400, str(exc))
                return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the client's disconnect, as the server would say it

    return replay
