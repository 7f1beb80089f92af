"""Each Lambda handler invoked with its sample event from events/, against the emulated table."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl

import pytest

from switchboard.carrier import signature
from switchboard.container import get_container
from switchboard.settings import Settings, get_settings
from tests.support.lambdas import FakeContext, load_event, load_handler, settings_env
from tests.support.receiver import webhook_receiver


@pytest.fixture
def lambda_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in settings_env(settings).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SWITCHBOARD_PUBLIC_BASE_URL", "")  # as deployed: learnt from the request context
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "SwitchboardTests")
    get_settings.cache_clear()
    get_container.cache_clear()
    yield settings
    get_settings.cache_clear()
    get_container.cache_clear()


def with_key(event: dict[str, Any], api_key: str) -> dict[str, Any]:
    event["headers"]["authorization"] = f"Bearer {api_key}"
    return event


def test_api_handler_serves_reads_and_writes(lambda_env: Settings, project: Any) -> None:
    api = load_handler("api")
    created = api.handler(with_key(load_event("api-post-agent.json"), project.api_key), FakeContext())
    assert created["statusCode"] == 201, created
    agent = json.loads(created["body"])
    assert agent["name"] == "Support" and agent["beginMessage"] == "Hi, this is Support."
    listed = api.handler(with_key(load_event("api-get-agents.json"), project.api_key), FakeContext())
    assert listed["statusCode"] == 200
    assert [a["id"] for a in json.loads(listed["body"])["data"]] == [agent["id"]]
    unauthorised = api.handler(with_key(load_event("api-get-agents.json"), "wrong"), FakeContext())
    assert unauthorised["statusCode"] == 401 and json.loads(unauthorised["body"])["detail"] == "Unknown API key."


def test_api_handler_serves_mcp_tool_calls_request_after_request(lambda_env: Settings, project: Any) -> None:
    api = load_handler("api")
    api.handler(with_key(load_event("api-post-agent.json"), project.api_key), FakeContext())
    for _ in range(2):  # a warm container serves the next request too (no once-only lifespan state)
        answered = api.handler(with_key(load_event("api-post-mcp-tool-call.json"), project.api_key), FakeContext())
        assert answered["statusCode"] == 200, answered
        result = json.loads(answered["body"])["result"]
        assert not result.get("isError") and result["structuredContent"]["data"][0]["name"] == "Support"
    refused = api.handler(with_key(load_event("api-post-mcp-tool-call.json"), "wrong"), FakeContext())
    assert refused["statusCode"] == 401


def test_telephony_handler_checks_the_signature_and_answers_twiml(lambda_env: Settings, project: Any) -> None:
    telephony = load_handler("telephony")
    event = load_event("telephony-voice.json")
    unsigned = telephony.handler(event, FakeContext())
    assert unsigned["statusCode"] == 403
    form = dict(parse_qsl(base64.b64decode(event["body"]).decode()))
    url = f"https://{event['requestContext']['domainName']}{event['rawPath']}"
    event["headers"]["x-twilio-signature"] = signature.compute(url, form, lambda_env.twilio_auth_token)
    answered = telephony.handler(event, FakeContext())
    assert answered["statusCode"] == 200
    body = base64.b64decode(answered["body"]).decode() if answered.get("isBase64Encoded") else answered["body"]
    assert "<Say>" in body and "<Hangup/>" in body  # the sample's number is not one of ours


def test_deliveries_handler_delivers_the_sample_event(lambda_env: Settings, project: Any) -> None:
    deliveries = load_handler("deliveries")
    event = load_event("deliveries-sqs.json")
    record = json.loads(event["Records"][0]["body"])
    record["projectId"] = project.project_id
    event["Records"][0]["body"] = json.dumps(record)
    with webhook_receiver() as hook:
        get_container().webhooks.set(project.project_id, hook.url, None, None)
        result = deliveries.handler(event, FakeContext())
        (req,) = hook.wait(1)
    assert result == {"batchItemFailures": []}
    assert json.loads(req.body)["event"] == "agent.message" and json.loads(req.body)["channel"] == "sms"
