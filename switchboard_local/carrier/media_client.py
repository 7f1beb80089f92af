"""The carrier side of a Media Stream: what Twilio does on the socket, so local calls are real.

It sends `connected`, `start` and continuous 20 ms `media` frames of the caller's audio
(silence when the caller is quiet), plays the agent's audio into a buffer at real time,
echoes each `mark` when playout reaches it, and on `clear` drops the buffer and echoes every
pending mark at once — the behaviour twilio.md §3.4 describes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from switchboard.carrier import signature
from switchboard_local.carrier.state import sid

FRAME = 160  # 20 ms of mu-law
SILENCE = b"\xff" * FRAME


@dataclass
class Room:
    """Where the caller is: the agent's voice coming back into their microphone (a speakerphone:
    `echo_delay_s` later, `echo_db` down), and a steady background (a TV) `background_db` down."""

    echo_delay_s: float = 0.15
    echo_db: float | None = None  # None: no echo
    background: bytes = b""  # mu-law, looped under everything the caller sends
    background_db: float = -15.0


def _gain(db: float) -> float:
    return float(10 ** (db / 20))


@dataclass
class AgentAudio:
    """Agent audio as the caller heard it: when each chunk started playing, and its mu-law bytes."""

    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    first_heard_at: float | None = None
    last_media_at: float = 0.0


class MediaStreamClient:
    def __init__(self, url: str, auth_token: str, account_sid: str, call_sid: str, parameters: dict[str, str]
                 ) -> None:
        self.url, self.auth_token, self.account_sid, self.call_sid = url, auth_token, account_sid, call_sid
        self.parameters = parameters
        self.stream_sid = sid("MZ")
        self.outgoing: deque[bytes] = deque()  # caller audio waiting to be sent, in 160-byte frames
        self.caller_frames: list[tuple[float, bytes]] = []
        self.agent = AgentAudio()
        self.playout_end = 0.0  # monotonic time the agent audio queued so far finishes playing
        self.pending_marks: dict[str, asyncio.TimerHandle] = {}
        self.marks_echoed: list[tuple[str, float, bool]] = []  # (name, when, cleared?)
        self.clear_times: list[float] = []  # when each `clear` arrived
        self.seq = 0
        self.started_at = 0.0
        self.ws: ClientConnection | None = None
        self.closed = asyncio.Event()
        self.dropped = False  # the far end vanished without a close (a relay that died)
        self.on_agent_audio: Callable[[bytes], None] | None = None  # e.g. a bridge to another call leg
        self.room = Room()
        self._room_echo: deque[tuple[float, bytes]] = deque()  # (when it reaches the microphone, mu-law)
        self._background_at = 0

    def say(self, mulaw: bytes) -> None:
        """Queue caller audio (mu-law); it goes out at real time after what is already queued."""
        for start in range(0, len(mulaw), FRAME):
            self.outgoing.append(mulaw[start:start + FRAME].ljust(FRAME, b"\xff"))

    @property
    def clears(self) -> int:
        return len(self.clear_times)

    @property
    def caller_speaking(self) -> bool:
        return bool(self.outgoing)

    def agent_idle_for(self) -> float:
        now = time.monotonic()
        return now - max(self.playout_end, self.agent.last_media_at)

    async def _send(self, message: dict) -> None:
        self.seq += 1
        assert self.ws is not None
        await self.ws.send(json.dumps({"sequenceNumber": str(self.seq), **message}))

    async def run(self) -> None:
        headers = {"X-Twilio-Signature": signature.compute(self.url, {}, self.auth_token)}
        async with connect(self.url, additional_headers=headers, max_size=2**20, ping_interval=None) as ws:
            self.ws = ws
            await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
            await self._send({"event": "start", "streamSid": self.stream_sid, "start": {
                "accountSid": self.account_sid, "streamSid": self.stream_sid, "callSid": self.call_sid,
                "tracks": ["inbound"], "customParameters": self.parameters,
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}})
            self.started_at = time.monotonic()
            sender = asyncio.create_task(self._send_frames())
            try:
                await self._receive()
            except (ConnectionClosed, OSError):
                # The relay went away without closing (it crashed): as on Twilio, the stream is over and the
                # call goes on to its next verb, which here ends it.
                self.dropped = True
            finally:
                sender.cancel()
                self.closed.set()

    def _in_the_room(self, frame: bytes, now: float) -> bytes:
        """What the microphone picks up: the caller's frame, plus echo and background, mixed."""
        room = self.room
        extra: list[tuple[bytes, float]] = []
        while self._room_echo and self._room_echo[0][0] <= now:
            extra.append((self._room_echo.popleft()[1], _gain(room.echo_db or 0.0)))
        if room.background:
            start = self._background_at % len(room.background)
            bed = (room.background + room.background)[start:start + FRAME]
            self._background_at += FRAME
            extra.append((bed, _gain(room.background_db)))
        if not extra:
            return frame
        import numpy as np  # the caller's side only mixes when a room asks for it

        from media_relay.audio import codec

        mixed = np.frombuffer(codec.decode(frame), dtype=np.int16).astype(np.float32)
        for audio, gain in extra:
            other = np.frombuffer(codec.decode(audio.ljust(FRAME, b"\xff")), dtype=np.int16).astype(np.float32)
            mixed += gain * other[: mixed.size]
        return codec.encode(np.clip(mixed, -32768, 32767).astype(np.int16).tobytes())

    async def _send_frames(self) -> None:
        chunk = 0
        deadline = time.monotonic()
        while True:
            frame = self.outgoing.popleft() if self.outgoing else SILENCE
            now = time.monotonic()
            frame = self._in_the_room(frame, now)
            chunk += 1
            await self._send({"event": "media", "streamSid": self.stream_sid, "media": {
                "track": "inbound", "chunk": str(chunk), "timestamp": str(int((now - self.started_at) * 1000)),
                "payload": base64.b64encode(frame).decode()}})
            self.caller_frames.append((now, frame))  # once sent: what the relay was given
            deadline += FRAME / 8000
            await asyncio.sleep(max(0.0, deadline - time.monotonic()))

    async def _receive(self) -> None:
        assert self.ws is not None
        async for raw in self.ws:
            msg = json.loads(raw)
            event = msg.get("event")
            now = time.monotonic()
            if event == "media":
                audio = base64.b64decode(msg["media"]["payload"])
                starts = max(now, self.playout_end)
                self.agent.chunks.append((starts, audio))
                self.agent.first_heard_at = self.agent.first_heard_at or starts
                self.agent.last_media_at = now
                self.playout_end = starts + len(audio) / 8000
                if self.room.echo_db is not None:
                    for i in range(0, len(audio), FRAME):
                        self._room_echo.append((starts + i / 8000 + self.room.echo_delay_s, audio[i:i + FRAME]))
                if self.on_agent_audio is not None:
                    self.on_agent_audio(audio)
            elif event == "mark":
                name = msg["mark"]["name"]
                delay = max(0.0, self.playout_end - now)
                self.pending_marks[name] = asyncio.get_running_loop().call_later(
                    delay, lambda n=name: asyncio.ensure_future(self._echo_mark(n, cleared=False)))
            elif event == "clear":
                self.clear_times.append(now)
                self.playout_end = now
                self._room_echo = deque((t, a) for t, a in self._room_echo if t - self.room.echo_delay_s <= now)
                # Twilio drops what it has not played: a message playing now keeps only its played part.
                self.agent.chunks = [(t, a[:int((now - t) * 8000)]) for t, a in self.agent.chunks if t <= now]
                for name, handle in list(self.pending_marks.items()):
                    handle.cancel()
                    await self._echo_mark(name, cleared=True)

    async def _echo_mark(self, name: str, cleared: bool) -> None:
        self.pending_marks.pop(name, None)
        self.marks_echoed.append((name, time.monotonic(), cleared))
        with contextlib.suppress(Exception):  # the socket may have closed meanwhile
            await self._send({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})

    async def dtmf(self, digit: str) -> None:
        await self._send({"event": "dtmf", "streamSid": self.stream_sid,
                          "dtmf": {"track": "inbound_track", "digit": digit}})

    async def hang_up(self) -> None:
        """The caller hangs up: Twilio sends `stop` and closes the socket."""
        if self.ws is None:
            return
        with contextlib.suppress(Exception):
            await self._send({"event": "stop", "streamSid": self.stream_sid,
                              "stop": {"accountSid": self.account_sid, "callSid": self.call_sid}})
            await self.ws.close()
