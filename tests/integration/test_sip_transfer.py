"""A cold transfer to a SIP URI: the relay asks the carrier for `<Dial><Sip>`, and the local carrier
(as Twilio) takes the call there, with real audio up to that point."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from media_relay.server import Relay
from switchboard_local.carrier.dialer import CallerScript, Line
from tests.support.calls import agent_with_number, dial, only_call, speech
from tests.support.voice_webhook import Reply, voice_webhook

pytestmark = pytest.mark.slow
PBX = "sip:frontdesk@pbx.example.com"


async def test_transfer_to_a_sip_uri_goes_out_as_dial_sip(
        api: httpx.Client, api_url: str, settings: Any, start_relay: Callable[..., Awaitable[Relay]],
        local_carrier: Any) -> None:
    await start_relay()
    script = CallerScript(lines=[Line("Front desk.", await speech("The front desk, please."))], linger_s=15)
    reply = {"text": "Putting you through.", "action": "transfer", "transferNumber": PBX}
    with voice_webhook([Reply(single=reply)]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        _, number = agent_with_number(api, transferNumber="+14155550188")  # the reply's SIP URI overrides it
        result = await dial(api_url, settings, number, script)
    assert result.transferred_to == PBX and result.ended_by == "carrier"
    updates = local_carrier.server.config.app.state.carrier.calls[result.call_sid]["updates"]
    assert len(updates) == 1 and f"<Dial><Sip>{PBX}</Sip></Dial>" in updates[0]["twiml"]
    detail = only_call(api)
    assert detail["endReason"] == "transferred" and detail["transcripts"][-1]["response"] == "Putting you through."


def test_an_agent_may_transfer_to_a_sip_uri_but_not_to_nonsense(api: httpx.Client) -> None:
    agent = api.post("/v1/agents", json={"name": "PBX", "transferNumber": PBX}).json()
    assert agent["transferNumber"] == PBX
    bad = api.patch(f"/v1/agents/{agent['id']}", json={"transferNumber": "sip:nohost"})
    assert bad.status_code == 400 and "SIP URI" in bad.json()["detail"]
    assert api.get(f"/v1/agents/{agent['id']}").json()["transferNumber"] == PBX
