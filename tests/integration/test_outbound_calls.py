"""Outbound calls end to end on the local carrier, with real audio: a scripted person answers, an
unanswered or busy line, an answering machine gets the voicemail message, two of our own agents
talk to each other, and the API ends a live call."""

from __future__ import annotations

import asyncio
import json
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from media_relay.server import Relay
from switchboard_local.carrier.outbound import OutboundCalls
from tests.support.calls import agent_with_number
from tests.support.servers import ThreadedUvicorn
from tests.support.voice_webhook import Reply, voice_webhook

pytestmark = pytest.mark.slow
CALLEE = "+14155550142"


@pytest.fixture
def carrier(local_carrier: Any, settings: Any) -> Iterator[OutboundCalls]:
    outbound: OutboundCalls = local_carrier.server.config.app.state.outbound
    outbound.no_answer_s = 1.5
    outbound.sessions.clear()
    yield outbound
    outbound.no_answer_s = 6.0


def set_callee(settings: Any, **form: Any) -> None:
    url = f"{settings.twilio_api_base}/2010-04-01/Accounts/{settings.twilio_account_sid}/Local/Callees.json"
    resp = httpx.post(url, data=form, auth=(settings.twilio_account_sid, settings.twilio_auth_token))
    assert resp.status_code == 201, resp.text


