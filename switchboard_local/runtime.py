"""Local mode's stand-in for the Lambda runtime: a function's handler loaded by path, a context
object for it, and the background loop that invokes it (what an event source or schedule does in AWS)."""

from __future__ import annotations

import importlib.util
import threading
import uuid
from types import ModuleType

from switchboard.logging import logger
from switchboard_local.config import REPO_ROOT

FUNCTIONS = REPO_ROOT / "functions"


def load_function(name: str) -> ModuleType:
    """functions/<name>/app.py, imported by path (functions/ is not a package, as in Lambda)."""
    spec = importlib.util.spec_from_file_location(f"switchboard_{name}_handler", FUNCTIONS / name / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LocalContext:
    """The Lambda context attributes our handlers and Powertools read."""

    def __init__(self, function: str, memory_mb: int = 256, timeout_ms: int = 60_000) -> None:
        self.function_name = f"switchboard-{function}-local"
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self._timeout_ms = timeout_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._timeout_ms


class Loop(threading.Thread):
    """Runs `step()` every `interval` seconds until stopped (0: back to back, for a long poll).

    A failing step is logged and, after `failure_pause` seconds, tried again: local mode keeps going.
    """

    def __init__(self, name: str, interval: float = 0.0, failure_pause: float = 0.0) -> None:
        super().__init__(name=name, daemon=True)
        self.interval, self.failure_pause = interval, failure_pause
        self._halt = threading.Event()

    def step(self) -> object:
        raise NotImplementedError

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            try:
                self.step()
            except Exception:
                logger.exception("local background job failed", extra={"job": self.name})
                self._halt.wait(self.failure_pause)

    def stop(self) -> None:
        self._halt.set()
