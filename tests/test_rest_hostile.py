"""The REST clients against a hostile HTTP server: every answer is the right response or a
WexError within the call's deadline -- never another call's response, never a hang, never an
untyped exception.

The server (127.0.0.1, free port, threads that stop with the test) reads each request and
answers per scenario with raw bytes: interim responses, drips, lies about lengths, broken
chunks, answers nobody asked for. Each scenario runs against the sync and the async client
(``timeout`` 0.3 s, no retries unless the scenario is about retries) and asserts the outcome
and the elapsed time. Successful answers carry the server's request counter as
``serverTime``, so "the right response" is checked, not assumed.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

import wexcore
from rest_support import RawServer
from wexcore import OrderStateUnknownError, ServerError, WexAPIError, WexError
from wexcore.errors import (
    ConnectFailed,
    ConnectionLost,
    DecodeError,
    ProtocolError,
    ReadTimeout,
    ResponseTooLarge,
)

TIMEOUT = 0.3  # the clients' per-call deadline in this suite
SLACK = 1.0  # scheduling slack on a loaded 2-core machine (the default deadline is 10 s)


def body(n: int) -> bytes:
    return b'{"rc":0,"mc":"SUCCESS","ma":[],"result":{"serverTime":%d}}' % n


def ok(n: int, extra: bytes = b"") -> bytes:
    b = body(n)
    return b"HTTP/1.1 200 OK\r\n" + extra + b"Content-Length: %d\r\n\r\n" % len(b) + b


def chunked(n: int) -> bytes:
    b = body(n)
    half = len(b) // 2
    return (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"%x\r\n%s\r\n%x;ext=1\r\n%s\r\n0\r\n\r\n" % (half, b[:half], len(b) - half, b[half:]))


class Hostile(RawServer):
    """The hostile server: scenarios write raw bytes (``respond(srv, conn, n, head)``)."""

    def __init__(self, respond: Callable[[socket.socket, int, bytes], bool | None]) -> None:
        self.sent_stray = threading.Event()
        super().__init__(lambda conn, n, head, body: respond(conn, n, head))

    @property
    def requests(self) -> list[bytes]:
        return self.heads


@dataclass
class Scenario:
    name: str
    respond: Callable[[Hostile, socket.socket, int, bytes], bool | None]
    expect: type[BaseException] | int  # an exception class, or the serverTime expected
    calls: int = 1  # calls made; the last one's outcome is checked
    write: bool = False  # place an order instead of reading the server time
    within: float = SLACK  # the whole test's calls end within this many seconds
    client: dict = field(default_factory=dict)
    check: Callable[[Hostile], None] | None = None
    between: Callable[[Hostile], None] | None = None  # run between calls


def send(data: bytes) -> Callable[[Hostile, socket.socket, int, bytes], bool | None]:
    def respond(srv: Hostile, conn: socket.socket, n: int, head: bytes) -> bool | None:
        conn.sendall(data)
        return None

    return respond


def drip(data: bytes, every: float) -> Callable[[Hostile, socket.socket, int, bytes], bool]:
    def respond(srv: Hostile, conn: socket.socket, n: int, head: bytes) -> bool:
        for i in range(len(data)):
            conn.sendall(data[i : i + 1])
            if srv.wait(every):
                break
        return False

    return respond


def silent(srv: Hostile, conn: socket.socket, n: int, head: bytes) -> bool:
    srv.wait(5.0)
    return False


def endless_headers(srv: Hostile, conn: socket.socket, n: int, head: bytes) -> bool:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for i in range(10_000):
        conn.sendall(b"X-Pad-%d: %s\r\n" % (i, b"y" * 20))
        if srv.wait(0.01):
            break
    return False


def close_now(srv: Hostile, conn: socket.socket, n: int, head: bytes) -> bool:
    return False


def answer_then_stray(srv: Hostile, conn: socket.socket, n: int, head: bytes) -> None:
    # the first answer carries a second, unasked-for response after its body
    conn.sendall(ok(n) + (ok(999) if n == 1 else b""))


def stray_while_idle(srv: Hostile, conn: socket.socket, n: int, head: bytes) -> None:
    conn.sendall(ok(n))
    if n == 1:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")  # the reply is complete: this is a stray
        conn.sendall(ok(999)[17:])
        srv.sent_stray.set()


def stray_sent(srv: Hostile) -> None:
    # The stray must be on the wire before the next request is written: once
    # a request is outstanding, nothing in HTTP/1.1 tells a stray from its answer.
    assert srv.sent_stray.wait(2.0)


def storm_then_ok(failures: int, status: bytes) -> Callable[..., None]:
    def respond(srv: Hostile, conn: socket.socket, n: int, head: bytes) -> None:
        if n <= failures:
            conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\n\r\n")
        else:
            conn.sendall(ok(n))

    return respond


def drop_after_request(srv: Hostile, conn: socket.socket, n: int, head: bytes) -> bool:
    return False  # the request was read: the order's fate is unknown


def one_request(srv: Hostile) -> None:
    assert len(srv.requests) == 1


def two_connections(srv: Hostile) -> None:
    assert srv.connections == 2


GZ = gzip.compress(body(1))
BOMB = gzip.compress(b" " * (2 * 1024 * 1024))
E = b'{"rc":0,"mc":"SUCCESS","ma":[],"result":"nope"}'

SCENARIOS = [
    Scenario("plain", send(ok(1)), 1),
    Scenario("chunked", lambda s, c, n, h: c.sendall(chunked(n)), 2, calls=2),
    Scenario("interim-100-then-final", lambda s, c, n, h: c.sendall(
        b"HTTP/1.1 100 Continue\r\n\r\n" + ok(n)), 3, calls=3),
    Scenario("interim-100-and-103", lambda s, c, n, h: c.sendall(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n" + ok(n)),
        2, calls=2),
    Scenario("101-upgrade", send(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"),
             ProtocolError),
    Scenario("endless-interim", send(b"HTTP/1.1 100 Continue\r\n\r\n" * 50), ProtocolError),
    Scenario("slow-drip-body", drip(ok(1), 0.05), ReadTimeout, within=TIMEOUT + SLACK),
    Scenario("endless-headers", endless_headers, ReadTimeout, within=TIMEOUT + SLACK),
    Scenario("huge-header-block", send(b"HTTP/1.1 200 OK\r\n" + b"X: " + b"y" * 70_000 + b"\r\n"),
             ResponseTooLarge),
    Scenario("content-length-10GB", send(b"HTTP/1.1 200 OK\r\nContent-Length: 10737418240\r\n\r\n"),
             ResponseTooLarge),
    Scenario("content-length-negative", send(b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
             ProtocolError),
    Scenario("content-length-text", send(b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n"),
             ProtocolError),
    Scenario("content-length-conflicting", send(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"), ProtocolError),
    Scenario("content-length-duplicated-equal", lambda s, c, n, h: c.sendall(
        ok(n, b"Content-Length: %d\r\n" % len(body(n)))), 1),
    Scenario("content-length-and-chunked", send(
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        ProtocolError),
    Scenario("transfer-encoding-gzip-chunked", send(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"), ProtocolError),
    Scenario("chunk-size-not-hex", send(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
        ProtocolError),
    Scenario("chunk-without-crlf", send(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhelloXX0\r\n\r\n"),
        ProtocolError),
    Scenario("chunk-size-huge", send(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffff\r\n"),
        ResponseTooLarge),
    Scenario("status-line-without-code", send(b"HTTP/1.1 OK\r\nContent-Length: 0\r\n\r\n"),
             ProtocolError),
    Scenario("not-http-at-all", send(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"), ProtocolError),
    Scenario("status-999", send(b"HTTP/1.1 999 Nine\r\nContent-Length: 0\r\n\r\n"), ProtocolError),
    Scenario("bare-lf-framing", send(b"HTTP/1.1 200 OK\nContent-Length: 2\n\n{}"), ProtocolError),
    Scenario("obs-fold-header", send(
        b"HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n"), ProtocolError),
    Scenario("nul-in-header", send(b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n"),
             ProtocolError),
    Scenario("http10-close-delimited", lambda s, c, n, h: (
        c.sendall(b"HTTP/1.0 200 OK\r\n\r\n" + body(n)), False)[1], 2, calls=2,
        check=two_connections),
    Scenario("closed-before-answer", close_now, ConnectionLost),
    Scenario("closed-mid-body", lambda s, c, n, h: (c.sendall(ok(1)[:-5]), False)[1],
             ConnectionLost),
    Scenario("never-answers", silent, ReadTimeout, within=TIMEOUT + SLACK),
    Scenario("redirect-not-followed", send(
        b"HTTP/1.1 302 Found\r\nLocation: http://evil.example/v4/public/time\r\n"
        b"Content-Length: 0\r\n\r\n"), WexAPIError, check=one_request),
    Scenario("content-encoding-br", send(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 2\r\n\r\n{}"), ProtocolError),
    Scenario("content-encoding-gzip-tolerated", send(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(GZ) + GZ),
        1),
    Scenario("gzip-bomb", send(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(BOMB)
        + BOMB), ResponseTooLarge, client=dict(max_body_bytes=64 * 1024)),
    Scenario("body-longer-than-content-length", answer_then_stray, 2, calls=2,
             check=two_connections),
    Scenario("stray-response-while-idle", stray_while_idle, 2, calls=2, check=two_connections,
             between=stray_sent),
    Scenario("not-json", send(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n<html/>!!"),
             ServerError),
    Scenario("wrong-result-shape", send(
        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(E), E)), DecodeError),
    Scenario("503-storm-then-ok", storm_then_ok(3, b"503 Service Unavailable"), 4,
             client=dict(max_retries=3, backoff=0.001)),
    Scenario("500-then-ok", storm_then_ok(1, b"500 Internal Server Error"), 2,
             client=dict(max_retries=1, backoff=0.001)),
    Scenario("429-retry-after-zero", lambda s, c, n, h: c.sendall(
        b"HTTP/1.1 429 Too Many\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n" if n == 1
        else ok(n)), 2, client=dict(max_retries=1, backoff=0.001)),
    Scenario("write-dropped-after-request", drop_after_request, OrderStateUnknownError,
             write=True, check=one_request),
    Scenario("write-never-answered", silent, OrderStateUnknownError, write=True,
             within=TIMEOUT + SLACK, check=one_request),
    Scenario("write-5xx-not-retried", send(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"),
             ServerError, write=True, client=dict(max_retries=3, backoff=0.001),
             check=one_request),
    Scenario("connection-close-honoured", lambda s, c, n, h: (
        c.sendall(ok(n, b"Connection: close\r\n")), False)[1], 2, calls=2, check=two_connections),
]


def _client_kwargs(sc: Scenario, url: str) -> dict:
    kw = dict(base_url=url, rate_limit=False, sync_clock=False, timeout=TIMEOUT, max_retries=0)
    kw.update(sc.client)
    return kw


def _check(sc: Scenario, outcome: object, srv: Hostile, elapsed: float) -> None:
    if isinstance(sc.expect, int):
        assert isinstance(outcome, wexcore.rest.types.ServerTime), outcome
        assert outcome.server_time == sc.expect  # its own response, not another call's
    else:
        assert isinstance(outcome, sc.expect), repr(outcome)
        assert isinstance(outcome, WexError)
        msg = str(outcome)
        assert "127.0.0.1" in msg and ("/v4/public/time" in msg or "/v4/order" in msg), msg
    assert elapsed < sc.within, f"{sc.name}: {elapsed:.2f} s"
    if sc.check is not None:
        sc.check(srv)


ORDER = dict(symbol="btc_usdt", side="BUY", type="LIMIT", price="1", quantity="1",
             validate=False)


@pytest.fixture
def hostile():
    servers: list[Hostile] = []

    def make(sc: Scenario) -> Hostile:
        srv = Hostile(lambda conn, n, head: sc.respond(srv, conn, n, head))
        servers.append(srv)
        return srv

    yield make
    for srv in servers:
        srv.close()


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_sync_client(hostile, sc):
    srv = hostile(sc)
    outcome: object = None
    t0 = time.monotonic()
    with wexcore.SpotClient("k", "s", **_client_kwargs(sc, srv.url)) as c:
        for i in range(sc.calls):
            if i and sc.between is not None:
                sc.between(srv)
            try:
                outcome = c.place_order(**ORDER) if sc.write else c.server_time()
            except WexError as exc:
                outcome = exc
    _check(sc, outcome, srv, time.monotonic() - t0)


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.name for s in SCENARIOS])
async def test_async_client(hostile, sc):
    srv = hostile(sc)
    outcome: object = None
    t0 = time.monotonic()
    async with wexcore.AsyncSpotClient("k", "s", **_client_kwargs(sc, srv.url)) as c:
        for i in range(sc.calls):
            if i and sc.between is not None:
                sc.between(srv)
            try:
                outcome = await (c.place_order(**ORDER) if sc.write else c.server_time())
            except WexError as exc:
                outcome = exc
    _check(sc, outcome, srv, time.monotonic() - t0)


def _closed_port() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


def test_refused_write_is_not_sent_sync():
    with wexcore.SpotClient("k", "s", base_url=_closed_port(), rate_limit=False,
                            sync_clock=False, timeout=TIMEOUT) as c:
        with pytest.raises(ConnectFailed, match="not sent"):
            c.place_order(**ORDER)


async def test_refused_write_is_not_sent_async():
    async with wexcore.AsyncSpotClient("k", "s", base_url=_closed_port(), rate_limit=False,
                                       sync_clock=False, timeout=TIMEOUT) as c:
        with pytest.raises(ConnectFailed, match="not sent"):
            await c.place_order(**ORDER)


async def test_cancelled_call_never_leaks_its_answer_into_the_next():
    # The server answers the first request late; the caller gives up (cancels)
    # before it arrives. The next call must get its own answer.
    def respond(srv: Hostile, conn: socket.socket, n: int, head: bytes) -> None:
        if n == 1:
            srv.wait(0.15)
        conn.sendall(ok(n))

    sc = Scenario("late", respond, 2)
    srv = Hostile(lambda conn, n, head: sc.respond(srv, conn, n, head))
    try:
        async with wexcore.AsyncSpotClient(base_url=srv.url, rate_limit=False, timeout=2.0,
                                           max_retries=0) as c:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(c.server_time(), 0.05)
            assert (await c.server_time()).server_time == 2
    finally:
        srv.close()


async def test_concurrent_calls_each_end_at_their_deadline():
    # One watchdog timer serves every in-flight request of a pool: concurrent
    # calls to a server that never answers all fail in time, and the pool
    # serves the next call normally afterwards.
    def respond(srv: Hostile, conn: socket.socket, n: int, head: bytes) -> bool | None:
        if n <= 5:
            srv.wait(5.0)
            return False
        conn.sendall(ok(n))
        return None

    sc = Scenario("silent-then-ok", respond, 6)
    srv = Hostile(lambda conn, n, head: sc.respond(srv, conn, n, head))
    try:
        async with wexcore.AsyncSpotClient(base_url=srv.url, rate_limit=False,
                                           timeout=TIMEOUT, max_retries=0) as c:
            t0 = time.monotonic()
            results = await asyncio.gather(*(c.server_time() for _ in range(5)),
                                           return_exceptions=True)
            assert all(isinstance(r, ReadTimeout) for r in results), results
            assert time.monotonic() - t0 < TIMEOUT + SLACK
            assert (await c.server_time()).server_time == 6
    finally:
        srv.close()


def test_async_client_carried_over_to_a_new_event_loop():
    # asyncio.run twice with one client: the second loop gets its own
    # connection and its own deadline watchdog (the first loop's never fires).
    def respond(srv: Hostile, conn: socket.socket, n: int, head: bytes) -> bool | None:
        if n == 2:
            srv.wait(5.0)
            return False
        conn.sendall(ok(n))
        return None

    sc = Scenario("two-loops", respond, 1)
    srv = Hostile(lambda conn, n, head: sc.respond(srv, conn, n, head))
    c = wexcore.AsyncSpotClient(base_url=srv.url, rate_limit=False, timeout=TIMEOUT,
                                max_retries=0)
    try:
        assert asyncio.run(c.server_time()).server_time == 1
        t0 = time.monotonic()
        with pytest.raises(ReadTimeout):
            asyncio.run(c.server_time())
        assert time.monotonic() - t0 < TIMEOUT + SLACK
        assert srv.connections == 2
    finally:
        srv.close()
