"""The fast path for WebSocket data frames (RFC 6455 §5.2): whole, masked client frames in, unmasked
server frames out. Pure functions on bytes; anything unusual is left to websockets' protocol."""

from __future__ import annotations

from typing import NamedTuple

from websockets.speedups import apply_mask

OP_CONT, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2


class Head(NamedTuple):
    opcode: int
    fin: bool
    plain: bool  # no reserved bits, masked: what a client must send (else websockets decides)
    length: int  # of the payload
    size: int  # of the whole frame, header and mask included


def head(buf: bytes | bytearray) -> Head | None:
    """The header at the start of `buf`, or None until enough of it has arrived."""
    if len(buf) < 2:
        return None
    b0, b1 = buf[0], buf[1]
    length, pos = b1 & 0x7F, 2
    if length == 126:
        if len(buf) < 4:
            return None
        length, pos = int.from_bytes(buf[2:4]), 4
    elif length == 127:
        if len(buf) < 10:
            return None
        length, pos = int.from_bytes(buf[2:10]), 10
    masked = bool(b1 & 0x80)
    return Head(b0 & 0x0F, bool(b0 & 0x80), masked and not b0 & 0x70, length, pos + (4 if masked else 0) + length)


def single(data: bytes) -> tuple[int, bytes] | None:
    """(opcode, unmasked payload) when `data` is exactly one whole, final, masked text or binary frame
    with no reserved bits and a length in the 7- or 16-bit form: what a socket read of one caller's
    media message almost always is. None for anything else (the general parse decides)."""
    n = len(data)
    if n < 6:
        return None
    b0, b1 = data[0], data[1]
    if (b0 != 0x81 and b0 != 0x82) or not b1 & 0x80:
        return None
    length = b1 & 0x7F
    if length < 126:
        start = 6
    elif length == 126 and n >= 8:
        length, start = (data[2] << 8) | data[3], 8
    else:
        return None
    if start + length != n:
        return None
    return b0 & 0x0F, apply_mask(data[start:], data[start - 4:start])


def payload(frame: bytes | bytearray, h: Head) -> bytes:
    """The unmasked payload of a whole, masked frame."""
    start = h.size - h.length
    return apply_mask(frame[start:h.size], frame[start - 4:start])


def server_frame(opcode: int, data: bytes) -> bytes:
    """One unfragmented, unmasked frame (servers never mask)."""
    n = len(data)
    if n < 126:
        return bytes((0x80 | opcode, n)) + data
    if n < 65536:
        return bytes((0x80 | opcode, 126)) + n.to_bytes(2) + data
    return bytes((0x80 | opcode, 127)) + n.to_bytes(8) + data
