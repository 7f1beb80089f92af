"""One-off schedules: the port scheduled calls go through, and its EventBridge Scheduler adapter.

A scheduled call is one `at(...)` schedule, named after the call, in the deployment's schedule
group. When due it invokes the outbound function once with its payload and then deletes itself
(ActionAfterCompletion=DELETE). The payload is an EventBridge-shaped event whose `id`, `time`
and `resources` are Scheduler context attributes, filled in by Scheduler at each invocation
(by local mode's timer under moto, which stores schedules but never fires them).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from switchboard.errors import InvalidInput, UpstreamError

EXECUTION_ID = "<aws.scheduler.execution-id>"
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
SCHEDULE_ARN = "<aws.scheduler.schedule-arn>"
ATTEMPT_NUMBER = "<aws.scheduler.attempt-number>"

_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
NOT_SET_UP = ("Scheduled calls are not set up on this deployment (SWITCHBOARD_SCHEDULER_ROLE_ARN and "
              "SWITCHBOARD_OUTBOUND_FUNCTION_ARN); omit 'scheduledAt' to call now.")
# Scheduler's own retries of an invocation it could not make (throttling, a missing target): an hour's worth.
RETRY_POLICY = {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 20}


def due_second(when: datetime) -> datetime:
    """`when` rounded up to a whole second (at() has second precision; a call must never start early)."""
    when = when.astimezone(UTC)
    whole = when.replace(microsecond=0)
    return whole if whole == when else whole + timedelta(seconds=1)


def at_expression(when: datetime) -> str:
    return f"at({due_second(when).strftime('%Y-%m-%dT%H:%M:%S')})"


def parse_at(expression: str, timezone: str | None = "UTC") -> datetime | None:
    """The moment of a one-off `at(...)` expression (None for rate/cron expressions)."""
    match = _AT.match(expression.strip())
    if match is None:
        return None
    local = datetime.fromisoformat(match.group(1)).replace(tzinfo=ZoneInfo(timezone or "UTC"))
    return local.astimezone(UTC)


def scheduled_event(source: str, detail_type: str, detail: dict[str, Any], target_arn: str) -> dict[str, Any]:
    """The payload of a schedule: an EventBridge-shaped event, so the target parses one envelope type."""
    parts = target_arn.split(":")
    region, account = (parts[3], parts[4]) if len(parts) > 4 else ("", "")
    return {"version": "0", "id": EXECUTION_ID, "detail-type": detail_type, "source": source,
            "account": account, "time": SCHEDULED_TIME, "region": region, "resources": [SCHEDULE_ARN],
            "detail": detail}


def fill_context(payload: str, *, schedule_arn: str, scheduled_time: datetime, execution_id: str,
                 attempt: int = 1) -> str:
    """What Scheduler does to a payload before invoking the target (local mode's timer calls this)."""
    values = {EXECUTION_ID: execution_id, SCHEDULE_ARN: schedule_arn, ATTEMPT_NUMBER: str(attempt),
              SCHEDULED_TIME: scheduled_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    for placeholder, value in values.items():
        payload = payload.replace(placeholder, value)
    return payload


class OneOffScheduler(Protocol):
    @property
    def configured(self) -> bool:
        """Whether schedules can be created here (a target and a role are known)."""
        ...

    def create_one_off(self, name: str, at: datetime, payload: dict[str, Any]) -> None: ...

    def delete(self, name: str) -> bool:
        """Delete a schedule; False when there was none (already fired, or never made)."""
        ...


class EventBridgeScheduler:
    """EventBridge Scheduler through boto3 (AWS, and moto's server locally)."""

    def __init__(self, client: Any, group_name: str, *, target_arn: str | None, role_arn: str | None) -> None:
        self.client = client
        self.group_name = group_name
        self.target_arn = target_arn
        self.role_arn = role_arn

    @property
    def configured(self) -> bool:
        return bool(self.target_arn and self.role_arn)

    def create_one_off(self, name: str, at: datetime, payload: dict[str, Any]) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        if not self.configured:
            raise InvalidInput(NOT_SET_UP)
        try:
            self.client.create_schedule(
                Name=name, GroupName=self.group_name, ScheduleExpression=at_expression(at),
                ScheduleExpressionTimezone="UTC", FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE", State="ENABLED",
                Target={"Arn": self.target_arn, "RoleArn": self.role_arn, "Input": json.dumps(payload),
                        "RetryPolicy": RETRY_POLICY},
            )
        except (ClientError, BotoCoreError) as exc:
            raise UpstreamError(f"The call could not be scheduled ({exc}); try again shortly.", status=503) from exc

    def delete(self, name: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.delete_schedule(Name=name, GroupName=self.group_name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return False
            raise
        return True
