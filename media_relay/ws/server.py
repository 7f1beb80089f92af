"""A WebSocket server on `WsConnection`: a listening socket (or sockets handed over by a supervisor),
a handler per connection, and a close that behaves like websockets' own server.

Closing stops accepting, answers handshakes still in progress with 503, closes open connections
with 1001 (going away), and waits for every handler to return.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

from websockets.http11 import Request, Response
from websockets.protocol import OPEN

from media_relay.ws.connection import WsConnection

Handler = Callable[[WsConnection], Awaitable[None]]
ProcessRequest = Callable[[WsConnection, Request], Awaitable[Response | None]]


class WsServer:
    def __init__(self, handler: Handler, process_request: ProcessRequest, *, max_size: int = 2**20) -> None:
        self.handler, self.process_request, self.max_size = handler, process_request, max_size
        self.connections: set[WsConnection] = set()
        self.tasks: set[asyncio.Task[None]] = set()  # each connection's handshake and handler
        self.closing = False
        self.on_change: Callable[[], None] = lambda: None  # a connection opened or closed
        self.server: asyncio.Server | None = None
        self._closed: asyncio.Task[None] | None = None

    def _protocol(self) -> WsConnection:
        return WsConnection(self)

    async def listen(self, host: str | None, port: int) -> WsServer:
        self.server = await asyncio.get_running_loop().create_server(self._protocol, host, port)
        return self

    async def adopt(self, sock: socket.socket) -> None:
        """Serve a connection another process accepted (a supervisor hands it over)."""
        if self.closing:
            sock.close()
            return
        await asyncio.get_running_loop().connect_accepted_socket(self._protocol, sock)

    @property
    def sockets(self) -> list[socket.socket]:
        return list(self.server.sockets) if self.server is not None else []

    def close(self, code: int = 1001) -> None:
        if self._closed is None:
            self.closing = True
            self._closed = asyncio.get_running_loop().create_task(self._close(code))

    async def _close(self, code: int) -> None:
        if self.server is not None:
            self.server.close()
        closes = [asyncio.create_task(c.close(code)) for c in list(self.connections) if c.protocol.state is OPEN]
        if closes:
            await asyncio.wait(closes)
        if self.server is not None:
            await self.server.wait_closed()
        lost = [asyncio.create_task(c.wait_closed()) for c in list(self.connections)]
        if lost or self.tasks:
            await asyncio.wait([*lost, *self.tasks])

    async def wait_closed(self) -> None:
        if self._closed is not None:
            await asyncio.shield(self._closed)

