"""`WsConnection.direct` takes a message as it arrives only while none is queued, so the reader sees
whatever it declines, and everything after that, in the order it was sent."""

from __future__ import annotations

from types import SimpleNamespace

from websockets.frames import Frame, Opcode
from websockets.protocol import OPEN

from media_relay.ws import WsConnection


def _frame(text: str) -> bytes:
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=True, extensions=[])


async def test_direct_takes_what_it_can_and_nothing_overtakes_what_it_declined() -> None:
    conn = WsConnection(SimpleNamespace(max_size=2**20))  # type: ignore[arg-type]
    conn.protocol.state, conn._fast = OPEN, True  # the handshake is done
    taken: list[str] = []

    def direct(message: str | bytes) -> object | None:
        if message.startswith("hold"):  # type: ignore[arg-type]
            return f"held {message}"  # what the reader gets in its place
        taken.append(message)  # type: ignore[arg-type]
        return None

    conn.direct = direct
    conn.data_received(_frame("a"))
    conn.data_received(_frame("hold b") + _frame("c"))  # one read: "c" arrives while "b" is queued
    assert taken == ["a"]
    assert [await conn.__anext__(), await conn.__anext__()] == ["held hold b", "c"]
    conn.data_received(_frame("d"))  # the queue is empty again
    assert taken == ["a", "d"] and not conn._messages
