"""US A2P 10DLC through Twilio: TrustHub profiles, a brand registration, then a campaign.

The order is Twilio's: a secondary customer profile (business) and an A2P messaging profile
(TrustHub bundles with their end users), submitted for review; a Brand Registration naming both;
once the brand is APPROVED, a Messaging Service and its `Usa2p` campaign. Review takes days at
Twilio, so `advance_a2p` is called whenever the status is asked for and moves one step at a time.
"""

from __future__ import annotations

import json
from typing import Any

from switchboard.carrier.port import A2PState

# TrustHub policies Twilio publishes for these bundles (secondary customer profile; A2P messaging profile).
CUSTOMER_PROFILE_POLICY = "RNdfbf3fae0e1107f8aded0e7cead80bf5"
A2P_PROFILE_POLICY = "RNb0d4771c2c98518d916a3d4cd70a8f8b"
BRAND_TYPES = {"sole_proprietor": "SOLE_PROPRIETOR", "standard_brand": "STANDARD", "high_volume": "STANDARD"}
# Our use-case names are Twilio's upper-cased, but for two-factor codes (Twilio's `2FA`); several make MIXED.
MIXED = "MIXED"
USE_CASE_NAMES = {"two_factor_authentication": "2FA"}


class A2PMixin:
    """Mixed into the Twilio adapter: TrustHub, Messaging v1 brand registrations and campaigns."""

    service_request: Any

    def _bundle(self, kind: str, policy: str, name: str, email: str, end_user_type: str,
                attributes: dict[str, Any], extra: tuple[str, ...] = ()) -> str:
        bundle = self.service_request("POST", "trusthub", f"v1/{kind}", form={
            "FriendlyName": name, "Email": email, "PolicySid": policy})["sid"]
        user = self.service_request("POST", "trusthub", "v1/EndUsers", form={
            "FriendlyName": f"{name} {end_user_type}", "Type": end_user_type, "Attributes": json.dumps(attributes)})
        for sid in (user["sid"], *extra):
            self.service_request("POST", "trusthub", f"v1/{kind}/{bundle}/EntityAssignments", form={"ObjectSid": sid})
        self.service_request("POST", "trusthub", f"v1/{kind}/{bundle}", form={"Status": "pending-review"})
        return bundle

    def start_a2p(self, profile: dict[str, object]) -> A2PState:
        p: dict[str, Any] = dict(profile)
        name = p.get("business_name") or f"{p['first_name']} {p['last_name']}"
        business = {"business_name": name, "business_type": p.get("organization_type"),
                    "business_registration_identifier": "EIN" if p.get("ein") else None,
                    "business_registration_number": p.get("ein"), "website_url": p.get("website_url"),
                    "business_industry": p.get("industry"), "business_regions_of_operation": p.get("business_regions"),
                    "first_name": p["first_name"], "last_name": p["last_name"], "phone_number": p["phone_number"],
                    "email": p["email"], "job_position": p.get("contact_title")}
        customer = self._bundle("CustomerProfiles", CUSTOMER_PROFILE_POLICY, str(name), str(p["email"]),
                                "customer_profile_business_information", business)
        a2p = self._bundle("TrustProducts", A2P_PROFILE_POLICY, f"{name} A2P", str(p["email"]),
                           "us_a2p_messaging_profile_information",
                           {"company_type": "private" if p.get("ein") else "sole_proprietor",
                            "brand_name": p.get("brand_name") or name}, (customer,))
        brand = self.service_request("POST", "messaging", "v1/a2p/BrandRegistrations", form={
            "CustomerProfileBundleSid": customer, "A2PProfileBundleSid": a2p,
            "BrandType": BRAND_TYPES[str(p["registration_type"])]})
        return A2PState(brand_sid=brand["sid"], brand_status=brand.get("status", "PENDING"))

    def advance_a2p(self, state: A2PState, profile: dict[str, object]) -> A2PState:
        if state.campaign_sid and state.messaging_service_sid:
            campaign = self.service_request(
                "GET", "messaging", f"v1/Services/{state.messaging_service_sid}/Compliance/Usa2p/{state.campaign_sid}")
            return A2PState(state.brand_sid, state.brand_status, campaign.get("campaign_status", "PENDING"),
                            state.messaging_service_sid, state.campaign_sid,
                            _reason(campaign.get("errors")))
        brand = self.service_request("GET", "messaging", f"v1/a2p/BrandRegistrations/{state.brand_sid}")
        status = brand.get("status", "PENDING")
        if status != "APPROVED":
            return A2PState(state.brand_sid, status, failure_reason=brand.get("failure_reason"))
        return self._campaign(state.brand_sid, profile)

    def _campaign(self, brand_sid: str, profile: dict[str, object]) -> A2PState:
        p: dict[str, Any] = dict(profile)
        service = self.service_request("POST", "messaging", "v1/Services", form={
            "FriendlyName": f"{p.get('brand_name') or p.get('business_name') or p['last_name']} 10DLC"})
        uses = [USE_CASE_NAMES.get(str(u), str(u).upper()) for u in p["use_cases"]]
        includes = set(p.get("includes") or [])
        campaign = self.service_request("POST", "messaging", f"v1/Services/{service['sid']}/Compliance/Usa2p", form={
            "BrandRegistrationSid": brand_sid, "Description": p["description"], "MessageFlow": p["consent_flow"],
            "MessageSamples": [str(s) for s in p["message_samples"]],
            "UsAppToPersonUsecase": uses[0] if len(uses) == 1 else MIXED,
            "HasEmbeddedLinks": str("links" in includes).lower(),
            "HasEmbeddedPhone": str("phone_numbers" in includes).lower()})
        return A2PState(brand_sid, "APPROVED", campaign.get("campaign_status", "PENDING"), service["sid"],
                        campaign["sid"])

    def add_sender(self, messaging_service_sid: str, number_carrier_id: str) -> None:
        self.service_request("POST", "messaging", f"v1/Services/{messaging_service_sid}/PhoneNumbers",
                             form={"PhoneNumberSid": number_carrier_id})


def _reason(errors: Any) -> str | None:
    if not errors:
        return None
    first = errors[0] if isinstance(errors, list) else errors
    return str(first.get("description") or first) if isinstance(first, dict) else str(first)
