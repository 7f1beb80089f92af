"""AWS event-stream framing for the test fakes (Transcribe streaming, Bedrock converse-stream).

Each message, big-endian: total length, headers length, CRC32 of those 8 bytes; the headers (name
length, name, value type, value); the payload; a CRC32 of everything before it.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

_HEADER_TYPES = {0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16}  # fixed-size value types -> size


def encode_message(headers: dict[str, str | bytes], payload: bytes) -> bytes:
    """One event-stream message; str headers are type 7 (string), bytes headers type 6."""
    raw = b""
    for name, value in headers.items():
        kind, data = (7, value.encode()) if isinstance(value, str) else (6, value)
        raw += bytes([len(name)]) + name.encode() + bytes([kind]) + struct.pack(">H", len(data)) + data
    prelude = struct.pack(">II", 16 + len(raw) + len(payload), len(raw))
    head = prelude + struct.pack(">I", zlib.crc32(prelude)) + raw + payload
    return head + struct.pack(">I", zlib.crc32(head))


def _decode_headers(raw: bytes) -> dict[str, Any]:
    headers, pos = {}, 0
    while pos < len(raw):
        size = raw[pos]
        name = raw[pos + 1:pos + 1 + size].decode()
        kind, pos = raw[pos + 1 + size], pos + 2 + size
        if kind in (6, 7):
            (length,) = struct.unpack_from(">H", raw, pos)
            value: Any = raw[pos + 2:pos + 2 + length]
            headers[name] = value.decode() if kind == 7 else value
            pos += 2 + length
        else:
            headers[name] = raw[pos:pos + _HEADER_TYPES[kind]]
            pos += _HEADER_TYPES[kind]
    return headers


class MessageDecoder:
    """Incremental decoder: feed bytes as they arrive, get whole (headers, payload) messages back."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[dict[str, Any], bytes]]:
        self.buffer += data
        messages = []
        while len(self.buffer) >= 12:
            total, headers_len, prelude_crc = struct.unpack_from(">III", self.buffer)
            if zlib.crc32(self.buffer[:8]) != prelude_crc:
                raise ValueError("event-stream prelude CRC mismatch")
            if len(self.buffer) < total:
                break
            frame, self.buffer = bytes(self.buffer[:total]), self.buffer[total:]
            if zlib.crc32(frame[:-4]) != struct.unpack(">I", frame[-4:])[0]:
                raise ValueError("event-stream message CRC mismatch")
            messages.append((_decode_headers(frame[12:12 + headers_len]), frame[12 + headers_len:-4]))
        return messages
