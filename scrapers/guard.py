"""Refuse addresses that point at internal services.

A public source, or a redirect from one, must not make Convene fetch loopback, private,
link-local (cloud metadata at 169.254.169.254), shared (carrier-grade NAT), multicast or
reserved addresses. `check_url` is meant to run before every request, redirects included.

- URLs are split by httpx, the parser that will make the request, so the host checked is
  the host fetched. IP literals are read in every notation `inet_aton` accepts
  (2130706433, 0x7f.1, 0177.0.0.1); a host ending in a number that is not a valid address
  is refused. IPv4 inside IPv6 (::ffff:a.b.c.d, 6to4, NAT64) is judged as IPv4.
- A host with several addresses is refused if any of them is blocked (DNS rebinding).
- Credentials in the URL (user:pass@host) are allowed: they do not change where the
  request goes. Reasons name the host, never the whole URL, so passwords stay out of logs.
- `trusted` lists addresses, not names: internal names such as localhost (and single-label
  names like "intranet") stay refused unless `allow_private` is set.

Time of check / time of use: the fetcher connects to an address from the answer checked
here (scrapers/connect.py), never to a second lookup, so a DNS server that answers
differently the second time cannot slip past this check.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

Resolver = Callable[[str, int], Awaitable[list[str]]]  # host, port -> IP address strings
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_ADVICE = (
    " (Convene only fetches public addresses; mark the source local = true if this is intended)"
)
_BLOCKED = [  # most specific first
    (ipaddress.ip_network(net), words)
    for words, nets in {
        "the cloud metadata address (link-local)": "169.254.169.254/32",
        "the broadcast address": "255.255.255.255/32",
        "an unspecified address": "0.0.0.0/8 ::/128",
        "a loopback address": "127.0.0.0/8 ::1/128",
        "a private address": "10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fc00::/7",
        "a carrier-grade NAT (shared) address": "100.64.0.0/10",
        "a link-local address": "169.254.0.0/16 fe80::/10",
        "a site-local address": "fec0::/10",
        "a private NAT64 address": "64:ff9b:1::/48",
        "a documentation address": "192.0.2.0/24 198.51.100.0/24 203.0.113.0/24"
        " 2001:db8::/32 3fff::/20",
        "a benchmarking address": "198.18.0.0/15",
        "a multicast address": "224.0.0.0/4 ff00::/8",
        "a reserved address": "192.0.0.0/24 240.0.0.0/4 2001::/23",
    }.items()
    for net in nets.split()
]
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Names that only ever mean something inside a private network (RFC 6761, 6762, 8375,
# ICANN's .internal) or are commonly used that way.
_INTERNAL_SUFFIXES = ("localhost", "local", "internal", "localdomain", "home.arpa", "lan", "corp")
_INET_ATON_PART = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")
_NUMBER_LABEL = re.compile(r"[0-9]+|0[xX][0-9a-fA-F]*")


@dataclass(frozen=True)
class AddressPolicy:
    allow_private: bool = False  # True for sources marked local (tests, samples)
    # Addresses treated as public anyway: only tests use this, to stand a 127.0.0.1
    # server in for a public one. Written as Python's ipaddress writes them ("::1").
    trusted: frozenset[str] = frozenset()


async def system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def blocked_reason(ip: str) -> str | None:
    """None for a public address, else what kind of address it is, in plain words."""
    try:
        address = _ip_literal(ip)
    except ValueError:
        address = None
    return "not an IP address" if address is None else _classify(address)


def _ip_literal(host: str) -> IPAddress | None:
    """The address a host written as an IP literal stands for, in any notation inet_aton
    accepts; None for a host name. ValueError if it ends in a number but is no address."""
    host = host.rstrip(".")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    parts = host.split(".")
    if not _NUMBER_LABEL.fullmatch(parts[-1]):
        return None
    if len(parts) > 4 or not all(_INET_ATON_PART.fullmatch(part) for part in parts):
        raise ValueError(f"{host} is not a valid IP address")
    numbers = [
        int(p[2:] or "0", 16) if p[:2].lower() == "0x" else int(p, 8 if p[0] == "0" else 10)
        for p in parts
    ]
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise ValueError(f"{host} is not a valid IP address")
    for index, number in enumerate(head):
        last |= number << (24 - 8 * index)
    return ipaddress.IPv4Address(last)


def _classify(address: IPAddress) -> str | None:
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and address in _NAT64:
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None:
            reason = _classify(inner)
            return f"{reason} written as IPv6" if reason else None
    for net, words in _BLOCKED:
        if net.version == address.version and address in net:
            return words
    if not address.is_global or (address.version == 6 and address not in _GLOBAL_UNICAST):
        return "a reserved address"
    return None


def _refusal(address: IPAddress, policy: AddressPolicy) -> str | None:
    return None if str(address) in policy.trusted else _classify(address)


def _literal_refusal(host: str, policy: AddressPolicy) -> str | None:
    try:
        address = _ip_literal(host)
    except ValueError:
        return f"refused: {host} looks like an IP address but is not a valid one"
    if address is None:
        return f"refused: {host} looks like an IP address but is not a valid one"
    reason = _refusal(address, policy)
    if reason is None:
        return None
    said = "is" if ":" in host or str(address) == host.rstrip(".") else f"means {address},"
    return f"refused: {host} {said} {reason}{_ADVICE}"


async def check_url(
    url: str, policy: AddressPolicy, resolve: Resolver = system_resolve
) -> str | None:
    """None if Convene may fetch `url`, else a plain-words reason a person can act on."""
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError) as exc:
        return _invalid_literal(url, policy) or f"refused: not a valid web address ({exc})"
    if parsed.scheme not in ("http", "https"):
        scheme = f", not {parsed.scheme}:" if parsed.scheme else ""
        return f"refused: Convene only fetches http:// and https:// addresses{scheme}"
    name = host.rstrip(".").lower()
    if not name:
        return "refused: the address has no host name"
    if policy.allow_private:
        return None
    if _looks_literal(name):
        return _literal_refusal(name, policy)
    if "." not in name or any(name == s or name.endswith("." + s) for s in _INTERNAL_SUFFIXES):
        return f"refused: {name} is an internal host name{_ADVICE}"
    try:
        addresses = await resolve(host, parsed.port or (443 if parsed.scheme == "https" else 80))
    except (OSError, UnicodeError) as exc:
        return f"DNS lookup failed: cannot look up {name} ({getattr(exc, 'strerror', None) or exc})"
    if not addresses:
        return f"DNS lookup failed: cannot look up {name} (no addresses)"
    for text in addresses:
        try:
            reason = _refusal(ipaddress.ip_address(text), policy)
        except ValueError:
            reason = "which is not an IP address"
        if reason is not None:
            return f"refused: {name} resolves to {text}, {reason}{_ADVICE}"
    return None


def _invalid_literal(url: str, policy: AddressPolicy) -> str | None:
    """For a URL httpx rejects, a clearer reason if its host is a blocked IP literal."""
    try:
        host = urlsplit(url).hostname or ""  # e.g. 0177.0.0.1, which httpx rejects
    except ValueError:
        return None
    literal = _looks_literal(host) and not policy.allow_private
    return _literal_refusal(host, policy) if literal else None


def _looks_literal(host: str) -> bool:
    """True when a host is an IP literal, or ends in a number as one would."""
    return ":" in host or bool(_NUMBER_LABEL.fullmatch(host.rstrip(".").split(".")[-1]))
