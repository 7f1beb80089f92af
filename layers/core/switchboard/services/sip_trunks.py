"""SIP trunks: an Elastic SIP Trunk at the carrier, its credentials in Secrets Manager.

The password is shown once, when the trunk is made or its credentials are rotated (a PATCH with
no fields); afterwards only its last four characters are. Numbers attached to a trunk have their
inbound calls sent to the trunk's origination URIs (your SIP infrastructure).
"""

from __future__ import annotations

import secrets
from typing import Any

from botocore.exceptions import ClientError

from switchboard.container import Container
from switchboard.errors import Conflict, InvalidInput, SwitchboardError
from switchboard.ids import new_id
from switchboard.logging import logger
from switchboard.store.dynamo import Expr, is_conditional_failure

TRANSFER_MODES = {"all": "enable-all", "sip": "sip-only", "none": "disable-all"}
CALLER_IDS = {"transferee": "from-transferee", "transferor": "from-transferor"}


def new_password() -> str:
    """24 random characters meeting the carrier's rule (a digit, a lower and an upper case letter)."""
    while True:
        candidate = secrets.token_urlsafe(18)
        if any(c.isdigit() for c in candidate) and any(c.islower() for c in candidate) and any(
                c.isupper() for c in candidate):
            return candidate


def view(trunk: dict[str, Any], password: str | None = None) -> dict[str, Any]:
    """The trunk in the SDK's shape; the password only when it was just made."""
    credential = {"username": trunk["username"], "passwordLast4": trunk["passwordLast4"],
                  "credentialListName": trunk["credentialListName"]}
    if password is not None:
        credential["password"] = password
    return {"id": trunk["id"], "name": trunk["name"], "provider": "twilio", "encrypted": trunk["encrypted"],
            "transport": "tls" if trunk["encrypted"] else "udp",
            "mediaEncryption": "srtp" if trunk["encrypted"] else "disabled",
            "transfers": trunk["transfers"], "transferCallerId": trunk["transferCallerId"],
            "terminationSipUri": f"sip:{trunk['domainName']}", "createdAt": trunk["createdAt"],
            "updatedAt": trunk["updatedAt"], "originationUris": trunk.get("originationUris") or [],
            "allowedIps": [], "proxyIps": [], "credentials": [credential], "subAccountId": trunk.get("subAccountId"),
            "attachedNumbers": int(trunk.get("attachedNumbers", 0))}


def create(c: Container, project_id: str, body: dict[str, Any]) -> dict[str, Any]:
    trunk_id = new_id("trunk")
    name = body.get("name") or "SIP trunk"
    transfers, caller_id = body.get("transfers") or "none", body.get("transfer_caller_id") or "transferee"
    encrypted = body.get("encrypted", True)
    username, password = f"sb-{secrets.token_hex(6)}", new_password()
    domain = f"sb-{trunk_id.split('_', 1)[1][-16:].lower()}.pstn.twilio.com"
    made = c.carrier.create_trunk(name=name, domain_name=domain, transfer_mode=TRANSFER_MODES[transfers],
                                  transfer_caller_id=CALLER_IDS[caller_id], secure=encrypted, username=username,
                                  password=password)
    arn = None
    try:
        arn = c.secrets.create(trunk_id, {"username": username, "password": password})
        if body.get("originationUris"):
            c.carrier.set_origination(made.trunk_sid, body["originationUris"])
        trunk = c.sip_trunks.create(project_id, {
            "id": trunk_id, "name": name, "transfers": transfers, "transferCallerId": caller_id,
            "encrypted": encrypted, "domainName": made.domain_name, "username": username,
            "passwordLast4": password[-4:], "credentialListName": f"{name} credentials", "secretArn": arn,
            "carrierTrunkSid": made.trunk_sid, "credentialListSid": made.credential_list_sid,
            "credentialSid": made.credential_sid, "originationUris": body.get("originationUris") or [],
            "attachedNumbers": 0})
    except Exception:
        _undo(c, made.trunk_sid, made.credential_list_sid, arn)
        raise
    return view(trunk, password)


