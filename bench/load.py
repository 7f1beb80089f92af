"""A bounded load test on loopback: N concurrent calls through the local stack plus API traffic at R req/s.

    .venv/bin/python bench/load.py [--calls N] [--rate R] [--seconds S]     (make load)

The platform runs as `make dev` runs it (one process: emulator, API, carrier, relay, pollers). N callers
speak two lines each through the local carrier while a paced client reads and writes through the API
(list agents, get a call, create and delete an agent, list calls) at R requests a second for S seconds.
It prints errors, API latency percentiles, call outcomes, the stack's CPU and memory, and it checks that
every call ended, each with one `agent.call_ended`, and that the concurrent-call count went back to zero.
Nothing leaves 127.0.0.1, and every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import LocalStack, percentile, process_cpu_seconds, process_rss_mib, spoken  # noqa: E402
from switchboard_local.carrier.dialer import CallerScript  # noqa: E402
from tests.support.servers import ThreadedUvicorn  # noqa: E402


class EventHook:
    """The agents' webhook: answers voice turns at once, counts the other events it gets."""

    def __init__(self) -> None:
        self.events: Counter[str] = Counter()
        self.ended: Counter[str] = Counter()
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> dict[str, Any]:
            event = json.loads(await request.body())
            self.events[event["event"]] += 1
            if event["event"] == "agent.call_ended":
                self.ended[event["data"]["callId"]] += 1
            if event["event"] == "agent.message" and event.get("channel") == "voice":
                return {"text": "Sure, one moment."}
            return {"ok": True}

        self.server = ThreadedUvicorn(app).start()
        self.url = f"{self.server.url}/hook"


async def api_traffic(stack: LocalStack, rate: float, seconds: float, agent_id: str) -> dict[str, Any]:
    """Paced requests (open loop: a slow answer does not slow the schedule)."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    plan = [("GET", "/v1/agents", None), ("GET", "/v1/calls?limit=5", None),
            ("POST", "/v1/agents", {"name": "load"}), ("GET", f"/v1/agents/{agent_id}", None),
            ("GET", "/v1/usage", None)]

    async with httpx.AsyncClient(base_url=stack.config["apiUrl"], headers=stack.auth, timeout=20) as http:
        async def one(i: int) -> None:
            method, path, body = plan[i % len(plan)]
            started = time.monotonic()
            try:
                resp = await http.request(method, path, json=body)
                statuses[resp.status_code] += 1
                if method == "POST" and resp.status_code == 201:
                    await http.delete(f"/v1/agents/{resp.json()['id']}")
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] += 1
            latencies.append((time.monotonic() - started) * 1000)

        tasks = []
        start = time.monotonic()
        for i in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    return {"latencies": latencies, "statuses": statuses, "errors": errors}


async def run(calls: int, rate: float, seconds: float) -> int:
    hook = EventHook()
    with LocalStack(PLAN_CONCURRENT_CALLS=str(max(100, calls * 2))) as stack:
        with stack.api() as api:
            api.post("/v1/webhooks", json={"url": hook.url})
        agent, number = stack.agent_with_number()
        lines = await spoken(["Where is my package?", "Thank you very much."])
        cpu0, wall0 = process_cpu_seconds(stack.pid), time.monotonic()

        async def caller() -> str:
            script = CallerScript(lines=list(lines), answer_timeout_s=20)
            try:
                result = await stack.dial(number["phoneNumber"], script)
                return "ok" if result.client is not None and result.client.agent.chunks else "silent"
            except Exception as exc:  # a failed call is counted, not fatal to the run
                return type(exc).__name__

        traffic = asyncio.create_task(api_traffic(stack, rate, seconds, agent["id"]))
        outcomes = Counter(await asyncio.gather(*(caller() for _ in range(calls))))
        api_result = await traffic
        cpu = process_cpu_seconds(stack.pid) - cpu0
        wall = time.monotonic() - wall0
        rss = process_rss_mib(stack.pid)
        ended, live = await settle(stack, hook, calls)
    hook.server.stop()
    lat = api_result["latencies"]
    server_errors = sum(n for s, n in api_result["statuses"].items() if s >= 500)
    print(f"load: {calls} concurrent calls + {rate:g} API req/s for {seconds:g} s on loopback")
    print(f"  calls: {dict(outcomes)}; agent.call_ended per call: {sorted(Counter(hook.ended.values()).items())} "
          f"({ended}/{calls} calls ended); concurrent calls after: {live}")
    print(f"  API: {len(lat)} requests, statuses {dict(sorted(api_result['statuses'].items()))}, "
          f"transport errors {dict(api_result['errors'])}")
    print(f"  API latency ms: p50 {percentile(lat, 50):.0f}, p95 {percentile(lat, 95):.0f}, "
          f"p99 {percentile(lat, 99):.0f}, max {max(lat):.0f}")
    print(f"  stack process: {cpu:.1f} s CPU over {wall:.1f} s ({100 * cpu / wall:.0f}% of one core), "
          f"RSS {rss:.0f} MiB")
    failed = (outcomes.get("ok", 0) != calls or server_errors or api_result["errors"] or live
              or ended != calls or any(n != 1 for n in hook.ended.values()))
    print("  result:", "held" if not failed else "FAILED")
    return 1 if failed else 0


async def settle(stack: LocalStack, hook: EventHook, calls: int, timeout: float = 90) -> tuple[int, int]:
    """Wait (bounded) until every call has its agent.call_ended; then how many ended and how many are live."""
    deadline = time.monotonic() + timeout
    while len(hook.ended) < calls and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    with stack.api() as api:
        data = api.get("/v1/calls", params={"limit": 100}).json()["data"]
    live = sum(1 for c in data if c["status"] in ("queued", "ringing", "in-progress"))
    return len(hook.ended), live


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    assert 1 <= args.calls <= 100 and 0 < args.rate <= 200 and 0 < args.seconds <= 120, "bounded by design"
    return asyncio.run(run(args.calls, args.rate, args.seconds))


if __name__ == "__main__":
    raise SystemExit(main())
