"""Lambda: OutboundCallRequested events (EventBridge rule) and due scheduled calls (Scheduler) → calls."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from switchboard import tracing
from switchboard.container import get_container
from switchboard.services.outbound import handle

logger = Logger(service="switchboard-outbound")
tracer = tracing.tracer("switchboard-outbound")
metrics = Metrics(namespace="Switchboard", service="outbound")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # Invalid requests come back as an outcome, not an exception: an exception means "retry me".
    result = handle(get_container(), event, context)
    metrics.add_metric(name=f"Outbound{result['outcome'].capitalize()}", unit=MetricUnit.Count, value=1)
    return result
