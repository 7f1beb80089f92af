"""One object of a webhook's reply: what to say and what to do after saying it.

Fields follow the API: `text`, `interim`, `hangup`, `action` (`hangup` | `transfer`),
`transferNumber`, and `digits` (aliases `press_digit`, `dtmf`). A bad field is reported
(for the delivery log) and ignored; the rest of the object still counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from media_relay.audio import dtmf
from switchboard.models.common import is_sip_uri

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
DIGIT_FIELDS = ("digits", "press_digit", "dtmf")


@dataclass(frozen=True)
class ReplyChunk:
    text: str = ""
    interim: bool = False
    hangup: bool = False
    transfer: bool = False
    transfer_number: str | None = None
    digits: str | None = None
    problems: list[str] = field(default_factory=list)
    # The text is a whole piece already cut for speech (hosted mode): speak it without waiting for more.
    complete: bool = False


def parse_chunk(obj: dict[str, Any]) -> ReplyChunk:
    problems: list[str] = []
    text = obj.get("text")
    if text is not None and not isinstance(text, str):
        problems.append("'text' must be a string")
        text = None
    action = obj.get("action")
    if action not in (None, "hangup", "transfer"):
        problems.append(f"unknown action {action!r} (expected 'hangup' or 'transfer')")
        action = None
    number = obj.get("transferNumber")
    if number is not None and not (isinstance(number, str) and (E164.match(number) or is_sip_uri(number))):
        problems.append("'transferNumber' must be an E.164 phone number or a SIP URI")
        number = None
    digits = next((obj[k] for k in DIGIT_FIELDS if obj.get(k) not in (None, "")), None)
    if isinstance(digits, int) and not isinstance(digits, bool) and digits >= 0:
        digits = str(digits)
    if digits is not None and not (isinstance(digits, str) and dtmf.valid(digits)):
        problems.append("'digits' may only hold 0-9, *, # and w")
        digits = None
    return ReplyChunk(text=(text or "").strip(), interim=obj.get("interim") is True,
                      hangup=obj.get("hangup") is True or action == "hangup", transfer=action == "transfer",
                      transfer_number=number, digits=digits, problems=problems)
