"""The relay's call records, plus what a stream's end means for `agent.call_ended`.

The event for a call waits until the relay has written everything it had (see
`switchboard.services.call_ended`): each media stream counts itself open on the call when it
starts, and releases its count after its last turn and the post-call analysis are stored.
"""

from __future__ import annotations

import asyncio
from typing import Any

from media_relay.analysis import PostCallAnalyst
from media_relay.records import CallContext, DynamoCallRecords
from switchboard.clock import iso, utcnow
from switchboard.container import Container
from switchboard.logging import logger
from switchboard.services.call_ended import transcript


class CallEndRecords(DynamoCallRecords):
    def __init__(self, container: Container, analyst: PostCallAnalyst | None = None) -> None:
        super().__init__(container)
        self.analyst = analyst

    async def load(self, project_id: str, call_id: str) -> CallContext:
        ctx = await super().load(project_id, call_id)
        await asyncio.to_thread(self.c.calls.count_stream, project_id, call_id, +1)
        return ctx

    async def call_ended(self, ctx: CallContext, reason: str | None) -> None:
        try:
            await super().call_ended(ctx, reason)
        finally:
            fields = await self._analysis(ctx)
            await asyncio.to_thread(self.c.calls.count_stream, ctx.project_id, ctx.call["id"], -1,
                                    {**fields, "streamClosedAt": iso(utcnow())})

    async def _analysis(self, ctx: CallContext) -> dict[str, Any]:
        """Analysis fields for the call so far; none for a machine that answered, or without a model."""
        if self.analyst is None or not self.analyst.active():
            return {}
        try:
            call = await asyncio.to_thread(self.c.calls.get, ctx.project_id, ctx.call["id"])
            if call.get("answeredBy") == "machine":  # a voicemail left: nothing to analyse
                return {}
            lines = transcript(await asyncio.to_thread(self.c.calls.list_turns, ctx.call["id"]))
        except Exception:
            logger.exception("could not read the call for its analysis", extra={"callId": ctx.call["id"]})
            return {}
        return await self.analyst.fields(call, ctx.agent, lines)
