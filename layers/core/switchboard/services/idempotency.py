"""`Idempotency-Key` for creating calls, numbers and messages, on Powertools' idempotency utility.

Only requests that carry the header take the idempotent path: keyed on [project, key], a
request without a key would otherwise share one stored result with every other key-less
request of its project (aws.md §4).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from switchboard.errors import Conflict, InvalidInput
from switchboard.scope import sub_of
from switchboard.store import keys

TTL_SECONDS = 24 * 3600


class Idempotency:
    def __init__(self, dynamodb_client: Any, table_name: str) -> None:
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        self.layer = DynamoDBPersistenceLayer(
            table_name=table_name, key_attr="pk", sort_key_attr="sk", static_pk_value="IDEMPOTENCY",
            expiry_attr="ttl", boto3_client=dynamodb_client,
        )

    def run(self, operation: str, project_id: str, key: str | None, body: dict[str, Any],
            act: Callable[[], dict[str, Any]], *, lambda_context: Any = None) -> dict[str, Any]:
        """Run `act` once per (project, key) within 24 h; a repeat returns the first result.

        With `lambda_context`, a run cut short by the function's timeout stops blocking retries
        once that time has passed (Powertools' in-progress expiry).
        """
        if key is None:
            return act()
        if not key.strip() or len(key) > 255:
            raise InvalidInput("Idempotency-Key must be 1 to 255 characters.")
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        config = IdempotencyConfig(
            event_key_jmespath="[project, key]", payload_validation_jmespath="body",
            expires_after_seconds=TTL_SECONDS, raise_on_no_idempotency_key=True, use_local_cache=False,
        )
        if lambda_context is not None:
            config.register_lambda_context(lambda_context)

        @idempotent_function(data_keyword_argument="request", persistence_store=self.layer, config=config,
                             key_prefix=operation)
        def once(request: dict[str, Any]) -> dict[str, Any]:
            return act()

        try:
            # A sub-account's keys are its own: the same key under another scope acts anew.
            scope = str(project_id) + keys.sub_suffix(sub_of(project_id))
            return once(request={"project": scope, "key": key, "body": body})
        except IdempotencyValidationError as exc:
            raise Conflict("This Idempotency-Key was already used with a different request body.") from exc
        except IdempotencyAlreadyInProgressError as exc:
            raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.") from exc
