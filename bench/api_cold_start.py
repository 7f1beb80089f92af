"""API Lambda cold start and per-request latency, through the real handler.

Cold start: N fresh interpreters each import functions/api/app.py and build the handler
(what Lambda's init phase does). Requests: one warm handler serves reads (GET /v1/agents)
and writes (POST /v1/agents) against DynamoDB emulated by a local moto server.
Run: .venv/bin/python bench/api_cold_start.py [--cold N] [--requests M]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for tests.support (the bench reuses the test harness helpers)

AIM_MS = 500
COLD_SNIPPET = """
import time, importlib.util
t0 = time.perf_counter()
spec = importlib.util.spec_from_file_location("api_app", "functions/api/app.py")
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
print((time.perf_counter() - t0) * 1000)
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def cold_starts(n: int) -> list[float]:
    env = {**os.environ, "SWITCHBOARD_TABLE_NAME": "bench", "AWS_REGION": "us-east-1",
           "POWERTOOLS_METRICS_NAMESPACE": "Bench", "POWERTOOLS_TRACE_DISABLED": "true"}
    times = []
    for _ in range(n):
        out = subprocess.run([sys.executable, "-c", COLD_SNIPPET], cwd=REPO, env=env, capture_output=True,
                             text=True, check=True)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return times


def warm_requests(m: int) -> tuple[list[float], list[float]]:
    import boto3

    from switchboard.container import get_container
    from switchboard.settings import get_settings
    from switchboard.store.schema import create_table
    from switchboard_local.emulator import start_emulator
    from tests.support.lambdas import FakeContext, load_event, load_handler
    from tests.support.servers import free_port

    port = free_port()
    server = start_emulator("127.0.0.1", port)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1",
                           "SWITCHBOARD_AWS_ENDPOINT_URL": endpoint, "SWITCHBOARD_TABLE_NAME": "bench",
                           "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_TRACE_DISABLED": "true",
                           "POWERTOOLS_LOG_LEVEL": "WARNING"})
        get_settings.cache_clear()
        get_container.cache_clear()
        create_table(boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1"), "bench",
                     REPO / "template.yaml")
        key = get_container().projects.create("bench").api_key
        handler = load_handler("api").handler
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
        return reads, writes
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cold", type=int, default=7)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    cold = cold_starts(args.cold)
    med = statistics.median(cold)
    print(f"cold init (import + build handler), {args.cold} fresh processes: median {med:.0f} ms, "
          f"p90 {percentile(cold, 90):.0f} ms, min {min(cold):.0f} ms; aim {AIM_MS} ms -> "
          f"{med / AIM_MS:.2f} of the aim")
    reads, writes = warm_requests(args.requests)
    for name, values in (("read  GET /v1/agents", reads), ("write POST /v1/agents", writes)):
        print(f"{name}: p50 {percentile(values, 50):.1f} ms, p99 {percentile(values, 99):.1f} ms "
              f"over {len(values)} requests (DynamoDB emulated on loopback)")


if __name__ == "__main__":
    main()
