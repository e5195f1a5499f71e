"""httpx's connections, opened by asyncio directly and to the address the guard checked.

httpcore's default network backend goes through anyio: a thread-pool DNS lookup, a task
group for Happy Eyeballs and a cancel scope per read and write. With nearly every source
on a host of its own, nearly every request opens a new connection, and that machinery
cost a fifth of the event loop's time per request (bench/fetch_scale.py). Here a
connection is one `asyncio.open_connection` to an address already known, and reads and
writes are plain asyncio streams. httpx still does everything above the socket: HTTP,
TLS set-up and certificate checks (against the host name, not the address), the pool.

The address is one that `scrapers.guard.check_url` approved for this host (`Pins`), so a
DNS server that answers differently the second time can no longer slip past the check. A
host nobody approved (a source marked local, whose addresses are not checked) is looked
up once per fetch_all call, before its request's turn where scrapers.transfer can.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx
from httpcore._backends.base import SOCKET_OPTION
from httpcore._utils import is_socket_readable

SocketOptions = Iterable[SOCKET_OPTION]
Key = tuple[str, int]


class Pins:
    """Where connections go: host and port -> the addresses the guard approved in this
    run, or, for a host it had no reason to check (a source marked local), the addresses
    looked up for it. An approval always wins, so a public source never connects to an
    address that only a local source's lookup gave."""

    def __init__(self) -> None:
        self._approved: dict[Key, tuple[str, ...]] = {}
        self._looked_up: dict[Key, tuple[str, ...]] = {}

    def approve(self, host: str, port: int, addresses: Iterable[str]) -> None:
        self._approved[_key(host, port)] = tuple(addresses)

    def get(self, host: str, port: int) -> tuple[str, ...]:
        key = _key(host, port)
        return self._approved.get(key) or self._looked_up.get(key, ())

    async def look_up(self, host: str, port: int) -> tuple[str, ...]:
        """A host's addresses, looked up once per run unless approved meanwhile."""
        if _is_address(host):
            return (host,)
        found = self.get(host, port)
        if not found:
            loop = asyncio.get_running_loop()
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            found = tuple(dict.fromkeys(str(i[4][0]) for i in infos))
            self._looked_up[_key(host, port)] = found
        return found


def _key(host: str, port: int) -> Key:
    return host.lower().rstrip("."), port


@contextmanager
def _mapped(timeout: type[Exception], other: type[Exception]) -> Iterator[None]:
    """asyncio's exceptions as httpcore's, which httpx turns into its own."""
    try:
        yield
    except TimeoutError as exc:
        raise timeout(str(exc) or "timed out") from exc
    except ConnectionRefusedError as exc:
        raise other(f"connection refused ({exc})") from exc
    except (OSError, EOFError, ssl.SSLError) as exc:
        raise other(str(exc) or type(exc).__name__) from exc


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _mapped(httpcore.ReadTimeout, httpcore.ReadError):
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        with _mapped(httpcore.WriteTimeout, httpcore.WriteError):
            self._writer.write(buffer)
            async with asyncio.timeout(timeout):
                await self._writer.drain()

    async def aclose(self) -> None:
        self._writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with _mapped(httpcore.ConnectTimeout, httpcore.ConnectError):
                async with asyncio.timeout(timeout):
                    await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except Exception:
            await self.aclose()
            raise
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # asked of an idle connection: readable means closed
            if self._reader.at_eof() or self._writer.is_closing():
                return True
            sock: socket.socket | None = self._writer.get_extra_info("socket")
            return is_socket_readable(sock)
        name = {"client_addr": "sockname", "server_addr": "peername"}.get(info, info)
        return self._writer.get_extra_info(name)


class Backend(httpcore.AsyncNetworkBackend):
    """Connects to the approved addresses of a host (`Pins`), else to what DNS says."""

    def __init__(self, pins: Pins) -> None:
        self.pins = pins

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: SocketOptions | None = None,
    ) -> httpcore.AsyncNetworkStream:
        local = (local_address, 0) if local_address else None
        with _mapped(httpcore.ConnectTimeout, httpcore.ConnectError):
            async with asyncio.timeout(timeout):
                addresses = await self.pins.look_up(host, port)
                reader, writer = await _open(addresses, port, local)
        sock: socket.socket = writer.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return _Stream(reader, writer)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: SocketOptions | None = None
    ) -> httpcore.AsyncNetworkStream:
        with _mapped(httpcore.ConnectTimeout, httpcore.ConnectError):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_unix_connection(path)
        return _Stream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def _open(
    addresses: tuple[str, ...], port: int, local: tuple[str, int] | None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """The first address that accepts, in order, as asyncio itself tries a name's
    addresses (a refused one fails fast; a silent one is bounded by the connect timeout)."""
    problem: OSError = OSError(f"no address to connect to on port {port}")
    for address in addresses:
        try:
            return await asyncio.open_connection(address, port, local_addr=local)
        except OSError as exc:
            problem = exc
    raise problem


def transport(pins: Pins, limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """httpx's own transport (its pool, HTTP/1.1, TLS and exception mapping) on `Backend`.

    HTTP/1.1 only: a source's host sees one to three requests per refresh, so HTTP/2's
    multiplexing saves nothing, and its framing costs CPU per request."""
    made = httpx.AsyncHTTPTransport(limits=limits)
    # httpx takes no network backend, so its pool is made again with one, with the same
    # SSL context (certificate checks as httpx sets them up) and limits.
    made._pool = httpcore.AsyncConnectionPool(
        ssl_context=made._pool._ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=Backend(pins),
    )
    return made
