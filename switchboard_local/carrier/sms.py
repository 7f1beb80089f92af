"""Texts on the local carrier, the way Twilio handles them.

A text sent through `Messages.json` to one of the emulator's own numbers is delivered as an
inbound SMS to that number's `sms_url` (a signed form post, like Twilio's); a text to any other
number is recorded, where a local "phone" (`cli text`) reads it with `GET Messages.json?To=`.
Either way the sender's `StatusCallback` then hears queued → sent → delivered, signed.

Test numbers, after Twilio's magic numbers: texts to +15005550001/2/4/9 are refused at once
(21211, 21612, 21610, 21614); texts to +1500555030X (X = 1..8) are accepted, then reported
`undelivered` with error 3000X, so delivery failures can be tried locally.
"""

from __future__ import annotations

import base64
import binascii

import httpx
from fastapi import Request

from switchboard.carrier import signature
from switchboard.logging import logger
from switchboard_local.carrier.errors import TwilioError
from switchboard_local.carrier.state import CarrierState, rfc2822, sid

API_VERSION = "2010-04-01"
REFUSED = {
    "+15005550001": (21211, "The 'To' number +15005550001 is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable via SMS."),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}
UNDELIVERABLE_PREFIX = "+1500555030"


def check_deliverable(to: str) -> None:
    """Refuse at once what Twilio refuses at once (its magic test numbers)."""
    if to in REFUSED:
        code, message = REFUSED[to]
        raise TwilioError(400, code, message)


def request_token(request: Request) -> str:
    """The auth token the request authenticated with (the middleware has checked it): it signs callbacks."""
    _, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        return base64.b64decode(encoded).decode().partition(":")[2]
    except (binascii.Error, UnicodeDecodeError):
        return ""


def _progress(to: str) -> list[tuple[str, str | None]]:
    """The statuses a text goes through after `queued`, with the error code of a failure."""
    last = to[-1]
    if to.startswith(UNDELIVERABLE_PREFIX) and len(to) == 12 and last in "12345678":
        return [("sent", None), ("undelivered", f"3000{last}")]
    return [("sent", None), ("delivered", None)]


def inbound_form(*, account_sid: str, from_: str, to: str, body: str, message_sid: str | None = None,
                 media_urls: list[str] | None = None) -> dict[str, str]:
    """The form Twilio posts to a number's SmsUrl when a text arrives."""
    msg_sid = message_sid or sid("SM")
    media = media_urls or []
    form = {"MessageSid": msg_sid, "SmsSid": msg_sid, "SmsMessageSid": msg_sid, "AccountSid": account_sid,
            "From": from_, "To": to, "Body": body, "NumMedia": str(len(media)),
            "NumSegments": str(1 + len(body) // 160), "SmsStatus": "received", "ApiVersion": API_VERSION}
    form |= {f"MediaUrl{i}": url for i, url in enumerate(media)}
    return form


async def send_inbound_sms(http: httpx.AsyncClient, sms_url: str, form: dict[str, str],
                           auth_token: str) -> httpx.Response:
    """POST an inbound-SMS form to a platform's SMS webhook, signed as Twilio signs it."""
    body, headers = signature.signed_form(sms_url, form, auth_token)
    return await http.post(sms_url, content=body, headers=headers)


def _set_status(state: CarrierState, message: dict[str, object], status: str, code: str | None) -> None:
    with state.lock:
        message["status"] = status
        if status == "sent":
            message["date_sent"] = rfc2822()
        if code:
            message["error_code"] = int(code)
            message["error_message"] = f"Delivery failed (error {code})."


async def _hand_over(http: httpx.AsyncClient, state: CarrierState, message: dict[str, object],
                     account_sid: str, auth_token: str) -> None:
    """A text to one of our own numbers arrives there as an inbound SMS."""
    number = state.number_by_phone(str(message["to"]))
    if number is None or not number.get("sms_url"):
        return
    form = inbound_form(account_sid=account_sid, from_=str(message["from"]), to=str(message["to"]),
                        body=str(message["body"]), media_urls=list(message.get("media_urls") or []))
    inbound = {**message, "sid": form["MessageSid"], "direction": "inbound", "status": "received",
               "status_callback": None, "date_created": rfc2822()}
    with state.lock:
        state.messages[inbound["sid"]] = inbound
    resp = await send_inbound_sms(http, number["sms_url"], form, auth_token)
    if resp.status_code >= 400:
        logger.warning("the SMS webhook refused a local text", extra={"status": resp.status_code, "to": message["to"]})


async def _report(http: httpx.AsyncClient, message: dict[str, object], status: str, code: str | None,
                  account_sid: str, auth_token: str) -> None:
    url = message.get("status_callback")
    if not url:
        return
    form = {"MessageSid": str(message["sid"]), "SmsSid": str(message["sid"]), "MessageStatus": status,
            "SmsStatus": status, "AccountSid": account_sid, "From": str(message["from"]), "To": str(message["to"]),
            "ApiVersion": API_VERSION}
    if code:
        form["ErrorCode"] = code
    body, headers = signature.signed_form(str(url), form, auth_token)
    await http.post(str(url), content=body, headers=headers)


async def deliver(state: CarrierState, message: dict[str, object], *, account_sid: str, auth_token: str) -> None:
    """Run after `Messages.json` answered: hand the text over, then report its progress in order."""
    async with httpx.AsyncClient(timeout=15) as http:
        try:
            await _report(http, message, "queued", None, account_sid, auth_token)
            await _hand_over(http, state, message, account_sid, auth_token)
            for status, code in _progress(str(message["to"])):
                _set_status(state, message, status, code)
                await _report(http, message, status, code, account_sid, auth_token)
        except httpx.HTTPError as exc:
            logger.warning("local carrier could not deliver a text", extra={"sid": message["sid"], "error": str(exc)})


def listing(state: CarrierState, to: str | None, from_: str | None) -> list[dict[str, object]]:
    """Messages newest first (Twilio's order), optionally only those to / from a number."""
    with state.lock:
        found = [dict(m) for m in state.messages.values()
                 if to in (None, m["to"]) and from_ in (None, m["from"])]
    return list(reversed(found))
