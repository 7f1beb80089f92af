"""The request checks Twilio's API makes before acting, as far as this project relies on them."""

from __future__ import annotations

import re

from switchboard_local.carrier.errors import TwilioError

_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_NANP = re.compile(r"^\+1[2-9]\d{2}[2-9]\d{6}$")


def dialable(number: str) -> bool:
    """E.164 that a carrier could route: NANP numbers well formed, no unassigned +99x prefixes."""
    if not _E164.match(number) or number.startswith(("+99", "+80", "+87", "+88")):
        return False
    return bool(_NANP.match(number)) if number.startswith("+1") else True


def require(form: dict[str, list[str]], name: str, code: int, message: str) -> str:
    values = form.get(name)
    if not values or not values[-1]:
        raise TwilioError(400, code, message)
    return values[-1]


def check_to(to: str) -> None:
    if not dialable(to):
        raise TwilioError(400, 21211, f"The 'To' number {to} is not a valid phone number.")
