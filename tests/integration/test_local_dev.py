"""`make dev`'s process: starts everything, writes local.json, serves the API with that key, stops on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.servers import free_port


def start(state: Path, ports: dict[str, int]) -> subprocess.Popen[str]:
    env = {**os.environ, "SWITCHBOARD_STATE_DIR": str(state),
           **{f"SWITCHBOARD_{k}_PORT": str(v) for k, v in ports.items()}}
    for name in ("SWITCHBOARD_TABLE_NAME", "SWITCHBOARD_AWS_ENDPOINT_URL"):
        env.pop(name, None)
    return subprocess.Popen([sys.executable, "-m", "switchboard_local"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def wait_ready(proc: subprocess.Popen[str], api: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else "exited"
        try:
            if httpx.get(f"{api}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("make dev did not come up")


def stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    return out


def test_dev_stack_serves_the_api_with_the_printed_key_and_keeps_it_across_restarts(tmp_path: Path) -> None:
    ports = {"API": free_port(), "AWS": free_port(), "CARRIER": free_port(), "RELAY": free_port()}
    api = f"http://127.0.0.1:{ports['API']}"
    proc = start(tmp_path, ports)
    try:
        wait_ready(proc, api)
        config = json.loads((tmp_path / "local.json").read_text())
        assert config["apiUrl"] == api
        headers = {"Authorization": f"Bearer {config['apiKey']}"}
        agent = httpx.post(f"{api}/v1/agents", json={"name": "Dev"}, headers=headers)
        assert agent.status_code == 201, agent.text
        number = httpx.post(f"{api}/v1/numbers", json={"areaCode": "415"}, headers=headers)
        assert number.status_code == 201 and number.json()["phoneNumber"].startswith("+1415555")
        relay = config["relayUrl"].replace("ws://", "http://").replace("/twilio", "/health")
        assert httpx.get(relay).status_code == 200  # the media relay runs too
    finally:
        out = stop(proc)
    assert config["apiKey"] in out  # printed for the developer
    for key in ("projectId", "relayUrl", "twilioAccountSid", "twilioAuthToken", "voiceWebhookUrl",
                "awsEndpointUrl", "awsRegion", "eventBusName"):
        assert config[key], key
    again = start(tmp_path, ports)
    try:
        wait_ready(again, api)
        resp = httpx.get(f"{api}/v1/agents", headers=headers)
        assert resp.status_code == 200  # the saved key still works after a restart
        assert json.loads((tmp_path / "local.json").read_text())["apiKey"] == config["apiKey"]
    finally:
        stop(again)


def test_the_sdk_calls_and_texts_against_make_dev(tmp_path: Path) -> None:
    """The agentphone SDK's call and messaging flows against the real `make dev` process."""
    from agentphone import AgentPhone

    ports = {"API": free_port(), "AWS": free_port(), "CARRIER": free_port(), "RELAY": free_port()}
    api = f"http://127.0.0.1:{ports['API']}"
    proc = start(tmp_path, ports)
    try:
        wait_ready(proc, api)
        config = json.loads((tmp_path / "local.json").read_text())
        sdk = AgentPhone(api_key=config["apiKey"], base_url=config["apiUrl"])
        agent = sdk.agents.create(name="Dev caller", voice_mode="hosted", system_prompt="Book a cleaning.")
        number = sdk.numbers.buy(country="US", area_code="415", agent_id=agent.id)
        hosted = sdk.calls.make(agent_id=agent.id, to_number="+14155550199", system_prompt="Confirm Tuesday.")
        assert hosted.status in ("queued", "ringing") and hosted.to_number == "+14155550199"
        sdk.agents.set_webhook(agent.id, url="http://127.0.0.1:9/hook")  # a webhook call needs one
        plain = sdk.calls.make(agent_id=agent.id, to_number="+14155550198", initial_greeting="Hi {{name}}",
                               variables={"name": "Ada"})
        assert sdk.calls.end(plain.id)["status"] in ("canceled", "completed")
        deadline = time.monotonic() + 20  # nobody answers +1415555019x on the local carrier: it rings out
        while sdk.calls.get(hosted.id).status not in ("no-answer", "completed") and time.monotonic() < deadline:
            time.sleep(0.3)
        assert sdk.calls.get(hosted.id).status == "no-answer"

        sent = sdk.messages.send(agent_id=agent.id, to_number="+14155550197", body="Your cleaning is on Tuesday.")
        assert sent["id"]
        conversations = sdk.conversations.list().data
        assert len(conversations) == 1 and conversations[0].participant == "+14155550197"
        detail = sdk.conversations.get(conversations[0].id)
        assert detail.phone_number == number.phone_number
        messages = sdk.conversations.get_messages(conversations[0].id).data
        assert [m.body for m in messages] == ["Your cleaning is on Tuesday."]
    finally:
        stop(proc)
