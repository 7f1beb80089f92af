"""Create the local AWS resources in the emulator, from the same definitions as template.yaml."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from switchboard.store.schema import create_table, load_template
from switchboard_local.config import REPO_ROOT

TABLE = "switchboard"
QUEUE = "switchboard-deliveries"
DLQ = "switchboard-deliveries-dlq"
BUS = "switchboard"
OUTBOUND_QUEUE = "switchboard-outbound"
RECONCILE_QUEUE = "switchboard-reconcile"
OUTBOUND_RULE = "switchboard-outbound-requested"
SCHEDULE_GROUP = "switchboard-calls"
RECORDINGS = "switchboard-recordings"
# moto's account; local ARNs (the outbound function, the Scheduler role) name it like real ones would.
ACCOUNT = "123456789012"


@dataclass(frozen=True)
class LocalResources:
    table_name: str
    queue_url: str
    dlq_url: str
    event_bus_name: str
    outbound_queue_url: str = ""
    schedule_group_name: str = SCHEDULE_GROUP
    recordings_bucket: str = RECORDINGS
    reconcile_queue_url: str = ""


def provision(client: Any) -> LocalResources:
    """`client(service)` returns a boto3 client for the emulator."""
    create_table(client("dynamodb"), TABLE, REPO_ROOT / "template.yaml")
    sqs = client("sqs")
    dlq_url = sqs.create_queue(QueueName=DLQ)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue_url = sqs.create_queue(QueueName=QUEUE, Attributes={
        "VisibilityTimeout": "60",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"}),
    })["QueueUrl"]
    client("events").create_event_bus(Name=BUS)
    outbound_url = provision_outbound(client, BUS, OUTBOUND_QUEUE, SCHEDULE_GROUP)
    reconcile_url = sqs.create_queue(QueueName=RECONCILE_QUEUE, Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    from switchboard.recordings import RecordingStore

    RecordingStore(client("s3"), RECORDINGS).ensure_bucket()  # encrypted at rest, as in the template
    return LocalResources(TABLE, queue_url, dlq_url, BUS, outbound_url, SCHEDULE_GROUP, RECORDINGS, reconcile_url)


def outbound_rule_pattern() -> dict[str, Any]:
    """The event pattern of the template's rule that feeds functions/outbound."""
    events = load_template(REPO_ROOT / "template.yaml")["Resources"]["OutboundFunction"]["Properties"]["Events"]
    return events["Requested"]["Properties"]["Pattern"]


def provision_outbound(client: Any, bus_name: str, queue_name: str, group_name: str) -> str:
    """The template's rule (same pattern) on the local bus, and the schedule group; returns the queue's URL.

    moto delivers a rule's matches to SQS but not to Lambda, so the rule targets a queue that
    local mode's poller feeds to the outbound handler (with a dead-letter queue after three tries).
    """
    sqs = client("sqs")
    dlq_url = sqs.create_queue(QueueName=f"{queue_name}-dlq")["QueueUrl"]
    queue_url = sqs.create_queue(QueueName=queue_name, Attributes={
        "VisibilityTimeout": "30",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": _queue_arn(sqs, dlq_url), "maxReceiveCount": "3"}),
    })["QueueUrl"]
    events = client("events")
    events.put_rule(Name=OUTBOUND_RULE, EventBusName=bus_name, EventPattern=json.dumps(outbound_rule_pattern()))
    events.put_targets(Rule=OUTBOUND_RULE, EventBusName=bus_name,
                       Targets=[{"Id": "outbound", "Arn": _queue_arn(sqs, queue_url)}])
    client("scheduler").create_schedule_group(Name=group_name)
    return queue_url


def _queue_arn(sqs: Any, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
