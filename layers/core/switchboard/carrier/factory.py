"""Pick the carrier adapter from settings: Twilio, or the local carrier through the same adapter."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from switchboard.carrier.port import Carrier
from switchboard.carrier.twilio import TwilioCarrier
from switchboard.errors import CarrierError
from switchboard.settings import Settings


def twilio_credentials(settings: Settings, aws_client: Callable[[str], Any]) -> tuple[str, str]:
    """(account SID, auth token): from Secrets Manager when a secret is configured, else from settings."""
    if settings.twilio_secret_arn:
        raw = aws_client("secretsmanager").get_secret_value(SecretId=settings.twilio_secret_arn)["SecretString"]
        secret = json.loads(raw)
        sid, token = secret.get("accountSid", ""), secret.get("authToken", "")
    else:
        sid, token = settings.twilio_account_sid, settings.twilio_auth_token
    if not sid or not token:
        raise CarrierError("Twilio credentials are missing: fill the TwilioSecret (accountSid, authToken) "
                           "or set SWITCHBOARD_TWILIO_ACCOUNT_SID and SWITCHBOARD_TWILIO_AUTH_TOKEN.")
    return sid, token


def build_carrier(settings: Settings, aws_client: Callable[[str], Any]) -> Carrier:
    """Local mode's carrier is a Twilio-protocol emulator, so both modes use the Twilio adapter:
    locally it is pointed at the emulator's API base and credentials."""
    sid, token = twilio_credentials(settings, aws_client)
    return TwilioCarrier(sid, token, api_base=settings.twilio_api_base)
