"""Futures engine: linear (USDT-M) and inverse (COIN-M) accounting under random flow."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim_support import fut
from wexcore.sim import Simulator
from wexcore.sim.codes import SimError
from wexcore.sim.market import BUY, SELL, Market, fmt, futures_spec
from wexcore.sim.matching import TERMINAL, Engine

op = st.one_of(
    st.tuples(st.just("order"), st.sampled_from([BUY, SELL]), st.sampled_from(["LONG", "SHORT"]),
              st.sampled_from(["GTC", "IOC"]), st.integers(-5, 5), st.integers(1, 300)),
    st.tuples(st.just("close"), st.sampled_from(["LONG", "SHORT"]),
              st.sampled_from(["GTC", "IOC"]), st.integers(-5, 5), st.integers(1, 300)),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("step"), st.integers(1, 60)),
)


def pnl_and_fees(engine: Engine, acct, spec) -> Decimal:
    """Wallet change recomputed from the account's own fills (independent formulas)."""
    cs = Decimal(spec.contract_size)
    total = Decimal(0)
    pos: dict[str, tuple[int, Decimal]] = {}  # side -> (size, sum for the average)
    for t in engine.user_trades:
        if t["account"] != acct.account_id:
            continue
        px, q = Decimal(t["price"]), int(t["quantity"])
        total -= Decimal(t["fee"])
        side = t["positionSide"]
        size, acc = pos.get(side, (0, Decimal(0)))
        opening = (t["orderSide"] == BUY) == (side == "LONG")
        if opening:
            # linear: acc = sum(px*q) (entry = acc/size); inverse: acc = sum(q/px)
            acc += q / px if spec.inverse else px * q
            pos[side] = (size + q, acc)
        else:
            direction = 1 if side == "LONG" else -1
            if spec.inverse:
                entry = size / acc
                total += q * cs * (1 / entry - 1 / px) * direction
            else:
                entry = acc / size
                total += (px - entry) * q * cs * direction
            pos[side] = (size - q, acc * (size - q) / size)
    return total


@pytest.mark.parametrize("coin_m", [False, True])
@settings(max_examples=25, deadline=None, database=None)
@given(ops=st.lists(op, min_size=1, max_size=30), seed=st.integers(0, 2))
def test_random_futures_flow_keeps_wallets_consistent(coin_m, ops, seed):
    clock = iter(range(1_700_000_000_000, 1_800_000_000_000))
    engine = Engine(lambda: next(clock))
    spec = futures_spec("btc_usd" if coin_m else "btc_usdt", coin_m)
    market = Market(spec, seed, depth_levels=40, product="futures")
    market.lot_scale = 1
    coin = spec.margin_coin
    start = Decimal("10") if coin_m else Decimal("10000")
    acct = engine.add_account("k", "s", {}, {coin: str(start)})
    for o in ops:
        if o[0] == "step":
            for _ in range(o[1]):
                market.step(next(clock))
                engine.market_step_fills(market)
        elif o[0] == "cancel":
            orders = list(acct.orders.values())
            if orders:
                engine.cancel(orders[o[1] % len(orders)])
        else:
            if o[0] == "close":
                _, pside, tif, offset, qty = o
                side = SELL if pside == "LONG" else BUY
                p = acct.positions.get((spec.symbol, pside))
                qty = min(qty, p.size - p.close_frozen) if p else 0
                if qty <= 0:
                    continue
            else:
                _, side, pside, tif, offset, qty = o
            params = {"orderSide": side, "positionSide": pside, "orderType": "LIMIT",
                      "timeInForce": tif, "price": fmt(market.mid + offset, 2),
                      "origQty": str(qty)}
            try:
                engine.place_futures(acct, market, params, "127.0.0.1")
            except SimError:
                pass
        frozen = sum((x.frozen for x in acct.orders.values() if x.state not in TERMINAL),
                     Decimal(0))
        assert acct.futures_order_frozen[coin] == frozen
        for p in acct.positions.values():
            assert p.size >= p.close_frozen >= 0 and p.margin >= 0
            assert (p.size == 0) == (p.margin == 0)
        expected = start + pnl_and_fees(engine, acct, spec)
        # the sim rounds inverse values to 1e-18 per fill; the recomputation does not
        assert abs(acct.futures_wallet[coin] - expected) < Decimal("1e-15")


async def test_coin_m_instance_settles_in_the_base_coin():
    async with Simulator(seed=2, paused=True, rate_limits=False, coin_m=True,
                         symbols=["btc_usd"]) as sim:
        async with httpx.AsyncClient(base_url=sim.rest_url) as http:
            detail = (await http.get("/future/market/v1/public/symbol/detail",
                                     params={"symbol": "btc_usd"})).json()["result"]
            assert detail["underlyingType"] == "COIN_BASED" and detail["contractSize"] == "100"
            ask = sim.book_snapshot("btc_usd", "futures", depth=1)["asks"][0]
            _, res = await fut(http, "POST", "/future/trade/v1/order/create", body={
                "symbol": "btc_usd", "orderSide": "BUY", "orderType": "LIMIT", "origQty": "1",
                "price": ask[0], "timeInForce": "IOC", "positionSide": "LONG"})
            assert res["returnCode"] == 0, res
            _, bal = await fut(http, "GET", "/future/user/v1/balance/detail", {"coin": "btc"})
            px = Decimal(ask[0])
            value = (Decimal(100) / px).quantize(Decimal("1e-18"))  # documented rounding
            fee = value * Decimal("0.0006")
            assert Decimal(bal["result"]["walletBalance"]) == Decimal(100) - fee
            assert Decimal(bal["result"]["isolatedMargin"]) == value / 10
            _, usdt = await fut(http, "GET", "/future/user/v1/balance/detail", {"coin": "usdt"})
            assert Decimal(usdt["result"]["walletBalance"]) == Decimal(100000)
