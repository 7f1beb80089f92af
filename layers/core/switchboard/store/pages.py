"""Offset pagination over a Query: DynamoDB has no OFFSET, so read offset+limit+1 items."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any


def page(items: Iterator[dict[str, Any]], limit: int, offset: int) -> tuple[list[dict[str, Any]], bool]:
    """The items of one page and whether more follow."""
    window = list(islice(items, offset, offset + limit + 1))
    return window[:limit], len(window) > limit
