"""A fake Amazon Transcribe streaming endpoint: HTTP/2 over TLS (hypercorn), deterministic "recognition".

It speaks the real wire protocol (`POST /stream-transcription`, an AWS event stream each way), so the
real SDK client is tested end to end. What it recognises is scripted: every stretch of loud audio is the
next utterance of `script`; partials grow one word per `word_ms` of loud audio, and the segment is closed
(`IsPartial=false`) after `final_silence_ms` of quiet, or when the stream ends. It depends only on
hypercorn and cryptography, so the same fake can measure either Transcribe package.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.eventstream import MessageDecoder, encode_message


def transcript_frame(results: list[dict[str, Any]]) -> bytes:
    body = json.dumps({"Transcript": {"Results": results}}).encode()
    return encode_message({":message-type": "event", ":event-type": "TranscriptEvent",
                           ":content-type": "application/json"}, body)


def exception_frame(name: str, message: str) -> bytes:
    return encode_message({":message-type": "exception", ":exception-type": name,
                           ":content-type": "application/json"}, json.dumps({"Message": message}).encode())


# --- scripted recognition ---

def word_confidence(index: int) -> float:
    """Deterministic per-word confidence (alternating), so a test can check the adapter's mean."""
    return 0.8 if index % 2 == 0 else 1.0


def expected_confidence(text: str) -> float:
    words = text.split()
    return round(sum(word_confidence(i) for i in range(len(words))) / len(words), 3)


@dataclass
class StreamLog:
    headers: dict[str, str]
    audio_bytes: int = 0
    audio_events: int = 0
    event_bytes: list[int] = field(default_factory=list)  # each audio event's size
    ended_by_client: bool = False
    utterances: list[str] = field(default_factory=list)
    verified_signatures: int = 0  # events whose chunk signature was checked (a fake given the secret key)


