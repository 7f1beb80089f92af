"""AgentPhone routes this deployment cannot serve: each answers 501 with the reason (README lists them).

iMessage features need Apple's network, which Twilio does not reach; WhatsApp's Embedded Signup is
Meta's onboarding for AgentPhone's own WhatsApp integration. The routes are registered (and in
/openapi.json, tagged `not available`) so a client learns why, instead of 404 "No such route".
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from switchboard.api.deps import ctx

IMESSAGE = ("{what} is an iMessage feature; this deployment's carrier (Twilio) reaches phones by SMS and MMS "
            "only, so it is not available here.")
WHATSAPP = ("WhatsApp's Embedded Signup ({what}) is Meta's onboarding for AgentPhone's hosted WhatsApp "
            "integration; this deployment has no WhatsApp integration, so it is not available here.")
TAG = "not available"

ROUTES: list[tuple[str, str, str]] = [
    ("POST", "/v1/conversations/{conversation_id}/typing", IMESSAGE.format(what="A typing indicator")),
    ("POST", "/v1/conversations/{conversation_id}/background", IMESSAGE.format(what="A chat background")),
    ("DELETE", "/v1/conversations/{conversation_id}/background", IMESSAGE.format(what="A chat background")),
    ("POST", "/v1/messages/{message_id}/reactions", IMESSAGE.format(what="A tapback reaction")),
    ("GET", "/v1/numbers/{number_id}/contact-card", IMESSAGE.format(what="A shared contact card")),
    ("PUT", "/v1/numbers/{number_id}/contact-card", IMESSAGE.format(what="A shared contact card")),
    ("DELETE", "/v1/numbers/{number_id}/contact-card", IMESSAGE.format(what="A shared contact card")),
    ("GET", "/v1/location/{phone_number}", IMESSAGE.format(what="A contact's shared location")),
    ("POST", "/v1/location/refresh", IMESSAGE.format(what="A contact's shared location")),
    ("POST", "/integrations/whatsapp/connect", WHATSAPP.format(what="connect")),
    ("GET", "/integrations/whatsapp/status", WHATSAPP.format(what="status")),
    ("DELETE", "/integrations/whatsapp/{connection_id}", WHATSAPP.format(what="disconnect")),
    ("GET", "/integrations/whatsapp/{connection_id}/available-numbers", WHATSAPP.format(what="available numbers")),
    ("POST", "/integrations/whatsapp/{connection_id}/numbers", WHATSAPP.format(what="connect a number")),
    ("GET", "/integrations/whatsapp/{connection_id}/templates", WHATSAPP.format(what="message templates")),
    ("POST", "/integrations/whatsapp/{connection_id}/templates", WHATSAPP.format(what="message templates")),
    ("DELETE", "/integrations/whatsapp/{connection_id}/templates", WHATSAPP.format(what="message templates")),
]

router = APIRouter(tags=[TAG], dependencies=[Depends(ctx)])


def _answer(reason: str) -> Any:
    def not_available() -> JSONResponse:
        return JSONResponse({"detail": reason, "available": False}, status_code=501)

    not_available.__doc__ = reason
    return not_available


for _method, _path, _reason in ROUTES:
    router.add_api_route(_path, _answer(_reason), methods=[_method], summary=_reason.split(";")[0],
                         responses={501: {"description": _reason}}, status_code=501,
                         operation_id=f"unavailable_{_method.lower()}_{_path.strip('/').replace('/', '_')}"
                         .replace("{", "").replace("}", "").replace("-", "_"))
