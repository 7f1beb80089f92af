"""What the platform needs from a telephone carrier, independent of the carrier's API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol


@dataclass(frozen=True)
class AvailableNumber:
    phone_number: str
    country: str
    area_code: str | None = None
    city: str | None = None
    state: str | None = None


@dataclass(frozen=True)
class NumberWebhooks:
    """Where the carrier should send a number's inbound calls, call status and SMS."""

    voice_url: str
    status_url: str
    sms_url: str


@dataclass(frozen=True)
class OwnedNumber:
    carrier_id: str
    phone_number: str


@dataclass(frozen=True)
class PlacedCall:
    carrier_call_id: str
    status: str


@dataclass(frozen=True)
class SentMessage:
    carrier_message_id: str
    status: str


class Carrier(Protocol):
    """Synchronous port (the API runs in Lambda threads; the relay calls it from a worker thread).

    Every method raises `switchboard.errors.CarrierError` for carrier refusals (4xx status:
    the request was at fault) and failures (502/503), never a bare HTTP error.
    """

    name: str

    def search_numbers(self, country: str, area_code: str | None, limit: int) -> list[AvailableNumber]: ...

    def buy_number(
        self, *, country: str, area_code: str | None, phone_number: str | None, webhooks: NumberWebhooks
    ) -> OwnedNumber: ...

    def release_number(self, carrier_id: str) -> None: ...

    def place_call(
        self,
        *,
        to: str,
        from_: str,
        twiml: str,
        status_callback: str,
        timeout_seconds: int = 30,
        time_limit_seconds: int | None = None,
        machine_detection: bool = False,
        amd_callback: str | None = None,
    ) -> PlacedCall: ...

    def update_call(
        self,
        carrier_call_id: str,
        *,
        status: Literal["completed", "canceled"] | None = None,
        twiml: str | None = None,
    ) -> None:
        """End (`completed`), cancel a not-yet-answered call, or replace its TwiML (redirect)."""
        ...

    def send_message(
        self, *, to: str, from_: str, body: str, status_callback: str, media_url: str | None = None
    ) -> SentMessage: ...
