"""One-time codes by SMS (`/v1/verify`): sent from one of the scope's numbers, checked once.

A code is kept only as a salted scrypt hash, expires after `CODE_TTL`, and allows `MAX_ATTEMPTS`
wrong guesses; the SMS body is never stored (it holds the code). Sends are limited per
destination with an atomic counter per hour, so a number cannot be flooded.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from switchboard.clock import iso, parse_iso
from switchboard.container import Container
from switchboard.errors import InvalidInput, RateLimited
from switchboard.ids import new_id
from switchboard.scope import list_source
from switchboard.store import keys
from switchboard.store.dynamo import Expr, is_conditional_failure

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
SENDS_PER_HOUR = 5
CODE_DIGITS = 6


def _hash(code: str, salt: bytes) -> str:
    return hashlib.scrypt(code.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32).hex()


def _sender(c: Container, project_id: str) -> dict[str, Any]:
    """The scope's oldest active number: codes come from a number the project owns."""
    pk, index = list_source(project_id)
    expr = Expr()
    active = f"{expr.name('status')} = {expr.value('active')}"
    for number in c.table.query(pk, index=index, prefix="NUMBER#", newest_first=False, filter_=active, expr=expr):
        return number
    raise InvalidInput("Verification codes are sent by SMS from one of your numbers; buy a number first.")


def _count_send(c: Container, project_id: str, to: str) -> None:
    now = c.clock()
    hour = now.strftime("%Y-%m-%dT%H")
    expr = Expr()
    sent = expr.name("sent")
    try:
        c.table.update(keys.verify_rate_pk(project_id, to), f"HOUR#{hour}", add={"sent": 1}, expr=expr,
                       set_={"ttl": int((now + timedelta(hours=2)).timestamp())},
                       condition=f"attribute_not_exists({sent}) OR {sent} < {expr.value(SENDS_PER_HOUR)}")
    except ClientError as exc:
        if not is_conditional_failure(exc):
            raise
        wait = 3600 - (now.minute * 60 + now.second)
        raise RateLimited(f"{SENDS_PER_HOUR} codes were already sent to {to} this hour; try again later.",
                          retry_after=wait) from exc


def send(c: Container, project_id: str, to: str) -> dict[str, Any]:
    number = _sender(c, project_id)
    if to == number["phoneNumber"]:
        raise InvalidInput("'phone_number' is the sending number itself.")
    _count_send(c, project_id, to)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_bytes(16)
    now = c.clock()
    expires = now + CODE_TTL
    sent = c.carrier.send_message(to=to, from_=number["phoneNumber"], status_callback=None,
                                  body=f"Your verification code is {code}. It expires in 10 minutes.")
    verification = c.verifications.create(project_id, {
        "id": new_id("ver"), "phoneNumber": to, "fromNumber": number["phoneNumber"], "channel": "sms",
        "status": "pending", "attempts": 0, "expiresAt": iso(expires), "codeHash": _hash(code, salt),
        "salt": salt.hex(), "carrierMessageId": sent.carrier_message_id,
        "subAccountId": number.get("subAccountId")}, ttl=int((expires + timedelta(days=1)).timestamp()))
    return view(verification)


def view(v: dict[str, Any]) -> dict[str, Any]:
    """Both spellings (the SDK sends snake_case), never the hash."""
    return {"id": v["id"], "verification_id": v["id"], "verificationId": v["id"], "status": v["status"],
            "phoneNumber": v["phoneNumber"], "phone_number": v["phoneNumber"], "channel": "sms",
            "expiresAt": v["expiresAt"], "attemptsRemaining": max(0, MAX_ATTEMPTS - int(v.get("attempts", 0))),
            "createdAt": v["createdAt"]}


def check(c: Container, project_id: str, verification_id: str, code: str) -> dict[str, Any]:
    """Count the attempt first (atomically, conditioned on the bound), then compare in constant time."""
    current = c.verifications.get(project_id, verification_id, consistent=True)
    if current["status"] == "approved":
        raise InvalidInput("This code was already used; send a new one.")
    if c.clock() >= parse_iso(current["expiresAt"]):
        return {**view({**current, "status": "expired"}), "valid": False}
    expr = Expr()
    cond = f"{expr.name('status')} = {expr.value('pending')} AND {expr.name('attempts')} < {expr.value(MAX_ATTEMPTS)}"
    try:
        counted = c.verifications.update(project_id, verification_id, add={"attempts": 1}, condition=cond, expr=expr)
    except ClientError as exc:
        if not is_conditional_failure(exc):
            raise
        return {**view({**current, "status": "failed", "attempts": MAX_ATTEMPTS}), "valid": False}
    good = hmac.compare_digest(_hash(code, bytes.fromhex(counted["salt"])), counted["codeHash"])
    if good:
        counted = c.verifications.update(project_id, verification_id, set_={"status": "approved"})
    elif int(counted["attempts"]) >= MAX_ATTEMPTS:
        counted = c.verifications.update(project_id, verification_id, set_={"status": "failed"})
    return {**view(counted), "valid": good}

