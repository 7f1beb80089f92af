"""Web calls' access tokens: random, stored only as a hash, good once and for a short time.

Redeeming deletes the token's item in the same request that reads it (a conditional delete that
returns the old item), so two sockets presenting one token cannot both get in.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError

from switchboard.errors import Forbidden
from switchboard.store import keys
from switchboard.store.dynamo import Table, deserialize, is_conditional_failure, serialize


@dataclass(frozen=True)
class WebCallGrant:
    project_id: str
    call_id: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class WebTokenRepo:
    def __init__(self, table: Table, now: Callable[[], float] = time.time) -> None:
        self.table = table
        self.now = now

    def issue(self, project_id: str, call_id: str, expires_at: int) -> str:
        token = "wct_" + secrets.token_urlsafe(32)
        self.table.put({"pk": keys.web_token_pk(_hash(token)), "sk": keys.WEB_TOKEN_SK, "kind": "webtoken",
                        "projectId": str(project_id), "callId": call_id, "expiresAt": expires_at,
                        "ttl": expires_at + 3600})
        return token

    def redeem(self, token: str) -> WebCallGrant:
        """The call a token admits to, once; Forbidden for an unknown, used or expired token."""
        if not token.startswith("wct_") or len(token) > 100:
            raise Forbidden("This web call token is not valid.")
        try:
            resp = self.table.client.delete_item(
                TableName=self.table.name, Key=serialize({"pk": keys.web_token_pk(_hash(token)),
                                                          "sk": keys.WEB_TOKEN_SK}),
                ConditionExpression="attribute_exists(pk)", ReturnValues="ALL_OLD")
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise Forbidden("This web call token is not valid or was already used.") from exc
            raise
        item = deserialize(resp["Attributes"])
        if self.now() >= int(item["expiresAt"]):
            raise Forbidden("This web call token has expired; start a new web call.")
        return WebCallGrant(item["projectId"], item["callId"])
