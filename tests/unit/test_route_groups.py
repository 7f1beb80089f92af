"""Routes built on first use route exactly as if all were built at once: every route starts with a prefix its
group declares and its parameters match one segment (so a group left unbuilt cannot match the path), and
built groups keep their declared order whatever order requests come in."""

from __future__ import annotations

import importlib
import random
import re
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from switchboard.api import routes
from switchboard.api.app import create_app
from switchboard.api.route_groups import LazyRoutes, RouteGroup, route_path, starts_with
from switchboard.container import Container
from switchboard.settings import Settings

GROUPS = routes.PUBLIC + routes.TELEPHONY


def router_of(group: RouteGroup) -> APIRouter:
    return getattr(importlib.import_module(group.module), group.attribute)  # type: ignore[no-any-return]


def templates(group: RouteGroup) -> list[str]:
    """The group's route paths with each parameter written `{}`."""
    return [re.sub(r"\{[^}]*\}", "{}", route.path) for route in router_of(group).routes]  # type: ignore[attr-defined]


def app_of(groups: list[RouteGroup]) -> tuple[FastAPI, LazyRoutes]:
    app = FastAPI()
    app.add_api_route("/health", lambda: {"ok": True})
    return app, LazyRoutes(app, groups)


def test_a_prefix_matches_whole_segments_and_braces_match_any_one() -> None:
    assert starts_with("/v1/agents", "/v1/agents") and starts_with("/v1/agents/", "/v1/agents")
    assert starts_with("/v1/agents/agt_1/webhook/test", "/v1/agents/{}/webhook")
    assert not starts_with("/v1/agents/agt_1", "/v1/agents/{}/webhook")
    assert not starts_with("/v1/agentsx", "/v1/agents") and not starts_with("/v1", "/v1/agents")
    assert route_path({"path": "/prod/v1/agents", "root_path": "/prod"}) == "/v1/agents"
    assert route_path({"path": "/v1/agents", "root_path": ""}) == "/v1/agents"


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: f"{g.module.rsplit('.', 1)[-1]}:{g.attribute}")
def test_each_route_starts_with_a_declared_prefix_and_each_prefix_is_used(group: RouteGroup) -> None:
    paths = templates(group)
    assert [p for p in paths if not any(starts_with(p, prefix) for prefix in group.prefixes)] == []
    assert [x for x in group.prefixes if not any(starts_with(p, x) for p in paths)] == []
    assert not [r.path for r in router_of(group).routes if ":path}" in r.path], "a parameter may span segments"  # type: ignore[attr-defined]


def test_every_public_router_module_is_in_the_table() -> None:
    package = Path(routes.__file__).parent
    modules = {p.stem for p in package.glob("*.py")} - {"__init__", "pagination"}
    assert modules == {g.module.rsplit(".", 1)[-1] for g in routes.PUBLIC}


def test_a_request_builds_only_the_groups_its_path_reaches() -> None:
    _, lazy = app_of(GROUPS)
    lazy.ensure_path("/v1/agents")
    assert [GROUPS[i].attribute for i in sorted(lazy.built)] == ["router"]  # not /voices, not /{id}/webhook
    lazy.ensure_path("/v1/agents/voices")
    lazy.ensure_path("/v1/nothing-here")
    lazy.ensure_path("/health")
    assert sorted(lazy.built) == [0, 2]


def test_built_groups_keep_the_declared_order_whatever_order_requests_come_in() -> None:
    paths = [re.sub(r"\{\}", "x", p) for g in GROUPS for p in templates(g)]
    for seed in range(5):
        app, lazy = app_of(GROUPS)
        own = list(app.router.routes)
        for path in random.Random(seed).sample(paths, len(paths)):
            lazy.ensure_path(path)
            assert app.router.routes[:len(own)] == own
            included = [r.original_router for r in app.router.routes[len(own):]]  # type: ignore[attr-defined]
            assert included == [router_of(GROUPS[i]) for i in sorted(lazy.built)]
        assert len(lazy.built) == len(GROUPS)


def test_a_fresh_app_serves_a_lazily_built_route_and_documents_every_route() -> None:
    app = create_app(Container(Settings()), telephony=False)
    with TestClient(app) as client:
        assert client.get("/health").json() == {"status": "ok"}
        assert app.state.route_groups.built == {}
        assert client.put("/v1/usage").status_code == 405  # the route exists once built, for GET only
        assert client.get("/v1/nope").json() == {"detail": "No such route."}
        paths = client.get("/openapi.json").json()["paths"]
    assert len(paths) == len({p for g in routes.PUBLIC for p in templates(g)})
    assert len(app.state.route_groups.built) == len(routes.PUBLIC)

