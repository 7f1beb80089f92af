"""The endpoints the installed `agentphone` SDK calls, read from its own client source (method, path)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import agentphone

HELPERS = {"_get": "GET", "_post": "POST", "_put": "PUT", "_patch": "PATCH", "_delete": "DELETE"}


def _path(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    else:
        return None
    return text.split("?")[0]


def sdk_endpoints() -> set[tuple[str, str]]:
    """(METHOD, path with `{}` for each parameter) of every call the sync client makes."""
    source = (Path(agentphone.__file__).parent / "client.py").read_text()
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in HELPERS:
            path = _path(node.args[0]) if node.args else None
            if path:
                found.add((HELPERS[node.func.attr], path))
    # Streaming and binary reads build their URL by hand.
    for match in re.finditer(r'url = f"\{self\._client\.base_url\}([^"]+)"', source):
        found.add(("GET", re.sub(r"\{[^}]+\}", "{}", match.group(1))))
    return found


def normalise(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)