class ChunkSignatures:
    """The service's side of SigV4 event signing: each event's signature chains on the one before,
    starting from the request's `Authorization` signature, and signs the event's `:date` header and
    payload under the scope of that date."""

    def __init__(self, authorization: str, secret_key: str) -> None:
        credential = authorization.split("Credential=")[1].split(",")[0]
        _, _, self.region, self.service, _ = credential.split("/")
        self.prior = authorization.split("Signature=")[1].strip()
        self.secret_key = secret_key

    def check(self, envelope: dict[str, Any], payload: bytes) -> bool:
        date_raw = envelope.get(":date", b"")
        signature = envelope.get(":chunk-signature", b"")
        if len(date_raw) != 8:
            return False
        when = datetime.datetime.fromtimestamp(int.from_bytes(date_raw, "big") / 1000, datetime.UTC)
        stamp = when.strftime("%Y%m%dT%H%M%SZ")
        key = ("AWS4" + self.secret_key).encode()
        for part in (stamp[:8], self.region, self.service, "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        date_header = bytes([5]) + b":date" + bytes([8]) + date_raw
        text = (f"AWS4-HMAC-SHA256-PAYLOAD\n{stamp}\n{stamp[:8]}/{self.region}/{self.service}/aws4_request\n"
                f"{self.prior}\n{hashlib.sha256(date_header).hexdigest()}\n{hashlib.sha256(payload).hexdigest()}")
        expected = hmac.new(key, text.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, signature):
            return False
        self.prior = expected.hex()
        return True


class Recogniser:
    """Per stream: energy-based segmentation at 8 kHz, 20 ms frames; text from the server's script."""

    def __init__(self, fake: FakeTranscribe, log: StreamLog, rate: int, stabilise: bool) -> None:
        self.fake, self.log, self.stabilise = fake, log, stabilise
        self.frame_bytes = rate * 2 // 50
        self.ms = 0
        self.pending = bytearray()
        self.words: list[str] | None = None
        self.text = ""
        self.result_id, self.start_ms, self.loud_ms, self.quiet_ms, self.shown = "", 0, 0, 0, 0

    def feed(self, pcm: bytes) -> list[dict[str, Any]]:
        self.pending += pcm
        out = []
        while len(self.pending) >= self.frame_bytes:
            frame, self.pending = bytes(self.pending[:self.frame_bytes]), self.pending[self.frame_bytes:]
            out += self._frame(frame)
        return out

    def _frame(self, frame: bytes) -> list[dict[str, Any]]:
        samples = struct.unpack(f"<{len(frame) // 2}h", frame)
        loud = max(abs(s) for s in samples) > self.fake.loud_threshold
        self.ms += 20
        if loud and self.words is None:
            self.text = self.fake.next_utterance()
            self.log.utterances.append(self.text)
            self.words, self.result_id, self.start_ms = self.text.split(), str(uuid.uuid4()), self.ms - 20
            self.loud_ms = self.quiet_ms = self.shown = 0
        if self.words is None:
            return []
        if loud:
            self.loud_ms, self.quiet_ms = self.loud_ms + 20, 0
            shown = min(len(self.words), 1 + self.loud_ms // self.fake.word_ms)
            if shown > self.shown:
                self.shown = shown
                return [self._result(partial=True)]
            return []
        self.quiet_ms += 20
        if self.fake.final_silence_ms is not None and self.quiet_ms >= self.fake.final_silence_ms:
            return self.finish()
        return []

    def finish(self) -> list[dict[str, Any]]:
        if self.words is None:
            return []
        result = self._result(partial=False)
        self.words = None
        return [result]

    def _result(self, *, partial: bool) -> dict[str, Any]:
        assert self.words is not None
        words = self.words[:self.shown] if partial else self.words
        step = (self.ms - self.quiet_ms - self.start_ms) / max(1, len(words))
        items = []
        for i, word in enumerate(words):
            start = self.start_ms + i * step
            item = {"Content": word.strip(".,?!"), "Type": "pronunciation", "StartTime": start / 1000,
                    "EndTime": (start + step) / 1000, "VocabularyFilterMatch": False}
            if not partial or i < len(words) - 1:
                item["Confidence"] = word_confidence(i)
            if partial and self.stabilise:
                item["Stable"] = i < len(words) - 1
            items.append(item)
        text = self.text if not partial else " ".join(w.strip(".,?!") for w in words)
        return {"ResultId": self.result_id, "StartTime": self.start_ms / 1000, "EndTime": self.ms / 1000,
                "IsPartial": partial, "ChannelId": "ch_0",
                "Alternatives": [{"Transcript": text, "Items": items}]}


class FakeTranscribe:
    """The ASGI app and its knobs; tests read `streams` and set the failure switches."""

    def __init__(self, script: list[str], *, secret_key: str | None = None) -> None:
        self.script = list(script)
        self.secret_key = secret_key  # given, every event's chunk signature is checked, as the service does
        self.cursor = 0
        self.word_ms = 200
        self.final_silence_ms: int | None = 500
        self.loud_threshold = 2000
        self.streams: list[StreamLog] = []
        self.reject_next: list[tuple[int, str, str]] = []  # (status, x-amzn-errortype, Message)
        self.exception_after_bytes: int | None = None  # one-shot mid-stream exception frame
        self.exception_name = "LimitExceededException"

    def next_utterance(self) -> str:
        text = self.script[self.cursor % len(self.script)]
        self.cursor += 1
        return text

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        if scope["method"] != "POST" or scope["path"] != "/stream-transcription":
            await self._error(send, 404, "UnknownOperationException", "No such operation.")
            return
        if self.reject_next:
            await self._error(send, *self.reject_next.pop(0))
            return
        problem = self._check(headers)
        if problem:
            await self._error(send, 400, "BadRequestException", problem)
            return
        log = StreamLog(headers={k: v for k, v in headers.items() if k.startswith("x-amzn-transcribe")})
        self.streams.append(log)
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"application/vnd.amazon.eventstream"),
            (b"x-amzn-request-id", str(uuid.uuid4()).encode()),
            (b"x-amzn-transcribe-session-id", str(uuid.uuid4()).encode())]})
        await self._converse(log, headers, receive, send)

    @staticmethod
    def _check(headers: dict[str, str]) -> str | None:
        if "authorization" not in headers:
            return "The request is not signed."
        if headers.get("x-amzn-transcribe-media-encoding") != "pcm":
            return "Only pcm is supported by this fake."
        if not headers.get("x-amzn-transcribe-language-code"):
            return "A language code is required."
        return None

    async def _converse(self, log: StreamLog, headers: dict[str, str], receive: Any, send: Any) -> None:
        rate = int(headers.get("x-amzn-transcribe-sample-rate", "8000"))
        stabilise = headers.get("x-amzn-transcribe-enable-partial-results-stabilization", "").lower() == "true"
        recogniser, decoder, failed = Recogniser(self, log, rate, stabilise), MessageDecoder(), False
        signatures = ChunkSignatures(headers["authorization"], self.secret_key) if self.secret_key else None
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            for envelope, inner_bytes in decoder.feed(message.get("body", b"")):
                if failed:
                    continue
                if signatures is not None:
                    if not signatures.check(envelope, inner_bytes):
                        failed = True
                        await send({"type": "http.response.body", "more_body": True, "body": exception_frame(
                            "BadRequestException", "The event's chunk signature does not match.")})
                        continue
                    log.verified_signatures += 1
                if not inner_bytes:  # the empty signed envelope: the client ended its audio
                    log.ended_by_client = True
                    continue
                ((inner, audio),) = MessageDecoder().feed(inner_bytes)
                if inner.get(":event-type") != "AudioEvent" or ":chunk-signature" not in envelope:
                    continue
                log.audio_bytes += len(audio)
                log.audio_events += 1
                log.event_bytes.append(len(audio))
                if self.exception_after_bytes is not None and log.audio_bytes >= self.exception_after_bytes:
                    self.exception_after_bytes, failed = None, True
                    await send({"type": "http.response.body", "more_body": True,
                                "body": exception_frame(self.exception_name, "Injected by the fake.")})
                    continue
                for result in recogniser.feed(audio):
                    await send({"type": "http.response.body", "body": transcript_frame([result]), "more_body": True})
            if not message.get("more_body", False):
                # Answer only once the request body is complete: hypercorn 0.18 fails the whole
                # connection when DATA arrives for a stream whose response has already ended.
                results = [] if failed else recogniser.finish()
                body = b"".join(transcript_frame([r]) for r in results)
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return

    @staticmethod
    async def _error(send: Any, status: int, error_type: str, message: str) -> None:
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/x-amz-json-1.1"), (b"x-amzn-errortype", f"{error_type}:".encode()),
            (b"x-amzn-request-id", str(uuid.uuid4()).encode())]})
        await send({"type": "http.response.body", "body": json.dumps({"Message": message}).encode()})


