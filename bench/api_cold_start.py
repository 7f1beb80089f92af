"""API Lambda cold start, first request, restored-snapshot approximation, warm latency and artifact sizes.

Cold: N fresh interpreters each run bench/cold_probe.py: import functions/api/app.py and build the
handler (what Lambda's init phase does), then serve a first `GET /v1/agents` in the same process, so
work deferred from init to the first request is counted. The headline runs on the layer as the checkout's
template.yaml has SAM build it (bench/layer_build.py, with this machine's wheels), alone on the path (`python
-S`: no virtualenv), so what Lambda would load is what is measured: its packages, compiled or not as the
build ships them (/opt is read-only: what is not compiled is compiled at every cold start). The second
figure runs on this virtualenv, as measured before: its packages are compiled, our modules are not
(PYTHONDONTWRITEBYTECODE=1), and it has packages the layer does not (awscrt, which botocore imports when
installed). Restore (an approximation of SnapStart): one interpreter initializes (and runs any
before-snapshot hooks), then forked copies of it each serve a first request; a real restore also loads the
snapshot's memory, which this does not count. Warm: one handler serves reads and writes. DynamoDB is
moto's server on loopback throughout.
Run: .venv/bin/python bench/api_cold_start.py [--cold N] [--forks F] [--requests M] [--tree CHECKOUT]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for tests.support (the bench reuses the test harness helpers)

from bench.layer_build import build_layer, build_method, compiled_share  # noqa: E402

INIT_AIM_MS, FIRST_AIM_MS = 500, 700
PROBE = REPO / "bench" / "cold_probe.py"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    return (f"median {statistics.median(values):.0f} ms, p90 {percentile(values, 90):.0f} ms, "
            f"min {min(values):.0f} ms")


def probe(tree: Path, env: dict[str, str], forks: int = 0, layer: Path | None = None) -> list[dict[str, float]]:
    """Run the probe in a fresh interpreter on `tree`'s code (or its built `layer` alone); its BENCH lines."""
    env = {**env, "BENCH_FORKS": str(forks), "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": str(layer or tree / "layers" / "core")}  # ahead of the editable install: `tree`'s
    args = [sys.executable, "-S", str(PROBE)] if layer else [sys.executable, str(PROBE)]
    out = subprocess.run(args, cwd=tree, env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"the probe failed:\n{out.stderr[-3000:]}")
    return [json.loads(line[6:]) for line in out.stdout.splitlines() if line.startswith("BENCH ")]


def setup(endpoint: str) -> tuple[str, Any]:
    """A table, a project with one agent; returns its API key and a warm handler."""
    import boto3

    from switchboard.container import get_container
    from switchboard.settings import get_settings
    from switchboard.store.schema import create_table
    from tests.support.lambdas import FakeContext, load_event, load_handler

    os.environ.update({**child_env(endpoint), "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING"})
    get_settings.cache_clear()
    get_container.cache_clear()
    create_table(boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1"), "bench",
                 REPO / "template.yaml")
    key = get_container().projects.create("bench").api_key
    handler = load_handler("api").handler
    event = load_event("api-post-agent.json")
    event["headers"]["authorization"] = f"Bearer {key}"
    event["body"] = json.dumps({"name": "first"})
    assert handler(event, FakeContext())["statusCode"] == 201
    return key, handler


def child_env(endpoint: str) -> dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1",
            "SWITCHBOARD_AWS_ENDPOINT_URL": endpoint, "SWITCHBOARD_TABLE_NAME": "bench",
            "POWERTOOLS_METRICS_NAMESPACE": "Bench", "POWERTOOLS_TRACE_DISABLED": "true"}


def function_environment(tree: Path, function: str = "ApiFunction") -> dict[str, str]:
    """The variables `tree`'s template.yaml gives the function as plain strings (Globals, then its own)."""
    from switchboard.store.schema import load_template

    template = load_template(tree / "template.yaml")
    scopes = (template.get("Globals", {}).get("Function", {}), template["Resources"][function]["Properties"])
    return {name: value for scope in scopes
            for name, value in scope.get("Environment", {}).get("Variables", {}).items() if isinstance(value, str)}


