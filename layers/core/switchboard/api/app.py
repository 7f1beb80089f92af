"""Builds the FastAPI app: public /v1 routes plus the carrier-facing /telephony routes."""

from __future__ import annotations

from fastapi import FastAPI

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

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
