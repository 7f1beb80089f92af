"""The recording's tap on the agent's side files every 20 ms frame of a message on its own slot."""

from __future__ import annotations

from media_relay.recording.recorder import RecordingWire


class Inner:
    frames_per_message = 5

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def media(self, mulaw: bytes) -> None:
        self.sent.append(mulaw)

    async def mark(self, name: str) -> None: ...

    async def clear(self) -> None: ...


class Spool:
    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def agent_frame(self, mulaw: bytes) -> None:
        self.frames.append(mulaw)


async def test_a_message_of_five_frames_is_recorded_as_five_frames() -> None:
    inner, spool = Inner(), Spool()
    wire = RecordingWire(inner, spool)  # type: ignore[arg-type]
    message = b"".join(bytes([i]) * 160 for i in range(5))
    await wire.media(message)
    assert inner.sent == [message] and wire.frames_per_message == 5
    assert spool.frames == [bytes([i]) * 160 for i in range(5)]
