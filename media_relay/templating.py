"""`{{name}}` placeholders filled from a call's variables; unknown ones become empty, never braces."""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}")


def fill(text: str, variables: dict[str, str | None] | None) -> str:
    values = variables or {}
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1)) or ""), text)
