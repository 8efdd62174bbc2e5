"""A lean, hardened HTTP/1.1 keep-alive client for the REST clients (sync sockets, asyncio).

Why not httpx or aiohttp here: on loopback this module adds tens of
microseconds per request where aiohttp adds ~130-170 us and httpx ~0.5-1 ms
(``bench/bench_rest.py`` measures all of them in one run). It does one
thing -- send pre-built bytes on a pooled connection, read exactly one
response -- and it does it as strictly as a client that carries orders must:

* **Deadline.** One deadline per call covers connect, TLS, send and the whole
  response: a server dripping a byte a second, or sending headers forever,
  ends at the deadline with :class:`~wexcore.errors.ReadTimeout`.
* **Framing.** :class:`ResponseParser` (sans-I/O, shared by both pools) reads
  the status line, headers, ``Content-Length``/``chunked``/close-delimited
  bodies and rejects anything doubtful with
  :class:`~wexcore.errors.ProtocolError`: malformed status lines and header
  lines, bare-LF framing, ``Content-Length`` that is negative, not digits,
  or duplicated with conflicting values, ``Content-Length`` together with
  ``Transfer-Encoding``, transfer codings other than ``chunked``, bad chunk
  sizes or chunk terminators, ``101`` upgrades, endless interim responses.
* **One response per request.** Interim ``1xx`` responses are skipped. A
  connection on which anything doubtful happened is closed, never reused:
  bytes after the response (a longer body than declared, a second
  response), bytes arriving while no request is outstanding (checked on the
  socket itself before every reuse, even if the event loop has not read
  them yet), a cancelled or timed-out call, a parse error. So a call never
  reads another call's response. (What HTTP/1.1 cannot tell apart: a server
  that sends an unasked-for response in the instant after the next request
  was written; nothing in the protocol correlates a response with its
  request. Bytes beyond that response still close the connection.)
* **Bounded memory.** The header block and the body have limits
  (:data:`MAX_HEADER_BYTES`, :data:`MAX_BODY_BYTES`, configurable per
  client); a declared length over the limit is refused before a byte of the
  body is buffered (:class:`~wexcore.errors.ResponseTooLarge`).
* **Encodings.** Requests say ``Accept-Encoding: identity``. A server that
  compresses anyway is tolerated for ``gzip``/``deflate`` (decompressed
  under the same body limit); any other ``Content-Encoding`` is a
  ``ProtocolError``.
* Redirects are returned as what they are (a 3xx status): the request core
  refuses them; a signed request must not be replayed to another URL.

Errors are all :class:`~wexcore.errors.TransportError` subclasses naming the
method, path and host: ``ConnectFailed`` means nothing was sent;
``ConnectionLost``, ``ReadTimeout`` and ``ProtocolError`` mean the request
may have reached the server.
"""

from __future__ import annotations

import asyncio
import re
import select
import socket
import ssl as _ssl
import time
import zlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from wexcore.errors import (
    ConnectFailed,
    ConnectionLost,
    ProtocolError,
    ReadTimeout,
    ResponseTooLarge,
    TransportError,
)

__all__ = [
    "MAX_HEADER_BYTES",
    "MAX_BODY_BYTES",
    "IDLE_EXPIRY",
    "Response",
    "ResponseParser",
    "SyncPool",
    "AsyncPool",
    "TransportError",
    "ConnectFailed",
    "ConnectionLost",
    "ReadTimeout",
    "ProtocolError",
    "ResponseTooLarge",
]

