"""Builds the FastAPI app: public /v1 routes plus the carrier-facing /telephony routes."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request

from switchboard.api import errors, openapi, pydantic_v1, routes
from switchboard.api.body_guard import BodyGuard
from switchboard.api.route_groups import BuildRoutes, LazyRoutes
from switchboard.container import Container, get_container

DESCRIPTION = """AgentPhone-compatible phone numbers, voice calls and SMS for AI agents.

Limits (each a 400 naming the field unless said): request bodies at most 1,000,000 bytes (413, streamed
bodies too); JSON numbers finite and storable by DynamoDB (at most 38 significant digits, 0 or 1e-130 to
1e126 in size); no lone UTF-16 surrogates; objects nested at most 24 deep and without empty keys;
strings at most 10,000 characters unless a field says otherwise; `metadata`, `variables` and tool
`parameters` at most 100 keys and 16,384 bytes as JSON; `offset` 0-10,000. Errors are always
`{"detail": "<sentence>"}`; an unavailable or throttling database is 503 with Retry-After."""


def create_app(container: Container | None = None, *, public: bool = True, telephony: bool = True) -> FastAPI:
    """The API app; Lambda builds one per function with only its own routes (`public`, `telephony`)."""
    pydantic_v1.install()
    app = FastAPI(
        title="Switchboard API",
        version="0.1.0",
        description=DESCRIPTION,
        **({} if public else {"openapi_url": None, "docs_url": None, "redoc_url": None}),
    )
    app.state.container = container or get_container()
    # Route groups are built when a request first reaches them (route_groups.py), /openapi.json builds all.
    lazy = LazyRoutes(app, (routes.PUBLIC if public else []) + (routes.TELEPHONY if telephony else []))
    app.state.route_groups = lazy
    errors.install(app)
    openapi.install(app, lazy)
    if public:
        from switchboard.mcp.endpoint import McpEndpoint

        # AgentPhone's MCP tools over Streamable HTTP (an ASGI endpoint, so no trailing-slash redirect).
        app.add_route("/mcp", McpEndpoint(lambda: app.state.container), methods=["GET", "POST", "DELETE"],
                      include_in_schema=False)
        from fastapi.responses import RedirectResponse
        from fastapi.staticfiles import StaticFiles

        from switchboard.console import STATIC

        # The web console: static files, no build step (it calls the same /v1 API with the user's key).
        app.add_route("/console", lambda request: RedirectResponse("/console/"), include_in_schema=False)
        app.mount("/console/", StaticFiles(directory=STATIC, html=True), name="console")

    settings = app.state.container.settings
    limit = settings.max_body_bytes

    @app.middleware("http")
    async def learn_public_url(request: Request, call_next: Any) -> Any:
        # In AWS without a custom domain, the public URL is API Gateway's own domain, taken from
        # the request context API Gateway writes (never from a client's Host header).
        if not settings.public_base_url:
            domain = request.scope.get("aws.event", {}).get("requestContext", {}).get("domainName")
            if domain:
                settings.public_base_url = f"https://{domain}"
        return await call_next(request)

    app.add_middleware(BuildRoutes, routes=lazy)
    # Outermost: bodies are counted (413, streamed or not) and JSON checked before anything reads them.
    app.add_middleware(BodyGuard, limit=limit)

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
