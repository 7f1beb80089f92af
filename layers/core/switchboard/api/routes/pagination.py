"""Query parameters shared by every list route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

Limit = Annotated[int, Query(ge=1, le=100, description="Page size, 1-100.")]
# Offset pagination reads every skipped item (DynamoDB has no OFFSET), so how far it may skip is bounded.
MAX_OFFSET = 10_000
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description=f"Items to skip, 0-{MAX_OFFSET}.")]