#: Default limit of a response's status line + header block (bytes).
MAX_HEADER_BYTES = 64 * 1024
#: Default limit of a response body (bytes). The largest documented response
#: (the full symbol list) is a few hundred kilobytes; 32 MiB leaves room for
#: exchanges with thousands of symbols while bounding what a hostile server
#: can make the client hold.
MAX_BODY_BYTES = 32 * 1024 * 1024
#: Servers drop idle keep-alive connections (often after 60 s); one reused
#: after that would turn a write into an "unknown state" for nothing. Idle
#: connections older than this are closed instead of reused.
IDLE_EXPIRY = 25.0
# More interim (1xx) responses than this before the final one is an attack.
_MAX_INTERIM = 8
_MAX_CHUNK_LINE = 1024
_INF = float("inf")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_TOKEN = frozenset(b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# A status line: HTTP/1.1 or 1.0, a 3-digit status from 100 to 599, an
# optional reason phrase.
_STATUS = re.compile(rb"HTTP/1\.([01]) ([1-5][0-9][0-9])(?: [^\r\n]*)?")
# A header block: lines of token ":" value, each value free of CR, LF and NUL
# (no obsolete line folding), each line ending in CRLF.
_HEADER_BLOCK = re.compile(rb"(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\r\n\x00]*\r\n)*")

Response = tuple[int, dict[str, str], bytes]

# Parser states.
_HEAD, _FIXED, _CHUNK_SIZE, _CHUNK_DATA, _TRAILER, _UNTIL_EOF, _DONE = range(7)


class ResponseParser:
    """Incremental, strict reader of one HTTP/1.1 response (sans-I/O).

    ``feed(data)`` returns ``True`` once the final response is complete;
    ``feed_eof()`` when the peer closed. Then ``status``, ``headers``
    (lower-case names), ``body`` and ``keep_alive`` are set; ``keep_alive``
    is ``False`` whenever the connection must not be reused (``Connection:
    close``, HTTP/1.0, a close-delimited body, bytes after the response).

    Raises :class:`~wexcore.errors.ProtocolError` (or its
    :class:`~wexcore.errors.ResponseTooLarge`) at the first doubt; the
    ``method``/``path``/``host`` given are only used in error messages.
    """

    __slots__ = (
        "status", "headers", "body", "keep_alive", "received", "interim",
        "_buf", "_pos", "_state", "_need", "_parts", "_size", "_max_header", "_max_body",
        "_encoding", "_where",
    )

    def __init__(
        self,
        *,
        max_header: int = MAX_HEADER_BYTES,
        max_body: int = MAX_BODY_BYTES,
        where: tuple[str | None, str | None, str | None] = (None, None, None),
    ) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.body = b""
        self.keep_alive = False
        self.received = 0  # bytes fed so far (0: the peer said nothing)
        self.interim = 0  # 1xx responses skipped
        self._buf = bytearray()
        self._pos = 0
        self._state = _HEAD
        self._need = 0
        self._parts: list[bytes] = []
        self._size = 0
        self._max_header = max_header
        self._max_body = max_body
        self._encoding = ""
        self._where = where

    # -- errors -----------------------------------------------------------
    def _error(self, message: str, cls: type[ProtocolError] = ProtocolError) -> ProtocolError:
        m, p, h = self._where
        return cls(message, method=m, path=p, host=h)

    # -- feeding ----------------------------------------------------------
    def feed(self, data: bytes) -> bool:
        """Add received bytes; ``True`` when the final response is complete."""
        if self._state == _DONE:
            # More bytes after a complete response: never reuse this connection.
            if data:
                self.keep_alive = False
            return True
        self.received += len(data)
        if self._pos == len(self._buf):
            # Nothing pending. The common case -- a whole sized response in
            # one read -- is read in one go; anything else takes the machine.
            if self._state == _HEAD and self._whole(data):
                return True
            self._buf = bytearray(data)
            self._pos = 0
        else:
            self._buf += data
        return self._run()

    def _whole(self, data: bytes) -> bool:
        """Read ``data`` if it is exactly one final response with a valid
        ``Content-Length`` and no transfer or content coding (the checks are
        the machine's own); ``False`` (nothing consumed) otherwise."""
        end = data.find(b"\r\n\r\n")
        if end < 0 or end > self._max_header:
            return False
        nl = data.find(b"\r\n", 0, end)
        if nl < 0:
            return False
        m = _STATUS.fullmatch(data, 0, nl)
        if m is None or m.group(1) != b"1":
            return False
        status = int(m.group(2))
        if status < 200 or status in (204, 304):
            return False
        block = data[nl + 2 : end + 2]
        if _HEADER_BLOCK.fullmatch(block) is None:
            return False
        headers: dict[str, str] = {}
        for line in block.decode("latin-1").split("\r\n")[:-1]:
            name, _, value = line.partition(":")
            name = name.lower()
            if name in headers or name in ("transfer-encoding", "content-encoding"):
                return False  # duplicates and codings: the machine decides
            headers[name] = value.strip(" \t")
        v = headers.get("content-length")
        if v is None or not (v.isdigit() and v.isascii()) or len(v) > 18:
            return False
        n = int(v)
        if n > self._max_body or end + 4 + n != len(data):
            return False  # over the limit, incomplete, or bytes after the body
        conn = headers.get("connection")
        self.status = status
        self.headers = headers
        self.body = data[end + 4 :]
        self.keep_alive = conn is None or "close" not in conn.lower()
        self._state = _DONE
        return True

    def feed_eof(self) -> bool:
        """The peer closed. ``True`` if that completes the response (a
        close-delimited body); otherwise raise ``ConnectionLost``."""
        if self._state == _DONE:
            return True
        if self._state == _UNTIL_EOF:
            self._append(self._buf[self._pos :])
            self._pos = len(self._buf)
            self._finish(False)
            return True
        m, p, h = self._where
        what = "before any response" if self.received == 0 else "in the middle of a response"
        raise ConnectionLost(f"connection closed {what}", method=m, path=p, host=h)

    # -- the machine ----------------------------------------------------------
    def _run(self) -> bool:
        while True:
            st = self._state
            if st == _HEAD:
                if not self._head():
                    return False
            elif st == _FIXED:
                end = self._pos + self._need
                if len(self._buf) < end:
                    return False
                self._parts.append(bytes(self._buf[self._pos : end]))
                self._pos = end
                self._finish(self.keep_alive)
            elif st == _CHUNK_SIZE:
                if not self._chunk_size():
                    return False
            elif st == _CHUNK_DATA:
                end = self._pos + self._need
                if len(self._buf) < end + 2:
                    return False
                if self._buf[end : end + 2] != b"\r\n":
                    raise self._error("chunk data not followed by CRLF")
                self._parts.append(bytes(self._buf[self._pos : end]))
                self._pos = end + 2
                self._state = _CHUNK_SIZE
            elif st == _TRAILER:
                if not self._trailer():
                    return False
            elif st == _UNTIL_EOF:
                self._append(self._buf[self._pos :])
                self._pos = len(self._buf)
                return False
            else:  # _DONE
                return True

    def _append(self, chunk: bytes | bytearray) -> None:
        if chunk:
            self._size += len(chunk)
            if self._size > self._max_body:
                raise self._error(
                    f"response body over the limit of {self._max_body} bytes", ResponseTooLarge
                )
            self._parts.append(bytes(chunk))

    def _head(self) -> bool:
        buf, pos = self._buf, self._pos
        end = buf.find(b"\r\n\r\n", pos)
        if end < 0:
            if buf.find(b"\n\n", pos) >= 0:
                raise self._error("header block ends with a bare LF")
            if len(buf) - pos > self._max_header:
                raise self._error(
                    f"header block over the limit of {self._max_header} bytes", ResponseTooLarge
                )
            return False
        if end - pos > self._max_header:
            raise self._error(
                f"header block over the limit of {self._max_header} bytes", ResponseTooLarge
            )
        head = bytes(buf[pos:end])
        self._pos = end + 4
        nl = head.find(b"\r\n")
        m = _STATUS.fullmatch(head, 0, nl if nl >= 0 else len(head))
        if m is None:
            raise self._error(f"malformed status line {head[:40]!r}")
        status = int(m.group(2))
        http10 = m.group(1) == b"0"
        if 100 <= status < 200:
            if status == 101:
                raise self._error("101 Switching Protocols was not asked for")
            self.interim += 1
            if self.interim > _MAX_INTERIM:
                raise self._error(f"more than {_MAX_INTERIM} interim (1xx) responses")
            return True  # skip it; parse the next head
        headers, lengths = self._header_block(b"" if nl < 0 else head[nl + 2 :] + b"\r\n")
        self.status = status
        self.headers = headers
        conn = headers.get("connection")
        # (any mention of close means close: the safe reading)
        keep = not http10 and (conn is None or "close" not in conn.lower())
        enc = headers.get("content-encoding")
        if enc is not None:
            enc = enc.strip().lower()
            if enc and enc != "identity":
                if enc not in ("gzip", "x-gzip", "deflate"):
                    raise self._error(f"unexpected Content-Encoding {enc!r}")
                self._encoding = enc
        te = headers.get("transfer-encoding")
        if te is not None:
            if lengths:
                raise self._error("both Content-Length and Transfer-Encoding")
            codings = [t.strip().lower() for t in te.split(",") if t.strip()]
            if codings != ["chunked"]:
                raise self._error(f"unsupported Transfer-Encoding {te!r}")
            if http10:
                raise self._error("chunked body in an HTTP/1.0 response")
            self.keep_alive = keep
            self._state = _CHUNK_SIZE
            return True
        if status in (204, 304):
            self.keep_alive = keep
            self._finish(keep)
            return True
        if lengths:
            v = lengths[0]
            if len(lengths) == 1 and v.isdigit() and v.isascii() and len(v) <= 18:
                n = int(v)
            else:
                n = self._content_length(lengths)
            if n > self._max_body:
                raise self._error(
                    f"Content-Length {n} over the body limit of {self._max_body} bytes",
                    ResponseTooLarge,
                )
            self.keep_alive = keep
            self._need = n
            self._state = _FIXED
            return True
        # Neither length nor chunked: the body ends when the server closes.
        self.keep_alive = False
        self._state = _UNTIL_EOF
        return True

    def _header_block(self, block: bytes) -> tuple[dict[str, str], list[str]]:
        """Header lines (each ending in CRLF) -> (lower-cased dict, Content-Length values).

        The whole block is validated by one regular expression first (a token
        name, a colon, a value without CR, LF or NUL); a block that fails it is
        read line by line only to say which line is wrong."""
        if _HEADER_BLOCK.fullmatch(block) is None:
            self._bad_header_line(block)
        headers: dict[str, str] = {}
        lengths: list[str] = []
        for line in block.decode("latin-1").split("\r\n")[:-1]:
            name, _, value = line.partition(":")
            name = name.lower()
            value = value.strip(" \t")
            if name == "content-length":
                lengths.extend(v.strip(" \t") for v in value.split(","))
                continue
            old = headers.get(name)
            headers[name] = value if old is None else f"{old}, {value}"
        if lengths:
            headers["content-length"] = lengths[0]
        return headers, lengths

    def _bad_header_line(self, block: bytes) -> None:
        for raw in block.split(b"\r\n")[:-1]:
            if not raw:
                raise self._error("empty header line")
            if raw[0] in (0x20, 0x09):
                raise self._error("obsolete folded header line")
            name, sep, value = raw.partition(b":")
            if not sep or not name or not _TOKEN.issuperset(name):
                raise self._error(f"malformed header line {raw[:40]!r}")
            if b"\r" in value or b"\x00" in value:
                raise self._error(f"control character in header {name[:40]!r}")
        raise self._error("malformed header block")

    def _content_length(self, values: list[str]) -> int:
        first = values[0]
        for v in values:
            if not (v.isascii() and v.isdigit()) or len(v) > 18:
                raise self._error(f"invalid Content-Length {v[:40]!r}")
            if v != first and int(v) != int(first):
                raise self._error(f"conflicting Content-Length values {', '.join(values)[:60]}")
        return int(first)

    def _chunk_size(self) -> bool:
        buf, pos = self._buf, self._pos
        nl = buf.find(b"\r\n", pos)
        if nl < 0:
            if len(buf) - pos > _MAX_CHUNK_LINE:
                raise self._error("chunk size line too long")
            return False
        if nl - pos > _MAX_CHUNK_LINE:
            raise self._error("chunk size line too long")
        line = bytes(buf[pos:nl])
        size_text = line.split(b";", 1)[0].rstrip(b" \t")
        if not size_text or len(size_text) > 16 or not _HEX.issuperset(size_text):
            raise self._error(f"invalid chunk size {line[:40]!r}")
        size = int(size_text, 16)
        self._pos = nl + 2
        if size == 0:
            self._state = _TRAILER
            return True
        self._size += size
        if self._size > self._max_body:
            raise self._error(
                f"response body over the limit of {self._max_body} bytes", ResponseTooLarge
            )
        self._need = size
        self._state = _CHUNK_DATA
        return True

    def _trailer(self) -> bool:
        buf, pos = self._buf, self._pos
        if buf[pos : pos + 2] == b"\r\n":
            self._pos = pos + 2
            self._finish(self.keep_alive)
            return True
        end = buf.find(b"\r\n\r\n", pos)
        if end < 0:
            if len(buf) - pos > self._max_header:
                raise self._error("trailer block over the header limit", ResponseTooLarge)
            return False
        self._header_block(bytes(buf[pos:end]) + b"\r\n")
        self._pos = end + 4
        self._finish(self.keep_alive)
        return True

    def _finish(self, keep: bool) -> None:
        parts = self._parts
        body = parts[0] if len(parts) == 1 else b"".join(parts)
        self._parts = []
        if self._encoding:
            body = self._decompress(body)
        self.body = body
        # Anything after the response is an answer nobody asked for.
        self.keep_alive = keep and self._pos == len(self._buf)
        self._state = _DONE

    def _decompress(self, data: bytes) -> bytes:
        # wbits 47 reads gzip and zlib headers; raw deflate needs -15.
        for wbits in (47, -15):
            d = zlib.decompressobj(wbits)
            try:
                out = d.decompress(data, self._max_body + 1)
            except zlib.error:
                continue
            if len(out) > self._max_body or d.unconsumed_tail:
                raise self._error(
                    f"decompressed body over the limit of {self._max_body} bytes", ResponseTooLarge
                )
            if not d.eof:
                raise self._error(f"truncated {self._encoding} body")
            return out
        raise self._error(f"body is not valid {self._encoding} data")


def _origin(base_url: str) -> tuple[str, int, bool, str]:
    u = urlsplit(base_url)
    tls = u.scheme == "https"
    port = u.port or (443 if tls else 80)
    host = u.hostname or ""
    return host, port, tls, u.netloc


def _request_bytes(
    method: str, target: str, host: str, headers: Mapping[str, str], body: bytes | None
) -> bytes:
    parts = [
        f"{method} {target} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n"
        "Accept-Encoding: identity\r\n"
    ]
    for k, v in headers.items():
        parts.append(f"{k}: {v}\r\n")
    if body is not None:
        parts.append(f"Content-Length: {len(body)}\r\n\r\n")
        return "".join(parts).encode("latin-1") + body
    if method != "GET":
        parts.append("Content-Length: 0\r\n")
    parts.append("\r\n")
    return "".join(parts).encode("latin-1")


def _path_of(target: str) -> str:
    i = target.find("?")
    return target if i < 0 else target[:i]


class _PoolBase:
    _default_idle = 8

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        ssl_context: _ssl.SSLContext | None = None,
        max_idle: int | None = None,
        max_header_bytes: int = MAX_HEADER_BYTES,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.host, self.port, self.tls, self.host_header = _origin(base_url)
        self.timeout = timeout
        self.ssl_context = ssl_context or (_ssl.create_default_context() if self.tls else None)
        self.max_idle = self._default_idle if max_idle is None else max_idle
        self.max_header_bytes = max_header_bytes
        self.max_body_bytes = max_body_bytes

    def _parser(self, method: str, target: str) -> ResponseParser:
        return ResponseParser(
            max_header=self.max_header_bytes,
            max_body=self.max_body_bytes,
            where=(method, _path_of(target), self.host_header),
        )


class SyncPool(_PoolBase):
    """Blocking keep-alive connections to one origin (thread-safe: one socket per caller).

    Args (both pools):
        base_url: ``scheme://host[:port]``.
        timeout: the deadline of one call in seconds (connect + send + response).
        ssl_context: for ``https`` (default: the system's verified context).
        max_idle: idle connections kept for reuse (8 sync, 16 async).
        max_header_bytes, max_body_bytes: response limits.
    """

    def __init__(self, base_url: str, **options: Any) -> None:
        super().__init__(base_url, **options)
        self._idle: list[tuple[socket.socket, float]] = []

    def _take_idle(self) -> socket.socket | None:
        now = time.monotonic()
        while self._idle:
            try:
                s, since = self._idle.pop()
            except IndexError:  # another thread took the last one
                return None
            # Readable while idle means the peer closed it or sent bytes no
            # request asked for: either way it must not carry a request.
            try:
                fresh = now - since < IDLE_EXPIRY and not select.select([s], [], [], 0)[0]
            except (OSError, ValueError):
                fresh = False
            if fresh:
                return s
            s.close()
        return None

    def _connect(self, method: str, target: str, deadline: float) -> socket.socket:
        where: dict[str, Any] = dict(method=method, path=_path_of(target), host=self.host_header)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ConnectFailed(f"no time left to connect ({self.timeout} s deadline)", **where)
        s: socket.socket | None = None
        try:
            s = socket.create_connection((self.host, self.port), timeout=remaining)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.ssl_context is not None:
                s.settimeout(max(deadline - time.monotonic(), 0.001))
                s = self.ssl_context.wrap_socket(s, server_hostname=self.host)
        except (OSError, ValueError) as exc:
            if s is not None:
                s.close()
            raise ConnectFailed(f"connect to {self.host}:{self.port} failed: {exc}", cause=exc,
                                **where) from exc
        return s

    def request(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float | None = None,
    ) -> Response:
        """``(status, headers, body)`` of the one response to this request."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        data = _request_bytes(method, target, self.host_header, headers, body)
        s = self._take_idle()
        reused = s is not None
        if s is None:
            s = self._connect(method, target, deadline)
        try:
            return self._exchange(s, data, method, target, deadline)
        except ConnectionLost as exc:
            # A pooled connection the server had already closed (nothing at
            # all came back): try once on a fresh one, for GETs only -- a
            # write's fate is unknown and is reported, not repeated.
            if not reused or method != "GET" or "before any response" not in str(exc):
                raise
            return self._exchange(
                self._connect(method, target, deadline), data, method, target, deadline
            )

    def _exchange(
        self, s: socket.socket, data: bytes, method: str, target: str, deadline: float
    ) -> Response:
        parser = self._parser(method, target)
        try:
            s.settimeout(max(deadline - time.monotonic(), 0.001))
            s.sendall(data)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                s.settimeout(remaining)
                chunk = s.recv(65536)
                if not chunk:
                    parser.feed_eof()
                    break
                if parser.feed(chunk):
                    break
        except TimeoutError as exc:
            s.close()
            raise ReadTimeout(f"no complete response within {self.timeout} s", cause=exc,
                              method=method, path=_path_of(target),
                              host=self.host_header) from exc
        except OSError as exc:
            s.close()
            raise ConnectionLost(f"connection lost: {exc}", cause=exc, method=method,
                                 path=_path_of(target), host=self.host_header) from exc
        except BaseException:
            s.close()
            raise
        if parser.keep_alive and len(self._idle) < self.max_idle:
            self._idle.append((s, time.monotonic()))
        else:
            s.close()
        return parser.status, parser.headers, parser.body

    def close(self) -> None:
        while self._idle:
            s, _ = self._idle.pop()
            s.close()


class _Conn(asyncio.Protocol):
    """One connection; at most one request outstanding."""

    __slots__ = ("transport", "parser", "waiter", "closed", "poisoned", "poll", "loop")

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser: ResponseParser | None = None
        self.waiter: asyncio.Future[ResponseParser] | None = None
        self.closed = False
        self.poisoned = False
        # a poll object on the socket: asks "are unread bytes waiting?" in
        # one system call without reading them (see _pending)
        self.poll: Any = None
        self.loop = asyncio.get_running_loop()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                poll = select.poll()
                poll.register(sock.fileno(), select.POLLIN)
                self.poll = poll
            except (OSError, AttributeError, ValueError):
                pass

    def data_received(self, data: bytes) -> None:
        p = self.parser
        if p is None:
            # Bytes while no request is outstanding: an answer nobody asked
            # for. The connection can never be trusted again.
            self.poisoned = True
            if self.transport is not None:
                self.transport.abort()
            return
        try:
            done = p.feed(data)
        except TransportError as exc:
            self._fail(exc)
            return
        if done:
            self.parser = None
            w = self.waiter
            self.waiter = None
            if w is not None and not w.done():
                w.set_result(p)

    def _fail(self, exc: BaseException) -> None:
        self.parser = None
        self.poisoned = True
        w = self.waiter
        self.waiter = None
        if w is not None and not w.done():
            w.set_exception(exc)
        if self.transport is not None:
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        p = self.parser
        if p is None:
            return
        try:
            if exc is not None:
                m, path, h = p._where
                raise ConnectionLost(f"connection lost: {exc!r}", method=m, path=path, host=h,
                                     cause=exc)
            p.feed_eof()
        except TransportError as err:
            self._fail(err)
            return
        self.parser = None
        w = self.waiter
        self.waiter = None
        if w is not None and not w.done():
            w.set_result(p)


def _pending(c: _Conn) -> bool:
    """Bytes wait on an idle connection's socket that the event loop has not
    read yet: an answer nobody asked for, or the peer's close. Checked before
    reuse, so that they cannot be taken for the next request's response."""
    poll = c.poll
    if poll is None:
        return False
    try:
        return bool(poll.poll(0))
    except (OSError, ValueError):
        return True


class AsyncPool(_PoolBase):
    """asyncio keep-alive connections to one origin (arguments as :class:`SyncPool`)."""

    _default_idle = 16

    def __init__(self, base_url: str, **options: Any) -> None:
        super().__init__(base_url, **options)
        self._idle: list[tuple[_Conn, float]] = []
        self._inflight: dict[asyncio.Future[ResponseParser], tuple[float, str, str]] = {}
        self._watch: asyncio.TimerHandle | None = None
        self._watch_at = _INF
        self._watch_loop: asyncio.AbstractEventLoop | None = None

    async def _connect(self, method: str, target: str, deadline: float) -> _Conn:
        loop = asyncio.get_running_loop()
        where: dict[str, Any] = dict(method=method, path=_path_of(target), host=self.host_header)
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise ConnectFailed(f"no time left to connect ({self.timeout} s deadline)", **where)
        try:
            _, proto = await asyncio.wait_for(
                loop.create_connection(
                    _Conn,
                    self.host,
                    self.port,
                    ssl=self.ssl_context,
                    server_hostname=self.host if self.tls else None,
                ),
                remaining,
            )
        except (TimeoutError, OSError, ValueError) as exc:
            raise ConnectFailed(f"connect to {self.host}:{self.port} failed: {exc!r}", cause=exc,
                                **where) from exc
        return proto

    def _take_idle(self, loop: asyncio.AbstractEventLoop) -> _Conn | None:
        now = time.monotonic()
        while self._idle:
            c, since = self._idle.pop()
            if c.loop is not loop:
                continue  # made under another (finished) event loop: unusable here
            if not c.closed and not c.poisoned and now - since < IDLE_EXPIRY and not _pending(c):
                return c
            if c.transport is not None:
                c.transport.abort()
        return None

    async def request(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float | None = None,
    ) -> Response:
        """``(status, headers, body)`` of the one response to this request."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.timeout if timeout is None else timeout)
        data = _request_bytes(method, target, self.host_header, headers, body)
        if self._watch_loop is not loop:
            # first use, or a client carried over to a new event loop: the
            # watchdog of the old one will never fire here
            self._watch = None
            self._watch_at = _INF
            self._watch_loop = loop
        conn = self._take_idle(loop)
        reused = conn is not None
        while True:
            if conn is None:
                conn = await self._connect(method, target, deadline)
            transport = conn.transport
            assert transport is not None
            if conn.closed:
                exc = ConnectionLost("connection closed before any response", method=method,
                                     path=_path_of(target), host=self.host_header)
            else:
                fut: asyncio.Future[ResponseParser] = loop.create_future()
                conn.parser = self._parser(method, target)
                conn.waiter = fut
                transport.write(data)
                self._inflight[fut] = (deadline, method, target)
                if deadline < self._watch_at:
                    self._arm(loop, deadline)
                try:
                    parser = await fut
                except ConnectionLost as lost:
                    exc = lost
                except BaseException:
                    # Timed out, cancelled, broken: the answer may still come;
                    # this connection must never carry another request.
                    conn.parser = None
                    conn.waiter = None
                    conn.poisoned = True
                    transport.abort()
                    raise
                else:
                    if parser.keep_alive and not conn.closed and not conn.poisoned and (
                        len(self._idle) < self.max_idle
                    ):
                        self._idle.append((conn, time.monotonic()))
                    else:
                        transport.close()
                    return parser.status, parser.headers, parser.body
                finally:
                    del self._inflight[fut]
                conn.parser = None
                conn.waiter = None
                conn.poisoned = True
                transport.abort()
            # A pooled connection the server had already closed (nothing at
            # all came back): try once on a fresh one, for GETs only -- a
            # write's fate is unknown and is reported, not repeated.
            if not reused or method != "GET" or "before any response" not in str(exc):
                raise exc
            conn = None
            reused = False

    # One timer for all in-flight requests instead of one per request: armed
    # at the earliest deadline; when it fires, the requests past their
    # deadline fail with ReadTimeout and it is armed for the next one.
    def _arm(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        if self._watch is not None:
            self._watch.cancel()
        self._watch = loop.call_at(when, self._sweep, loop)
        self._watch_at = when

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        self._watch = None
        self._watch_at = _INF
        now = loop.time() + 0.001  # a timer may fire a hair early
        upcoming = _INF
        for fut, (deadline, method, target) in list(self._inflight.items()):
            if fut.done():
                continue
            if deadline <= now:
                fut.set_exception(ReadTimeout(
                    f"no complete response within {self.timeout} s", method=method,
                    path=_path_of(target), host=self.host_header,
                ))
            elif deadline < upcoming:
                upcoming = deadline
        if upcoming < _INF:
            self._arm(loop, upcoming)

    async def aclose(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
            self._watch_at = _INF
        while self._idle:
            c, _ = self._idle.pop()
            if c.transport is not None:
                c.transport.close()
