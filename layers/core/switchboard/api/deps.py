"""Request-scoped dependencies: the caller's project (from the API key) and the container."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from switchboard.container import Container
from switchboard.errors import InvalidInput, NotFound, Unauthorized
from switchboard.scope import Scope


@dataclass(frozen=True)
class Ctx:
    """Who is calling (their project) and the wired services."""

    project_id: str  # a Scope: the project, confined to a sub-account when the request names one
    c: Container


def container(request: Request) -> Container:
    return request.app.state.container


def authenticate(c: Container, headers: Mapping[str, str]) -> str:
    """The project whose API key the request carries as a Bearer token (the API's and /mcp's one rule).

    With `X-Sub-Account-Id`, the project comes back confined to that sub-account (a `Scope`); an
    unknown sub-account, or another project's, is 404 and nothing is done.
    """
    header = headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthorized("Missing API key: send 'Authorization: Bearer <api key>'.")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Malformed Authorization header: expected 'Bearer <api key>'.")
    project_id = c.projects.project_for_key(token.strip())
    if project_id is None:
        raise Unauthorized("Unknown API key.")
    sub = headers.get("x-sub-account-id")
    if sub is None:
        return Scope(project_id)
    if not sub.strip():
        raise InvalidInput("The X-Sub-Account-Id header is empty; send a sub-account id or leave the header out.")
    if c.sub_accounts.find(project_id, sub.strip()) is None:
        raise NotFound(f"No sub-account with id '{sub.strip()}' in this project.")
    return Scope(project_id, sub.strip())


def ctx(request: Request) -> Ctx:
    c: Container = request.app.state.container
    return Ctx(authenticate(c, request.headers), c)


CtxDep = Annotated[Ctx, Depends(ctx)]
