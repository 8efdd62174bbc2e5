"""Client shells over httpx.MockTransport (the optional httpx transport): retries, write
safety, clock, pagination, logging -- the request core's plan, driven by both shells."""

from __future__ import annotations

import logging
import time
from decimal import Decimal

import httpx
import orjson
import pytest

import wexcore
from wexcore import (
    AuthenticationError,
    OrderStateUnknownError,
    RateLimitError,
    ServerError,
)
from wexcore.rest import client as client_mod
from wexcore.rest import types as T
from wexcore.rest.codes import TransportError

BALANCES = {"totalBtcAmount": "0", "assets": [{"currency": "usdt", "availableAmount": "5"}]}
DEPTH = {"lastUpdateId": 7, "bids": [["1.5", "2"]], "asks": []}

KEY, SECRET = "my-key-1234", "my-very-secret-value"


def ok(result) -> httpx.Response:
    return httpx.Response(
        200, content=orjson.dumps({"rc": 0, "mc": "SUCCESS", "ma": [], "result": result})
    )


def err(code, status=200) -> httpx.Response:
    return httpx.Response(
        status, content=orjson.dumps({"rc": 1, "mc": code, "ma": [], "result": None})
    )


class Script:
    """A fake server: answers from a list (per path), records requests."""

    def __init__(self, answers: dict[str, list]) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/v4/public/time":
            return ok({"serverTime": int(time.time() * 1000) + 5000})
        queue = self.answers[request.url.path]
        a = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(a, Exception):
            raise a
        return a

    def paths(self):
        return [r.url.path for r in self.requests]


@pytest.fixture
def sleeps(monkeypatch):
    """Record the client's sleeps instead of sleeping (no real waiting in tests)."""
    rec: list[float] = []
    monkeypatch.setattr(client_mod.time, "sleep", rec.append)

    async def fake_async_sleep(d):
        rec.append(d)

    monkeypatch.setattr(client_mod.asyncio, "sleep", fake_async_sleep)
    return rec


def make(script, cls=wexcore.SpotClient, **kw):
    transport = httpx.MockTransport(script)
    kw.setdefault("rate_limit", False)
    return cls(KEY, SECRET, base_url="http://wex.test", transport=transport, **kw)


def test_query_string_is_sent_byte_for_byte():
    s = Script({"/v4/open-order": [ok([])]})
    make(s).open_orders(symbol="btc_usdt", side="BUY")
    req = s.requests[-1]
    assert req.url.raw_path == b"/v4/open-order?side=BUY&symbol=btc_usdt"


def test_get_retries_502_503_then_succeeds(sleeps):
    s = Script({"/v4/balances": [err("COMMON_002", 502), err("COMMON_002", 503), ok(BALANCES)]})
    r = make(s).balances()
    assert r.assets[0].available_amount == Decimal("5")
    assert s.paths().count("/v4/balances") == 3
    assert len(sleeps) == 2 and all(0 <= d <= 2.0 for d in sleeps)


def test_get_gives_up_after_max_retries(sleeps):
    s = Script({"/v4/balances": [err("COMMON_002", 503)]})
    with pytest.raises(ServerError) as ei:
        make(s, max_retries=2).balances()
    assert ei.value.http_status == 503
    assert s.paths().count("/v4/balances") == 3


def test_get_is_retried_on_any_5xx_and_busy_code(sleeps):
    s = Script({"/v4/balances": [httpx.Response(500, content=b""), err("COMMON_002"),
                                 httpx.Response(504, content=b"gateway"), ok(BALANCES)]})
    assert make(s).balances().total_btc_amount == 0
    assert s.paths().count("/v4/balances") == 4


def test_get_4xx_is_not_retried(sleeps):
    s = Script({"/v4/balances": [httpx.Response(404, content=b"")]})
    with pytest.raises(wexcore.NotFoundError):
        make(s).balances()
    assert s.paths().count("/v4/balances") == 1


def test_429_honours_retry_after(sleeps):
    s = Script(
        {
            "/v4/public/depth": [
                httpx.Response(429, headers={"Retry-After": "1.5"}),
                ok(DEPTH),
            ]
        }
    )
    make(s).depth("btc_usdt")
    assert sleeps == [1.5] or sleeps[0] >= 1.5


