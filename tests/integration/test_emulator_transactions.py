"""The local emulator's TransactWriteItems: all or nothing, moto's answers, and a cost that does not grow
with the table (it copies the items a transaction names, not the table; switchboard_local/transactions.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models.dynamo_type import Item

_names = itertools.count()


@pytest.fixture
def dynamodb(moto_endpoint: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


@pytest.fixture
def table(dynamodb: Any) -> Iterator[str]:
    name = f"tx-{next(_names)}"
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                {"AttributeName": "sk", "AttributeType": "S"}],
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                     {"AttributeName": "sk", "KeyType": "RANGE"}])
    yield name
    dynamodb.delete_table(TableName=name)


def key(pk: str, sk: str = "A") -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def get(dynamodb: Any, table: str, pk: str, sk: str = "A") -> dict[str, Any] | None:
    return dynamodb.get_item(TableName=table, Key=key(pk, sk), ConsistentRead=True).get("Item")


def increment(table: str, pk: str, *, unless_above: int | None = None) -> dict[str, Any]:
    update: dict[str, Any] = {"TableName": table, "Key": key(pk), "UpdateExpression": "ADD n :one",
                              "ExpressionAttributeValues": {":one": {"N": "1"}}}
    if unless_above is not None:
        update["ConditionExpression"] = "attribute_not_exists(n) OR n <= :max"
        update["ExpressionAttributeValues"][":max"] = {"N": str(unless_above)}
    return {"Update": update}


def put_new(table: str, pk: str, sk: str = "A") -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": {**key(pk, sk), "v": {"S": "new"}},
                    "ConditionExpression": "attribute_not_exists(pk)"}}


def test_a_failed_condition_leaves_every_item_as_it_was(dynamodb: Any, table: str) -> None:
    dynamodb.put_item(TableName=table, Item={**key("counter"), "n": {"N": "5"}})
    dynamodb.put_item(TableName=table, Item={**key("full"), "n": {"N": "9"}})
    before = get(dynamodb, table, "counter")

    with pytest.raises(ClientError) as caught:
        dynamodb.transact_write_items(TransactItems=[
            increment(table, "counter"),  # applied in moto before the next item fails: must be undone
            put_new(table, "fresh", "B"),  # a new item in a new partition: must not be left behind
            increment(table, "full", unless_above=8),
        ])

    error = caught.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in error["CancellationReasons"]] == ["None", "None", "ConditionalCheckFailed"]
    assert get(dynamodb, table, "counter") == before
    assert get(dynamodb, table, "full")["n"] == {"N": "9"}
    assert get(dynamodb, table, "fresh", "B") is None
    assert dynamodb.query(TableName=table, KeyConditionExpression="pk = :p",
                          ExpressionAttributeValues={":p": {"S": "fresh"}})["Items"] == []


def test_a_transaction_that_passes_writes_every_item(dynamodb: Any, table: str) -> None:
    dynamodb.put_item(TableName=table, Item={**key("counter"), "n": {"N": "5"}})
    dynamodb.transact_write_items(TransactItems=[increment(table, "counter", unless_above=8),
                                                 put_new(table, "fresh")])
    assert get(dynamodb, table, "counter")["n"] == {"N": "6"}
    assert get(dynamodb, table, "fresh")["v"] == {"S": "new"}


def test_the_same_item_twice_is_refused_and_nothing_is_written(dynamodb: Any, table: str) -> None:
    with pytest.raises(ClientError) as caught:
        dynamodb.transact_write_items(TransactItems=[put_new(table, "twice"), increment(table, "twice")])
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert get(dynamodb, table, "twice") is None


def items_copied(dynamodb: Any, table: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many stored items are deep-copied while the emulator (in this process) runs one transaction."""
    copied = 0
    real = Item.__deepcopy__

    def counting(item: Item, memo: dict[int, Any]) -> Item:
        nonlocal copied
        copied += 1
        return real(item, memo)

    with monkeypatch.context() as patch:
        patch.setattr(Item, "__deepcopy__", counting)
        with pytest.raises(ClientError):  # the failing case: the one that must roll back
            dynamodb.transact_write_items(TransactItems=[increment(table, "counter"), put_new(table, "fresh"),
                                                         increment(table, "full", unless_above=8)])
    return copied


def test_the_cost_of_a_transaction_does_not_grow_with_the_table(
        dynamodb: Any, table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dynamodb.put_item(TableName=table, Item={**key("counter"), "n": {"N": "5"}})
    dynamodb.put_item(TableName=table, Item={**key("full"), "n": {"N": "9"}})
    small = items_copied(dynamodb, table, monkeypatch)
    for i in range(300):
        dynamodb.put_item(TableName=table, Item={**key(f"filler-{i % 7}", f"{i:04}"), "v": {"S": "x" * 20}})
    large = items_copied(dynamodb, table, monkeypatch)

    assert 0 < small <= 3  # the two items that exist, and the one moto copies to update: nothing else
    assert large == small
