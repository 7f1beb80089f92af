"""How the table's writes fail: an item over DynamoDB's size limit, and transactions that collided."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from switchboard.errors import PayloadTooLarge

CONFLICT_RETRIES = (0.01, 0.03, 0.1, 0.3)  # transactions on one hot counter item cancel each other; retry
TOO_LARGE = ("This would make a stored item larger than DynamoDB's 400 KB limit; send less (long texts, "
             "metadata or tools).")


def too_large(error: ClientError) -> bool:
    """DynamoDB's refusal of an item over 400 KB (alone, or as a transaction's cancellation reason)."""
    err = error.response.get("Error", {})
    reasons = error.response.get("CancellationReasons") or []
    texts = [err.get("Message") or ""] + [r.get("Message") or "" for r in reasons]
    return any("item size" in t.lower() for t in texts)


def conflicted(error: ClientError) -> bool:
    """A transaction cancelled only because another one held an item (no condition failed): retryable."""
    reasons = [r.get("Code") for r in error.response.get("CancellationReasons") or []]
    return "TransactionConflict" in reasons and "ConditionalCheckFailed" not in reasons


def writing(call: Any, **request: Any) -> Any:
    """Run a write; an item over DynamoDB's size limit is the client's too-large input (413)."""
    try:
        return call(**request)
    except ClientError as exc:
        if too_large(exc):
            raise PayloadTooLarge(TOO_LARGE) from exc
        raise
