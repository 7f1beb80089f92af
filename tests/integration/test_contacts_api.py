"""/v1/contacts: the address book AgentPhone's clients manage (the SDK's calls, and bad input refused)."""

from __future__ import annotations

from typing import Any

import httpx
from agentphone import AgentPhone


def test_the_sdk_manages_contacts(api: httpx.Client, api_url: str, project: Any) -> None:
    sdk = AgentPhone(api_key=project.api_key, base_url=api_url)
    ada = sdk.contacts.create(phone_number="+14155550123", name="Ada Lovelace", email="ada@example.com")
    sdk.contacts.create(phone_number="+14155550124", name="Charles Babbage")
    assert ada.id.startswith("ct_") and ada.email == "ada@example.com" and ada.notes is None
    found = sdk.contacts.list(search="LOVE")
    assert [c.name for c in found.data] == ["Ada Lovelace"]
    assert [c.name for c in sdk.contacts.list(search="0124").data] == ["Charles Babbage"]
    assert sdk.contacts.list(limit=1).has_more is True and len(sdk.contacts.list().data) == 2
    updated = sdk.contacts.update(ada.id, notes="Prefers texts.")
    assert (updated.notes, updated.name, updated.email) == ("Prefers texts.", "Ada Lovelace", "ada@example.com")
    assert sdk.contacts.get(ada.id).notes == "Prefers texts."
    sdk.contacts.delete(ada.id)
    assert api.get(f"/v1/contacts/{ada.id}").status_code == 404


def test_bad_contacts_are_refused_and_change_nothing(api: httpx.Client) -> None:
    for body, word in [({"phoneNumber": "555-0123", "name": "X"}, "E.164"),
                       ({"phoneNumber": "+14155550123", "name": ""}, "name"),
                       ({"phoneNumber": "+14155550123", "name": "X", "email": "not-an-email"}, "email"),
                       ({"name": "X"}, "phoneNumber")]:
        resp = api.post("/v1/contacts", json=body)
        assert resp.status_code == 400 and word in resp.json()["detail"], resp.text
    assert api.get("/v1/contacts").json() == {"data": [], "total": 0, "hasMore": False}
    made = api.post("/v1/contacts", json={"phoneNumber": "+14155550123", "name": "Ada"}).json()
    assert api.patch(f"/v1/contacts/{made['id']}", json={"name": None}).status_code == 400
    assert api.patch(f"/v1/contacts/{made['id']}", json={"phoneNumber": "12"}).status_code == 400
    assert api.get(f"/v1/contacts/{made['id']}").json()["name"] == "Ada"
    assert api.patch("/v1/contacts/ct_nope", json={"name": "B"}).status_code == 404
    assert api.get("/v1/contacts/capabilities", params={"phone_number": "12"}).status_code == 400
