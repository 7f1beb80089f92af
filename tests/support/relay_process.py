"""A relay as ECS runs it, for tests: `python -m media_relay` in its own process, its stdout kept, and a
stand-in ECS agent endpoint that records task-protection PUTs."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from websockets.asyncio.client import connect

from switchboard.carrier import signature
from switchboard.settings import Settings
from tests.support.dockerfile import healthcheck_command, parse
from tests.support.servers import free_port

# --- a stand-in ECS agent: records task-protection PUTs ---------------------------------------------------

class EcsAgent:
    def __init__(self) -> None:
        self.requests: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        agent = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                agent.requests.put((self.path, body))
                answer = json.dumps({"protection": {"ProtectionEnabled": body["ProtectionEnabled"],
                                                    "TaskArn": "arn:aws:ecs:us-east-1:123456789012:task/c/1"}})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.uri = f"http://127.0.0.1:{self.server.server_address[1]}/api/task-1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    async def next(self, timeout: float = 15) -> dict[str, Any]:
        path, body = await asyncio.to_thread(self.requests.get, timeout=timeout)
        assert path == "/api/task-1/task-protection/v1/state"
        return body

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the relay as its own process ------------------------------------------------------------------------

class RelayProcess:
    def __init__(self, settings: Settings, agent_uri: str, drain_seconds: float, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"ws://127.0.0.1:{self.port}/twilio"
        self.token = settings.twilio_auth_token
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_") and k != "ECS_AGENT_URI"}
        env |= {
            "PYTHONUNBUFFERED": "1",
            "SWITCHBOARD_TABLE_NAME": settings.table_name,
            "SWITCHBOARD_AWS_ENDPOINT_URL": settings.aws_endpoint_url or "",
            "SWITCHBOARD_TWILIO_API_BASE": settings.twilio_api_base,
            "SWITCHBOARD_TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
            "SWITCHBOARD_TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
            "SWITCHBOARD_RELAY_URL": self.url,
            "SWITCHBOARD_RELAY_HOST": "127.0.0.1",
            "SWITCHBOARD_RELAY_PORT": str(self.port),
            "SWITCHBOARD_RELAY_DRAIN_SECONDS": str(drain_seconds),
            "SWITCHBOARD_RELAY_METRIC_INTERVAL_SECONDS": "0.5",
            "SWITCHBOARD_RELAY_SERVICE_NAME": "relay-under-test",
            "SWITCHBOARD_RELAY_PROTECTION_MINUTES": "5",
            "ECS_AGENT_URI": agent_uri,
            "SWITCHBOARD_RELAY_WORKERS": str(workers),
        }
        self.env = env
        self.proc = subprocess.Popen([sys.executable, "-m", "media_relay"], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"

    def output(self) -> str:
        return "".join(self.lines)

    async def wait_health(self, status: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2) as http:
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, self.output()
                try:
                    if (await http.get(self.health_url)).status_code == status:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"/health never answered {status}:\n{self.output()}")

    def connect(self) -> Any:
        headers = {"X-Twilio-Signature": signature.compute(self.url, {}, self.token)}
        return connect(self.url, additional_headers=headers, open_timeout=10)

    async def docker_healthcheck(self) -> int:
        """The image's HEALTHCHECK command, run against this relay."""
        command = healthcheck_command(parse())
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *command[1:], env={**self.env, "SWITCHBOARD_RELAY_PORT": str(self.port)},
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        return await asyncio.wait_for(proc.wait(), 15)

    async def exit_code(self, timeout: float) -> int:
        return await asyncio.to_thread(self.proc.wait, timeout)

    def logs(self, message: str) -> list[dict[str, Any]]:
        """The process's JSON log records with this message (every worker writes to the same stdout)."""
        records = [json.loads(line) for line in self.lines if line.startswith('{"level"')]
        return [r for r in records if r.get("message") == message]

    def metric_samples(self) -> list[int]:
        docs = [json.loads(line) for line in self.lines if line.startswith('{"_aws"')]
        assert all(d["ServiceName"] == "relay-under-test" for d in docs)
        return [d["ActiveCalls"] for d in docs]

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