def _undo(c: Container, trunk_sid: str, list_sid: str, arn: str | None) -> None:
    try:
        c.carrier.delete_trunk(trunk_sid, list_sid)
        if arn:
            c.secrets.delete(arn)
    except (SwitchboardError, ClientError):
        logger.exception("could not undo a half-made SIP trunk", extra={"trunkSid": trunk_sid})


def update(c: Container, project_id: str, trunk_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Change what is sent; with nothing sent, rotate the credentials and show the new password once."""
    trunk = c.sip_trunks.get(project_id, trunk_id)
    if not body:
        return _rotate(c, project_id, trunk)
    c.carrier.update_trunk(trunk["carrierTrunkSid"], name=body.get("name"),
                           transfer_mode=TRANSFER_MODES.get(body.get("transfers") or ""),
                           transfer_caller_id=CALLER_IDS.get(body.get("transfer_caller_id") or ""))
    if "originationUris" in body:
        c.carrier.set_origination(trunk["carrierTrunkSid"], body["originationUris"])
    changes = {k: v for k, v in {"name": body.get("name"), "transfers": body.get("transfers"),
                                 "transferCallerId": body.get("transfer_caller_id"),
                                 "originationUris": body.get("originationUris")}.items() if v is not None}
    return view(c.sip_trunks.update(project_id, trunk_id, set_=changes))


def _rotate(c: Container, project_id: str, trunk: dict[str, Any]) -> dict[str, Any]:
    password = new_password()
    c.carrier.rotate_trunk_password(trunk["credentialListSid"], trunk["credentialSid"], password)
    c.secrets.put(trunk["secretArn"], {"username": trunk["username"], "password": password})
    updated = c.sip_trunks.update(project_id, trunk["id"], set_={"passwordLast4": password[-4:]})
    return view(updated, password)


def delete(c: Container, project_id: str, trunk_id: str) -> dict[str, Any]:
    """Delete a trunk no number uses (409 otherwise): at the carrier, its secret, then the record."""
    trunk = c.sip_trunks.get(project_id, trunk_id)
    if int(trunk.get("attachedNumbers", 0)) > 0:
        raise Conflict(f"SIP trunk '{trunk_id}' still carries phone numbers; detach them first "
                       "(PATCH /v1/numbers/{id} with sipTrunkId null).")
    c.carrier.delete_trunk(trunk["carrierTrunkSid"], trunk["credentialListSid"])
    c.secrets.delete(trunk["secretArn"])
    expr = Expr()
    held = expr.name("attachedNumbers")
    try:
        c.sip_trunks.delete(project_id, trunk_id, expr=expr,
                            condition=f"attribute_not_exists({held}) OR {held} <= {expr.value(0)}")
    except ClientError as exc:
        if is_conditional_failure(exc):
            raise Conflict(f"A number was attached to SIP trunk '{trunk_id}' meanwhile; detach it first.") from exc
        raise
    return {"success": True, "id": trunk_id}


def route_number(c: Container, project_id: str, number: dict[str, Any], trunk_id: str | None) -> None:
    """Send a number's inbound calls to a trunk (or, with None, back to its agent), counting its numbers."""
    current = number.get("sipTrunkId")
    if trunk_id == current:
        return
    if trunk_id is not None:
        trunk = c.sip_trunks.get(project_id, trunk_id)
        if trunk.get("subAccountId") != number.get("subAccountId"):
            raise Conflict(f"SIP trunk '{trunk_id}' and phone number '{number['id']}' belong to different "
                           "sub-accounts.")
        if not trunk.get("originationUris"):
            raise InvalidInput(f"SIP trunk '{trunk_id}' has no origination URI to send calls to; set "
                               "'originationUris' on it first.")
    if current:
        old = c.sip_trunks.get(str(project_id), current)
        c.carrier.route_number_to_trunk(old["carrierTrunkSid"], number["carrierId"], False)
        c.sip_trunks.update(str(project_id), current, add={"attachedNumbers": -1})
    if trunk_id is not None:
        c.carrier.route_number_to_trunk(trunk["carrierTrunkSid"], number["carrierId"], True)
        c.sip_trunks.update(project_id, trunk_id, add={"attachedNumbers": 1})