def test_write_is_never_retried_on_429_or_5xx(sleeps):
    s = Script({"/v4/order": [httpx.Response(429)]})
    with pytest.raises(RateLimitError):
        make(s).place_order("btc_usdt", "BUY", "LIMIT", price="1", quantity="1", validate=False)
    s2 = Script({"/v4/order": [err("COMMON_002", 503)]})
    with pytest.raises(ServerError):
        make(s2).place_order("btc_usdt", "BUY", "LIMIT", price="1", quantity="1", validate=False)
    assert s.paths().count("/v4/order") == 1 and s2.paths().count("/v4/order") == 1


def test_lost_answer_to_an_order_is_unknown_state(sleeps):
    s = Script({"/v4/order": [httpx.ReadError("connection reset")]})
    with pytest.raises(OrderStateUnknownError, match="may or may not") as ei:
        make(s).place_order("btc_usdt", "BUY", "LIMIT", price="1", quantity="1", validate=False)
    assert (ei.value.method, ei.value.path, ei.value.host) == ("POST", "/v4/order", "wex.test")
    assert s.paths().count("/v4/order") == 1


def test_unsent_order_is_a_transport_error(sleeps):
    s = Script({"/v4/order": [httpx.ConnectError("refused")]})
    with pytest.raises(wexcore.rest.ConnectFailed, match="not sent") as ei:
        make(s).place_order("btc_usdt", "BUY", "LIMIT", price="1", quantity="1", validate=False)
    assert "POST /v4/order on wex.test" in str(ei.value)


def test_get_retries_connection_errors(sleeps):
    s = Script(
        {
            "/v4/public/depth": [
                httpx.ConnectError("refused"),
                httpx.ReadTimeout("slow"),
                ok(DEPTH),
            ]
        }
    )
    assert make(s).depth("btc_usdt").bids == [(Decimal("1.5"), Decimal(2))]
    s2 = Script({"/v4/public/depth": [httpx.ConnectError("refused")]})
    with pytest.raises(TransportError, match="after 2 attempts"):
        make(s2, max_retries=1).depth("btc_usdt")


def test_clock_synced_before_first_signed_request_with_half_rtt():
    s = Script({"/v4/balances": [ok(BALANCES)]})
    c = make(s)
    c.balances()
    assert s.paths() == ["/v4/public/time", "/v4/balances"]
    assert 4900 <= c.time_offset_ms <= 5100
    ts = int(s.requests[-1].headers["validate-timestamp"])
    assert abs(ts - (time.time() * 1000 + 5000)) < 1000
    c.balances()
    assert s.paths().count("/v4/public/time") == 1


def test_clock_record_is_half_round_trip():
    from wexcore.rest.clock import ClockSync

    c = ClockSync()
    assert c.record(1000.0, 1100.0, 2000) == 950  # server read at local 1050
    assert c.round_trip_ms == 100.0 and not c.due()


def test_auth_105_resyncs_once_and_retries_get():
    s = Script({"/v4/balances": [err("AUTH_105"), ok(BALANCES)]})
    c = make(s)
    assert c.balances() == T.SpotBalances(total_btc_amount=Decimal(0), assets=[
        T.SpotBalance(currency="usdt", available_amount=Decimal(5))])
    assert s.paths() == ["/v4/public/time", "/v4/balances", "/v4/public/time", "/v4/balances"]


def test_auth_105_on_write_resyncs_but_does_not_resend():
    s = Script({"/v4/order": [err("AUTH_105")]})
    c = make(s)
    with pytest.raises(AuthenticationError) as ei:
        c.place_order("btc_usdt", "BUY", "LIMIT", price="1", quantity="1", validate=False)
    assert ei.value.code == "AUTH_105"
    assert s.paths() == ["/v4/public/time", "/v4/order", "/v4/public/time"]


def test_auth_105_twice_raises():
    s = Script({"/v4/balances": [err("AUTH_105")]})
    with pytest.raises(AuthenticationError):
        make(s).balances()


def test_validation_fetches_filters_once_and_fails_locally():
    info = {
        "symbols": [
            {
                "symbol": "btc_usdt",
                "pricePrecision": 2,
                "quantityPrecision": 4,
                "filters": [{"filter": "PRICE", "min": "1", "max": None, "tickSize": "0.5"}],
            }
        ]
    }
    s = Script({"/v4/public/symbol": [ok(info)], "/v4/order": [ok({"orderId": "7"})]})
    c = make(s)
    with pytest.raises(wexcore.InvalidOrderError) as ei:
        c.place_order("btc_usdt", "BUY", "LIMIT", price="10.25", quantity="1")
    assert ei.value.code == "ORDER_F0103" and ei.value.http_status is None
    assert ei.value.field == "price"
    assert c.place_order("btc_usdt", "BUY", "LIMIT", price="10.5", quantity="1").order_id == 7
    # validate=False skips the check entirely.
    c.place_order("btc_usdt", "BUY", "LIMIT", price="10.25", quantity="1", validate=False)
    assert s.paths().count("/v4/public/symbol") == 1
    assert s.paths().count("/v4/order") == 2


