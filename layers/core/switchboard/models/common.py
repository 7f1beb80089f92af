"""Types shared by every resource: E.164 numbers, languages, list envelopes."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

E164_RE = re.compile(r"^\+[1-9]\d{7,14}$")


def check_e164(value: str) -> str:
    if not E164_RE.match(value):
        raise ValueError(
            f"'{value}' is not an E.164 phone number (a '+' then 8 to 15 digits, e.g. +14155550123)"
        )
    return value


E164 = Annotated[str, AfterValidator(check_e164)]

# A SIP address a call can be transferred to (`<Dial><Sip>` on Twilio): sip:user@host[:port][;params].
SIP_URI_RE = re.compile(r"^sips?:[^@\s<>\"]+@[A-Za-z0-9.-]+(:\d{1,5})?(;[^\s<>\"]*)?$")


def is_sip_uri(value: str) -> bool:
    return bool(SIP_URI_RE.match(value))


def check_transfer_target(value: str) -> str:
    if is_sip_uri(value):
        return value
    if not E164_RE.match(value):
        raise ValueError(f"'{value}' is neither an E.164 phone number (e.g. +14155550123) nor a SIP URI "
                         "(e.g. sip:frontdesk@pbx.example.com)")
    return value


TransferTarget = Annotated[str, AfterValidator(check_transfer_target)]

Language = Literal[
    "af-ZA", "ar-SA", "az-AZ", "bg-BG", "bs-BA", "ca-ES", "cs-CZ", "cy-GB", "da-DK", "de-DE", "el-GR",
    "en-AU", "en-GB", "en-IN", "en-NZ", "en-US", "es-419", "es-ES", "fa-IR", "fi-FI", "fil-PH", "fr-CA",
    "fr-FR", "gl-ES", "he-IL", "hi-IN", "hr-HR", "hu-HU", "hy-AM", "id-ID", "is-IS", "it-IT", "ja-JP",
    "kk-KZ", "kn-IN", "ko-KR", "lt-LT", "lv-LV", "mk-MK", "mr-IN", "ms-MY", "ne-NP", "nl-BE", "nl-NL",
    "no-NO", "pl-PL", "pt-BR", "pt-PT", "ro-RO", "ru-RU", "sk-SK", "sl-SI", "sr-RS", "sv-SE", "sw-KE",
    "ta-IN", "th-TH", "tr-TR", "uk-UA", "ur-IN", "vi-VN", "yue-CN", "zh-CN",
]

LANGUAGES: tuple[str, ...] = get_args(Language)


# Every request string has a bound (fields with their own bound, e.g. systemPrompt, set a larger one).
MAX_STRING_CHARS = 10_000
# Free-form JSON a client attaches (call and conversation `metadata`, `variables`, a tool's `parameters`).
MAX_JSON_BYTES = 16_384
MAX_JSON_KEYS = 100


def _bounded_json(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if len(value) > MAX_JSON_KEYS:
        raise ValueError(f"holds {len(value)} keys; at most {MAX_JSON_KEYS} are allowed")
    if any(not key for key in value):
        raise ValueError("keys must not be empty")
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
    if size > MAX_JSON_BYTES:
        raise ValueError(f"is {size} bytes as JSON; at most {MAX_JSON_BYTES} are allowed")
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(_bounded_json), Field(
    description=f"A JSON object of at most {MAX_JSON_KEYS} keys and {MAX_JSON_BYTES} bytes.")]
Variables = Annotated[dict[str, str | None], AfterValidator(_bounded_json), Field(
    description=f"Template variables: at most {MAX_JSON_KEYS} keys and {MAX_JSON_BYTES} bytes as JSON.")]


class RequestModel(BaseModel):
    """Request bodies: unknown fields ignored, no silent type coercion ("5" is not 5), strings bounded."""

    model_config = ConfigDict(extra="ignore", strict=True, str_max_length=MAX_STRING_CHARS)


class ResponseModel(BaseModel):
    """Responses keep extra stored fields out unless a model declares them."""

    model_config = ConfigDict(extra="ignore")


class Page(ResponseModel):
    total: int
    hasMore: bool
