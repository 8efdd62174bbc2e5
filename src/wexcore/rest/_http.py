"""A lean HTTP/1.1 keep-alive client for the REST shells (sync sockets, asyncio protocol).

Why not httpx here: on loopback httpx's AsyncClient costs ~1.4 ms per request
of pure client overhead (its model objects and anyio layers), four times
ccxt's whole overhead; this module does the one thing the clients need --
send pre-built bytes on a pooled connection, read one response -- in a few
tens of microseconds. httpx stays available: pass ``transport=`` or
``http_client=`` to a client to use it (tests use ``httpx.MockTransport``).

Scope: HTTP/1.1 over TCP or TLS, ``Content-Length`` and ``chunked`` responses,
no compression (we do not ask for it), no redirects, no proxies.

Errors: :class:`ConnectFailed` means nothing was sent (the connection could
not be opened); :class:`ConnectionLost` and :class:`ReadTimeout` mean the
request may have reached the server.
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl as _ssl
import time
from urllib.parse import urlsplit

# Servers drop idle keep-alive connections (often after 60 s); one reused
# after that would turn a write into an "unknown state" for nothing. Idle
# connections older than this are closed instead of reused.
IDLE_EXPIRY = 25.0

__all__ = [
    "HTTPError",
    "ConnectFailed",
    "ConnectionLost",
    "ReadTimeout",
    "SyncPool",
    "AsyncPool",
    "parse_response",
]


class HTTPError(Exception):
    """Base of the transport's errors."""


class ConnectFailed(HTTPError):
    """The connection could not be opened: the request was not sent."""


class ConnectionLost(HTTPError):
    """The connection broke after the request was (maybe) sent."""


class ReadTimeout(HTTPError):
    """No complete response within the timeout."""


def parse_response(buf: bytearray | bytes, eof: bool = False):
    """``(status, headers, body, consumed, keep_alive)`` or ``None`` if incomplete.

    ``eof``: the server closed the connection; a response without length
    framing ends there."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buf[:end]).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in head[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    start = end + 4
    keep = headers.get("connection", "").lower() != "close"
    te = headers.get("transfer-encoding")
    if te is not None and "chunked" in te.lower():
        body = bytearray()
        pos = start
        while True:
            nl = buf.find(b"\r\n", pos)
            if nl < 0:
                return None
            size = int(bytes(buf[pos:nl]).split(b";", 1)[0], 16)
            if size == 0:
                trailer_end = buf.find(b"\r\n\r\n", nl)
                if trailer_end < 0:
                    # No trailers: the last chunk is "0\r\n\r\n".
                    if len(buf) >= nl + 4 and buf[nl : nl + 4] == b"\r\n\r\n":
                        trailer_end = nl
                    else:
                        return None
                return status, headers, bytes(body), trailer_end + 4, keep
            if len(buf) < nl + 2 + size + 2:
                return None
            body += buf[nl + 2 : nl + 2 + size]
            pos = nl + 2 + size + 2
    cl = headers.get("content-length")
    if cl is None:
        if status in (204, 304) or 100 <= status < 200:
            return status, headers, b"", start, keep
        if eof:
            return status, headers, bytes(buf[start:]), len(buf), False
        return None
    n = int(cl)
    if len(buf) < start + n:
        return None
    return status, headers, bytes(buf[start : start + n]), start + n, keep


def _origin(base_url: str) -> tuple[str, int, bool, str]:
    u = urlsplit(base_url)
    tls = u.scheme == "https"
    port = u.port or (443 if tls else 80)
    host = u.hostname or ""
    host_header = u.netloc
    return host, port, tls, host_header


def _request_bytes(method: str, target: str, host: str, headers: dict, body: bytes | None) -> bytes:
    parts = [f"{method} {target} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n"]
    for k, v in headers.items():
        parts.append(f"{k}: {v}\r\n")
    if body is not None:
        parts.append(f"Content-Length: {len(body)}\r\n\r\n")
        return "".join(parts).encode("latin-1") + body
    if method != "GET":
        parts.append("Content-Length: 0\r\n")
    parts.append("\r\n")
    return "".join(parts).encode("latin-1")


class SyncPool:
    """Blocking keep-alive connections to one origin (thread-safe: one socket per caller)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        ssl_context: _ssl.SSLContext | None = None,
        max_idle: int = 8,
    ) -> None:
        self.host, self.port, self.tls, self.host_header = _origin(base_url)
        self.timeout = timeout
        self.ssl_context = ssl_context or (_ssl.create_default_context() if self.tls else None)
        self.max_idle = max_idle
        self._idle: list[tuple[socket.socket, float]] = []

    def _take_idle(self) -> socket.socket | None:
        now = time.monotonic()
        while self._idle:
            s, since = self._idle.pop()
            # Readable while idle means the peer closed it (or sent junk).
            if now - since < IDLE_EXPIRY and not select.select([s], [], [], 0)[0]:
                return s
            s.close()
        return None

    def _connect(self) -> socket.socket:
        try:
            s = socket.create_connection((self.host, self.port), timeout=self.timeout)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.ssl_context is not None:
                s = self.ssl_context.wrap_socket(s, server_hostname=self.host)
        except OSError as exc:
            raise ConnectFailed(f"connect to {self.host}:{self.port} failed: {exc}") from exc
        return s

    def request(self, method: str, target: str, headers: dict, body: bytes | None):
        """``(status, headers, body)``."""
        data = _request_bytes(method, target, self.host_header, headers, body)
        s = self._take_idle()
        reused = s is not None
        if s is None:
            s = self._connect()
        try:
            return self._exchange(s, data)
        except ConnectionLost:
            if not reused:
                raise
            # A pooled connection the server had already closed: if nothing
            # came back at all, try once on a fresh one only for GETs (a
            # write's fate is unknown and is reported, not retried).
            if method != "GET":
                raise
            return self._exchange(self._connect(), data)

    def _exchange(self, s: socket.socket, data: bytes):
        try:
            s.sendall(data)
            buf = bytearray()
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    s.close()
                    r = parse_response(buf, eof=True)
                    if r is None:
                        raise ConnectionLost("connection closed before a complete response")
                    return r[0], r[1], r[2]
                buf += chunk
                r = parse_response(buf)
                if r is not None:
                    status, headers, body, _, keep = r
                    if keep and len(self._idle) < self.max_idle:
                        self._idle.append((s, time.monotonic()))
                    else:
                        s.close()
                    return status, headers, body
        except TimeoutError as exc:
            s.close()
            raise ReadTimeout(f"no response within {self.timeout} s") from exc
        except OSError as exc:
            s.close()
            raise ConnectionLost(str(exc)) from exc

    def close(self) -> None:
        for s, _ in self._idle:
            s.close()
        self._idle.clear()


