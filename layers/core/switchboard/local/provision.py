"""Create the local AWS resources in the emulator, from the same definitions as template.yaml."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from switchboard.local.config import REPO_ROOT
from switchboard.store.schema import create_table

TABLE = "switchboard"
QUEUE = "switchboard-deliveries"
DLQ = "switchboard-deliveries-dlq"
BUS = "switchboard"


@dataclass(frozen=True)
class LocalResources:
    table_name: str
    queue_url: str
    dlq_url: str
    event_bus_name: str


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
    return LocalResources(TABLE, queue_url, dlq_url, BUS)
