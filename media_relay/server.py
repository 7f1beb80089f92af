"""The relay process: accepts Twilio Media Streams sockets (signature-checked) and runs a session each.

`GET /health` answers for load balancers. Draining (no new calls, live calls finish) arrives
with the Fargate deployment.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any

import httpx
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from media_relay.config import RelaySettings
from media_relay.providers import build_stt, build_tts
from media_relay.records import DynamoCallRecords
from media_relay.session import CallSession, RelayDeps
from switchboard.carrier import signature
from switchboard.container import Container, get_container
from switchboard.logging import logger

PATH = "/twilio"


class Relay:
    def __init__(self, deps: RelayDeps, public_url: str, auth_token: str) -> None:
        self.deps, self.public_url, self.auth_token = deps, public_url, auth_token
        self.active = 0
        self.server: Server | None = None

    def check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path == "/health":
            return connection.respond(HTTPStatus.OK, "ok\n")
        if path != PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        given = request.headers.get("X-Twilio-Signature", "")
        if not signature.validate(self.public_url, {}, given, self.auth_token):
            logger.warning("media stream refused: bad or missing X-Twilio-Signature")
            return connection.respond(HTTPStatus.FORBIDDEN, "invalid signature\n")
        return None

    async def handle(self, ws: ServerConnection) -> None:
        self.active += 1
        try:
            await CallSession(ws, self.deps).run()
        except Exception:
            logger.exception("call session failed")
        finally:
            self.active -= 1

    async def start(self, host: str, port: int) -> Relay:
        self.server = await serve(self.handle, host, port, process_request=self.check_request,
                                  max_size=2**20, ping_interval=None)
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


def build_relay(container: Container, config: RelaySettings | None = None) -> Relay:
    config = config or RelaySettings()
    deps = RelayDeps(stt=build_stt(config), tts=build_tts(config), records=DynamoCallRecords(container),
                     http=httpx.AsyncClient(), vad_mode=config.vad_mode)
    public = config.public_url or container.settings.relay_url
    return Relay(deps, public, container.carrier.auth_token)


async def main() -> None:
    config = RelaySettings()
    relay = await build_relay(get_container(), config).start(config.host, config.port)
    logger.info("relay listening", extra={"host": config.host, "port": config.port})
    try:
        await asyncio.Future()
    finally:
        await relay.stop()


def run() -> Any:
    return asyncio.run(main())
