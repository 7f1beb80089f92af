"""What the local carrier remembers: owned numbers, calls and messages (in memory, thread-safe)."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any

from switchboard.clock import utcnow


def sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def rfc2822() -> str:
    return format_datetime(utcnow())


@dataclass
class CarrierState:
    numbers: dict[str, dict[str, Any]] = field(default_factory=dict)  # by PN sid
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)  # by CA sid
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # by SM sid
    # Other Twilio APIs (trunking, SIP credentials, TrustHub, Messaging): each resource by its sid.
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def number_by_phone(self, e164: str) -> dict[str, Any] | None:
        with self.lock:
            return next((n for n in self.numbers.values() if n["phone_number"] == e164), None)

    def owned_phones(self) -> set[str]:
        with self.lock:
            return {n["phone_number"] for n in self.numbers.values()}

    def calls_to(self, e164: str) -> list[dict[str, Any]]:
        with self.lock:
            return [c for c in self.calls.values() if c["to"] == e164]
