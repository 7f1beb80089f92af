"""One web call: the token was redeemed and the call joined at the handshake; run it, report the end.

The same pipeline as a phone call (`media_relay.call`) runs on the browser's transport. The call's
record is watched while it runs, so `POST /v1/calls/{id}/end` (which cannot reach this process)
ends the call here too: the API marks the call ended and this socket is closed within a second.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from media_relay.browser import protocol as bp
from media_relay.browser.records import WebCallRecords
from media_relay.browser.responder import WebCallReplies
from media_relay.browser.transport import BrowserTransport
from media_relay.call import RelayDeps, run_call
from media_relay.engine.plan import CallPlan
from switchboard.logging import logger
from switchboard.models.call import TERMINAL_STATUSES
from switchboard.services.web_calls import AUDIO_FORMAT
from switchboard.store.web_tokens import WebCallGrant

WATCH_SECONDS = 1.0


class BrowserCallSession:
    def __init__(self, ws: Any, deps: RelayDeps, calls: WebCallRecords, grant: WebCallGrant,
                 watch_s: float = WATCH_SECONDS) -> None:
        self.ws, self.deps, self.calls, self.grant, self.watch_s = ws, deps, calls, grant, watch_s

    async def run(self) -> None:
        reason: str | None = None
        try:
            ctx = await self.deps.records.load(self.grant.project_id, self.grant.call_id)
            plan = CallPlan.resolve(ctx.call, ctx.agent, project_id=ctx.project_id, limits=self.deps.limits)
            await self.ws.send(bp.start(plan.call_id, ctx.agent["id"], AUDIO_FORMAT))
            logger.info("web call connected", extra={"callId": plan.call_id})
            transport = BrowserTransport(self.ws, plan.call_id)
            responder = WebCallReplies(self.deps.responder(ctx, plan), plan.call_id)
            watcher = asyncio.create_task(self._watch())
            try:
                reason = await run_call(self.deps, ctx, plan, transport, responder)
            finally:
                watcher.cancel()
        finally:
            with contextlib.suppress(Exception):
                await self.ws.close(1000, "call ended")
            await self.calls.finish(self.grant, reason)

    async def _watch(self) -> None:
        """Close the socket once the call's record says it ended (the API's end, or anything else)."""
        while True:
            await asyncio.sleep(self.watch_s)
            try:
                status = await self.calls.status(self.grant)
            except Exception:
                logger.exception("could not read a web call's status", extra={"callId": self.grant.call_id})
                continue
            if status in TERMINAL_STATUSES:
                with contextlib.suppress(Exception):
                    await self.ws.send(bp.hangup("api-ended"))
                await self.ws.close(1000, "call ended")
                return
