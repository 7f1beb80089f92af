"""Lambda: the carrier-facing /telephony routes (inbound calls, call status), signature-checked."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from fastapi import FastAPI
from mangum import Mangum

from switchboard.api import errors
from switchboard.container import get_container
from switchboard.telephony.routes import router

logger = Logger(service="switchboard-telephony")
tracer = Tracer(service="switchboard-telephony")
metrics = Metrics(namespace="Switchboard", service="telephony")


def _app() -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.container = get_container()
    errors.install(app)
    app.include_router(router)
    return app


asgi = Mangum(_app(), lifespan="off")


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return asgi(event, context)
