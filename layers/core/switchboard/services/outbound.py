"""functions/outbound: `OutboundCallRequested` events and due scheduled calls become calls, once each.

Both arrive as EventBridge-shaped events (the platform bus's rule; a schedule's payload) and are
parsed with Powertools' parser. A requested call passes the checks of POST /v1/calls
(`services.calls.place`) once its project is known to exist. The event id is an idempotency
key (Powertools idempotency on the table, kept 24 h), so a redelivered event returns the first
outcome and places nothing. A request that cannot be honoured is logged, answered on the bus
with `CallFailed` (`invalid-request`) and dropped, never raised, so never retried; only
transient trouble (the concurrent-call limit, AWS errors) raises, for Lambda to retry.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from switchboard.container import Container
from switchboard.errors import Conflict, SwitchboardError, UpstreamError
from switchboard.logging import logger
from switchboard.models.call import Call
from switchboard.services import calls, outcomes
from switchboard.services.idempotency import Idempotency

REQUESTED = "OutboundCallRequested"
EVENT_OPERATION = "outbound_event"


def handle(c: Container, event: Any, lambda_context: Any = None) -> dict[str, Any]:
    """Route one event to its action; the answer names the outcome (and the call, when there is one)."""
    detail_type = event.get("detail-type") if isinstance(event, dict) else None
    if detail_type == REQUESTED:
        return requested(c, event, lambda_context)
    if detail_type == calls.SCHEDULED_CALL_DUE:
        return scheduled(c, event)
    logger.warning("dropped an event the outbound function does not take", extra={"detailType": detail_type})
    return {"outcome": "ignored"}


def requested(c: Container, event: dict[str, Any], lambda_context: Any = None) -> dict[str, Any]:
    """An OutboundCallRequested event: place (or schedule) its call once per event id."""
    from aws_lambda_powertools.utilities.parser import parse
    from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

    try:
        envelope = parse(event=event, model=EventBridgeModel)
        if not envelope.id.strip():
            raise ValueError("the event has no id")
    except (ValueError, TypeError) as exc:
        logger.warning("dropped a malformed OutboundCallRequested event", extra={"error": str(exc)})
        return {"outcome": "rejected", "detail": "The event is not an EventBridge event."}
    detail = envelope.detail if isinstance(envelope.detail, dict) else {}
    project_id = detail.get("projectId") if isinstance(detail.get("projectId"), str) else ""
    ran = []

    def act() -> dict[str, Any]:
        ran.append(True)
        return _request_call(c, envelope, detail)

    try:
        result = _event_dedup(c).run(EVENT_OPERATION, project_id, envelope.id, detail, act,
                                     lambda_context=lambda_context)
    except Conflict as exc:  # being handled right now, or the same id with another detail
        logger.info("dropped a duplicate OutboundCallRequested event", extra={"eventId": envelope.id,
                                                                               "reason": exc.detail})
        return {"outcome": "duplicate", "eventId": envelope.id}
    if not ran:
        logger.info("OutboundCallRequested redelivered: already handled",
                    extra={"eventId": envelope.id, "first": result.get("outcome"), "callId": result.get("callId")})
        return {**result, "outcome": "duplicate", "first": result.get("outcome")}
    return result


def _event_dedup(c: Container) -> Idempotency:
    # Its own persistence layer: Powertools re-prefixes a layer on every use, so the API's
    # `Idempotency-Key` run nested inside this one must not share it.
    return Idempotency(c.dynamodb, c.settings.table_name)


def _request_call(c: Container, envelope: Any, detail: dict[str, Any]) -> dict[str, Any]:
    from switchboard.models.outbound import OutboundCallRequest

    def reject(reason: str, project_id: str | None) -> dict[str, Any]:
        logger.warning("refused an OutboundCallRequested event",
                       extra={"eventId": envelope.id, "source": envelope.source, "reason": reason})
        outcomes.publish_rejection(c, project_id=project_id, event_id=envelope.id, source=envelope.source,
                                   reason=reason, metadata=detail.get("metadata"))
        return {"outcome": "rejected", "eventId": envelope.id, "detail": reason}

    try:
        request = OutboundCallRequest.model_validate(detail)
    except ValidationError as exc:
        return reject(describe(exc), detail.get("projectId") if isinstance(detail.get("projectId"), str) else None)
    project_id = request.projectId
    if c.projects.get(project_id) is None:
        return reject(f"No project '{project_id}' on this deployment.", project_id)
    body = request.call_create()
    origin = {"requestEventId": envelope.id, "requestSource": envelope.source}
    try:
        call = c.idempotency.run("create_call", project_id, request.idempotencyKey, body.model_dump(mode="json"),
                                 lambda: Call.model_validate(calls.place(c, project_id, body, origin=origin))
                                 .model_dump(mode="json"))
    except UpstreamError as exc:  # the call exists, has failed, and its CallFailed is on the bus
        return {"outcome": "failed", "eventId": envelope.id, "detail": exc.detail}
    except SwitchboardError as exc:
        if exc.retryable:
            raise
        return reject(exc.detail, project_id)
    outcome = "scheduled" if call.get("scheduledAt") and call["status"] == "queued" else "placed"
    logger.info("OutboundCallRequested handled", extra={"eventId": envelope.id, "callId": call["id"],
                                                        "outcome": outcome, "projectId": project_id})
    return {"outcome": outcome, "eventId": envelope.id, "callId": call["id"]}


def scheduled(c: Container, event: dict[str, Any]) -> dict[str, Any]:
    """A scheduled call's schedule fired: place the stored call (a repeated firing places nothing)."""
    from aws_lambda_powertools.utilities.parser import parse

    from switchboard.models.outbound import ScheduledCallDueEvent

    try:
        due = parse(event=event, model=ScheduledCallDueEvent).detail
    except (ValueError, TypeError) as exc:
        logger.warning("dropped a malformed ScheduledCallDue event", extra={"error": str(exc)})
        return {"outcome": "rejected", "detail": "The event is not a ScheduledCallDue event."}
    outcome, call = calls.dial_scheduled(c, due.projectId, due.callId)
    logger.info("scheduled call due", extra={"callId": due.callId, "projectId": due.projectId, "outcome": outcome,
                                             "status": call and call.get("status")})
    return {"outcome": outcome, "callId": due.callId}


def describe(exc: ValidationError) -> str:
    """One readable sentence per problem in an event's detail."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()))
        if err.get("type") == "missing":
            parts.append(f"'{where}' is required.")
        else:
            parts.append(f"'{where}': {err.get('msg', 'is invalid').removeprefix('Value error, ')}.")
    return "The event's detail is invalid: " + " ".join(parts)
