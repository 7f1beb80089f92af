"""The relay's WebSocket layer (media_relay/ws) against websockets' own client, over real sockets: the
fast path for media frames and everything it hands to websockets' protocol (fragments, pings,
oversize and malformed frames, HTTP answers instead of a socket, closing)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidStatus
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response

from media_relay.ws import WsConnection, WsServer
from media_relay.ws import frames as wf


class Echo:
    """A handler that echoes every message and records how the stream ended."""

    def __init__(self) -> None:
        self.ended: list[str] = []
        self.handlers_done = 0

    async def handle(self, ws: WsConnection) -> None:
        try:
            async for message in ws:
                await ws.send(message)
            self.ended.append("ok")
        except ConnectionClosed as exc:
            self.ended.append(type(exc).__name__)
        finally:
            self.handlers_done += 1

    async def process_request(self, ws: WsConnection, request: Request) -> Response | None:
        if request.path == "/health":
            return ws.respond(200, "ok\n")
        if request.path == "/slow":
            await asyncio.sleep(0.05)  # an async check (a token redeemed in DynamoDB, say)
            return ws.respond(403, "no\n")
        return None


@pytest.fixture
async def served() -> AsyncIterator[tuple[Echo, WsServer, str]]:
    echo = Echo()
    server = await WsServer(echo.handle, echo.process_request, max_size=2**16).listen("127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield echo, server, f"127.0.0.1:{port}"
    server.close()
    await server.wait_closed()


async def test_text_binary_fragmented_and_large_messages_come_back_whole(served: Any) -> None:
    _, _, addr = served
    async with connect(f"ws://{addr}/twilio") as ws:
        for message in ["media", b"\x00\xff" * 80, "é" * 100, "x" * 40_000, b"y" * 65_000]:
            await ws.send(message)
            assert await ws.recv() == message
        await ws.send(["frag", "mented ", "text"])
        assert await ws.recv() == "fragmented text"
        await ws.send([b"ab", b"cd"])
        assert await ws.recv() == b"abcd"
        await asyncio.wait_for(await ws.ping(b"are you there"), 5)  # answered by websockets' protocol
        await ws.send("after the ping")
        assert await ws.recv() == "after the ping"


async def test_a_normal_close_ends_the_handlers_loop_quietly(served: Any) -> None:
    echo, _, addr = served
    async with connect(f"ws://{addr}/twilio") as ws:
        await ws.send("hi")
        await ws.recv()
    await wait_for(lambda: echo.ended == ["ok"])


async def test_an_oversized_message_closes_with_1009(served: Any) -> None:
    echo, _, addr = served
    async with connect(f"ws://{addr}/twilio", max_size=None) as ws:
        await ws.send(b"z" * (2**16 + 1))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    await wait_for(lambda: echo.ended == ["ConnectionClosedError"])


async def test_invalid_utf8_in_a_text_frame_closes_with_1007(served: Any) -> None:
    _, _, addr = served
    host, port = addr.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"GET /twilio HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
    mask = b"\x01\x02\x03\x04"
    bad = b"\xc3\x28"
    writer.write(bytes((0x81, 0x80 | len(bad))) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(bad)))
    close = await asyncio.wait_for(reader.read(64), 5)
    assert close[0] == 0x88 and int.from_bytes(close[2:4]) == 1007
    writer.close()


async def test_process_request_answers_plain_http_and_refusals_async(served: Any) -> None:
    _, _, addr = served
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"http://{addr}/health")
        assert (answer.status_code, answer.text) == (200, "ok\n")
        assert (await http.get(f"http://{addr}/twilio")).status_code == 426  # not a WebSocket upgrade
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"ws://{addr}/slow"):
            pass
    assert refused.value.response.status_code == 403


async def test_garbage_instead_of_a_request_is_dropped(served: Any) -> None:
    _, _, addr = served
    host, port = addr.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"\x16\x03\x01 not http\r\n\r\n")
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()


async def test_closing_the_server_closes_open_sockets_with_1001_and_waits_for_handlers(served: Any) -> None:
    echo, server, addr = served
    async with connect(f"ws://{addr}/twilio") as ws:
        await ws.send("hi")
        await ws.recv()
        server.close()
        with pytest.raises(ConnectionClosedOK) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    await asyncio.wait_for(server.wait_closed(), 5)
    assert echo.handlers_done == 1


async def test_a_socket_handed_over_by_another_process_is_served(served: Any) -> None:
    _, server, _ = served
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    client = asyncio.create_task(_echo_once(f"ws://127.0.0.1:{port}/twilio"))
    conn, _ = await asyncio.get_running_loop().run_in_executor(None, listener.accept)
    await server.adopt(conn)  # what a worker does with a socket its supervisor accepted
    assert await asyncio.wait_for(client, 5) == "handed over"
    listener.close()


def test_server_frames_carry_their_length_in_the_right_form() -> None:
    assert wf.server_frame(wf.OP_TEXT, b"x" * 125)[:2] == bytes((0x81, 125))
    assert wf.server_frame(wf.OP_BINARY, b"x" * 126)[:4] == bytes((0x82, 126, 0, 126))
    assert wf.server_frame(wf.OP_BINARY, b"x" * 70_000)[:2] == bytes((0x82, 127))
    assert wf.head(b"\x81") is None and wf.head(b"\x81\xfe\x00") is None  # not enough header yet


def test_a_read_of_exactly_one_plain_data_frame_takes_the_single_frame_path() -> None:
    def masked(opcode: Opcode, data: bytes, **kw: Any) -> bytes:
        return Frame(opcode, data, **kw).serialize(mask=True, extensions=[])

    assert wf.single(masked(Opcode.TEXT, b"x" * 125)) == (wf.OP_TEXT, b"x" * 125)
    assert wf.single(masked(Opcode.BINARY, b"y" * 400)) == (wf.OP_BINARY, b"y" * 400)  # 16-bit length
    whole = masked(Opcode.TEXT, b"media")
    unmasked = Frame(Opcode.TEXT, b"bare").serialize(mask=False, extensions=[])
    for not_one in [whole[:-1], whole + whole, masked(Opcode.TEXT, b"z" * 70_000),  # part, two, 64-bit length
                    masked(Opcode.TEXT, b"frag", fin=False), masked(Opcode.PING, b"p"),
                    bytes([whole[0] | 0x40]) + whole[1:], unmasked]:  # a reserved bit set
        assert wf.single(not_one) is None  # left to the general parse


async def _echo_once(url: str) -> str:
    async with connect(url) as ws:
        await ws.send("handed over")
        return str(await ws.recv())


async def wait_for(condition: Any, timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)
