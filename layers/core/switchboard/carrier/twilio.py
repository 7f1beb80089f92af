"""The Twilio adapter of the carrier port: REST over httpx with Basic auth, errors mapped once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import httpx

from switchboard.carrier.port import (
    AvailableNumber,
    CarrierCall,
    NumberWebhooks,
    OwnedNumber,
    PlacedCall,
    SentMessage,
)
from switchboard.carrier.twilio_a2p import A2PMixin
from switchboard.carrier.twilio_lookup import LookupMixin
from switchboard.carrier.twilio_trunking import TrunkingMixin
from switchboard.errors import CarrierError

API_VERSION = "2010-04-01"
Form = Mapping[str, str | Sequence[str]]

# Twilio error codes caused by the request's content (the API caller can fix them): → 400, or 409.
_INPUT_ERRORS = {21211, 21212, 21214, 21215, 21216, 21217, 21219, 21401, 21402, 21404, 21408, 21421, 21601,
                 21602, 21603, 21604, 21606, 21608, 21610, 21612, 21614, 21617, 21620}
_CONFLICT_ERRORS = {21422, 21220, 21452}


def _form(form: Form | None) -> dict[str, str | list[str]] | None:
    """httpx encodes a list value as the name repeated, the way Twilio takes lists."""
    return {k: v if isinstance(v, str) else list(v) for k, v in form.items()} if form else None


TWILIO_API_BASE = "https://api.twilio.com"


class TwilioCarrier(LookupMixin, TrunkingMixin, A2PMixin):
    """Numbers, calls and SMS through Twilio's 2010-04-01 REST API (or anything that speaks it).

    Twilio's other APIs (Lookup, Elastic SIP Trunking, Messaging, TrustHub) live on their own
    hosts (`https://<service>.twilio.com`); an `api_base` other than Twilio's own is an emulator
    that serves each of them under `<api_base>/<service>`.
    """

    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, api_base: str = "https://api.twilio.com",
                 http: httpx.Client | None = None, timeout: float = 10.0) -> None:
        if not account_sid or not auth_token:
            raise CarrierError("The carrier is not configured: set the Twilio account SID and auth token.")
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.base = f"{api_base.rstrip('/')}/{API_VERSION}/Accounts/{account_sid}"
        self.api_base = api_base.rstrip("/")
        self.http = http or httpx.Client(timeout=timeout)

    # --- transport -------------------------------------------------------------------------
    def _request(self, method: str, path: str, *, form: Form | None = None,
                 params: Mapping[str, str] | None = None) -> dict[str, Any]:
        return self._send(method, f"{self.base}/{path}", form, params)

    def service_request(self, method: str, service: str, path: str, *, form: Form | None = None,
                        params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """A request to another Twilio API (`service` is its host's first label, e.g. `lookups`)."""
        root = f"https://{service}.twilio.com" if self.api_base == TWILIO_API_BASE else f"{self.api_base}/{service}"
        return self._send(method, f"{root}/{path}", form, params)

    def _send(self, method: str, url: str, form: Form | None, params: Mapping[str, str] | None) -> dict[str, Any]:
        try:
            resp = self.http.request(method, url, data=_form(form),
                                     params=params, auth=(self.account_sid, self.auth_token))
        except httpx.TimeoutException as exc:
            raise CarrierError("The carrier did not answer in time; try again.", status=503) from exc
        except httpx.HTTPError as exc:
            raise CarrierError(f"The carrier could not be reached ({type(exc).__name__}).", status=503) from exc
        if resp.status_code >= 400:
            raise self._error(resp)
        if resp.status_code == 204 or not resp.content:
            return {}
        return resp.json()

    @staticmethod
    def _error(resp: httpx.Response) -> CarrierError:
        try:
            body = resp.json()
        except ValueError:
            body = {}
        code = body.get("code")
        message = body.get("message") or body.get("detail") or body.get("title") or resp.reason_phrase
        what = f"The carrier refused the request (Twilio error {code}: {message})." if code else \
            f"The carrier refused the request (HTTP {resp.status_code}: {message})."
        if resp.status_code == 401 or code == 20003:
            return CarrierError("The carrier rejected this deployment's credentials (Twilio error 20003); "
                                "check the account SID and auth token.", status=502, code=code)
        if resp.status_code == 429 or code == 20429:
            return CarrierError("The carrier is rate limiting requests; retry shortly.", status=503, code=code)
        if code in _CONFLICT_ERRORS:
            return CarrierError(what, status=409, code=code)
        if code in _INPUT_ERRORS:
            return CarrierError(what, status=400, code=code)
        if resp.status_code == 404:
            return CarrierError(what, status=404, code=code)
        return CarrierError(what, status=502, code=code)

    # --- numbers ---------------------------------------------------------------------------
    def search_numbers(self, country: str, area_code: str | None, limit: int) -> list[AvailableNumber]:
        params = {"PageSize": str(limit), "VoiceEnabled": "true", "SmsEnabled": "true"}
        if area_code:
            params["AreaCode"] = area_code
        data = self._request("GET", f"AvailablePhoneNumbers/{country}/Local.json", params=params)
        return [AvailableNumber(phone_number=n["phone_number"], country=n.get("iso_country") or country,
                                area_code=area_code or n["phone_number"][2:5], city=n.get("locality"),
                                state=n.get("region"))
                for n in data.get("available_phone_numbers", [])]

    def buy_number(self, *, country: str, area_code: str | None, phone_number: str | None,
                   webhooks: NumberWebhooks) -> OwnedNumber:
        form: dict[str, str] = {"VoiceUrl": webhooks.voice_url, "VoiceMethod": "POST",
                                "StatusCallback": webhooks.status_url, "StatusCallbackMethod": "POST",
                                "SmsUrl": webhooks.sms_url, "SmsMethod": "POST"}
        if phone_number:
            return self._buy({**form, "PhoneNumber": phone_number})
        if area_code:  # Twilio picks a free number of the area code: no search-then-buy race
            return self._buy({**form, "AreaCode": area_code})
        for candidate in self.search_numbers(country, None, 5):
            try:
                return self._buy({**form, "PhoneNumber": candidate.phone_number})
            except CarrierError as exc:
                if exc.code != 21422:  # taken since the search: try the next one
                    raise
        raise CarrierError(f"No numbers are available in {country} right now; try an area code.", status=400)

    def _buy(self, form: dict[str, str]) -> OwnedNumber:
        data = self._request("POST", "IncomingPhoneNumbers.json", form=form)
        return OwnedNumber(carrier_id=data["sid"], phone_number=data["phone_number"])

    def release_number(self, carrier_id: str) -> None:
        self._request("DELETE", f"IncomingPhoneNumbers/{carrier_id}.json")

    # --- calls -----------------------------------------------------------------------------
    def place_call(self, *, to: str, from_: str, twiml: str, status_callback: str, timeout_seconds: int = 30,
                   time_limit_seconds: int | None = None, machine_detection: bool = False,
                   amd_callback: str | None = None) -> PlacedCall:
        form: dict[str, str | list[str]] = {
            "To": to, "From": from_, "Twiml": twiml, "StatusCallback": status_callback,
            "StatusCallbackMethod": "POST", "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
            "Timeout": str(timeout_seconds),
        }
        if time_limit_seconds:
            form["TimeLimit"] = str(time_limit_seconds)
        if machine_detection:
            form |= {"MachineDetection": "DetectMessageEnd", "AsyncAmd": "true",
                     "AsyncAmdStatusCallback": amd_callback or status_callback, "AsyncAmdStatusCallbackMethod": "POST"}
        data = self._request("POST", "Calls.json", form=form)
        return PlacedCall(carrier_call_id=data["sid"], status=data.get("status", "queued"))

    def update_call(self, carrier_call_id: str, *, status: Literal["completed", "canceled"] | None = None,
                    twiml: str | None = None) -> None:
        form: dict[str, str] = {}
        if status:
            form["Status"] = status
        if twiml:
            form["Twiml"] = twiml
        try:
            self._request("POST", f"Calls/{carrier_call_id}.json", form=form)
        except CarrierError as exc:
            # Hanging up a call that already ended is success: the goal is met.
            if status and (exc.code in (21220, 20404) or exc.status == 404):
                return
            raise

    def get_call(self, carrier_call_id: str) -> CarrierCall | None:
        try:
            data = self._request("GET", f"Calls/{carrier_call_id}.json")
        except CarrierError as exc:
            if exc.status == 404 or exc.code == 20404:
                return None
            raise
        duration = str(data.get("duration") or "")
        return CarrierCall(status=str(data.get("status") or ""),
                           duration_seconds=int(duration) if duration.isdigit() else None,
                           answered_by=data.get("answered_by"))

    # --- messages --------------------------------------------------------------------------
    def send_message(self, *, to: str, from_: str, body: str, status_callback: str | None,
                     media_url: str | None = None) -> SentMessage:
        form = {"To": to, "From": from_, "Body": body}
        if status_callback:
            form["StatusCallback"] = status_callback
        if media_url:
            form["MediaUrl"] = media_url
        data = self._request("POST", "Messages.json", form=form)
        return SentMessage(carrier_message_id=data["sid"], status=data.get("status", "queued"))
