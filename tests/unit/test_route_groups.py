"""Routes built on first use route exactly as if all were built at once: every group's declared keys are its
routes' keys (so a group left unbuilt cannot match the path), and built groups keep their declared order."""

from __future__ import annotations

import importlib
import random

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from switchboard.api import routes
from switchboard.api.app import create_app
from switchboard.api.route_groups import LazyRoutes, RouteGroup, path_key, route_path
from switchboard.container import Container
from switchboard.settings import Settings

GROUPS = routes.PUBLIC + routes.TELEPHONY


def router_of(group: RouteGroup) -> APIRouter:
    return getattr(importlib.import_module(group.module), group.attribute)  # type: ignore[no-any-return]


def app_of(groups: list[RouteGroup]) -> tuple[FastAPI, LazyRoutes]:
    app = FastAPI()
    app.add_api_route("/health", lambda: {"ok": True})
    return app, LazyRoutes(app, groups)


def test_path_key_is_the_first_two_segments() -> None:
    assert path_key("/v1/agents") == path_key("/v1/agents/") == path_key("/v1/agents/agt_1/calls") == "/v1/agents"
    assert path_key("/health") == "/health"
    assert path_key("/") == "/"
    assert route_path({"path": "/prod/v1/agents", "root_path": "/prod"}) == "/v1/agents"
    assert route_path({"path": "/v1/agents", "root_path": ""}) == "/v1/agents"


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: f"{g.module.rsplit('.', 1)[-1]}:{g.attribute}")
def test_each_group_declares_exactly_its_routes_keys_and_they_are_literal(group: RouteGroup) -> None:
    keys = {path_key(route.path) for route in router_of(group).routes}  # type: ignore[attr-defined]
    assert keys == group.keys
    assert not [key for key in keys if "{" in key], "a key must be literal to pick groups by path"


def test_every_public_router_module_is_in_the_table() -> None:
    from pathlib import Path

    package = Path(routes.__file__).parent
    modules = {p.stem for p in package.glob("*.py")} - {"__init__", "pagination"}
    assert modules == {g.module.rsplit(".", 1)[-1] for g in routes.PUBLIC}


def test_a_request_path_builds_only_the_groups_filed_under_its_key() -> None:
    _, lazy = app_of(GROUPS)
    lazy.ensure_path("/v1/agents/agt_1/calls")
    assert sorted(lazy.built) == [i for i, g in enumerate(GROUPS) if "/v1/agents" in g.keys]
    lazy.ensure_path("/v1/nothing-here")
    lazy.ensure_path("/health")
    assert sorted(lazy.built) == [i for i, g in enumerate(GROUPS) if "/v1/agents" in g.keys]


def test_built_groups_keep_the_declared_order_whatever_order_requests_come_in() -> None:
    keys = sorted({key for g in GROUPS for key in g.keys})
    for seed in range(5):
        app, lazy = app_of(GROUPS)
        own = list(app.router.routes)
        for key in random.Random(seed).sample(keys, len(keys)):
            lazy.ensure_path(key + "/x")
            assert app.router.routes[:len(own)] == own
            included = [r.original_router for r in app.router.routes[len(own):]]  # type: ignore[attr-defined]
            assert included == [router_of(GROUPS[i]) for i in sorted(lazy.built)]


def test_a_fresh_app_serves_a_lazily_built_route_and_documents_every_route() -> None:
    app = create_app(Container(Settings()), telephony=False)
    with TestClient(app) as client:
        assert client.get("/health").json() == {"status": "ok"}
        assert app.state.route_groups.built == {}
        assert client.put("/v1/usage").status_code == 405  # the route exists once built, for GET only
        assert client.get("/v1/nope").json() == {"detail": "No such route."}
        paths = client.get("/openapi.json").json()["paths"]
    documented = {path_key(p) for p in paths}
    assert documented == {key for g in routes.PUBLIC for key in g.keys}
    assert len(app.state.route_groups.built) == len(routes.PUBLIC)
