"""The public C API (wexcore.h), called through the capsule as C code calls it.

Expectations come from the Python API (whose own tests use the reference
book and the standard library's hmac) and from hmac directly.
"""

from __future__ import annotations

import ctypes as C
import hashlib
import hmac
import sys
import threading
import time

import pytest

import wexcore
from capi_support import DepthFrame, Error, Request, load
from wexcore import OrderBook, Signer
from wexcore.workload import generate

API = load()
WEX_STALE, WEX_APPLIED, WEX_CROSSED, WEX_GAP, WEX_ERROR = range(5)
(WEX_OK, WEX_E_DECODE, WEX_E_PRECISION, WEX_E_SYMBOL, WEX_E_SEQUENCE, WEX_E_PREVIOUS,
 WEX_E_NOT_SYNCED, WEX_E_NOMEM, WEX_E_BUSY, WEX_E_ARGUMENT, WEX_E_UNSUPPORTED,
 WEX_E_CAPACITY) = range(12)
BIDS, ASKS = 0, 1
SPOT, FUTURES = 0, 1


def test_table():
    assert API.version == wexcore._capi.VERSION == 1
    assert API.size == C.sizeof(type(API))  # every member this test knows is there


@pytest.fixture
def cbook():
    """A C-owned book, freed by the test."""
    made = []

    def make(symbol=b"btc_usdt", pp=2, qp=6, product=SPOT):
        err = Error()
        b = API.book_new(symbol, len(symbol), pp, qp, product, C.byref(err))
        assert b, err.message
        made.append(b)
        return b

    yield make
    for b in made:
        API.book_free(b)


def top(book, side, n=10 ** 6):
    px = (C.c_int64 * n)()
    qt = (C.c_int64 * n)()
    k = API.book_top_ticks(book, side, n, px, qt)
    return [(px[i], qt[i]) for i in range(k)]


@pytest.mark.parametrize("product", ["spot", "futures"])
def test_c_book_matches_orderbook(cbook, product):
    w = generate(100, 300, product=product)
    b = cbook(product=FUTURES if product == "futures" else SPOT)
    py = OrderBook(w.symbol, w.price_precision, w.quantity_precision, product=product)
    err = Error()
    assert API.book_load_snapshot(b, w.snapshot, len(w.snapshot), C.byref(err)) == \
        py.load_snapshot(w.snapshot)
    assert API.book_in_sync(b) == 1
    for m in w.messages:
        assert API.book_apply_frame(b, m, len(m), C.byref(err)) == py.apply(m)
        assert err.code == WEX_OK
    assert API.book_update_id(b) == py.last_update_id == w.expected["last_update_id"]
    assert top(b, BIDS) == [tuple(x) for x in py.bid_ticks(10 ** 6).tolist()]
    assert top(b, ASKS) == [tuple(x) for x in py.ask_ticks(10 ** 6).tolist()]
    assert API.book_level_count(b, BIDS) == py.bid_count
    assert API.book_level_count(b, ASKS) == py.ask_count
    for levels in (0, 1, 25, 10 ** 6):
        assert API.book_checksum(b, levels) == py.checksum(levels)
    assert API.book_checksum(b, 25) == w.expected["checksum"]
    px = (C.c_double * 5)()
    qt = (C.c_double * 5)()
    assert API.book_top(b, BIDS, 5, px, qt) == 5
    assert [(px[i], qt[i]) for i in range(5)] == [tuple(x) for x in py.bids(5).tolist()]
    # either array may be NULL; n larger than the side; a bad side reads nothing
    assert API.book_top_ticks(b, ASKS, 3, None, (C.c_int64 * 3)()) == 3
    assert API.book_top_ticks(b, 7, 3, None, None) == 0


def test_book_of_shares_the_python_books_state():
    py = OrderBook("btc_usdt", 2, 3)
    h = API.book_of(py)
    snap = b'{"lastUpdateId":5,"bids":[["10.00","1"]],"asks":[["11.00","2"]]}'
    err = Error()
    assert API.book_load_snapshot(h, snap, len(snap), C.byref(err)) == WEX_APPLIED
    frame = b'{"s":"btc_usdt","fi":6,"i":6,"b":[["10.50","3"]],"a":[]}'
    assert API.book_apply_frame(h, frame, len(frame), C.byref(err)) == WEX_APPLIED
    assert py.best_bid_ticks() == (1050, 3000) and py.last_update_id == 6
    with pytest.raises(TypeError, match="OrderBook"):
        API.book_of(object())
    with pytest.raises(ValueError, match="__init__"):
        API.book_of(OrderBook.__new__(OrderBook))


