"""The relay's socket layer alone: CPU per received Twilio media message, for each step of issue 15.

A server process (the variant under test) holds N sockets; this process sends each one a
Twilio-sized `media` message every 20 ms, as a call's caller does, and the server's own CPU
(/proc) is divided by the messages it handled. The server parses each message and decodes its
mu-law, as the relay's reader does. Variants:

- `websockets`: websockets' asyncio server, with json + base64 parsing (the relay before);
- `ws`: the relay's WebSocket layer (media_relay/ws) on asyncio's loop, same parsing;
- `ws+uvloop`: the same on uvloop;
- `ws+uvloop+msgspec`: and the Twilio codec's fast path;
- `ws+uvloop+msgspec+direct`: and each message taken as it arrives (`WsConnection.direct`), with no
  task switch, as the relay's Twilio reader takes a quiet caller's audio (what the relay runs now).

Each socket sends at its own phase within the 20 ms, as callers do (a message every 20 ms on each
call, the calls not in step), so most messages wake the server on their own.

Run: .venv/bin/python bench/ws_layer.py [N] [seconds] [variant ...]   (default 50 sockets, 10 s, every variant)
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from relay_proc import tree_cpu_seconds  # noqa: E402
from stack import free_port  # noqa: E402

VARIANTS = ["websockets", "ws", "ws+uvloop", "ws+uvloop+msgspec", "ws+uvloop+msgspec+direct"]
MESSAGE = json.dumps({"event": "media", "sequenceNumber": "5", "streamSid": "MZ" + "a" * 32,
                      "media": {"track": "inbound", "chunk": "4", "timestamp": "80",
                                "payload": base64.b64encode(bytes(range(160))).decode()}}, separators=(",", ":"))


def old_parse(text: str) -> bytes:
    msg = json.loads(text)
    return base64.b64decode(msg["media"]["payload"])


async def serve(variant: str, port: int) -> None:
    from media_relay import twilio_protocol as tp
    from media_relay.audio import codec

    count = 0

    def take(raw: str | bytes) -> None:
        nonlocal count
        codec.decode(tp.media_payload(raw) or b"")  # the relay reader's own path for a media message
        count += 1

    async def handle(ws: object) -> None:
        nonlocal count
        if variant.endswith("+direct"):
            ws.direct = take  # type: ignore[attr-defined]
        async for raw in ws:  # type: ignore[attr-defined]
            if "msgspec" in variant:
                take(raw)
            else:
                codec.decode(old_parse(raw))
                count += 1

    async def report(_: object, request: object) -> object:
        return None

    if variant == "websockets":
        from websockets.asyncio.server import serve as ws_serve

        server = await ws_serve(handle, "127.0.0.1", port, ping_interval=None, compression=None)
    else:
        from media_relay.ws import WsServer

        server = await WsServer(handle, report).listen("127.0.0.1", port)  # type: ignore[arg-type]
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    print(count, flush=True)
    server.close()


async def load(n: int, seconds: float) -> None:
    from websockets.asyncio.client import connect

    print(f"{n} sockets, a media message every 20 ms each, {seconds:.0f} s; server CPU per message received")
    for variant in VARIANTS:
        port = free_port()
        proc = subprocess.Popen([sys.executable, __file__, "--serve", variant, str(port)], cwd=ROOT,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdin is not None
        proc.stdout.readline()
        sockets = [await connect(f"ws://127.0.0.1:{port}/twilio", compression=None) for _ in range(n)]
        stop = time.monotonic() + seconds

        async def caller(ws: object, stop: float = stop) -> None:
            await asyncio.sleep(random.uniform(0.0, 0.02))  # its own phase
            deadline = time.monotonic()
            while deadline < stop:
                await ws.send(MESSAGE)  # type: ignore[attr-defined]
                deadline += 0.02
                await asyncio.sleep(max(0.0, deadline - time.monotonic()))

        await asyncio.sleep(1.0)
        cpu0 = tree_cpu_seconds(proc.pid)
        await asyncio.gather(*(caller(ws) for ws in sockets))
        cpu = tree_cpu_seconds(proc.pid) - cpu0
        proc.stdin.write("\n")
        proc.stdin.flush()
        handled = int(proc.stdout.readline())
        for ws in sockets:
            await ws.close()
        proc.wait(timeout=10)
        print(f"{variant:<26} {1e6 * cpu / handled:6.1f} µs per message ({handled} messages, "
              f"{1000 * cpu / (n * seconds):.2f} ms of CPU per call-second)", flush=True)


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        variant, port = sys.argv[2], int(sys.argv[3])
        if "uvloop" in variant:
            import uvloop

            asyncio.run(serve(variant, port), loop_factory=uvloop.new_event_loop)
        else:
            asyncio.run(serve(variant, port))
        return
    numbers = [a for a in sys.argv[1:] if not a[0].isalpha()]
    chosen = [a for a in sys.argv[1:] if a[0].isalpha()]  # variant names: only those, in that order
    if chosen:
        VARIANTS[:] = chosen
    args = [float(a) for a in numbers]
    asyncio.run(load(int(args[0]) if args else 50, args[1] if len(args) > 1 else 10.0))


if __name__ == "__main__":
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    main()