def test_cursor_pagination_follows_has_next():
    def order(oid):
        return {"symbol": "btc_usdt", "orderId": oid, "state": "FILLED"}

    pages = [
        ok({"hasPrev": False, "hasNext": True, "items": [order("3"), order("2")]}),
        ok({"hasPrev": True, "hasNext": False, "items": [order("1")]}),
    ]
    s = Script({"/v4/history-order": pages})
    items = list(make(s).paginate("order_history", symbol="btc_usdt", limit=2))
    assert [i.order_id for i in items] == [3, 2, 1]
    q = [r.url.params for r in s.requests if r.url.path == "/v4/history-order"]
    assert "fromId" not in q[0] and q[1]["fromId"] == "2" and q[1]["direction"] == "NEXT"


def test_cursor_pagination_keeps_records_sharing_a_cursor_value():
    # a self-trade is one tradeId with a fill for each order: both are listed
    def fill(tid, oid):
        return {"symbol": "btc_usdt", "tradeId": tid, "orderId": oid, "quantity": "1"}

    pages = [
        ok({"hasNext": True, "items": [fill("9", "1"), fill("9", "2"), fill("8", "1")]}),
        # a server repeating its page adds nothing new: the iteration stops
        ok({"hasNext": True, "items": [fill("8", "1")]}),
    ]
    s = Script({"/v4/trade": pages})
    items = list(make(s).paginate("my_trades", limit=3))
    assert [(i.trade_id, i.order_id) for i in items] == [(9, 1), (9, 2), (8, 1)]
    assert s.paths().count("/v4/trade") == 2


def test_futures_order_detail_null_result_is_order_not_found():
    # futures-en.txt "See Orders by ID" lists the code "null": no such order
    body = {"returnCode": 0, "msgInfo": "success", "error": None, "result": None}
    s = Script({"/future/trade/v1/order/detail": [httpx.Response(200, content=orjson.dumps(body))]})
    c = make(s, cls=wexcore.FuturesClient, time_url="http://wex.test/v4/public/time")
    with pytest.raises(wexcore.OrderNotFoundError, match="no such order") as ei:
        c.get_order(123)
    assert ei.value.code == "null"


def test_page_pagination_stops_at_total():
    def page(n):
        return httpx.Response(
            200,
            content=orjson.dumps(
                {
                    "returnCode": 0,
                    "msgInfo": "",
                    "error": None,
                    "result": {
                        "page": n,
                        "ps": 2,
                        "total": 3,
                        "items": [{"orderId": n}] * (2 if n == 1 else 1),
                    },
                }
            ),
        )

    s = Script({"/future/trade/v1/order/list": [page(1), page(2), page(3)]})
    c = make(s, cls=wexcore.FuturesClient, time_url="http://wex.test/v4/public/time")
    items = list(c.paginate("orders", size=2))
    assert len(items) == 3
    pages = [r.url.params["page"] for r in s.requests if r.url.path.endswith("/order/list")]
    assert pages == ["1", "2"]


def test_paginate_refuses_unpaginated():
    with pytest.raises(wexcore.rest.InvalidParameterError, match="not a paginated"):
        next(make(Script({})).paginate("depth", symbol="x"))


def test_logging_shows_request_not_secret(caplog):
    s = Script({"/v4/balances": [ok(BALANCES)]})
    with caplog.at_level(logging.DEBUG, logger="wexcore.rest"):
        make(s).balances()
    text = caplog.text
    assert "GET /v4/balances -> 200" in text and " ms" in text
    assert SECRET not in text and "validate-signature" not in text
    assert SECRET not in repr(make(s))


def test_rate_limit_makes_a_burst_wait(sleeps):
    s = Script({"/v4/order": [ok({"orderId": "1"})]})
    c = make(s, rate_limit=True)
    for _ in range(25):
        c.place_order("btc_usdt", "BUY", "LIMIT", price="1", quantity="1", validate=False)
    # 20/s/apikey: the 21st..25th requests wait for the window to pass.
    assert len(sleeps) == 5 and all(0.9 < d <= 1.06 for d in sleeps)


