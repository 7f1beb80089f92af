"""A small typed wrapper over the low-level DynamoDB client (cheaper to import than resources).

Items go in and out as plain dicts of JSON-like values; floats travel as Decimal.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from switchboard.store import attribute_values
from switchboard.store.write_guard import CONFLICT_RETRIES, conflicted, writing

# DynamoDB's key limits (UTF-8 bytes): an item whose key would be longer cannot exist.
MAX_PK_BYTES, MAX_SK_BYTES = 2048, 1024
BATCH_WRITE_MAX = 25  # items per BatchWriteItem request


def key_fits(pk: str, sk: str | None = None) -> bool:
    """False when a client-supplied id makes a key DynamoDB would refuse: no such item can exist."""
    return len(pk.encode("utf-8", "surrogatepass")) <= MAX_PK_BYTES and (
        sk is None or len(sk.encode("utf-8", "surrogatepass")) <= MAX_SK_BYTES)


KEY_ATTRS = ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "gsi4pk", "gsi4sk", "gsi5pk",
             "gsi5sk", "gsi6pk", "gsi6sk", "ttl", "kind")


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_from_dynamo(v) for v in value]
    return value


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: attribute_values.serialize(_to_dynamo(v)) for k, v in item.items()}


def deserialize(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _from_dynamo(attribute_values.deserialize(v)) for k, v in raw.items()}


def strip_keys(item: Mapping[str, Any]) -> dict[str, Any]:
    """The resource document without the table's key attributes."""
    return {k: v for k, v in item.items() if k not in KEY_ATTRS}


def is_conditional_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in (
        "ConditionalCheckFailedException",
        "TransactionCanceledException",
    )


