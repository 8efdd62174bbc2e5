"""Market data: determinism, public REST shapes, rate limits."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest

from sim_support import spot
from wexcore.sim import Simulator
from wexcore.sim.market import Market, fmt, spot_spec, to_units


def run_market(seed: int, steps: int = 400) -> tuple:
    m = Market(spot_spec("btc_usdt"), seed)
    frames = []
    for i in range(steps):
        m.step(1_700_000_000_000 + i)
        if i % 7 == 0:
            frames.append(m.book.flush())
    trades = [(t.id, t.price, t.qty, t.buyer_maker) for t in m.trades]
    return frames, trades, m.snapshot(None)


def test_same_seed_gives_the_same_market_data():
    assert run_market(42) == run_market(42)


def test_different_seeds_give_different_markets():
    assert run_market(1)[2] != run_market(2)[2]


def test_market_keeps_hundreds_of_levels_and_never_crosses():
    m = Market(spot_spec("btc_usdt"), 5)
    for i in range(2000):
        m.step(i)
        bid, ask = m.book.best("BUY"), m.book.best("SELL")
        assert bid < ask
    assert len(m.book.bids) > 100 and len(m.book.asks) > 100
    assert len(m.trades) > 50


def test_flushed_frames_replay_to_the_book():
    m = Market(spot_spec("eth_usdt"), 8)
    replica = {"BUY": dict(m.book.levels("BUY")), "SELL": dict(m.book.levels("SELL"))}
    last = m.book.update_id
    for i in range(500):
        m.step(i)
        frame = m.book.flush()
        if frame is None:
            continue
        first, end, asks, bids = frame
        assert first == last + 1
        last = end
        for side, levels in (("SELL", asks), ("BUY", bids)):
            for p, q in levels:
                if q:
                    replica[side][p] = q
                else:
                    replica[side].pop(p, None)
    assert replica["BUY"] == dict(m.book.levels("BUY"))
    assert replica["SELL"] == dict(m.book.levels("SELL"))


@pytest.mark.parametrize("value,prec,units", [("1.5", 2, 150), (39000, 2, 3900000),
                                              (0.1, 4, 1000), ("0.00", 2, 0)])
def test_to_units_is_exact(value, prec, units):
    assert to_units(value, prec) == units


def test_fmt_pads_to_precision():
    assert fmt(5, 4) == "0.0005" and fmt(3000002, 2) == "30000.02" and fmt(7, 0) == "7"


async def test_same_seed_gives_the_same_rest_depth():
    bodies = []
    for _ in range(2):
        async with Simulator(seed=99, paused=True) as sim:
            async with httpx.AsyncClient(base_url=sim.rest_url) as http:
                r = await http.get("/v4/public/depth", params={"symbol": "btc_usdt",
                                                               "limit": 50})
                body = r.json()["result"]
                del body["timestamp"]
                bodies.append(body)
    assert bodies[0] == bodies[1]


@pytest.fixture
async def sim():
    async with Simulator(seed=3, step_interval=0.002, rate_limits=False) as s:
        yield s


@pytest.fixture
async def http(sim):
    async with httpx.AsyncClient(base_url=sim.rest_url) as c:
        yield c


async def test_symbol_info_has_precisions_and_filters(http):
    r = await http.get("/v4/public/symbol", params={"symbol": "btc_usdt"})
    body = r.json()
    assert body["rc"] == 0 and body["mc"] == "SUCCESS" and body["ma"] == []
    info = body["result"]["symbols"][0]
    assert (info["pricePrecision"], info["quantityPrecision"]) == (2, 4)
    filters = {f["filter"]: f for f in info["filters"]}
    assert set(filters) == {"PRICE", "QUANTITY", "QUOTE_QTY", "PROTECTION_LIMIT",
                            "PROTECTION_MARKET", "PROTECTION_ONLINE"}
    assert filters["PRICE"]["tickSize"] == "0.01"
    version = body["result"]["version"]
    again = (await http.get("/v4/public/symbol", params={"symbol": "btc_usdt",
                                                          "version": version})).json()
    assert again["result"]["symbols"] is None


async def test_depth_snapshot_is_sorted_and_uncrossed(http):
    r = await http.get("/v4/public/depth", params={"symbol": "btc_usdt", "limit": 20})
    res = r.json()["result"]
    bids = [Decimal(p) for p, _ in res["bids"]]
    asks = [Decimal(p) for p, _ in res["asks"]]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks)
    assert len(bids) == len(asks) == 20 and bids[0] < asks[0]
    assert isinstance(res["lastUpdateId"], int) and res["lastUpdateId"] > 2**53
    assert b'"lastUpdateId":137' in r.content  # an integer on the wire, not a float


async def test_unknown_symbol_is_symbol_001(http):
    body = (await http.get("/v4/public/depth", params={"symbol": "xxx_usdt"})).json()
    assert body["rc"] == 1 and body["mc"] == "SYMBOL_001"


async def test_trades_klines_and_tickers(sim, http):
    sim.pause()
    sim.step(1500)  # enough synthetic trades
    recent = (await http.get("/v4/public/trade/recent", params={"symbol": "btc_usdt",
                                                               "limit": 5})).json()["result"]
    assert len(recent) == 5 and set(recent[0]) == {"i", "t", "p", "q", "v", "b"}
    assert recent[0]["i"] > recent[1]["i"]
    hist = (await http.get("/v4/public/trade/history", params={
        "symbol": "btc_usdt", "limit": 3, "direction": "NEXT",
        "fromId": recent[0]["i"]})).json()["result"]
    assert [t["i"] for t in hist] == [t["i"] for t in recent[1:4]]
    newer = (await http.get("/v4/public/trade/history", params={
        "symbol": "btc_usdt", "limit": 2, "direction": "PREV",
        "fromId": recent[4]["i"]})).json()["result"]
    assert [t["i"] for t in newer] == [t["i"] for t in recent[2:4]]
    klines = (await http.get("/v4/public/kline", params={"symbol": "btc_usdt",
                                                        "interval": "1m"})).json()["result"]
    assert klines and set(klines[0]) == {"t", "o", "c", "h", "l", "q", "v"}
    for path, keys in (("/v4/public/ticker", {"s", "t", "cv", "cr", "o", "l", "h", "c", "q",
                                              "v", "ap", "aq", "bp", "bq"}),
                       ("/v4/public/ticker/price", {"s", "t", "p"}),
                       ("/v4/public/ticker/book", {"s", "t", "ap", "aq", "bp", "bq"}),
                       ("/v4/public/ticker/24h", {"s", "t", "cv", "cr", "o", "l", "h", "c",
                                                  "q", "v"})):
        res = (await http.get(path)).json()["result"]
        assert {t["s"] for t in res} == {"btc_usdt", "eth_usdt"} and set(res[0]) == keys
        one = (await http.get(path, params={"symbol": "eth_usdt"})).json()["result"]
        assert [t["s"] for t in one] == ["eth_usdt"]
    cur = (await http.get("/v4/public/currencies")).json()["result"]
    assert {c["currency"] for c in cur} == {"btc", "eth", "usdt"}
    wallet = (await http.get("/v4/public/wallet/support/currency")).json()["result"]
    assert wallet[0]["supportChains"]


async def test_futures_public_endpoints(http):
    base = "/future/market/v1/public"
    detail = (await http.get(f"{base}/symbol/detail", params={"symbol": "btc_usdt"})).json()
    assert detail["returnCode"] == 0 and detail["error"] is None
    assert detail["result"]["pricePrecision"] == 2 and detail["result"]["contractSize"]
    lst = (await http.get("/future/market/v3/public/symbol/list")).json()["result"]
    assert {s["symbol"] for s in lst} == {"btc_usdt", "eth_usdt"}
    depth = (await http.get(f"{base}/q/depth", params={"symbol": "btc_usdt",
                                                      "level": 5})).json()["result"]
    assert len(depth["a"]) == 5 and depth["u"] > 0
    assert Decimal(depth["a"][0][0]) > Decimal(depth["b"][0][0])
    for path in ("q/ticker", "q/deal", "q/symbol-index-price", "q/symbol-mark-price",
                 "q/kline?interval=1m", "q/agg-ticker", "q/funding-rate", "q/ticker/book"):
        url = f"{base}/{path}" + ("&" if "?" in path else "?") + "symbol=btc_usdt"
        body = (await http.get(url)).json()
        assert body["returnCode"] == 0, (path, body)
    for path in ("q/tickers", "q/index-price", "q/mark-price", "q/agg-tickers",
                 "q/ticker/books", "symbol/coins"):
        body = (await http.get(f"{base}/{path}")).json()
        assert body["returnCode"] == 0 and len(body["result"]) == 2, path
    bad = await http.get(f"{base}/q/ticker", params={"symbol": "nope"})
    assert bad.json()["error"]["code"] == "invalid_symbol"


async def test_client_ip_is_loopback(http):
    assert (await http.get("/v4/public/client")).json()["result"]["ip"] == "127.0.0.1"
    assert (await http.get("/future/public/client")).json()["result"]["ip"] == "127.0.0.1"


# ------------------------------------------------------------------ rate limits
async def test_public_ip_limit_answers_429_on_the_eleventh_request_in_a_second():
    async with Simulator(seed=1, paused=True) as sim:
        async with httpx.AsyncClient(base_url=sim.rest_url) as http:
            # concurrent, so all eleven land inside one second even on a loaded machine
            rs = await asyncio.gather(*[http.get("/v4/public/depth",
                                                 params={"symbol": "btc_usdt"})
                                        for _ in range(11)])
            statuses = sorted(r.status_code for r in rs)
            # another endpoint has its own budget
            other = await http.get("/v4/public/ticker/price")
    assert statuses == [200] * 10 + [429]
    assert other.status_code == 200


async def test_ws_token_is_limited_to_one_per_ten_seconds_per_key():
    async with Simulator(seed=1, paused=True) as sim:
        sim.add_account("k2", "s2")
        async with httpx.AsyncClient(base_url=sim.rest_url) as http:
            first, _ = await spot(http, "POST", "/v4/ws-token")
            second, body = await spot(http, "POST", "/v4/ws-token")
            other_key, _ = await spot(http, "POST", "/v4/ws-token", key="k2", secret="s2")
    assert (first, second, other_key) == (200, 429, 200)
    assert body["rc"] == 1


async def test_order_submit_is_limited_per_api_key():
    async with Simulator(seed=1, paused=True) as sim:
        async with httpx.AsyncClient(base_url=sim.rest_url) as http:
            results = await asyncio.gather(*[spot(http, "POST", "/v4/order", body={
                "symbol": "btc_usdt", "side": "BUY", "type": "LIMIT",
                "timeInForce": "GTC", "bizType": "SPOT", "price": "29000",
                "quantity": "0.001"}) for _ in range(21)])
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 20 + [429]


async def test_malformed_parameters_are_business_errors_not_500(http):
    r = await http.get("/v4/public/trade/history", params={"symbol": "btc_usdt",
                                                           "direction": "PREV",
                                                           "fromId": "abc"})
    assert r.status_code == 200 and r.json()["rc"] == 1 and r.json()["mc"] == "FAILURE"
    r = await http.get("/v4/public/depth", params={"symbol": "btc_usdt", "limit": "x"})
    assert r.json()["mc"] == "FAILURE" and r.json()["ma"] == ["limit: is not an integer"]
