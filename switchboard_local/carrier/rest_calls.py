"""Calls and Messages: placed calls and sent texts are recorded; the dialer (if any) runs calls."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import BackgroundTasks, FastAPI, Request

from switchboard_local.carrier import sms
from switchboard_local.carrier.errors import TwilioError, not_found
from switchboard_local.carrier.rest_trunking import route_for
from switchboard_local.carrier.state import CarrierState, rfc2822, sid
from switchboard_local.carrier.validation import check_to, require

FormReader = Callable[[Request], Awaitable[dict[str, list[str]]]]
TERMINAL = {"completed", "busy", "no-answer", "failed", "canceled"}
TWIML_LIMIT = 4000


def _owned_from(state: CarrierState, from_: str, code: int) -> None:
    if state.number_by_phone(from_) is None:
        raise TwilioError(400, code, f"The 'From' number {from_} is not a phone number of this account.")


def install(app: FastAPI, base: str, account_sid: str, state: CarrierState, read_form: FormReader,
            on_call: Callable[[dict[str, Any]], Any] | None) -> None:
    def new_call(call_sid: str, to: str, from_: str, status: str, direction: str, **fields: Any) -> dict[str, Any]:
        """A call as the emulator keeps it (Twilio's resource fields, plus the TwiML and REST updates)."""
        call = {"sid": call_sid, "account_sid": account_sid, "to": to, "from": from_, "status": status,
                "direction": direction, "answered_by": None, "start_time": None, "end_time": None,
                "duration": None, "price": None, "parent_call_sid": None, "date_created": rfc2822(),
                "api_version": "2010-04-01", "twiml": None, "url": None, "status_callback": None,
                "status_callback_event": [], "machine_detection": None, "amd_callback": None, "updates": [],
                "uri": f"{base}/Calls/{call_sid}.json", **fields}
        with state.lock:
            state.calls[call_sid] = call
        return call

    @app.post(base + "/Calls.json", status_code=201)
    async def place(request: Request) -> dict[str, Any]:
        form = await read_form(request)
        to = require(form, "To", 21201, "No 'To' number is specified")
        from_ = require(form, "From", 21213, "No 'From' number is specified")
        check_to(to)
        _owned_from(state, from_, 21212)
        twiml, url = (form.get("Twiml") or [""])[-1], (form.get("Url") or [""])[-1]
        if not twiml and not url:
            raise TwilioError(400, 21205, "Url or Twiml parameter is required")
        if len(twiml) > TWIML_LIMIT:
            raise TwilioError(400, 21236, f"Twiml is longer than {TWIML_LIMIT} characters")
        call = new_call(
            sid("CA"), to, from_, "queued", "outbound-api", twiml=twiml or None, url=url or None,
            status_callback=(form.get("StatusCallback") or [None])[-1],
            status_callback_event=form.get("StatusCallbackEvent", []),
            machine_detection=(form.get("MachineDetection") or [None])[-1],
            amd_callback=(form.get("AsyncAmdStatusCallback") or [None])[-1])
        if on_call is not None:
            result = on_call(call)
            if inspect.isawaitable(result):
                await result
        return _public(call)

    @app.get(base + "/Calls.json")
    def list_calls(To: str | None = None) -> dict[str, Any]:
        with state.lock:
            calls = [_public(c) for c in state.calls.values() if To in (None, c["to"])]
        return {"calls": calls, "uri": f"{base}/Calls.json"}

    @app.get(base + "/Calls/{call_sid}.json")
    def get_call(call_sid: str) -> dict[str, Any]:
        with state.lock:
            call = state.calls.get(call_sid)
        if call is None:
            raise not_found(f"Calls/{call_sid}")
        return _public(call)

    @app.post(base + "/Calls/{call_sid}.json")
    async def update_call(call_sid: str, request: Request) -> dict[str, Any]:
        form = await read_form(request)
        status, twiml = (form.get("Status") or [None])[-1], (form.get("Twiml") or [None])[-1]
        if status not in (None, "completed", "canceled"):
            raise TwilioError(400, 21218, f"Status {status} is not a valid update")
        with state.lock:
            call = state.calls.get(call_sid)
            if call is None:
                raise not_found(f"Calls/{call_sid}")
            if call["status"] in TERMINAL:
                raise TwilioError(400, 21220, "Call is not in-progress. Cannot redirect.")
            call["updates"].append({"status": status, "twiml": twiml})
            if status == "canceled" and call["status"] in ("queued", "ringing"):
                call["status"] = "canceled"
            elif status == "completed":
                call["status"] = "completed" if call["status"] == "in-progress" else "canceled"
            elif twiml:
                call["twiml"] = twiml
        return _public(call)

    # Emulator-only: the local dialer registers the inbound calls it places, so REST updates from the
    # platform (hang up, transfer) reach them, and reports when they end. Twilio has no such routes.
    @app.post(base + "/Local/InboundCalls.json", status_code=201)
    async def register_inbound(request: Request) -> dict[str, Any]:
        form = await read_form(request)
        call_sid = require(form, "CallSid", 21201, "No 'CallSid' is specified")
        to = require(form, "To", 21201, "No 'To' number")
        routed = route_for(state, to)  # a number on a SIP trunk rings the trunk's origination URL instead
        call = new_call(call_sid, to, require(form, "From", 21213, "No 'From' number"),
                        "completed" if routed else "in-progress", "inbound", start_time=rfc2822(), routed_to=routed)
        return {**_public(call), "routedTo": routed}

    @app.post(base + "/Local/InboundCalls/{call_sid}.json")
    async def inbound_ended(call_sid: str, request: Request) -> dict[str, Any]:
        form = await read_form(request)
        with state.lock:
            call = state.calls.get(call_sid)
            if call is None:
                raise not_found(f"Calls/{call_sid}")
            if call["status"] not in TERMINAL:
                call["status"] = (form.get("Status") or ["completed"])[-1]
                call["end_time"] = rfc2822()
                call["duration"] = (form.get("Duration") or [None])[-1]
        return _public(call)

    @app.post(base + "/Messages.json", status_code=201)
    async def send(request: Request, background: BackgroundTasks) -> dict[str, Any]:
        form = await read_form(request)
        to = require(form, "To", 21604, "A 'To' phone number is required")
        from_ = require(form, "From", 21603, "A 'From' phone number is required")
        check_to(to)
        _owned_from(state, from_, 21606)
        sms.check_deliverable(to)
        body, media = (form.get("Body") or [""])[-1], form.get("MediaUrl", [])
        if not body and not media:
            raise TwilioError(400, 21602, "Message body is required")
        if len(body) > 1600:
            raise TwilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit")
        message = {"sid": sid("SM"), "account_sid": account_sid, "to": to, "from": from_, "body": body,
                   "status": "queued", "direction": "outbound-api", "num_segments": str(1 + len(body) // 160),
                   "num_media": str(len(media)), "media_urls": media, "error_code": None, "error_message": None,
                   "date_created": rfc2822(), "date_sent": None, "price": None, "api_version": "2010-04-01",
                   "status_callback": (form.get("StatusCallback") or [None])[-1]}
        message["uri"] = f"{base}/Messages/{message['sid']}.json"
        with state.lock:
            state.messages[message["sid"]] = message
        # Delivery and status callbacks follow the 201, as with Twilio.
        background.add_task(sms.deliver, state, message, account_sid=account_sid,
                            auth_token=sms.request_token(request))
        return dict(message)

    @app.get(base + "/Messages.json")
    def list_messages(To: str | None = None, From: str | None = None) -> dict[str, Any]:
        return {"messages": sms.listing(state, To, From), "uri": f"{base}/Messages.json", "page": 0,
                "page_size": 50, "next_page_uri": None}

    @app.get(base + "/Messages/{message_sid}.json")
    def get_message(message_sid: str) -> dict[str, Any]:
        with state.lock:
            message = state.messages.get(message_sid)
            if message is None:
                raise not_found(f"Messages/{message_sid}")
            return dict(message)


def _public(call: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in call.items() if k not in ("updates",)}
