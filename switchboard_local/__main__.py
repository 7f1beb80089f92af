"""`make dev`: run the whole platform locally, in the foreground, until Ctrl-C.

One process supervises: the AWS emulator (moto server over HTTP), the API, the local
carrier (a Twilio-protocol emulator), the media relay, the webhook delivery poller, and the
outbound function's invokers (the bus rule's queue poller and a timer for scheduled calls).
`python -m switchboard_local.carrier.cli call ...` then dials the agents like a phone would.
"""

from __future__ import annotations

import os

# One BLAS thread, before numpy loads OpenBLAS (as `python -m media_relay` does): its idle worker
# threads busy-wait after each end-of-turn decision's matrix product, ~125 ms of a core each time,
# on the two cores the whole local platform shares. An operator's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import asyncio  # after the BLAS setting
import signal
import sys
from typing import Any

from switchboard_local.config import LocalPorts, load_identity, state_dir, write_config

HOST = "127.0.0.1"


def _configure_environment(ports: LocalPorts, identity: dict[str, Any]) -> None:
    """Local settings travel as environment variables, so every component reads them the same way."""
    aws = f"http://{HOST}:{ports.aws}"
    os.environ.update({
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "local"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        "AWS_REGION": os.environ.get("AWS_REGION", "us-east-1"),
        "AWS_DEFAULT_REGION": os.environ.get("AWS_REGION", "us-east-1"),
        "SWITCHBOARD_AWS_ENDPOINT_URL": aws,
        "SWITCHBOARD_LOCAL_MODE": "true",
        "SWITCHBOARD_PUBLIC_BASE_URL": f"http://{HOST}:{ports.api}",
        "SWITCHBOARD_RELAY_URL": f"ws://{HOST}:{ports.relay}/twilio",
        "SWITCHBOARD_RELAY_PUBLIC_URL": f"ws://{HOST}:{ports.relay}/twilio",
        "SWITCHBOARD_RELAY_HOST": HOST,
        "SWITCHBOARD_RELAY_PORT": str(ports.relay),
        "SWITCHBOARD_RELAY_HTTP_PORT": str(ports.relay_http),
        "SWITCHBOARD_SIGNING_KEY": identity["signingKey"],
        "SWITCHBOARD_CARRIER": "local",
        "SWITCHBOARD_TWILIO_API_BASE": f"http://{HOST}:{ports.carrier}",
        "SWITCHBOARD_TWILIO_ACCOUNT_SID": identity["twilioAccountSid"],
        "SWITCHBOARD_TWILIO_AUTH_TOKEN": identity["twilioAuthToken"],
        "POWERTOOLS_SERVICE_NAME": "switchboard-local",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
    })


def _start_emulator(ports: LocalPorts) -> Any:
    import logging

    from switchboard_local.emulator import start_emulator

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto logs every request otherwise
    return start_emulator(HOST, ports.aws)


def _identity(container: Any, identity: dict[str, Any]) -> dict[str, Any]:
    """Re-register the saved key (the emulator starts empty), or make a project on first start."""
    if identity["projectId"] and identity["apiKey"]:
        container.projects.create("local", project_id=identity["projectId"], api_key=identity["apiKey"])
        return identity
    print("switchboard: first start: creating the local project and its API key ...", file=sys.stderr, flush=True)
    created = container.projects.create("local")
    print(f"switchboard: project {created.project_id} ready.", file=sys.stderr, flush=True)
    return {**identity, "projectId": created.project_id, "apiKey": created.api_key}


async def _serve(ports: LocalPorts, identity: dict[str, Any]) -> None:
    import uvicorn

    from media_relay.config import RelaySettings
    from media_relay.server import build_relay
    from switchboard.api.app import create_app
    from switchboard.container import get_container
    from switchboard_local.services import background_tasks, carrier_app

    def server(app: Any, port: int) -> uvicorn.Server:
        return uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning", lifespan="off"))

    app = create_app(get_container())
    # A server that starts once has no cold start to save: build every route now, not while other
    # requests run in uvicorn's threads (FastAPI silences a pydantic warning with catch_warnings,
    # which is not thread-safe).
    app.state.route_groups.ensure_all()
    api = server(app, ports.api)
    carrier = server(carrier_app(identity), ports.carrier)
    servers = [api, carrier]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(s.serve()) for s in servers]
        relay = await build_relay(get_container(), RelaySettings()).start(HOST, ports.relay)
        workers = background_tasks(get_container())
        await stop.wait()
        for w in workers:
            w.stop()
        await relay.stop()
        for s in servers:
            s.should_exit = True
        for t in tasks:
            await t


