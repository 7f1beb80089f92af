"""Long polls on a call: wait until it is over (status final, the relay done writing) or time is up.

The wait is capped by `long_poll_max_seconds` where the deployment's front cannot hold a request
longer (API Gateway: 30 s); the caller then gets the call as it stands and asks again. The store is
read every `long_poll_interval_seconds`: a Lambda has nothing else to be woken by.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from switchboard.container import Container
from switchboard.models.call import TERMINAL_STATUSES
from switchboard.services import calls as call_service
from switchboard.services.call_ended import settle_wait


@dataclass(frozen=True)
class Waited:
    call: dict[str, Any]  # with its transcript turns
    finished: bool  # False: time (or the front's cap) ran out first; ask again
    capped: bool  # the deployment's cap, not the client's timeout, ended the wait


def finished(c: Container, call: dict[str, Any]) -> bool:
    return call["status"] in TERMINAL_STATUSES and settle_wait(call, c.clock()) == 0


async def wait_for_end(c: Container, project_id: str, call_id: str, timeout_s: float) -> Waited:
    """The call once it is over, or as it stands when `timeout_s` (or the deployment's cap) has passed."""
    cap = c.settings.long_poll_max_seconds
    budget = min(timeout_s, cap) if cap else timeout_s
    deadline = time.monotonic() + budget
    while True:
        call = await asyncio.to_thread(c.calls.get, project_id, call_id)
        done = finished(c, call)
        left = deadline - time.monotonic()
        if done or left <= 0:
            detail = await asyncio.to_thread(call_service.detail, c, project_id, call_id)
            return Waited(detail, done, capped=not done and budget < timeout_s)
        await asyncio.sleep(min(c.settings.long_poll_interval_seconds, left))
