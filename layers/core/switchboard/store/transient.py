"""AWS failures that pass: the store unreachable or throttling. The API answers them 503 with Retry-After
(never 500), and the relay retries its writes through them, so a short outage loses no turn."""

from __future__ import annotations

import time
from collections.abc import Callable

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

# TransactionConflictException: a plain write to an item a transaction holds (a call's turn while its status
# and counters move together); it wrote nothing and passes as soon as the transaction ends.
THROTTLED = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
             "InternalServerError", "ServiceUnavailable", "TransactionInProgressException",
             "TransactionConflictException"}
UNAVAILABLE = "The database is unavailable or throttling requests; retry shortly."
RETRY_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 3.0, 4.0)  # about 11 s in all, beyond botocore's own retries


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, EndpointConnectionError | ConnectionClosedError | ConnectTimeoutError | ReadTimeoutError):
        return True
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") in THROTTLED
    return False


def retrying[T](action: Callable[[], T], sleep: Callable[[float], None] = time.sleep) -> T:
    """Run `action`, retrying transient failures with backoff for about 11 s; then the failure is raised."""
    for delay in RETRY_DELAYS_S:
        try:
            return action()
        except Exception as exc:
            if not is_transient(exc):
                raise
            sleep(delay)
    return action()
