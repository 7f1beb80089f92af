"""Where each call list is read from, and which counter gives its total.

`GET /v1/calls` reads the scope's partition (the project's, or gsi4 for a sub-account); with `status`
it reads that status's own partition (gsi5, or gsi6 for a sub-account), so no call of another status
is read. `direction` filters what is read (three values, mixed in every list), its total still from
the counters; a `search` substring has no index and is read and counted whole.
"""

from __future__ import annotations

from switchboard.scope import list_source, sub_of
from switchboard.store import counters, keys
from switchboard.store.dynamo import Expr
from switchboard.store.listing import ListSpec, Source


def call_list_spec(project_id: str, status: str | None, direction: str | None, search: str | None) -> ListSpec:
    """Where a call list is read from and what counts it, for the request's scope and filters."""
    def matches(expr: Expr, *, with_status: bool) -> str:
        parts = [f"{expr.name('status')} = {expr.value(status)}"] if with_status and status else []
        if direction:
            parts.append(f"{expr.name('direction')} = {expr.value(direction)}")
        if search:
            term = expr.value(search)
            parts.append(f"(contains({expr.name('fromNumber')}, {term}) OR contains({expr.name('toNumber')}, {term}))")
        return " AND ".join(parts)

    pk, index = list_source(project_id)
    legacy = Source(pk, index, "CALL#", (lambda e: matches(e, with_status=True)) if status or direction or search
                    else None)
    if search:
        return ListSpec("calls", legacy, None)
    narrow = (lambda e: matches(e, with_status=False)) if direction else None
    suffix = f".d.{direction}" if direction else ""
    if status:
        sub = sub_of(project_id)
        source = (Source(keys.sub_call_state_index_pk(sub, status), "gsi6", "CALL#", narrow) if sub
                  else Source(keys.call_state_index_pk(project_id, status), "gsi5", "CALL#", narrow))
        counter = counters.scope_counter(project_id, f"calls.s.{status}", f"calls.s.{status}{suffix}")
        return ListSpec(f"calls.s.{status}{suffix}", source, counter, legacy)
    counter = counters.scope_counter(project_id, "calls", f"calls{suffix}")
    return ListSpec(f"calls{suffix}", Source(pk, index, "CALL#", narrow), counter, legacy)