def main() -> int:
    ports = LocalPorts.from_env()
    config_path = state_dir() / "local.json"
    identity = load_identity(config_path)
    _configure_environment(ports, identity)
    print("switchboard: starting the AWS emulator ...", file=sys.stderr, flush=True)
    emulator = _start_emulator(ports)
    try:
        from switchboard.container import get_container
        from switchboard_local.provision import ACCOUNT, provision

        container = get_container()
        print("switchboard: creating the table, queues, bus and recordings bucket ...", file=sys.stderr, flush=True)
        resources = provision(container.aws_client)
        os.environ.update({
            "SWITCHBOARD_TABLE_NAME": resources.table_name,
            "SWITCHBOARD_DELIVERY_QUEUE_URL": resources.queue_url,
            "SWITCHBOARD_DELIVERY_DLQ_URL": resources.dlq_url,
            "SWITCHBOARD_RECONCILE_QUEUE_URL": resources.reconcile_queue_url,
            "SWITCHBOARD_EVENT_BUS_NAME": resources.event_bus_name,
            "SWITCHBOARD_RECORDINGS_BUCKET": resources.recordings_bucket,
            # Scheduled calls: schedules name the outbound function and a role as in AWS; the local
            # timer (local/outbound.py) fires them into the same handler.
            "SWITCHBOARD_SCHEDULE_GROUP_NAME": resources.schedule_group_name,
            "SWITCHBOARD_OUTBOUND_FUNCTION_ARN":
                f"arn:aws:lambda:{os.environ['AWS_REGION']}:{ACCOUNT}:function:switchboard-outbound-local",
            "SWITCHBOARD_SCHEDULER_ROLE_ARN": f"arn:aws:iam::{ACCOUNT}:role/switchboard-local-scheduler",
        })
        from switchboard.settings import get_settings

        get_settings.cache_clear()
        get_container.cache_clear()
        identity = _identity(get_container(), identity)
        config = {
            "apiUrl": f"http://{HOST}:{ports.api}",
            "apiKey": identity["apiKey"],
            "projectId": identity["projectId"],
            "relayUrl": os.environ["SWITCHBOARD_RELAY_URL"],
            "voiceWebhookUrl": f"http://{HOST}:{ports.api}/telephony/twilio/voice",
            "statusCallbackUrl": f"http://{HOST}:{ports.api}/telephony/twilio/status",
            "smsWebhookUrl": f"http://{HOST}:{ports.api}/telephony/twilio/sms",
            "twilioApiBase": os.environ["SWITCHBOARD_TWILIO_API_BASE"],
            "twilioAccountSid": identity["twilioAccountSid"],
            "twilioAuthToken": identity["twilioAuthToken"],
            "awsEndpointUrl": os.environ["SWITCHBOARD_AWS_ENDPOINT_URL"],
            "awsRegion": os.environ["AWS_REGION"],
            "eventBusName": resources.event_bus_name,
            "webCallUrl": f"ws://{HOST}:{ports.relay}/web",
            "consoleUrl": f"http://{HOST}:{ports.api}/console/",
            "recordingsBucket": resources.recordings_bucket,
            "signingKey": identity["signingKey"],
        }
        write_config(config_path, config)
        _banner(config, config_path)
        asyncio.run(_serve(ports, identity))
    except OSError as exc:
        print(f"switchboard: could not start ({exc}); is another `make dev` running? "
              "Ports come from SWITCHBOARD_API_PORT, _AWS_PORT, _CARRIER_PORT, _RELAY_PORT.", file=sys.stderr)
        return 1
    finally:
        emulator.stop()
    return 0


def _banner(config: dict[str, Any], path: Any) -> None:
    print(f"""
Switchboard is running locally (Ctrl-C to stop).

  API        {config['apiUrl']}   (docs: {config['apiUrl']}/docs)
  Console    {config['consoleUrl']}   (sign in with the API key; talk to an agent in the browser)
  API key    {config['apiKey']}
  Project    {config['projectId']}
  Relay      {config['relayUrl']}
  Carrier    {config['twilioApiBase']} (Twilio-protocol emulator, account {config['twilioAccountSid']})
  AWS        {config['awsEndpointUrl']} (DynamoDB, SQS, EventBridge and Scheduler emulator)
  Event bus  {config['eventBusName']} (put OutboundCallRequested on it to place a call; see the README)

Written to {path}. State lives in memory: a restart keeps the key, not the data.
""", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
