"""Every error leaves the API as `{"detail": "<sentence>"}`, mapped here and nowhere else."""

from __future__ import annotations

import math
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from switchboard.errors import SwitchboardError
from switchboard.logging import logger
from switchboard.store.transient import UNAVAILABLE, is_transient

_LOC_SKIP = {"body", "query", "path", "header"}


def describe_validation(errors: list[Any]) -> str:
    """Flatten pydantic/FastAPI errors into one readable sentence per problem."""
    parts = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if str(p) not in _LOC_SKIP or len(err.get("loc", ())) == 1]
        where = ".".join(loc)
        kind = err.get("type", "")
        msg = err.get("msg", "is invalid")
        if kind == "json_invalid":
            parts.append("The request body is not valid JSON.")
            continue
        if kind == "missing":
            parts.append(f"'{where}' is required." if where else "The request body is required.")
            continue
        if kind == "model_attributes_type" or (kind == "dict_type" and not where):
            parts.append("The request body must be a JSON object.")
            continue
        msg = msg.removeprefix("Value error, ")
        parts.append(f"'{where}': {msg}." if where else f"{msg}.")
    return " ".join(parts) or "The request is invalid."


ECHO_CHARS = 200  # how much of a refused value a validation error repeats


def _safe(value: Any) -> Any:
    """A JSON-encodable copy of `value`: what a client sent may not be (NaN, a lone surrogate, bytes)."""
    if isinstance(value, str):
        text = value if len(value) <= ECHO_CHARS else value[:ECHO_CHARS] + "..."
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dict):
        return {str(_safe(str(k))): _safe(v) for k, v in list(value.items())[:20]}
    if isinstance(value, list | tuple):
        return [_safe(v) for v in value[:20]]
    return _safe(str(value))


def safe_errors(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic's field errors, made safe to send back as JSON."""
    return [_safe(dict(err)) for err in errors]


def install(app: FastAPI) -> None:
    @app.exception_handler(SwitchboardError)
    async def _domain(_: Request, exc: SwitchboardError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        return JSONResponse(
            {"detail": _safe(describe_validation(errors)), "errors": safe_errors(errors)},
            status_code=400,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 404 and detail == "Not Found":
            detail = "No such route."
        elif exc.status_code == 405:
            detail = "This method is not allowed on this route."
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    async def _aws(request: Request, exc: Exception) -> JSONResponse:
        if is_transient(exc):  # the store is away or throttling: the client should retry, nothing was wrong
            logger.warning("database unavailable", extra={"path": request.url.path, "error": repr(exc)})
            return JSONResponse({"detail": UNAVAILABLE}, status_code=503, headers={"Retry-After": "2"})
        return await _unexpected(request, exc)

    # AWS errors are handled inside the app (not by the outermost 500 handler, which re-raises).
    app.add_exception_handler(BotoCoreError, _aws)
    app.add_exception_handler(ClientError, _aws)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse({"detail": "Internal error; it has been logged."}, status_code=500)