class _Conn(asyncio.Protocol):
    __slots__ = ("transport", "buf", "waiter", "closed")

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass

    def data_received(self, data: bytes) -> None:
        self.buf += data
        w = self.waiter
        if w is None or w.done():
            return
        r = parse_response(self.buf)
        if r is not None:
            del self.buf[: r[3]]
            self.waiter = None
            w.set_result(r)

    def connection_lost(self, exc) -> None:
        self.closed = True
        w = self.waiter
        if w is not None and not w.done():
            self.waiter = None
            r = parse_response(self.buf, eof=True) if exc is None else None
            if r is not None:
                w.set_result(r)
                return
            w.set_exception(ConnectionLost(f"connection closed before a complete response ({exc})"))


class AsyncPool:
    """asyncio keep-alive connections to one origin."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        ssl_context: _ssl.SSLContext | None = None,
        max_idle: int = 16,
    ) -> None:
        self.host, self.port, self.tls, self.host_header = _origin(base_url)
        self.timeout = timeout
        self.ssl_context = ssl_context or (_ssl.create_default_context() if self.tls else None)
        self.max_idle = max_idle
        self._idle: list[tuple[_Conn, float]] = []

    async def _connect(self) -> _Conn:
        loop = asyncio.get_running_loop()
        try:
            _, proto = await asyncio.wait_for(
                loop.create_connection(
                    _Conn,
                    self.host,
                    self.port,
                    ssl=self.ssl_context,
                    server_hostname=self.host if self.tls else None,
                ),
                self.timeout,
            )
        except (TimeoutError, OSError) as exc:
            raise ConnectFailed(f"connect to {self.host}:{self.port} failed: {exc!r}") from exc
        return proto

    async def request(self, method: str, target: str, headers: dict, body: bytes | None):
        """``(status, headers, body)``."""
        data = _request_bytes(method, target, self.host_header, headers, body)
        conn = None
        now = time.monotonic()
        while self._idle:
            c, since = self._idle.pop()
            if not c.closed and now - since < IDLE_EXPIRY:
                conn = c
                break
            c.transport.close()
        reused = conn is not None
        if conn is None:
            conn = await self._connect()
        try:
            return await self._exchange(conn, data)
        except ConnectionLost:
            if not reused or method != "GET":
                raise
            return await self._exchange(await self._connect(), data)

    async def _exchange(self, conn: _Conn, data: bytes):
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        conn.waiter = fut
        conn.transport.write(data)
        timer = loop.call_later(self.timeout, _expire, fut, self.timeout)
        try:
            status, headers, body, _, keep = await fut
        except BaseException:
            conn.waiter = None
            conn.transport.abort()
            raise
        finally:
            timer.cancel()
        if keep and not conn.closed and len(self._idle) < self.max_idle:
            self._idle.append((conn, time.monotonic()))
        else:
            conn.transport.close()
        return status, headers, body

    async def aclose(self) -> None:
        for c, _ in self._idle:
            c.transport.close()
        self._idle.clear()


def _expire(fut: asyncio.Future, timeout: float) -> None:
    if not fut.done():
        fut.set_exception(ReadTimeout(f"no response within {timeout} s"))
