"""Every route of the control plane, each response checked against the vendor's published types."""

from __future__ import annotations

from typing import Any

import httpx

from switchboard.container import Container
from tests.support.published_schema import assert_conforms
from tests.support.receiver import webhook_receiver


def ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, f"{resp.request.method} {resp.request.url}: {resp.status_code} {resp.text}"
    return resp.json()


def test_every_route_answers_in_the_published_shapes(api: httpx.Client, container: Container, project: Any) -> None:
    agent = ok(api.post("/v1/agents", json={"name": "Walker", "beginMessage": "Hi"}), 201)
    assert_conforms(agent, "AgentResponse")
    assert_conforms(ok(api.get("/v1/agents")), "AgentListResponse")
    voices = ok(api.get("/v1/agents/voices"))["data"]
    assert voices and all({"voiceId", "name", "provider", "gender", "language"} <= set(v) for v in voices)

    number = ok(api.post("/v1/numbers", json={"areaCode": "415"}), 201)
    assert_conforms(number, "PhoneNumberResponse")
    assert_conforms(ok(api.get("/v1/numbers")), "PhoneNumberListResponse")
    assert_conforms(ok(api.get(f"/v1/numbers/{number['id']}")), "PhoneNumberResponse")
    assert_conforms(ok(api.patch(f"/v1/numbers/{number['id']}", json={"externalId": "x"})), "PhoneNumberResponse")
    for available in ok(api.get("/v1/numbers/available", params={"areaCode": "212"}))["data"]:
        assert {"phoneNumber", "city", "state", "areaCode"} <= set(available)

    attached = ok(api.post(f"/v1/agents/{agent['id']}/numbers", json={"numberId": number["id"]}))
    assert_conforms(attached, "AttachNumberResponse")
    assert_conforms(ok(api.get(f"/v1/agents/{agent['id']}")), "AgentResponse")
    assert_conforms(ok(api.patch(f"/v1/agents/{agent['id']}", json={"voiceSpeed": 1.2})), "AgentResponse")

    with webhook_receiver() as hook:
        assert_conforms(ok(api.post("/v1/webhooks", json={"url": hook.url})), "WebhookResponse")
        assert_conforms(ok(api.get("/v1/webhooks")), "WebhookResponse")
        test = ok(api.post("/v1/webhooks/test", params={"agentId": agent["id"]}))
        assert test["success"] is True and isinstance(test["durationMs"], int)
        assert_conforms(ok(api.post(f"/v1/agents/{agent['id']}/webhook", json={"url": hook.url})), "WebhookResponse")
        assert_conforms(ok(api.get(f"/v1/agents/{agent['id']}/webhook")), "WebhookResponse")
        ok(api.post(f"/v1/agents/{agent['id']}/webhook/test"))
        for delivery in ok(api.get(f"/v1/agents/{agent['id']}/webhook/deliveries")):
            assert_conforms(delivery, "WebhookDeliveryResponse")
        assert_conforms(ok(api.get("/v1/webhooks/deliveries")), "PaginatedDeliveriesResponse")
        assert_conforms(ok(api.get("/v1/webhooks/deliveries/stats")), "WebhookDeliveryStatsResponse")
        assert_conforms(ok(api.get("/v1/webhooks/deliveries/all-time")), "AllTimeStatsResponse")

        call = ok(api.post("/v1/calls", json={"agentId": agent["id"], "toNumber": "+14155550123"}), 201)
    assert_conforms(call, "CallSummary")
    assert_conforms(ok(api.get("/v1/calls")), "CallListResponse")
    assert_conforms(ok(api.get("/v1/calls", params={"status": "queued", "direction": "outbound"})),
                    "CallListResponse")
    detail = ok(api.get(f"/v1/calls/{call['id']}"))
    assert_conforms(detail, "CallSummary")
    assert detail["transcripts"] == []
    assert ok(api.get(f"/v1/calls/{call['id']}/transcript")) == {"data": []}
    assert_conforms(ok(api.get(f"/v1/agents/{agent['id']}/calls")), "CallListResponse")
    assert_conforms(ok(api.get(f"/v1/numbers/{number['id']}/calls")), "CallListResponse")
    assert_conforms(ok(api.post(f"/v1/calls/{call['id']}/end")), "CallSummary")
    # Web calls, the transcript stream and recordings (their published response types are `unknown`):
    web = ok(api.post("/v1/calls/web", json={"agentId": agent["id"], "metadata": {"k": "v"},
                                             "variables": {"name": "Ada"}}), 201)
    assert web["id"] == web["callId"] and web["websocketUrl"].endswith(web["accessToken"])
    assert_conforms(ok(api.get(f"/v1/calls/{web['id']}")), "CallSummary")
    stream = api.get(f"/v1/calls/{call['id']}/transcript/stream")
    assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
    assert stream.text.startswith("event: connected\n") and "event: ended\n" in stream.text
    missing = api.get(f"/v1/calls/{call['id']}/recording")
    assert missing.status_code == 404 and "recording" in missing.json()["detail"]

    numbered = container.numbers.get(project.project_id, number["id"])
    message, conv = container.conversations.record_message(
        project.project_id, number=numbered, participant="+14155550123", agent_id=agent["id"],
        direction="inbound", body="Hello there", status="received")
    assert_conforms(ok(api.get("/v1/conversations")), "AppRoutesConversationsConversationListResponse")
    assert_conforms(ok(api.get(f"/v1/agents/{agent['id']}/conversations")),
                    "AppRoutesAgentsConversationListResponse")
    got = ok(api.get(f"/v1/conversations/{conv['id']}", params={"message_limit": 5}))
    assert_conforms(got, "ConversationDetail")
    for m in got["messages"]:
        assert_conforms(m, "MessageInConversation")
    assert_conforms(ok(api.get(f"/v1/conversations/{conv['id']}/messages")), "MessagesListResponse")
    assert_conforms(ok(api.patch(f"/v1/conversations/{conv['id']}", json={"metadata": {"vip": True}})),
                    "AppRoutesConversationsConversationSummary")
    assert_conforms(ok(api.get(f"/v1/numbers/{number['id']}/messages")), "MessageListResponse")

    assert_conforms(ok(api.get("/v1/usage")), "UsageResponse")
    assert_conforms(ok(api.get("/v1/usage/daily", params={"days": 7})), "DailyUsageResponse")
    assert_conforms(ok(api.get("/v1/usage/monthly", params={"months": 3})), "MonthlyUsageResponse")
    assert_conforms(ok(api.get("/v1/usage/by-number")), "NumberUsageResponse")
    assert_conforms(ok(api.get("/v1/usage/by-agent", params={"period": "week", "tz": "Europe/Paris"})),
                    "AgentUsageResponse")

    contact = ok(api.post("/v1/contacts", json={"phoneNumber": "+14155550123", "name": "Ada Lovelace",
                                                "email": "ada@example.com"}), 201)
    assert_conforms(contact, "ContactResponse")
    assert_conforms(ok(api.get("/v1/contacts", params={"search": "ada"})), "ContactListResponse")
    assert_conforms(ok(api.get(f"/v1/contacts/{contact['id']}")), "ContactResponse")
    assert_conforms(ok(api.patch(f"/v1/contacts/{contact['id']}", json={"notes": "Prefers texts."})), "ContactResponse")
    assert_conforms(ok(api.get("/v1/contacts/capabilities", params={"phone_number": "+14155550123"})),
                    "ContactCapabilitiesResponse")
    assert api.delete(f"/v1/contacts/{contact['id']}").status_code == 204

    walk_the_new_groups(api, number)

    detached = ok(api.delete(f"/v1/agents/{agent['id']}/numbers/{number['id']}"))
    assert detached["success"] is True
    assert ok(api.delete(f"/v1/agents/{agent['id']}/webhook"))["success"] is True
    assert ok(api.delete("/v1/webhooks"))["success"] is True
    assert ok(api.delete(f"/v1/numbers/{number['id']}"))["success"] is True
    assert_conforms(ok(api.delete(f"/v1/agents/{agent['id']}")), "DeleteAgentResponse")
    assert message["from_"] == "+14155550123"


