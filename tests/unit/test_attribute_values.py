"""switchboard.store.attribute_values gives what boto3's TypeSerializer / TypeDeserializer give, value by value."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import Binary as BotoBinary
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from switchboard.store import attribute_values

VALUES: list[Any] = [
    None, True, False, 0, -7, 2**63, Decimal("1.5"), Decimal("-0.000001"), Decimal("1e125"), Decimal("1e-130"),
    Decimal("1e-131"),
    "", "text", "ünïcode ☎", b"\x00bytes", bytearray(b"ba"), [], (), [1, "a", None, [True]], {}, {"a": {"b": [1]}},
    {1, 2, 3}, {"x", "y"}, {b"a", b"b"}, {Decimal("2.5")}, set(), frozenset({"f"}), {True},
    {"nested": [{"n": Decimal("3.25"), "s": {"q"}}]},
]
READ_BACK = [v for v in VALUES if not isinstance(v, tuple | bytearray)]  # they come back as a list, as bytes
REFUSED: list[Any] = [1.5, [0.1], {"f": 2.0}, Decimal("Infinity"), Decimal("NaN"), Decimal("1e127"),
                      Decimal("1." + "1" * 38), 10**40 + 1, {1, "a"}, object(), {1.5}]


def ids(values: list[Any]) -> list[str]:
    """Stable test ids (a set's repr changes with the hash seed, which differs between xdist workers)."""
    return [f"{i}-{type(v).__name__}" for i, v in enumerate(values)]


@pytest.mark.parametrize("value", VALUES, ids=ids(VALUES))
def test_serializes_as_boto3_does(value: Any) -> None:
    assert attribute_values.serialize(value) == TypeSerializer().serialize(value)


@pytest.mark.parametrize("value", REFUSED, ids=ids(REFUSED))
def test_refuses_what_boto3_refuses(value: Any) -> None:
    with pytest.raises(Exception) as boto:  # boto3 raises TypeError or a decimal trap
        TypeSerializer().serialize(value)
    with pytest.raises(boto.type):
        attribute_values.serialize(value)


@pytest.mark.parametrize("value", READ_BACK, ids=ids(READ_BACK))
def test_reads_back_as_boto3_does(value: Any) -> None:
    wire = TypeSerializer().serialize(value)
    ours, boto = attribute_values.deserialize(wire), TypeDeserializer().deserialize(wire)
    assert ours == boto
    assert type(ours) is type(boto) or (isinstance(boto, BotoBinary) and isinstance(ours, bytes))


@pytest.mark.parametrize("wire", [{}, {"X": 1}])
def test_refuses_unknown_attribute_values(wire: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        TypeDeserializer().deserialize(wire)
    with pytest.raises(TypeError):
        attribute_values.deserialize(wire)
