"""The vendor's own Python SDK (agentphone 0.20.3 from PyPI), pointed at our API, works unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from agentphone import AgentPhone, AuthenticationError, NotFoundError, verify_webhook
from agentphone._http import AgentPhoneError

from tests.support.receiver import webhook_receiver


@pytest.fixture
def sdk(api_url: str, project: Any) -> AgentPhone:
    return AgentPhone(api_key=project.api_key, base_url=api_url)


def test_agents_numbers_webhooks_calls_and_usage_through_the_sdk(sdk: AgentPhone, local_carrier: Any) -> None:
    local_carrier.server.config.app.state.outbound.answering = False  # placed calls stay queued while we look
    voices = sdk.agents.list_voices()
    agent = sdk.agents.create(name="Dentist caller", begin_message="Hello {{name}}", voice=voices[0]["voiceId"],
                              max_silence_ms=60_000, interruption_sensitivity=0.8, language="en-US")
    assert agent.id.startswith("agent_") and agent.name == "Dentist caller"
    assert (agent.max_silence_ms, agent.interruption_sensitivity) == (60_000, 0.8)  # as AgentPhone's clients set them
    assert sdk.agents.get(agent.id).id == agent.id
    assert sdk.agents.update(agent.id, voice_speed=1.1).id == agent.id
    assert [a.id for a in sdk.agents.list().data] == [agent.id]

    available = sdk.numbers.available(area_code="415", limit=3)
    assert len(available) == 3
    number = sdk.numbers.buy(country="US", area_code="415", agent_id=agent.id)
    assert number.phone_number.startswith("+1415555")
    assert sdk.numbers.get(number.id).id == number.id
    assert sdk.numbers.update(number.id, external_id="crm-1").id == number.id
    assert number.id in [n.id for n in sdk.numbers.list().data]
    spare = sdk.numbers.buy(area_code="212")
    sdk.agents.attach_number(agent.id, spare.id)
    sdk.agents.detach_number(agent.id, spare.id)

    with webhook_receiver() as hook:
        webhook = sdk.webhooks.set(hook.url, context_limit=5, timeout=10)
        assert sdk.webhooks.get().id == webhook.id
        result = sdk.webhooks.test()
        assert result["success"] is True
        (req,) = hook.wait(1)
        verify_webhook(req.body, req.headers["x-webhook-signature"], webhook.secret,
                       req.headers["x-webhook-timestamp"])
        agent_hook = sdk.agents.set_webhook(agent.id, hook.url, context_limit=3)
        assert sdk.agents.get_webhook(agent.id).id == agent_hook.id
        assert sdk.agents.test_webhook(agent.id)["success"] is True
        assert len(sdk.agents.list_webhook_deliveries(agent.id)) == 1
        sdk.agents.delete_webhook(agent.id)
        assert sdk.agents.get_webhook(agent.id) is None
        assert len(sdk.webhooks.list_deliveries(hours=1)) == 2
        stats = sdk.webhooks.get_delivery_stats(hours=1)
        assert stats.total == 2
        assert sdk.webhooks.get_all_time_stats()["success"] == 2

        call = sdk.calls.make(agent_id=agent.id, to_number="+14155550123", variables={"name": "Ada"})
    assert call.id.startswith("call_")
    assert sdk.calls.get(call.id).id == call.id
    assert [c.id for c in sdk.calls.list(status="queued").data] == [call.id]
    assert sdk.calls.get_transcript(call.id) == {"data": []}
    assert sdk.numbers.list_calls(number.id).total == 1
    assert sdk.agents.list_calls(agent.id).total == 1
    ended = sdk.calls.end(call.id)
    assert ended["status"] in ("canceled", "completed")
    hosted = sdk.calls.make(agent_id=agent.id, to_number="+14155550124", system_prompt="Book a cleaning.")
    assert hosted.id != call.id
    web = sdk.calls.create_web_call(agent.id, metadata={"page": "home"}, variables={"name": "Ada"})
    assert web["callId"].startswith("call_") and web["accessToken"] in web["websocketUrl"]
    assert [e["event"] for e in sdk.calls.stream_transcript(call.id)] == ["connected", "ended"]
    with pytest.raises(NotFoundError) as unrecorded:  # never answered: nothing was recorded
        sdk.calls.get_recording(call.id)
    assert "no recording" in unrecorded.value.message

    usage = sdk.usage.get()
    assert usage.numbers.used == 2
    assert len(sdk.usage.get_daily(days=3).data) == 3
    assert len(sdk.usage.get_monthly(months=2).data) == 2
    assert {row["numberId"] for row in sdk.usage.get_by_number()} == {number.id, spare.id}
    assert sdk.usage.get_by_agent(period="week")["data"][0]["calls"] == 2
    assert sdk.numbers.get_messages(number.id).data == []
    assert sdk.conversations.list().data == []

    sdk.webhooks.delete()
    assert sdk.webhooks.get() is None
    sdk.numbers.release(spare.id)
    deleted = sdk.agents.delete(agent.id)
    assert deleted["unassignedNumbers"] == [number.id]


def test_errors_arrive_as_the_sdks_exceptions_with_our_detail(sdk: AgentPhone, api_url: str) -> None:
    with pytest.raises(NotFoundError) as missing:
        sdk.agents.get("agent_nope")
    assert "No agent" in missing.value.message
    with pytest.raises(AuthenticationError):
        AgentPhone(api_key="wrong", base_url=api_url).agents.list()
    with pytest.raises(AgentPhoneError) as bad:
        sdk.agents.create(name="x", max_silence_ms=50)
    assert bad.value.status == 400 and "maxSilenceMs" in bad.value.message
    with pytest.raises(AgentPhoneError) as hosted:
        sdk.agents.create(name="x", voice_mode="hosted")
    assert hosted.value.status == 400 and "systemPrompt" in hosted.value.message
    agent = sdk.agents.create(name="No hook")
    sdk.numbers.buy(area_code="415", agent_id=agent.id)
    with pytest.raises(AgentPhoneError) as no_hook:
        sdk.calls.make(agent_id=agent.id, to_number="+14155550123")
    assert no_hook.value.status == 400 and "webhook" in no_hook.value.message
    with pytest.raises(AgentPhoneError) as not_e164:
        sdk.calls.make(agent_id=agent.id, to_number="555-0123", system_prompt="x")
    assert not_e164.value.status == 400 and "E.164" in not_e164.value.message
    assert json.loads(json.dumps(sdk.agents.list_voices()))  # plain JSON all the way
