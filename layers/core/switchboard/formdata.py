"""Form-encoded bodies (carrier callbacks, Twilio REST) parsed without a multipart dependency."""

from __future__ import annotations

from urllib.parse import parse_qsl


def parse_form(body: bytes) -> dict[str, list[str]]:
    """Every value of every name, in order; blank values kept (Twilio signs them too)."""
    form: dict[str, list[str]] = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        form.setdefault(name, []).append(value)
    return form
