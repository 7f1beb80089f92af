"""Twilio Lookup v2 (line type intelligence) and the messaging channels Twilio offers."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from switchboard.carrier.port import LineInfo


class LookupMixin:
    """Mixed into the Twilio adapter, whose `service_request` it uses."""

    service_request: Any

    def lookup(self, e164: str) -> LineInfo:
        data = self.service_request("GET", "lookups", f"v2/PhoneNumbers/{quote(e164)}",
                                    params={"Fields": "line_type_intelligence"})
        line = data.get("line_type_intelligence") or {}
        return LineInfo(phone_number=data.get("phone_number") or e164, valid=bool(data.get("valid")),
                        country=data.get("country_code"), line_type=line.get("type"),
                        carrier_name=line.get("carrier_name"))

    def messaging_capabilities(self, e164: str) -> dict[str, bool]:
        """Twilio sends SMS to any number it can reach and has no iMessage: a fact, not a request."""
        return {"sms": True, "imessage": False}
