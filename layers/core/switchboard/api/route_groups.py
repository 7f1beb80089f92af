"""Routers built when a request first needs them: a request builds only the groups its path can reach.

Building a FastAPI route costs a pydantic schema per parameter and response model: the API's ~100
routes were a third of the function's cold init, and a Lambda invocation uses one of them. Each
group declares the path prefixes its routes start with (`/v1/agents`, `/v1/agents/{}/webhook`; `{}`
is any one segment). A route's parameters match one segment each, so a path can only match routes
of groups with a prefix the path starts with. Before routing, those groups are imported and
included, and the included ones are kept in their declared order (static paths before `{id}`), so
matching is what it would be with every route built at once. `/openapi.json` builds them all.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send


@dataclass(frozen=True)
class RouteGroup:
    """A router (`module.attribute`) and the path prefixes its routes start with."""

    module: str
    attribute: str
    prefixes: tuple[str, ...]

    def reaches(self, path: str) -> bool:
        return any(starts_with(path, prefix) for prefix in self.prefixes)


def starts_with(path: str, prefix: str) -> bool:
    """Whether `path` begins, segment by segment, with `prefix`, where `{}` stands for any one segment."""
    have, want = path.split("/"), prefix.split("/")
    return len(have) >= len(want) and all(w in ("{}", h) for w, h in zip(want, have, strict=False))


def route_path(scope: Scope) -> str:
    """The path routing sees: the request's, less the app's root path (as Starlette's router takes it)."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root + "/") else path


class LazyRoutes:
    """The app's route groups, each imported and included the first time a request's path needs it."""

    def __init__(self, app: FastAPI, groups: Sequence[RouteGroup]) -> None:
        self.app, self.groups = app, list(groups)
        self.built: dict[int, list[BaseRoute]] = {}
        self._lock = threading.Lock()

    def ensure_path(self, path: str) -> None:
        if len(self.built) < len(self.groups):
            self._build([i for i, group in enumerate(self.groups) if group.reaches(path)])

    def ensure_all(self) -> None:
        self._build(range(len(self.groups)))

    def _build(self, indexes: Sequence[int]) -> None:
        if all(i in self.built for i in indexes):
            return
        with self._lock:
            for i in indexes:
                if i not in self.built:
                    self._include(i)

    def _include(self, index: int) -> None:
        group = self.groups[index]
        router = getattr(importlib.import_module(group.module), group.attribute)
        before = len(self.app.router.routes)
        self.app.include_router(router)
        routes = self.app.router.routes
        self.built[index] = routes[before:]
        # Routes the app has itself (docs, /mcp, /health) first, then every built group in declared order.
        # A new list, so a request being routed meanwhile keeps iterating the one it started with.
        lazy = {id(route) for built in self.built.values() for route in built}
        self.app.router.routes = ([r for r in routes if id(r) not in lazy]
                                  + [r for i in sorted(self.built) for r in self.built[i]])


class BuildRoutes:
    """ASGI middleware: builds the route groups a request's path can reach before the router sees it."""

    def __init__(self, app: ASGIApp, routes: LazyRoutes) -> None:
        self.app, self.routes = app, routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            self.routes.ensure_path(route_path(scope))
        await self.app(scope, receive, send)
