"""10DLC registration through the SDK: brand, then campaign, walked by the local carrier as it is polled."""

from __future__ import annotations

from typing import Any

import httpx
from agentphone import AgentPhone

from switchboard.settings import Settings
from tests.support.published_schema import assert_conforms

APPLICATION: dict[str, Any] = {
    "registration_type": "standard_brand", "first_name": "Ada", "last_name": "Lovelace",
    "email": "ada@acme.example", "phone_number": "+14155550142", "business_name": "Acme Dental LLC",
    "brand_name": "Acme Dental", "ein": "12-3456789", "organization_type": "llc", "website_url": "https://acme.example",
    "street_address": "1 Main St", "city": "San Francisco", "state": "CA", "zip_code": "94105",
    "description": "Appointment reminders and replies to patients of Acme Dental who asked to be texted.",
    "use_cases": ["customer_care", "account_notification"],
    "message_samples": ["Acme Dental: your cleaning is on Tuesday at 10am. Reply C to confirm.",
                        "Acme Dental: thanks, you are confirmed. Reply STOP to opt out."],
    "consent_flow": "Patients tick a box on the booking form at acme.example/book to receive texts from us.",
    "opt_in_image_url": "https://acme.example/optin.png", "includes": ["links"],
}


def carrier_resources(local_carrier: Any) -> dict[str, dict[str, Any]]:
    return local_carrier.server.config.app.state.carrier.resources


def test_the_sdk_registers_and_follows_the_campaign(api: httpx.Client, api_url: str, project: Any,
                                                    local_carrier: Any, settings: Settings) -> None:
    sdk = AgentPhone(api_key=project.api_key, base_url=api_url)
    number = api.post("/v1/numbers", json={"areaCode": "415"}).json()
    assert sdk.registration.get_status()["campaign_status"] == "not_registered"
    assert api.get("/v1/register").status_code == 404

    made = sdk.registration.register(**APPLICATION)
    assert_conforms(made, "RegistrationResponse")
    assert made["ok"] is True and made["campaign_status"] == "pending" and made["stage"] == "brand"
    kinds = sorted(r["kind"] for r in carrier_resources(local_carrier).values())
    assert kinds == ["CustomerProfiles", "EndUser", "EndUser", "TrustProducts", "brand"]

    assert sdk.registration.update(description="Reminders and replies for patients of Acme Dental, by text."
                                   )["registration"]["description"].startswith("Reminders")
    seen = []
    for _ in range(4):  # each poll moves the carrier's review on one step
        status = sdk.registration.get_status()
        assert_conforms(status, "CampaignStatusResponse")
        seen.append((status["stage"], status["campaign_status"]))
    assert seen == [("campaign", "pending"), ("campaign", "in_progress"), ("complete", "verified"),
                    ("complete", "verified")]
    detail = sdk.registration.get()
    assert detail["brand"]["status"] == "APPROVED" and detail["campaign"]["status"] == "VERIFIED"
    campaign = carrier_resources(local_carrier)[detail["campaign"]["sid"]]
    assert campaign["us_app_to_person_usecase"] == "MIXED" and campaign["description"].startswith("Reminders")
    service = carrier_resources(local_carrier)[detail["campaign"]["messaging_service_sid"]]
    owned = local_carrier.server.config.app.state.carrier.number_by_phone(number["phoneNumber"])
    assert service["senders"] == [owned["sid"]]  # the project's numbers send under the campaign
    late = api.patch("/v1/register", json={"description": "x" * 50})
    assert late.status_code == 409
    again = api.post("/v1/register", json=APPLICATION)
    assert again.status_code == 409


def test_a_failed_brand_is_corrected_and_bad_input_refused(api: httpx.Client, local_carrier: Any) -> None:
    for broken, word in [({**APPLICATION, "ein": None}, "ein"), ({**APPLICATION, "use_cases": ["spam"]}, "use_cases"),
                         ({**APPLICATION, "message_samples": ["too short"]}, "message_samples"),
                         ({**APPLICATION, "country": "CA"}, "country")]:
        resp = api.post("/v1/register", json=broken)
        assert resp.status_code == 400 and word in resp.json()["detail"], resp.text
    assert api.get("/v1/register/status").json()["campaign_status"] == "not_registered"

    made = api.post("/v1/register", json={**APPLICATION, "email": "ada@reject.example"}).json()
    assert made["campaign_status"] == "pending"
    failed = api.get("/v1/register/status").json()
    assert failed["campaign_status"] == "failed" and "could not be verified" in failed["message"]
    assert api.patch("/v1/register", json={"website_url": "not a url"}).status_code == 400
    fixed = api.patch("/v1/register", json={"brand_name": "Acme Dental Care"}).json()
    assert fixed["campaign_status"] == "pending"  # submitted again (the carrier rejects this email again)
    assert api.get("/v1/register").json()["registration"]["brand_name"] == "Acme Dental Care"


def test_a_two_factor_campaign_uses_twilios_use_case_name(api: httpx.Client, local_carrier: Any) -> None:
    api.post("/v1/register", json={**APPLICATION, "use_cases": ["two_factor_authentication"]})
    api.get("/v1/register/status")  # the brand is approved, the campaign submitted
    (campaign,) = [r for r in carrier_resources(local_carrier).values() if r["kind"] == "campaign"]
    assert campaign["us_app_to_person_usecase"] == "2FA"


def test_a_registration_can_open_its_own_sub_account(api: httpx.Client) -> None:
    made = api.post("/v1/register", json={**APPLICATION, "create_sub_account": True}).json()
    sub = made["sub_account_id"]
    assert sub and api.get(f"/v1/sub-accounts/{sub}").json()["name"] == "Acme Dental"
    assert api.get("/v1/register/status").json()["campaign_status"] == "not_registered"  # it is the sub-account's
    scoped = api.get("/v1/register/status", headers={"X-Sub-Account-Id": sub}).json()
    assert scoped["campaign_status"] in ("pending", "in_progress")
