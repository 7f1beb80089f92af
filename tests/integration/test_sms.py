"""SMS end to end over real HTTP: the local carrier, the API, the delivery queue and a webhook receiver."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from agentphone import AgentPhone, verify_webhook
from agentphone.webhook import construct_event

from switchboard.carrier import signature
from switchboard.container import Container
from switchboard_local.carrier import cli
from switchboard_local.carrier.sms import inbound_form
from switchboard_local.pollers import DeliveryPoller
from switchboard_local.runtime import load_function
from tests.support.published_schema import assert_conforms
from tests.support.receiver import Receiver, webhook_receiver

PHONE = "+14155550123"  # somebody's mobile, outside the platform


@pytest.fixture
def poller(container: Container, monkeypatch: pytest.MonkeyPatch) -> Iterator[DeliveryPoller]:
    """The deliveries Lambda handler fed from this test's queue, polling in the background."""
    module = load_function("deliveries")
    monkeypatch.setattr(module, "get_container", lambda: container)
    running = DeliveryPoller(container.aws_client("sqs"), container.settings.delivery_queue_url, module.handler,
                             wait_seconds=1)
    running.start()
    yield running
    running.stop()  # a daemon thread; it ends after its current poll


def text_in(api_url: str, settings: Any, to: str, body: str, sender: str = PHONE,
            message_sid: str | None = None, token: str | None = None) -> httpx.Response:
    """A phone texts one of our numbers: the carrier's signed inbound-SMS webhook."""
    url = f"{api_url}/telephony/twilio/sms"
    form = inbound_form(account_sid=settings.twilio_account_sid, from_=sender, to=to, body=body,
                        message_sid=message_sid)
    content, headers = signature.signed_form(url, form, token or settings.twilio_auth_token)
    return httpx.post(url, content=content, headers=headers)


def events(hook: Receiver, secret: str, name: str, count: int, timeout: float = 15) -> list[dict[str, Any]]:
    """Wait for `count` signed `name` events at the receiver; every one's signature is checked."""
    def matching() -> list[dict[str, Any]]:
        found = []
        for req in hook.requests:
            verify_webhook(req.body, req.headers["x-webhook-signature"], secret, req.headers["x-webhook-timestamp"])
            payload = json.loads(req.body)
            if payload["event"] == name:
                found.append(payload)
        return found

    with hook.changed:
        if not hook.changed.wait_for(lambda: len(matching()) >= count, timeout):
            raise AssertionError(f"expected {count} {name} events, got {len(matching())}")
        return matching()


