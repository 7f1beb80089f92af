"""The browser socket's door: a web call's token is checked before the WebSocket opens.

The token (in the URL's `token` query parameter) is redeemed once, and the call joined, during the
HTTP handshake: a reused, expired or forged token, or a call that has already ended, gets an HTTP
error instead of a socket, so no audio ever flows on it.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.http11 import Request, Response

from media_relay.browser.records import WebCallRecords
from media_relay.ws import WsConnection
from switchboard.errors import SwitchboardError
from switchboard.logging import logger
from switchboard.store.web_tokens import WebCallGrant

GRANT_ATTR = "web_call_grant"


async def admit(calls: WebCallRecords, connection: WsConnection, request: Request) -> Response | None:
    token = (parse_qs(urlsplit(request.path).query).get("token") or [""])[0]
    if not token:
        return connection.respond(HTTPStatus.UNAUTHORIZED, "A web call needs its access token (?token=...).\n")
    try:
        grant = await calls.redeem(token)
        await calls.join(grant)
    except SwitchboardError as exc:
        logger.warning("web call refused", extra={"reason": exc.detail})
        return connection.respond(HTTPStatus(exc.status), exc.detail + "\n")
    setattr(connection, GRANT_ATTR, grant)
    return None


def grant_of(connection: Any) -> WebCallGrant | None:
    return getattr(connection, GRANT_ATTR, None)
