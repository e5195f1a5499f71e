"""The address guard: addresses are only classified and looked up in fake resolvers,
never contacted."""

from __future__ import annotations

import asyncio
import socket

import pytest

from scrapers.guard import AddressPolicy, blocked_reason, check_url, system_resolve

PUBLIC = AddressPolicy()
BLOCKED = [
    ("127.0.0.1", "a loopback address"),
    ("127.255.0.9", "a loopback address"),
    ("::1", "a loopback address"),
    ("10.1.2.3", "a private address"),
    ("172.16.0.1", "a private address"),
    ("172.31.255.254", "a private address"),
    ("192.168.1.1", "a private address"),
    ("fc00::1", "a private address"),
    ("fd00:ec2::254", "a private address"),
    ("169.254.169.254", "the cloud metadata address (link-local)"),
    ("169.254.1.1", "a link-local address"),
    ("fe80::1", "a link-local address"),
    ("fe80::1%eth0", "a link-local address"),
    ("100.64.0.1", "a carrier-grade NAT (shared) address"),
    ("100.127.255.254", "a carrier-grade NAT (shared) address"),
    ("0.0.0.0", "an unspecified address"),
    ("0.1.2.3", "an unspecified address"),
    ("::", "an unspecified address"),
    ("224.0.0.1", "a multicast address"),
    ("239.255.255.250", "a multicast address"),
    ("ff02::1", "a multicast address"),
    ("240.0.0.1", "a reserved address"),
    ("255.255.255.255", "the broadcast address"),
    ("192.0.0.8", "a reserved address"),
    ("fec0::1", "a site-local address"),
    ("192.0.2.1", "a documentation address"),
    ("2001:db8::1", "a documentation address"),
    ("198.18.0.1", "a benchmarking address"),
    ("2001::1", "a reserved address"),  # Teredo
    ("4000::1", "a reserved address"),  # outside global unicast 2000::/3
    ("::7f00:1", "a reserved address"),  # IPv4-compatible (deprecated)
    ("::ffff:127.0.0.1", "a loopback address written as IPv6"),
    ("::ffff:10.0.0.1", "a private address written as IPv6"),
    ("::ffff:169.254.169.254", "the cloud metadata address (link-local) written as IPv6"),
    ("2002:a00:1::", "a private address written as IPv6"),  # 6to4 of 10.0.0.1
    ("64:ff9b::7f00:1", "a loopback address written as IPv6"),  # NAT64 of 127.0.0.1
    ("64:ff9b:1::1", "a private NAT64 address"),
    ("2130706433", "a loopback address"),  # inet_aton notations
    ("0x7f000001", "a loopback address"),
    ("0177.0.0.1", "a loopback address"),
    ("10.1", "a private address"),
]
PUBLIC_ADDRESSES = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "172.32.0.1",
    "100.128.0.1",
    "2a00:1450::1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
]


@pytest.mark.parametrize(("ip", "words"), BLOCKED)
def test_blocked_addresses(ip: str, words: str) -> None:
    assert blocked_reason(ip) == words


@pytest.mark.parametrize("ip", PUBLIC_ADDRESSES)
def test_public_addresses(ip: str) -> None:
    assert blocked_reason(ip) is None


@pytest.mark.parametrize("text", ["", "example.org", "1.2.3.4.5", "256.1.1.1", "08.0.0.1"])
def test_not_an_address(text: str) -> None:
    assert blocked_reason(text) == "not an IP address"


DNS = {
    "events.example": ["93.184.216.34", "2606:2800:220:1::1"],
    "intranet.example": ["10.1.2.3"],
    "metadata.example": ["169.254.169.254"],
    "six.example": ["::1"],
    "mapped.example": ["::ffff:127.0.0.1"],
    "rebind.example": ["93.184.216.34", "192.168.0.10"],
    "loopback.example": ["127.0.0.1"],
    "odd.example": ["not-an-address"],
    "empty.example": [],
}


class FakeResolver:
    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append((host, port))
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.table[host]


async def refuse_lookups(host: str, port: int) -> list[str]:
    raise AssertionError(f"looked up {host}")


def check(
    url: str, policy: AddressPolicy = PUBLIC, resolver: FakeResolver | None = None
) -> str | None:
    return asyncio.run(check_url(url, policy, resolver or FakeResolver(DNS)))


def test_public_host_allowed_and_looked_up_with_port() -> None:
    resolver = FakeResolver(DNS)
    assert check("https://events.example/cal.ics", resolver=resolver) is None
    assert check("http://events.example:8080/", resolver=resolver) is None
    assert check("http://user:secret@events.example/", resolver=resolver) is None
    ports = [port for host, port in resolver.asked if host == "events.example"]
    assert ports == [443, 8080, 80]


@pytest.mark.parametrize(
    ("host", "address", "words"),
    [
        ("intranet.example", "10.1.2.3", "a private address"),
        ("metadata.example", "169.254.169.254", "the cloud metadata address"),
        ("six.example", "::1", "a loopback address"),
        ("mapped.example", "::ffff:127.0.0.1", "a loopback address written as IPv6"),
        ("rebind.example", "192.168.0.10", "a private address"),
    ],
)
def test_host_resolving_to_internal_address_refused(host: str, address: str, words: str) -> None:
    reason = check(f"https://{host}/events")
    assert reason is not None
    assert reason.startswith(f"refused: {host} resolves to {address}, {words}")
    assert "mark the source local = true" in reason


