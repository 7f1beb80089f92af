"""Lambda: the public /v1 API (FastAPI under Mangum), built once per container."""

from __future__ import annotations

from typing import Any

from switchboard.init_phase import init_phase

# Built with the garbage collector paused, and then frozen (init_phase.py says why).
with init_phase():
    from switchboard.api.fastapi_import import import_fastapi

    import_fastapi()  # before anything imports FastAPI (fastapi_import.py says why)

    from aws_lambda_powertools import Logger, Metrics
    from mangum import Mangum

    from switchboard import tracing
    from switchboard.api import snapstart
    from switchboard.api.app import create_app

    logger = Logger(service="switchboard-api")
    tracer = tracing.tracer("switchboard-api")
    metrics = Metrics(namespace="Switchboard", service="api")

    app = create_app(telephony=False)
    # lifespan="off": Mangum would otherwise run startup and shutdown on every invocation.
    asgi = Mangum(app, lifespan="off")
    # Under SnapStart, what the app builds on first use is built before the snapshot instead.
    snapstart.register(app, asgi)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return asgi(event, context)
