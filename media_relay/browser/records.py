"""What a web call needs from the store, behind a narrow port (blocking calls run in threads)."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from switchboard.container import Container
from switchboard.services import web_calls
from switchboard.store.web_tokens import WebCallGrant


class WebCallRecords(Protocol):
    async def redeem(self, token: str) -> WebCallGrant:
        """The call a token admits to (once); raises Forbidden for a bad, used or expired token."""
        ...

    async def join(self, grant: WebCallGrant) -> dict[str, Any]: ...

    async def finish(self, grant: WebCallGrant, reason: str | None) -> None: ...

    async def status(self, grant: WebCallGrant) -> str: ...


class DynamoWebCalls:
    def __init__(self, container: Container) -> None:
        self.c = container

    async def redeem(self, token: str) -> WebCallGrant:
        return await asyncio.to_thread(self.c.web_tokens.redeem, token)

    async def join(self, grant: WebCallGrant) -> dict[str, Any]:
        return await asyncio.to_thread(web_calls.join, self.c, grant)

    async def finish(self, grant: WebCallGrant, reason: str | None) -> None:
        await asyncio.to_thread(web_calls.finish, self.c, grant.project_id, grant.call_id, reason)

    async def status(self, grant: WebCallGrant) -> str:
        call = await asyncio.to_thread(self.c.calls.get, grant.project_id, grant.call_id)
        return str(call["status"])