@pytest.mark.parametrize("args,field", [
    ((b"x", 1, 2, 3, 2), "product"),
    ((b"x", 1, 19, 3, SPOT), "price_precision"),
    ((b"x", 1, 2, -1, FUTURES), "quantity_precision"),
    ((None, 3, 2, 3, SPOT), "symbol"),
])
def test_book_new_rejects_bad_arguments(args, field):
    err = Error()
    assert not API.book_new(*args, C.byref(err))
    assert err.code == WEX_E_ARGUMENT and err.field.decode() == field


SNAP = b'{"rc":0,"mc":"SUCCESS","ma":[],"result":{"lastUpdateId":10,' \
       b'"bids":[["100.00","1"]],"asks":[["101.00","1"]]}}'


def spot(first, last, bids="", asks="", s="btc_usdt"):
    return (f'{{"topic":"depth_update","event":"depth_update@{s}","data":{{"s":"{s}",'
            f'"fi":{first},"i":{last},"b":[{bids}],"a":[{asks}]}}}}').encode()


def synced(cbook):
    b = cbook(pp=2, qp=3)
    err = Error()
    assert API.book_load_snapshot(b, SNAP, len(SNAP), C.byref(err)) == WEX_APPLIED
    return b


def test_apply_frame_reports_errors_and_leaves_the_book_unchanged(cbook):
    b = synced(cbook)
    err = Error()
    before = (top(b, BIDS), top(b, ASKS), API.book_update_id(b))
    frame = spot(11, 11, bids='["100.50","1"],["99.125","2"]')
    assert API.book_apply_frame(b, frame, len(frame), C.byref(err)) == WEX_ERROR
    assert (err.code, err.field, err.value, err.precision) == \
        (WEX_E_PRECISION, b"bids[1].price", b"99.125", 2)
    assert frame[err.offset:err.offset + 8] == b'"99.125"'
    assert b"more than 2 decimal places" in err.message
    frame = spot(11, 11, asks='["x","1"]')
    assert API.book_apply_frame(b, frame, len(frame), C.byref(err)) == WEX_ERROR
    assert (err.code, err.field) == (WEX_E_DECODE, b"asks[0].price")
    frame = spot(11, 11, s="eth_usdt")
    assert API.book_apply_frame(b, frame, len(frame), C.byref(err)) == WEX_ERROR
    assert (err.code, err.field) == (WEX_E_SYMBOL, b"s")
    frame = b'{"s":"btc_usdt","i":11,"b":[],"a":[]}'
    assert API.book_apply_frame(b, frame, len(frame), C.byref(err)) == WEX_ERROR
    assert (err.code, err.field) == (WEX_E_DECODE, b"fi")
    frame = b'{"topic":"depth_update","data":'
    assert API.book_apply_frame(b, frame, len(frame), C.byref(err)) == WEX_ERROR
    assert err.code == WEX_E_DECODE and b"invalid JSON" in err.message
    assert (top(b, BIDS), top(b, ASKS), API.book_update_id(b)) == before
    assert API.book_in_sync(b) == 1
    # a stale frame is not an error
    frame = spot(3, 9)
    assert API.book_apply_frame(b, frame, len(frame), C.byref(err)) == WEX_STALE
    assert err.code == WEX_OK


