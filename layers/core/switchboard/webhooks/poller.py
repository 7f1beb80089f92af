"""Local mode's stand-in for the SQS → Lambda event source mapping: poll, invoke the same handler."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

from switchboard.container import Container
from switchboard.logging import logger

HANDLER = Path(__file__).resolve().parents[4] / "functions" / "deliveries" / "app.py"


def load_handler_module(path: Path = HANDLER) -> ModuleType:
    """Import functions/deliveries/app.py by path (functions/ is not a package, like in Lambda)."""
    spec = importlib.util.spec_from_file_location("switchboard_deliveries_handler", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LocalContext:
    function_name = "switchboard-deliveries-local"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:switchboard-deliveries-local"
    aws_request_id = "local"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS integration would hand the function."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": {"ApproximateReceiveCount": m.get("Attributes", {}).get("ApproximateReceiveCount", "1"),
                       "SentTimestamp": m.get("Attributes", {}).get("SentTimestamp", "0")},
        "messageAttributes": {}, "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn, "awsRegion": "us-east-1",
    } for m in messages]}


class DeliveryPoller(threading.Thread):
    def __init__(self, sqs: Any, queue_url: str, handler: Any, wait_seconds: int = 1) -> None:
        super().__init__(name="delivery-poller", daemon=True)
        self.sqs, self.queue_url, self.handler, self.wait_seconds = sqs, queue_url, handler, wait_seconds
        self._halt = threading.Event()
        self.queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]

    @classmethod
    def from_container(cls, c: Container) -> DeliveryPoller:
        assert c.settings.delivery_queue_url, "local mode needs a delivery queue"
        return cls(c.aws_client("sqs"), c.settings.delivery_queue_url, load_handler_module().handler)

    def poll_once(self) -> int:
        """Receive a batch, run the handler, delete what succeeded; returns how many were received."""
        resp = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                        WaitTimeSeconds=self.wait_seconds, AttributeNames=["All"])
        messages = resp.get("Messages", [])
        if not messages:
            return 0
        try:
            result = self.handler(sqs_event(messages, self.queue_arn), LocalContext())
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception:  # the whole batch failed: leave every message for redelivery
            logger.exception("delivery handler failed a whole batch")
            return len(messages)
        for m in messages:
            if m["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        return len(messages)

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self.poll_once()
            except Exception:
                logger.exception("delivery poller error")
                self._halt.wait(1)

    def stop(self) -> None:
        self._halt.set()
