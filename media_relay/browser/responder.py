"""A web call's replies: keys cannot be pressed toward a browser, so `digits` are dropped and said so."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import aclosing

from media_relay.engine.outcome import TurnOutcome
from media_relay.reply import ReplyChunk
from media_relay.responders.port import Responder, TurnRequest
from switchboard.logging import logger

NO_DIGITS = "'digits' cannot be sent on a web call (there is no phone line for the tones); ignored"


class WebCallReplies:
    def __init__(self, inner: Responder, call_id: str) -> None:
        self.inner, self.call_id = inner, call_id

    async def reply(self, request: TurnRequest) -> AsyncIterator[ReplyChunk]:
        async with aclosing(self.inner.reply(request)) as chunks:  # closing us closes the webhook's stream
            async for chunk in chunks:
                if chunk.digits:
                    logger.warning("digits refused on a web call", extra={"callId": self.call_id,
                                                                          "digits": chunk.digits})
                    chunk = dataclasses.replace(chunk, digits=None, problems=[*chunk.problems, NO_DIGITS])
                yield chunk

    async def turn_finished(self, outcome: TurnOutcome) -> None:
        await self.inner.turn_finished(outcome)
