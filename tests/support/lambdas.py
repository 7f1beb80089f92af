"""Invoke the Lambda handlers in functions/ the way Lambda does: by path, with an event and a context."""

from __future__ import annotations

import importlib.util
import json
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[2]


class FakeContext:
    function_name = "switchboard-test"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:switchboard-test"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 29_000


def load_handler(function: str) -> ModuleType:
    """A fresh import of functions/<function>/app.py (as a cold start would do)."""
    path = REPO / "functions" / function / "app.py"
    spec = importlib.util.spec_from_file_location(f"lambda_{function}_{uuid.uuid4().hex}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_event(name: str) -> dict[str, Any]:
    return json.loads((REPO / "events" / name).read_text())


def settings_env(settings: Any) -> dict[str, str]:
    """The environment variables that reproduce `settings` (how Lambda receives its configuration)."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is not None and name != "aws_region":
            env[f"SWITCHBOARD_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    return env
