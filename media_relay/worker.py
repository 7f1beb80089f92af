"""A relay worker process: serves the connections its supervisor hands over, reports its load back.

It is the same relay as a single process (same handler, `/health`, drain on SIGTERM), minus the
listening socket, the scale-in protection and the metric, which the supervisor keeps for the task.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket

from media_relay.config import RelaySettings
from media_relay.lifecycle import LifecycleSettings, serve_until_stopped
from media_relay.server import Relay, build_relay
from media_relay.workers import WORKER_FD_ENV, WORKER_INDEX_ENV
from switchboard.container import get_container
from switchboard.logging import logger


class Reporter:
    """Sends `<calls> <connections> <adopted>` up the control socket whenever one of them changes."""

    def __init__(self, ctrl: socket.socket, relay: Relay) -> None:
        self.ctrl, self.relay = ctrl, relay
        self.adopted = 0
        self._last = ""

    def __call__(self, *_: object) -> None:
        server = self.relay.server
        line = f"{self.relay.active} {len(server.connections) if server else 0} {self.adopted}\n"
        if line != self._last:
            self._last = line
            with contextlib.suppress(OSError):  # the supervisor is gone; SIGTERM or the drain ends this process
                self.ctrl.send(line.encode())


async def serve_worker(config: RelaySettings) -> None:
    index = int(os.environ.get(WORKER_INDEX_ENV, "0"))
    logger.append_keys(worker=index)
    ctrl = socket.socket(fileno=int(os.environ[WORKER_FD_ENV]))
    ctrl.setblocking(False)
    relay = await build_relay(get_container(), config).start(None, None)
    report = Reporter(ctrl, relay)
    assert relay.server is not None
    relay.server.on_change = report
    loop = asyncio.get_running_loop()
    adopting: set[asyncio.Task[None]] = set()

    def handed_over() -> None:
        try:
            _, fds, _, _ = socket.recv_fds(ctrl, 64, 16)
        except BlockingIOError:
            return
        except OSError:
            fds = []
        if not fds:  # the supervisor closed its end
            loop.remove_reader(ctrl.fileno())
            return
        for fd in fds:
            report.adopted += 1
            task = loop.create_task(relay.server.adopt(socket.socket(fileno=fd)))  # type: ignore[union-attr]
            adopting.add(task)
            task.add_done_callback(adopting.discard)

    loop.add_reader(ctrl.fileno(), handed_over)
    relay.on_calls_changed = report
    report()  # ready
    logger.info("relay worker ready", extra={"worker": index, "pid": os.getpid()})
    try:
        await serve_until_stopped(relay, LifecycleSettings(), follow=False)
    finally:
        loop.remove_reader(ctrl.fileno())
        ctrl.close()
