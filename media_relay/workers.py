"""One relay task, every core: a supervisor owns the listening socket and hands each accepted
connection to one of N worker processes (one per vCPU), each holding its own calls.

Why a supervisor rather than SO_REUSEPORT: the kernel would spread connections by a hash of their
addresses, blind to load; the supervisor gives each new socket to the worker with the fewest open
connections, and it is the one place that knows the task's total of live calls. So the task keeps
one ECS scale-in protection and one `ActiveCalls` metric (the sum over workers, as before), and a
SIGTERM drains every worker: each answers `/health` with 503, refuses new calls and lets its live
ones finish, while the supervisor keeps handing over connections so they get those answers.

The wire between them is a Unix socket pair per worker: the supervisor sends accepted sockets with
SCM_RIGHTS; the worker sends lines `<calls> <connections> <adopted>` whenever one changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

import httpx

from media_relay.config import RelaySettings
from media_relay.lifecycle import ActiveCallsMetric, Lifecycle, LifecycleSettings, TaskProtection
from switchboard.logging import logger

WORKER_FD_ENV = "SWITCHBOARD_RELAY_WORKER_FD"
WORKER_INDEX_ENV = "SWITCHBOARD_RELAY_WORKER_INDEX"
KILL_GRACE_S = 5.0  # after the drain deadline, how long a worker may take to exit before SIGKILL
STARTUP_S = 60.0  # a worker that dies sooner than this after starting is not started again (a bad setting)


@dataclass
class Worker:
    index: int
    proc: subprocess.Popen[bytes]
    ctrl: socket.socket
    calls: int = 0
    connections: int = 0
    adopted: int = 0
    handed: int = 0  # sockets sent; those not yet reported as adopted count as load too
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    started: float = field(default_factory=time.monotonic)

    @property
    def load(self) -> int:
        return self.connections + self.handed - self.adopted

    def hand(self, conn: socket.socket) -> bool:
        try:
            socket.send_fds(self.ctrl, [b"c"], [conn.fileno()])
        except OSError:
            return False  # the worker is gone
        self.handed += 1
        return True


def spawn(index: int) -> Worker:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    env = {**os.environ, WORKER_FD_ENV: str(theirs.fileno()), WORKER_INDEX_ENV: str(index)}
    if index != 0:  # the plain-HTTP side (transcript streams) is served by the first worker
        env.pop("SWITCHBOARD_RELAY_HTTP_PORT", None)
    proc = subprocess.Popen([sys.executable, "-m", "media_relay"], env=env, pass_fds=[theirs.fileno()])
    theirs.close()
    ours.setblocking(False)
    return Worker(index, proc, ours)


class Supervisor:
    def __init__(self, config: RelaySettings, settings: LifecycleSettings) -> None:
        self.config, self.settings = config, settings
        self.workers: list[Worker] = []
        self.stopping = asyncio.Event()
        self.life: Lifecycle | None = None

    def _total(self) -> int:
        return sum(w.calls for w in self.workers)

    async def _listen_to(self, worker: Worker) -> None:
        """Read the worker's reports until it exits."""
        loop = asyncio.get_running_loop()
        pending = b""
        while data := await loop.sock_recv(worker.ctrl, 4096):
            pending += data
            *lines, pending = pending.split(b"\n")
            for line in lines:
                worker.calls, worker.connections, worker.adopted = (int(x) for x in line.split())
                worker.ready.set()
            if self.life is not None:
                self.life.calls_changed(self._total())
        worker.calls = worker.connections = 0  # it exited: its calls ended with it
        worker.ctrl.close()
        if self.life is not None:
            self.life.calls_changed(self._total())

    async def _accept(self, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            conn, _ = await loop.sock_accept(listener)
            with conn:
                for worker in sorted(self._alive(), key=lambda w: (w.load, w.index)):
                    if worker.hand(conn):
                        break

    def _alive(self) -> list[Worker]:
        return [w for w in self.workers if w.proc.poll() is None and w.ready.is_set()]

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        listener = socket.create_server((self.config.host, self.config.port), backlog=1024)
        listener.setblocking(False)
        self.workers = [spawn(i) for i in range(self.config.workers)]
        readers = {w.index: asyncio.create_task(self._listen_to(w)) for w in self.workers}
        async with httpx.AsyncClient(timeout=5.0) as http:
            self.life = Lifecycle(TaskProtection(self.settings.ecs_agent_uri, http, self.settings.protection_minutes),
                                  ActiveCallsMetric(self.settings.service_name), self.settings.metric_interval_seconds)
            runner = asyncio.create_task(self.life.run())
            accepting: asyncio.Task[None] | None = None
            try:  # connections wait in the backlog until a worker is ready for them
                await asyncio.wait([asyncio.create_task(w.ready.wait()) for w in self.workers], timeout=STARTUP_S)
                accepting = asyncio.create_task(self._accept(listener))
                logger.info("relay listening", extra={"host": self.config.host, "port": self.config.port,
                                                      "workers": len(self._alive())})
                await self._watch(readers)
                logger.info("draining", extra={"activeCalls": self._total(), "workers": len(self.workers)})
                for w in self.workers:
                    with contextlib.suppress(ProcessLookupError):
                        w.proc.send_signal(signal.SIGTERM)
                exited = asyncio.create_task(asyncio.to_thread(self._wait_all))
                await asyncio.wait([exited], timeout=self.settings.drain_seconds + KILL_GRACE_S)
                for w in self.workers:
                    if w.proc.poll() is None:
                        w.proc.kill()
                await exited
            finally:
                if accepting is not None:
                    accepting.cancel()
                listener.close()
                await asyncio.gather(*readers.values(), return_exceptions=True)
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.remove_signal_handler(sig)
                await self.life.close(runner)
        return 0 if all(w.proc.returncode == 0 for w in self.workers) else 1

    async def _watch(self, readers: dict[int, asyncio.Task[None]]) -> None:
        """Until SIGTERM: start again a worker that died (unless it died starting, or all have)."""
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), 1.0)
            for i, w in enumerate(self.workers):
                if w.proc.poll() is None or self.stopping.is_set():
                    continue
                if time.monotonic() - w.started < STARTUP_S:
                    if not any(x.proc.poll() is None for x in self.workers):
                        logger.error("every relay worker exited while starting", extra={"code": w.proc.returncode})
                        self.stopping.set()
                    continue
                logger.error("relay worker exited; starting another", extra={"worker": i, "code": w.proc.returncode})
                self.workers[i] = spawn(i)
                readers[i] = asyncio.create_task(self._listen_to(self.workers[i]))

    def _wait_all(self) -> None:
        for w in self.workers:
            w.proc.wait()
