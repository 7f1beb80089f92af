"""A contact's name where a caller or texter shows up: `data.contact` on `agent.message` (SMS and
voice, the latter over a real call) and `contactName` / `participants` on conversations."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from media_relay.server import Relay
from switchboard_local.carrier.dialer import CallerScript, Line
from tests.integration.test_sms import PHONE, agent_with_number, events, poller, text_in  # noqa: F401
from tests.support import calls
from tests.support.receiver import webhook_receiver
from tests.support.voice_webhook import Reply, voice_webhook


def test_a_texter_who_is_a_contact_arrives_by_name(api: httpx.Client, api_url: str, settings: Any,
                                                   poller: Any) -> None:  # noqa: F811
    contact = api.post("/v1/contacts", json={"phoneNumber": PHONE, "name": "Ada Lovelace", "notes": "VIP"}).json()
    with webhook_receiver() as hook:
        _, number, secret = agent_with_number(api, hook.url)
        text_in(api_url, settings, number["phoneNumber"], "Hello, it's Ada.")
        (event,) = events(hook, secret, "agent.message", 1)
    assert event["data"]["contact"] == {"id": contact["id"], "name": "Ada Lovelace", "phoneNumber": PHONE,
                                        "email": None, "notes": "VIP"}
    conv = api.get("/v1/conversations").json()["data"][0]
    assert conv["contactName"] == "Ada Lovelace" and conv["participants"] == [{"identifier": PHONE,
                                                                               "name": "Ada Lovelace"}]
    api.patch(f"/v1/contacts/{contact['id']}", json={"name": "Countess Lovelace"})
    assert api.get(f"/v1/conversations/{conv['id']}").json()["contactName"] == "Countess Lovelace"
    api.delete(f"/v1/contacts/{contact['id']}")
    assert api.get("/v1/conversations").json()["data"][0]["contactName"] is None


def test_a_number_is_one_contact_and_a_new_number_frees_the_old(api: httpx.Client) -> None:
    first = api.post("/v1/contacts", json={"phoneNumber": PHONE, "name": "Ada"}).json()
    dup = api.post("/v1/contacts", json={"phoneNumber": PHONE, "name": "Someone else"})
    assert dup.status_code == 409 and "already exists" in dup.json()["detail"]
    assert api.patch(f"/v1/contacts/{first['id']}", json={"phoneNumber": "+14155550124"}).status_code == 200
    assert api.post("/v1/contacts", json={"phoneNumber": PHONE, "name": "Someone else"}).status_code == 201
    taken = api.patch(f"/v1/contacts/{first['id']}", json={"phoneNumber": PHONE})
    assert taken.status_code == 409 and api.get(f"/v1/contacts/{first['id']}").json()["phoneNumber"] == "+14155550124"


@pytest.mark.slow
async def test_a_caller_who_is_a_contact_arrives_by_name(api: httpx.Client, api_url: str, settings: Any,
                                                         start_relay: Callable[..., Awaitable[Relay]]) -> None:
    await start_relay()
    api.post("/v1/contacts", json={"phoneNumber": "+14155550123", "name": "Grace Hopper"})
    script = CallerScript(lines=[Line("Hello.", await calls.speech("Hello there."))])
    with voice_webhook([Reply(single={"text": "Hi Grace."})]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        _, number = calls.agent_with_number(api)
        await calls.dial(api_url, settings, number, script)
    turns = [json.loads(body) for _, body in hook.requests]
    assert turns and all(t["data"]["contact"]["name"] == "Grace Hopper" for t in turns)
