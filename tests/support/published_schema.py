"""The vendor's published types (shared/spec/agentphone-schema.md) as a checker for our responses.

`conforms(value, "AgentResponse")` lists every missing, mistyped or out-of-enum field with its
path. Extra fields are allowed (clients ignore them); a missing or renamed one is a bug.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A copy of shared/spec/agentphone-schema.md, so a clone is self-contained; and, for the groups it
# lacks (SIP trunks, lookup, verify, feedback, sub-accounts), the fields the Python SDK reads.
SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "agentphone-schema.md"
SDK_TYPES = SCHEMA.with_name("agentphone-sdk-types.md")
_TYPE_LINE = re.compile(r"^- \*\*(\w+)\*\*: (.*)$")
_ENUM_LINE = re.compile(r"^  - (\w+): (.*)$")
_FIELD = re.compile(r"`(\w+)(\??)`: ([^;]+)")


@dataclass
class Schema:
    types: dict[str, dict[str, tuple[str, bool]]] = field(default_factory=dict)
    enums: dict[str, list[str]] = field(default_factory=dict)


def load(*paths: Path) -> Schema:
    schema = Schema()
    current = None
    lines = [line for path in (paths or (SCHEMA, SDK_TYPES)) for line in path.read_text().splitlines()]
    for line in lines:
        if m := _TYPE_LINE.match(line):
            current = m.group(1)
            schema.types[current] = {f.group(1): (f.group(3).strip(), f.group(2) == "?")
                                     for f in _FIELD.finditer(m.group(2))}
        elif (m := _ENUM_LINE.match(line)) and current:
            values = re.findall(r"`([^`]+)`", m.group(2))
            if "… 63 in all" not in m.group(2):  # the language list is abbreviated in the document
                schema.enums[f"{current}.{m.group(1)}"] = values
    return schema


def _check(schema: Schema, value: Any, type_expr: str, path: str, errors: list[str]) -> None:
    type_expr = type_expr.strip()
    if type_expr.endswith(" or null"):
        if value is None:
            return
        type_expr = type_expr[: -len(" or null")]
    if value is None:
        errors.append(f"{path}: null where {type_expr} is required")
        return
    if type_expr.endswith("[]"):
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list of {type_expr[:-2]}, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            _check(schema, item, type_expr[:-2], f"{path}[{i}]", errors)
        return
    if type_expr.startswith("Record<"):
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object, got {type(value).__name__}")
        return
    simple = {"string": str, "boolean": bool, "unknown": object}
    if type_expr in simple:
        if not isinstance(value, simple[type_expr]):
            errors.append(f"{path}: expected {type_expr}, got {type(value).__name__} {value!r}")
        return
    if type_expr == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors.append(f"{path}: expected number, got {type(value).__name__} {value!r}")
        return
    if type_expr in schema.enums:
        if value not in schema.enums[type_expr]:
            errors.append(f"{path}: {value!r} is not one of {schema.enums[type_expr]}")
        return
    if "." in type_expr:  # an abbreviated enum (e.g. Language): a string is all we can check
        if not isinstance(value, str):
            errors.append(f"{path}: expected a {type_expr} string")
        return
    if type_expr in schema.types:
        errors.extend(conforms(value, type_expr, schema, path))
        return
    errors.append(f"{path}: unknown published type {type_expr}")


def conforms(value: Any, type_name: str, schema: Schema | None = None, path: str = "$") -> list[str]:
    schema = schema or SCHEMA_CACHE
    if not isinstance(value, dict):
        return [f"{path}: expected a {type_name} object, got {type(value).__name__}"]
    errors: list[str] = []
    for name, (type_expr, optional) in schema.types[type_name].items():
        if name not in value:
            if not optional:
                errors.append(f"{path}.{name}: missing (required by {type_name})")
            continue
        _check(schema, value[name], type_expr, f"{path}.{name}", errors)
    return errors


def assert_conforms(value: Any, type_name: str) -> None:
    errors = conforms(value, type_name)
    assert not errors, f"{type_name} mismatches:\n  " + "\n  ".join(errors)


SCHEMA_CACHE = load()
