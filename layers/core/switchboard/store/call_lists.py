"""Where each call list is read from, and which counter gives its total.

`GET /v1/calls` reads the scope's partition (the project's, or gsi4 for a sub-account). A call is
also in the partition of its status and direction (gsi5, or gsi6 for a sub-account's), so
`status` + `direction` is one partition, `status` alone the merge of its three directions and
`direction` alone the merge of its eight statuses: never a call of another status or direction.
A `search` substring has no index: it is read and counted whole, the old way.
"""

from __future__ import annotations

from typing import get_args

from switchboard.models.call import CallStatus, Direction
from switchboard.scope import list_source, sub_of
from switchboard.store import counters, keys
from switchboard.store.dynamo import Expr
from switchboard.store.listing import Filter, Legacy, ListSpec, Source

STATUSES: tuple[str, ...] = get_args(CallStatus)
DIRECTIONS: tuple[str, ...] = get_args(Direction)


def call_list_spec(project_id: str, status: str | None, direction: str | None, search: str | None) -> ListSpec:
    """Where a call list is read from and what counts it, for the request's scope and filters."""
    pk, index = list_source(project_id)
    legacy = Legacy(pk, index, "CALL#", _matching(status, direction, search) if status or direction or search
                    else None)
    if search:
        return ListSpec("calls", (), None, legacy)
    name = "calls" + (f".s.{status}" if status else "") + (f".d.{direction}" if direction else "")
    counter = counters.scope_counter(project_id, name)
    if not status and not direction:
        return ListSpec.of(name, Source(pk, index, "CALL#"), counter, legacy=legacy)
    parts = tuple(_state_part(project_id, s, d) for s in ([status] if status else STATUSES)
                  for d in ([direction] if direction else DIRECTIONS))
    return ListSpec(name, parts, counter, legacy)


def _state_part(project_id: str, status: str, direction: str) -> Source:
    """The partition of the scope's calls in one status and direction: gsi5 (project) or gsi6 (sub-account)."""
    sub = sub_of(project_id)
    if sub:
        return Source(keys.sub_call_state_index_pk(sub, status, direction), "gsi6", "CALL#")
    return Source(keys.call_state_index_pk(project_id, status, direction), "gsi5", "CALL#")


def _matching(status: str | None, direction: str | None, search: str | None) -> Filter:
    def build(expr: Expr) -> str:
        parts = [f"{expr.name('status')} = {expr.value(status)}"] if status else []
        if direction:
            parts.append(f"{expr.name('direction')} = {expr.value(direction)}")
        if search:
            term = expr.value(search)
            parts.append(f"(contains({expr.name('fromNumber')}, {term}) OR contains({expr.name('toNumber')}, {term}))")
        return " AND ".join(parts)
    return build
