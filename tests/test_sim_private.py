"""Private streams follow state (order, trade, balance, position, notify) and
agree with REST afterwards; the private-stream faults (dropped events, killed
connections, expired keys) are injected, counted and selectable."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from sim_support import fut, recv_json, spot, subscribe
from wexcore.sim import FaultSpec, Simulator

SYM = "btc_usdt"


async def listen_key(http) -> str:
    _, res = await fut(http, "GET", "/future/user/v1/user/listen-key")
    return res["result"]


async def collect(ws, until, timeout: float = 5.0) -> list[dict]:
    """Frames until ``until(frames)`` holds (bounded)."""
    frames: list[dict] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not until(frames):
        left = deadline - loop.time()
        if left <= 0:
            raise TimeoutError(f"only {len(frames)} frames")
        frames.append(await recv_json(ws, left))
    return frames


async def drain(ws) -> list[dict]:
    """Every frame sent so far: a ping's pong comes after all of them."""
    await ws.send("ping")
    frames = []
    while True:
        text = await asyncio.wait_for(ws.recv(), 3)
        if text == "pong":
            return frames
        frames.append(orjson.loads(text))


async def futures_round(http, sim) -> list[str]:
    """Open a position in two fills, partly close it, cancel a resting order."""
    ask = sim.book_snapshot(SYM, "futures", depth=1)["asks"][0][0]
    bid = Decimal(sim.book_snapshot(SYM, "futures", depth=1)["bids"][0][0])
    ids = []
    for body in ({"orderSide": "BUY", "orderType": "LIMIT", "price": ask, "origQty": "3",
                  "positionSide": "LONG", "timeInForce": "IOC"},
                 {"orderSide": "SELL", "orderType": "MARKET", "origQty": "1",
                  "positionSide": "LONG"},
                 {"orderSide": "BUY", "orderType": "LIMIT", "price": str(bid - 50),
                  "origQty": "2", "positionSide": "LONG"}):
        _, res = await fut(http, "POST", "/future/trade/v1/order/create",
                           body={"symbol": SYM, **body})
        assert res["returnCode"] == 0, res
        ids.append(res["result"])
    _, res = await fut(http, "POST", "/future/trade/v1/order/cancel", body={"orderId": ids[2]})
    assert res["returnCode"] == 0
    return ids


async def test_futures_user_stream_ends_where_rest_is():
    async with Simulator(seed=4, paused=True, rate_limits=False, symbols=[SYM]) as sim, \
            httpx.AsyncClient(base_url=sim.rest_url) as http:
        key = await listen_key(http)
        async with connect(f"{sim.ws_url}/ws/user") as ws:
            await subscribe(ws, "order", "trade", "balance", "position", listen_key=key,
                            method="SUBSCRIBE")
            ids = await futures_round(http, sim)
            frames = await drain(ws)
        acct_id = sim.account().account_id
        assert {f["event"] for f in frames} <= {f"{t}@{acct_id}" for t in
                                                 ("order", "trade", "balance", "position")}
        states = {}
        for f in frames:
            if f["topic"] == "order":
                states.setdefault(f["data"]["orderId"], []).append(f["data"]["state"])
        assert states[ids[0]][0] == "NEW" and states[ids[0]][-1] == "FILLED"
        assert states[ids[1]][-1] == "FILLED"
        assert states[ids[2]] == ["NEW", "CANCELED"]
        # the last position and balance pushes are what REST says now
        last_pos = [f["data"] for f in frames if f["topic"] == "position"][-1]
        _, rest = await fut(http, "GET", "/future/user/v1/position/list", {"symbol": SYM})
        (pos,) = rest["result"]
        for k in ("positionSize", "entryPrice", "isolatedMargin", "realizedProfit",
                  "availableCloseSize"):
            assert last_pos[k] == pos[k], k
        assert pos["positionSize"] == "2"
        last_bal = [f["data"] for f in frames if f["topic"] == "balance"][-1]
        _, rest = await fut(http, "GET", "/future/user/v1/balance/detail", {"coin": "usdt"})
        for k in ("walletBalance", "openOrderMarginFrozen", "isolatedMargin"):
            assert last_bal[k] == rest["result"][k], k
        # trade pushes carry the ids the trade list has
        pushed = sorted(f["data"]["orderId"] for f in frames if f["topic"] == "trade")
        _, rest = await fut(http, "GET", "/future/trade/v1/order/trade-list-all")
        assert pushed == sorted(t["orderId"] for t in rest["result"])


