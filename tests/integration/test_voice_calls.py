"""Inbound webhook-mode calls end to end with real audio: local carrier → telephony route → relay
(VAD, pocketsphinx, flite) → a real webhook streaming NDJSON → back to the caller."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from agentphone import verify_webhook

from media_relay.server import Relay
from switchboard.container import Container
from switchboard_local.carrier.dialer import place_inbound_call, script_from_lines
from tests.support.calls import agent_with_number
from tests.support.voice_webhook import Reply, voice_webhook

pytestmark = pytest.mark.slow

LINES = ["Hi, I would like to check the status of my order.", "Please transfer me to a human agent.",
         "My account number is one two three four."]


def words(text: str) -> set[str]:
    return {w.strip(",.?!").lower() for w in text.split()}


async def call(api_url: str, settings: Any, number: dict[str, Any], lines: list[str]) -> Any:
    return await place_inbound_call(
        voice_url=f"{api_url}/telephony/twilio/voice", status_url=f"{api_url}/telephony/twilio/status",
        account_sid=settings.twilio_account_sid, auth_token=settings.twilio_auth_token,
        from_number="+14155550123", to_number=number["phoneNumber"], script=await script_from_lines(lines))


async def test_three_turn_call_with_streamed_and_single_replies(api: httpx.Client, api_url: str, settings: Any,
                                                                relay: Relay, container: Container) -> None:
    replies = [
        Reply(lines=[(0.0, '{"text": "Let me look that up.", "interim": true}'),
                     (1.5, '{"text": "Your order ships tomorrow."}')]),
        Reply(single={"text": "Sure, one moment."}),
        Reply(lines=[(0.0, "this is not json"), (0.0, "[1, 2]"), (0.0, '"a string"'),
                     (0.0, '{"text": "Thanks, I found your account."}')]),
    ]
    with voice_webhook(replies) as hook:
        secret = api.post("/v1/webhooks", json={"url": hook.url}).json()["secret"]
        _, number = agent_with_number(api, beginMessage="Thanks for calling Acme. How can I help?")
        result = await call(api_url, settings, number, LINES)
    client = result.client
    assert client is not None and "<Stream" in result.twiml

    # The greeting is heard first, before the caller says anything.
    assert client.agent.first_heard_at is not None
    assert client.agent.first_heard_at < result.line_times[0][1]

    # Three signed agent.message events, verified with the SDK, with the right history.
    assert len(hook.requests) == 3
    events = []
    for headers, body in hook.requests:
        verify_webhook(body, headers["x-webhook-signature"], secret, headers["x-webhook-timestamp"])
        events.append(json.loads(body))
    assert [e["event"] for e in events] == ["agent.message"] * 3
    assert all(e["channel"] == "voice" and e["data"]["direction"] == "inbound" for e in events)
    history = [(h["direction"], h["content"]) for h in events[2]["recentHistory"]]
    assert history[0] == ("outbound", "Thanks for calling Acme. How can I help?")
    assert [d for d, _ in history] == ["outbound", "inbound", "outbound", "inbound", "outbound"]
    assert history[2][1] == "Let me look that up. Your order ships tomorrow."
    assert history[4][1] == "Sure, one moment."
    assert events[0]["recentHistory"] == events[2]["recentHistory"][:1]

    # Recognition: on average the webhook gets at least half of the words spoken.
    shares = [len(words(e["data"]["transcript"]) & words(line)) / len(words(line))
              for e, line in zip(events, LINES, strict=True)]
    assert sum(shares) / len(shares) >= 0.5, [e["data"]["transcript"] for e in events]

    # Streaming: the first chunk was playing to the caller before the last chunk was even sent.
    first_answer = min(t for t, _ in client.agent.chunks if t > result.line_times[0][2])
    assert first_answer < hook.last_line_sent_at[0]

    # The call record is complete.
    calls = api.get("/v1/calls").json()["data"]
    assert len(calls) == 1 and calls[0]["direction"] == "inbound"
    detail = api.get(f"/v1/calls/{calls[0]['id']}").json()
    assert detail["status"] == "completed" and detail["durationSeconds"] >= 5 and detail["endedAt"]
    turns = detail["transcripts"]
    assert [t["transcript"] == "" for t in turns] == [True, False, False, False]
    assert turns[1]["response"] == "Let me look that up. Your order ships tomorrow."
    assert turns[3]["response"] == "Thanks, I found your account."
    for turn in turns[1:]:
        latency = turn["latencyMs"]
        assert latency["endpointing"] is not None and latency["firstResponseByte"] is not None
        assert latency["firstAudio"] is not None and latency["firstAudio"] >= latency["endpointing"]
    deliveries = api.get("/v1/webhooks/deliveries").json()["items"]
    skipped = [d for d in deliveries if d["errorMessage"] and "not JSON" in d["errorMessage"]]
    assert len(skipped) == 1 and skipped[0]["status"] == "success"

    # call.started and agent.call_ended (which names the call; its data is read when delivered) wait in
    # the delivery queue.
    sqs = container.aws_client("sqs")
    queued = [json.loads(m["Body"]) for m in sqs.receive_message(
        QueueUrl=settings.delivery_queue_url, MaxNumberOfMessages=10).get("Messages", [])]
    assert [m["event"] for m in queued] == ["call.started", "agent.call_ended"]
    assert queued[1]["data"] == {"callId": calls[0]["id"]}


async def test_a_timed_out_webhook_costs_one_turn_not_the_call(api: httpx.Client, api_url: str, settings: Any,
                                                               relay: Relay) -> None:
    replies = [Reply(single={"text": "Too late."}, stall_s=7.0), Reply(single={"text": "Here I am."})]
    with voice_webhook(replies) as hook:
        api.post("/v1/webhooks", json={"url": hook.url, "timeout": 5})
        _, number = agent_with_number(api)
        started = time.monotonic()
        result = await call(api_url, settings, number, LINES[:2])
    assert len(hook.requests) == 2 and time.monotonic() - started < 60
    detail = api.get(f"/v1/calls/{api.get('/v1/calls').json()['data'][0]['id']}").json()
    assert [t["response"] for t in detail["transcripts"]] == ["", "Here I am."]
    failed = [d for d in api.get("/v1/webhooks/deliveries").json()["items"] if d["status"] == "failed"]
    assert len(failed) == 1 and "timed out" in failed[0]["errorMessage"]
    assert result.client is not None and result.client.agent.chunks  # the second answer was heard


async def test_unknown_and_disabled_numbers_get_a_spoken_refusal(api: httpx.Client, api_url: str,
                                                                 settings: Any) -> None:
    _, number = agent_with_number(api)
    unknown = await call(api_url, settings, {"phoneNumber": "+14155550177"}, [])
    assert unknown.client is None and "not in service" in unknown.said[0]
    api.patch(f"/v1/numbers/{number['id']}", json={"inboundCallsEnabled": False})
    disabled = await call(api_url, settings, number, [])
    assert disabled.client is None and disabled.said and "<Hangup/>" in disabled.twiml
    assert api.get("/v1/calls").json()["total"] == 0
