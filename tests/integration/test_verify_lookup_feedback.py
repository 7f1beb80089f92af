"""Verify (OTP by SMS), number lookup and feedback, through the SDK against the running API."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from agentphone import AgentPhone

from switchboard.container import Container
from switchboard.settings import Settings

PHONE = "+14155550142"


@pytest.fixture
def sdk(api_url: str, project: Any) -> AgentPhone:
    return AgentPhone(api_key=project.api_key, base_url=api_url)


def texts_to(settings: Settings, to: str) -> list[str]:
    """What the local carrier delivered to a phone it does not own, newest first."""
    url = f"{settings.twilio_api_base}/2010-04-01/Accounts/{settings.twilio_account_sid}/Messages.json"
    resp = httpx.get(url, params={"To": to}, auth=(settings.twilio_account_sid, settings.twilio_auth_token))
    return [m["body"] for m in resp.json()["messages"]]


def code_in(body: str) -> str:
    found = re.search(r"\b(\d{6})\b", body)
    assert found, body
    return found.group(1)


def test_a_code_is_sent_by_sms_and_checked_once(sdk: AgentPhone, api: httpx.Client, settings: Settings,
                                                container: Container, project: Any) -> None:
    refused = api.post("/v1/verify/send", json={"phone_number": PHONE})
    assert refused.status_code == 400 and "buy a number" in refused.json()["detail"]
    ours = api.post("/v1/numbers", json={"areaCode": "415"}).json()["phoneNumber"]

    sent = sdk.verification.send_verification(PHONE)
    assert sent["status"] == "pending" and sent["verification_id"].startswith("ver_")
    code = code_in(texts_to(settings, PHONE)[0])
    stored = container.verifications.get(project.project_id, sent["verification_id"])
    assert code not in str(stored) and stored["fromNumber"] == ours  # only a hash is kept
    assert api.get("/v1/conversations").json()["total"] == 0  # the text (it holds the code) is not stored

    wrong = "000000" if code != "000000" else "111111"
    miss = sdk.verification.check_verification(sent["verification_id"], wrong)
    assert miss["valid"] is False and miss["status"] == "pending" and miss["attemptsRemaining"] == 4
    hit = sdk.verification.check_verification(sent["verification_id"], code)
    assert hit["valid"] is True and hit["status"] == "approved"
    again = api.post("/v1/verify/check", json={"verification_id": sent["verification_id"], "code": code})
    assert again.status_code == 400  # a code works once


def test_attempts_are_bounded_and_sends_rate_limited(api: httpx.Client, settings: Settings) -> None:
    api.post("/v1/numbers", json={"areaCode": "415"})
    first = api.post("/v1/verify/send", json={"phone_number": PHONE}).json()
    code = code_in(texts_to(settings, PHONE)[0])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        api.post("/v1/verify/check", json={"verification_id": first["id"], "code": wrong})
    locked = api.post("/v1/verify/check", json={"verification_id": first["id"], "code": code}).json()
    assert locked["valid"] is False and locked["status"] == "failed"  # even the right code, after five misses

    for _ in range(4):
        assert api.post("/v1/verify/send", json={"phone_number": PHONE}).status_code == 201
    limited = api.post("/v1/verify/send", json={"phone_number": PHONE})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert len(texts_to(settings, PHONE)) == 5
    assert api.post("/v1/verify/send", json={"phone_number": "+14155550143"}).status_code == 201  # per destination
    for body in ({"phone_number": "555"}, {}, {"verification_id": first["id"], "code": "12ab"}):
        path = "/v1/verify/check" if "code" in body else "/v1/verify/send"
        assert api.post(path, json=body).status_code == 400
    assert api.post("/v1/verify/check", json={"verification_id": "ver_nope", "code": "123456"}).status_code == 404


def test_lookup_answers_line_type_and_country_from_the_carrier(sdk: AgentPhone, api: httpx.Client) -> None:
    ours = api.post("/v1/numbers", json={"areaCode": "416", "country": "CA"}).json()["phoneNumber"]
    found = {e.phone_number: e for e in sdk.numbers.lookup(["+14155550142", "+15005550009", ours, "+442071838750"])}
    assert (found["+14155550142"].line_type, found["+14155550142"].country) == ("mobile", "US")
    assert found["+15005550009"].line_type == "landline"
    assert (found[ours].line_type, found[ours].country) == ("nonFixedVoip", "CA")
    assert (found["+442071838750"].line_type, found["+442071838750"].country) == (None, None)
    assert api.get("/v1/numbers/lookup", params={"phoneNumbers": ",".join(
        f"+1415555{n:04d}" for n in range(26))}).status_code == 400
    bad = api.get("/v1/numbers/lookup", params={"phoneNumbers": "+14155550142,555-0100"})
    assert bad.status_code == 400 and "555-0100" in bad.json()["detail"]


def test_feedback_is_stored_and_read_back(sdk: AgentPhone, api: httpx.Client, api_url: str, project: Any) -> None:
    made = sdk.feedback.submit("bug", "The transcript missed a word.", request_id="req_1", tags=["voice"])
    assert made["id"].startswith("fb_") and made["success"] is True
    listed = api.get("/v1/feedback").json()
    assert [(f["category"], f["note"], f["requestId"], f["tags"]) for f in listed["data"]] == [
        ("bug", "The transcript missed a word.", "req_1", ["voice"])]
    for body in ({"category": "bug"}, {"category": "", "note": "x"}, {"category": "bug", "note": "x",
                                                                       "tags": ["t"] * 11}):
        assert api.post("/v1/feedback", json=body).status_code == 400
    assert api.get("/v1/feedback").json()["total"] == 1


def test_the_cli_reads_feedback_back(api: httpx.Client, container: Container, project: Any,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    from switchboard import cli

    api.post("/v1/feedback", json={"category": "idea", "note": "Let me pick the voice per call."})
    assert cli.main(["feedback", project.project_id], container=container) == 0
    out = capsys.readouterr().out
    assert "Let me pick the voice per call." in out and "idea" in out