async def test_private_drop_is_injected_and_counted():
    async with Simulator(seed=4, paused=True, rate_limits=False, symbols=[SYM],
                         faults="private_drop=0.4") as sim, \
            httpx.AsyncClient(base_url=sim.rest_url) as http:
        key = await listen_key(http)
        async with connect(f"{sim.ws_url}/ws/user") as ws:
            await subscribe(ws, "order", "trade", "balance", "position", listen_key=key,
                            method="SUBSCRIBE")
            for _ in range(3):
                await futures_round(http, sim)
            frames = await drain(ws)
        dropped = sim.fault_counts["private_drop"]
        assert dropped > 0 and len(frames) > 0
        assert len(frames) + dropped == sim.hub.private_out


async def test_private_disconnects_hit_private_connections_only():
    async with Simulator(seed=4, paused=True, rate_limits=False, symbols=[SYM],
                         faults="private_disconnect_every=0.2") as sim, \
            httpx.AsyncClient(base_url=sim.rest_url) as http:
        key = await listen_key(http)
        async with connect(f"{sim.ws_url}/ws/market") as pub, \
                connect(f"{sim.ws_url}/ws/user") as user:
            await subscribe(pub, "trade@btc_usdt", method="SUBSCRIBE")
            await subscribe(user, "order", listen_key=key, method="SUBSCRIBE")
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(user.recv(), 5)
            await pub.send("ping")
            assert await asyncio.wait_for(pub.recv(), 3) == "pong"
        assert sim.fault_counts["private_disconnect"] >= 1
        assert sim.fault_counts.get("disconnect", 0) == 0
        # the key still works on a new connection, which gets the next events
        async with connect(f"{sim.ws_url}/ws/user") as user:
            await subscribe(user, "order", listen_key=key, method="SUBSCRIBE")
            ids = await futures_round(http, sim)
            frames = await collect(user, lambda fs: any(
                f["data"].get("orderId") == ids[0] for f in fs), timeout=3)
            assert frames[0]["topic"] == "order"


async def test_expired_listen_key_is_told_then_closed_and_counted():
    async with Simulator(seed=4, paused=True, rate_limits=False, symbols=[SYM],
                         faults="token_ttl=0.2") as sim, \
            httpx.AsyncClient(base_url=sim.rest_url) as http:
        key = await listen_key(http)
        async with connect(f"{sim.ws_url}/ws/user") as ws:
            await subscribe(ws, "order", "position", listen_key=key, method="SUBSCRIBE")
            notices = await collect(ws, lambda fs: len(fs) >= 2)
            assert {n["msg"] for n in notices} == {"order@invalid_listenkey",
                                                   "position@invalid_listenkey"}
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 3)
        assert sim.fault_counts["token_expired"] == 1


async def test_spot_balance_pushes_follow_orders_fills_and_transfers():
    async with Simulator(seed=4, paused=True, rate_limits=False,
                         balances={"usdt": "1000", "btc": "1"}) as sim, \
            httpx.AsyncClient(base_url=sim.rest_url) as http:
        _, res = await spot(http, "POST", "/v4/ws-token")
        key = res["result"]["accessToken"]
        async with connect(f"{sim.ws_url}/private") as ws:
            await subscribe(ws, "balance", "order", "trade", listen_key=key)
            ask = sim.book_snapshot("btc_usdt", depth=1)["asks"][0][0]
            _, res = await spot(http, "POST", "/v4/order", body={
                "symbol": "btc_usdt", "side": "BUY", "type": "LIMIT", "timeInForce": "IOC",
                "bizType": "SPOT", "price": ask, "quantity": "0.01"})
            oid = res["result"]["orderId"]
            _, res = await spot(http, "POST", "/v4/balance/transfer", body={
                "bizId": "p-1", "from": "SPOT", "to": "FUTURES_U", "currency": "usdt",
                "amount": "100"})
            assert res["rc"] == 0
            frames = await drain(ws)
        orders = [f["data"]["st"] for f in frames if f["topic"] == "order"]
        assert orders[0] == "NEW" and orders[-1] == "FILLED"
        assert [f["data"]["oi"] for f in frames if f["topic"] == "trade"] == [int(oid)]
        last = [f["data"] for f in frames if f["topic"] == "balance"
                and f["data"]["c"] == "usdt"][-1]
        _, rest = await spot(http, "GET", "/v4/balance", {"currency": "usdt"})
        assert Decimal(last["b"]) == Decimal(rest["result"]["totalAmount"])
        assert Decimal(last["f"]) == Decimal(rest["result"]["frozenAmount"])


def test_private_faults_have_the_documented_spelling():
    spec = FaultSpec.parse("private_drop=0.05,private_disconnect_every=3,token_ttl=30")
    assert (spec.private_drop, spec.private_disconnect_every, spec.token_ttl) == (0.05, 3, 30)
    with pytest.raises(ValueError, match="out of range"):
        FaultSpec.parse("private_drop=1.5")
