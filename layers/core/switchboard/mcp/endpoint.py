"""The `/mcp` ASGI endpoint: authenticate the caller, then serve one stateless Streamable HTTP request.

Each request gets its own session manager (stateless, JSON responses): the SDK's manager expects to
be started once by an app lifespan, which neither Lambda (Mangum runs a lifespan per invocation) nor
the API's uvicorn gives a mounted app. The tool server itself is built once per process, on first use,
so the API's cold start does not pay for importing the MCP SDK.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from switchboard.api.deps import authenticate
from switchboard.container import Container
from switchboard.errors import SwitchboardError

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

NAME = "switchboard"
INSTRUCTIONS = (
    "Phone numbers, voice calls and SMS for AI agents (AgentPhone-compatible). Start with account_overview. "
    "Tools that wait for a call answer within the deployment's time limit; when a call is still going, the "
    "result says so: call get_call with wait=true again."
)


@lru_cache(maxsize=1)
def tool_server() -> MCPServer:
    from mcp.server.mcpserver import MCPServer

    from switchboard.mcp import tools_account, tools_agents, tools_calls, tools_messaging, tools_webhooks

    server = MCPServer(NAME, instructions=INSTRUCTIONS, log_level="WARNING")
    for module in (tools_account, tools_messaging, tools_calls, tools_agents, tools_webhooks):
        module.register(server)
    return server


class McpEndpoint:
    def __init__(self, container_of: Callable[[], Container]) -> None:
        self.container_of = container_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

        from switchboard.mcp.runtime import CALLER, Caller

        c = self.container_of()
        try:
            project_id = await asyncio.to_thread(authenticate, c, Headers(scope=scope))
        except SwitchboardError as exc:
            await refusal(exc)(scope, receive, send)
            return
        token = CALLER.set(Caller(project_id, c))
        try:
            # The SDK's Server behind MCPServer: the same object its own streamable_http_app() serves.
            manager = StreamableHTTPSessionManager(app=tool_server()._lowlevel_server, json_response=True,
                                                   stateless=True)
            async with manager.run():
                await manager.handle_request(scope, receive, send)
        finally:
            CALLER.reset(token)


def refusal(exc: SwitchboardError) -> Any:
    headers = {"WWW-Authenticate": 'Bearer realm="switchboard"'} if exc.status == 401 else None
    return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=headers)
