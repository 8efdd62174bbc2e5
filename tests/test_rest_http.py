"""The lean HTTP/1.1 transport: response framing, keep-alive reuse, and what a broken
connection means for a write (state unknown) versus a refused one (not sent)."""

from __future__ import annotations

import socket
import threading

import pytest

import wexcore
from wexcore import OrderStateUnknownError
from wexcore.rest._http import (
    AsyncPool,
    ConnectFailed,
    ResponseParser,
    SyncPool,
)
from wexcore.rest.codes import TransportError

OK = b'{"rc":0,"mc":"SUCCESS","ma":[],"result":{"n":1}}'
BALANCES = b'{"rc":0,"mc":"SUCCESS","ma":[],"result":{"assets":[{"currency":"usdt"}]}}'


def parse(raw: bytes, *, eof: bool = False, step: int = 0):
    """Feed ``raw`` (in ``step``-byte pieces) to a parser; the parser if complete, else None."""
    p = ResponseParser()
    done = False
    pieces = [raw[i : i + step] for i in range(0, len(raw), step)] if step else [raw]
    for piece in pieces:
        done = p.feed(piece)
    if not done and eof:
        done = p.feed_eof()
    return p if done else None


def test_content_length_framing_and_extra_bytes_forbid_reuse():
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
    assert parse(raw[:20]) is None
    p = parse(raw)
    assert (p.status, p.body, p.keep_alive) == (200, b"hello", True)
    # bytes beyond the declared length: the response stands, the connection does not
    p = parse(raw + b"HTTP/1.1")
    assert (p.body, p.keep_alive) == (b"hello", False)


def test_chunked_framing_in_every_cut():
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n"
    )
    for cut in range(len(raw) - 1):
        assert parse(raw[:cut]) is None
    for step in (1, 2, 3, 7):
        p = parse(raw, step=step)
        assert (p.status, p.body, p.keep_alive) == (200, b"Wikipedia", True)


def test_read_to_close_and_connection_close():
    raw = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\nbusy"
    assert parse(raw) is None
    p = parse(raw, eof=True)
    assert (p.status, p.body, p.keep_alive) == (503, b"busy", False)


class TinyServer:
    """A thread serving canned answers on 127.0.0.1; counts connections."""

    def __init__(self, behaviour) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.behaviour = behaviour
        self.connections = 0
        self.requests = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._conn, args=(conn,), daemon=True).start()

    def _conn(self, conn) -> None:
        buf = b""
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                buf += data
                while b"\r\n\r\n" in buf:
                    head, _, rest = buf.partition(b"\r\n\r\n")
                    n = 0
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            n = int(line.split(b":")[1])
                    if len(rest) < n:
                        break
                    self.requests.append(head + b"\r\n\r\n" + rest[:n])
                    buf = rest[n:]
                    answer = self.behaviour(head)
                    if answer is None:
                        return  # drop the connection without answering
                    conn.sendall(answer)

    def close(self) -> None:
        self.sock.close()


def _ok(head):
    body = BALANCES if b"/v4/balances" in head else OK
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def test_sync_pool_reuses_one_connection():
    srv = TinyServer(_ok)
    try:
        pool = SyncPool(srv.url, timeout=5)
        for _ in range(5):
            assert pool.request("GET", "/v4/balances", {"X": "1"}, None)[2] == BALANCES
        assert srv.connections == 1
        assert srv.requests[0].startswith(b"GET /v4/balances HTTP/1.1\r\nHost: 127.0.0.1:")
        pool.close()
    finally:
        srv.close()


async def test_async_pool_reuses_and_sends_exact_body():
    srv = TinyServer(_ok)
    try:
        pool = AsyncPool(srv.url, timeout=5)
        for _ in range(3):
            st, _, body = await pool.request("POST", "/v4/order?x=1", {"A": "b"}, b'{"k":1}')
            assert (st, body) == (200, OK)
        assert srv.connections == 1
        assert srv.requests[-1].endswith(b'Content-Length: 7\r\n\r\n{"k":1}')
        await pool.aclose()
    finally:
        srv.close()


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_refused_connection_is_not_sent():
    url = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(ConnectFailed):
        SyncPool(url, timeout=2).request("POST", "/v4/order", {}, b"{}")
    with wexcore.SpotClient("k", "s", base_url=url, rate_limit=False, sync_clock=False) as c:
        with pytest.raises(TransportError, match="not sent"):
            c.place_order("btc_usdt", "BUY", "LIMIT", price="1", quantity="1", validate=False)


@pytest.mark.parametrize("is_async", [False, True])
async def test_dropped_order_is_unknown_state_and_read_is_retried(is_async):
    calls = {"n": 0}

    def drop_first_two(head):
        calls["n"] += 1
        return None if calls["n"] <= 2 else _ok(head)

    srv = TinyServer(drop_first_two)
    try:
        kw = dict(base_url=srv.url, rate_limit=False, sync_clock=False, backoff=0.001)
        if is_async:
            async with wexcore.AsyncSpotClient("k", "s", **kw) as c:
                with pytest.raises(OrderStateUnknownError):
                    await c.place_order(
                        "btc_usdt", "BUY", "LIMIT", price="1", quantity="1", validate=False
                    )
                assert (await c.balances()).assets[0].currency == "usdt"  # second drop retried
        else:
            with wexcore.SpotClient("k", "s", **kw) as c:
                with pytest.raises(OrderStateUnknownError):
                    c.place_order(
                        "btc_usdt", "BUY", "LIMIT", price="1", quantity="1", validate=False
                    )
                assert c.balances().assets[0].currency == "usdt"
        # One order attempt only: the write was not re-sent.
        assert sum(r.startswith(b"POST") for r in srv.requests) == 1
    finally:
        srv.close()


def test_idle_connection_closed_by_server_is_not_reused_for_a_write():
    closing = {"n": 0}

    def answer_then_close(head):
        closing["n"] += 1
        # Answer the first request, then the server drops the idle connection.
        return _ok(head).replace(b"\r\n\r\n", b"\r\nConnection: keep-alive\r\n\r\n", 1)

    srv = TinyServer(answer_then_close)
    try:
        pool = SyncPool(srv.url, timeout=5)
        pool.request("GET", "/a", {}, None)
        sock, _ = pool._idle[0]
        # Simulate the server closing the idle connection: shut our peer down.
        sock.shutdown(socket.SHUT_RD)
        st, _, body = pool.request("POST", "/v4/order", {}, b"{}")
        assert (st, body) == (200, OK)
        assert srv.connections == 2
        pool.close()
    finally:
        srv.close()


SIZED = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nX-A:  spaced  \r\n\r\n",
    b"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 500 Server Error\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nboom",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",  # the machine only
    b"HTTP/1.1 204 No Content\r\n\r\n",  # the machine only
]


@pytest.mark.parametrize("raw", SIZED)
def test_one_shot_reading_equals_the_machine(raw):
    # A whole response in one read takes the parser's one-shot path; fed a
    # byte at a time it goes through the state machine: same answer.
    whole, dribbled = parse(raw), parse(raw, step=1)
    assert (whole.status, whole.headers, whole.body, whole.keep_alive) == (
        dribbled.status, dribbled.headers, dribbled.body, dribbled.keep_alive)
    assert whole.headers.get("x-a", "spaced") == "spaced"
    if b"Close" in raw:
        assert not whole.keep_alive
