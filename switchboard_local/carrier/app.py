"""The local carrier's REST side: Twilio's 2010-04-01 API for numbers, calls and messages.

It checks requests the way Twilio does (Basic auth, the account in the path, form encoding,
required fields, E.164, numbers owned by the account) and answers with Twilio-shaped JSON
and errors, so the Twilio adapter runs unchanged against it.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from switchboard.formdata import parse_form
from switchboard_local.carrier.errors import TwilioError, not_found
from switchboard_local.carrier.state import CarrierState

# Twilio's other APIs, each on its own host there (`<service>.twilio.com`), under a path prefix here.
SERVICE_PREFIXES = ("/lookups/", "/trunking/", "/messaging/", "/trusthub/")
CallHook = Callable[[dict[str, Any]], Awaitable[None] | None]


def _credentials(request: Request) -> tuple[str, str]:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    return (user, password) if scheme.lower() == "basic" else ("", "")


async def _form(request: Request) -> dict[str, list[str]]:
    if request.method != "POST":
        return {}
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise TwilioError(400, 20001, "Requests must be application/x-www-form-urlencoded.")
    return parse_form(await request.body())


def create_app(account_sid: str, auth_token: str, state: CarrierState | None = None,
               on_call: CallHook | None = None) -> FastAPI:
    """`on_call` is told about each call placed; by default the carrier itself answers it."""
    state = state or CarrierState()
    app = FastAPI(title="Switchboard local carrier (Twilio protocol)", docs_url=None, redoc_url=None)
    app.state.carrier = state
    base = f"/2010-04-01/Accounts/{account_sid}"

    @app.exception_handler(TwilioError)
    async def _twilio_error(_: Request, exc: TwilioError) -> JSONResponse:
        return exc.response()

    @app.middleware("http")
    async def _auth(request: Request, call_next: Any) -> Any:
        user, password = _credentials(request)
        if not (hmac.compare_digest(user, account_sid) and hmac.compare_digest(password, auth_token)):
            return TwilioError(401, 20003, "Authenticate").response()
        if not request.url.path.startswith((base + "/", *SERVICE_PREFIXES)):
            return not_found(request.url.path).response()
        return await call_next(request)

    from switchboard_local.carrier import outbound, rest_a2p, rest_calls, rest_numbers, rest_trunking

    if on_call is None:  # placed calls ring, are answered and talk (see carrier.outbound)
        calls = outbound.OutboundCalls(state, account_sid, auth_token)
        app.state.outbound = calls
        outbound.install(app, base, calls, _form)
        on_call = calls.on_call
    rest_numbers.install(app, base, account_sid, state, _form)
    rest_calls.install(app, base, account_sid, state, _form, on_call)
    rest_trunking.install(app, base, state, _form)
    rest_a2p.install(app, state, _form)
    return app

