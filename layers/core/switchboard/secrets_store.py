"""Secrets Manager as a small store of JSON secrets (SIP trunk credentials), named under a prefix.

Locally moto's server emulates Secrets Manager over HTTP, so the same calls run in both places.
"""

from __future__ import annotations

import json
from typing import Any


class SecretStore:
    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.prefix = prefix.rstrip("/")

    def create(self, name: str, value: dict[str, Any]) -> str:
        """Store a new secret; returns its ARN (kept beside the resource, never the value)."""
        resp = self.client.create_secret(Name=f"{self.prefix}/{name}", SecretString=json.dumps(value))
        return str(resp["ARN"])

    def put(self, arn: str, value: dict[str, Any]) -> None:
        self.client.put_secret_value(SecretId=arn, SecretString=json.dumps(value))

    def get(self, arn: str) -> dict[str, Any]:
        return dict(json.loads(self.client.get_secret_value(SecretId=arn)["SecretString"]))

    def delete(self, arn: str) -> None:
        """Delete at once: a trunk's credentials are useless once the trunk is gone."""
        try:
            self.client.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
        except self.client.exceptions.ResourceNotFoundException:
            return