class Expr:
    """Builds expression attribute names/values with unique placeholders."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, attr: str) -> str:
        key = f"#n{len(self.names)}"
        self.names[key] = attr
        return key

    def value(self, val: Any) -> str:
        key = f":v{len(self.values)}"
        self.values[key] = val
        return key

    def apply(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.names:
            request["ExpressionAttributeNames"] = self.names
        if self.values:
            request["ExpressionAttributeValues"] = serialize(self.values)
        return request


def put_op(item: Mapping[str, Any], *, new: bool = False, condition: str | None = None,
           expr: Expr | None = None) -> dict[str, Any]:
    """A transaction Put; `new=True` makes it fail if the key already exists."""
    body: dict[str, Any] = {"Item": serialize(item)}
    cond = "attribute_not_exists(pk)" if new else condition
    if cond:
        body["ConditionExpression"] = cond
    return {"Put": (expr or Expr()).apply(body)}


def update_op(pk: str, sk: str, *, set_: Mapping[str, Any] | None = None,
              add: Mapping[str, int | float] | None = None, remove: list[str] | None = None,
              condition: str | None = None, expr: Expr | None = None) -> dict[str, Any]:
    """A transaction Update (same clauses as `Table.update`)."""
    expr = expr or Expr()
    body: dict[str, Any] = {"Key": serialize({"pk": pk, "sk": sk}),
                            "UpdateExpression": update_expression(expr, set_, add, remove)}
    if condition:
        body["ConditionExpression"] = condition
    return {"Update": expr.apply(body)}


def delete_op(pk: str, sk: str, *, condition: str | None = None, expr: Expr | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"Key": serialize({"pk": pk, "sk": sk})}
    if condition:
        body["ConditionExpression"] = condition
    return {"Delete": (expr or Expr()).apply(body)}


def update_expression(expr: Expr, set_: Mapping[str, Any] | None, add: Mapping[str, int | float] | None,
                      remove: list[str] | None) -> str:
    clauses = []
    if set_:
        clauses.append("SET " + ", ".join(f"{expr.name(k)} = {expr.value(v)}" for k, v in set_.items()))
    if add:
        clauses.append("ADD " + ", ".join(f"{expr.name(k)} {expr.value(v)}" for k, v in add.items()))
    if remove:
        clauses.append("REMOVE " + ", ".join(expr.name(k) for k in remove))
    return " ".join(clauses)


class Table:
    """One DynamoDB table. Conditional writes raise ClientError; callers map them to domain errors."""

    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name

    def get(self, pk: str, sk: str, *, consistent: bool = False) -> dict[str, Any] | None:
        if not key_fits(pk, sk):
            return None
        resp = self.client.get_item(
            TableName=self.name, Key=serialize({"pk": pk, "sk": sk}), ConsistentRead=consistent
        )
        raw = resp.get("Item")
        return deserialize(raw) if raw else None

    def batch_get(self, keys: list[tuple[str, str]], *, consistent: bool = False) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        keys = [(pk, sk) for pk, sk in keys if key_fits(pk, sk)]
        for start in range(0, len(keys), 100):
            pending = {
                self.name: {"Keys": [serialize({"pk": pk, "sk": sk}) for pk, sk in keys[start : start + 100]],
                            "ConsistentRead": consistent}
            }
            while pending:
                resp = self.client.batch_get_item(RequestItems=pending)
                found.extend(deserialize(i) for i in resp.get("Responses", {}).get(self.name, []))
                pending = resp.get("UnprocessedKeys") or {}
        return found

    def put(self, item: Mapping[str, Any], *, condition: str | None = None, expr: Expr | None = None) -> None:
        request: dict[str, Any] = {"TableName": self.name, "Item": serialize(item)}
        if condition:
            request["ConditionExpression"] = condition
        (expr or Expr()).apply(request)
        writing(self.client.put_item, **request)

    def batch_put(self, items: list[Mapping[str, Any]], sleep: Any = time.sleep) -> None:
        """Put `items` (distinct keys) with BatchWriteItem, 25 a request; what DynamoDB leaves unprocessed
        (throttling) is sent again after a short backoff."""
        for start in range(0, len(items), BATCH_WRITE_MAX):
            chunk = items[start:start + BATCH_WRITE_MAX]
            pending = {self.name: [{"PutRequest": {"Item": serialize(i)}} for i in chunk]}
            for delay in (*CONFLICT_RETRIES, 1.0, 2.0, None):
                pending = writing(self.client.batch_write_item, RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
                if delay is None:
                    raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                                 "Message": "items left unprocessed"}}, "BatchWriteItem")
                sleep(delay)

    def update(
        self,
        pk: str,
        sk: str,
        *,
        set_: Mapping[str, Any] | None = None,
        add: Mapping[str, int | float] | None = None,
        remove: list[str] | None = None,
        condition: str | None = None,
        expr: Expr | None = None,
    ) -> dict[str, Any]:
        """Update attributes atomically and return the whole new item."""
        expr = expr or Expr()
        request: dict[str, Any] = {
            "TableName": self.name,
            "Key": serialize({"pk": pk, "sk": sk}),
            "UpdateExpression": update_expression(expr, set_, add, remove),
            "ReturnValues": "ALL_NEW",
        }
        if condition:
            request["ConditionExpression"] = condition
        if not key_fits(pk, sk):  # no such item: as a conditional update of a missing item would fail
            raise ClientError({"Error": {"Code": "ConditionalCheckFailedException", "Message": "no such key"}},
                              "UpdateItem")
        resp = writing(self.client.update_item, **expr.apply(request))
        return deserialize(resp["Attributes"])

    def delete(self, pk: str, sk: str, *, condition: str | None = None, expr: Expr | None = None) -> None:
        request: dict[str, Any] = {"TableName": self.name, "Key": serialize({"pk": pk, "sk": sk})}
        if condition:
            request["ConditionExpression"] = condition
        self.client.delete_item(**(expr or Expr()).apply(request))

    def transact(self, operations: list[dict[str, Any]]) -> None:
        """Run TransactWriteItems; each operation is {"Put"|"Update"|"Delete"|"ConditionCheck": {...}}.

        Writes that move a list's counters share the scope's counter item, so concurrent ones can cancel
        each other (TransactionConflict, nothing written): those are tried again, a few times.
        """
        for op in operations:
            for body in op.values():
                body["TableName"] = self.name
        for delay in (*CONFLICT_RETRIES, None):
            try:
                writing(self.client.transact_write_items, TransactItems=operations)
                return
            except ClientError as exc:
                if delay is None or not conflicted(exc):
                    raise
                time.sleep(delay)

    def query(
        self,
        pk: str,
        *,
        index: str | None = None,
        prefix: str | None = None,
        between: tuple[str, str] | None = None,
        newest_first: bool = True,
        limit: int | None = None,
        filter_: str | None = None,
        expr: Expr | None = None,
        select_count: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Query one partition (of the table or a GSI), following pages; `limit` caps items yielded.

        With `limit`, DynamoDB is asked for no more than that per request, so it reads no more than it must.
        """
        if not key_fits(pk):
            if select_count:
                yield {"count": 0}
            return
        request = self._query_request(pk, index, prefix, between, newest_first, filter_, expr)
        if select_count:
            request["Select"] = "COUNT"
        elif limit is not None:
            request["Limit"] = max(1, min(limit, 1000))
        yielded = 0
        while True:
            resp = self.client.query(**request)
            if select_count:
                yield {"count": resp.get("Count", 0)}
            else:
                for raw in resp.get("Items", []):
                    yield deserialize(raw)
                    yielded += 1
                    if limit is not None and yielded >= limit:
                        return
            last = resp.get("LastEvaluatedKey")
            if not last:
                return
            request["ExclusiveStartKey"] = last

    def query_page(self, pk: str, *, limit: int, index: str | None = None, prefix: str | None = None,
                   start: Mapping[str, str] | None = None, filter_: str | None = None, expr: Expr | None = None,
                   keys_only: bool = False) -> tuple[list[dict[str, Any]], dict[str, str] | None]:
        """One Query request, newest first: at most `limit` items evaluated, from after `start` (a key).

        Returns the items that passed the filter and where DynamoDB stopped (None: the partition's end).
        `keys_only` returns just the keys (the table's and the index's) of each item.
        """
        request = self._query_request(pk, index, prefix, None, True, filter_, expr)
        request["Limit"] = limit
        if start:
            request["ExclusiveStartKey"] = serialize(start)
        if keys_only:
            names = ("pk", "sk") + ((f"{index}pk", f"{index}sk") if index else ())
            placeholders = {f"#k{i}": n for i, n in enumerate(names)}
            request["ProjectionExpression"] = ", ".join(placeholders)
            request["ExpressionAttributeNames"] = {**request.get("ExpressionAttributeNames", {}), **placeholders}
        resp = self.client.query(**request)
        last = resp.get("LastEvaluatedKey")
        return [deserialize(i) for i in resp.get("Items", [])], (deserialize(last) if last else None)

    def _query_request(self, pk: str, index: str | None, prefix: str | None, between: tuple[str, str] | None,
                       newest_first: bool, filter_: str | None, expr: Expr | None) -> dict[str, Any]:
        expr = expr or Expr()
        pk_attr, sk_attr = ("pk", "sk") if index is None else (f"{index}pk", f"{index}sk")
        cond = f"{expr.name(pk_attr)} = {expr.value(pk)}"
        if prefix is not None:
            cond += f" AND begins_with({expr.name(sk_attr)}, {expr.value(prefix)})"
        elif between is not None:
            cond += f" AND {expr.name(sk_attr)} BETWEEN {expr.value(between[0])} AND {expr.value(between[1])}"
        request: dict[str, Any] = {"TableName": self.name, "KeyConditionExpression": cond,
                                   "ScanIndexForward": not newest_first}
        if index is not None:
            request["IndexName"] = index
        if filter_:
            request["FilterExpression"] = filter_
        return expr.apply(request)

    def count(self, pk: str, **kwargs: Any) -> int:
        return sum(page["count"] for page in self.query(pk, select_count=True, **kwargs))
