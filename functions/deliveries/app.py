"""Lambda: SQS event queue → signed webhook POSTs (retries and dead-lettering in the domain)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from switchboard import tracing
from switchboard.container import get_container
from switchboard.webhooks.delivery import process_message

logger = Logger(service="switchboard-deliveries")
tracer = tracing.tracer("switchboard-deliveries")
metrics = Metrics(namespace="Switchboard", service="deliveries")
processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    outcome = process_message(get_container(), json.loads(record.body))
    metrics.add_metric(name=f"Webhook{outcome.capitalize()}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                    context=context)
