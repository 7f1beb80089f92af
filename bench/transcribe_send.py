"""The relay's CPU per Transcribe audio event, through the real client and a real HTTP/2+TLS socket.

A caller's speech reaches Amazon Transcribe as signed AWS event-stream messages. This opens N
streams (the relay's `TranscribeSdkStt`, as a call does) against the local fake service, run in a
process of its own (`speech_fakes.py`, which also checks every chunk signature), and pushes 20 ms
frames of a loud tone into each at real time, as the listener does while a caller talks. It prints
this process's CPU per event and per talking call-second, for each way of building the events:

- `relay`: the relay's own framing and signing (`media_relay/stt/audio_events.py`), each event
  written straight onto the HTTP/2 stream (`media_relay/stt/h2_body.py`);
- `signed`: the relay's framing and signing, written through the SDK's body task (as before h2_body);
- `sdk`: the SDK's publisher (its shape serializer, header encoder and signer) and body task;
- `none`: the same pushes into a stream that drops them: the harness's own cost, to subtract;

and each event size: 100 ms (the default, and always while the agent holds the floor) and 200 ms
(`pace(coarse=True)`: while the caller is voiced and the agent silent). The variants alternate,
so a machine whose speed drifts loads them alike.

Run: .venv/bin/python bench/transcribe_send.py [N streams] [seconds] [variant ...]
(variants: none-100 relay-100 signed-100 sdk-100 relay-200 signed-200 sdk-200; default: all, N=20,
8 s, two rounds)
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from media_relay.ports import FRAME_BYTES_PCM  # noqa: E402
from media_relay.stt import transcribe_sdk  # noqa: E402
from media_relay.stt.transcribe_stream import TranscribeOptions  # noqa: E402

VARIANTS = ["none-100", "relay-100", "signed-100", "sdk-100", "relay-200", "signed-200", "sdk-200"]


class NoDirectBody:
    """For `signed`: no stream is written directly, so events go through the SDK's body task."""

    @staticmethod
    def over(stream: object) -> None:
        return None
TONE = struct.pack(f"<{FRAME_BYTES_PCM // 2}h",
                   *(int(8000 * math.sin(2 * math.pi * 440 * i / 8000)) for i in range(FRAME_BYTES_PCM // 2)))


class Dropped:
    """A stream that takes the frames and does nothing: what pushing at real time costs by itself."""

    _sent = 0

    def pace(self, coarse: bool) -> None: ...

    async def push(self, pcm: bytes) -> None:
        self._sent += len(pcm)

    async def close(self) -> None: ...


async def talk(stream: transcribe_sdk.TranscribeStream | Dropped, seconds: float, coarse: bool, phase: float
               ) -> None:
    stream.pace(coarse)
    await asyncio.sleep(phase)
    start = time.monotonic()
    for i in range(int(seconds * 50)):
        await stream.push(TONE)
        await asyncio.sleep(max(0.0, start + (i + 1) * 0.02 - time.monotonic()))


async def measure(variant: str, fakes: dict[str, str], n: int, seconds: float) -> tuple[float, int]:
    """This process's CPU seconds while N streams talk, and the events they sent."""
    how, size = variant.split("-")
    own, direct = transcribe_sdk.AudioPublisher.over, transcribe_sdk.DirectBody
    if how == "signed":
        transcribe_sdk.DirectBody = NoDirectBody  # type: ignore[misc,assignment]
    if how == "sdk":  # the SDK's own publisher, as before the relay framed and signed events itself
        transcribe_sdk.AudioPublisher.over = classmethod(lambda cls, publisher: None)  # type: ignore[method-assign,assignment]
    try:
        stt = transcribe_sdk.TranscribeSdkStt(region="us-east-1", endpoint=fakes["transcribe"], ca_file=fakes["ca"],
                                              options=TranscribeOptions(keepalive_s=5.0, voiced_chunk_ms=200))
        streams: list[transcribe_sdk.TranscribeStream | Dropped] = [
            Dropped() if how == "none" else await stt.open_stream(language="en-US") for _ in range(n)]
        await asyncio.sleep(0.5)
        sent0 = sum(s._sent for s in streams)
        cpu0 = time.process_time()
        await asyncio.gather(*(talk(s, seconds, size == "200", i * 0.02 * 5 / n) for i, s in enumerate(streams)))
        await asyncio.sleep(0.25)  # the last events out
        cpu = time.process_time() - cpu0
        events = (sum(s._sent for s in streams) - sent0) // (16 * int(size))
        await asyncio.gather(*(s.close() for s in streams))
        return cpu, events
    finally:
        transcribe_sdk.AudioPublisher.over = own  # type: ignore[method-assign]
        transcribe_sdk.DirectBody = direct  # type: ignore[misc]


async def main(n: int, seconds: float, variants: list[str]) -> None:
    fakes_proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "speech_fakes.py")], cwd=ROOT,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert fakes_proc.stdout is not None
    fakes = json.loads(fakes_proc.stdout.readline())
    os.environ.update({"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"})  # the fakes' key
    print(f"{n} streams, {seconds:.0f} s of a caller talking each, pushed at real time; CPU of this process only")
    print(f"{'variant':<10} {'events':>7} {'us CPU per event':>17} {'ms per talking call-second':>27}")
    try:
        for _ in range(2):
            for variant in variants:
                cpu, events = await measure(variant, fakes, n, seconds)
                print(f"{variant:<10} {events:>7} {1e6 * cpu / max(1, events):>17.0f} "
                      f"{1000 * cpu / (n * seconds):>27.2f}", flush=True)
    finally:
        fakes_proc.communicate("", timeout=10)


if __name__ == "__main__":
    args = sys.argv[1:]
    numbers = [a for a in args if a.replace(".", "", 1).isdigit()]
    chosen = [a for a in args if a in VARIANTS] or VARIANTS
    asyncio.run(main(int(numbers[0]) if numbers else 20, float(numbers[1]) if len(numbers) > 1 else 8.0, chosen))
