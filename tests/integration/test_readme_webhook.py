"""The README's example webhook, run as written, survives a whole call: it answers every voice turn,
acknowledges what it does not handle (an extra event it was subscribed to), and prints the call's
`agent.call_ended` transcript; no delivery to it fails."""

from __future__ import annotations

import asyncio
import re
import types
from typing import Any

import httpx
import pytest

from media_relay.server import Relay
from switchboard.container import Container
from switchboard_local.carrier.dialer import CallerScript, Line
from tests.conftest import REPO
from tests.support.calls import agent_with_number, dial, only_call, speech
from tests.support.events import delivering
from tests.support.servers import ThreadedUvicorn

pytestmark = pytest.mark.slow


def readme_hook() -> Any:
    """The README's `hook.py`, executed from the README's own text."""
    text = (REPO / "README.md").read_text()
    (code,) = re.findall(r"```python\n(# hook\.py.*?)```", text, re.DOTALL)
    module = types.ModuleType("hook")
    exec(compile(code, "README.md:hook.py", "exec"), module.__dict__)
    return module.app


async def test_the_readme_webhook_survives_a_whole_call(api: httpx.Client, api_url: str, settings: Any,
                                                        relay: Relay, container: Container,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    server = ThreadedUvicorn(readme_hook()).start()
    try:
        with delivering(container, monkeypatch):
            # Subscribed to an extra event the hook does not know, to prove it ignores it.
            api.post("/v1/webhooks", json={"url": f"{server.url}/agent", "events": ["call.started"]})
            _, number = agent_with_number(api, beginMessage="Hello, this is support.")
            script = CallerScript(lines=[Line("package", await speech("Where is my package?")),
                                         Line("thanks", await speech("Thank you very much."))])
            await dial(api_url, settings, number, script, greeting_timeout_s=5.0)  # it greets: let it
            call_id = only_call(api)["id"]

            def delivered() -> list[dict[str, Any]]:
                return api.get("/v1/webhooks/deliveries").json()["items"]

            deadline = asyncio.get_running_loop().time() + 30
            while "agent.call_ended" not in {d["eventType"] for d in delivered()}:
                assert asyncio.get_running_loop().time() < deadline, delivered()
                await asyncio.sleep(0.2)
    finally:
        server.stop()
    deliveries = delivered()
    assert {d["eventType"] for d in deliveries} == {"agent.message", "call.started", "agent.call_ended"}
    assert all(d["status"] == "success" and d["httpStatus"] == 200 for d in deliveries), deliveries
    turns = only_call(api)["transcripts"]
    assert [t["response"].startswith("Let me check. You said:") for t in turns[1:]] == [True, True]
    printed = capsys.readouterr().out
    assert f"call {call_id} ended: user_hangup" in printed
    assert "  agent: Hello, this is support." in printed and "  user: " in printed