def test_reason_reads_plainly_and_hides_credentials() -> None:
    assert check("http://alice:hunter2@intranet.example/") == (
        "refused: intranet.example resolves to 10.1.2.3, a private address (Convene only "
        "fetches public addresses; mark the source local = true if this is intended)"
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
        ("http://127.0.0.1./", "127.0.0.1 is a loopback address"),
        ("http://2130706433/", "2130706433 means 127.0.0.1, a loopback address"),
        ("http://0x7f000001/", "0x7f000001 means 127.0.0.1, a loopback address"),
        ("http://0x7f.0.0.1/", "0x7f.0.0.1 means 127.0.0.1, a loopback address"),
        ("http://0177.0.0.1/", "0177.0.0.1 means 127.0.0.1, a loopback address"),
        ("http://0177.1/", "0177.1 means 127.0.0.1, a loopback address"),
        ("http://0/", "0 means 0.0.0.0, an unspecified address"),
        ("http://012.1.2.3/", "012.1.2.3 means 10.1.2.3, a private address"),
        ("http://169.254.169.254/latest/meta-data/", "the cloud metadata address"),
        ("http://[::1]:8000/", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is a loopback address written as IPv6"),
        ("http://[::ffff:7f00:1]/", "is a loopback address written as IPv6"),
        ("http://[fd12:3456::1]/", "is a private address"),
        ("http://[fe80::1%25eth0]/", "is a link-local address"),
    ],
)
def test_ip_literals_in_every_notation_refused_without_lookup(url: str, says: str) -> None:
    reason = asyncio.run(check_url(url, PUBLIC, refuse_lookups))
    assert reason is not None and reason.startswith("refused: ")
    assert says in reason


@pytest.mark.parametrize("url", ["http://1.2.3.4.5/", "http://example.123/", "http://08.0.0.1/"])
def test_host_ending_in_a_number_must_be_a_valid_address(url: str) -> None:
    reason = asyncio.run(check_url(url, PUBLIC, refuse_lookups))
    assert reason is not None and "looks like an IP address but is not a valid one" in reason


def test_public_ip_literals_allowed_without_lookup() -> None:
    for url in ["http://8.8.8.8/", "http://134744072/", "https://[2a00:1450::1]/"]:
        assert asyncio.run(check_url(url, PUBLIC, refuse_lookups)) is None


@pytest.mark.parametrize(
    "host",
    [
        *("localhost", "LOCALHOST.", "api.localhost", "metadata.google.internal"),
        *("printer.local", "router.home.arpa", "intranet", "nas.lan"),
    ],
)
def test_internal_names_refused_without_lookup(host: str) -> None:
    reason = asyncio.run(check_url(f"http://{host}/", PUBLIC, refuse_lookups))
    assert reason is not None
    assert reason.startswith(f"refused: {host.lower().rstrip('.')} is an internal host name")


def test_allow_private_allows_everything_web() -> None:
    local = AddressPolicy(allow_private=True)
    for url in ["http://127.0.0.1:8000/x.ics", "http://localhost/", "http://intranet.example/"]:
        assert asyncio.run(check_url(url, local, refuse_lookups)) is None
    assert check("file:///etc/passwd", local) is not None


def test_trusted_allows_only_the_listed_address() -> None:
    tests = AddressPolicy(trusted=frozenset({"127.0.0.1"}))
    assert check("http://127.0.0.1:8123/feed.xml", tests) is None
    assert check("http://loopback.example/", tests) is None
    assert check("http://127.0.0.2/", tests) is not None
    assert check("http://[::1]/", tests) is not None
    assert check("http://[::ffff:127.0.0.1]/", tests) is not None
    assert check("http://intranet.example/", tests) is not None
    assert check("http://localhost/", tests) is not None  # trusted lists addresses, not names


@pytest.mark.parametrize(
    "url", ["ftp://events.example/x", "file:///etc/passwd", "gopher://events.example/", "x"]
)
def test_only_http_and_https(url: str) -> None:
    reason = check(url)
    assert reason is not None
    assert reason.startswith("refused: Convene only fetches http:// and https:// addresses")


def test_unparseable_urls_refused() -> None:
    for url in [
        "http:///path",
        "http://events.example:port/",
        "http://a\nb.example/",
        "http://[::1/",
    ]:
        reason = check(url)
        assert reason is not None and reason.startswith("refused: "), url


def test_resolution_failures() -> None:
    reason = check("https://nowhere.example/")
    assert reason is not None
    assert reason.startswith("DNS lookup failed: cannot look up nowhere.example")
    assert "Name or service not known" in reason
    assert check("https://empty.example/") == (
        "DNS lookup failed: cannot look up empty.example (no addresses)"
    )
    odd = check("https://odd.example/")
    assert odd is not None and odd.startswith("refused: odd.example resolves to not-an-address")


def test_system_resolve_reads_literals_offline() -> None:
    # Only loopback lookups work in the tests (see conftest): nothing leaves the machine.
    assert asyncio.run(system_resolve("127.0.0.1", 80)) == ["127.0.0.1"]
    reason = asyncio.run(check_url("http://outside.example/", PUBLIC))
    assert reason is not None and reason.startswith("DNS lookup failed: cannot look up")
