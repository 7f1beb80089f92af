"""TrustHub bundles and Messaging v1 brand registrations and campaigns, walking their states.

Review at Twilio takes days; here each read of a registration moves it one step, so a client
that polls sees every state in order: a brand goes PENDING → APPROVED (FAILED when its profile's
email is at reject.example), a campaign PENDING → IN_PROGRESS → VERIFIED.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request

from switchboard_local.carrier.errors import TwilioError, not_found
from switchboard_local.carrier.state import CarrierState, sid
from switchboard_local.carrier.validation import require

FormReader = Callable[[Request], Awaitable[dict[str, list[str]]]]
CAMPAIGN_STEPS = ["PENDING", "IN_PROGRESS", "VERIFIED"]
USE_CASES = {"ACCOUNT_NOTIFICATION", "CUSTOMER_CARE", "DELIVERY_NOTIFICATION", "FRAUD_ALERT", "HIGHER_EDUCATION",
             "MARKETING", "POLLING_VOTING", "PUBLIC_SERVICE_ANNOUNCEMENT", "SECURITY_ALERT", "2FA", "MIXED",
             "LOW_VOLUME", "SOLE_PROPRIETOR"}


def install(app: FastAPI, state: CarrierState, read_form: FormReader) -> None:
    def get(resource_sid: str, kind: str) -> dict[str, Any]:
        with state.lock:
            found = state.resources.get(resource_sid)
        if found is None or found["kind"] != kind:
            raise not_found(f"{kind}/{resource_sid}")
        return found

    def put(item: dict[str, Any]) -> dict[str, Any]:
        with state.lock:
            state.resources[item["sid"]] = item
        return item

    for kind in ("CustomerProfiles", "TrustProducts"):
        def bundles(kind: str = kind) -> None:
            @app.post(f"/trusthub/v1/{kind}", status_code=201)
            async def create_bundle(request: Request) -> dict[str, Any]:
                form = await read_form(request)
                return put({"sid": sid("BU"), "kind": kind, "status": "draft", "entities": [],
                            "friendly_name": require(form, "FriendlyName", 70002, "FriendlyName is required"),
                            "email": require(form, "Email", 70002, "Email is required"),
                            "policy_sid": require(form, "PolicySid", 70002, "PolicySid is required")})

            @app.post(f"/trusthub/v1/{kind}/{{bundle_sid}}/EntityAssignments", status_code=201)
            async def assign(bundle_sid: str, request: Request) -> dict[str, Any]:
                form = await read_form(request)
                bundle = get(bundle_sid, kind)
                bundle["entities"].append(require(form, "ObjectSid", 70002, "ObjectSid is required"))
                return {"sid": sid("BV"), "bundle_sid": bundle_sid, "object_sid": bundle["entities"][-1]}

            @app.post(f"/trusthub/v1/{kind}/{{bundle_sid}}")
            async def submit(bundle_sid: str, request: Request) -> dict[str, Any]:
                form = await read_form(request)
                bundle = get(bundle_sid, kind)
                if not bundle["entities"]:
                    raise TwilioError(400, 70002, "A bundle needs its end user before review")
                bundle["status"] = (form.get("Status") or [bundle["status"]])[-1]
                return {k: v for k, v in bundle.items() if k != "kind"}
        bundles()

    @app.post("/trusthub/v1/EndUsers", status_code=201)
    async def end_user(request: Request) -> dict[str, Any]:
        form = await read_form(request)
        try:
            attributes = json.loads(require(form, "Attributes", 70002, "Attributes are required"))
        except ValueError as exc:
            raise TwilioError(400, 70002, "Attributes must be JSON") from exc
        return put({"sid": sid("IT"), "kind": "EndUser", "type": require(form, "Type", 70002, "Type is required"),
                    "attributes": attributes})

    @app.post("/messaging/v1/a2p/BrandRegistrations", status_code=201)
    async def register_brand(request: Request) -> dict[str, Any]:
        form = await read_form(request)
        customer = get(require(form, "CustomerProfileBundleSid", 21709, "CustomerProfileBundleSid is required"),
                       "CustomerProfiles")
        get(require(form, "A2PProfileBundleSid", 21709, "A2PProfileBundleSid is required"), "TrustProducts")
        rejected = customer["email"].endswith("@reject.example")
        return put({"sid": sid("BN"), "kind": "brand", "status": "PENDING", "reads": 0, "rejected": rejected,
                    "brand_type": (form.get("BrandType") or ["STANDARD"])[-1], "failure_reason": None})

    @app.get("/messaging/v1/a2p/BrandRegistrations/{brand_sid}")
    def read_brand(brand_sid: str) -> dict[str, Any]:
        brand = get(brand_sid, "brand")
        if brand["status"] == "PENDING":  # reviewed by the time anyone asks
            brand["status"] = "FAILED" if brand["rejected"] else "APPROVED"
            brand["failure_reason"] = "The business could not be verified." if brand["rejected"] else None
        return {k: v for k, v in brand.items() if k not in ("kind", "rejected", "reads")}

    @app.post("/messaging/v1/Services", status_code=201)
    async def create_service(request: Request) -> dict[str, Any]:
        form = await read_form(request)
        return put({"sid": sid("MG"), "kind": "service", "senders": [],
                    "friendly_name": require(form, "FriendlyName", 21701, "FriendlyName is required")})

    @app.post("/messaging/v1/Services/{service_sid}/Compliance/Usa2p", status_code=201)
    async def create_campaign(service_sid: str, request: Request) -> dict[str, Any]:
        form = await read_form(request)
        get(service_sid, "service")
        brand = get(require(form, "BrandRegistrationSid", 21709, "BrandRegistrationSid is required"), "brand")
        if brand["status"] != "APPROVED":
            raise TwilioError(400, 21712, "The brand registration is not approved yet")
        use_case = require(form, "UsAppToPersonUsecase", 21709, "UsAppToPersonUsecase is required")
        if use_case not in USE_CASES:
            raise TwilioError(400, 21709, f"Unknown use case {use_case}")
        if len(form.get("MessageSamples") or []) < 2:
            raise TwilioError(400, 21709, "At least two MessageSamples are required")
        return put({"sid": sid("QE"), "kind": "campaign", "campaign_status": "PENDING", "step": 0,
                    "messaging_service_sid": service_sid, "us_app_to_person_usecase": use_case,
                    "description": require(form, "Description", 21709, "Description is required"),
                    "message_flow": require(form, "MessageFlow", 21709, "MessageFlow is required"),
                    "brand_registration_sid": brand["sid"], "errors": []})

    @app.get("/messaging/v1/Services/{service_sid}/Compliance/Usa2p/{campaign_sid}")
    def read_campaign(service_sid: str, campaign_sid: str) -> dict[str, Any]:
        campaign = get(campaign_sid, "campaign")
        if campaign["messaging_service_sid"] != service_sid:
            raise not_found(f"Usa2p/{campaign_sid}")
        campaign["step"] = min(campaign["step"] + 1, len(CAMPAIGN_STEPS) - 1)
        campaign["campaign_status"] = CAMPAIGN_STEPS[campaign["step"]]
        return {k: v for k, v in campaign.items() if k not in ("kind", "step")}

    @app.post("/messaging/v1/Services/{service_sid}/PhoneNumbers", status_code=201)
    async def add_sender(service_sid: str, request: Request) -> dict[str, Any]:
        form = await read_form(request)
        service = get(service_sid, "service")
        pn = require(form, "PhoneNumberSid", 21710, "PhoneNumberSid is required")
        if pn not in state.numbers:
            raise not_found(f"IncomingPhoneNumbers/{pn}")
        service["senders"].append(pn)
        return {"sid": pn, "service_sid": service_sid}
