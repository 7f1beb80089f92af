"""What the engine asks of the world beyond the call's audio: the store and the carrier.

Hanging up and transferring go through the carrier's REST API; the carrier then stops the stream,
and if it does not within a grace period the engine closes the socket itself. Both wait until the
turn that asked for them is stored: the carrier reports the call ended as soon as it hangs up, and a
client that reads the call then must find its last words. A refused transfer
comes back to the engine as an event, so it can apologise and carry on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from media_relay.engine import events as ev
from media_relay.engine.plan import CallPlan
from media_relay.engine.timers import Timers
from switchboard.logging import logger


class CallRecordsPort(Protocol):
    async def append_turn(self, turn: dict[str, Any]) -> None: ...

    async def set_end_reason(self, reason: str | None) -> None: ...


class CarrierPort(Protocol):
    async def hang_up(self) -> None: ...

    async def transfer(self, number: str) -> None: ...

    async def close_stream(self) -> None: ...


class CallActions:
    def __init__(self, plan: CallPlan, records: CallRecordsPort, carrier: CarrierPort, timers: Timers,
                 post: Callable[[ev.Event], None]) -> None:
        self.plan, self.records, self.carrier, self.timers, self.post = plan, records, carrier, timers, post

    async def hang_up(self, reason: str, after: asyncio.Future[Any] | None = None) -> None:
        await _stored(after)
        await self.records.set_end_reason(reason)
        try:
            await self.carrier.hang_up()
        except Exception:
            # Closing the socket ends <Connect><Stream> (nothing follows it), so the call still ends.
            logger.exception("carrier hang-up failed; closing the stream", extra={"callId": self.plan.call_id})
            await self.carrier.close_stream()
            return
        self.timers.arm(ev.Timer.CLOSE_STREAM, self.plan.limits.close_grace_s)

    async def transfer(self, number: str, after: asyncio.Future[Any] | None = None) -> None:
        await _stored(after)
        await self.records.set_end_reason("transferred")
        try:
            await self.carrier.transfer(number)
        except Exception as exc:
            logger.exception("transfer failed", extra={"callId": self.plan.call_id})
            await self.records.set_end_reason(None)
            self.post(ev.ActionFailed("transfer", str(exc)))
            return
        self.timers.arm(ev.Timer.CLOSE_STREAM, self.plan.limits.close_grace_s)

    async def close_stream(self) -> None:
        await self.carrier.close_stream()


async def _stored(turn: asyncio.Future[Any] | None) -> None:
    """Wait for a turn's settling (stored, however it went), without cancelling it if this is cancelled."""
    if turn is not None:
        await asyncio.wait([turn])
