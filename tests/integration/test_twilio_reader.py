"""The Media Stream reader over a real socket: audio is taken as it arrives (no task switch) and
finished at once when nothing in it waits; what waits, and whatever arrives meanwhile, is read in
the order it was sent."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import connect

from media_relay import twilio_protocol as tp
from media_relay.listener import Heard
from media_relay.session import StreamCarrier, TwilioTransport
from media_relay.ws import WsConnection, WsServer
from tests.integration.test_relay_ws import wait_for

QUIET, LOUD = bytes([0xFF]) * 160, bytes([0x00]) * 160  # mu-law: silence, and the loudest sample


def media(mulaw: bytes) -> str:
    return json.dumps({"event": "media", "streamSid": "MZ1", "media": {"payload": base64.b64encode(mulaw).decode()}})


class Sink:
    """Records what reached it and how; a loud frame has more to do (`follow`), which waits until
    `release` is set."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.release = asyncio.Event()

    def audio_now(self, pcm: bytes) -> Heard | None:
        if max(pcm) > 0x40:  # loud
            self.log.append("loud: to follow")
            return Heard(pcm, None, b"")
        self.log.append("quiet: at once")
        return None

    async def audio(self, pcm: bytes) -> None:
        self.log.append("loud: in order" if max(pcm) > 0x40 else "quiet: in order")

    async def follow(self, heard: Heard) -> None:
        await self.release.wait()
        self.log.append("followed")

    def mark(self, name: str) -> None:
        self.log.append(f"mark {name}")

    def digit(self, digit: str) -> None:
        self.log.append(f"digit {digit}")


@pytest.fixture
async def reader() -> AsyncIterator[tuple[Sink, list[Any], str]]:
    sink = Sink()
    ended: list[Any] = []

    async def handle(ws: WsConnection) -> None:
        transport = TwilioTransport(ws, tp.Start("MZ1", "CA1", "AC1"), StreamCarrier(None, "CA1", ws))
        try:
            await transport.read(sink)  # type: ignore[arg-type]
            ended.append("stop")
        except Exception as exc:
            ended.append(exc)
        ended.append(ws.direct)

    async def accept(ws: WsConnection, request: Any) -> None:
        return None

    server = await WsServer(handle, accept).listen("127.0.0.1", 0)  # type: ignore[arg-type]
    yield sink, ended, f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/twilio"
    server.close()
    await server.wait_closed()


async def test_quiet_audio_is_taken_at_once_and_the_rest_waits_its_turn(reader: Any) -> None:
    sink, ended, url = reader
    async with connect(url) as ws:
        await ws.send(media(QUIET))
        await ws.send(media(QUIET))
        await wait_for(lambda: sink.log == ["quiet: at once"] * 2)
        await ws.send(media(LOUD))  # the reader awaits this one...
        await wait_for(lambda: sink.log[-1:] == ["loud: to follow"])
        for message in [media(QUIET), json.dumps({"event": "mark", "mark": {"name": "m1"}}),
                        json.dumps({"event": "dtmf", "dtmf": {"digit": "7"}}), media(LOUD)]:
            await ws.send(message)  # ...so these queue behind it, in order
        await asyncio.sleep(0.1)
        assert sink.log[-1] == "loud: to follow"
        sink.release.set()
        await wait_for(lambda: sink.log[-1:] == ["loud: in order"])
        await ws.send(media(QUIET))  # the queue is drained: taken at once again
        await ws.send(json.dumps({"event": "stop"}))
        await wait_for(lambda: len(ended) == 2)
    assert sink.log == ["quiet: at once"] * 2 + ["loud: to follow", "followed", "quiet: in order", "mark m1",
                                                 "digit 7", "loud: in order", "quiet: at once"]
    assert ended == ["stop", None]  # and the socket's direct taker is gone with the reader


async def test_speech_that_needs_no_waiting_is_finished_as_it_arrives(reader: Any) -> None:
    sink, ended, url = reader
    sink.release.set()  # as with Transcribe: nothing in a voiced frame's handling has to wait
    async with connect(url) as ws:
        for message in [media(LOUD), media(QUIET), media(LOUD), json.dumps({"event": "stop"})]:
            await ws.send(message)
        await wait_for(lambda: len(ended) == 2)
    assert sink.log == ["loud: to follow", "followed", "quiet: at once", "loud: to follow", "followed"]
    assert ended == ["stop", None]


async def test_unknown_messages_are_ignored_and_unreadable_audio_fails_the_reader_as_before(reader: Any) -> None:
    sink, ended, url = reader
    async with connect(url) as ws:
        await ws.send(media(QUIET))
        await ws.send("{not json")  # ignored, as Twilio's unknown events are
        await ws.send(json.dumps({"event": "media", "media": {"payload": "abc"}}))  # base64 cut short
        await wait_for(lambda: len(ended) == 2)
    assert sink.log == ["quiet: at once"]
    # Taken at once, so its error was handed to the reader, which raised it.
    assert isinstance(ended[0], ValueError) and "padding" in str(ended[0]) and ended[1] is None
