"""A web call's far end without a browser: the page's side of the relay's /web socket, in Python.

It does what the console's page does: PCM frames of the caller's voice at real time (silence when
quiet), the agent's mu-law played into a buffer at real time, each mark echoed when playback
reaches it, and on `clear` the buffer dropped and pending marks echoed at once. It speaks the same
script as a phone caller (`dialer._converse`), so tests and the CLI can hold a web call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from switchboard_local.carrier.dialer import CallerScript, _converse
from switchboard_local.carrier.media_client import AgentAudio

FRAME_PCM = 320  # 20 ms of 16-bit PCM at 8 kHz
SILENCE = b"\x00" * FRAME_PCM


class WebCallClient:
    def __init__(self, url: str) -> None:
        self.url = url
        self.outgoing: deque[bytes] = deque()
        self.agent = AgentAudio()
        self.playout_end = 0.0
        self.pending_marks: dict[str, asyncio.TimerHandle] = {}
        self.marks_echoed: list[tuple[str, float, bool]] = []
        self.clear_times: list[float] = []
        self.started_at = 0.0
        self.start: dict[str, Any] = {}
        self.hangup_reason: str | None = None
        self.ws: ClientConnection | None = None
        self.closed = asyncio.Event()

    def say(self, mulaw: bytes) -> None:
        """Queue caller audio (mu-law, as scripts hold it); it goes out as PCM at real time."""
        from media_relay.audio import codec

        pcm = codec.decode(mulaw)
        for start in range(0, len(pcm), FRAME_PCM):
            self.outgoing.append(pcm[start:start + FRAME_PCM].ljust(FRAME_PCM, b"\x00"))

    @property
    def caller_speaking(self) -> bool:
        return bool(self.outgoing)

    @property
    def clears(self) -> int:
        return len(self.clear_times)

    def agent_idle_for(self) -> float:
        return time.monotonic() - max(self.playout_end, self.agent.last_media_at)

    async def run(self) -> None:
        try:
            async with connect(self.url, max_size=2**20) as ws:
                self.ws = ws
                self.start = json.loads(await ws.recv())
                self.started_at = time.monotonic()
                sender = asyncio.create_task(self._send_frames())
                try:
                    await self._receive()
                finally:
                    sender.cancel()
        finally:
            self.closed.set()  # also when the relay refused the socket

    async def _send_frames(self) -> None:
        assert self.ws is not None
        deadline = time.monotonic()
        while True:
            await self.ws.send(self.outgoing.popleft() if self.outgoing else SILENCE)
            deadline += 0.02
            await asyncio.sleep(max(0.0, deadline - time.monotonic()))

    async def _receive(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            now = time.monotonic()
            if isinstance(message, bytes):
                starts = max(now, self.playout_end)
                self.agent.chunks.append((starts, message))
                self.agent.first_heard_at = self.agent.first_heard_at or starts
                self.agent.last_media_at = now
                self.playout_end = starts + len(message) / 8000
                continue
            msg = json.loads(message)
            if msg.get("type") == "mark":
                name = msg["name"]
                self.pending_marks[name] = asyncio.get_running_loop().call_later(
                    max(0.0, self.playout_end - now), lambda n=name: asyncio.ensure_future(self._echo_mark(n, False)))
            elif msg.get("type") == "clear":
                self.clear_times.append(now)
                self.playout_end = now
                self.agent.chunks = [(t, a) for t, a in self.agent.chunks if t <= now]
                for name, handle in list(self.pending_marks.items()):
                    handle.cancel()
                    await self._echo_mark(name, True)
            elif msg.get("type") == "hangup":
                self.hangup_reason = msg.get("reason")

    async def _echo_mark(self, name: str, cleared: bool) -> None:
        self.pending_marks.pop(name, None)
        self.marks_echoed.append((name, time.monotonic(), cleared))
        with contextlib.suppress(Exception):
            assert self.ws is not None
            await self.ws.send(json.dumps({"type": "mark", "name": name}))

    async def dtmf(self, digit: str) -> None:
        assert self.ws is not None
        await self.ws.send(json.dumps({"type": "dtmf", "digit": digit}))

    async def hang_up(self) -> None:
        if self.ws is None:
            return
        with contextlib.suppress(Exception):
            await self.ws.send(json.dumps({"type": "hangup"}))
            await self.ws.close()


@dataclass
class WebCallResult:
    call: dict[str, Any]  # what POST /v1/calls/web answered
    client: WebCallClient
    line_times: list[tuple[str, float, float]]
    ended_by: str  # "caller", or "agent" when the relay hung up first


async def place_web_call(api_url: str, api_key: str, agent_id: str, script: CallerScript,
                         **fields: Any) -> WebCallResult:
    """Start a web call through the API, hold it with `script`, and hang up (unless the agent did)."""
    async with httpx.AsyncClient(base_url=api_url, headers={"Authorization": f"Bearer {api_key}"},
                                 timeout=30) as http:
        resp = await http.post("/v1/calls/web", json={"agentId": agent_id, **fields})
        resp.raise_for_status()
        created = resp.json()
    client = WebCallClient(created["websocketUrl"])
    runner = asyncio.create_task(client.run())
    try:
        times = await _converse(client, script)  # type: ignore[arg-type]  # same duck type as a Media Stream
    finally:
        ended_by = "agent" if client.closed.is_set() else "caller"
        await client.hang_up()
        await asyncio.wait_for(runner, timeout=10)
    return WebCallResult(created, client, times, ended_by)
