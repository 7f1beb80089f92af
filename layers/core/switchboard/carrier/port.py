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
class CarrierCall:
    """A call as the carrier knows it (Twilio's Call resource): for reconciling a lost status callback."""

    status: str  # Twilio's CallStatus: queued, ringing, in-progress, completed, busy, failed, no-answer, canceled
    duration_seconds: int | None = None
    answered_by: str | None = None


@dataclass(frozen=True)
class SentMessage:
    carrier_message_id: str
    status: str


@dataclass(frozen=True)
class LineInfo:
    """What the carrier knows of a number (Twilio Lookup v2, line type intelligence)."""

    phone_number: str
    valid: bool
    country: str | None = None
    line_type: str | None = None
    carrier_name: str | None = None


@dataclass(frozen=True)
class CarrierTrunk:
    """A SIP trunk at the carrier: its termination domain and the credential list that guards it."""

    trunk_sid: str
    domain_name: str
    credential_list_sid: str
    credential_sid: str


@dataclass(frozen=True)
class A2PState:
    """Where a 10DLC registration stands at the carrier (brand, then campaign)."""

    brand_sid: str
    brand_status: str
    campaign_status: str | None = None
    messaging_service_sid: str | None = None
    campaign_sid: str | None = None
    failure_reason: str | None = None


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

    def get_call(self, carrier_call_id: str) -> CarrierCall | None:
        """The carrier's view of a call (None: the carrier has no such call)."""
        ...

    def send_message(
        self, *, to: str, from_: str, body: str, status_callback: str | None, media_url: str | None = None
    ) -> SentMessage: ...

    def lookup(self, e164: str) -> LineInfo: ...

    def messaging_capabilities(self, e164: str) -> dict[str, bool]:
        """Which messaging channels reach a number through this carrier (`sms`, `imessage`)."""
        ...

    def create_trunk(self, *, name: str, domain_name: str, transfer_mode: str, transfer_caller_id: str,
                     secure: bool, username: str, password: str) -> CarrierTrunk: ...

    def update_trunk(self, trunk_sid: str, *, name: str | None = None, transfer_mode: str | None = None,
                     transfer_caller_id: str | None = None) -> None: ...

    def set_origination(self, trunk_sid: str, uris: list[dict[str, object]]) -> None: ...

    def rotate_trunk_password(self, credential_list_sid: str, credential_sid: str, password: str) -> None: ...

    def delete_trunk(self, trunk_sid: str, credential_list_sid: str) -> None: ...

    def route_number_to_trunk(self, trunk_sid: str, number_carrier_id: str, attach: bool) -> None: ...

    def start_a2p(self, profile: dict[str, object]) -> A2PState:
        """Register a US A2P 10DLC brand; the campaign follows once the brand is approved (`advance_a2p`)."""
        ...

    def advance_a2p(self, state: A2PState, profile: dict[str, object]) -> A2PState: ...

    def add_sender(self, messaging_service_sid: str, number_carrier_id: str) -> None:
        """Put a number in a registered campaign's messaging service (its texts then go out under it)."""
        ...
