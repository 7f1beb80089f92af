"""What a function's init does, in a fresh interpreter as Lambda's: no X-Ray SDK and no AWS client unless
tracing is on, never the development stack; and with tracing on, the handler's segment reaches X-Ray."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from typing import Any

import pytest

from tests.support.lambdas import REPO, load_event

FUNCTIONS = ["api", "telephony", "deliveries", "outbound", "reconcile"]
TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

# Counts the botocore clients built while the function's module is imported (what Lambda's init runs).
INIT = """
import importlib.util, json, sys
import botocore.session

clients = []
create_client = botocore.session.Session.create_client
botocore.session.Session.create_client = lambda self, name, *a, **kw: clients.append(name) or create_client(
    self, name, *a, **kw)
spec = importlib.util.spec_from_file_location("handler_module", f"functions/{sys.argv[1]}/app.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
loaded = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps({"clients": clients, "top_level_modules": loaded, "tracer": type(module.tracer).__name__}))
if len(sys.argv) > 2:
    from tests.support.lambdas import FakeContext
    print(json.dumps(module.handler(json.loads(sys.argv[2]), FakeContext())))
"""


def lambda_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "LAMBDA_TASK_ROOT": "/var/task", "AWS_REGION": "us-east-1",
            "AWS_LAMBDA_FUNCTION_NAME": "switchboard-test", "POWERTOOLS_METRICS_NAMESPACE": "Tests", **extra}


def init(function: str, env: dict[str, str], event: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    args = [sys.executable, "-c", INIT, function] + ([json.dumps(event)] if event else [])
    out = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-3000:]
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{") and '"_aws"' not in line]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_init_without_tracing_imports_no_xray_sdk_and_builds_no_aws_client(function: str) -> None:
    (report,) = init(function, lambda_env(POWERTOOLS_TRACE_DISABLED="true"))
    assert report["tracer"] == "NoTracer"
    assert "aws_xray_sdk" not in report["top_level_modules"]
    assert report["clients"] == [], "init built an AWS client nothing asked for"
    assert "switchboard_local" not in report["top_level_modules"]


def test_with_tracing_on_the_handler_sends_its_segment_to_the_xray_daemon() -> None:
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    daemon.bind(("127.0.0.1", 0))
    daemon.settimeout(20)
    event = load_event("api-get-agents.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/health"
    env = lambda_env(POWERTOOLS_TRACE_DISABLED="false", _X_AMZN_TRACE_ID=TRACE_HEADER,
                     AWS_XRAY_DAEMON_ADDRESS=f"127.0.0.1:{daemon.getsockname()[1]}")
    with daemon:
        report, response = init("api", env, event)
        segments = daemon.recv(65536).decode().splitlines()[1:]  # after the {"format": "json"} header
    assert report["tracer"] == "Tracer" and "aws_xray_sdk" in report["top_level_modules"]
    assert response["statusCode"] == 200
    handler = next(json.loads(s) for s in segments if json.loads(s)["name"] == "## handler")
    assert handler["parent_id"] == "53995c3f42cd8ad8"
    assert handler["annotations"] == {"ColdStart": True, "Service": "switchboard-api"}
