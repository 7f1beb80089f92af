"""Local mode's stand-in for the SQS → Lambda event source mapping: poll, invoke the same handler."""

from __future__ import annotations

from typing import Any

from switchboard.container import Container
from switchboard.logging import logger
from switchboard_local.runtime import LocalContext, Loop, load_function


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS integration would hand the function."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": {"ApproximateReceiveCount": m.get("Attributes", {}).get("ApproximateReceiveCount", "1"),
                       "SentTimestamp": m.get("Attributes", {}).get("SentTimestamp", "0")},
        "messageAttributes": {}, "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn, "awsRegion": "us-east-1",
    } for m in messages]}


class DeliveryPoller(Loop):
    """Any SQS-triggered function run locally: the deliveries one, and (named) the reconcile one."""

    def __init__(self, sqs: Any, queue_url: str, handler: Any, wait_seconds: int = 1,
                 name: str = "delivery-poller") -> None:
        super().__init__(name, failure_pause=1)
        self.function = name.removesuffix("-poller")
        self.sqs, self.queue_url, self.handler, self.wait_seconds = sqs, queue_url, handler, wait_seconds
        self.queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]

    @classmethod
    def from_container(cls, c: Container) -> DeliveryPoller:
        assert c.settings.delivery_queue_url, "local mode needs a delivery queue"
        return cls(c.aws_client("sqs"), c.settings.delivery_queue_url, load_function("deliveries").handler)

    def poll_once(self) -> int:
        """Receive a batch, run the handler, delete what succeeded; returns how many were received."""
        resp = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                        WaitTimeSeconds=self.wait_seconds, AttributeNames=["All"])
        messages = resp.get("Messages", [])
        if not messages:
            return 0
        try:
            result = self.handler(sqs_event(messages, self.queue_arn), LocalContext(self.function))
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception:  # the whole batch failed: leave every message for redelivery
            logger.exception("a local function failed a whole batch", extra={"function": self.function})
            return len(messages)
        for m in messages:
            if m["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        return len(messages)

    step = poll_once
