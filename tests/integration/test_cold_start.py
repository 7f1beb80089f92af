"""What a function's init does, in a fresh interpreter as Lambda's: no X-Ray SDK and no AWS client unless
tracing is on, never the development stack; with tracing on, the handler's segment reaches X-Ray; and
initialized for SnapStart, the before-snapshot hooks leave nothing for a restored first request to import."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from typing import Any

import pytest

from switchboard.settings import Settings
from switchboard.store.projects import NewProject
from tests.support.lambdas import REPO, load_event, settings_env

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


# Initialized as Lambda does for a snapshot, hooks run as its runtime runs them; then the first request.
SNAPSHOT = """
import importlib.util, json, sys
from snapshot_restore_py import get_before_snapshot
spec = importlib.util.spec_from_file_location("handler_module", "functions/api/app.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
hooks = get_before_snapshot()
ran = len(hooks)
while hooks:
    func, args, kwargs = hooks.pop()
    func(*args, **kwargs)
groups = module.app.state.route_groups
before = set(sys.modules)
from tests.support.lambdas import FakeContext
status = module.handler(json.loads(sys.argv[1]), FakeContext())["statusCode"]
print(json.dumps({"hooks": ran, "groups_built": len(groups.built), "groups": len(groups.groups), "status": status,
                  "imported_by_first_request": sorted(set(sys.modules) - before)}))
"""


@pytest.mark.parametrize("snap_start", [True, False], ids=["snap-start", "on-demand"])
def test_a_snapshot_leaves_the_first_request_nothing_of_ours_to_import(
        settings: Settings, project: NewProject, snap_start: bool) -> None:
    event = load_event("api-get-agents.json")
    event["headers"]["authorization"] = f"Bearer {project.api_key}"
    env = lambda_env(POWERTOOLS_TRACE_DISABLED="true", **settings_env(settings),
                     AWS_LAMBDA_INITIALIZATION_TYPE="snap-start" if snap_start else "on-demand")
    out = subprocess.run([sys.executable, "-c", SNAPSHOT, json.dumps(event)], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.splitlines()[-1])
    assert report["status"] == 200
    ours = [m for m in report["imported_by_first_request"] if m.split(".")[0] in ("switchboard", "fastapi", "boto3")]
    if snap_start:
        assert report["hooks"] == 1 and report["groups_built"] == report["groups"]
        assert ours == []
    else:  # no snapshot: nothing is registered, and the first request builds what it needs itself
        assert report["hooks"] == 0 and report["groups_built"] < report["groups"]
        assert "switchboard.api.routes.agents" in ours
