"""What the voice benchmarks share: the whole local platform in its own process, a webhook, a caller.

`LocalStack` runs `python -m switchboard_local` (what `make dev` runs) on free ports with a
throw-away state directory, so the relay's CPU is its own and the figures come from the same
path a developer uses. Results are read back through the public API.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the benchmarks reuse the tests' servers and fakes

from switchboard_local.carrier.dialer import (  # noqa: E402
    CallerScript,
    CallResult,
    CarrierLink,
    Line,
    place_inbound_call,
    script_from_lines,
)
from tests.support.servers import ThreadedUvicorn, free_port  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def summary(name: str, values: list[float | None], unit: str = "ms") -> str:
    got = [v for v in values if v is not None]
    if not got:
        return f"{name:<28} n/a"
    return (f"{name:<28} p50 {percentile(got, 50):7.1f} {unit}   p95 {percentile(got, 95):7.1f} {unit}"
            f"   mean {statistics.fmean(got):7.1f} {unit}   (n={len(got)})")


class LocalStack:
    def __init__(self, **env: str) -> None:
        """`env`: settings for the stack, without the SWITCHBOARD_ prefix (PLAN_CONCURRENT_CALLS="500")."""
        self.state = tempfile.TemporaryDirectory(prefix="switchboard-bench-")
        self.env = {**os.environ, "SWITCHBOARD_STATE_DIR": self.state.name, "PYTHONUNBUFFERED": "1",
                    **{f"SWITCHBOARD_{k.upper()}_PORT": str(free_port())
                       for k in ("api", "aws", "carrier", "relay", "relay_http")},
                    **{f"SWITCHBOARD_{k.upper()}": v for k, v in env.items()}}
        self.proc: subprocess.Popen[bytes] | None = None
        self.config: dict[str, Any] = {}

    def __enter__(self) -> LocalStack:
        self.log = open(os.environ.get("STACK_LOG") or Path(self.state.name) / "stack.log", "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "switchboard_local"], cwd=ROOT, env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        path = Path(self.state.name) / "local.json"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the local stack exited: " + (Path(self.state.name) / "stack.log").read_text())
            if path.exists():
                self.config = json.loads(path.read_text())
                try:
                    if httpx.get(self.config["apiUrl"] + "/v1/agents", headers=self.auth, timeout=2).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        raise RuntimeError("the local stack did not come up in 60 s")

    def __exit__(self, *_: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:  # after 100 calls it may still be storing their ends: the figures are in
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()
        self.state.cleanup()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config['apiKey']}"}

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.config["apiUrl"], headers=self.auth, timeout=20)

    def agent_with_number(self, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        with self.api() as api:
            agent = api.post("/v1/agents", json={"name": "Bench agent", **fields}).raise_for_status().json()
            number = api.post("/v1/numbers", json={"areaCode": "415", "agentId": agent["id"]}).raise_for_status().json()
        return agent, number

    async def dial(self, number: str, script: CallerScript) -> CallResult:
        c = self.config
        return await place_inbound_call(
            voice_url=c["voiceWebhookUrl"], status_url=c["statusCallbackUrl"], account_sid=c["twilioAccountSid"],
            auth_token=c["twilioAuthToken"], from_number="+14155550123", to_number=number, script=script,
            carrier=CarrierLink(f"{c['twilioApiBase']}/2010-04-01/Accounts/{c['twilioAccountSid']}",
                                c["twilioAccountSid"], c["twilioAuthToken"]))

    def turns(self, call_sid: str | None = None) -> list[dict[str, Any]]:
        with self.api() as api:
            calls = api.get("/v1/calls", params={"limit": 1}).json()["data"]
            return api.get(f"/v1/calls/{calls[0]['id']}/transcript").json()["data"]


class Webhook:
    """An agent webhook on a real port that answers every turn at once with `reply(payload)` (NDJSON)."""

    def __init__(self, reply: Callable[[dict[str, Any]], list[dict[str, Any]]]) -> None:
        self.reply, self.requests = reply, []
        app = FastAPI()

        @app.post("/agent")
        async def agent(request: Request) -> StreamingResponse:
            payload = json.loads(await request.body())
            self.requests.append(payload)

            async def lines() -> AsyncIterator[bytes]:
                for obj in self.reply(payload):
                    yield (json.dumps(obj) + "\n").encode()

            return StreamingResponse(lines(), media_type="application/x-ndjson")

        self.server = ThreadedUvicorn(app)

    @property
    def url(self) -> str:
        return f"{self.server.url}/agent"

    def __enter__(self) -> Webhook:
        self.server.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.stop()


async def spoken(texts: list[str], voice: str = "rms") -> list[Line]:
    """The caller's lines, spoken by flite and sent as mu-law (the command-line caller's own way)."""
    return (await script_from_lines(texts, voice=voice)).lines


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its threads, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
