"""The OpenAPI document as the API behaves: every error is `{"detail": "<sentence>"}` under its status.

FastAPI documents a 422 with its own list-shaped body; this API answers 400 with one sentence (see
`errors.py`), so the document says so, with every other status a route may answer. Clients and
the fuzz test (`tests/integration/test_fuzz_api.py`) hold the API to this document.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from switchboard.api.route_groups import LazyRoutes

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, as a sentence a person can act on."},
        "errors": {"type": "array", "items": {"type": "object"},
                   "description": "For validation errors (400): each field's problem."},
    },
}
ERRORS = {
    "400": "The request is invalid (bad field, bound or JSON); `detail` says which.",
    "401": "Missing, malformed, unknown or revoked API key.",
    "402": "Over the plan's limit (e.g. numbers).",
    "403": "Not allowed in this scope (e.g. sub-account management under `X-Sub-Account-Id`).",
    "404": "No such resource in this project (or route); another project's id is 404 too.",
    "409": "Conflicts with the current state (e.g. a number attached elsewhere, a reused Idempotency-Key).",
    "413": "The request body is larger than the limit (1,000,000 bytes), or would make a stored item too large.",
    "429": "Rate or concurrency limited; `Retry-After` says when to retry.",
    "502": "The carrier or a provider failed.",
    "503": "The carrier or a provider is unavailable; try again.",
}


def _document(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status, description in ERRORS.items():
                responses.setdefault(status, {"description": description, "content": error})
    for unused in ("HTTPValidationError", "ValidationError"):
        schema["components"]["schemas"].pop(unused, None)
    return schema


def install(app: FastAPI, routes: LazyRoutes) -> None:
    """Serve the corrected document at /openapi.json (built once, on first request, from every route)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            routes.ensure_all()
            app.openapi_schema = _document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
