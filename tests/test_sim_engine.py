"""Property test of the matching engine: random order flow against the synthetic
market keeps every account's books balanced and never half-applies a refusal."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from wexcore.sim.codes import SimError
from wexcore.sim.market import BUY, SELL, Market, fmt, spot_spec
from wexcore.sim.matching import TERMINAL, Engine

INITIAL = {"usdt": Decimal("200000"), "btc": Decimal("5")}

op = st.one_of(
    st.tuples(st.just("limit"), st.sampled_from([BUY, SELL]),
              st.sampled_from(["GTC", "IOC", "FOK", "GTX"]), st.integers(-30, 30),
              st.integers(1, 40_000)),
    st.tuples(st.just("improve"), st.sampled_from([BUY, SELL]), st.integers(1, 40_000)),
    st.tuples(st.just("market_sell"), st.integers(1, 30_000)),
    st.tuples(st.just("market_buy"), st.integers(1, 5000)),
    st.tuples(st.just("cancel"), st.integers(0, 50)),
    st.tuples(st.just("step"), st.integers(1, 80)),
)


def state(engine, market):
    accts = {k: {c: tuple(v) for c, v in a.balances.items()} for k, a in engine.accounts.items()}
    orders = {k: len(a.orders) for k, a in engine.accounts.items()}
    return accts, orders, market.snapshot(None), len(engine.events)


def check(engine: Engine, market: Market) -> None:
    spec = market.spec
    book = market.book
    bid, ask = book.best(BUY), book.best(SELL)
    if bid is not None and ask is not None:
        assert bid < ask
    for side in (BUY, SELL):
        for price, level in book.side(side).items():
            assert level.total() > 0
            for o in level.orders or ():
                assert o.state not in TERMINAL and o.remaining > 0 and o.price == price
    for acct in engine.accounts.values():
        frozen = {"usdt": Decimal(0), "btc": Decimal(0)}
        for o in acct.orders.values():
            if o.state in TERMINAL:
                assert o.frozen == 0
            else:
                frozen[spec.quote if o.side == BUY else spec.base] += o.frozen
            if o.orig_qty is not None:
                assert o.executed + (o.remaining if o.state not in TERMINAL else 0) \
                    <= o.orig_qty
        expected = dict(INITIAL)
        for t in engine.user_trades:
            if t["account"] != acct.account_id:
                continue
            qty, quote, fee = Decimal(t["quantity"]), Decimal(t["quoteQty"]), Decimal(t["fee"])
            if t["orderSide"] == BUY:
                expected["btc"] += qty - fee
                expected["usdt"] -= quote
            else:
                expected["btc"] -= qty
                expected["usdt"] += quote - fee
        for ccy in ("usdt", "btc"):
            avail, froz = acct.bal(ccy)
            assert avail >= 0 and froz >= 0
            assert froz == frozen[ccy], ccy
            assert avail + froz == expected[ccy], ccy


@settings(max_examples=40, deadline=None, database=None)
@given(ops=st.lists(op, min_size=1, max_size=40), seed=st.integers(0, 3))
def test_random_order_flow_keeps_accounts_consistent(ops, seed):
    clock = iter(range(1_700_000_000_000, 1_800_000_000_000))
    engine = Engine(lambda: next(clock))
    market = Market(spot_spec("btc_usdt"), seed, depth_levels=40)
    market.lot_scale = 100  # synthetic sizes comparable to the users'
    accts = [engine.add_account(f"k{i}", "s", {k: str(v) for k, v in INITIAL.items()})
             for i in range(2)]
    for n, o in enumerate(ops):
        acct = accts[n % 2]
        if o[0] == "step":
            for _ in range(o[1]):
                market.step(next(clock))
                engine.market_step_fills(market)
            check(engine, market)
            continue
        if o[0] == "cancel":
            orders = list(acct.orders.values())
            if orders:
                engine.cancel(orders[o[1] % len(orders)])
            check(engine, market)
            continue
        if o[0] == "limit":
            _, side, tif, offset, lots = o
            params = {"side": side, "type": "LIMIT", "timeInForce": tif,
                      "price": fmt(market.mid + offset, 2), "quantity": fmt(lots, 4)}
        elif o[0] == "improve":
            # one tick better than the touch: alone at its level, first to be hit
            _, side, lots = o
            bid, ask = market.book.best(BUY), market.book.best(SELL)
            price = bid + 1 if side == BUY else ask - 1
            params = {"side": side, "type": "LIMIT", "timeInForce": "GTC",
                      "price": fmt(price, 2), "quantity": fmt(lots, 4)}
        elif o[0] == "market_sell":
            params = {"side": SELL, "type": "MARKET", "timeInForce": "IOC",
                      "quantity": fmt(o[1], 4)}
        else:
            params = {"side": BUY, "type": "MARKET", "timeInForce": "IOC",
                      "quoteQty": str(o[1])}
        before = state(engine, market)
        try:
            order = engine.place_spot(acct, market, params, "127.0.0.1")
        except SimError:
            assert state(engine, market) == before  # a refusal changes nothing
        else:
            if order.tif == "FOK" and order.type == "LIMIT":
                assert order.state in ("FILLED", "EXPIRED")
                assert order.executed in (0, order.orig_qty)
            if order.tif == "GTX":
                assert order.executed == 0
        check(engine, market)
