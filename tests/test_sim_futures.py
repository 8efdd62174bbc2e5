"""Futures engine: linear (USDT-M) and inverse (COIN-M) accounting under random flow."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_UP, Decimal

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


CENT = Decimal("1e-8")  # the margin coins' published precision (baseCoinPrecision 8)


def pnl_and_fees(engine: Engine, acct, spec) -> tuple[Decimal, int]:
    """Wallet change recomputed from the account's own fills (independent formulas):
    fees rounded up to 8 decimals, realised PnL half to even, as documented."""
    cs = Decimal(spec.contract_size)
    rate = {"taker": Decimal(spec.taker_fee_rate), "maker": Decimal(spec.maker_fee_rate)}
    total = Decimal(0)
    fills = 0
    pos: dict[str, tuple[int, Decimal]] = {}  # side -> (size, sum for the average)
    for t in engine.user_trades:
        if t["account"] != acct.account_id:
            continue
        fills += 1
        px, q = Decimal(t["price"]), int(t["quantity"])
        r = rate[t["takerMaker"]]
        fee = (q * cs * r / px if spec.inverse else px * q * cs * r).quantize(CENT, ROUND_UP)
        assert Decimal(t["fee"]) == fee
        total -= fee
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
                pnl = q * cs * (1 / entry - 1 / px) * direction
            else:
                entry = acc / size
                pnl = (px - entry) * q * cs * direction
            total += pnl.quantize(CENT, ROUND_HALF_EVEN)
            pos[side] = (size - q, acc * (size - q) / size)
    return total, fills


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
        change, fills = pnl_and_fees(engine, acct, spec)
        wallet = acct.futures_wallet[coin]
        assert wallet == wallet.quantize(CENT)  # every booked amount has 8 decimals
        # the two average entries differ in the 28th digit at most, which can
        # tip a half-way PnL rounding by one unit of the 8th decimal
        assert abs(wallet - (start + change)) <= CENT * fills


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
            # one contract of 100 USD is 100/px btc; fee and margin to the
            # coin's 8 decimals, rounded up (documented)
            fee = (Decimal("0.06") / px).quantize(Decimal("1e-8"), ROUND_UP)
            assert Decimal(bal["result"]["walletBalance"]) == Decimal(100) - fee
            assert Decimal(bal["result"]["isolatedMargin"]) == (Decimal(10) / px).quantize(
                Decimal("1e-8"), ROUND_UP)
            _, usdt = await fut(http, "GET", "/future/user/v1/balance/detail", {"coin": "usdt"})
            assert Decimal(usdt["result"]["walletBalance"]) == Decimal(100000)
