"""Python values to DynamoDB's AttributeValue JSON and back, as boto3's TypeSerializer / TypeDeserializer do.

Why not boto3's: importing `boto3.dynamodb.types` imports the `boto3` package, which imports s3transfer
(and multiprocessing with it) for S3's transfer manager: about 25 ms of every API cold start for two
classes of ~100 lines. The rules are boto3's (tests/unit/test_attribute_values.py holds them to boto3's on
the same values): numbers through DYNAMODB_CONTEXT (38 digits, 1e-130 to 1e126, never rounded; floats
refused), sets by their members' type, bytes as binary (read back as `Binary`, boto3's wrapper).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any

# boto3.dynamodb.types.DYNAMODB_CONTEXT: DynamoDB's number range, with every loss of precision an error.
DYNAMODB_CONTEXT = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])


class Binary(bytes):
    """A binary value read back (boto3 wraps B in its own `Binary`; here a bytes subclass compares the same)."""


def _number(value: int | Decimal) -> str:
    number = str(DYNAMODB_CONTEXT.create_decimal(value))
    if number in ("Infinity", "NaN"):
        raise TypeError("Infinity and NaN not supported")
    return number


def _is_number(value: Any) -> bool:
    if isinstance(value, float):
        raise TypeError("Float types are not supported. Use Decimal types instead.")
    return isinstance(value, int | Decimal)


def serialize(value: Any) -> dict[str, Any]:
    """One Python value as an AttributeValue (`{"S": ...}`, `{"N": ...}`, `{"M": {...}}`, ...)."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):  # before numbers: a bool is an int
        return {"BOOL": value}
    if _is_number(value):
        return {"N": _number(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes | bytearray):
        return {"B": value}
    if isinstance(value, Set):
        for kind, test, render in (("NS", _is_number, _number), ("SS", lambda v: isinstance(v, str), str),
                                   ("BS", lambda v: isinstance(v, bytes | bytearray), bytes)):
            if all(test(v) for v in value):
                return {kind: [v if kind == "BS" else render(v) for v in value]}
    elif isinstance(value, Mapping):
        return {"M": {k: serialize(v) for k, v in value.items()}}
    elif isinstance(value, list | tuple):
        return {"L": [serialize(v) for v in value]}
    raise TypeError(f'Unsupported type "{type(value)}" for value "{value}"')


def deserialize(value: Mapping[str, Any]) -> Any:
    """One AttributeValue as a Python value (numbers as Decimal, sets as sets)."""
    if not value:
        raise TypeError("Value must be a nonempty dictionary whose key is a valid dynamodb type.")
    kind, data = next(iter(value.items()))
    if kind == "NULL":
        return None
    if kind in ("S", "BOOL"):
        return data
    if kind == "N":
        return DYNAMODB_CONTEXT.create_decimal(data)
    if kind == "B":
        return Binary(data)
    if kind == "NS":
        return {DYNAMODB_CONTEXT.create_decimal(v) for v in data}
    if kind == "SS":
        return set(data)
    if kind == "BS":
        return {Binary(v) for v in data}
    if kind == "L":
        return [deserialize(v) for v in data]
    if kind == "M":
        return {k: deserialize(v) for k, v in data.items()}
    raise TypeError(f"Dynamodb type {kind} is not supported")