def eventually(check: Callable[[], Any], timeout: float = 10) -> Any:
    """Poll a condition the carrier's asynchronous callbacks will make true."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
    return result


def agent_with_number(api: httpx.Client, hook_url: str | None = None, **agent: Any) -> tuple[dict, dict, str]:
    created = api.post("/v1/agents", json={"name": "Texter", **agent}).json()
    number = api.post("/v1/numbers", json={"areaCode": "415", "agentId": created["id"]}).json()
    secret = ""
    if hook_url:
        # message.received and message.sent are Switchboard's extras: delivered on subscription only.
        secret = api.post("/v1/webhooks", json={"url": hook_url, "contextLimit": 3,
                                                "events": ["message.received", "message.sent"]}).json()["secret"]
    return created, number, secret


def history(event: dict[str, Any]) -> list[tuple[str, str]]:
    assert all(h["channel"] == "sms" and h["at"] for h in event["recentHistory"])
    return [(h["direction"], h["content"]) for h in event["recentHistory"]]


def message_status(api: httpx.Client, conv_id: str, message_id: str) -> str:
    messages = api.get(f"/v1/conversations/{conv_id}/messages").json()["data"]
    return next(m for m in messages if m["id"] == message_id)["status"]


def test_sms_round_trip_reaches_the_webhook_with_the_right_history(api: httpx.Client, api_url: str, settings: Any,
                                                                   local_carrier: Any, poller: Any) -> None:
    with webhook_receiver() as hook:
        agent, number, secret = agent_with_number(api, hook.url)
        ours = number["phoneNumber"]
        reply = text_in(api_url, settings, ours, "Hi there")
        assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/xml")
        assert reply.text.endswith("<Response/>")
        (first,) = events(hook, secret, "agent.message", 1)
        assert first["channel"] == "sms" and first["agentId"] == agent["id"] and first["recentHistory"] == []
        data = first["data"]
        assert (data["from"], data["to"], data["message"], data["direction"]) == (PHONE, ours, "Hi there", "inbound")
        assert data["numberId"] == number["id"] and data["messageId"].startswith("msg_")
        conv_id = data["conversationId"]

        sent = api.post("/v1/messages", json={"agentId": agent["id"], "toNumber": PHONE,
                                              "body": "Hello! How can I help?"})
        assert sent.status_code == 201, sent.text
        assert_conforms(sent.json(), "SendMessageResponse")
        assert sent.json()["conversation_id"] == conv_id and sent.json()["from_number"] == ours
        events(hook, secret, "message.sent", 1)

        text_in(api_url, settings, ours, "What are your hours?")
        second = events(hook, secret, "agent.message", 2)[1]
        assert history(second) == [("inbound", "Hi there"), ("outbound", "Hello! How can I help?")]
        snake = api.post("/v1/messages", json={"agent_id": agent["id"], "to_number": PHONE, "body": "From 9 to 5.",
                                               "number_id": number["id"]})
        assert snake.status_code == 201, snake.text
        events(hook, secret, "message.sent", 2)

        text_in(api_url, settings, ours, "Thanks!")
        third = events(hook, secret, "agent.message", 3)[2]
        # contextLimit 3: the last three texts before this one, oldest first.
        assert history(third) == [("outbound", "Hello! How can I help?"), ("inbound", "What are your hours?"),
                                  ("outbound", "From 9 to 5.")]
        received = events(hook, secret, "message.received", 3)
        assert [e["data"]["body"] for e in received] == ["Hi there", "What are your hours?", "Thanks!"]
        parsed = construct_event(hook.requests[0].body, hook.requests[0].headers["x-webhook-signature"], secret,
                                 hook.requests[0].headers["x-webhook-timestamp"])
        assert parsed.channel == "sms"

    carrier = local_carrier.server.config.app.state.carrier
    assert [m["body"] for m in carrier.messages.values() if m["to"] == PHONE] == ["Hello! How can I help?",
                                                                                   "From 9 to 5."]
    conv = api.get(f"/v1/conversations/{conv_id}").json()
    assert_conforms(conv, "ConversationDetail")
    assert (conv["participant"], conv["phoneNumber"], conv["messageCount"]) == (PHONE, ours, 5)
    assert conv["lastMessagePreview"] == "Thanks!" and conv["agentId"] == agent["id"]
    eventually(lambda: message_status(api, conv_id, snake.json()["id"]) == "delivered")
    assert api.get("/v1/usage").json()["stats"]["totalMessages"] == 5


def test_a_text_between_two_local_numbers_arrives_as_inbound(api: httpx.Client, poller: Any) -> None:
    with webhook_receiver() as hook:
        sender, sender_number, secret = agent_with_number(api, hook.url)
        receiver = api.post("/v1/agents", json={"name": "Front desk"}).json()
        target = api.post("/v1/numbers", json={"areaCode": "212", "agentId": receiver["id"]}).json()
        sent = api.post("/v1/messages", json={"agentId": sender["id"], "toNumber": target["phoneNumber"],
                                              "body": "Table for two at eight?"})
        assert sent.status_code == 201, sent.text
        (asked,) = events(hook, secret, "agent.message", 1)
    assert asked["agentId"] == receiver["id"] and asked["data"]["from"] == sender_number["phoneNumber"]
    assert asked["data"]["message"] == "Table for two at eight?"
    threads = api.get(f"/v1/agents/{receiver['id']}/conversations").json()
    assert_conforms(threads, "AppRoutesAgentsConversationListResponse")
    assert [t["participant"] for t in threads["data"]] == [sender_number["phoneNumber"]]


def test_agentphone_sdk_messaging_flows(api: httpx.Client, api_url: str, project: Any, local_carrier: Any) -> None:
    agent, number, _ = agent_with_number(api)
    sdk = AgentPhone(api_key=project.api_key, base_url=api_url)
    sent = sdk.messages.send(agent_id=agent["id"], to_number=PHONE, body="Your table is ready.")
    assert sent["status"] == "queued" and sent["channel"] == "sms" and sent["to_number"] == PHONE
    assert sent["from_number"] == number["phoneNumber"] and sent["id"].startswith("msg_")
    again = sdk.messages.send(agent_id=agent["id"], to_number=PHONE, body="See you soon.", number_id=number["id"])
    assert again["conversation_id"] == sent["conversation_id"]

    conversations = sdk.conversations.list()
    assert conversations.total == 1 and conversations.data[0].participant == PHONE
    conv = sdk.conversations.get(sent["conversation_id"], message_limit=1)
    assert conv.message_count == 2 and [m.body for m in conv.messages] == ["See you soon."]
    page = sdk.conversations.get_messages(sent["conversation_id"], limit=10)
    assert [m.body for m in page.data] == ["See you soon.", "Your table is ready."] and page.has_more is False
    assert all(m.from_number == number["phoneNumber"] and m.direction == "outbound" for m in page.data)
    updated = sdk.conversations.update(sent["conversation_id"], metadata={"vip": True})
    assert updated.metadata == {"vip": True}
    assert [m.body for m in sdk.numbers.get_messages(number["id"]).data] == ["See you soon.", "Your table is ready."]
    for path in (f"/v1/conversations/{conv.id}/messages", f"/v1/numbers/{number['id']}/messages"):
        assert_conforms(api.get(path).json(), "MessagesListResponse" if "conv" in path else "MessageListResponse")
    assert_conforms(api.get("/v1/conversations").json(), "AppRoutesConversationsConversationListResponse")


def test_idempotency_key_sends_once(api: httpx.Client, local_carrier: Any) -> None:
    agent, _, _ = agent_with_number(api)
    body, key = {"agentId": agent["id"], "toNumber": PHONE, "body": "Once only"}, {"Idempotency-Key": "k-1"}
    first = api.post("/v1/messages", json=body, headers=key)
    again = api.post("/v1/messages", json={"agent_id": agent["id"], "to_number": PHONE, "body": "Once only"},
                     headers=key)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert api.post("/v1/messages", json={**body, "body": "Changed"}, headers=key).status_code == 409
    carrier = local_carrier.server.config.app.state.carrier
    assert [m["body"] for m in carrier.messages.values()] == ["Once only"]


def test_status_callbacks_only_move_forward_and_failures_are_recorded(api: httpx.Client, api_url: str,
                                                                      settings: Any, poller: Any) -> None:
    with webhook_receiver() as hook:
        agent, _, secret = agent_with_number(api, hook.url)
        ok = api.post("/v1/messages", json={"agentId": agent["id"], "toNumber": PHONE, "body": "One"}).json()
        bad = api.post("/v1/messages", json={"agentId": agent["id"], "toNumber": "+15005550303",
                                             "body": "Two"}).json()
        eventually(lambda: message_status(api, ok["conversationId"], ok["id"]) == "delivered")
        failed = eventually(lambda: next((m for m in api.get(f"/v1/conversations/{bad['conversationId']}/messages")
                                          .json()["data"] if m["status"] == "failed"), None))
        assert failed["errorCode"] == "30003" and "30003" in failed["failureReason"]
        # A late "sent" and a repeated "delivered" change nothing and raise no second message.sent.
        url = f"{api_url}/telephony/twilio/sms-status"
        for status in ("sent", "delivered", "queued"):
            form = {"MessageSid": "SMlate", "MessageStatus": status, "AccountSid": settings.twilio_account_sid}
            where = {"conversationId": ok["conversationId"], "messageId": ok["id"]}
            signed_url = f"{url}?{httpx.QueryParams(where)}"
            content, headers = signature.signed_form(signed_url, form, settings.twilio_auth_token)
            assert httpx.post(signed_url, content=content, headers=headers).status_code == 204
        assert message_status(api, ok["conversationId"], ok["id"]) == "delivered"
        sent_events = events(hook, secret, "message.sent", 2)
    assert sorted(e["data"]["id"] for e in sent_events) == sorted([ok["id"], bad["id"]])
    assert len([r for r in hook.requests if json.loads(r.body)["event"] == "message.sent"]) == 2


def test_inbound_rules_duplicates_disabled_agents_and_unowned_numbers(api: httpx.Client, api_url: str,
                                                                      settings: Any, poller: Any) -> None:
    with webhook_receiver() as hook:
        _, number, secret = agent_with_number(api, hook.url, enableMessaging=False)
        spare = api.post("/v1/numbers", json={"areaCode": "212"}).json()
        gone = api.post("/v1/numbers", json={"areaCode": "312"}).json()
        api.delete(f"/v1/numbers/{gone['id']}")
        for _ in range(2):  # the carrier repeats a webhook: one message
            repeated = text_in(api_url, settings, number["phoneNumber"], "Hello?", message_sid="SMrepeat")
            assert repeated.status_code == 200
        assert text_in(api_url, settings, spare["phoneNumber"], "Anyone?").status_code == 200
        for to in (gone["phoneNumber"], "+14155550999"):
            resp = text_in(api_url, settings, to, "Lost")
            assert resp.status_code == 200 and resp.text.endswith("<Response/>")
        received = events(hook, secret, "message.received", 2)
        marker = text_in(api_url, settings, spare["phoneNumber"], "Last one")  # everything before it is queued
        assert marker.status_code == 200
        events(hook, secret, "message.received", 3)
    assert sorted(e["data"]["body"] for e in received) == ["Anyone?", "Hello?"]
    assert not [r for r in hook.requests if json.loads(r.body)["event"] == "agent.message"]
    convs = api.get("/v1/conversations").json()
    assert convs["total"] == 2 and {c["messageCount"] for c in convs["data"]} == {1, 2}
    unassigned = next(c for c in convs["data"] if c["phoneNumberId"] == spare["id"])
    assert unassigned["agentId"] is None
    assert api.get("/v1/usage").json()["stats"]["totalMessages"] == 3


def test_cli_texts_a_number_and_prints_the_agents_reply(api: httpx.Client, api_url: str, settings: Any,
                                                        local_carrier: Any, poller: Any, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "local.json"
    config.write_text(json.dumps({"apiUrl": api_url, "smsWebhookUrl": f"{api_url}/telephony/twilio/sms",
                                  "twilioApiBase": local_carrier.url,
                                  "twilioAccountSid": settings.twilio_account_sid,
                                  "twilioAuthToken": settings.twilio_auth_token}))
    with webhook_receiver() as hook:
        agent, number, secret = agent_with_number(api, hook.url)
        codes: list[int] = []
        texting = threading.Thread(target=lambda: codes.append(cli.main([
            "text", "--to", number["phoneNumber"], "--body", "Is the pool open?", "--wait", "6",
            "--config", str(config)])))
        texting.start()
        (asked,) = events(hook, secret, "agent.message", 1)
        api.post("/v1/messages", json={"agentId": agent["id"], "toNumber": asked["data"]["from"],
                                       "body": "Yes, until 10 pm."})
        texting.join(timeout=20)
    assert codes == [0]
    out = capsys.readouterr().out
    assert f"{PHONE} -> {number['phoneNumber']}: Is the pool open?" in out
    assert f"{number['phoneNumber']} -> {PHONE}: Yes, until 10 pm." in out


def test_bad_input_and_other_tenants(api: httpx.Client, api_url: str, settings: Any, container: Container) -> None:
    agent, number, _ = agent_with_number(api)
    spare = api.post("/v1/numbers", json={"areaCode": "212"}).json()
    url = f"{api_url}/telephony/twilio/sms"
    form = inbound_form(account_sid=settings.twilio_account_sid, from_=PHONE, to=number["phoneNumber"], body="x")
    assert httpx.post(url, data=form).status_code == 403  # unsigned
    assert text_in(api_url, settings, number["phoneNumber"], "x", token="wrong-token").status_code == 403
    assert httpx.post(f"{api_url}/telephony/twilio/sms-status", data={"MessageStatus": "sent"}).status_code == 403

    base = {"agentId": agent["id"], "toNumber": PHONE, "body": "Hi"}
    cases = [
        ({}, 400, "agentId"), ({**base, "agentId": 5}, 400, "agentId"), ({**base, "toNumber": "555"}, 400, "toNumber"),
        ({**base, "body": "  "}, 400, "body"), ({**base, "body": "x" * 1601}, 400, "body"),
        ({**base, "body": 12}, 400, "body"), ({**base, "agentId": "agent_missing"}, 404, "agent_missing"),
        ({**base, "numberId": "pn_missing"}, 404, "pn_missing"), ({**base, "numberId": spare["id"]}, 400, "numberId"),
        ({**base, "recipients": [PHONE, "+14155550124"]}, 400, "recipients"),
        ({**base, "mediaUrls": ["https://a.example/1.png", "https://a.example/2.png"]}, 400, "media"),
        ({**base, "toNumber": number["phoneNumber"]}, 400, "toNumber"),
        ({**base, "toNumber": "+15005550004"}, 400, "21610"), ({**base, "toNumber": "+15005550001"}, 400, "21211"),
    ]
    for body, status, word in cases:
        resp = api.post("/v1/messages", json=body)
        assert resp.status_code == status and word in resp.json()["detail"], (body, resp.text)
    for path, status in (("/v1/conversations/conv_missing", 404), ("/v1/conversations/conv_missing/messages", 404)):
        assert api.get(path).status_code == status
    refused = api.get("/v1/conversations").json()["data"]  # carrier refusals are kept, marked failed
    assert all(m["status"] == "failed" and m["failureReason"] for c in refused
               for m in api.get(f"/v1/conversations/{c['id']}/messages").json()["data"])

    conv_id = api.post("/v1/messages", json=base).json()["conversationId"]
    assert api.get(f"/v1/conversations/{conv_id}", params={"messageLimit": 0}).status_code == 400
    assert api.get(f"/v1/conversations/{conv_id}/messages", params={"before": "yesterday"}).status_code == 400
    other = container.projects.create("B")
    b = httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {other.api_key}"})
    b_agent = b.post("/v1/agents", json={"name": "B"}).json()
    for method, path, body in [
        ("POST", "/v1/messages", base), ("POST", "/v1/messages", {**base, "agentId": b_agent["id"],
                                                                  "numberId": number["id"]}),
        ("GET", f"/v1/conversations/{conv_id}", None), ("GET", f"/v1/conversations/{conv_id}/messages", None),
        ("PATCH", f"/v1/conversations/{conv_id}", {"metadata": {"stolen": True}}),
    ]:
        resp = b.request(method, path, json=body)
        assert resp.status_code == 404, (method, path, resp.text)
    assert b.get("/v1/conversations").json() == {"data": [], "total": 0, "hasMore": False}
    assert api.get(f"/v1/conversations/{conv_id}").json()["metadata"] is None


def test_an_unreachable_carrier_is_a_503_not_a_500(api: httpx.Client, container: Container,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    agent, _, _ = agent_with_number(api)
    monkeypatch.setattr(container.carrier, "base", "http://127.0.0.1:9/2010-04-01/Accounts/AC0")
    resp = api.post("/v1/messages", json={"agentId": agent["id"], "toNumber": PHONE, "body": "Hello"})
    assert resp.status_code == 503 and "carrier" in resp.json()["detail"]
