"""What the pipeline needs from the store, behind a narrow port (blocking calls run in threads)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Protocol

from switchboard.container import Container
from switchboard.logging import logger
from switchboard.services import contacts, reconcile
from switchboard.store.transient import retrying
from switchboard.store.webhooks import DEFAULT_CONTEXT_LIMIT


@dataclass(frozen=True)
class CallContext:
    project_id: str
    call: dict[str, Any]
    agent: dict[str, Any]
    webhook: dict[str, Any] | None
    contact: dict[str, Any] | None = None  # the other party's contact, for `data.contact`

    @property
    def context_limit(self) -> int:
        return int((self.webhook or {}).get("contextLimit", DEFAULT_CONTEXT_LIMIT))


class CallRecords(Protocol):
    async def load(self, project_id: str, call_id: str) -> CallContext: ...

    async def append_turn(self, ctx: CallContext, turn: dict[str, Any]) -> None: ...

    async def record_delivery(self, ctx: CallContext, *, ok: bool, http_status: int | None,
                              error: str | None, body: str | None, duration_ms: int) -> None: ...

    async def call_ended(self, ctx: CallContext, reason: str | None) -> None: ...

    async def set_end_reason(self, ctx: CallContext, reason: str | None) -> None:
        """Say why the call is ending before the carrier reports it ended (its callback keeps this)."""
        ...


class DynamoCallRecords:
    def __init__(self, container: Container) -> None:
        self.c = container

    async def load(self, project_id: str, call_id: str) -> CallContext:
        def read() -> CallContext:
            call = self.c.calls.get(project_id, call_id)
            agent = self.c.agents.get(project_id, call["agentId"])
            hook = self.c.webhooks.resolve(project_id, agent["id"], agent.get("subAccountId"))
            party = call["fromNumber"] if call.get("direction") == "inbound" else call["toNumber"]
            contact = contacts.for_event(self.c, project_id, call.get("subAccountId"), party)
            return CallContext(project_id, call, agent, hook, contact)

        return await asyncio.to_thread(read)

    async def append_turn(self, ctx: CallContext, turn: dict[str, Any]) -> None:
        """Retried through a short store outage or throttling (about 11 s), so a finished turn is not lost."""
        await asyncio.to_thread(retrying, lambda: self.c.calls.append_turn(ctx.project_id, ctx.call["id"], turn))

    async def record_delivery(self, ctx: CallContext, *, ok: bool, http_status: int | None, error: str | None,
                              body: str | None, duration_ms: int) -> None:
        url = (ctx.webhook or {}).get("url", "")
        await asyncio.to_thread(
            self.c.deliveries.record, ctx.project_id, ctx.agent["id"], "agent.message", "voice", url,
            "success" if ok else "failed", http_status, error, body, duration_ms,
            sub_account_id=ctx.agent.get("subAccountId"))

    async def call_ended(self, ctx: CallContext, reason: str | None) -> None:
        try:
            if reason:
                await asyncio.to_thread(self.c.calls.update, ctx.project_id, ctx.call["id"], {"endReason": reason})
        finally:
            await asyncio.to_thread(self._check_later, ctx)

    def _check_later(self, ctx: CallContext) -> None:
        """The stream is over: if the carrier's final status callback is lost, a check finishes the call."""
        try:
            reconcile.request_check(self.c, ctx.project_id, ctx.call["id"])
        except Exception:  # the carrier's callback or the sweep still end the call
            logger.exception("could not queue a reconcile check", extra={"callId": ctx.call["id"]})

    async def set_end_reason(self, ctx: CallContext, reason: str | None) -> None:
        await asyncio.to_thread(self.c.calls.update, ctx.project_id, ctx.call["id"], {"endReason": reason})
