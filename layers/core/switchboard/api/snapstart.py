"""SnapStart: what the API defers to first use is done before Lambda snapshots the initialized function.

A plain cold start pays only for what its first request needs: route groups are built when a request
reaches them (route_groups.py), repositories and AWS clients when a request uses them. Under
SnapStart, Lambda snapshots the function after init and every new environment resumes from that
snapshot, so anything deferred would be paid again by each restored environment's first request.
Lambda's `snapshot_restore_py` (in SnapStart-capable runtimes) runs registered hooks just before the
snapshot; here they build every route group, build the middleware stack by serving `/health`, import
the repositories and load the AWS SDK's DynamoDB model and endpoint data. No credentials or
connections go into the snapshot: the warm-up client has fixed dummy credentials, makes no call and
is dropped, and the real client is still built, with the environment's credentials, on first use.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI

HEALTH_EVENT = {
    "version": "2.0", "routeKey": "$default", "rawPath": "/health", "rawQueryString": "", "headers": {},
    "requestContext": {"http": {"method": "GET", "path": "/health", "protocol": "HTTP/1.1",
                                "sourceIp": "127.0.0.1", "userAgent": "snapstart"},
                       "requestId": "snapstart-prime", "stage": "$default", "routeKey": "$default"},
    "isBase64Encoded": False,
}


class _PrimeContext:
    """The Lambda context attributes Mangum reads."""

    function_name = "snapstart-prime"
    aws_request_id = "snapstart-prime"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def warm_aws_sdk(region: str, endpoint_url: str | None) -> None:
    """Load botocore's DynamoDB model and endpoint data into the session the container's client comes from."""
    from switchboard.container import aws_session

    aws_session().create_client("dynamodb", region_name=region, endpoint_url=endpoint_url,
                                aws_access_key_id="snapshot", aws_secret_access_key="snapshot")


def import_store() -> None:
    """The repositories the container imports on first use (pure imports: no client, no I/O)."""
    from switchboard import store

    for module in pkgutil.iter_modules(store.__path__):
        importlib.import_module(f"switchboard.store.{module.name}")


def prime(app: FastAPI, asgi: Callable[[dict[str, Any], Any], dict[str, Any]]) -> None:
    """Everything the API does on first use that does not depend on the environment it resumes in."""
    app.state.route_groups.ensure_all()
    import_store()
    response = asgi(json.loads(json.dumps(HEALTH_EVENT)), _PrimeContext())
    if response["statusCode"] != 200:
        raise RuntimeError(f"priming /health answered {response['statusCode']}")
    settings = app.state.container.settings
    warm_aws_sdk(settings.aws_region, settings.aws_endpoint_url)


def register(app: FastAPI, asgi: Callable[[dict[str, Any], Any], dict[str, Any]],
             env: Mapping[str, str] = os.environ) -> bool:
    """Run `prime` before the snapshot if this init is for one (Lambda says so); False otherwise."""
    if env.get("AWS_LAMBDA_INITIALIZATION_TYPE") != "snap-start":
        return False
    from snapshot_restore_py import register_before_snapshot  # in every SnapStart-capable Lambda runtime

    register_before_snapshot(prime, app, asgi)
    return True
