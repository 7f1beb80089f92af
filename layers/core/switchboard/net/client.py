"""The one HTTP client for URLs tenants choose: checked, pinned to the checked address, and capped.

Every request (and every redirect hop, should a caller follow them) goes through the guard's
transport: the host is resolved once, every address is checked, and the connection goes to the
checked address while the URL keeps its name, so the Host header and TLS (SNI and the certificate
check) still use the name. A name that resolves elsewhere a moment later (DNS rebinding) never
gets a second lookup. Responses are read up to a cap, never whole.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from switchboard.errors import InvalidInput
from switchboard.net.guard import Resolver, check, system_resolver


class Refused(httpx.RequestError):
    """The guard refused the request's target; nothing was sent."""


MAX_POOLS = 256  # transports kept per client, one per host name (least recently used dropped)


def _pin(request: httpx.Request, local_mode: bool, resolver: Resolver) -> str:
    """Point `request` at its checked address; returns the host name it was written with."""
    try:
        target = check(str(request.url), local_mode=local_mode, resolver=resolver)
    except InvalidInput as exc:
        raise Refused(exc.detail, request=request) from exc
    # httpx set Host from the name already; TLS gets the name for SNI and the certificate check.
    request.extensions = {**request.extensions, "sni_hostname": target.host}
    request.url = request.url.copy_with(host=target.address)
    return target.host


class _Pools(OrderedDict[str, Any]):
    """One connection pool per host name, so a connection made (and verified) for one name is never
    reused for another name that happens to resolve to the same address."""

    def take(self, host: str, make: Callable[[], Any]) -> tuple[Any, Any | None]:
        if host in self:
            self.move_to_end(host)
            return self[host], None
        self[host] = make()
        dropped = self.popitem(last=False)[1] if len(self) > MAX_POOLS else None
        return self[host], dropped


class GuardedTransport(httpx.BaseTransport):
    def __init__(self, *, local_mode: bool, resolver: Resolver = system_resolver, **kwargs: Any) -> None:
        self.local_mode, self.resolver, self.kwargs = local_mode, resolver, kwargs
        self.pools = _Pools()
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = _pin(request, self.local_mode, self.resolver)
        with self.lock:
            inner, dropped = self.pools.take(host, lambda: httpx.HTTPTransport(**self.kwargs))
        if dropped is not None:
            dropped.close()
        return inner.handle_request(request)

    def close(self) -> None:
        for inner in self.pools.values():
            inner.close()


class AsyncGuardedTransport(httpx.AsyncBaseTransport):
    """The async twin; resolution runs in a thread, so a slow resolver never blocks the event loop."""

    def __init__(self, *, local_mode: bool, resolver: Resolver = system_resolver, **kwargs: Any) -> None:
        self.local_mode, self.resolver, self.kwargs = local_mode, resolver, kwargs
        self.pools = _Pools()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = await asyncio.to_thread(_pin, request, self.local_mode, self.resolver)
        inner, dropped = self.pools.take(host, lambda: httpx.AsyncHTTPTransport(**self.kwargs))
        if dropped is not None:
            await dropped.aclose()
        return await inner.handle_async_request(request)

    async def aclose(self) -> None:
        for inner in self.pools.values():
            await inner.aclose()


def guarded_client(*, local_mode: bool, resolver: Resolver = system_resolver, verify: Any = True,
                   follow_redirects: bool = False, **kwargs: Any) -> httpx.Client:
    """A client for tenant URLs: no proxies from the environment; redirects (if followed) are checked too."""
    transport = GuardedTransport(local_mode=local_mode, resolver=resolver, verify=verify)
    return httpx.Client(transport=transport, follow_redirects=follow_redirects, trust_env=False, **kwargs)


def guarded_async_client(*, local_mode: bool, resolver: Resolver = system_resolver, verify: Any = True,
                         **kwargs: Any) -> httpx.AsyncClient:
    transport = AsyncGuardedTransport(local_mode=local_mode, resolver=resolver, verify=verify)
    return httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False, **kwargs)


def read_capped(response: httpx.Response, cap: int) -> bytes:
    """At most `cap` bytes of a streamed response's body; the rest is never read."""
    return b"".join(_take(response.iter_bytes(), cap))


_closing: set[asyncio.Task[None]] = set()  # closes still running after their caller was cancelled


async def aclose_shielded(response: httpx.Response) -> None:
    """Close a streamed response even when the task closing it is being cancelled.

    A reply stream is often abandoned by cancellation (the caller interrupted, the turn ended) just
    as it closes; a close cut short leaves its connection checked out of the pool for good, and
    after the pool's 100 connections every request to that host waits for one that never comes.
    """
    task = asyncio.ensure_future(response.aclose())
    _closing.add(task)
    task.add_done_callback(_closing.discard)
    await asyncio.shield(task)


async def aread_capped(response: httpx.Response, cap: int) -> bytes:
    out = bytearray()
    async for chunk in response.aiter_bytes():
        out += chunk[: cap - len(out)]
        if len(out) >= cap:
            break
    return bytes(out)


def _take(chunks: Iterator[bytes], cap: int) -> Iterator[bytes]:
    taken = 0
    for chunk in chunks:
        part = chunk[: cap - taken]
        taken += len(part)
        yield part
        if taken >= cap:
            return
