"""Which addresses a tenant's URL may reach: the one address policy for every outbound request.

A webhook, a custom tool or a webhook test names a URL the tenant chose; the platform fetches it
from inside its network, so the URL must not reach the platform's own neighbours: loopback, private
and link-local ranges, the cloud metadata service, or any of them written another way (IPv4-mapped
or -compatible IPv6, 6to4, Teredo, NAT64, or IPv4 spelled in octal, hex or as one number).
Local mode allows plain `http` and loopback, nothing more.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from switchboard.errors import InvalidInput

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

_METADATA = {ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254",
                                                "100.100.100.200")}
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_6TO4 = ipaddress.ip_network("2002::/16")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_COMPAT = ipaddress.ip_network("::/96")
_DOTTED_QUAD = re.compile(r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$")
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|\d+)(\.(0x[0-9a-f]*|\d+))*\.?$", re.IGNORECASE)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system's resolver gives for `host` (TCP)."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def embedded_ipv4(ip: IP) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, Teredo, NAT64), if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.teredo is not None:
        return ip.teredo[1]  # the client's address (the server's is public by definition)
    if ip in _6TO4:
        return ip.sixtofour
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _COMPAT and int(ip) > 1:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal(ip: IP, *, local_mode: bool) -> str | None:
    """Why `ip` may not be reached (None: it may)."""
    inner = embedded_ipv4(ip)
    if inner is not None:
        why = refusal(inner, local_mode=False)  # loopback behind a translation is never "local"
        return f"{why} (inside {ip})" if why else None
    if ip in _METADATA:
        return "a cloud metadata address"
    if ip.is_loopback:
        return None if local_mode else "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "a shared (carrier-grade NAT) address"
    if ip.is_private or ip.is_reserved or ip.is_unspecified or ip.is_multicast or not ip.is_global:
        return "a private or reserved address"
    return None


@dataclass(frozen=True)
class Target:
    """A URL the guard allowed: its host as written, the port, and the checked address to connect to."""

    scheme: str
    host: str
    port: int
    address: str


def _literal(host: str) -> IP | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check(url: str, *, local_mode: bool, resolver: Resolver = system_resolver, what: str = "URL") -> Target:
    """Resolve `url`'s host once and check every address; raise InvalidInput with a plain sentence."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"{what} '{url}' is not a valid URL.") from exc
    allowed = ("http", "https") if local_mode else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        need = "an http(s)" if local_mode else "an https"
        raise InvalidInput(f"{what} '{url}' must be {need} URL with a host.")
    if parts.username or parts.password:
        raise InvalidInput(f"{what}s must not carry credentials; sign-in data belongs in your server.")
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    literal = _literal(host)
    if literal is None and _NUMERIC_HOST.match(host):
        raise InvalidInput(f"{what} host '{host}' is an IPv4 address in an unusual spelling; write it as a "
                           "dotted quad, or use a name.")
    if isinstance(literal, ipaddress.IPv4Address) and not _DOTTED_QUAD.match(host):
        raise InvalidInput(f"{what} host '{host}' is an IPv4 address in an unusual spelling.")
    try:
        addresses = [str(literal)] if literal is not None else resolver(host, port)
    except (OSError, UnicodeError) as exc:
        raise InvalidInput(f"{what} host '{host}' does not resolve.") from exc
    if not addresses:
        raise InvalidInput(f"{what} host '{host}' does not resolve.")
    for address in addresses:
        ip = _literal(address)
        reason = "an address that is not an IP address" if ip is None else refusal(ip, local_mode=local_mode)
        if reason:
            raise InvalidInput(f"{what} host '{host}' resolves to {reason}; it must reach a public address.")
    return Target(parts.scheme, host, port, addresses[0])
