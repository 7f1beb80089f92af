"""Builds the FastAPI app: public /v1 routes plus the carrier-facing /telephony routes."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from switchboard.api import errors
from switchboard.container import Container, get_container


def create_app(container: Container | None = None, *, telephony: bool = True) -> FastAPI:
    from switchboard.api.routes import ROUTERS

    app = FastAPI(
        title="Switchboard API",
        version="0.1.0",
        description="AgentPhone-compatible phone numbers, voice calls and SMS for AI agents.",
    )
    app.state.container = container or get_container()
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    if telephony:
        from switchboard.telephony.routes import router as telephony_router

        app.include_router(telephony_router)

    limit = app.state.container.settings.max_body_bytes

    @app.middleware("http")
    async def refuse_large_bodies(request: Request, call_next: Any) -> Any:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > limit:
            return JSONResponse({"detail": f"The request body is larger than {limit} bytes."}, status_code=413)
        return await call_next(request)

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