def read_event(key: str) -> str:
    from tests.support.lambdas import load_event

    event = load_event("api-get-agents.json")
    event["headers"]["authorization"] = f"Bearer {key}"
    return json.dumps(event)


def cold(tree: Path, env: dict[str, str], n: int, label: str, layer: Path | None = None) -> None:
    runs = [probe(tree, env, layer=layer)[0] for _ in range(n)]
    init, first = [r["init"] for r in runs], [r["first"] for r in runs]
    both = [r["init"] + r["first"] for r in runs]
    print(f"{label}, {n} fresh processes:")
    print(f"  cold init (import + build handler): {summary(init)}; aim {INIT_AIM_MS} ms -> "
          f"{statistics.median(init) / INIT_AIM_MS:.2f} of the aim")
    print(f"  first request (GET /v1/agents) in the same process: {summary(first)}")
    print(f"  cold init + first request: {summary(both)}; aim {FIRST_AIM_MS} ms -> "
          f"{statistics.median(both) / FIRST_AIM_MS:.2f} of the aim")
    print(f"  CPU time (less sensitive to other load): init median {statistics.median(r['init_cpu'] for r in runs):.0f}"
          f" ms, first request {statistics.median(r['first_cpu'] for r in runs):.0f} ms; "
          f"{statistics.median(r['modules'] for r in runs):.0f} modules loaded after the first request")


def cold_and_restore(tree: Path, endpoint: str, key: str, n: int, forks: int) -> None:
    env = {**os.environ, **function_environment(tree), **child_env(endpoint), "BENCH_EVENT": read_event(key),
           "POWERTOOLS_LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryDirectory() as artifacts:
        layer = build_layer(tree, Path(artifacts))
        compiled, modules = compiled_share(layer)
        cold(tree, env, n, f"the layer as template.yaml builds it ({build_method(tree)}: {compiled} of {modules} "
                           "modules compiled), alone on the path: what Lambda loads", layer)
    cold(tree, env, n, "this virtualenv (as measured before: packages compiled, our modules not, awscrt installed)")
    if forks:
        runs = probe(tree, env, forks)
        print(f"restored snapshot, APPROXIMATION (first request in {forks} forks of one process initialized for "
              f"SnapStart, {runs[0]['hooks']} before-snapshot hooks run; a real restore also loads the "
              f"snapshot's memory): {summary([r['first'] for r in runs])}")


def warm_requests(handler: Any, key: str, m: int) -> None:
    from tests.support.lambdas import FakeContext, load_event

    reads, writes = [], []
    for i in range(m):
        write = load_event("api-post-agent.json")
        write["headers"]["authorization"] = f"Bearer {key}"
        write["body"] = json.dumps({"name": f"agent {i}"})
        t0 = time.perf_counter()
        assert handler(write, FakeContext())["statusCode"] == 201
        writes.append((time.perf_counter() - t0) * 1000)
        read = load_event("api-get-agents.json")
        read["headers"]["authorization"] = f"Bearer {key}"
        t0 = time.perf_counter()
        assert handler(read, FakeContext())["statusCode"] == 200
        reads.append((time.perf_counter() - t0) * 1000)
    for name, values in (("read  GET /v1/agents", reads), ("write POST /v1/agents", writes)):
        print(f"warm {name}: p50 {percentile(values, 50):.1f} ms, p99 {percentile(values, 99):.1f} ms "
              f"over {len(values)} requests (DynamoDB emulated on loopback)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cold", type=int, default=7)
    parser.add_argument("--forks", type=int, default=5)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--tree", type=Path, default=REPO, help="measure another checkout's code (cold only)")
    args = parser.parse_args()

    import logging

    from bench.artifact_sizes import report
    from switchboard_local.emulator import start_emulator
    from tests.support.servers import free_port

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto logs every request otherwise
    port = free_port()
    server = start_emulator("127.0.0.1", port)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        with contextlib.redirect_stdout(io.StringIO()):  # the setup's own metrics line
            key, handler = setup(endpoint)
        cold_and_restore(args.tree.resolve(), endpoint, key, args.cold, args.forks)
        warm_requests(handler, key, args.requests)
    finally:
        server.stop()
    print("\n".join(report(args.tree.resolve())))


if __name__ == "__main__":
    main()