def test_keys_must_come_in_pairs():
    with pytest.raises(wexcore.rest.InvalidParameterError, match="together"):
        wexcore.SpotClient("key-only")


async def test_async_client_same_behaviour(sleeps):
    s = Script(
        {
            "/v4/balances": [err("COMMON_002", 502), ok(BALANCES)],
            "/v4/order": [httpx.ReadError("reset")],
            "/v4/history-order": [
                ok({"hasNext": True, "items": [{"symbol": "x", "orderId": "5", "state": "NEW"}]}),
                ok({"hasNext": False, "items": [{"symbol": "x", "orderId": 4, "state": "NEW"}]}),
            ],
        }
    )
    async with wexcore.AsyncSpotClient(
        KEY, SECRET, base_url="http://wex.test", transport=httpx.MockTransport(s), rate_limit=False
    ) as c:
        assert (await c.balances()).assets[0].currency == "usdt"
        with pytest.raises(OrderStateUnknownError):
            await c.place_order("btc_usdt", "SELL", "MARKET", quantity="1", validate=False)
        got = [i.order_id async for i in c.paginate("order_history")]
    assert got == [5, 4]
    assert s.paths().count("/v4/order") == 1


def fok(result) -> httpx.Response:
    return httpx.Response(200, content=orjson.dumps(
        {"returnCode": 0, "msgInfo": "success", "error": None, "result": result}))


FUT_DETAIL = {"symbol": "btc_usdt", "pricePrecision": 1, "minStepPrice": 0.5, "minQty": 1,
              "multiplierUp": 0.05, "multiplierDown": 0.05, "contractSize": 0.0001}


def test_futures_validation_fetches_the_contract_once_and_fails_locally():
    s = Script({"/future/market/v1/public/symbol/detail": [fok(FUT_DETAIL)],
                "/future/trade/v1/order/create": [fok("8")]})
    c = make(s, cls=wexcore.FuturesClient, time_url="http://wex.test/v4/public/time")
    with pytest.raises(wexcore.InvalidOrderError) as ei:
        c.place_order("btc_usdt", "BUY", "LIMIT", "1.5", "LONG", price="100.5")
    assert (ei.value.code, ei.value.field, ei.value.http_status) == (
        "invalid_quantity_scale", "orig_qty", None)
    with pytest.raises(wexcore.InvalidOrderError) as ei:
        c.place_order("btc_usdt", "SELL", "LIMIT", 2, "SHORT", price="100.2")
    assert (ei.value.code, ei.value.field) == ("invalid_price", "price")
    with pytest.raises(wexcore.rest.InvalidParameterError) as pe:
        c.place_order("btc_usdt", "BUY", "LIMIT", 2, None, price="100.5")  # type: ignore[arg-type]
    assert pe.value.field == "position_side"
    assert c.place_order("btc_usdt", "BUY", "LIMIT", 2, "LONG", price="100.5") == 8
    # validate=False sends what the exchange would refuse
    assert c.place_order("btc_usdt", "BUY", "LIMIT", 2, "LONG", price="100.2",
                         validate=False) == 8
    assert s.paths().count("/future/market/v1/public/symbol/detail") == 1
    assert s.paths().count("/future/trade/v1/order/create") == 2
    f = c.symbol_filters("btc_usdt")
    assert isinstance(f, wexcore.rest.FuturesSymbolFilters)
    assert f.min_step_price == Decimal("0.5")


async def test_futures_load_filters_async_loads_every_contract():
    other = dict(FUT_DETAIL, symbol="eth_usdt", minStepPrice=0.01)
    s = Script({"/future/market/v3/public/symbol/list": [fok([FUT_DETAIL, other])]})
    transport = httpx.MockTransport(s)
    async with wexcore.AsyncFuturesClient(
        KEY, SECRET, base_url="http://wex.test", transport=transport, rate_limit=False,
        time_url="http://wex.test/v4/public/time",
    ) as c:
        await c.load_filters()
        eth = c.symbol_filters("eth_usdt")
        assert isinstance(eth, wexcore.rest.FuturesSymbolFilters)
        assert eth.min_step_price == Decimal("0.01")
        assert c.symbol_filters("btc_usdt") is not None
