"""Local mode's stand-ins for what invokes functions/outbound in AWS, invoking the same handler.

- The EventBridge rule → Lambda: moto delivers the rule's matches to an SQS queue
  (`provision_outbound`); `OutboundPoller` hands each message's event to the handler.
- EventBridge Scheduler: moto stores schedules but never fires them; `LocalScheduler` watches
  the schedule group and, when an `at(...)` schedule is due, invokes the handler with the
  schedule's input (context attributes filled in, as Scheduler does) and deletes the schedule.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from switchboard.clock import Clock, utcnow
from switchboard.logging import logger
from switchboard.scheduling import fill_context, parse_at
from switchboard_local.runtime import LocalContext, Loop, load_function

Handler = Callable[[dict[str, Any], Any], Any]


def load_outbound_handler() -> Handler:
    return load_function("outbound").handler


def outbound_context() -> LocalContext:
    return LocalContext("outbound", memory_mb=512, timeout_ms=30_000)


class OutboundPoller(Loop):
    """SQS (the local rule's target) → the outbound handler, one event at a time.

    A handler exception leaves the message in the queue: it comes back after the visibility
    timeout and goes to the dead-letter queue after three tries, like Lambda's async retries.
    """

    def __init__(self, sqs: Any, queue_url: str, handler: Handler, *, account: str, wait_seconds: int = 1) -> None:
        super().__init__("outbound-poller", failure_pause=1)
        self.sqs, self.queue_url, self.handler = sqs, queue_url, handler
        self.account, self.wait_seconds = account, wait_seconds

    def poll_once(self) -> int:
        resp = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                        WaitTimeSeconds=self.wait_seconds)
        messages = resp.get("Messages", [])
        for message in messages:
            event = json.loads(message["Body"])
            event.setdefault("account", self.account)  # moto's envelope leaves it out; EventBridge's has it
            try:
                self.handler(event, outbound_context())
            except Exception:
                logger.exception("outbound handler failed; the event will be retried",
                                 extra={"eventId": event.get("id")})
                continue
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    step = poll_once


@dataclass
class _Schedule:
    arn: str
    due: datetime
    payload: str
    delete_after: bool
    attempts: int = 0
    next_try: datetime | None = None
    done: bool = False  # an at() schedule fires once; one kept after completion stays, inert


class LocalScheduler(Loop):
    """Fires the group's one-off schedules at their due time (moto never does)."""

    MAX_ATTEMPTS = 3
    RETRY_AFTER = timedelta(seconds=10)

    def __init__(self, client: Any, group_name: str, handler: Handler, *, interval: float = 0.5,
                 clock: Clock = utcnow) -> None:
        super().__init__("local-scheduler", interval=interval)
        self.client, self.group_name, self.handler, self.clock = client, group_name, handler, clock
        self._known: dict[str, _Schedule] = {}

    def tick(self) -> int:
        """Fire what is due; returns how many schedules fired."""
        names = self._list()
        for gone in set(self._known) - names:  # deleted (a canceled call) or fired
            del self._known[gone]
        now = self.clock()
        due = [(name, s) for name in names if (s := self._learn(name)) is not None and not s.done
               and s.due <= now and (s.next_try is None or s.next_try <= now)]
        return sum(self._fire(name, schedule) for name, schedule in sorted(due, key=lambda d: d[1].due))

    def _list(self) -> set[str]:
        names: set[str] = set()
        for page in self.client.get_paginator("list_schedules").paginate(GroupName=self.group_name):
            names |= {s["Name"] for s in page.get("Schedules", []) if s.get("State", "ENABLED") == "ENABLED"}
        return names

    def _learn(self, name: str) -> _Schedule | None:
        if name not in self._known:
            from botocore.exceptions import ClientError

            try:
                got = self.client.get_schedule(Name=name, GroupName=self.group_name)
            except ClientError:
                return None  # deleted between the list and now
            due = parse_at(got["ScheduleExpression"], got.get("ScheduleExpressionTimezone"))
            if due is None:
                logger.warning("local scheduler runs only at(...) schedules", extra={"schedule": name})
                return None
            self._known[name] = _Schedule(got["Arn"], due, got["Target"].get("Input", "{}"),
                                          got.get("ActionAfterCompletion") == "DELETE")
        return self._known[name]

    def _fire(self, name: str, schedule: _Schedule) -> int:
        schedule.attempts += 1
        payload = fill_context(schedule.payload, schedule_arn=schedule.arn, scheduled_time=schedule.due,
                               execution_id=uuid.uuid4().hex[:16], attempt=schedule.attempts)
        try:
            self.handler(json.loads(payload), outbound_context())
        except Exception:
            logger.exception("scheduled invocation failed", extra={"schedule": name, "attempt": schedule.attempts})
            if schedule.attempts < self.MAX_ATTEMPTS:
                schedule.next_try = self.clock() + self.RETRY_AFTER
                return 0
        schedule.done = True
        if schedule.delete_after:
            self._delete_schedule(name)
        return 1

    def _delete_schedule(self, name: str) -> None:
        from botocore.exceptions import ClientError

        with contextlib.suppress(ClientError):  # already gone: the call was canceled meanwhile
            self.client.delete_schedule(Name=name, GroupName=self.group_name)
        self._known.pop(name, None)

    step = tick
