"""End to end against the local simulator (wexcore.sim): sync and async clients.

The simulator runs on its own event loop in a background thread so the
blocking clients can talk to it from the test thread; the async clients use
pytest-asyncio's loop and reach it over TCP like any other client. All
clients of one simulator share one RateLimiter (one IP, one key), so a long
run of public calls queues instead of earning the simulator's 429s.
"""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal

import pytest

pytest.importorskip("aiohttp")

import wexcore  # noqa: E402
from wexcore import (  # noqa: E402
    AuthenticationError,
    InsufficientFundsError,
    InvalidOrderError,
    NotFoundError,
    RateLimitError,
)
from wexcore.rest import RateLimiter  # noqa: E402
from wexcore.rest import types as T  # noqa: E402
from wexcore.sim import DEMO_API_KEY, DEMO_SECRET, Simulator  # noqa: E402


class SimThread:
    """A Simulator on its own loop in a daemon thread."""

    def __init__(self, **kw) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.sim = Simulator(**kw)
        self.run(self.sim.start())

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def call(self, fn, *args, **kw):
        async def _do():
            return fn(*args, **kw)

        return self.run(_do())

    def close(self) -> None:
        self.run(self.sim.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def simt():
    s = SimThread(seed=7, paused=True)
    s.call(s.sim.step, 400)  # some trade history
    yield s
    s.close()


@pytest.fixture(scope="module")
def limiter():
    # A wide margin: the test machine is shared, and a request booked first
    # can reach the simulator well after one booked later.
    return RateLimiter(margin=0.3)


@pytest.fixture
def url(simt):
    return simt.sim.rest_url


@pytest.fixture
def spot_client(url, limiter):
    with wexcore.SpotClient(DEMO_API_KEY, DEMO_SECRET, base_url=url, rate_limit=limiter) as c:
        yield c


@pytest.fixture
async def aspot_client(url, limiter):
    async with wexcore.AsyncSpotClient(
        DEMO_API_KEY, DEMO_SECRET, base_url=url, rate_limit=limiter
    ) as c:
        yield c


# Every spot endpoint the simulator implements, with arguments, and a check of the result.
PUBLIC_CALLS = [
    ("server_time", (), {}, lambda r: r.server_time > 1_600_000_000_000),
    ("client_ip", (), {}, lambda r: r.ip == "127.0.0.1"),
    ("symbols", (), {"symbol": "btc_usdt"}, lambda r: r.symbols[0].symbol == "btc_usdt"),
    ("symbols", (), {"symbols": ["btc_usdt", "eth_usdt"]}, lambda r: len(r.symbols) == 2),
    ("depth", ("btc_usdt",), {"limit": 5}, lambda r: len(r.bids) == 5 and r.last_update_id > 0),
    ("klines", ("btc_usdt", "1m"), {"limit": 3},
     lambda r: all(isinstance(k, T.SpotKline) and k.high >= k.low for k in r)),
    ("recent_trades", ("btc_usdt",), {"limit": 5},
     lambda r: len(r) == 5 and all(isinstance(t.price, Decimal) for t in r)),
    ("historical_trades", ("btc_usdt",), {"limit": 5}, lambda r: len(r) == 5),
    ("tickers", (), {"symbol": "btc_usdt"}, lambda r: r[0].symbol == "btc_usdt"),
    ("ticker_prices", (), {"symbols": "btc_usdt,eth_usdt"}, lambda r: len(r) == 2),
    ("book_tickers", (), {}, lambda r: len(r) == 2 and r[0].ask_price > r[0].bid_price),
    ("tickers_24h", (), {"symbol": "eth_usdt"}, lambda r: r[0].symbol == "eth_usdt"),
    ("currencies", (), {}, lambda r: {c.currency for c in r} >= {"btc", "usdt"}),
    ("wallet_currencies", (), {}, lambda r: len(r) >= 2),
]
PRIVATE_CALLS = [
    ("balances", (), {}, lambda r: any(a.currency == "usdt" for a in r.assets)),
    ("balances", (), {"currencies": ["usdt", "btc"]}, lambda r: len(r.assets) == 2),
    ("balance", ("usdt",), {}, lambda r: r.available_amount > 0),
    ("open_orders", (), {"symbol": "btc_usdt"}, lambda r: isinstance(r, list)),
    ("order_history", (), {"symbol": "btc_usdt", "limit": 5},
     lambda r: isinstance(r, T.Page) and r.has_next is not None),
    ("my_trades", (), {"limit": 5}, lambda r: isinstance(r, T.Page)),
]
ALL_CALLS = PUBLIC_CALLS + PRIVATE_CALLS


@pytest.mark.parametrize("name,args,kw,check", ALL_CALLS, ids=[c[0] for c in ALL_CALLS])
def test_spot_endpoint_sync(spot_client, name, args, kw, check):
    assert check(getattr(spot_client, name)(*args, **kw))


@pytest.mark.parametrize("name,args,kw,check", ALL_CALLS, ids=[c[0] for c in ALL_CALLS])
async def test_spot_endpoint_async(aspot_client, name, args, kw, check):
    assert check(await getattr(aspot_client, name)(*args, **kw))


def _far_buy_price(client) -> str:
    # Below the best bid (rests) but inside PROTECTION_LIMIT (>= 20% of last).
    best = client.depth("btc_usdt", limit=1).bids[0][0]
    return str((best * Decimal("0.9")).quantize(Decimal("0.01")))


def test_order_lifecycle_sync(spot_client):
    c = spot_client
    price = _far_buy_price(c)
    placed = c.place_order(
        "btc_usdt", "BUY", "LIMIT", price=price, quantity="0.0100", client_order_id="life_sync_1"
    )
    oid = placed.order_id
    got = c.get_order(oid)
    assert (got.order_id, got.state, got.price) == (oid, T.OrderState.NEW, Decimal(price))
    assert got.client_order_id == "life_sync_1" and got.side is T.Side.BUY
    assert c.query_order(client_order_id="life_sync_1").order_id == oid
    assert oid in {o.order_id for o in c.open_orders(symbol="btc_usdt")}
    new_price = str(Decimal(price) - Decimal("1"))
    amended = c.amend_order(oid, price=new_price, quantity="0.0200")
    assert amended.order_id == oid
    got = c.get_order(oid)
    assert got.price == Decimal(new_price) and got.orig_qty == Decimal("0.02")
    assert c.cancel_order(oid).cancel_id == oid
    assert c.get_order(oid).state is T.OrderState.CANCELED and c.get_order(oid).state.is_final
    with pytest.raises(NotFoundError) as ei:
        c.cancel_order(oid)
    assert ei.value.code == "ORDER_005"


async def test_order_lifecycle_async(aspot_client, spot_client):
    c = aspot_client
    price = _far_buy_price(spot_client)
    placed = await c.place_order("btc_usdt", "BUY", "LIMIT", price=price, quantity="0.0100")
    oid = placed.order_id
    assert (await c.get_order(oid)).state == "NEW"
    await c.amend_order(oid, price=price, quantity="0.0300")
    assert (await c.query_order(order_id=oid)).orig_qty == Decimal("0.03")
    await c.cancel_order(oid)
    assert (await c.get_order(oid)).state == "CANCELED"


def test_batch_orders(spot_client):
    c = spot_client
    price = _far_buy_price(c)
    items = [
        {
            "symbol": "btc_usdt",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "bizType": "SPOT",
            "price": price,
            "quantity": q,
        }
        for q in ("0.0010", "0.0020")
    ]
    res = c.place_orders(items, client_batch_id="batch_1")
    ids = [it.order_id for it in res.items]
    assert len(ids) == 2 and None not in ids
    got = c.get_orders(ids)
    assert {o.order_id for o in got} == set(ids)
    assert c.cancel_orders(ids) is True
    assert {o.state for o in c.get_orders(ids)} == {"CANCELED"}
    # cancel_open_orders sweeps what is left.
    c.place_order("btc_usdt", "BUY", "LIMIT", price=price, quantity="0.0010")
    c.cancel_open_orders(symbol="btc_usdt")
    assert c.open_orders(symbol="btc_usdt") == []


def test_large_ids_stay_exact(spot_client):
    price = _far_buy_price(spot_client)
    oid = spot_client.place_order(
        "btc_usdt", "BUY", "LIMIT", price=price, quantity="0.0010"
    ).order_id
    assert oid > 2**53  # the simulator's ids are beyond a float's exact range
    assert spot_client.get_order(str(oid)).order_id == oid  # text in, exact int back
    spot_client.cancel_order(oid)
    ds = spot_client.depth("btc_usdt", limit=1)
    assert isinstance(ds.last_update_id, int)


def test_ws_token(spot_client):
    assert spot_client.ws_token().access_token


# -- errors, triggered for real ------------------------------------------------


def test_bad_signature(url):
    with wexcore.SpotClient(DEMO_API_KEY, "not-the-secret", base_url=url, rate_limit=False) as c:
        with pytest.raises(AuthenticationError) as ei:
            c.balances()
    assert ei.value.code == "AUTH_103" and ei.value.http_status == 200


def test_unknown_key(url):
    with wexcore.SpotClient("no-such-key", "x", base_url=url, rate_limit=False) as c:
        with pytest.raises(AuthenticationError) as ei:
            c.balances()
    assert ei.value.code == "AUTH_101"


def test_stale_timestamp_without_clock_sync(url):
    with wexcore.SpotClient(
        DEMO_API_KEY, DEMO_SECRET, base_url=url, rate_limit=False, sync_clock=False
    ) as c:
        c.signer.time_offset_ms = -10_000
        with pytest.raises(AuthenticationError) as ei:
            c.balances()
    assert ei.value.code == "AUTH_105"


def test_stale_timestamp_resyncs_and_retries(url):
    with wexcore.SpotClient(DEMO_API_KEY, DEMO_SECRET, base_url=url, rate_limit=False) as c:
        c.sync_clock()
        assert abs(c.time_offset_ms) < 1000
        c.signer.time_offset_ms = -10_000  # the local clock jumped
        assert c.balances().assets
        assert abs(c.time_offset_ms) < 1000


def test_insufficient_funds(simt, url, limiter):
    simt.call(simt.sim.add_account, "poor-key", "poor-secret", {"usdt": "10"})
    with wexcore.SpotClient("poor-key", "poor-secret", base_url=url, rate_limit=limiter) as c:
        price = _far_buy_price(c)
        with pytest.raises(InsufficientFundsError) as ei:
            c.place_order("btc_usdt", "BUY", "LIMIT", price=price, quantity="1")
    assert ei.value.code == "ORDER_002"


BAD_ORDERS = [
    dict(side="BUY", type="LIMIT", price="0", quantity="0.01"),  # PRICE min
    dict(side="BUY", type="LIMIT", price="100.001", quantity="0.01"),  # precision
    dict(side="BUY", type="LIMIT", price="100.00", quantity="0.00001"),  # precision
    dict(side="BUY", type="LIMIT", price="100.00", quantity="0"),  # QUANTITY min
    dict(side="BUY", type="LIMIT", price="100.00", quantity="200000"),  # QUANTITY max
    dict(side="BUY", type="LIMIT", price="100.00", quantity="0.0001"),  # QUOTE_QTY
    dict(side="BUY", type="MARKET", quote_qty="0.5"),  # QUOTE_QTY market
]


@pytest.mark.parametrize("order", BAD_ORDERS)
def test_filter_violation_local_code_equals_exchange_code(spot_client, order):
    with pytest.raises(InvalidOrderError) as local:
        spot_client.place_order("btc_usdt", **order)
    assert local.value.http_status is None
    if "0" in order.values():
        # A zero price or size is refused before sending even without
        # validation; the filter check still names the exchange's code.
        with pytest.raises(wexcore.rest.InvalidParameterError, match="positive") as ei:
            spot_client.place_order("btc_usdt", validate=False, **order)
        assert ei.value.field in ("price", "quantity")
        assert local.value.code in ("ORDER_F0101", "ORDER_F0201")
        return
    with pytest.raises(InvalidOrderError) as remote:
        spot_client.place_order("btc_usdt", validate=False, **order)
    assert remote.value.http_status == 200
    assert local.value.code == remote.value.code


def test_protection_limit_from_the_exchange(spot_client):
    last = spot_client.ticker_prices(symbol="btc_usdt")[0].price
    assert last is not None
    low = str((last * Decimal("0.1")).quantize(Decimal("0.01")))
    with pytest.raises(InvalidOrderError) as ei:
        spot_client.place_order(
            "btc_usdt", "BUY", "LIMIT", price=low, quantity="0.0100", validate=False
        )
    assert ei.value.code == "ORDER_F0501"
    # With the last price at hand, the local check gives the same answer.
    spot_client.load_filters("btc_usdt")
    with pytest.raises(InvalidOrderError) as local:
        spot_client.symbol_filters("btc_usdt").check_order(
            "BUY", "LIMIT", price=low, quantity="0.01", last_price=last
        )
    assert local.value.code == "ORDER_F0501"


def test_burst_without_limiter_earns_429(url):
    # ws-token is limited to 1 request / 10 s / apikey; a write is never retried.
    with wexcore.SpotClient(DEMO_API_KEY, DEMO_SECRET, base_url=url, rate_limit=False) as c:
        with pytest.raises(RateLimitError) as ei:
            for _ in range(3):
                c.ws_token()
    assert ei.value.http_status == 429


def test_burst_with_limiter_waits_instead(url, limiter):
    # The module's limiter: it knows what other tests already sent from this IP.
    with wexcore.SpotClient(base_url=url, rate_limit=limiter, max_retries=0) as c:
        # 10/s/ip on depth: 14 requests in a burst all succeed (the last 4 wait ~1 s).
        for _ in range(14):
            c.depth("eth_usdt", limit=1)


async def test_burst_with_limiter_waits_instead_async(url, limiter):
    async with wexcore.AsyncSpotClient(base_url=url, rate_limit=limiter, max_retries=0) as c:
        results = await asyncio.gather(*[c.ticker_prices(symbol="eth_usdt") for _ in range(13)])
    assert len(results) == 13


def test_5xx_with_retry():
    s = SimThread(seed=3, paused=True, faults="rest_5xx=0.4")
    try:
        with wexcore.SpotClient(
            DEMO_API_KEY,
            DEMO_SECRET,
            base_url=s.sim.rest_url,
            rate_limit=False,
            max_retries=8,
            backoff=0.001,
        ) as c:
            for _ in range(8):
                assert c.balances().assets
        counts = s.sim.fault_counts
        assert counts.get("rest_5xx", 0) > 0
    finally:
        s.close()


# -- pagination ----------------------------------------------------------------


def test_paginate_order_history_across_pages(spot_client):
    c = spot_client
    price = _far_buy_price(c)
    ids = []
    for _ in range(5):
        oid = c.place_order("btc_usdt", "BUY", "LIMIT", price=price, quantity="0.0010").order_id
        c.cancel_order(oid)
        ids.append(oid)
    seen = [o.order_id for o in c.paginate("order_history", symbol="btc_usdt", limit=2)]
    assert set(ids) <= set(seen)
    assert len(seen) == len(set(seen))  # no page repeated an item


def test_paginate_historical_trades(spot_client):
    newest = spot_client.historical_trades("btc_usdt", limit=1000)
    assert len(newest) > 50
    # Pages are newest first: NEXT walks back in time, as on the private
    # history endpoints.
    ids = [
        t.id
        for t in spot_client.paginate(
            "historical_trades", symbol="btc_usdt", limit=20, direction="NEXT"
        )
    ]
    assert len(ids) == len(set(ids))
    assert ids[:50] == [t.id for t in newest[:50]]  # newest first, across 3 pages
    # PREV from the newest page asks for newer trades: there are none yet
    # (or only a few), and the iterator stops instead of repeating a page.
    ids_next = [
        t.id
        for t in spot_client.paginate(
            "historical_trades", symbol="btc_usdt", limit=20, direction="PREV"
        )
    ]
    assert len(ids_next) == len(set(ids_next)) == 20


async def test_paginate_async(aspot_client):
    seen = [
        o.order_id
        async for o in aspot_client.paginate("order_history", symbol="btc_usdt", limit=2)
    ]
    assert len(seen) == len(set(seen))


# -- futures ---------------------------------------------------------------------


@pytest.fixture
def fut_client(url, limiter):
    with wexcore.FuturesClient(
        DEMO_API_KEY,
        DEMO_SECRET,
        base_url=url,
        rate_limit=limiter,
        time_url=url + "/v4/public/time",
    ) as c:
        yield c


@pytest.fixture(scope="module")
def coin_m_simt():
    s = SimThread(seed=11, paused=True, coin_m=True)
    s.call(s.sim.step, 50)
    yield s
    s.close()


def _bad_futures_orders(tick: Decimal, bid: Decimal) -> list[tuple[dict, str]]:
    """Orders the contract's limits refuse, with the code the futures tables give."""
    price = str((bid * Decimal("0.97")).quantize(tick))
    return [
        (dict(order_type="LIMIT", orig_qty="1.5", price=price), "invalid_quantity_scale"),
        (dict(order_type="LIMIT", orig_qty=1, price=price + "1"), "invalid_price"),  # precision
        (dict(order_type="LIMIT", orig_qty=1), "invalid_price"),  # no price
        (dict(order_type="MARKET", orig_qty="2.5"), "invalid_quantity_scale"),
    ]


@pytest.mark.parametrize("product", ["usdt-m", "coin-m"])
def test_futures_limit_violation_local_code_equals_exchange_code(
    simt, coin_m_simt, limiter, product
):
    sim = (simt if product == "usdt-m" else coin_m_simt).sim
    url = sim.rest_url
    with wexcore.FuturesClient(DEMO_API_KEY, DEMO_SECRET, base_url=url, rate_limit=limiter,
                               time_url=url + "/v4/public/time") as c:
        detail = c.symbol_detail("btc_usdt")
        assert detail.price_precision  # > 0: one more digit is too fine
        tick = Decimal(1).scaleb(-detail.price_precision)
        bid = c.depth("btc_usdt", level=1).bids[0][0]
        for order, code in _bad_futures_orders(tick, bid):
            args = dict(position_side="LONG", **order)
            with pytest.raises(InvalidOrderError) as local:
                c.place_order("btc_usdt", "BUY", **args)
            assert local.value.http_status is None and local.value.code == code, order
            with pytest.raises(InvalidOrderError) as remote:
                c.place_order("btc_usdt", "BUY", validate=False, **args)
            assert remote.value.http_status is not None, order
            assert remote.value.code == code, order
        # the multiplier bound, given the index price the exchange publishes
        index = c.index_price("btc_usdt").price
        up = detail.multiplier_up
        assert index is not None and up is not None
        high = (index + index * up + tick * 10).quantize(tick)
        f = c.symbol_filters("btc_usdt")
        assert isinstance(f, wexcore.rest.FuturesSymbolFilters)
        with pytest.raises(InvalidOrderError) as local:
            f.check_order("BUY", "LIMIT", quantity=1, price=high, index_price=index)
        with pytest.raises(InvalidOrderError) as remote:
            c.place_order("btc_usdt", "BUY", "LIMIT", 1, "LONG", price=high)
        assert local.value.code == remote.value.code == "invalid_price"
        assert remote.value.http_status is not None


def test_futures_public_and_order_cycle(fut_client):
    c = fut_client
    assert c.symbols()
    book = c.depth("btc_usdt", level=5)
    bid = book.bids[0][0]
    price = str((bid * Decimal("0.95")).quantize(Decimal("0.01")))
    oid = c.place_order("btc_usdt", "BUY", "LIMIT", 1, "LONG", price=price)
    assert isinstance(oid, int)
    got = c.get_order(oid)
    assert got.order_id == oid and got.price == Decimal(price) and got.orig_qty == 1
    assert got.position_side is T.PositionSide.LONG
    assert oid in {o.order_id for o in c.open_orders(symbol="btc_usdt")}
    assert c.cancel_order(oid) is True
    assert c.get_order(oid).state == "CANCELED"
    assert c.balances()[0].wallet_balance is not None


async def test_futures_async(url, limiter):
    async with wexcore.AsyncFuturesClient(
        DEMO_API_KEY,
        DEMO_SECRET,
        base_url=url,
        rate_limit=limiter,
        time_url=url + "/v4/public/time",
    ) as c:
        assert await c.ticker("btc_usdt")
        assert (await c.funds()) is not None


FUTURES_CALLS = [
    ("client_ip", (), {}, lambda r: r.ip == "127.0.0.1"),
    ("symbol_coins", (), {}, lambda r: "btc" in r),
    ("symbol_detail", ("btc_usdt",), {}, lambda r: r.symbol == "btc_usdt" and r.contract_size),
    ("symbols", (), {}, lambda r: {s.symbol for s in r} >= {"btc_usdt", "eth_usdt"}),
    ("ticker", ("btc_usdt",), {}, lambda r: r.symbol == "btc_usdt"),
    ("tickers", (), {}, lambda r: len(r) == 2),
    ("recent_trades", ("btc_usdt",), {"num": 5}, lambda r: isinstance(r, list)),
    ("depth", ("btc_usdt",), {"level": 5},
     lambda r: len(r.asks) == 5 and r.update_id > 2**53 and r.asks[0][0] > r.bids[0][0]),
    ("index_price", ("btc_usdt",), {}, lambda r: r.price > 0),
    ("index_prices", (), {}, lambda r: len(r) == 2),
    ("mark_price", ("btc_usdt",), {}, lambda r: r.price > 0),
    ("mark_prices", (), {}, lambda r: len(r) == 2),
    ("klines", ("btc_usdt", "1m"), {"limit": 3}, lambda r: isinstance(r, list)),
    ("agg_ticker", ("btc_usdt",), {}, lambda r: r.symbol == "btc_usdt"),
    ("agg_tickers", (), {}, lambda r: len(r) == 2),
    ("book_ticker", ("btc_usdt",), {}, lambda r: r.ask_price > r.bid_price),
    ("book_tickers", (), {}, lambda r: len(r) == 2),
    ("balances", (), {}, lambda r: r[0].coin == "usdt"),
    ("funds", (), {}, lambda r: r[0].coin == "usdt"),
    ("balance", ("usdt",), {}, lambda r: r.wallet_balance > 0),
    ("listen_key", (), {}, lambda r: isinstance(r, str) and len(r) > 10),
    ("open_orders", (), {}, lambda r: isinstance(r, list)),
    ("orders", (), {}, lambda r: isinstance(r, T.Page) and r.page == 1),
    ("order_history", (), {}, lambda r: isinstance(r, T.Page)),
    ("my_trades", (), {}, lambda r: isinstance(r, T.Page)),
    ("position", (), {}, lambda r: isinstance(r, list)),
    ("positions", (), {}, lambda r: isinstance(r, list)),
    ("active_positions", (), {}, lambda r: isinstance(r, list)),
]


@pytest.mark.parametrize("name,args,kw,check", FUTURES_CALLS, ids=[c[0] for c in FUTURES_CALLS])
def test_futures_endpoint_sync(fut_client, name, args, kw, check):
    assert check(getattr(fut_client, name)(*args, **kw))


@pytest.mark.parametrize("name,args,kw,check", FUTURES_CALLS, ids=[c[0] for c in FUTURES_CALLS])
async def test_futures_endpoint_async(url, limiter, name, args, kw, check):
    async with wexcore.AsyncFuturesClient(
        DEMO_API_KEY,
        DEMO_SECRET,
        base_url=url,
        rate_limit=limiter,
        time_url=url + "/v4/public/time",
    ) as c:
        assert check(await getattr(c, name)(*args, **kw))


def test_futures_pagination_cursor_and_page(fut_client):
    c = fut_client
    bid = c.book_ticker("btc_usdt").bid_price
    assert bid is not None
    price = str((bid * Decimal("0.95")).quantize(Decimal("0.01")))
    ids = [c.place_order("btc_usdt", "BUY", "LIMIT", 1, "LONG", price=price) for _ in range(5)]
    assert {
        o.order_id for o in c.paginate("orders", symbol="btc_usdt", size=2, state="NEW")
    } >= set(ids)
    c.cancel_all_orders("btc_usdt")
    hist = [o.order_id for o in c.paginate("order_history", symbol="btc_usdt", limit=100)]
    assert set(ids) <= set(hist) and len(hist) == len(set(hist))
    # The `id` cursor walks back through every terminal order, two at a time.
    small = [o.order_id for o in c.paginate("order_history", symbol="btc_usdt", limit=2)]
    assert small == hist