def walk_the_new_groups(api: httpx.Client, number: dict[str, Any]) -> None:
    """Sub-accounts, SIP trunks, lookup, verify, feedback and 10DLC, each response in its shape."""
    sub = ok(api.post("/v1/sub-accounts", json={"name": "West"}), 201)
    assert_conforms(sub, "SubAccountResponse")
    assert_conforms(ok(api.get("/v1/sub-accounts")), "SubAccountListResponse")
    assert_conforms(ok(api.get(f"/v1/sub-accounts/{sub['id']}")), "SubAccountResponse")
    assert_conforms(ok(api.patch(f"/v1/sub-accounts/{sub['id']}", json={"name": "Pacific"})), "SubAccountResponse")
    assert ok(api.delete(f"/v1/sub-accounts/{sub['id']}"))["success"] is True

    trunk = ok(api.post("/v1/sip-trunks"), 201)
    assert_conforms(trunk, "SipTrunkResponse")
    assert_conforms(ok(api.get("/v1/sip-trunks")), "SipTrunkListResponse")
    changed = ok(api.patch(f"/v1/sip-trunks/{trunk['id']}", json={
        "transfers": "all", "origination": {"uris": [{"sip_uri": "sip:pbx.example.com"}]}}))
    assert_conforms(changed, "SipTrunkResponse")
    assert_conforms(ok(api.get(f"/v1/sip-trunks/{trunk['id']}")), "SipTrunkResponse")
    assert_conforms(ok(api.patch(f"/v1/numbers/{number['id']}", json={"sipTrunkId": trunk["id"]})),
                    "PhoneNumberResponse")
    ok(api.patch(f"/v1/numbers/{number['id']}", json={"sipTrunkId": None}))
    assert ok(api.delete(f"/v1/sip-trunks/{trunk['id']}"))["success"] is True

    assert_conforms(ok(api.get("/v1/numbers/lookup", params={"phoneNumbers": "+14155550123,+15005550009"})),
                    "NumberLookupResponse")
    sent = ok(api.post("/v1/verify/send", json={"phone_number": "+14155550123"}), 201)
    assert_conforms(sent, "VerificationSendResponse")
    assert_conforms(ok(api.post("/v1/verify/check", json={"verification_id": sent["verification_id"],
                                                           "code": "000000"})), "VerificationCheckResponse")
    assert_conforms(ok(api.post("/v1/feedback", json={"category": "bug", "note": "n"}), 201), "FeedbackResponse")

    from tests.integration.test_registration import APPLICATION

    assert_conforms(ok(api.get("/v1/register/status")), "CampaignStatusResponse")
    assert_conforms(ok(api.post("/v1/register", json=APPLICATION), 201), "RegistrationResponse")
    assert_conforms(ok(api.get("/v1/register/status")), "CampaignStatusResponse")
    assert_conforms(ok(api.get("/v1/register")), "RegistrationDetailResponse")
