"""Reply streams give their connection back, however the turn lets go of them.

The speaker stops reading at a reply's last object and closes the stream as its reading task is
cancelled; an interruption cancels a stream mid-reply. A close cut short by that cancellation kept
the connection checked out of the pool: after 100 turns to one webhook host the relay could not
reach it again. A pool of two connections shows it in a few turns.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from media_relay.llm.openai_compat import OpenAICompatModel
from media_relay.llm.port import ChatRequest, Message
from media_relay.responders.webhook import Exchange, respond
from media_relay.streams import with_quiet
from switchboard.net.client import AsyncGuardedTransport
from tests.support.servers import ThreadedUvicorn, serve

TURNS = 6


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedUvicorn]:
    app = FastAPI()

    @app.post("/agent")
    async def agent() -> StreamingResponse:
        async def lines() -> AsyncIterator[bytes]:
            yield b'{"text": "Okay, noted."}\n'
        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @app.post("/slow")
    async def slow() -> StreamingResponse:
        async def lines() -> AsyncIterator[bytes]:
            yield b'{"text": "We are open", "interim": true}\n'
            await asyncio.sleep(30)
        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @app.post("/v1/chat/completions")
    async def chat() -> StreamingResponse:
        async def events() -> AsyncIterator[bytes]:
            yield b'data: {"choices": [{"delta": {"content": "We are open"}}]}\n\n'
            yield b'data: [DONE]\n\n'
        return StreamingResponse(events(), media_type="text/event-stream")

    with serve(app) as running:
        yield running


def small_pool() -> httpx.AsyncClient:
    transport = AsyncGuardedTransport(local_mode=True, limits=httpx.Limits(max_connections=2))
    return httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(5.0, pool=1.0))


async def test_a_reply_read_to_its_last_object_as_the_speaker_reads_it(server: ThreadedUvicorn) -> None:
    async with small_pool() as http:
        for _ in range(TURNS):
            exchange = Exchange()
            reply = respond(http, f"{server.url}/agent", "s", 5.0, {}, exchange)
            async with aclosing(with_quiet(reply, 0.15)) as items:
                async for _item in items:
                    break  # the last object: the speaker stops reading here
            assert exchange.error is None and exchange.status == 200


async def test_a_reply_cut_off_by_an_interruption(server: ThreadedUvicorn) -> None:
    async with small_pool() as http:
        for _ in range(TURNS):
            exchange = Exchange()
            first = asyncio.Event()

            async def read(exchange: Exchange = exchange, first: asyncio.Event = first) -> None:
                async for _obj in respond(http, f"{server.url}/slow", "s", 5.0, {}, exchange):
                    first.set()

            task = asyncio.create_task(read())
            await asyncio.wait_for(first.wait(), 5)
            task.cancel()  # the caller interrupted
            with pytest.raises(asyncio.CancelledError):
                await task
            assert exchange.status == 200


async def test_a_model_stream_left_at_its_first_words_as_the_hosted_speaker_leaves_it(
        server: ThreadedUvicorn) -> None:
    async with small_pool() as http:
        model = OpenAICompatModel(f"{server.url}/v1", http=http, timeout=2.0)
        for _ in range(TURNS):
            request = ChatRequest(model="local", system="", messages=[Message(role="user", text="When?")])
            async with aclosing(with_quiet(model.stream(request), 0.15)) as events:
                async for _event in events:
                    break  # the caller cut in after the first words
