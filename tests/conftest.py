"""Shared fixtures: a moto server over real HTTP, a fresh table per test, the API on a real port."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "SwitchboardTests")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

from switchboard.container import Container
from switchboard.settings import Settings
from switchboard.store.projects import NewProject
from switchboard.store.schema import create_table
from tests.support.servers import ThreadedUvicorn, free_port

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "template.yaml"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from switchboard_local.emulator import start_emulator

    port = free_port()
    server = start_emulator("127.0.0.1", port)
    yield f"http://127.0.0.1:{port}"
    server.stop()


CARRIER_SID = "AC" + "0" * 31 + "1"
CARRIER_TOKEN = "local-carrier-test-token"


@pytest.fixture(scope="session")
def local_carrier() -> Iterator[ThreadedUvicorn | None]:
    """The local carrier (a Twilio REST emulator) on a real port, shared by the session."""
    try:
        from switchboard_local.carrier.app import create_app as create_carrier_app
    except ImportError:  # being written; tests that need it will fail on their own
        yield None
        return
    server = ThreadedUvicorn(create_carrier_app(account_sid=CARRIER_SID, auth_token=CARRIER_TOKEN)).start()
    yield server
    server.stop()


@pytest.fixture
def settings(moto_endpoint: str, local_carrier: ThreadedUvicorn | None) -> Settings:
    """Settings for one test: its own table and queues in the shared emulator."""
    import boto3

    if local_carrier is not None:  # each test starts with a carrier that owns no numbers
        state = local_carrier.server.config.app.state.carrier
        with state.lock:
            state.numbers.clear()
            state.calls.clear()
            state.messages.clear()
            state.resources.clear()  # trunks, credential lists, TrustHub bundles, registrations
        local_carrier.server.config.app.state.outbound.callees.clear()
        local_carrier.server.config.app.state.outbound.answering = True
        local_carrier.server.config.app.state.outbound.drop_final_status = False
    suffix = uuid.uuid4().hex[:10]
    table_name = f"sb-{suffix}"
    ddb = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="us-east-1")
    create_table(ddb, table_name, TEMPLATE)
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")
    dlq = sqs.create_queue(QueueName=f"dlq-{suffix}")["QueueUrl"]
    queue = sqs.create_queue(QueueName=f"q-{suffix}")["QueueUrl"]
    reconcile = sqs.create_queue(QueueName=f"rc-{suffix}")["QueueUrl"]
    from switchboard.recordings import RecordingStore

    bucket = f"rec-{suffix}"
    RecordingStore(boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1"), bucket).ensure_bucket()
    return Settings(
        table_name=table_name,
        recordings_bucket=bucket,
        signing_key=f"test-signing-key-{suffix}",
        aws_endpoint_url=moto_endpoint,
        local_mode=True,
        delivery_queue_url=queue,
        delivery_dlq_url=dlq,
        reconcile_queue_url=reconcile,
        event_bus_name=f"bus-{suffix}",
        carrier="local",
        twilio_api_base=local_carrier.url if local_carrier else "http://127.0.0.1:9",
        twilio_account_sid=CARRIER_SID,
        twilio_auth_token=CARRIER_TOKEN,
    )


@pytest.fixture
def container(settings: Settings) -> Container:
    return Container(settings)


@pytest.fixture
def project(container: Container) -> NewProject:
    return container.projects.create("test project")


@pytest.fixture(scope="session")
def api_server() -> Iterator[ThreadedUvicorn]:
    """One real API server for the session; each test points it at its own container."""
    from switchboard.api.app import create_app

    app = create_app(Container(Settings()))
    server = ThreadedUvicorn(app).start()
    yield server
    server.stop()


@pytest.fixture
def api_url(api_server: ThreadedUvicorn, container: Container) -> str:
    api_server.server.config.app.state.container = container
    container.settings.public_base_url = api_server.url  # what carrier callbacks are signed against
    return api_server.url


@pytest.fixture
def api(api_url: str, project: NewProject) -> Iterator[httpx.Client]:
    """An HTTP client authenticated as `project`."""
    with httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {project.api_key}"},
                      timeout=30) as client:
        yield client


@pytest.fixture
async def start_relay(container: Container) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """Start media relays on free ports (RelaySettings overrides as keyword arguments); stopped after the test.
    The container's relay URL points at the last one started, so TwiML streams to it."""
    from media_relay.config import RelaySettings
    from media_relay.server import build_relay

    relays: list[Any] = []

    async def start(**settings: Any) -> Any:
        port = free_port()
        container.settings.relay_url = f"ws://127.0.0.1:{port}/twilio"
        relay = await build_relay(container, RelaySettings(**settings)).start("127.0.0.1", port)
        relays.append(relay)
        return relay

    yield start
    for relay in relays:
        await relay.stop()


@pytest.fixture
async def relay(start_relay: Callable[..., Awaitable[Any]]) -> Any:
    return await start_relay()
