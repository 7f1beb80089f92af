"""Incremental NDJSON: feed bytes as they arrive, get each complete JSON object at once.

Lines that are not JSON objects (arrays, strings, numbers, broken JSON) are reported, not raised,
so one bad line costs only itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class NdjsonParser:
    buffer: bytearray = field(default_factory=bytearray)
    skipped: list[str] = field(default_factory=list)

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self.buffer += data
        objects = []
        while (end := self.buffer.find(b"\n")) >= 0:
            line, self.buffer = bytes(self.buffer[:end]), self.buffer[end + 1:]
            if (obj := self._parse(line)) is not None:
                objects.append(obj)
        return objects

    def close(self) -> list[dict[str, Any]]:
        """The last line may come without a newline (and a plain JSON reply has none at all)."""
        line, self.buffer = bytes(self.buffer), bytearray()
        obj = self._parse(line)
        return [obj] if obj is not None else []

    def _parse(self, line: bytes) -> dict[str, Any] | None:
        text = line.strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            self.skipped.append(f"not JSON: {text[:80]!r}")
            return None
        if not isinstance(value, dict):
            self.skipped.append(f"not an object ({type(value).__name__}): {text[:80]!r}")
            return None
        return value
