"""Transcribe's audio events, framed and signed with a few C calls.

Every 100-200 ms of a caller's speech goes to Transcribe as one AWS event-stream message, wrapped
in a second message that carries its SigV4 chunk signature (each signature chains on the one
before, from the request's own). The SDK's publisher builds both through its generic shape
serializer and header encoder: 74-108 us of Python per event in a benchmark of its own, more in a
busy relay (with the rest of the send path, a quarter of the event loop's work while callers talk).
The bytes are fixed by the protocol, so they are built here directly (18-35 us): the audio
message's headers never change, and the signing key changes once a day. The output is the SDK's,
byte for byte (tests/unit/test_audio_events.py holds it to that).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import struct
import zlib

_TIMESTAMP = "%Y%m%dT%H%M%SZ"  # SigV4's


def _string_header(name: str, value: str) -> bytes:
    raw = value.encode()
    return bytes([len(name)]) + name.encode() + b"\x07" + struct.pack("!H", len(raw)) + raw


# In the order the SDK's serializer writes them (the order is part of the signed payload); an empty
# chunk goes without a content type.
EMPTY_AUDIO_HEADERS = _string_header(":message-type", "event") + _string_header(":event-type", "AudioEvent")
AUDIO_HEADERS = EMPTY_AUDIO_HEADERS + _string_header(":content-type", "application/octet-stream")
_DATE_NAME = b"\x05:date\x08"
_SIGNATURE_NAME = b"\x10:chunk-signature\x06\x00\x20"  # a 32-byte byte-array header


def frame(headers: bytes, payload: bytes) -> bytes:
    """One event-stream message: prelude (lengths and their CRC32), headers, payload, CRC32 of it all.
    The CRC runs on over the pieces, so the payload (the audio) is copied once, into the message."""
    prelude = struct.pack("!II", len(headers) + len(payload) + 16, len(headers))
    head = prelude + struct.pack("!I", zlib.crc32(prelude)) + headers
    return b"".join((head, payload, struct.pack("!I", zlib.crc32(payload, zlib.crc32(head)))))


class EventSigner:
    """The signature chain of one stream's events (SigV4 `AWS4-HMAC-SHA256-PAYLOAD`).

    `prior` is the hex signature the next event chains on: the request's at first, then each event's.
    """

    def __init__(self, prior: bytes, region: str, service: str) -> None:
        self.prior, self.region, self.service = prior, region, service
        self._key: tuple[str, str, bytes] | None = None  # (secret, day, signing key)
        # The string-to-sign's lines before the signatures, for the second they name: strftime alone
        # was a fifth of an event's signing, and a stream sends 5-10 events a second.
        self._second: int | None = None
        self._head, self._day = "", ""

    def audio(self, pcm: bytes, secret: str, now: datetime.datetime) -> bytes:
        """The signed envelope of one audio event, ready for the wire; advances the chain."""
        return self.envelope(frame(AUDIO_HEADERS if pcm else EMPTY_AUDIO_HEADERS, pcm), secret, now)

    def envelope(self, payload: bytes, secret: str, now: datetime.datetime) -> bytes:
        """`payload` (an encoded message, or b"" for the end of the stream) signed and framed."""
        epoch_ms = int(now.timestamp() * 1000)
        if epoch_ms // 1000 != self._second:
            self._second = epoch_ms // 1000
            timestamp = now.strftime(_TIMESTAMP)
            self._day = timestamp[:8]
            self._head = "\n".join(("AWS4-HMAC-SHA256-PAYLOAD", timestamp,
                                    f"{self._day}/{self.region}/{self.service}/aws4_request", ""))
        date_header = _DATE_NAME + struct.pack("!q", epoch_ms)
        to_sign = "\n".join((self._head + self.prior.decode(), hashlib.sha256(date_header).hexdigest(),
                             hashlib.sha256(payload).hexdigest()))
        signature = hmac.digest(self._signing_key(secret, self._day), to_sign.encode(), "sha256")
        self.prior = signature.hex().encode()
        return frame(date_header + _SIGNATURE_NAME + signature, payload)

    def _signing_key(self, secret: str, day: str) -> bytes:
        """SigV4's derived key, which depends only on the secret and the day: four HMACs, once a day."""
        if self._key is None or self._key[:2] != (secret, day):
            key = hmac.digest(f"AWS4{secret}".encode(), day.encode(), "sha256")
            for part in (self.region, self.service, "aws4_request"):
                key = hmac.digest(key, part.encode(), "sha256")
            self._key = (secret, day, key)
        return self._key[2]
