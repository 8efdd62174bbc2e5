"""wexcore.Account end to end against the simulator, with the private streams'
faults: dropped pushes, connections killed every second, tokens and listen
keys expiring. After each run the account equals the simulator's REST, read
with hand-signed requests (stdlib hmac, orjson) independent of wexcore's
REST client: open orders, fills (by id: none missing, none twice), balances,
positions; and its events told every change once, fills before the order
updates that count them."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

import httpx
import pytest

import wexcore
from stream_support import wait_until
from wexcore import ReconnectPolicy

pytest.importorskip("aiohttp")
from sim_support import fut, spot  # noqa: E402
from wexcore.sim import DEMO_API_KEY, DEMO_SECRET, Simulator  # noqa: E402

FAULTS = "private_drop=0.15,private_disconnect_every=1,token_ttl=1.5"
# Trading lasts TRADE_SECONDS and at least MIN_ACTIONS actions (a slow machine
# trades longer, up to MAX_SECONDS), so that every run has faults and fills.
TRADE_SECONDS, MIN_ACTIONS, MAX_SECONDS = 3.0, 120, 8.0
FINAL = {"FILLED", "CANCELED", "REJECTED", "EXPIRED", "PARTIALLY_CANCELED"}


def make_account(sim: Simulator, product: str, **kw: Any) -> wexcore.Account[Any, Any, Any]:
    """An account tuned for a fast test: short periods, no rate limiting
    (the faults renew tokens far above the documented 1 / 10 s)."""
    opts: dict[str, Any] = dict(
        reconcile_interval=0.5, settle=0.05, gap_timeout=0.3,
        rest_options=dict(rate_limit=False),
        stream_options=dict(token_min_interval=0.01,
                            reconnect=ReconnectPolicy(initial=0.05, maximum=0.2),
                            transport=kw.pop("transport", None)))
    opts.update(kw)
    return wexcore.Account(DEMO_API_KEY, DEMO_SECRET, product=product,  # type: ignore[call-overload]
                           rest_url=sim.rest_url, ws_url=sim.ws_url, **opts)


# ---------------------------------------------------------------- traders
def trading(start: float, actions: int) -> bool:
    elapsed = time.monotonic() - start
    return elapsed < MAX_SECONDS and (elapsed < TRADE_SECONDS or actions < MIN_ACTIONS)


async def trade_spot(acct: Any, sim: Simulator, rng: random.Random) -> None:
    """Orders at the touch (the market's takers fill them), crossing IOCs
    (some against the account's own orders: self-trades), cancels."""
    start, actions = time.monotonic(), 0
    while trading(start, actions):
        actions += 1
        top = sim.book_snapshot("btc_usdt", depth=1)
        bid, ask = top["bids"][0][0], top["asks"][0][0]
        r = rng.random()
        try:
            if r < 0.35:
                await acct.place_order("btc_usdt", "BUY", "LIMIT", price=bid, quantity="0.01")
            elif r < 0.6:
                await acct.place_order("btc_usdt", "SELL", "LIMIT", price=ask, quantity="0.01")
            elif r < 0.75:
                await acct.place_order("btc_usdt", "BUY", "LIMIT", price=ask, quantity="0.02",
                                       time_in_force="IOC")
            elif acct.open_orders:
                await acct.rest.cancel_order(rng.choice(list(acct.open_orders)))
        except wexcore.WexAPIError:
            pass  # e.g. cancelling an order that has just filled
        await asyncio.sleep(0.02)


async def trade_futures(acct: Any, sim: Simulator, rng: random.Random) -> None:
    start, actions = time.monotonic(), 0
    while trading(start, actions):
        actions += 1
        top = sim.book_snapshot("btc_usdt", "futures", depth=1)
        bid, ask = top["bids"][0][0], top["asks"][0][0]
        r = rng.random()
        try:
            if r < 0.3:
                await acct.place_order("btc_usdt", "BUY", "LIMIT", rng.randint(1, 3), "LONG",
                                       price=bid)
            elif r < 0.5:
                await acct.place_order("btc_usdt", "SELL", "LIMIT", rng.randint(1, 3), "SHORT",
                                       price=ask)
            elif r < 0.6:
                await acct.place_order("btc_usdt", "BUY", "LIMIT", 2, "LONG", price=ask,
                                       time_in_force="IOC")
            elif r < 0.7:  # close part of the long
                await acct.place_order("btc_usdt", "SELL", "LIMIT", 1, "LONG", price=bid,
                                       time_in_force="IOC")
            elif acct.open_orders:
                await acct.rest.cancel_order(rng.choice(list(acct.open_orders)))
        except wexcore.WexAPIError:
            pass  # closing more than the position, cancelling a filled order...
        await asyncio.sleep(0.02)


# ---------------------------------------------------------------- the exchange's view
def dec(x: Any) -> Decimal:
    return Decimal(str(x))


async def spot_truth(http: httpx.AsyncClient) -> dict[str, Any]:
    _, res = await spot(http, "GET", "/v4/open-order")
    opens = {int(o["orderId"]): (o["state"], dec(o["executedQty"]), dec(o["price"]),
                                 dec(o["origQty"])) for o in res["result"]}
    fills: list[tuple[int, int]] = []
    params: dict[str, Any] = {"limit": 100}
    while True:  # newest first; NEXT pages back in time from fromId
        _, res = await spot(http, "GET", "/v4/trade", params)
        page = res["result"]
        fills += [(int(t["orderId"]), int(t["tradeId"])) for t in page["items"]]
        if not page["hasNext"]:
            break
        params = {"limit": 100, "fromId": min(int(t["tradeId"]) for t in page["items"]),
                  "direction": "NEXT"}
    _, res = await spot(http, "GET", "/v4/balances")
    balances = {b["currency"]: (dec(b["totalAmount"]), dec(b["frozenAmount"]))
                for b in res["result"]["assets"]}
    return {"open": opens, "fills": fills, "balances": balances}


async def futures_truth(http: httpx.AsyncClient) -> dict[str, Any]:
    _, res = await fut(http, "GET", "/future/trade/v1/order/list-open-order")
    opens = {int(o["orderId"]): (o["state"], dec(o["executedQty"]), dec(o["price"]),
                                 dec(o["origQty"])) for o in res["result"]}
    fills: list[tuple[int, int, int, Decimal, Decimal]] = []
    page_no = 1
    while True:
        _, res = await fut(http, "GET", "/future/trade/v1/order/trade-list",
                           {"page": page_no, "size": 100})
        items = res["result"]["items"]
        fills += [(int(t["orderId"]), int(t["execId"]), int(t["timestamp"]), dec(t["price"]),
                   dec(t["quantity"])) for t in items]
        if len(items) < 100:
            break
        page_no += 1
    _, res = await fut(http, "GET", "/future/user/v1/balance/list")
    balances = {b["coin"]: (dec(b["walletBalance"]), dec(b["openOrderMarginFrozen"]),
                            dec(b["isolatedMargin"]), dec(b["crossedMargin"]))
                for b in res["result"]}
    _, res = await fut(http, "GET", "/future/user/v1/position/list")
    positions = {(p["symbol"], p["positionSide"]): (
        dec(p["positionSize"]), dec(p["entryPrice"]), dec(p["isolatedMargin"]),
        dec(p["realizedProfit"]), dec(p["closeOrderSize"])) for p in res["result"]}
    return {"open": opens, "fills": fills, "balances": balances, "positions": positions}


def account_view(acct: Any) -> dict[str, Any]:
    opens = {oid: (str(o.state), o.executed_qty, o.price, o.orig_qty)
             for oid, o in acct.open_orders.items()}
    if acct.product == "spot":
        return {"open": opens, "fills": [(f.order_id, f.trade_id) for f in acct.fills],
                "balances": {c: (b.total_amount, b.frozen_amount)
                             for c, b in acct.balances.items()}}
    return {
        "open": opens,
        "fills": [(f.order_id, f.exec_id, f.timestamp, f.price, f.quantity) for f in acct.fills],
        "balances": {c: (b.wallet_balance, b.open_order_margin_frozen, b.isolated_margin,
                         b.crossed_margin) for c, b in acct.balances.items()},
        "positions": {k: (p.position_size, p.entry_price, p.isolated_margin, p.realized_profit,
                          p.close_order_size) for k, p in acct.positions.items()},
    }


def check_events(events: list[Any], product: str, truth_fills: list[Any]) -> None:
    """Every fill once; per order, state never behind and never ahead of its fills."""
    if product == "spot":
        seen = [(e.fill.order_id, e.fill.trade_id) for e in events
                if isinstance(e, wexcore.FillEvent)]
        assert len(seen) == len(set(seen))
        assert sorted(seen) == sorted(truth_fills)
    else:  # a pushed futures fill has no id: compare what identifies it
        seen_f = Counter((e.fill.order_id, e.fill.timestamp, e.fill.price, e.fill.quantity)
                         for e in events if isinstance(e, wexcore.FillEvent))
        assert seen_f == Counter((o, ts, p, q) for o, _, ts, p, q in truth_fills)
    filled: dict[int, Decimal] = defaultdict(Decimal)
    last: dict[int, tuple[Decimal, int]] = {}
    for e in events:
        if isinstance(e, wexcore.FillEvent):
            filled[e.fill.order_id] += e.fill.quantity
        elif isinstance(e, wexcore.OrderEvent):
            o = e.order
            rank = 0 if o.state == "NEW" else 1 if o.state == "PARTIALLY_FILLED" else 2
            progress = (o.executed_qty, rank)
            assert progress >= last.get(o.order_id, (Decimal(0), -1)), o
            last[o.order_id] = progress
            assert filled[o.order_id] >= o.executed_qty, o  # fills first
            if o.state in FINAL:
                assert filled[o.order_id] == o.executed_qty, o


async def quiet(sim: Simulator, acct: Any) -> None:
    """Stop the faults and the market; wait for a reconciliation that began
    after everything stopped (two complete ones from now) while synced."""
    sim.set_faults(None)
    sim.pause()
    done = acct.stats.reconciliations
    await wait_until(lambda: acct.stats.reconciliations >= done + 2 and acct.synced, 10.0,
                     "reconciliations after the faults")


@pytest.mark.parametrize("product, coin_m, transport", [
    ("spot", False, "picows"), ("futures", False, "websockets"), ("futures", True, "picows"),
], ids=["spot", "usdt-m", "coin-m"])
async def test_faults_account_equals_rest(product, coin_m, transport):
    async with Simulator(seed=5, symbols=["btc_usdt"], rate_limits=False, faults=FAULTS,
                         coin_m=coin_m) as sim, \
            httpx.AsyncClient(base_url=sim.rest_url) as http:
        async with make_account(sim, product, transport=transport,
                                coin_margined=coin_m) as acct:
            events = acct.events()
            await acct.wait_synced(5)
            trader = trade_spot if product == "spot" else trade_futures
            await trader(acct, sim, random.Random(5))
            await quiet(sim, acct)
            truth = await (spot_truth if product == "spot" else futures_truth)(http)
            mine = account_view(acct)
            assert mine["open"] == truth["open"]
            assert len(mine["fills"]) == len(set(mine["fills"]))  # none twice
            assert sorted(mine["fills"]) == sorted(truth["fills"])  # none missing
            assert mine["balances"] == truth["balances"]
            assert mine.get("positions") == truth.get("positions")
            check_events([events.get_nowait() for _ in range(len(events))], product,
                         truth["fills"])
            # the faults happened, and the account had to recover from them
            counts = sim.fault_counts
            assert counts["private_drop"] > 10 and counts["private_disconnect"] >= 2
            assert counts["token_expired"] >= 1
            assert acct.stats.recovered > 0 and acct.stats.forced_releases == 0
            assert len(truth["fills"]) >= 15 and acct.pending == {}
