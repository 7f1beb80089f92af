"""Lookup v2, Elastic SIP Trunking v1 and SIP credential lists, as Twilio serves them.

Lookup answers for the fictional 555-01xx range (mobile; the carrier's own numbers are VoIP)
and Twilio's test number +15005550009 (a landline); any other number is not valid here.
A number attached to a trunk has its inbound calls sent to the trunk's origination URLs:
`Local/InboundCalls.json` then answers with `routedTo` instead of ringing the voice URL.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response

from switchboard_local.carrier import numbers as fiction
from switchboard_local.carrier.errors import TwilioError, not_found
from switchboard_local.carrier.state import CarrierState, sid
from switchboard_local.carrier.validation import require

FormReader = Callable[[Request], Awaitable[dict[str, list[str]]]]
TRANSFER_MODES = {"disable-all", "enable-all", "sip-only"}
CALLER_IDS = {"from-transferee", "from-transferor"}
# Twilio's rule for SIP credential passwords: 12+ characters with a digit, a lower and an upper case letter.
PASSWORD = re.compile(r"^(?=.*\d)(?=.*[a-z])(?=.*[A-Z]).{12,}$")


def line_type(state: CarrierState, e164: str) -> dict[str, Any]:
    """The Lookup v2 answer for one number (Fields=line_type_intelligence)."""
    kind = None
    if e164 == "+15005550009":
        kind = "landline"
    elif e164 in state.owned_phones():
        kind = "nonFixedVoip"
    elif fiction.is_fictional(e164):
        kind = "mobile"
    country = fiction.country_of(e164[2:5]) if kind else None
    return {"phone_number": e164, "valid": kind is not None, "country_code": country,
            "calling_country_code": "1" if kind else None, "validation_errors": [] if kind else ["NOT_A_NUMBER"],
            "line_type_intelligence": {"type": kind, "carrier_name": "Switchboard Local", "error_code": None,
                                       "mobile_country_code": None, "mobile_network_code": None} if kind else None}


def _get(state: CarrierState, resource_sid: str, kind: str) -> dict[str, Any]:
    with state.lock:
        found = state.resources.get(resource_sid)
    if found is None or found["kind"] != kind:
        raise not_found(f"{kind}/{resource_sid}")
    return found


def _choice(form: dict[str, list[str]], name: str, allowed: set[str], default: str | None) -> str | None:
    value = (form.get(name) or [default])[-1]
    if value is not None and value not in allowed:
        raise TwilioError(400, 20001, f"{name} must be one of {sorted(allowed)}")
    return value


def route_for(state: CarrierState, e164: str) -> str | None:
    """Where an inbound call to `e164` goes when its number is on a trunk: the first origination URL."""
    number = state.number_by_phone(e164)
    trunk = state.resources.get(number.get("trunk_sid") or "") if number else None
    urls = sorted(trunk["origination"].values(), key=lambda u: u["priority"]) if trunk else []
    return urls[0]["sip_url"] if urls else None


def install(app: FastAPI, base: str, state: CarrierState, read_form: FormReader) -> None:
    @app.get("/lookups/v2/PhoneNumbers/{e164}")
    def lookup(e164: str, Fields: str | None = None) -> dict[str, Any]:
        return line_type(state, e164)

    @app.post(base + "/SIP/CredentialLists.json", status_code=201)
    async def create_list(request: Request) -> dict[str, Any]:
        form = await read_form(request)
        item = {"sid": sid("CL"), "kind": "credential_list", "credentials": {},
                "friendly_name": require(form, "FriendlyName", 21622, "FriendlyName is required")}
        with state.lock:
            state.resources[item["sid"]] = item
        return {k: v for k, v in item.items() if k != "credentials"}

    @app.post(base + "/SIP/CredentialLists/{list_sid}/Credentials.json", status_code=201)
    async def create_credential(list_sid: str, request: Request) -> dict[str, Any]:
        form = await read_form(request)
        creds = _get(state, list_sid, "credential_list")["credentials"]
        username = require(form, "Username", 21622, "Username is required")
        password = require(form, "Password", 21622, "Password is required")
        if not PASSWORD.match(password):
            raise TwilioError(400, 21622, "Password must be 12+ characters with a digit and mixed case letters")
        credential = {"sid": sid("CR"), "username": username, "password": password}
        creds[credential["sid"]] = credential
        return {"sid": credential["sid"], "username": username, "credential_list_sid": list_sid}

    @app.post(base + "/SIP/CredentialLists/{list_sid}/Credentials/{cred_sid}.json")
    async def update_credential(list_sid: str, cred_sid: str, request: Request) -> dict[str, Any]:
        form = await read_form(request)
        credential = _get(state, list_sid, "credential_list")["credentials"].get(cred_sid)
        if credential is None:
            raise not_found(f"Credentials/{cred_sid}")
        password = require(form, "Password", 21622, "Password is required")
        if not PASSWORD.match(password):
            raise TwilioError(400, 21622, "Password must be 12+ characters with a digit and mixed case letters")
        credential["password"] = password
        return {"sid": cred_sid, "username": credential["username"], "credential_list_sid": list_sid}

    @app.delete(base + "/SIP/CredentialLists/{list_sid}.json", status_code=204)
    def delete_list(list_sid: str) -> Response:
        _get(state, list_sid, "credential_list")
        with state.lock:
            state.resources.pop(list_sid, None)
        return Response(status_code=204)

    @app.post("/trunking/v1/Trunks", status_code=201)
    async def create_trunk(request: Request) -> dict[str, Any]:
        form = await read_form(request)
        domain = require(form, "DomainName", 21245, "DomainName is required")
        if not domain.endswith(".pstn.twilio.com"):
            raise TwilioError(400, 21245, "DomainName must end with pstn.twilio.com")
        trunk = {"sid": sid("TK"), "kind": "trunk", "domain_name": domain, "origination": {}, "lists": [],
                 "friendly_name": (form.get("FriendlyName") or [""])[-1],
                 "transfer_mode": _choice(form, "TransferMode", TRANSFER_MODES, "disable-all"),
                 "transfer_caller_id": _choice(form, "TransferCallerId", CALLER_IDS, "from-transferee"),
                 "secure": (form.get("Secure") or ["false"])[-1] == "true"}
        with state.lock:
            if any(r.get("domain_name") == domain for r in state.resources.values()):
                raise TwilioError(409, 21248, f"Domain {domain} is already in use")
            state.resources[trunk["sid"]] = trunk
        return _trunk_view(trunk)

    @app.post("/trunking/v1/Trunks/{trunk_sid}")
    async def update_trunk(trunk_sid: str, request: Request) -> dict[str, Any]:
        form = await read_form(request)
        trunk = _get(state, trunk_sid, "trunk")
        trunk["friendly_name"] = (form.get("FriendlyName") or [trunk["friendly_name"]])[-1]
        trunk["transfer_mode"] = _choice(form, "TransferMode", TRANSFER_MODES, trunk["transfer_mode"])
        trunk["transfer_caller_id"] = _choice(form, "TransferCallerId", CALLER_IDS, trunk["transfer_caller_id"])
        return _trunk_view(trunk)

    @app.get("/trunking/v1/Trunks/{trunk_sid}")
    def get_trunk(trunk_sid: str) -> dict[str, Any]:
        return _trunk_view(_get(state, trunk_sid, "trunk"))

    @app.delete("/trunking/v1/Trunks/{trunk_sid}", status_code=204)
    def delete_trunk(trunk_sid: str) -> Response:
        _get(state, trunk_sid, "trunk")
        with state.lock:
            state.resources.pop(trunk_sid, None)
            for number in state.numbers.values():
                if number.get("trunk_sid") == trunk_sid:
                    number["trunk_sid"] = None
        return Response(status_code=204)

    @app.post("/trunking/v1/Trunks/{trunk_sid}/CredentialLists", status_code=201)
    async def attach_list(trunk_sid: str, request: Request) -> dict[str, Any]:
        form = await read_form(request)
        list_sid = require(form, "CredentialListSid", 21622, "CredentialListSid is required")
        _get(state, list_sid, "credential_list")
        _get(state, trunk_sid, "trunk")["lists"].append(list_sid)
        return {"sid": list_sid, "trunk_sid": trunk_sid}

    @app.get("/trunking/v1/Trunks/{trunk_sid}/OriginationUrls")
    def list_origination(trunk_sid: str) -> dict[str, Any]:
        return {"origination_urls": list(_get(state, trunk_sid, "trunk")["origination"].values())}

    @app.post("/trunking/v1/Trunks/{trunk_sid}/OriginationUrls", status_code=201)
    async def add_origination(trunk_sid: str, request: Request) -> dict[str, Any]:
        form = await read_form(request)
        url = require(form, "SipUrl", 21623, "SipUrl is required")
        if not url.startswith(("sip:", "sips:")):
            raise TwilioError(400, 21623, "SipUrl must be a SIP URI")
        item = {"sid": sid("OU"), "sip_url": url, "trunk_sid": trunk_sid,
                "friendly_name": (form.get("FriendlyName") or [url])[-1],
                "priority": int((form.get("Priority") or ["10"])[-1]),
                "weight": int((form.get("Weight") or ["10"])[-1])}
        _get(state, trunk_sid, "trunk")["origination"][item["sid"]] = item
        return item

    @app.delete("/trunking/v1/Trunks/{trunk_sid}/OriginationUrls/{url_sid}", status_code=204)
    def delete_origination(trunk_sid: str, url_sid: str) -> Response:
        if _get(state, trunk_sid, "trunk")["origination"].pop(url_sid, None) is None:
            raise not_found(f"OriginationUrls/{url_sid}")
        return Response(status_code=204)

    @app.post("/trunking/v1/Trunks/{trunk_sid}/PhoneNumbers", status_code=201)
    async def attach_number(trunk_sid: str, request: Request) -> dict[str, Any]:
        form = await read_form(request)
        pn = require(form, "PhoneNumberSid", 21421, "PhoneNumberSid is required")
        _get(state, trunk_sid, "trunk")
        with state.lock:
            number = state.numbers.get(pn)
            if number is None:
                raise not_found(f"IncomingPhoneNumbers/{pn}")
            number["trunk_sid"] = trunk_sid
        return {"sid": pn, "trunk_sid": trunk_sid, "phone_number": number["phone_number"]}

    @app.delete("/trunking/v1/Trunks/{trunk_sid}/PhoneNumbers/{pn}", status_code=204)
    def detach_number(trunk_sid: str, pn: str) -> Response:
        with state.lock:
            number = state.numbers.get(pn)
            if number is None or number.get("trunk_sid") != trunk_sid:
                raise not_found(f"Trunks/{trunk_sid}/PhoneNumbers/{pn}")
            number["trunk_sid"] = None
        return Response(status_code=204)


def _trunk_view(trunk: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in trunk.items() if k not in ("kind", "origination", "lists")}
