"""AvailablePhoneNumbers and IncomingPhoneNumbers, with fictional 555-01xx numbers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response

from switchboard_local.carrier import numbers as fiction
from switchboard_local.carrier.errors import TwilioError, not_found
from switchboard_local.carrier.state import CarrierState, rfc2822, sid

FormReader = Callable[[Request], Awaitable[dict[str, list[str]]]]
WEBHOOK_FIELDS = {"VoiceUrl": "voice_url", "VoiceMethod": "voice_method", "StatusCallback": "status_callback",
                  "StatusCallbackMethod": "status_callback_method", "SmsUrl": "sms_url", "SmsMethod": "sms_method",
                  "FriendlyName": "friendly_name"}


def _available(country: str, area_code: str | None, owned: set[str], limit: int) -> list[dict[str, Any]]:
    found = []
    for e164 in fiction.candidates(country, area_code):
        if e164 in owned:
            continue
        city, region = fiction.PLACES.get(e164[2:5], (None, None))
        found.append({"phone_number": e164, "friendly_name": f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}",
                      "locality": city, "region": region, "iso_country": country, "postal_code": None,
                      "address_requirements": "none", "beta": False,
                      "capabilities": {"voice": True, "sms": True, "mms": True}})
        if len(found) >= limit:
            break
    return found


def install(app: FastAPI, base: str, account_sid: str, state: CarrierState, read_form: FormReader) -> None:
    @app.get(base + "/AvailablePhoneNumbers/{country}/Local.json")
    def available(country: str, AreaCode: str | None = None, PageSize: int = 50) -> dict[str, Any]:
        if country not in fiction.DEFAULT_AREA_CODES:
            raise TwilioError(404, 20404, f"Country {country} is not offered by this carrier")
        if AreaCode is not None and not (len(AreaCode) == 3 and AreaCode.isdigit()):
            raise TwilioError(400, 21421, f"AreaCode {AreaCode} is not valid")
        numbers = _available(country, AreaCode, state.owned_phones(), max(1, min(PageSize, 1000)))
        return {"available_phone_numbers": numbers, "uri": f"{base}/AvailablePhoneNumbers/{country}/Local.json"}

    @app.post(base + "/IncomingPhoneNumbers.json", status_code=201)
    async def buy(request: Request) -> dict[str, Any]:
        form = await read_form(request)
        wanted = (form.get("PhoneNumber") or [""])[-1]
        area = (form.get("AreaCode") or [""])[-1]
        with state.lock:
            if not wanted and area:
                choices = _available(fiction.country_of(area), area, state.owned_phones(), 1)
                if not choices:
                    raise TwilioError(400, 21422, f"No phone numbers are available in area code {area}")
                wanted = choices[0]["phone_number"]
            if not wanted:
                raise TwilioError(400, 21421, "PhoneNumber or AreaCode is required")
            if not fiction.is_fictional(wanted):
                raise TwilioError(400, 21421, f"PhoneNumber {wanted} is not valid")
            if wanted in state.owned_phones():
                raise TwilioError(400, 21422, f"PhoneNumber {wanted} is not available")
            number = {"sid": sid("PN"), "account_sid": account_sid, "phone_number": wanted,
                      "friendly_name": wanted, "date_created": rfc2822(),
                      "capabilities": {"voice": True, "sms": True, "mms": True},
                      **{attr: None for attr in WEBHOOK_FIELDS.values()}}
            number |= {attr: form[name][-1] for name, attr in WEBHOOK_FIELDS.items() if name in form}
            number["uri"] = f"{base}/IncomingPhoneNumbers/{number['sid']}.json"
            state.numbers[number["sid"]] = number
        return number

    @app.get(base + "/IncomingPhoneNumbers.json")
    def owned(PhoneNumber: str | None = None) -> dict[str, Any]:
        with state.lock:
            items = [n for n in state.numbers.values() if PhoneNumber in (None, n["phone_number"])]
        return {"incoming_phone_numbers": items, "uri": f"{base}/IncomingPhoneNumbers.json"}

    @app.post(base + "/IncomingPhoneNumbers/{number_sid}.json")
    async def update(number_sid: str, request: Request) -> dict[str, Any]:
        form = await read_form(request)
        with state.lock:
            number = state.numbers.get(number_sid)
            if number is None:
                raise not_found(f"IncomingPhoneNumbers/{number_sid}")
            number |= {attr: form[name][-1] for name, attr in WEBHOOK_FIELDS.items() if name in form}
            return number

    @app.delete(base + "/IncomingPhoneNumbers/{number_sid}.json")
    def release(number_sid: str) -> Response:
        with state.lock:
            if state.numbers.pop(number_sid, None) is None:
                raise not_found(f"IncomingPhoneNumbers/{number_sid}")
        return Response(status_code=204)
