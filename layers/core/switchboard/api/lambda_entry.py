"""The two FastAPI functions' init, once: the public /v1 API and the carrier-facing /telephony routes differ
only in their name and which routes they mount.

Call it inside `init_phase()` (init_phase.py says why) and before anything else imports FastAPI
(fastapi_import.py says why): the function modules do both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from switchboard.api.fastapi_import import import_fastapi

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True)
class FastApiLambda:
    app: Any  # the FastAPI application (tests and the SnapStart hooks read its state)
    tracer: Any
    handler: Handler


def fastapi_lambda(service: str, **app_options: bool) -> FastApiLambda:
    """The app for `create_app(**app_options)` under Mangum, with Powertools' logging, tracing and metrics
    named `switchboard-<service>`."""
    import_fastapi()

    from aws_lambda_powertools import Logger, Metrics
    from mangum import Mangum

    from switchboard import tracing
    from switchboard.api import snapstart
    from switchboard.api.app import create_app

    logger = Logger(service=f"switchboard-{service}")
    tracer = tracing.tracer(f"switchboard-{service}")
    metrics = Metrics(namespace="Switchboard", service=service)
    app = create_app(**app_options)
    # lifespan="off": Mangum would otherwise run startup and shutdown on every invocation.
    asgi = Mangum(app, lifespan="off")
    # Under SnapStart, what the app builds on first use is built before the snapshot instead.
    snapstart.register(app, asgi)

    @logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
    @tracer.capture_lambda_handler
    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return asgi(event, context)

    return FastApiLambda(app, tracer, handler)
