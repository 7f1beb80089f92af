"""The SSRF guard: webhook URLs must be public https endpoints outside local mode.

Checked when a URL is set and again before every delivery (DNS can change in between).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from switchboard.errors import InvalidInput

_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"),
             ipaddress.ip_address("100.100.100.200")}


def _refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip in _METADATA:
        return "a cloud metadata address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private or ip.is_reserved or ip.is_unspecified or ip.is_multicast:
        return "a private or reserved address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        return "a shared (carrier-grade NAT) address"
    return None


def check_url(url: str, *, local_mode: bool) -> None:
    """Raise InvalidInput with a plain sentence if `url` may not receive webhooks."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"Webhook URL '{url}' is not a valid URL.") from exc
    allowed = ("http", "https") if local_mode else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        need = "an http(s)" if local_mode else "an https"
        raise InvalidInput(f"Webhook URL '{url}' must be {need} URL with a host.")
    if parts.username or parts.password:
        raise InvalidInput("Webhook URLs must not carry credentials; sign-in data belongs in your server.")
    if local_mode:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise InvalidInput(f"Webhook host '{parts.hostname}' does not resolve.") from exc
    for info in infos:
        reason = _refusal(ipaddress.ip_address(info[4][0].split("%")[0]))
        if reason:
            raise InvalidInput(f"Webhook host '{parts.hostname}' resolves to {reason}; webhooks must reach a "
                               "public address.")
