"""One WebSocket connection as an asyncio.Protocol: the handshake and the rare frames go through
websockets' sans-I/O `ServerProtocol`; whole, masked, unfragmented data frames are unmasked here.

To a session it looks like websockets' `ServerConnection` as the relay uses it: `async for message in
ws`, `await ws.send(str | bytes)`, `await ws.close(code, reason)`, `remote_address`, `request`,
and `respond()` for `process_request`. Received messages wait in a deque; the reader task is woken
only when it is waiting, and sends write straight to the transport. A reader may also take messages
as they arrive (`direct`), with no task switch: per message, that is the largest cost it can shed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from websockets.exceptions import ConnectionClosedOK
from websockets.frames import Frame
from websockets.http11 import Request, Response
from websockets.protocol import CLOSED, CONNECTING, OPEN
from websockets.server import ServerProtocol

from media_relay.ws import frames as wf
from switchboard.logging import logger

if TYPE_CHECKING:
    from media_relay.ws.server import WsServer

CLOSE_TIMEOUT_S = 10.0  # websockets' default: how long a closing handshake may take
OPEN_TIMEOUT_S = 10.0  # how long a client may take to send its HTTP request


class WsConnection(asyncio.Protocol):
    def __init__(self, server: WsServer) -> None:
        self.server = server
        self.loop = asyncio.get_running_loop()
        self.protocol = ServerProtocol(max_size=server.max_size)
        self.transport: asyncio.Transport | None = None
        self.request: Request | None = None
        self.response: Response | None = None
        self.handler_task: asyncio.Task[None] | None = None
        self._buf = bytearray()
        self._fast = False  # open, and frames are parsed here (not by websockets' reader)
        self._messages: deque[Any] = deque()
        # Takes a message as it arrives while none is queued: returns None when it took it, else what
        # the reader gets in its place (the message, or what was made of it), queued in order.
        self.direct: Callable[[str | bytes], object | None] | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._fragments: list[bytes] | None = None  # a fragmented message (read by websockets), in parts
        self._fragmented_text = False
        self._lost: asyncio.Future[None] = self.loop.create_future()
        self._writable: asyncio.Future[None] | None = None  # set while the transport's buffer is full
        self._timer: asyncio.TimerHandle | None = None

    # --- what a session uses -------------------------------------------------------------------------

    @property
    def remote_address(self) -> Any:
        return self.transport.get_extra_info("peername") if self.transport is not None else None

    def respond(self, status: HTTPStatus | int, text: str) -> Response:
        """A plain-text HTTP response instead of the WebSocket (for `process_request`)."""
        return self.protocol.reject(status, text)

    def __aiter__(self) -> WsConnection:
        return self

    async def __anext__(self) -> Any:  # str | bytes, or what `direct` returned
        while not self._messages:
            if self.protocol.state is CLOSED or self._lost.done():
                exc = self._close_exc()
                if isinstance(exc, ConnectionClosedOK):
                    raise StopAsyncIteration
                raise exc
            self._waiter = self.loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._messages.popleft()

    async def send(self, message: str | bytes) -> None:
        if self.protocol.state is not OPEN or self.transport is None or self.transport.is_closing():
            await self._wait_closed()
            raise self._close_exc()
        if isinstance(message, str):
            self.transport.write(wf.server_frame(wf.OP_TEXT, message.encode()))
        else:
            self.transport.write(wf.server_frame(wf.OP_BINARY, message))
        if self._writable is not None:
            await asyncio.shield(self._writable)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Start the closing handshake (if not under way) and wait for the TCP connection to close."""
        if self.protocol.state is OPEN:
            self.protocol.send_close(code, reason)
            self._flush()
        await self._wait_closed()

    async def wait_closed(self) -> None:
        await asyncio.shield(self._lost)

    # --- asyncio.Protocol ----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transports are not asyncio's classes
        self.server.connections.add(self)
        self.server.on_change()
        self._arm(OPEN_TIMEOUT_S)

    def data_received(self, data: bytes) -> None:
        if not self._fast:
            self._feed(data)
            return
        buf = self._buf
        if not buf and self._fragments is None and (one := wf.single(data)) is not None \
                and len(one[1]) <= self.server.max_size:  # one whole message in one read: no buffering
            self._deliver(one[1], one[0] == wf.OP_TEXT)
            if self.protocol.state is not OPEN:
                self._slow()
            return
        buf += data
        while (h := wf.head(buf)) is not None:
            if h.length > self.server.max_size:  # websockets fails it (1009) and reads no further
                self._slow()
                return
            if len(buf) < h.size:
                return
            if h.plain and h.fin and h.opcode in (wf.OP_TEXT, wf.OP_BINARY) and self._fragments is None:
                payload = wf.payload(buf, h)
                del buf[:h.size]
                self._deliver(payload, h.opcode == wf.OP_TEXT)
            else:  # control frames, fragments, protocol errors: websockets reads them, whole
                frame = bytes(buf[:h.size])
                del buf[:h.size]
                self._feed(frame)
            if self.protocol.state is not OPEN:
                self._slow()
                return

    def eof_received(self) -> bool | None:
        self.protocol.receive_eof()
        self._flush()
        self._wake()
        return None  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.protocol.receive_eof()  # idempotent: marks the connection CLOSED if the peer vanished
        self.server.connections.discard(self)
        self.server.on_change()
        if self._timer is not None:
            self._timer.cancel()
        if not self._lost.done():
            self._lost.set_result(None)
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        self._wake()

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = self.loop.create_future()

    def resume_writing(self) -> None:
        if self._writable is not None:
            if not self._writable.done():
                self._writable.set_result(None)
            self._writable = None

    # --- inside ----------------------------------------------------------------------------------------

    def _slow(self) -> None:
        """Hand the rest of the stream to websockets' reader (it fails or closes the connection)."""
        self._fast = False
        if self._buf:
            rest, self._buf = bytes(self._buf), bytearray()
            self._feed(rest)

    def _feed(self, data: bytes) -> None:
        try:
            self.protocol.receive_data(data)
        except EOFError:  # data after EOF: nothing more to read
            return
        for event in self.protocol.events_received():
            if isinstance(event, Request):
                self.request = event
                self.handler_task = task = self.loop.create_task(self._handshake(event))
                self.server.tasks.add(task)
                task.add_done_callback(self.server.tasks.discard)
            elif isinstance(event, Frame):
                self._frame(event)
        self._flush()
        if self.protocol.state is CONNECTING and self.protocol.handshake_exc is not None and self.request is None:
            self._close_transport()  # not a valid HTTP request: websockets sent EOF
        self._wake()

    def _frame(self, frame: Frame) -> None:
        opcode = frame.opcode.value
        if opcode in (wf.OP_TEXT, wf.OP_BINARY):
            if frame.fin:
                self._deliver(bytes(frame.data), opcode == wf.OP_TEXT)
            else:
                self._fragments, self._fragmented_text = [bytes(frame.data)], opcode == wf.OP_TEXT
        elif opcode == wf.OP_CONT and self._fragments is not None:
            self._fragments.append(bytes(frame.data))
            if frame.fin:
                whole, self._fragments = b"".join(self._fragments), None
                self._deliver(whole, self._fragmented_text)

    def _deliver(self, payload: bytes, text: bool) -> None:
        if text:
            try:
                message: str | bytes = payload.decode()
            except UnicodeDecodeError:
                self.protocol.fail(1007, "invalid UTF-8")
                self._flush()
                return
        else:
            message = payload
        item: object = message
        if self.direct is not None and not self._messages:
            item = self.direct(message)
            if item is None:
                return
        self._messages.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _wake(self) -> None:
        if self.protocol.state is CLOSED and self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _flush(self) -> None:
        transport = self.transport
        if transport is None:
            return
        for data in self.protocol.data_to_send():
            if data:
                transport.write(data)
            elif transport.can_write_eof():
                transport.write_eof()
            else:
                transport.close()
        if self.protocol.close_expected():
            self._arm(CLOSE_TIMEOUT_S)  # the peer has this long to finish closing

    def _arm(self, seconds: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.loop.call_later(seconds, self._close_transport, True)

    def _close_transport(self, abort: bool = False) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort() if abort else self.transport.close()

    async def _wait_closed(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(self._lost)

    def _close_exc(self) -> Exception:
        if self.protocol.state is not CLOSED:
            self.protocol.receive_eof()
        return self.protocol.close_exc

    async def _handshake(self, request: Request) -> None:
        try:
            response = await self.server.process_request(self, request)
        except Exception as exc:
            self.protocol.handshake_exc = exc
            logger.exception("process_request failed")
            response = self.protocol.reject(HTTPStatus.INTERNAL_SERVER_ERROR, "Failed to open a WebSocket "
                                            "connection.\nSee server log for more information.\n")
        if response is None:
            response = self.protocol.accept(request)
        if response.status_code == HTTPStatus.SWITCHING_PROTOCOLS and self.server.closing:
            response = self.protocol.reject(HTTPStatus.SERVICE_UNAVAILABLE, "Server is shutting down.\n")
        if self._lost.done():
            return
        self.response = response
        self.protocol.send_response(response)
        self._flush()
        if self.protocol.state is not OPEN:
            self._close_transport()
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._fast = not self.protocol.reader.buffer  # frames sent ahead of the 101 stay with websockets
        try:
            await self.server.handler(self)
        except Exception:
            logger.exception("connection handler failed")
            await self.close(1011)  # internal error, as websockets' server closes it
        else:
            await self.close()
