"""Routers built when a request first needs them: a request builds only the groups its path can reach.

Building a FastAPI route costs a pydantic schema per parameter and response model: the API's ~100
routes were a third of the function's cold init, and a Lambda invocation uses one of them. Every
route path starts with two literal segments (`/v1/agents`, `/integrations/whatsapp`), so a request
for `/v1/agents/...` can only match routes under `/v1/agents`. Before routing, the groups filed
under the request's first two segments are imported and included, and the included routes are kept
in their declared order (static paths before `{id}`), so matching is what it would be with every
route built at once. `/openapi.json` builds them all.
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
    """A router (`module.attribute`) and the path keys (first two segments) its routes live under."""

    module: str
    attribute: str
    keys: frozenset[str]


def path_key(path: str) -> str:
    """`/v1/agents/agt_1/calls` -> `/v1/agents`: the part of a path every route spells literally."""
    return "/".join(path.split("/", 3)[:3])


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
        key = path_key(path)
        self._build([i for i, group in enumerate(self.groups) if key in group.keys])

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
        routes = self.app.router.routes
        before = len(routes)
        self.app.include_router(router)
        self.built[index] = routes[before:]
        # Routes the app has itself (docs, /mcp, /health) first, then every built group in declared order.
        lazy = {id(route) for built in self.built.values() for route in built}
        routes[:] = [r for r in routes if id(r) not in lazy] + [r for i in sorted(self.built) for r in self.built[i]]


class BuildRoutes:
    """ASGI middleware: builds the route groups a request's path can reach before the router sees it."""

    def __init__(self, app: ASGIApp, routes: LazyRoutes) -> None:
        self.app, self.routes = app, routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            self.routes.ensure_path(route_path(scope))
        await self.app(scope, receive, send)