# --- TLS certificate and the server thread ---

def make_localhost_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost/127.0.0.1; returns (cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class ThreadedHypercorn:
    """hypercorn serving an ASGI app over TLS (h2 via ALPN) from a background thread."""

    def __init__(self, app: Any, cert: Path, key: Path) -> None:
        from hypercorn.config import Config

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.app, self.config = app, Config()
        self.config.bind = [f"127.0.0.1:{self.port}"]
        self.config.certfile, self.config.keyfile = str(cert), str(key)
        self.config.accesslog = self.config.errorlog = None
        self.config.graceful_timeout = 1
        self.config.ssl_handshake_timeout = 2  # an untrusting client must not hold the shutdown for 60 s
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stopping: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}"

    def _run(self) -> None:
        from hypercorn.asyncio import serve

        async def main() -> None:
            self.loop, self.stopping = asyncio.get_running_loop(), asyncio.Event()
            self.loop.set_exception_handler(self._on_loop_error)
            await serve(self.app, self.config, shutdown_trigger=self.stopping.wait)

        with contextlib.suppress(ssl.SSLError):
            asyncio.run(main())

    @staticmethod
    def _on_loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """Drop two known teardown errors of a connection whose client is done; report anything else.

        awscrt may send a frame after its TLS close_notify, and Python's ssl then fails closing the
        connection; hypercorn 0.18 fails a connection that sends DATA for a stream it has already
        answered (the client ending its request body after a 400).
        """
        error = context.get("exception")
        errors = [error, *getattr(error, "exceptions", ())]
        if not any((isinstance(e, ssl.SSLError) and "CLOSE_NOTIFY" in str(e)) or isinstance(e, KeyError)
                   for e in errors):
            loop.default_exception_handler(context)

    def start(self) -> ThreadedHypercorn:
        self.thread.start()
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if time.monotonic() > deadline or not self.thread.is_alive():
                    raise RuntimeError("hypercorn did not start") from None
                time.sleep(0.02)

    def stop(self) -> None:
        if self.loop and self.stopping:
            self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(timeout=5)
