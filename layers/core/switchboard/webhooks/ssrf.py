"""Webhook and tool URLs are checked when they are set; the guarded client checks again on every request.

The policy itself lives in `switchboard.net.guard` (one place for every outbound path).
"""

from __future__ import annotations

from switchboard.net.guard import Resolver, check, system_resolver


def check_url(url: str, *, local_mode: bool, resolver: Resolver = system_resolver, what: str = "Webhook URL") -> None:
    """Raise InvalidInput with a plain sentence if `url` may not be fetched by the platform."""
    check(url, local_mode=local_mode, resolver=resolver, what=what)
