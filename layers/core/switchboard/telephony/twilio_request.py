"""Reading a carrier callback: its form fields and whether Twilio really signed it."""

from __future__ import annotations

from fastapi import Request

from switchboard.container import Container
from switchboard.errors import Forbidden
from switchboard.formdata import parse_form


async def signed_form(request: Request, c: Container) -> dict[str, str]:
    """The callback's form fields, after checking X-Twilio-Signature against our public URL.

    The URL Twilio signed is the one it was given: this deployment's public base URL plus
    the path and the raw query, never the Host header a proxy may have rewritten.
    """
    from switchboard.carrier import signature

    params = parse_form(await request.body())
    url = c.settings.public_base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    header = request.headers.get("x-twilio-signature", "")
    if not header or not signature.validate(url, params, header, c.carrier.auth_token):
        raise Forbidden("Invalid or missing X-Twilio-Signature.")
    return {name: values[-1] for name, values in params.items()}
