"""What every tool shares: the caller's project, running blocking services off the loop, and errors
turned into tool errors a model can read and act on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import BaseModel, ValidationError

from switchboard.api.errors import describe_validation
from switchboard.container import Container
from switchboard.errors import SwitchboardError


@dataclass(frozen=True)
class Caller:
    project_id: str
    c: Container


# Set by the endpoint for each authenticated request; the tasks the MCP server starts inherit it.
CALLER: ContextVar[Caller] = ContextVar("switchboard_mcp_caller")


def caller() -> Caller:
    return CALLER.get()


async def run[T](fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking service call in a thread; a domain error becomes a tool error with its sentence."""
    try:
        return await asyncio.to_thread(fn, *args, **kwargs)
    except SwitchboardError as exc:
        raise ToolError(exc.detail) from exc


def parse[M: BaseModel](model: type[M], data: dict[str, Any], *, nulls: tuple[str, ...] = ()) -> M:
    """A request model built from tool arguments, validated as the API would.

    None means "not given", except for the fields in `nulls`, which are sent as null (cleared).
    """
    try:
        return model.model_validate({k: v for k, v in data.items() if v is not None or k in nulls})
    except ValidationError as exc:
        raise ToolError(describe_validation(list(exc.errors()))) from exc


def hints(title: str, *, read_only: bool = False, destructive: bool = False, open_world: bool = False,
          idempotent: bool = False) -> dict[str, Any]:
    """`title` and `annotations` for a tool registration."""
    return {"title": title, "annotations": ToolAnnotations(
        title=title, read_only_hint=read_only, destructive_hint=destructive, open_world_hint=open_world,
        idempotent_hint=idempotent)}
