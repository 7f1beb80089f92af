"""Numbers over real HTTP through the carrier adapter and the local carrier."""

from __future__ import annotations

import threading

import httpx
import pytest

from switchboard.container import Container
from switchboard.settings import PlanLimits


def buy(api: httpx.Client, **body: object) -> httpx.Response:
    return api.post("/v1/numbers", json={"country": "US", "areaCode": "415", **body})


def test_buy_gives_a_fictional_number_pointed_at_our_telephony_routes(api: httpx.Client, local_carrier,
                                                                       settings) -> None:
    resp = buy(api)
    assert resp.status_code == 201, resp.text
    number = resp.json()
    assert number["phoneNumber"].startswith("+141555501")
    assert number["status"] == "active" and number["country"] == "US" and number["type"] == "local"
    assert number["agentId"] is None and number["inboundCallsEnabled"] is True
    assert api.get(f"/v1/numbers/{number['id']}").json()["phoneNumber"] == number["phoneNumber"]
    listed = api.get("/v1/numbers").json()
    assert [n["id"] for n in listed["data"]] == [number["id"]] and listed["total"] == 1
    owned = httpx.get(f"{local_carrier.url}/2010-04-01/Accounts/{settings.twilio_account_sid}/"
                      "IncomingPhoneNumbers.json", auth=(settings.twilio_account_sid, settings.twilio_auth_token))
    record = next(n for n in owned.json()["incoming_phone_numbers"] if n["phone_number"] == number["phoneNumber"])
    assert record["voice_url"] == f"{settings.public_base_url}/telephony/twilio/voice"
    assert record["sms_url"] == f"{settings.public_base_url}/telephony/twilio/sms"


def test_available_numbers_exclude_owned_ones(api: httpx.Client) -> None:
    before = api.get("/v1/numbers/available", params={"areaCode": "415", "limit": 100}).json()["data"]
    assert before and all(n["phoneNumber"].startswith("+1415555") for n in before)
    bought = buy(api).json()["phoneNumber"]
    after = {n["phoneNumber"] for n in api.get("/v1/numbers/available", params={"areaCode": "415", "limit": 100}
                                               ).json()["data"]}
    assert bought not in after
    assert api.get("/v1/numbers/available", params={"areaCode": "41"}).status_code == 400


def test_attach_detach_and_first_number_of_agent(api: httpx.Client) -> None:
    agent = api.post("/v1/agents", json={"name": "A"}).json()
    n1 = buy(api, agentId=agent["id"]).json()
    n2 = buy(api).json()
    attached = api.post(f"/v1/agents/{agent['id']}/numbers", json={"numberId": n2["id"]})
    assert attached.status_code == 200
    assert attached.json() == {"agentId": agent["id"], "number": {"id": n2["id"], "phoneNumber": n2["phoneNumber"],
                                                                   "status": "active", "type": "local"}}
    assert [n["id"] for n in api.get(f"/v1/agents/{agent['id']}").json()["numbers"]] == [n1["id"], n2["id"]]
    other = api.post("/v1/agents", json={"name": "B"}).json()
    clash = api.post(f"/v1/agents/{other['id']}/numbers", json={"numberId": n1["id"]})
    assert clash.status_code == 409
    assert api.delete(f"/v1/agents/{agent['id']}/numbers/{n1['id']}").status_code == 200
    assert api.get(f"/v1/numbers/{n1['id']}").json()["agentId"] is None
    deleted = api.delete(f"/v1/agents/{agent['id']}").json()
    assert deleted["unassignedNumbers"] == [n2["id"]]
    assert api.get(f"/v1/numbers/{n2['id']}").json()["status"] == "active"


def test_release_is_final_and_frees_the_number(api: httpx.Client) -> None:
    number = buy(api).json()
    resp = api.delete(f"/v1/numbers/{number['id']}")
    assert resp.status_code == 200 and resp.json()["success"] is True
    assert api.get(f"/v1/numbers/{number['id']}").json()["status"] == "released"
    assert api.get("/v1/numbers").json()["total"] == 0
    assert api.patch(f"/v1/numbers/{number['id']}", json={"externalId": "x"}).status_code == 409


def test_patch_number_fields_and_validation(api: httpx.Client) -> None:
    number = buy(api).json()
    resp = api.patch(f"/v1/numbers/{number['id']}", json={"inboundCallsEnabled": False, "externalId": "crm-7",
                                                           "expiresAt": "2099-01-01T00:00:00Z"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["inboundCallsEnabled"] is False and body["externalId"] == "crm-7"
    assert body["expiresAt"] == "2099-01-01T00:00:00.000Z"
    assert api.patch(f"/v1/numbers/{number['id']}", json={"expiresAt": "2000-01-01T00:00:00Z"}).status_code == 400
    assert api.patch(f"/v1/numbers/{number['id']}", json={"agentId": "agent_missing"}).status_code == 404
    assert api.patch(f"/v1/numbers/{number['id']}", json={"inboundCallsEnabled": "no"}).status_code == 400


def test_plan_limit_is_402_and_holds_under_concurrency(api: httpx.Client, container: Container,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(type(container.settings), "plan", property(lambda self: PlanLimits(numbers=2)))
    results: list[int] = []

    def attempt() -> None:
        results.append(buy(api).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201, 201, 402, 402]
    assert api.get("/v1/numbers").json()["total"] == 2
    resp = buy(api)
    assert resp.status_code == 402 and "2 phone numbers" in resp.json()["detail"]


def test_a_number_has_one_owner_across_projects(container: Container, project) -> None:
    from switchboard.errors import Conflict
    from switchboard.ids import new_id

    other = container.projects.create("other")
    doc = {"id": new_id("pn"), "phoneNumber": "+14155550199", "country": "US", "status": "active",
           "agentId": None, "createdAt": "2026-01-01T00:00:00.000Z"}
    container.numbers.claim(project.project_id, doc, limit=10)
    with pytest.raises(Conflict):
        container.numbers.claim(other.project_id, {**doc, "id": new_id("pn")}, limit=10)
    assert container.numbers.owner_of("+14155550199")["projectId"] == project.project_id
    assert container.numbers.active_count(other.project_id) == 0


def test_idempotent_buy_returns_the_first_number(api: httpx.Client) -> None:
    first = api.post("/v1/numbers", json={"areaCode": "212"}, headers={"Idempotency-Key": "buy-1"})
    again = api.post("/v1/numbers", json={"areaCode": "212"}, headers={"Idempotency-Key": "buy-1"})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert api.get("/v1/numbers").json()["total"] == 1
    clash = api.post("/v1/numbers", json={"areaCode": "646"}, headers={"Idempotency-Key": "buy-1"})
    assert clash.status_code == 409
    # Requests without the header never share a stored result.
    a = api.post("/v1/numbers", json={"areaCode": "212"}).json()["id"]
    b = api.post("/v1/numbers", json={"areaCode": "212"}).json()["id"]
    assert a != b
