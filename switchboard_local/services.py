"""The long-running pieces of local mode besides the API: carrier, queue poller, sweeps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from switchboard.container import Container
from switchboard_local.runtime import Loop


class Stoppable(Protocol):
    def stop(self) -> None: ...


def carrier_app(identity: dict[str, Any]) -> Any:
    """The local carrier: Twilio's REST API and call machinery, with this deployment's credentials."""
    from switchboard_local.carrier.app import create_app

    return create_app(account_sid=identity["twilioAccountSid"], auth_token=identity["twilioAuthToken"])


class Every(Loop):
    """Run a job every `seconds` until stopped (local stand-in for a scheduled Lambda)."""

    def __init__(self, seconds: float, job: Callable[[], object], name: str) -> None:
        super().__init__(name, interval=seconds)
        self.job = job

    def step(self) -> object:
        return self.job()


def background_tasks(c: Container) -> list[Stoppable]:
    """The delivery poller (SQS → the deliveries Lambda handler), functions/reconcile's triggers (its
    schedule also releases expired numbers), and what invokes the outbound handler: the bus rule's
    queue poller and the schedule timer."""
    from switchboard_local.pollers import DeliveryPoller

    poller = DeliveryPoller.from_container(c)
    poller.start()
    return [poller, *reconcile_tasks(c), *outbound_tasks(c)]


def reconcile_tasks(c: Container, sweep_seconds: float = 60) -> list[Stoppable]:
    """functions/reconcile's two triggers: its queue (checks the relay asks for) and the sweep's schedule."""
    from switchboard_local.pollers import DeliveryPoller
    from switchboard_local.runtime import LocalContext, load_function

    if not c.settings.reconcile_queue_url:
        return []
    handler = load_function("reconcile").handler
    checks = DeliveryPoller(c.aws_client("sqs"), c.settings.reconcile_queue_url, handler, name="reconcile-poller")
    sweep = Every(sweep_seconds, lambda: handler({"source": "aws.events", "detail-type": "Scheduled Event"},
                                                 LocalContext("reconcile")), "reconcile-sweep")
    checks.start()
    sweep.start()
    return [checks, sweep]


def outbound_tasks(c: Container) -> list[Stoppable]:
    """OutboundCallRequested on the local bus, and due scheduled calls, into functions/outbound's handler."""
    from switchboard_local.outbound import LocalScheduler, OutboundPoller, load_outbound_handler
    from switchboard_local.provision import ACCOUNT, OUTBOUND_QUEUE

    handler = load_outbound_handler()
    sqs = c.aws_client("sqs")
    events = OutboundPoller(sqs, sqs.get_queue_url(QueueName=OUTBOUND_QUEUE)["QueueUrl"], handler, account=ACCOUNT)
    schedules = LocalScheduler(c.aws_client("scheduler"), c.settings.schedule_group_name, handler)
    events.start()
    schedules.start()
    return [events, schedules]
