"""What the pipeline needs from the store, behind a narrow port (blocking calls run in threads)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Protocol

from media_relay.record_writer import RecordWriter, Update
from switchboard.container import Container
from switchboard.logging import logger
from switchboard.services import contacts, reconcile
from switchboard.store import keys
from switchboard.store.calls import CALL_EXISTS, turn_changes, turn_item
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
    """Turns and voice deliveries go through the process's `RecordWriter` (batched, off the call's path).

    A call's turns are numbered here, from the count stored when its stream started: a call lives on
    the relay holding its stream, so no counter round trip is needed to number them.
    """

    def __init__(self, container: Container, writer: RecordWriter | None = None) -> None:
        self.c = container
        self._writer = writer
        self._turns: dict[str, int] = {}  # call id -> turns numbered so far

    @property
    def writer(self) -> RecordWriter:
        if self._writer is None:  # built on first use: no table client at construction
            self._writer = RecordWriter(self.c.calls.table)
        return self._writer

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
        """Queued: the writer retries through a short store outage (about 11 s), so a turn is not lost."""
        call_id = ctx.call["id"]
        seq = self._turns.get(call_id, int(ctx.call.get("turnCount") or 0)) + 1
        self._turns[call_id] = seq
        self.writer.put(turn_item(call_id, seq, turn))
        self.writer.update(Update(keys.project_pk(ctx.project_id), keys.call_sk(call_id), {"turnCount": 1},
                                  turn_changes(turn), CALL_EXISTS))

    async def record_delivery(self, ctx: CallContext, *, ok: bool, http_status: int | None, error: str | None,
                              body: str | None, duration_ms: int) -> None:
        url = (ctx.webhook or {}).get("url", "")
        _, item, totals = self.c.deliveries.record_writes(
            ctx.project_id, ctx.agent["id"], "agent.message", "voice", url, "success" if ok else "failed",
            http_status, error, body, duration_ms, sub_account_id=ctx.agent.get("subAccountId"))
        self.writer.put(item)
        for pk, sk, counts in totals:
            self.writer.update(Update(pk, sk, counts))

    async def flush(self) -> None:
        """Wait until every record queued so far is in the table."""
        await self.writer.flush()

    async def call_ended(self, ctx: CallContext, reason: str | None) -> None:
        self._turns.pop(ctx.call["id"], None)
        if self._writer is not None:
            await self._writer.flush()  # the call's turns are stored before it counts as ended
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
        """The carrier is about to end the call: what is queued goes first (without lingering), so that
        a client reading the call once it has ended finds every turn."""
        if self._writer is not None:
            await self._writer.flush()
        await asyncio.to_thread(self.c.calls.update, ctx.project_id, ctx.call["id"], {"endReason": reason})
