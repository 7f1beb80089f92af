"""The relay process: accepts Twilio Media Streams sockets (signature-checked) and browsers' web-call
sockets (token-checked), and runs a session each.

`GET /health` answers for load balancers: 200, or 503 once the relay drains (no new calls; live calls
finish). `python -m media_relay` drains on SIGTERM (see `lifecycle`).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import httpx
import uvloop
from websockets.http11 import Request, Response

from media_relay.analysis import PostCallAnalyst
from media_relay.browser import gate
from media_relay.browser.records import DynamoWebCalls, WebCallRecords
from media_relay.browser.session import BrowserCallSession
from media_relay.call_control import CarrierCallControl
from media_relay.call_end import CallEndRecords
from media_relay.config import RelaySettings
from media_relay.endpointing.smart_turn import SmartTurn
from media_relay.engine.plan import RelayLimits
from media_relay.http_side import HttpSide
from media_relay.lifecycle import LifecycleSettings, serve_until_stopped
from media_relay.llm.factory import build_language_model
from media_relay.ports import FRAME_MS
from media_relay.providers import build_stt, build_tts
from media_relay.recording.s3 import s3_recordings
from media_relay.session import CallSession, RelayDeps
from media_relay.stats import StallReporter
from media_relay.workers import WORKER_FD_ENV, Supervisor
from media_relay.ws import WsConnection, WsServer
from switchboard.carrier import signature
from switchboard.container import Container, get_container
from switchboard.logging import logger
from switchboard.net.client import guarded_async_client

PATH = "/twilio"
WEB_PATH = "/web"


class Relay:
    def __init__(self, deps: RelayDeps, public_url: str, auth_token: str,
                 web_calls: WebCallRecords | None = None) -> None:
        self.deps, self.public_url, self.auth_token = deps, public_url, auth_token
        self.web_calls = web_calls
        self.http_side: HttpSide | None = None
        self.active = 0
        self.server: WsServer | None = None
        self.draining = False
        self.idle = asyncio.Event()
        self.idle.set()
        self.on_calls_changed: Callable[[int], None] = lambda active: None
        self._lag_watch: asyncio.Task[None] | None = None
        self._warming: asyncio.Task[None] | None = None
        self.stall_reporter: asyncio.Task[None] | None = None

    async def process_request(self, connection: WsConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path == WEB_PATH and self.web_calls is not None:
            if self.draining:
                return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "draining: no new calls\n")
            return await gate.admit(self.web_calls, connection, request)
        return self.check_request(connection, request)

    def check_request(self, connection: WsConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path == "/health":
            if self.draining:  # the load balancer stops routing here; live calls go on
                return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "draining\n")
            return connection.respond(HTTPStatus.OK, "ok\n")
        if path == "/stats" and self._from_loopback(connection):
            model = self.deps.turn_model
            turn_model = {"turnModel": {"decisions": model.decisions, "cpuSeconds": round(model.cpu_s, 3)}
                          if model is not None else None}
            snapshot = json.dumps({**self.deps.stats.snapshot(self.active), **turn_model}) + "\n"
            if request.path.endswith("?reset"):
                self.deps.stats.reset()
            return connection.respond(HTTPStatus.OK, snapshot)
        if path != PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        if self.draining:
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "draining: no new calls\n")
        given = request.headers.get("X-Twilio-Signature", "")
        if not signature.validate(self.public_url, {}, given, self.auth_token):
            logger.warning("media stream refused: bad or missing X-Twilio-Signature")
            return connection.respond(HTTPStatus.FORBIDDEN, "invalid signature\n")
        return None

    @staticmethod
    def _from_loopback(connection: WsConnection) -> bool:
        peer = connection.remote_address
        return bool(peer) and peer[0] in ("127.0.0.1", "::1")

    async def handle(self, ws: WsConnection) -> None:
        self._count(+1)
        try:
            grant = gate.grant_of(ws)
            if grant is not None and self.web_calls is not None:
                await BrowserCallSession(ws, self.deps, self.web_calls, grant).run()
            else:
                await CallSession(ws, self.deps).run()
        except Exception:
            logger.exception("call session failed")
        finally:
            self._count(-1)

    def _count(self, delta: int) -> None:
        self.active += delta
        if self.active:
            self.idle.clear()
        else:
            self.idle.set()
        self.on_calls_changed(self.active)

    async def drain(self, seconds: float) -> bool:
        """Refuse new calls and wait up to `seconds` for the live ones to end; True if they all did."""
        self.draining = True
        try:
            await asyncio.wait_for(self.idle.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def start(self, host: str | None, port: int | None) -> Relay:
        """Listen on `port`; None: serve the sockets a supervisor hands over (`media_relay.worker`)."""
        self.server = WsServer(self.handle, self.process_request, max_size=2**20)
        if port is not None:
            await self.server.listen(host, port)
        self._lag_watch = asyncio.create_task(self.deps.stats.watch_loop())
        self._warming = asyncio.create_task(self._warm_speech())
        if self.http_side is not None:
            await self.http_side.start()
        return self

    async def _warm_speech(self) -> None:
        """A recogniser that is slow to set up (pocketsphinx: its model) does it before the first call."""
        warm = getattr(self.deps.stt, "warm", None)
        if warm is not None:
            try:
                await warm()
            except Exception:
                logger.exception("speech-to-text warm-up failed; calls set it up themselves")

    async def stop(self) -> None:
        if self._warming is not None:
            self._warming.cancel()
        if self.http_side is not None:
            await self.http_side.stop()
        if self._lag_watch is not None:
            self._lag_watch.cancel()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


def build_relay(container: Container, config: RelaySettings | None = None) -> Relay:
    config = config or RelaySettings()
    max_call = config.max_call_seconds or container.settings.plan.max_call_duration_minutes * 60
    limits = RelayLimits(max_duration_s=max_call, max_silence_ceiling_ms=config.max_silence_ceiling_ms)
    records = CallEndRecords(container)
    # Tenant URLs (voice turns, custom tools) go through the guarded client; the operator's own model
    # endpoint (configured, not chosen by a tenant, often on a private address) gets a plain one.
    tenant_http = guarded_async_client(local_mode=container.settings.local_mode,
                                       resolver=lambda host, port: container.resolver(host, port))
    deps = RelayDeps(stt=build_stt(config), tts=build_tts(config), records=records,
                     http=tenant_http, control=CarrierCallControl(lambda: container.carrier),
                     vad_mode=config.vad_mode, limits=limits,
                     frames_per_message=config.playout_message_ms // FRAME_MS)
    deps.llm_factory = lambda: build_language_model(deps.llm_settings(), http=httpx.AsyncClient())
    # Post-call analysis uses the hosted-mode model, built lazily like the calls' own.
    records.analyst = PostCallAnalyst(deps.llm_settings, deps.language_model)
    deps.turn_model = _turn_model(config)
    deps.recordings = s3_recordings(container)
    deps.spool_dir = config.spool_dir
    public = config.public_url or container.settings.relay_url
    relay = Relay(deps, public, container.carrier.auth_token, DynamoWebCalls(container))
    if config.http_port is not None:
        relay.http_side = HttpSide(container, config.host, config.http_port)
    return relay


def _turn_model(config: RelaySettings) -> SmartTurn | None:
    if config.turn_model_path == "":
        return None
    model = SmartTurn(config.turn_model_path or None, threshold=config.turn_model_threshold)
    if not model.available:
        logger.warning("no end-of-turn model: turns end after endOfTurnSilenceMs",
                       extra={"path": str(model.path), "fetch": "scripts/fetch_turn_model.py"})
        return None
    return model


async def main() -> None:
    config = RelaySettings()
    relay = await build_relay(get_container(), config).start(config.host, config.port)
    logger.info("relay listening", extra={"host": config.host, "port": config.port})
    if config.stall_report_ms:
        relay.stall_reporter = asyncio.create_task(StallReporter(config.stall_report_ms).heartbeat())
    await serve_until_stopped(relay, LifecycleSettings())  # stops the relay after draining


def run() -> Any:
    """`python -m media_relay`: one process, a supervisor of `workers` processes, or one of those."""
    config = RelaySettings()
    sys.setswitchinterval(config.gil_switch_interval_ms / 1000)
    loop_factory = uvloop.new_event_loop if config.event_loop == "uvloop" else None
    if os.environ.get(WORKER_FD_ENV):
        from media_relay.worker import serve_worker

        return asyncio.run(serve_worker(config), loop_factory=loop_factory)
    if config.workers > 1:  # the supervisor only accepts and hands over: asyncio's own loop will do
        raise SystemExit(asyncio.run(Supervisor(config, LifecycleSettings()).run()))
    return asyncio.run(main(), loop_factory=loop_factory)
