"""Ending and transferring a live call, through the carrier's REST API (the relay only holds audio).

With Twilio, ending a call (`Status=completed`) or redirecting it to `<Dial>` makes the
carrier stop the Media Stream, so the relay learns the result from the socket like any hang-up.
The carrier adapter is synchronous; it runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from switchboard.carrier import twiml
from switchboard.carrier.port import Carrier


class CallControl(Protocol):
    async def hang_up(self, carrier_call_id: str) -> None: ...

    async def transfer(self, carrier_call_id: str, number: str, caller_id: str | None = None) -> None: ...


class CarrierCallControl:
    def __init__(self, carrier: Callable[[], Carrier]) -> None:
        self.carrier = carrier  # resolved lazily: credentials may come from Secrets Manager

    async def hang_up(self, carrier_call_id: str) -> None:
        await asyncio.to_thread(self.carrier().update_call, carrier_call_id, status="completed")

    async def transfer(self, carrier_call_id: str, number: str, caller_id: str | None = None) -> None:
        await asyncio.to_thread(self.carrier().update_call, carrier_call_id,
                                twiml=twiml.dial(number, caller_id=caller_id))
