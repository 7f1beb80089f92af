"""Local mode's stand-ins for what invokes functions/outbound in AWS, invoking the same handler.

- The EventBridge rule → Lambda: moto delivers the rule's matches to an SQS queue
  (`provision_outbound`); `OutboundPoller` hands each message's event to the handler.
- EventBridge Scheduler: moto stores schedules but never fires them; `LocalScheduler` watches
  the schedule group and, when an `at(...)` schedule is due, invokes the handler with the
  schedule's input (context attributes filled in, as Scheduler does) and deletes the schedule.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from switchboard.clock import Clock, utcnow
from switchboard.logging import logger
from switchboard.scheduling import fill_context, parse_at

HANDLER = Path(__file__).resolve().parents[4] / "functions" / "outbound" / "app.py"
Handler = Callable[[dict[str, Any], Any], Any]


def load_outbound_handler(path: Path = HANDLER) -> Handler:
    """functions/outbound/app.py's handler, imported by path (functions/ is not a package, as in Lambda)."""
    spec = importlib.util.spec_from_file_location("switchboard_outbound_handler", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handler


class OutboundContext:
    function_name = "switchboard-outbound-local"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:switchboard-outbound-local"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


class OutboundPoller(threading.Thread):
    """SQS (the local rule's target) → the outbound handler, one event at a time.

    A handler exception leaves the message in the queue: it comes back after the visibility
    timeout and goes to the dead-letter queue after three tries, like Lambda's async retries.
    """

    def __init__(self, sqs: Any, queue_url: str, handler: Handler, *, account: str, wait_seconds: int = 1) -> None:
        super().__init__(name="outbound-poller", daemon=True)
        self.sqs, self.queue_url, self.handler = sqs, queue_url, handler
        self.account, self.wait_seconds = account, wait_seconds
        self._halt = threading.Event()

    def poll_once(self) -> int:
        resp = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                        WaitTimeSeconds=self.wait_seconds)
        messages = resp.get("Messages", [])
        for message in messages:
            event = json.loads(message["Body"])
            event.setdefault("account", self.account)  # moto's envelope leaves it out; EventBridge's has it
            try:
                self.handler(event, OutboundContext())
            except Exception:
                logger.exception("outbound handler failed; the event will be retried",
                                 extra={"eventId": event.get("id")})
                continue
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self.poll_once()
            except Exception:
                logger.exception("outbound poller error")
                self._halt.wait(1)

    def stop(self) -> None:
        self._halt.set()


@dataclass
class _Schedule:
    arn: str
    due: datetime
    payload: str
    delete_after: bool
    attempts: int = 0
    next_try: datetime | None = None
    done: bool = False  # an at() schedule fires once; one kept after completion stays, inert


class LocalScheduler(threading.Thread):
    """Fires the group's one-off schedules at their due time (moto never does)."""

    MAX_ATTEMPTS = 3
    RETRY_AFTER = timedelta(seconds=10)

    def __init__(self, client: Any, group_name: str, handler: Handler, *, interval: float = 0.5,
                 clock: Clock = utcnow) -> None:
        super().__init__(name="local-scheduler", daemon=True)
        self.client, self.group_name, self.handler = client, group_name, handler
        self.interval, self.clock = interval, clock
        self._known: dict[str, _Schedule] = {}
        self._halt = threading.Event()

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
            self.handler(json.loads(payload), OutboundContext())
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

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            try:
                self.tick()
            except Exception:
                logger.exception("local scheduler error")

    def stop(self) -> None:
        self._halt.set()