async def follow(api: httpx.Client, call_id: str, timeout: float = 60) -> tuple[dict[str, Any], list[str]]:
    """Poll the call until it ends; return it and the statuses seen on the way."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        call = (await asyncio.to_thread(api.get, f"/v1/calls/{call_id}")).json()
        if not seen or seen[-1] != call["status"]:
            seen.append(call["status"])
        if call["status"] in ("completed", "busy", "no-answer", "failed", "canceled"):
            return call, seen
        await asyncio.sleep(0.1)
    raise AssertionError(f"call did not end: {seen}")


async def test_a_person_answers_and_the_agent_hangs_up(api: httpx.Client, settings: Any, relay: Relay,
                                                       carrier: OutboundCalls) -> None:
    set_callee(settings, Number=CALLEE, Say=["Hello, this is Sam speaking.", "Yes, tomorrow at ten works for me."])
    replies = [Reply(single={"text": "Can you come in tomorrow at ten?"}),
               Reply(single={"text": "Great, see you then. Goodbye.", "hangup": True})]
    with voice_webhook(replies) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        agent, _ = agent_with_number(api)
        created = api.post("/v1/calls", json={
            "agentId": agent["id"], "toNumber": CALLEE, "variables": {"name": "Sam"},
            "initialGreeting": "Hi {{name}}, this is Acme calling about your appointment."})
        # queued when stored; the carrier may already have said it rings by the time the API answers
        assert created.status_code == 201 and created.json()["status"] in ("queued", "ringing")
        call, seen = await follow(api, created.json()["id"])
    order = ["queued", "ringing", "in-progress", "completed"]
    assert seen[-1] == "completed" and "in-progress" in seen
    assert [order.index(s) for s in seen] == sorted(order.index(s) for s in seen)  # never backwards
    assert call["endReason"] == "agent-hangup" and call["durationSeconds"] is not None
    turns = call["transcripts"]
    assert turns[0]["response"] == "Hi Sam, this is Acme calling about your appointment."
    assert turns[-1]["response"] == "Great, see you then. Goodbye."
    events = [json.loads(body) for _, body in hook.requests]
    assert len(events) == 2 and all(e["data"]["direction"] == "outbound" for e in events)
    (session,) = carrier.sessions.values()
    assert session.clients[0].agent.chunks  # the callee heard the agent


async def test_a_calls_shorter_max_silence_hangs_up_on_a_silent_callee(
        api: httpx.Client, settings: Any, relay: Relay, carrier: OutboundCalls) -> None:
    set_callee(settings, Number=CALLEE)  # answers, then says nothing
    with voice_webhook([]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        agent, _ = agent_with_number(api, maxSilenceMs=60_000)
        created = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": CALLEE, "maxSilenceMs": 10_000,
                                              "initialGreeting": "Hi, this is Acme."})
        assert created.status_code == 201
        call, _ = await follow(api, created.json()["id"])
    assert call["status"] == "completed" and call["endReason"] == "silence-timeout"
    assert 10 <= call["durationSeconds"] <= 22  # ringing, 1.5 s for their hello, the greeting, 10 s, goodbye
    assert "nobody is there" in call["transcripts"][-1]["response"]


@pytest.mark.parametrize("behaviour", ["no-answer", "busy"])
async def test_unanswered_and_busy_lines(api: httpx.Client, settings: Any, relay: Relay, carrier: OutboundCalls,
                                         behaviour: str) -> None:
    if behaviour == "busy":
        set_callee(settings, Number=CALLEE, Behaviour="busy")
    with voice_webhook([]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        agent, _ = agent_with_number(api)
        created = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": CALLEE}).json()
        call, _ = await follow(api, created["id"])
    assert call["status"] == behaviour and call["endReason"] == behaviour and call["transcripts"] == []


async def test_an_answering_machine_gets_the_voicemail_message(api: httpx.Client, settings: Any, relay: Relay,
                                                               carrier: OutboundCalls) -> None:
    set_callee(settings, Number=CALLEE, AnsweredBy="machine", Greeting="Leave a message after the tone.")
    message = "Hi, this is Acme about your appointment. Please call us back. Goodbye."
    with voice_webhook([]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        agent, _ = agent_with_number(api, voicemailMessage=message)
        created = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": CALLEE}).json()
        call, _ = await follow(api, created["id"])
    assert call["answeredBy"] == "machine" and call["endReason"] == "voicemail" and call["status"] == "completed"
    assert call["transcripts"][-1]["response"] == message
    (session,) = carrier.sessions.values()
    assert len(session.clients) == 2  # the stream restarted in voicemail mode
    voicemail = session.clients[1]
    assert sum(len(a) for _, a in voicemail.agent.chunks) / 8000 > 2.0  # the machine recorded the message
    # Until the carrier's verdict the agent treats the greeting as speech; after it, nothing is a turn.
    assert all(json.loads(body)["data"]["transcript"] for _, body in hook.requests) and len(hook.requests) <= 1


@contextmanager
def two_agent_webhook(script: dict[str, list[dict[str, Any]]]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """One webhook for both agents, answering each from its own script (by agentId)."""
    app, events = FastAPI(), []

    @app.post("/agent")
    async def agent(request: Request) -> JSONResponse:
        event = json.loads(await request.body())
        events.append(event)
        own = [e for e in events if e["agentId"] == event["agentId"]]
        replies = script[event["agentId"]]
        return JSONResponse(replies[min(len(own), len(replies)) - 1])

    server = ThreadedUvicorn(app).start()
    try:
        yield f"{server.url}/agent", events
    finally:
        server.stop()


async def test_two_of_our_agents_hold_a_call(api: httpx.Client, settings: Any, relay: Relay,
                                             carrier: OutboundCalls) -> None:
    caller, _ = agent_with_number(api, name="Booker", voice="rms")
    callee, callee_number = agent_with_number(api, name="Restaurant", voice="kal16",
                                              beginMessage="Good evening, Luigi's restaurant.")
    script = {caller["id"]: [{"text": "Hello, I would like to book a table for two."},
                             {"text": "Thank you very much, goodbye."}],
              callee["id"]: [{"text": "Certainly, for what time?"},
                             {"text": "You are booked, goodbye.", "hangup": True}]}
    with two_agent_webhook(script) as (url, events):
        api.post("/v1/webhooks", json={"url": url})
        # No greeting from the caller: it listens first, as a person calling a restaurant would.
        created = api.post("/v1/calls", json={"agentId": caller["id"], "toNumber": callee_number["phoneNumber"]})
        call, _ = await follow(api, created.json()["id"], timeout=90)
    calls = api.get("/v1/calls").json()["data"]
    assert {c["direction"] for c in calls} == {"inbound", "outbound"}
    inbound = next(c for c in calls if c["direction"] == "inbound")
    assert inbound["agentId"] == callee["id"] and inbound["fromNumber"] == call["fromNumber"]
    heard_by = {e["agentId"] for e in events if e["data"]["transcript"]}
    assert heard_by == {caller["id"], callee["id"]}  # each agent heard the other and answered
    assert call["status"] == "completed"
    inbound_detail = (await asyncio.to_thread(api.get, f"/v1/calls/{inbound['id']}")).json()
    assert inbound_detail["transcripts"][0]["response"] == "Good evening, Luigi's restaurant."


async def test_the_api_ends_a_live_call(api: httpx.Client, settings: Any, relay: Relay,
                                        carrier: OutboundCalls) -> None:
    set_callee(settings, Number=CALLEE, Say=["Hello?"])
    with voice_webhook([Reply(single={"text": "Hi, one moment please."})]) as hook:
        api.post("/v1/webhooks", json={"url": hook.url})
        agent, _ = agent_with_number(api)
        created = api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": CALLEE}).json()
        deadline = time.monotonic() + 20
        while api.get(f"/v1/calls/{created['id']}").json()["status"] != "in-progress":
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        ended = api.post(f"/v1/calls/{created['id']}/end")
        assert ended.status_code == 200 and ended.json()["status"] == "completed"
        session = next(iter(carrier.sessions.values()))
        await asyncio.wait_for(session.done.wait(), 15)  # the carrier hung the line up
    call = api.get(f"/v1/calls/{created['id']}").json()
    assert call["endReason"] == "api-ended" and call["status"] == "completed"


def test_the_command_line_sets_who_answers(settings: Any, carrier: OutboundCalls, tmp_path: Any) -> None:
    from switchboard_local.carrier.cli import main

    config = tmp_path / "local.json"
    config.write_text(json.dumps({"twilioApiBase": settings.twilio_api_base,
                                  "twilioAccountSid": settings.twilio_account_sid,
                                  "twilioAuthToken": settings.twilio_auth_token}))
    assert main(["callee", "--number", CALLEE, "--say", "Hello?", "--say", "Sure.", "--config", str(config)]) == 0
    assert carrier.callees[CALLEE].lines == ["Hello?", "Sure."] and carrier.callees[CALLEE].answered_by == "human"
    assert main(["callee", "--number", CALLEE, "--machine", "--config", str(config)]) == 0
    assert carrier.callees[CALLEE].answered_by == "machine"
    assert main(["callee", "--number", "555-0142", "--config", str(config)]) == 1  # not E.164: refused
    wav = tmp_path / "hello.wav"
    with wave.open(str(wav), "wb") as w:  # half a second of a 16 kHz recording
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(bytes(16000))
    assert main(["callee", "--number", CALLEE, "--wav", str(wav), "--config", str(config)]) == 0
    assert len(carrier.callees[CALLEE].audio) == 4000  # played as 8 kHz mu-law
