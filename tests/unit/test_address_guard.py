"""The address policy refuses every spelling of an internal address, and allows public ones."""

from __future__ import annotations

import pytest

from switchboard.errors import InvalidInput
from switchboard.net.guard import check

PUBLIC = "93.184.216.34"


def resolving(*addresses: str):  # type: ignore[no-untyped-def]
    return lambda host, port: list(addresses)


REFUSED_ADDRESSES = [
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200",  # metadata services
    "127.0.0.1", "127.9.9.9", "::1", "0.0.0.0", "::",  # loopback, unspecified
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "fc00::1", "fe80::1", "169.254.1.1",  # private, link-local
    "100.64.0.1", "198.18.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255",  # CGNAT, benchmark, multicast...
    "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1",  # IPv4-mapped
    "::127.0.0.1", "::10.0.0.1",  # IPv4-compatible
    "2002:7f00:1::", "2002:a9fe:a9fe::1", "2002:c0a8:101::",  # 6to4 around loopback, metadata, private
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo: client 127.0.0.1 (obfuscated)
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo: client 10.0.0.1
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1",  # NAT64 around loopback, metadata, private
]


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_internal_addresses_are_refused_behind_any_name(address: str) -> None:
    with pytest.raises(InvalidInput, match="resolves to"):
        check("https://hook.example.com/x", local_mode=False, resolver=resolving(address))


@pytest.mark.parametrize("host", ["169.254.169.254", "[::ffff:169.254.169.254]", "[2002:a9fe:a9fe::]", "10.1.2.3"])
def test_internal_literals_are_refused(host: str) -> None:
    with pytest.raises(InvalidInput):
        check(f"https://{host}/latest/meta-data", local_mode=False, resolver=resolving())


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "0177.0.0.1", "127.1", "0x7f000001", "017700000001",
                                  "0251.0376.0251.0376", "169.254.43518", "1.1.1.01"])
def test_odd_ipv4_spellings_are_refused_before_any_lookup(host: str) -> None:
    def never(host: str, port: int) -> list[str]:
        raise AssertionError("no lookup for an odd IPv4 spelling")

    with pytest.raises(InvalidInput, match="unusual spelling"):
        check(f"https://{host}/", local_mode=True, resolver=never)


def test_a_name_with_one_internal_address_among_public_ones_is_refused() -> None:
    with pytest.raises(InvalidInput, match="metadata"):
        check("https://mixed.example.com/", local_mode=False, resolver=resolving(PUBLIC, "169.254.169.254"))


def test_production_needs_https_and_no_credentials() -> None:
    for url in ("http://hook.example.com/", "ftp://hook.example.com/", "https://u:p@hook.example.com/", "https:///x",
                "https://hook.example.com:99999/"):
        with pytest.raises(InvalidInput):
            check(url, local_mode=False, resolver=resolving(PUBLIC))


def test_public_addresses_pass_and_are_returned_to_connect_to() -> None:
    target = check("https://hook.example.com:8443/x", local_mode=False,
                   resolver=resolving(PUBLIC, "2606:2800:220:1:248:1893:25c8:1946"))
    assert (target.host, target.port, target.address) == ("hook.example.com", 8443, PUBLIC)


def test_local_mode_allows_http_and_loopback_only() -> None:
    assert check("http://127.0.0.1:9/x", local_mode=True).address == "127.0.0.1"
    assert check("http://hook.local/x", local_mode=True, resolver=resolving("::1")).address == "::1"
    for address in ("169.254.169.254", "10.0.0.1", "::ffff:127.0.0.1", "2002:7f00:1::"):
        with pytest.raises(InvalidInput):
            check("http://hook.local/x", local_mode=True, resolver=resolving(address))
