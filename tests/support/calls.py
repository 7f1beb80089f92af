"""What the voice-call tests share: an agent with a number, synthesised caller speech, dialling
through the local carrier (which then follows the platform's REST updates), reading the call back."""

from __future__ import annotations

from typing import Any

import httpx

from switchboard_local.carrier.dialer import (
    CallerScript,
    CallResult,
    CarrierLink,
    place_inbound_call,
    script_from_lines,
)


def agent_with_number(api: httpx.Client, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    agent = api.post("/v1/agents", json={"name": "Acme support", **fields}).json()
    number = api.post("/v1/numbers", json={"areaCode": "415", "agentId": agent["id"]}).json()
    return agent, number


async def speech(text: str, voice: str = "rms") -> bytes:
    """`text` spoken by flite, as mu-law at 8 kHz (what the caller sends)."""
    return (await script_from_lines([text], voice=voice)).lines[0].mulaw


async def dial(api_url: str, settings: Any, number: dict[str, Any], script: CallerScript,
               greeting_timeout_s: float | None = 1.0) -> CallResult:
    """An inbound call to `number`; `greeting_timeout_s` 1 s suits agents that greet at once, if at all."""
    if greeting_timeout_s is not None:
        script.greeting_timeout_s = greeting_timeout_s
    return await place_inbound_call(
        voice_url=f"{api_url}/telephony/twilio/voice", status_url=f"{api_url}/telephony/twilio/status",
        account_sid=settings.twilio_account_sid, auth_token=settings.twilio_auth_token,
        from_number="+14155550123", to_number=number["phoneNumber"], script=script,
        carrier=CarrierLink(f"{settings.twilio_api_base}/2010-04-01/Accounts/{settings.twilio_account_sid}",
                            settings.twilio_account_sid, settings.twilio_auth_token))


def only_call(api: httpx.Client) -> dict[str, Any]:
    """The one call of the test, with its transcript turns."""
    calls = api.get("/v1/calls").json()["data"]
    assert len(calls) == 1
    return api.get(f"/v1/calls/{calls[0]['id']}").json()
