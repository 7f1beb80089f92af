"""A real HTTP proxy in front of an AWS emulator that can take it away or make it throttle.

`down()` closes the listening socket (connections are refused, as when the service is unreachable),
`up()` listens again on the same port; `throttle(n)` answers the next n requests with DynamoDB's
ProvisionedThroughputExceededException. Everything else is passed through unchanged.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response

from tests.support.servers import ThreadedUvicorn, free_port

THROTTLED = (b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
             b'"message":"The level of configured provisioned throughput for the table was exceeded."}')


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.throttles = 0
        self.throttled = 0
        self.lock = threading.Lock()
        self.server: ThreadedUvicorn | None = None
        self.http = httpx.AsyncClient(timeout=30)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        body = await request.body()
        with self.lock:
            throttle = self.throttles > 0
            if throttle:
                self.throttles -= 1
                self.throttled += 1
        if throttle:
            response = Response(THROTTLED, status_code=400, media_type="application/x-amz-json-1.0")
        else:
            headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
            upstream = await self.http.request(request.method, self.upstream + request.url.path, content=body,
                                               headers=headers, params=request.query_params)
            response = Response(upstream.content, status_code=upstream.status_code, headers={
                k: v for k, v in upstream.headers.items() if k.lower() not in ("content-length", "transfer-encoding",
                                                                             "content-encoding")})
        await response(scope, receive, send)

    def up(self) -> FaultProxy:
        self.server = ThreadedUvicorn(self, port=self.port).start()
        return self

    def down(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def throttle(self, requests: int) -> None:
        with self.lock:
            self.throttles = requests
