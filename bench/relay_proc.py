"""The relay under test for the capacity benchmark: `python -m media_relay` in its own process (and,
with workers, its worker processes), on the network speech fakes or the offline engines.

Its CPU is read from /proc for the whole process tree (supervisor, workers, and children it has
waited for, such as flite), so what the relay costs is measured apart from the load generator on
the same cores.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from stack import ROOT, LocalStack, free_port


def _stat(path: str) -> list[str]:
    """The fields of a /proc stat file after the command name (which may hold spaces and parentheses)."""
    return Path(path).read_text().rsplit(")", 1)[1].split()


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
            kids += [int(k) for k in text.split()]
    return kids


def tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo += _children(p)
    return pids


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process tree, counting the children each process has waited for."""
    total = 0.0
    for p in tree(pid):
        with contextlib.suppress(OSError):
            f = _stat(f"/proc/{p}/stat")
            total += sum(int(x) for x in f[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def tree_cpu_by_thread(pid: int) -> dict[str, float]:
    """CPU seconds of a process tree by kind of thread: each process's main thread (the relay's event
    loops, and the pocketsphinx hosts' own), awscrt's event-loop threads (Transcribe's TLS and HTTP/2),
    and every other thread (boto3 and Polly workers, the record writer, the turn model's executor)."""
    kinds = {"main": 0, "awscrt": 0, "threads": 0}
    for p in tree(pid):
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{p}/task"):
                with contextlib.suppress(OSError):
                    name = Path(f"/proc/{p}/task/{task}/comm").read_text().strip()
                    ticks = sum(int(x) for x in _stat(f"/proc/{p}/task/{task}/stat")[11:13])
                    kind = "main" if int(task) == p else "awscrt" if name.startswith("AwsEventLoop") else "threads"
                    kinds[kind] += ticks
    return {kind: ticks / os.sysconf("SC_CLK_TCK") for kind, ticks in kinds.items()}


def tree_runqueue_wait_s(pid: int) -> float:
    """Seconds the main threads of a process tree have waited for a core (/proc/.../schedstat): an
    event loop waiting here is late through no fault of its own, because the cores are oversubscribed."""
    total = 0
    for p in tree(pid):
        with contextlib.suppress(OSError, IndexError):
            total += int(Path(f"/proc/{p}/task/{p}/schedstat").read_text().split()[1])
    return total / 1e9


def tree_rss_mib(pid: int) -> float:
    total = 0.0
    for p in tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
    return total


class Relay:
    """The relay under test; `fakes` None runs it on the offline engines (pocketsphinx, flite)."""

    def __init__(self, stack: LocalStack, fakes: dict[str, str] | None, *, turn_model: bool = True,
                 workers: int = 1, root: Path = ROOT, env: dict[str, str] | None = None,
                 log: Path | None = None) -> None:
        self.port, self.workers = free_port(), workers
        self.url = f"ws://127.0.0.1:{self.port}/twilio"
        c = stack.config
        speech = {"SWITCHBOARD_RELAY_STT_PROVIDER": "transcribe", "SWITCHBOARD_RELAY_TTS_PROVIDER": "polly",
                  "SWITCHBOARD_RELAY_TRANSCRIBE_ENDPOINT": fakes["transcribe"],
                  "SWITCHBOARD_RELAY_TRANSCRIBE_CA_FILE": fakes["ca"],
                  "SWITCHBOARD_RELAY_POLLY_ENDPOINT": fakes["polly"]} if fakes else {
                  "SWITCHBOARD_RELAY_STT_PROVIDER": "pocketsphinx", "SWITCHBOARD_RELAY_TTS_PROVIDER": "flite"}
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_RELAY")}
        self.env = {**inherited, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                    "AWS_REGION": c["awsRegion"], "SWITCHBOARD_AWS_ENDPOINT_URL": c["awsEndpointUrl"],
                    "SWITCHBOARD_TABLE_NAME": "switchboard", "SWITCHBOARD_CARRIER": "local",
                    # as make dev's relay: the bench's webhook is on loopback, which only local mode may reach
                    "SWITCHBOARD_LOCAL_MODE": "true",
                    "SWITCHBOARD_TWILIO_API_BASE": c["twilioApiBase"],
                    "SWITCHBOARD_TWILIO_ACCOUNT_SID": c["twilioAccountSid"],
                    "SWITCHBOARD_TWILIO_AUTH_TOKEN": c["twilioAuthToken"],
                    "SWITCHBOARD_RELAY_HOST": "127.0.0.1", "SWITCHBOARD_RELAY_PORT": str(self.port),
                    "SWITCHBOARD_RELAY_PUBLIC_URL": self.url, "SWITCHBOARD_RELAY_WORKERS": str(workers),
                    **speech, "POWERTOOLS_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
                    **({} if turn_model else {"SWITCHBOARD_RELAY_TURN_MODEL_PATH": ""}), **(env or {})}
        python = root / ".venv" / "bin" / "python"
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the relay writes to it until it exits)
        self.proc = subprocess.Popen([str(python if python.exists() else sys.executable), "-m", "media_relay"],
                                     cwd=root, env=self.env, stdout=out, stderr=subprocess.PIPE)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.proc.pid)

    def rss_mib(self) -> float:
        return tree_rss_mib(self.proc.pid)

    def runqueue_wait_s(self) -> float:
        return tree_runqueue_wait_s(self.pid)

    def cpu_by_thread(self) -> dict[str, float]:
        return tree_cpu_by_thread(self.pid)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    return
            if self.proc.poll() is not None:
                raise RuntimeError("relay exited: " + (self.proc.stderr.read().decode() if self.proc.stderr else ""))
            time.sleep(0.2)
        raise RuntimeError("relay did not come up")

    def stats(self, reset: bool = False) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.port}/stats" + ("?reset" if reset else "")
        return httpx.get(url, timeout=5).json()

    def stop(self) -> None:
        self.proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=15)
        if self.proc.poll() is None:
            self.proc.kill()


class EmbeddedRelay(Relay):
    """The relay inside `make dev`'s own process (`--embedded`): what the process costs per call, with
    its API, DynamoDB emulator and carrier alongside (the load generator is still this process)."""

    def __init__(self, stack: LocalStack) -> None:  # there is no process of its own to start
        self.url = stack.config["relayUrl"]
        self.port = int(self.url.rsplit(":", 1)[1].split("/", 1)[0])
        self.workers = 1
        self._pid = stack.pid

    @property
    def pid(self) -> int:
        return self._pid

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self._pid)

    def rss_mib(self) -> float:
        return tree_rss_mib(self._pid)

    def wait_ready(self) -> None:
        pass  # the stack was ready before the benchmark began

    def stop(self) -> None:
        pass  # the stack stops it
