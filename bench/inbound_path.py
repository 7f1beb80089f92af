"""The relay's inbound audio path in one process: CPU per Twilio media message, and its parts.

What every call pays 50 times a second whether anyone speaks or not: the Twilio message parsed
(msgspec), its mu-law decoded, and the frame through the listener (VAD with the room's background
and the echo gate, preroll, the endpointer's checks). No socket, so no kernel or event-loop cost:
`ws_layer.py` measures those. The recogniser is a no-op here (Transcribe's own cost per turn is in
`capacity.py`), so "speech" counts what the listener does with a voiced frame, not what STT does.

Three kinds of caller audio: digital silence, line noise (quiet), and a loud voiced tone (speech to
the VAD). Each figure is process CPU over 3 x 3,000 messages after 500 of warm-up.

Run: .venv/bin/python bench/inbound_path.py [silence|noise|speech ...]
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from media_relay import twilio_protocol as tp
from media_relay.audio import codec
from media_relay.audio.echo import EchoGate
from media_relay.audio.vad import FrameAnalyzer, VadController
from media_relay.call import CallSink
from media_relay.endpointing.endpointer import Endpointer
from media_relay.listener import Listener
from media_relay.stats import RelayStats

MESSAGES = 3000
ROUNDS = 3


class NoStt:
    async def push(self, pcm: bytes) -> None: ...

    async def flush(self) -> None: ...

    def pace(self, coarse: bool) -> None: ...


class NoEngine:
    def post(self, event: object) -> None: ...


@dataclass
class Plan:  # the endpointer reads these three
    end_of_turn_ms: int = 700
    language: str = "en-US"
    stt_mode: str = "fast"


def messages(kind: str, n: int) -> list[bytes]:
    rng = np.random.default_rng(1)
    out = []
    for i in range(n):
        if kind == "silence":
            pcm = np.zeros(160, np.int16)
        elif kind == "noise":
            pcm = (rng.standard_normal(160) * 100).astype(np.int16)
        else:
            pcm = (np.sin(np.arange(160) * 0.3 + i) * 6000 + rng.standard_normal(160) * 500).astype(np.int16)
        payload = base64.b64encode(codec.encode(pcm.tobytes())).decode()
        out.append(json.dumps({"event": "media", "sequenceNumber": str(i + 3), "streamSid": "MZ" + "a" * 32,
                               "media": {"track": "inbound", "chunk": str(i + 2), "timestamp": str(i * 20),
                                         "payload": payload}}).encode())
    return out


def per_message_us(step: Callable[[bytes], object], items: list[bytes]) -> float:
    cpu = time.process_time()
    for _ in range(ROUNDS):
        for item in items:
            step(item)
    return (time.process_time() - cpu) / (ROUNDS * len(items)) * 1e6


async def measure(kind: str) -> None:
    loop = asyncio.get_running_loop()
    vad = VadController(FrameAnalyzer(2, echo=EchoGate()), start_ms=160, stop_ms=700)
    listener = Listener(vad, NoStt(), Endpointer(Plan(), None), NoEngine().post, loop.create_task)  # type: ignore[arg-type]
    sink = CallSink(listener, NoEngine(), RelayStats(), None)  # type: ignore[arg-type]
    items = messages(kind, MESSAGES)

    async def whole(raw: bytes) -> None:
        msg = tp.parse(raw)
        assert isinstance(msg, tp.Media)
        await sink.audio(codec.decode(msg.payload))

    for raw in items[:500]:
        await whole(raw)
    cpu = time.process_time()
    for _ in range(ROUNDS):
        for raw in items:
            await whole(raw)
    total = (time.process_time() - cpu) / (ROUNDS * MESSAGES) * 1e6
    payloads = [tp.parse(raw).payload for raw in items]  # type: ignore[union-attr]
    frames = [codec.decode(p) for p in payloads]
    analyzer = FrameAnalyzer(2, echo=EchoGate())
    parts = {"parse": per_message_us(tp.parse, items), "decode": per_message_us(codec.decode, payloads),
             "VAD frame test": per_message_us(analyzer.is_speech, frames)}
    print(f"{kind:<8} {total:5.1f} µs a message ({total * 50 / 1000:.2f} ms of CPU per call-second); of it: "
          + ", ".join(f"{name} {us:.1f}" for name, us in parts.items()), flush=True)


def main() -> None:
    for kind in sys.argv[1:] or ["silence", "noise", "speech"]:
        asyncio.run(measure(kind))


if __name__ == "__main__":
    main()
