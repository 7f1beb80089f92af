"""Serve the network speech fakes in their own process, for benchmarks: Transcribe streaming
(HTTP/2 over TLS, the real event-stream protocol) and Polly (`POST /v1/speech`, paced PCM).

Prints one JSON line with their URLs and the CA file to trust, then serves until stdin closes.
Run by bench/capacity.py; the same fakes the adapter tests use (tests/support).
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.fake_polly import FakePolly
from tests.support.fake_transcribe import FakeTranscribe, ThreadedHypercorn, make_localhost_cert
from tests.support.servers import ThreadedUvicorn

SCRIPT = ["I have a question about my order", "can you check the delivery date", "thank you that helps"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = make_localhost_cert(Path(tmp))
        transcribe = FakeTranscribe(SCRIPT, secret_key="local")  # the key relay_proc gives the relay
        stt = ThreadedHypercorn(transcribe, cert, key).start()
        polly = FakePolly(block_ms=200, pace_s=0.02)
        tts = ThreadedUvicorn(polly.app).start()
        print(json.dumps({"transcribe": stt.url, "ca": str(cert), "polly": tts.url}), flush=True)
        done = threading.Event()
        threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
        done.wait()
        print(json.dumps({"transcribeStreams": len(transcribe.streams),
                          "transcribeAudioEvents": sum(s.audio_events for s in transcribe.streams),
                          "transcribeAudioSeconds": round(sum(s.audio_bytes for s in transcribe.streams) / 16000, 1),
                          "pollyRequests": len(polly.requests)}),
              flush=True)
        tts.stop()
        stt.stop()


if __name__ == "__main__":
    main()
