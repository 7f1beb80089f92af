"""Items DynamoDB read for one response, as boto3 parsed it (used by the list tests and bench/lists.py)."""

from __future__ import annotations

from typing import Any


def items_read(parsed: dict[str, Any]) -> int:
    """A Query's or Scan's ScannedCount, a get's one item, a batch get's items; else none."""
    if "ScannedCount" in parsed:
        return int(parsed["ScannedCount"])
    if "Item" in parsed:
        return 1
    if "Responses" in parsed:
        return sum(len(v) for v in parsed["Responses"].values())
    return 0
