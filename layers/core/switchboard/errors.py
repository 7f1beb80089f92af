"""Domain errors, raised deep and mapped to HTTP once (see `switchboard.api.errors`)."""

from __future__ import annotations


class SwitchboardError(Exception):
    """Base error: `status` is the HTTP status it maps to, `detail` a sentence a user can act on."""

    status = 500
    retryable = False

    def __init__(self, detail: str, *, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


class InvalidInput(SwitchboardError):
    status = 400


class Unauthorized(SwitchboardError):
    status = 401


class PlanLimitReached(SwitchboardError):
    status = 402


class Forbidden(SwitchboardError):
    status = 403


class NotFound(SwitchboardError):
    status = 404


class Conflict(SwitchboardError):
    status = 409


class PayloadTooLarge(SwitchboardError):
    status = 413


class RateLimited(SwitchboardError):
    status = 429
    retryable = True


class UpstreamError(SwitchboardError):
    """A carrier or provider failed; 502 unless the upstream said it was unavailable (503)."""

    status = 502
    retryable = True

    def __init__(self, detail: str, *, status: int = 502, retry_after: int | None = None) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.status = status


class CarrierError(UpstreamError):
    """The carrier refused or failed a request. A 4xx status means the caller's input was at fault."""

    def __init__(self, detail: str, *, status: int = 502, code: int | None = None) -> None:
        super().__init__(detail, status=status)
        self.code = code
        self.retryable = status >= 500 or status == 429