def test_gaps(cbook):
    b = synced(cbook)
    err = Error()
    frame = spot(12, 12)
    assert API.book_apply_frame(b, frame, len(frame), C.byref(err)) == WEX_GAP
    assert (err.code, err.expected, err.received) == (WEX_E_SEQUENCE, 11, 12)
    assert API.book_in_sync(b) == 0
    frame = spot(11, 11)
    assert API.book_apply_frame(b, frame, len(frame), C.byref(err)) == WEX_GAP
    assert err.code == WEX_E_NOT_SYNCED
    fut = cbook(product=FUTURES, pp=2, qp=3)
    snap = b'{"returnCode":0,"result":{"u":10,"b":[["1.00","1"]],"a":[["2.00","1"]]}}'
    assert API.book_load_snapshot(fut, snap, len(snap), C.byref(err)) == WEX_APPLIED
    ok = b'{"s":"btc_usdt","fu":9,"u":11,"pu":8,"b":[],"a":[]}'
    assert API.book_apply_frame(fut, ok, len(ok), C.byref(err)) == WEX_APPLIED
    bad_pu = b'{"s":"btc_usdt","fu":12,"u":12,"pu":10,"b":[],"a":[]}'
    assert API.book_apply_frame(fut, bad_pu, len(bad_pu), C.byref(err)) == WEX_GAP
    assert (err.code, err.field, err.expected, err.received) == (WEX_E_PREVIOUS, b"pu", 11, 10)


def test_validating_path_without_the_gil(cbook):
    """Escaped keys are beyond the byte scanner: the kernel takes the GIL for
    that frame only, and the result is the same."""
    b = synced(cbook)
    err = Error()
    frame = b'{"topic":"depth_update","data":{"s":"btc_usdt","f\\u0069":11,"i":11,' \
            b'"b":[["100.50","2"]],"a":[]}}'
    assert API.book_apply_frame(b, frame, len(frame), C.byref(err)) == WEX_APPLIED
    assert top(b, BIDS)[0] == (10050, 2000)
    frame = b'{"topic":"depth_update","data":{"s":"btc_usdt","f\\u0069":12,"i":12,' \
            b'"b":[["100.505","2"]],"a":[]}}'
    assert API.book_apply_frame(b, frame, len(frame), C.byref(err)) == WEX_ERROR
    assert (err.code, err.value, err.precision) == (WEX_E_PRECISION, b"100.505", 2)


def test_null_and_busy_books(cbook):
    err = Error()
    assert API.book_apply_frame(None, b"{}", 2, C.byref(err)) == WEX_ERROR
    assert err.code == WEX_E_ARGUMENT
    b = synced(cbook)
    assert API.book_apply_frame(b, None, 5, C.byref(err)) == WEX_ERROR
    assert (err.code, err.field) == (WEX_E_ARGUMENT, b"buf")
    assert API.book_apply_frame(b, spot(11, 11), len(spot(11, 11)), None) == WEX_APPLIED
    assert API.book_update_id(None) == 0 and API.book_checksum(None, 5) == 0


def test_a_book_in_use_is_busy():
    """While a C call is working on a book, Python calls on the same book
    refuse to read it instead of seeing torn state."""
    # long enough to scan (milliseconds) that this thread, which takes the GIL
    # back as soon as the C call releases it, polls while the book is busy
    frame = b'{"s":"btc_usdt","fi":11,"i":11,"a":[],"b":[' + b",".join(
        [b'["100.50","1"]'] * 400_000) + b"]}"

    def attempt() -> bool:
        py = OrderBook("btc_usdt", 2, 3)
        py.load_snapshot(SNAP)
        h = API.book_of(py)
        result = []
        t = threading.Thread(target=lambda: result.append(
            API.book_apply_frame(h, frame, len(frame), None)))
        seen_busy = False
        deadline = time.monotonic() + 30
        old = sys.getswitchinterval()
        sys.setswitchinterval(1.0)  # this thread keeps the GIL while it polls
        try:
            t.start()
            while t.is_alive() and time.monotonic() < deadline:
                try:
                    py.best_bid()
                except RuntimeError as e:
                    assert "another thread" in str(e)
                    seen_busy = True
                    break
        finally:
            sys.setswitchinterval(old)
        t.join(timeout=30)
        # whether or not this attempt caught it busy, the call completed whole
        assert result == [WEX_APPLIED]
        assert py.last_update_id == 11 and py.best_bid_ticks() == (10050, 1000)
        return seen_busy

    # On a loaded machine the OS may not run this thread at all while the C
    # call works; a few attempts make catching it busy a certainty in practice
    # (bounded: each attempt is a few milliseconds).
    assert any(attempt() for _ in range(20))


