"""Stream conformance: depth sequences, the spec's Orderbook procedure, heartbeats,
public and private pushes."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from sim_support import fut, recv_json, spot, subscribe, wait_for
from wexcore.sim import Simulator

FAST = dict(step_interval=0.002, depth_interval=0.005, stream_interval=0.05,
            rate_limits=False)


def apply(book: dict[str, dict[Decimal, Decimal]], data: dict) -> None:
    for side, key in (("asks", "a"), ("bids", "b")):
        for price, qty in data[key]:
            if Decimal(qty) == 0:
                book[side].pop(Decimal(price), None)
            else:
                book[side][Decimal(price)] = Decimal(qty)


def top(book, side: str, n: int) -> list[tuple[str, str]]:
    prices = sorted(book[side], reverse=(side == "bids"))[:n]
    return [(p, book[side][p]) for p in prices]


def as_dec(levels) -> list[tuple[Decimal, Decimal]]:
    return [(Decimal(p), Decimal(q)) for p, q in levels]


async def test_spot_depth_update_ids_are_contiguous_over_a_long_run():
    async with Simulator(seed=3, **FAST) as sim:
        async with connect(f"{sim.ws_url}/public") as ws:
            reply = await subscribe(ws, "depth_update@btc_usdt")
            assert reply == {"id": "t1", "code": 0, "msg": "success"}
            prev = None
            for _ in range(300):
                msg = await wait_for(ws, lambda m: m.get("topic") == "depth_update")
                assert msg["event"] == "depth_update@btc_usdt"
                data = msg["data"]
                assert data["s"] == "btc_usdt" and data["fi"] <= data["i"]
                if prev is not None:
                    assert data["fi"] == prev + 1
                prev = data["i"]
            assert prev > 2**53  # ids beyond float precision from the start


async def test_futures_depth_update_carries_fu_u_pu():
    async with Simulator(seed=3, **FAST) as sim:
        async with connect(f"{sim.ws_url}/ws/market") as ws:
            await subscribe(ws, "depth_update@btc_usdt,100ms", method="SUBSCRIBE")
            prev = None
            for _ in range(100):
                msg = await wait_for(ws, lambda m: m.get("topic") == "depth_update")
                d = msg["data"]
                assert d["pu"] == d["fu"] - 1 and d["fu"] <= d["u"] and isinstance(d["t"], int)
                if prev is not None:
                    assert d["pu"] == prev
                prev = d["u"]


@pytest.mark.parametrize("product", ["spot", "futures"])
async def test_orderbook_procedure_rebuilds_exactly_the_sims_book(product):
    """Spec 'Orderbook manage': buffer, snapshot, drop old, apply, compare at a pause."""
    async with Simulator(seed=11, **FAST) as sim:
        path = "/public" if product == "spot" else "/ws/market"
        async with connect(sim.ws_url + path) as ws, \
                httpx.AsyncClient(base_url=sim.rest_url) as http:
            await subscribe(ws, "depth_update@btc_usdt")
            buffered = [await wait_for(ws, lambda m: m.get("topic") == "depth_update")]
            if product == "spot":
                r = await http.get("/v4/public/depth", params={"symbol": "btc_usdt",
                                                               "limit": 500})
                snap = r.json()["result"]
                last_id, asks, bids = snap["lastUpdateId"], snap["asks"], snap["bids"]
                first_key, last_key = "fi", "i"
            else:
                # the documented maximum: deeper levels are seen only once they change
                r = await http.get("/future/market/v1/public/q/depth",
                                   params={"symbol": "btc_usdt", "level": 50})
                snap = r.json()["result"]
                last_id, asks, bids = snap["u"], snap["a"], snap["b"]
                first_key, last_key = "fu", "u"
            book = {"asks": dict(as_dec(asks)), "bids": dict(as_dec(bids))}
            # keep reading until the stream has passed the snapshot
            while buffered[-1]["data"][last_key] <= last_id:
                buffered.append(await wait_for(ws, lambda m: m.get("topic") == "depth_update"))
            events = [m["data"] for m in buffered if m["data"][last_key] > last_id]
            assert events[0][first_key] <= last_id + 1 <= events[0][last_key]
            prev = None
            for d in events:
                if prev is not None:
                    assert d[first_key] == prev + 1
                apply(book, d)
                prev = d[last_key]
            for _ in range(50):  # a while of live updates
                d = (await wait_for(ws, lambda m: m.get("topic") == "depth_update"))["data"]
                assert d[first_key] == prev + 1
                apply(book, d)
                prev = d[last_key]
            sim.pause()
            target = sim.last_update_id("btc_usdt", product)
            while prev < target:
                d = (await wait_for(ws, lambda m: m.get("topic") == "depth_update"))["data"]
                assert d[first_key] == prev + 1
                apply(book, d)
                prev = d[last_key]
            expected = sim.book_snapshot("btc_usdt", product, depth=None)
            assert prev == expected["last_update_id"]
            assert len(expected["bids"]) > 100 and len(expected["asks"]) > 100
            # spot's 500-level snapshot holds the whole book; futures' 50 levels
            # the top of it (the spec's note on limited snapshots)
            n = 10**6 if product == "spot" else 10
            assert top(book, "bids", n) == as_dec(expected["bids"][:n])
            assert top(book, "asks", n) == as_dec(expected["asks"][:n])


async def test_text_ping_gets_pong():
    async with Simulator(seed=1, paused=True) as sim:
        async with connect(f"{sim.ws_url}/public") as ws:
            await ws.send("ping")
            assert await asyncio.wait_for(ws.recv(), 2) == "pong"


@pytest.mark.parametrize("path,kw", [("/public", "spot_heartbeat"),
                                     ("/ws/market", "futures_heartbeat")])
async def test_connection_without_ping_is_closed_after_the_window(path, kw):
    async with Simulator(seed=1, paused=True, **{kw: 0.3}) as sim:
        async with connect(sim.ws_url + path) as ws:
            loop = asyncio.get_running_loop()
            start = loop.time()
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            assert loop.time() - start >= 0.25


async def test_pings_keep_the_connection_open():
    async with Simulator(seed=1, paused=True, spot_heartbeat=1.0) as sim:
        async with connect(f"{sim.ws_url}/public") as ws:
            for _ in range(6):  # 1.8 s in total, almost two windows
                await ws.send("ping")
                assert await asyncio.wait_for(ws.recv(), 2) == "pong"
                await asyncio.sleep(0.3)  # the client's ping cadence, not synchronisation
            await ws.send("ping")
            assert await asyncio.wait_for(ws.recv(), 2) == "pong"


async def test_invalid_topic_is_refused():
    async with Simulator(seed=1, paused=True) as sim:
        async with connect(f"{sim.ws_url}/public") as ws:
            reply = await subscribe(ws, "depth_update@nope_usdt")
            assert reply["code"] == 1


async def test_periodic_public_streams_have_the_documented_shapes():
    async with Simulator(seed=2, **FAST) as sim:
        async with connect(f"{sim.ws_url}/public") as ws:
            await subscribe(ws, "depth@btc_usdt,5", "ticker@btc_usdt", "kline@btc_usdt,1m",
                            "tickers", "trade@btc_usdt")
            seen = {}
            while len(seen) < 5:
                m = await recv_json(ws)
                seen.setdefault(m["topic"], m)
            d = seen["depth"]["data"]
            assert seen["depth"]["event"] == "depth@btc_usdt,5"
            assert len(d["a"]) == 5 and len(d["b"]) == 5 and d["i"] > 0
            assert Decimal(d["a"][0][0]) > Decimal(d["b"][0][0])
            assert set(seen["ticker"]["data"]) == {"s", "t", "cv", "cr", "o", "c", "h", "l",
                                                   "q", "v"}
            assert seen["kline"]["data"]["i"] == "1m"
            assert isinstance(seen["tickers"]["data"], list)
            t = seen["trade"]["data"]
            assert set(t) == {"s", "i", "t", "oi", "p", "q", "v", "b"}


async def test_futures_public_streams():
    async with Simulator(seed=2, funding_interval=0.05, **FAST) as sim:
        async with connect(f"{sim.ws_url}/ws/market") as ws:
            await subscribe(ws, "agg_ticker@btc_usdt", "index_price@btc_usdt",
                            "mark_price@btc_usdt", "depth@btc_usdt,5,1000ms",
                            "kline@btc_usdt,1m", "trade@btc_usdt", "fund_rate@btc_usdt",
                            method="SUBSCRIBE")
            seen = {}
            while len(seen) < 7:
                m = await recv_json(ws)
                seen.setdefault(m["topic"], m)
            assert seen["mark_price"]["data"]["s"] == "btc_usdt"
            assert {"i", "m", "bp", "ap"} <= set(seen["agg_ticker"]["data"])
            assert set(seen["trade"]["data"]) == {"s", "p", "a", "m", "t"}
            assert set(seen["fund_rate"]["data"]) == {"s", "r", "t"}
            assert seen["depth"]["event"] == "depth@btc_usdt,5"


# ------------------------------------------------------------------ private
async def test_spot_private_stream_carries_own_order_trade_and_balance_events():
    async with Simulator(seed=5, paused=True, rate_limits=False) as sim:
        async with httpx.AsyncClient(base_url=sim.rest_url) as http:
            _, tok = await spot(http, "POST", "/v4/ws-token")
            key = tok["result"]["accessToken"]
            async with connect(f"{sim.ws_url}/private") as ws:
                reply = await subscribe(ws, "order", "trade", "balance", listen_key=key)
                assert reply["code"] == 0
                ask = sim.book_snapshot("btc_usdt", depth=1)["asks"][0]
                _, res = await spot(http, "POST", "/v4/order", body={
                    "symbol": "btc_usdt", "side": "BUY", "type": "LIMIT", "timeInForce": "IOC",
                    "bizType": "SPOT", "price": ask[0], "quantity": "0.01"})
                oid = res["result"]["orderId"]
                states, trades, balances = [], [], []
                while not (states and states[-1] == "FILLED" and trades
                           and {b["c"] for b in balances} >= {"btc", "usdt"}):
                    m = await recv_json(ws)
                    if m["topic"] == "order":
                        assert m["data"]["i"] == oid
                        states.append(m["data"]["st"])
                    elif m["topic"] == "trade":
                        trades.append(m["data"])
                    elif m["topic"] == "balance":
                        balances.append(m["data"])
                assert states[0] == "NEW" and states[-1] == "FILLED"
                assert trades[0]["oi"] == int(oid) and trades[0]["p"] == ask[0]
                assert trades[0]["q"] == "0.0100" and trades[0]["tm"] == 1
                assert {b["c"] for b in balances} == {"btc", "usdt"}


async def test_private_subscribe_with_a_bad_listen_key_is_refused():
    async with Simulator(seed=5, paused=True) as sim:
        async with connect(f"{sim.ws_url}/private") as ws:
            reply = await subscribe(ws, "order", listen_key="nope")
            assert reply["code"] == 2


async def test_synthetic_takers_fill_a_resting_user_order():
    async with Simulator(seed=9, rate_limits=False, step_interval=0.002) as sim:
        async with httpx.AsyncClient(base_url=sim.rest_url) as http:
            _, tok = await spot(http, "POST", "/v4/ws-token")
            async with connect(f"{sim.ws_url}/private") as ws:
                await subscribe(ws, "order", listen_key=tok["result"]["accessToken"])
                sim.pause()
                bid = Decimal(sim.book_snapshot("btc_usdt", depth=1)["bids"][0][0])
                _, res = await spot(http, "POST", "/v4/order", body={
                    "symbol": "btc_usdt", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                    "bizType": "SPOT", "price": str(bid + Decimal("0.01")),
                    "quantity": "0.01"})
                sim.resume()
                m = await wait_for(ws, lambda m: m["topic"] == "order"
                                   and m["data"]["st"] == "FILLED", timeout=20)
                assert m["data"]["i"] == res["result"]["orderId"]


async def test_futures_order_drives_user_stream_with_position():
    async with Simulator(seed=5, paused=True, rate_limits=False) as sim:
        async with httpx.AsyncClient(base_url=sim.rest_url) as http:
            status, lk = await fut(http, "GET", "/future/user/v1/user/listen-key")
            assert status == 200 and isinstance(lk["result"], str)
            async with connect(f"{sim.ws_url}/ws/user") as ws:
                reply = await subscribe(ws, "order", "trade", "balance", "position",
                                        listen_key=lk["result"], method="SUBSCRIBE")
                assert reply["code"] == 0
                ask = sim.book_snapshot("btc_usdt", "futures", depth=1)["asks"][0]
                qty = min(int(Decimal(ask[1])), 5)
                status, res = await fut(http, "POST", "/future/trade/v1/order/create", body={
                    "symbol": "btc_usdt", "orderSide": "BUY", "orderType": "LIMIT",
                    "origQty": str(qty), "price": ask[0], "timeInForce": "IOC",
                    "positionSide": "LONG"})
                assert res["returnCode"] == 0, res
                oid = res["result"]
                pos = await wait_for(ws, lambda m: m["topic"] == "position")
                assert pos["data"]["positionSize"] == str(qty)
                assert pos["data"]["positionSide"] == "LONG"
                assert pos["event"].startswith("position@")
                _, detail = await fut(http, "GET", "/future/trade/v1/order/detail",
                                      {"orderId": oid})
                assert detail["result"]["state"] == "FILLED"
                _, plist = await fut(http, "GET", "/future/user/v1/position")
                assert plist["result"][0]["positionSize"] == str(qty)
                # close it again
                bid = sim.book_snapshot("btc_usdt", "futures", depth=1)["bids"][0][0]
                _, res = await fut(http, "POST", "/future/trade/v1/order/create", body={
                    "symbol": "btc_usdt", "orderSide": "SELL", "orderType": "MARKET",
                    "origQty": str(qty), "positionSide": "LONG"})
                assert res["returnCode"] == 0, res
                pos = await wait_for(ws, lambda m: m["topic"] == "position"
                                     and m["data"]["positionSize"] == "0")
                assert bid


async def test_futures_cancel_and_cancel_all():
    async with Simulator(seed=5, paused=True, rate_limits=False) as sim:
        async with httpx.AsyncClient(base_url=sim.rest_url) as http:
            bid = Decimal(sim.book_snapshot("btc_usdt", "futures", depth=1)["bids"][0][0])
            ids = []
            for i in range(3):
                _, res = await fut(http, "POST", "/future/trade/v1/order/create", body={
                    "symbol": "btc_usdt", "orderSide": "BUY", "orderType": "LIMIT",
                    "origQty": "1", "price": str(bid - 10 - i), "positionSide": "LONG"})
                ids.append(res["result"])
            _, res = await fut(http, "POST", "/future/trade/v1/order/cancel",
                               body={"orderId": ids[0]})
            assert res["returnCode"] == 0
            _, lst = await fut(http, "GET", "/future/trade/v1/order/list-open-order")
            assert sorted(o["orderId"] for o in lst["result"]) == sorted(ids[1:])
            _, res = await fut(http, "POST", "/future/trade/v1/order/cancel-all",
                               body={"symbol": "btc_usdt"})
            assert res["result"] is True
            _, lst = await fut(http, "GET", "/future/trade/v1/order/list-open-order")
            assert lst["result"] == []
            _, bal = await fut(http, "GET", "/future/user/v1/compat/balance/list")
            assert Decimal(bal["result"][0]["openOrderMarginFrozen"]) == 0
            _, res = await fut(http, "POST", "/future/trade/v1/order/create", body={
                "symbol": "btc_usdt", "orderSide": "BUY", "orderType": "LIMIT",
                "origQty": "1.5", "price": str(bid), "positionSide": "LONG"})
            assert res["returnCode"] == 1 and res["error"]["code"] == "invalid_quantity_scale"


async def test_unsubscribe_stops_the_frames():
    async with Simulator(seed=2, **FAST) as sim:
        async with connect(f"{sim.ws_url}/public") as ws:
            await subscribe(ws, "depth_update@btc_usdt")
            await wait_for(ws, lambda m: m.get("topic") == "depth_update")
            reply = await subscribe(ws, "depth_update@btc_usdt", method="unsubscribe")
            assert reply["code"] == 0
            loop = asyncio.get_running_loop()
            start, deadline = sim.depth_cycles, loop.time() + 5
            while sim.depth_cycles < start + 5:  # the publisher ran while the market moved
                assert loop.time() < deadline
                await asyncio.sleep(0.005)
            await ws.send("ping")
            text = await asyncio.wait_for(ws.recv(), 3)
            assert text == "pong", f"frame after unsubscribe: {text[:80]}"


async def test_malformed_request_is_answered_not_fatal():
    async with Simulator(seed=2, paused=True) as sim:
        async with connect(f"{sim.ws_url}/ws/market") as ws:
            await ws.send("{not json")
            assert (await recv_json(ws))["code"] == 400
            await ws.send("ping")
            assert await asyncio.wait_for(ws.recv(), 2) == "pong"
