"""Lambda: calls whose final status callback was lost, finished from the carrier's record.

Two triggers: the reconcile queue (the relay asks for a check when a call's stream ends; SQS with a
delay) and a schedule (every 5 minutes: the sweep of calls stuck in a live state, and the release of
numbers whose `expiresAt` has passed).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from switchboard import tracing
from switchboard.container import get_container
from switchboard.services.numbers import release_expired
from switchboard.services.reconcile import handle_check, sweep

logger = Logger(service="switchboard-reconcile")
tracer = tracing.tracer("switchboard-reconcile")
metrics = Metrics(namespace="Switchboard", service="reconcile")
processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    outcome = handle_check(get_container(), json.loads(record.body))  # a carrier error: SQS retries it
    metrics.add_metric(name=f"Reconcile{outcome.capitalize()}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "Records" in event:
        return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)
    report = sweep(get_container())
    released, unreleased = release_expired(get_container())
    metrics.add_metric(name="SweepEnded", unit=MetricUnit.Count, value=len(report.ended))
    metrics.add_metric(name="NumbersExpired", unit=MetricUnit.Count, value=len(released))
    outcome = {"checked": report.checked, "ended": report.ended, "errors": report.errors,
               "numbersReleased": released, "numbersNotReleased": unreleased}
    logger.info("sweep", extra=outcome)
    return outcome