def frame_arrays(cap_b, cap_a):
    arrs = [(C.c_int64 * max(cap, 1))() for cap in (cap_b, cap_b, cap_a, cap_a)]
    out = DepthFrame(arrs[0], arrs[1], cap_b, arrs[2], arrs[3], cap_a)
    return out, arrs


def test_depth_decode_into_caller_arrays():
    frame = (b'{"topic":"depth_update","event":"depth_update@btc_usdt","data":{"s":"btc_usdt",'
             b'"fu":7,"u":9,"pu":6,"b":[["100.5","1.25"],["99","0"]],"a":[["101","3"]]}}')
    out, arrs = frame_arrays(4, 4)
    err = Error()
    assert API.depth_decode(frame, len(frame), 2, 3, C.byref(out), C.byref(err)) == 0
    assert (out.bid_count, out.ask_count) == (2, 1)
    assert [arrs[0][i] for i in range(2)] == [10050, 9900]
    assert [arrs[1][i] for i in range(2)] == [1250, 0]
    assert (arrs[2][0], arrs[3][0]) == (10100, 3000)
    assert (out.first_id, out.last_id, out.previous_id) == (7, 9, 6)
    assert C.string_at(out.symbol, out.symbol_len) == b"btc_usdt"
    expected = wexcore.parse_depth(frame, 2, 3)
    assert expected["bid_prices"].tolist() == [10050, 9900]


