"""The relay process's life on ECS: drain on SIGTERM, scale-in protection while calls are live,
and the ActiveCalls metric the service scales on.

A call lives on the task that holds its socket, so a task must not be stopped under a live call:
while calls are active the task asks the ECS agent for scale-in protection (which also holds
off deployments), and when ECS stops it anyway (SIGTERM; SIGKILL `stopTimeout` later) it
refuses new calls, lets the live ones finish until a deadline, then exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import time
from collections.abc import Callable
from typing import Protocol, TextIO

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from switchboard.logging import logger

NAMESPACE = "Switchboard"
METRIC = "ActiveCalls"


class LifecycleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SWITCHBOARD_RELAY_", extra="ignore", populate_by_name=True)

    # Fargate sends SIGKILL stopTimeout (at most 120 s) after SIGTERM; stop waiting a little before that.
    drain_seconds: float = 110.0
    metric_interval_seconds: float = 60.0
    # The metric's ServiceName dimension; the template's scaling policy names the same value.
    service_name: str = "switchboard-relay"
    # Protection lapses by itself after this long (ECS allows 1-2880 minutes); renewed while calls last.
    protection_minutes: int = Field(default=60, ge=1, le=2880)
    # Set by ECS in every task (platform 1.4+); absent elsewhere, which turns protection off.
    ecs_agent_uri: str | None = Field(default=None, validation_alias="ECS_AGENT_URI")


class TaskProtection:
    """ECS task scale-in protection through the agent endpoint; a no-op outside ECS.

    The agent calls ecs:UpdateTaskProtection with the task role's credentials (template.yaml grants
    it). Failures are logged and retried on the next update: losing protection only exposes live
    calls to a scale-in, which the drain still softens.
    """

    def __init__(self, agent_uri: str | None, http: httpx.AsyncClient, minutes: int = 60,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.url = f"{agent_uri.rstrip('/')}/task-protection/v1/state" if agent_uri else None
        self.http, self.minutes, self.clock = http, minutes, clock
        self.enabled = False
        self._renew_at = 0.0

    async def update(self, active: int) -> None:
        """Protect the task while `active` > 0 (renewing at half-life), release it at 0."""
        if self.url is None:
            return
        if active > 0 and (not self.enabled or self.clock() >= self._renew_at):
            await self._put({"ProtectionEnabled": True, "ExpiresInMinutes": self.minutes}, enabled=True)
        elif active == 0 and self.enabled:
            await self._put({"ProtectionEnabled": False}, enabled=False)

    async def _put(self, body: dict[str, object], *, enabled: bool) -> None:
        assert self.url is not None
        try:
            resp = await self.http.put(self.url, json=body)
            answer = resp.json() if resp.content else {}
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("task protection update failed", extra={"error": repr(exc), "wanted": enabled})
            return
        failure = (answer.get("failure") or answer.get("error")) if isinstance(answer, dict) else None
        if resp.is_error or failure:
            logger.warning("task protection refused", extra={"status": resp.status_code, "failure": failure,
                                                              "wanted": enabled})
            return
        self.enabled = enabled
        self._renew_at = self.clock() + self.minutes * 30  # half the protection's lifetime, in seconds
        logger.info("task protection set", extra={"enabled": enabled, "expiresInMinutes": self.minutes})


class ActiveCallsMetric:
    """Writes the ActiveCalls metric as a CloudWatch embedded-metric-format (EMF) line on stdout.

    Why EMF rather than PutMetricData: on Fargate the awslogs driver ships stdout to CloudWatch
    Logs with PutLogEvents, and CloudWatch Logs extracts EMF metrics from any event it ingests
    (the `x-amzn-logs-format` header is optional). So publishing costs one print: no AWS call on
    the relay's event loop, no thread, no boto3 client, no `cloudwatch:PutMetricData` grant.
    """

    def __init__(self, service_name: str, out: TextIO | None = None,
                 now: Callable[[], float] = time.time) -> None:
        self.service_name, self.out, self.now = service_name, out, now

    def document(self, active: int) -> dict[str, object]:
        return {
            "_aws": {"Timestamp": int(self.now() * 1000),
                     "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": [["ServiceName"]],
                                            "Metrics": [{"Name": METRIC, "Unit": "Count"}]}]},
            "ServiceName": self.service_name,
            METRIC: active,
        }

    def emit(self, active: int) -> None:
        print(json.dumps(self.document(active)), file=self.out or sys.stdout, flush=True)


class Lifecycle:
    """Follows the active-call count: protection on every change, the metric once per interval.

    The metric reports the interval's peak, so calls that start and end between two samples
    still count towards scaling out.
    """

    def __init__(self, protection: TaskProtection, metric: ActiveCallsMetric, interval: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.protection, self.metric, self.interval, self.clock = protection, metric, interval, clock
        self.active = self.peak = 0
        self._changed = asyncio.Event()

    def calls_changed(self, active: int) -> None:
        self.active = active
        self.peak = max(self.peak, active)
        self._changed.set()

    async def run(self) -> None:
        next_sample = self.clock()
        while True:
            with contextlib.suppress(TimeoutError):  # a change, or time for the next sample
                await asyncio.wait_for(self._changed.wait(), max(0.0, next_sample - self.clock()))
            self._changed.clear()
            await self.protection.update(self.active)
            if self.clock() >= next_sample:
                self._sample()
                next_sample = self.clock() + self.interval

    async def close(self, runner: asyncio.Task[None] | None = None) -> None:
        """Stop following, release protection if idle, and write a last sample."""
        if runner is not None:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
        await self.protection.update(self.active)
        self._sample()

    def _sample(self) -> None:
        self.metric.emit(self.peak)
        self.peak = self.active


class Drainable(Protocol):
    on_calls_changed: Callable[[int], None]

    @property
    def active(self) -> int: ...

    async def drain(self, seconds: float) -> bool: ...

    async def stop(self) -> None: ...


async def serve_until_stopped(relay: Drainable, settings: LifecycleSettings | None = None,
                              signals: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT),
                              follow: bool = True) -> None:
    """Run until SIGTERM/SIGINT, then drain (no new calls, live ones finish up to the deadline) and stop.

    `follow`: hold scale-in protection and write the metric for this process's calls. A worker
    process does not: its supervisor follows the sum over workers (`media_relay.workers`).
    """
    settings = settings or LifecycleSettings()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in signals:
        loop.add_signal_handler(sig, stopping.set)
    async with httpx.AsyncClient(timeout=5.0) as http:
        life = Lifecycle(TaskProtection(settings.ecs_agent_uri, http, settings.protection_minutes),
                         ActiveCallsMetric(settings.service_name), settings.metric_interval_seconds)
        runner: asyncio.Task[None] | None = None
        if follow:
            relay.on_calls_changed = life.calls_changed
            life.calls_changed(relay.active)
            runner = asyncio.create_task(life.run())
        try:
            await stopping.wait()
            logger.info("draining", extra={"activeCalls": relay.active, "deadlineSeconds": settings.drain_seconds})
            drained = await relay.drain(settings.drain_seconds)
            logger.info("drained" if drained else "drain deadline reached", extra={"activeCalls": relay.active})
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)
            await relay.stop()
            if runner is not None:
                await life.close(runner)
