"""Request-scoped dependencies: the caller's project (from the API key) and the container."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from switchboard.container import Container
from switchboard.errors import InvalidInput, Unauthorized


@dataclass(frozen=True)
class Ctx:
    """Who is calling (their project) and the wired services."""

    project_id: str
    c: Container


def container(request: Request) -> Container:
    return request.app.state.container


def authenticate(c: Container, headers: Mapping[str, str]) -> str:
    """The project whose API key the request carries as a Bearer token (the API's and /mcp's one rule)."""
    if headers.get("x-sub-account-id"):
        raise InvalidInput(
            "Sub-accounts are not supported by this deployment yet; remove the X-Sub-Account-Id header "
            "(the request was not applied to the parent project)."
        )
    header = headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthorized("Missing API key: send 'Authorization: Bearer <api key>'.")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Malformed Authorization header: expected 'Bearer <api key>'.")
    project_id = c.projects.project_for_key(token.strip())
    if project_id is None:
        raise Unauthorized("Unknown API key.")
    return project_id


def ctx(request: Request) -> Ctx:
    c: Container = request.app.state.container
    return Ctx(authenticate(c, request.headers), c)


CtxDep = Annotated[Ctx, Depends(ctx)]
