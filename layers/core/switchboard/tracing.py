"""X-Ray tracing for the Lambda handlers: Powertools Tracer when tracing is on, nothing when it is off.

Powertools' Tracer imports the X-Ray SDK even when tracing is disabled, and the SDK builds a botocore
session at import: about 265 ms of every cold start (a third of it) for a tracer that then does
nothing. So the handlers ask here: with tracing on (in Lambda, POWERTOOLS_TRACE_DISABLED unset or
false; the template's `Tracing` parameter decides) they get the real Tracer, otherwise a stand-in
whose decorators return the function unchanged and which imports nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools.shared import constants
from aws_lambda_powertools.shared.functions import strtobool

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

F = TypeVar("F", bound=Callable[..., Any])


def tracing_enabled(env: Mapping[str, str] = os.environ) -> bool:
    """Powertools' own rule: off when POWERTOOLS_TRACE_DISABLED is true, outside Lambda, or in SAM local."""
    if strtobool(env.get(constants.TRACER_DISABLED_ENV, "false")):
        return False
    in_lambda = bool(env.get(constants.LAMBDA_TASK_ROOT_ENV))
    emulated = bool(env.get(constants.SAM_LOCAL_ENV) or env.get(constants.CHALICE_LOCAL_ENV))
    return in_lambda and not emulated


class NoTracer:
    """What a disabled Tracer does, without importing the X-Ray SDK: decorators pass functions through."""

    def __init__(self, service: str) -> None:
        self.service = service

    def capture_lambda_handler(self, handler: F | None = None, **_: Any) -> Any:
        return handler if handler is not None else (lambda fn: fn)

    def capture_method(self, method: F | None = None, **_: Any) -> Any:
        return method if method is not None else (lambda fn: fn)

    def put_annotation(self, key: str, value: Any) -> None:
        return None

    def put_metadata(self, key: str, value: Any, namespace: str | None = None) -> None:
        return None


def tracer(service: str, env: Mapping[str, str] = os.environ) -> Tracer | NoTracer:
    """The handler's tracer: Powertools' when tracing is on, else a `NoTracer`."""
    if not tracing_enabled(env):
        return NoTracer(service)
    from aws_lambda_powertools import Tracer

    return Tracer(service=service)
