"""Schemathesis against the running API's own /openapi.json: no 5xx, and every answer as documented.

Each operation gets `SWITCHBOARD_FUZZ_EXAMPLES` generated requests (valid and invalid bodies,
parameters and headers), authenticated as a project that owns an agent, a number and a webhook.
Every response must be below 500, use a documented status, match that status's documented schema
and content type, and every error must be `{"detail": "<sentence>"}`. `make test` runs a bounded
number per operation; `make fuzz` runs the whole (at least 10,000 cases) and prints the count.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from switchboard.container import Container

EXAMPLES = int(os.environ.get("SWITCHBOARD_FUZZ_EXAMPLES", "4"))
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def fuzz_target(api: httpx.Client, api_url: str, container: Container, project: Any,
                local_carrier: Any) -> Iterator[dict[str, Any]]:
    # A carrier that takes calls but never runs them, and long polls that answer at once: the fuzz
    # places calls and waits on them by the hundred.
    local_carrier.server.config.app.state.outbound.answering = False
    container.settings.long_poll_max_seconds = 0.2
    agent = api.post("/v1/agents", json={"name": "Fuzz"}).json()
    number = api.post("/v1/numbers", json={"areaCode": "415", "agentId": agent["id"]}).json()
    api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/fuzz"})
    call = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": "+14155550142"}).json()
    contact = api.post("/v1/contacts", json={"phoneNumber": "+14155550143", "name": "Fuzz"}).json()
    stored = container.numbers.get(project.project_id, number["id"])
    _, conv = container.conversations.record_message(project.project_id, number=stored, participant="+14155550144",
                                                     agent_id=agent["id"], direction="inbound", body="hi",
                                                     status="received")
    ids = {"agent_id": agent["id"], "number_id": number["id"], "call_id": call["id"], "contact_id": contact["id"],
           "conversation_id": conv["id"]}
    yield {"url": api_url, "key": project.api_key, "ids": ids}
    local_carrier.server.config.app.state.outbound.answering = True


def _cases(operation: Any, ids: dict[str, str]) -> st.SearchStrategy[Any]:
    """Valid requests, valid requests on the project's real resources, and invalid ones."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    names = [p["name"] for p in operation.definition.raw.get("parameters", []) if p.get("in") == "path"]
    if names and all(n in ids for n in names):
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters={n: ids[n] for n in names}))
    return st.one_of(strategies)


def _error_shape(response: Any) -> str | None:
    if response.status_code < 400:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"{response.status_code} body is not JSON: {response.content[:120]!r}"
    if not isinstance(body, dict) or not isinstance(body.get("detail"), str) or not body["detail"]:
        return f"{response.status_code} body has no 'detail' sentence: {response.content[:200]!r}"
    return None


def _fuzz(operation: Any, target: dict[str, Any], counted: dict[str, int]) -> None:
    """Run one operation's cases; raises on the first that breaks a rule (after shrinking it)."""
    headers = {"Authorization": f"Bearer {target['key']}"}
    documented = set(operation.definition.raw.get("responses", {}))

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=_cases(operation, target["ids"]))
    def run(case: Any) -> None:
        counted["cases"] += 1
        try:
            response = case.call(base_url=target["url"], headers=headers, timeout=30)
        except Exception as exc:
            raise AssertionError(f"the request failed: {exc!r} for {case.method} {case.path} "
                                 f"{case.path_parameters} {case.query}") from None
        # 5xx is a server error, except the 501 of a route documented as not available here.
        server_error = response.status_code >= 500 and not (response.status_code == 501 and "501" in documented)
        assert not server_error, f"{response.status_code}: {response.text[:300]} for {case.method} {case.path} "\
                                 f"{case.path_parameters} {case.query} body={str(case.body)[:300]}"
        try:
            case.validate_response(response, checks=CHECKS)
        except (BaseExceptionGroup, Exception) as group:  # keep schemathesis's text through hypothesis
            parts = [str(e)[:500] for e in getattr(group, "exceptions", ())]
            raise AssertionError(f"{type(group).__name__} {group}: {parts} for {case.method} {case.path} "
                                 f"{case.path_parameters} {case.query}; answered {response.status_code} "
                                 f"{response.text[:500]}") from None
        problem = _error_shape(response)
        assert problem is None, problem

    run()


# The whole run takes minutes (make fuzz); the suite's 120 s per test would cut it short.
@pytest.mark.timeout(max(120, EXAMPLES * 10))
def test_the_api_answers_every_generated_request_as_documented(fuzz_target: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzz_target['url']}/openapi.json")
    only = os.environ.get("SWITCHBOARD_FUZZ_ONLY", "")  # a part of an operation's label, to fuzz it alone
    operations = [op for op in (result.ok() for result in schema.get_all_operations()) if only in op.label]
    counted = {"cases": 0}
    failures: dict[str, str] = {}
    started = time.monotonic()
    for operation in operations:
        try:
            _fuzz(operation, fuzz_target, counted)
        except (Exception, BaseExceptionGroup) as exc:  # one operation's failure must not hide another's
            inner = getattr(exc, "exceptions", ())  # a group (hypothesis's flaky or multiple failures): say why
            failures[operation.label] = "\n".join([str(exc), *(repr(e)[:800] for e in inner)])[:3000]
    elapsed = time.monotonic() - started
    print(f"\nschemathesis: {counted['cases']} cases over {len(operations)} operations in {elapsed:.0f} s, "
          f"{len(failures)} operations failing")
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
