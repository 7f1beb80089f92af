"""One-off schedule expressions and Scheduler's context attributes (switchboard.scheduling)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from switchboard.scheduling import (
    EXECUTION_ID,
    SCHEDULE_ARN,
    SCHEDULED_TIME,
    at_expression,
    due_second,
    fill_context,
    parse_at,
    scheduled_event,
)


def test_at_expression_is_utc_and_never_early() -> None:
    assert at_expression(datetime(2026, 12, 1, 9, 30, tzinfo=UTC)) == "at(2026-12-01T09:30:00)"
    assert at_expression(datetime(2026, 12, 1, 9, 30, 0, 1000, tzinfo=UTC)) == "at(2026-12-01T09:30:01)"
    assert at_expression(datetime.fromisoformat("2026-12-01T10:30:00+01:00")) == "at(2026-12-01T09:30:00)"
    assert due_second(datetime(2026, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC)) == datetime(2027, 1, 1, tzinfo=UTC)


def test_parse_at_reads_one_off_expressions_in_their_timezone() -> None:
    assert parse_at("at(2026-12-01T09:30:00)") == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert parse_at("at(2026-12-01T09:30:00)", "Europe/Paris") == datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    assert parse_at("rate(5 minutes)") is None and parse_at("cron(0 9 * * ? *)") is None


def test_a_schedule_payload_becomes_an_eventbridge_event_when_fired() -> None:
    arn = "arn:aws:lambda:eu-west-1:111122223333:function:sb-outbound:live"
    payload = scheduled_event("switchboard.scheduler", "ScheduledCallDue", {"callId": "call_1"}, arn)
    assert (payload["account"], payload["region"]) == ("111122223333", "eu-west-1")
    assert (payload["id"], payload["time"], payload["resources"]) == (EXECUTION_ID, SCHEDULED_TIME, [SCHEDULE_ARN])
    fired = json.loads(fill_context(json.dumps(payload), schedule_arn="arn:aws:scheduler:::schedule/g/call_1",
                                    scheduled_time=datetime(2026, 12, 1, 9, 30, tzinfo=UTC), execution_id="e1"))
    assert fired["id"] == "e1" and fired["time"] == "2026-12-01T09:30:00Z"
    assert fired["resources"] == ["arn:aws:scheduler:::schedule/g/call_1"]
    assert fired["detail"] == {"callId": "call_1"}
