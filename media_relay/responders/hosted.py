"""The hosted adapter: the agent's own language model (`media_relay.hosted`) as a responder."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import aclosing

from media_relay.engine.outcome import TurnEnd, TurnKind, TurnOutcome
from media_relay.hosted import HostedResponder
from media_relay.reply import ReplyChunk
from media_relay.responders.port import TurnRequest


class HostedReplies:
    def __init__(self, hosted: HostedResponder) -> None:
        self.hosted = hosted

    async def reply(self, request: TurnRequest) -> AsyncIterator[ReplyChunk]:
        previous = request.previous
        interrupted = ({"heard": previous.heard, "notHeard": previous.not_heard}
                       if previous is not None and previous.interrupted else None)
        request.timing.request = time.monotonic()
        async with aclosing(self.hosted.respond(request.transcript.text, digits=request.digits,
                                                interrupted=interrupted)) as chunks:
            async for chunk in chunks:
                request.timing.first_byte = request.timing.first_byte or time.monotonic()
                yield chunk

    async def turn_finished(self, outcome: TurnOutcome) -> None:
        """The model remembers what the caller heard: lines said outside a model turn, and cut replies."""
        if outcome.kind is not TurnKind.ANSWER:
            if outcome.transcript is not None and outcome.transcript.text.strip():
                self.hosted.add_caller_line(outcome.transcript.text)
            if outcome.heard:
                self.hosted.add_agent_line(outcome.heard)
        elif outcome.ended is not TurnEnd.COMPLETED:
            self.hosted.truncate_last_reply(outcome.heard)
