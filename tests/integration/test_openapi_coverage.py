"""/openapi.json against the SDK: at least 71 of its endpoints served, and every other one a clear 501."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from agentphone import AgentPhone

from tests.support.sdk_endpoints import normalise, sdk_endpoints

README = Path(__file__).resolve().parents[2] / "README.md"
UNAVAILABLE_TAG = "not available"


def test_openapi_serves_most_of_the_sdk_and_answers_501_for_the_rest(api: httpx.Client, api_url: str,
                                                                     project: Any) -> None:
    wanted = sdk_endpoints()
    assert len(wanted) == 88  # agentphone 0.20.3
    spec = httpx.get(f"{api_url}/openapi.json").json()
    listed: dict[tuple[str, str], dict[str, Any]] = {
        (method.upper(), normalise(path)): op for path, ops in spec["paths"].items() for method, op in ops.items()}
    missing = sorted(e for e in wanted if e not in listed)
    assert not missing, f"SDK endpoints absent from /openapi.json: {missing}"
    unavailable = {e for e in wanted if UNAVAILABLE_TAG in listed[e].get("tags", [])}
    served = wanted - unavailable
    assert len(served) >= 71, f"only {len(served)} of 88 served"
    # Web calls, recordings and the transcript stream are served now (issue 13 had them answer 501).
    for route in (("POST", "/v1/calls/web"), ("GET", "/v1/calls/{}/recording"),
                  ("GET", "/v1/calls/{}/transcript/stream")):
        assert route in served, route

    readme = README.read_text()
    for method, path in sorted(unavailable):
        concrete = path.replace("{}", "x_1")
        resp = api.request(method, concrete, json={} if method in ("POST", "PUT") else None)
        assert resp.status_code == 501, f"{method} {path}: {resp.status_code} {resp.text}"
        detail = resp.json()["detail"]
        assert "not available" in detail, detail
        assert f"`{method} {path.replace('{}', '{id}')}`" in readme, f"README does not list {method} {path}"
    # A 501 still needs the key: nobody learns more without one.
    assert httpx.post(f"{api_url}/v1/location/refresh").status_code == 401


def test_the_sdk_raises_a_clear_error_for_what_twilio_cannot_do(api_url: str, project: Any) -> None:
    sdk = AgentPhone(api_key=project.api_key, base_url=api_url)
    for attempt in (lambda: sdk.conversations.send_typing("conv_1"), lambda: sdk.whatsapp.whatsapp_status(),
                    lambda: sdk.location.refresh()):
        try:
            attempt()
            raise AssertionError("a 501 route answered as if it worked")
        except Exception as exc:  # the SDK's own error type, carrying our sentence
            assert "not available" in str(exc), exc