def test_depth_decode_capacity_and_errors():
    frame = b'{"lastUpdateId":3,"bids":[["1","1"],["2","2"],["3","3"]],"asks":[]}'
    err = Error()
    out, _ = frame_arrays(2, 0)
    assert API.depth_decode(frame, len(frame), 0, 0, C.byref(out), C.byref(err)) == -1
    assert err.code == WEX_E_CAPACITY
    out, arrs = frame_arrays(len(frame) // 6 + 1, 0)  # the documented bound
    assert API.depth_decode(frame, len(frame), 0, 0, C.byref(out), C.byref(err)) == 0
    assert out.bid_count == 3 and out.last_id == 3 and out.first_id == -1
    assert out.previous_id == -1 and not out.symbol
    # the validating path (an escaped key) fills the same arrays, and knows its capacity
    esc = b'{"l\\u0061stUpdateId":3,"bids":[["1","1"],["2","2"],["3","3"]],"asks":[]}'
    assert API.depth_decode(esc, len(esc), 0, 0, C.byref(out), C.byref(err)) == 0
    assert [arrs[0][i] for i in range(3)] == [1, 2, 3] and out.last_id == 3
    small, _ = frame_arrays(1, 0)
    assert API.depth_decode(esc, len(esc), 0, 0, C.byref(small), C.byref(err)) == -1
    assert err.code == WEX_E_CAPACITY
    bad = b'{"bids":[["1.5","1"]],"asks":[]}'
    assert API.depth_decode(bad, len(bad), 0, 0, C.byref(out), C.byref(err)) == -1
    assert (err.code, err.field, err.value) == (WEX_E_PRECISION, b"bids[0].price", b"1.5")
    assert API.depth_decode(bad, len(bad), 19, 0, C.byref(out), C.byref(err)) == -1
    assert err.code == WEX_E_ARGUMENT
    assert API.depth_decode(bad, len(bad), 1, 0, None, C.byref(err)) == -1
    assert err.code == WEX_E_ARGUMENT


KEY, SECRET = "3976eb88-76d0-4f6e-a6b2-a57980770085", "bc6630d0231fda5cd98794f52c4998659beda290"
BODY = b'{"symbol":"btc_usdt","side":"BUY","type":"LIMIT","price":"39000.5","quantity":"0.25"}'


def expected_signature(secret, product, method, path, query, body, ts, recv=5000):
    if product == SPOT:
        x = (f"validate-algorithms=HmacSHA256&validate-appkey={KEY}&validate-recvwindow={recv}"
             f"&validate-timestamp={ts}#{method}#{path}")
    else:
        x = f"validate-appkey={KEY}&validate-timestamp={ts}#{path}"
    msg = x.encode() + (b"#" + query if query else b"") + (b"#" + body if body else b"")
    return hmac.new(secret, msg, hashlib.sha256).hexdigest().encode()


def c_sign(signer, product, method, path, query, body, ts):
    req = Request(product, method, len(method or b""), path, len(path), query, len(query or b""),
                  body, len(body or b""), ts)
    sig = C.create_string_buffer(64)
    err = Error()
    rc = API.sign(signer, C.byref(req), sig, C.byref(err))
    return rc, sig.raw, err


@pytest.fixture
def csigner():
    made = []

    def make(secret=None, recv=5000):
        secret = SECRET.encode() if secret is None else secret
        err = Error()
        s = API.signer_new(KEY.encode(), len(KEY), secret, len(secret), recv, C.byref(err))
        assert s, err.message
        made.append(s)
        return s

    yield make
    for s in made:
        API.signer_free(s)


@pytest.mark.parametrize("product,method,path,query,body", [
    (SPOT, b"POST", b"/v4/order", None, BODY),
    (SPOT, b"GET", b"/v4/history-order", b"bizType=SPOT&limit=100&symbol=btc_usdt", None),
    (SPOT, b"DELETE", b"/v4/order/123", None, None),
    (FUTURES, None, b"/future/trade/v1/order/create", None, BODY),
    (FUTURES, b"GET", b"/future/user/v1/balance/list", b"a=1", None),
    (SPOT, b"PUT", b"/v4/x", b"q=" + b"z" * 3000, BODY * 20),  # past the stack buffer
])
def test_sign_matches_hmac(csigner, product, method, path, query, body):
    ts = 1641446237201
    for secret in (SECRET.encode(), b"k" * 65, b"\x00\xff" * 40):
        rc, sig, err = c_sign(csigner(secret), product, method, path, query, body, ts)
        assert rc == 0 and err.code == WEX_OK
        assert sig == expected_signature(secret, product, method and method.decode(),
                                         path.decode(), query, body, ts)


def test_signer_of_signs_like_the_python_signer():
    py = Signer(KEY, SECRET, recv_window=2500)
    h = API.signer_of(py)
    rc, sig, _ = c_sign(h, SPOT, b"POST", b"/v4/order", None, BODY, 1641446237201)
    assert rc == 0
    assert sig.decode() == py.sign("POST", "/v4/order", body=BODY, timestamp=1641446237201)
    with pytest.raises(TypeError, match="Signer"):
        API.signer_of("not a signer")
    md5 = API.signer_of(Signer(KEY, SECRET, algorithm="HmacMD5"))
    rc, _, err = c_sign(md5, SPOT, b"GET", b"/v4/x", None, None, 1)
    assert (rc, err.code, err.field) == (-1, WEX_E_UNSUPPORTED, b"algorithm")


@pytest.mark.parametrize("change,field", [
    ({"method": b"get"}, b"method"),
    ({"method": None}, b"method"),
    ({"path": b"v4/order"}, b"path"),
    ({"path": b"/v4/order?x=1"}, b"path"),
    ({"path": b"/v4/\xc3\xa9"}, b"path"),
    ({"timestamp_ms": -1}, b"timestamp_ms"),
    ({"timestamp_ms": 10 ** 13}, b"timestamp_ms"),
    ({"product": 2}, b"product"),
])
def test_sign_rejects_bad_requests(csigner, change, field):
    args = {"product": SPOT, "method": b"GET", "path": b"/v4/order", "query": None, "body": None,
            "timestamp_ms": 1}
    args.update(change)
    rc, _, err = c_sign(csigner(), args["product"], args["method"], args["path"], args["query"],
                        args["body"], args["timestamp_ms"])
    assert (rc, err.code, err.field) == (-1, WEX_E_ARGUMENT, field)


@pytest.mark.parametrize("key,secret,recv,field", [
    (b"", b"s", 5000, b"api_key"),
    (b"a b", b"s", 5000, b"api_key"),
    (b"k", b"", 5000, b"secret"),
    (b"k", b"s", 0, b"recv_window"),
    (b"k", b"s", 60001, b"recv_window"),
])
def test_signer_new_rejects_bad_arguments(key, secret, recv, field):
    err = Error()
    assert not API.signer_new(key, len(key), secret, len(secret), recv, C.byref(err))
    assert (err.code, err.field) == (WEX_E_ARGUMENT, field)
