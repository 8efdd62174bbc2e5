"""Account event path: private frame -> typed event -> account state.

In one run, over the same seeded stream of private pushes of one account
(spot: order, trade, balance; futures: also position), in the order an
exchange sends them (an order's fills before its update):

- ``orjson``: ``orjson.loads`` of every frame to dicts: decoding only, the
  floor of the usual Python stack (no numbers read, no state);
- ``orjson_state``: ``orjson.loads``, then the same state a hand-written
  account keeps: every decimal field as ``Decimal``, open orders by id,
  fills by (order, trade id), balances by currency, positions by side; no
  ordering or duplicate rules;
- ``wexcore``: the Account's own per-push path (``Account._on_push`` after
  the stream's decoder): the kernel's typed event, converted to the REST
  layer's record types with exact Decimals, merged by the account's rules
  (order progress, fills before updates, duplicates), and each change
  delivered as an event to one ``events()`` consumer.

Each benchmark plays the whole stream into a fresh state and asserts the
final open orders, fills and balances, equal across contenders. Ratios are
of the fastest rounds (conftest.py); no goal is enforced: the account does
more per push than either baseline (docs/account.md has the numbers, and
instruction counts from bench/callgrind_account.py).

Run: python -m pytest bench/bench_account.py --benchmark-enable
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import orjson
import pytest

import wexcore
from wexcore.account.state import FUTURES, SPOT, AccountState

ORDERS = 300
FINAL = {"FILLED", "CANCELED", "EXPIRED", "REJECTED", "PARTIALLY_CANCELED"}


def _spot_frames(rng: random.Random) -> list[bytes]:
    out: list[bytes] = []
    t = 1_700_000_000_000
    tid = 6316559590087222000
    usdt, btc = Decimal("100000"), Decimal("10")

    def frame(topic: str, data: dict[str, Any]) -> None:
        out.append(orjson.dumps({"topic": topic, "event": topic, "data": data}))

    def balances() -> None:
        frame("balance", {"a": "1", "t": t, "c": "usdt", "b": str(usdt), "f": "0", "z": "SPOT",
                          "s": "btc_usdt"})
        frame("balance", {"a": "1", "t": t, "c": "btc", "b": str(btc), "f": "0", "z": "SPOT",
                          "s": "btc_usdt"})

    for n in range(ORDERS):
        oid = 6216559590087220004 + n
        price = Decimal(30000) + rng.randint(-50, 50)
        qty = Decimal(rng.randint(1, 4)) / 100
        order = {"s": "btc_usdt", "bc": "btc", "qc": "usdt", "t": t, "ct": t, "i": str(oid),
                 "ci": f"c{n}", "st": "NEW", "sd": "BUY", "tp": "LIMIT", "oq": str(qty),
                 "oqq": str(price * qty), "eq": "0", "lq": str(qty), "p": str(price),
                 "ap": "0", "f": "0"}
        frame("order", order)
        balances()
        if rng.random() < 0.5:
            done = Decimal(0)
            while done < qty:
                part = min(qty - done, Decimal("0.01") * rng.randint(1, 2))
                done += part
                tid += 1
                t += 1
                frame("trade", {"s": "btc_usdt", "i": tid, "t": t, "oi": oid, "p": str(price),
                                "q": str(part), "v": str(price * part), "b": True, "tm": 2})
                usdt -= price * part
                btc += part
                frame("order", {**order, "t": t, "eq": str(done), "lq": str(qty - done),
                                "st": "FILLED" if done == qty else "PARTIALLY_FILLED",
                                "ap": str(price)})
                balances()
        else:
            t += 1
            frame("order", {**order, "t": t, "st": "CANCELED", "lq": "0"})
            balances()
    return out


def _futures_frames(rng: random.Random) -> list[bytes]:
    out: list[bytes] = []
    ts = 1_700_000_000_000
    wallet, size = Decimal("100000"), 0

    def frame(topic: str, data: dict[str, Any]) -> None:
        out.append(orjson.dumps({"topic": topic, "event": f"{topic}@1", "data": data}))

    def account_pushes() -> None:
        frame("balance", {"coin": "usdt", "underlyingType": 2, "walletBalance": str(wallet),
                          "openOrderMarginFrozen": "0", "isolatedMargin": "0",
                          "crossedMargin": "0"})
        frame("position", {"symbol": "btc_usdt", "contractType": "PERPETUAL",
                           "positionType": "ISOLATED", "positionSide": "LONG",
                           "positionSize": str(size), "closeOrderSize": "0",
                           "availableCloseSize": str(size), "realizedProfit": "0",
                           "entryPrice": "30000", "isolatedMargin": "1",
                           "openOrderMarginFrozen": "0", "underlyingType": "U_BASED",
                           "leverage": 10})

    for n in range(ORDERS):
        oid = 1_000_000 + n
        qty = rng.randint(1, 4)
        order = {"symbol": "btc_usdt", "orderId": str(oid), "clientOrderId": f"c{n}",
                 "origQty": str(qty), "avgPrice": "0", "price": "30000", "executedQty": "0",
                 "orderSide": "BUY", "timeInForce": "GTC", "positionSide": "LONG",
                 "marginFrozen": "3", "sourceType": "default", "type": "ORDER",
                 "state": "NEW", "createdTime": ts, "leverage": 10,
                 "positionType": "ISOLATED", "orderType": "LIMIT"}
        frame("order", order)
        if rng.random() < 0.5:
            for k in range(qty):
                ts += 1
                size += 1
                wallet -= Decimal("0.012")
                frame("trade", {"orderId": str(oid), "clientOrderId": f"c{n}",
                                "price": "30000", "quantity": "1", "marginUnfrozen": "0",
                                "timestamp": ts, "symbol": "btc_usdt", "orderSide": "BUY",
                                "positionSide": "LONG", "isMaker": True, "fee": "0.012"})
                frame("order", {**order, "executedQty": str(k + 1), "avgPrice": "30000",
                                "state": "FILLED" if k + 1 == qty else "PARTIALLY_FILLED"})
                account_pushes()
        else:
            frame("order", {**order, "state": "CANCELED"})
            account_pushes()
    return out


FRAMES = {"spot": _spot_frames(random.Random(13)),
          "futures": _futures_frames(random.Random(14))}


# ---------------------------------------------------------------- contenders
def run_orjson(frames: list[bytes], product: str) -> list[Any]:
    loads = orjson.loads
    return [loads(f) for f in frames]


_SPOT_DEC = {"order": ("oq", "oqq", "eq", "lq", "p", "ap", "f"), "trade": ("p", "q", "v"),
             "balance": ("b", "f")}
_FUT_DEC = {"order": ("origQty", "avgPrice", "price", "executedQty", "marginFrozen"),
            "trade": ("price", "quantity", "marginUnfrozen", "fee"),
            "balance": ("walletBalance", "openOrderMarginFrozen", "isolatedMargin",
                        "crossedMargin"),
            "position": ("positionSize", "closeOrderSize", "availableCloseSize",
                         "realizedProfit", "entryPrice", "isolatedMargin",
                         "openOrderMarginFrozen")}


def run_orjson_state(frames: list[bytes], product: str) -> dict[str, Any]:
    """What a hand-written account does with orjson: dicts of Decimals by id."""
    loads = orjson.loads
    spot = product == "spot"
    dec_fields = _SPOT_DEC if spot else _FUT_DEC
    orders: dict[int, dict[str, Any]] = {}
    fills: dict[tuple[int, Any], dict[str, Any]] = {}
    balances: dict[str, dict[str, Any]] = {}
    positions: dict[tuple[str, str], dict[str, Any]] = {}
    n_fill = 0
    for f in frames:
        msg = loads(f)
        topic = msg["topic"]
        data = dict(msg["data"])
        for k in dec_fields[topic]:
            v = data.get(k)
            if v is not None:
                data[k] = Decimal(str(v))
        if topic == "order":
            oid = int(data["i"] if spot else data["orderId"])
            if (data["st"] if spot else data["state"]) in FINAL:
                orders.pop(oid, None)
            else:
                orders[oid] = data
        elif topic == "trade":
            n_fill += 1
            key = (int(data["oi"]), data["i"]) if spot else (int(data["orderId"]), n_fill)
            fills[key] = data
        elif topic == "balance":
            balances[data["c"] if spot else data["coin"]] = data
        else:
            positions[(data["symbol"], data["positionSide"])] = data
    return {"orders": orders, "fills": fills, "balances": balances, "positions": positions}


_ACCOUNTS: dict[str, Any] = {}


def _fresh_account(product: str) -> Any:
    """An account (not started: no network) with an empty state and one
    events() consumer; made once per product, its state replaced per round."""
    acct = _ACCOUNTS.get(product)
    if acct is None:
        acct = _ACCOUNTS[product] = wexcore.Account(  # type: ignore[call-overload]
            "bench-key", "bench-secret", product=product)
    acct._state = AccountState(SPOT if product == "spot" else FUTURES)
    acct._listeners.clear()
    return acct


def run_wexcore(frames: list[bytes], product: str) -> Any:
    acct = _fresh_account(product)
    events = acct.events(maxsize=10 * len(frames))
    on_push, dec = acct._on_push, acct._decode
    for f in frames:
        on_push(dec(f))
    return acct, events


# ---------------------------------------------------------------- the checks
def _expected(product: str) -> dict[str, Any]:
    return run_orjson_state(FRAMES[product], product)


def check_wexcore(product: str, result: Any) -> None:
    acct, events = result
    want = _expected(product)
    assert sorted(acct.open_orders) == sorted(want["orders"])
    assert len(acct.fills) == len(want["fills"])
    if product == "spot":
        assert {c: b.total_amount for c, b in acct.balances.items()} == {
            c: b["b"] for c, b in want["balances"].items()}
    else:
        assert {c: b.wallet_balance for c, b in acct.balances.items()} == {
            c: b["walletBalance"] for c, b in want["balances"].items()}
        assert {k: p.position_size for k, p in acct.positions.items()} == {
            k: p["positionSize"] for k, p in want["positions"].items() if p["positionSize"]}
    assert acct.stats.forced_releases == 0 and not acct._state.held
    assert len(events) > len(want["fills"])


PRODUCTS = ["spot", "futures"]


@pytest.mark.parametrize("product", PRODUCTS)
def test_orjson(benchmark, ratios, product):
    benchmark.group = f"account-{product}"
    out = benchmark(run_orjson, FRAMES[product], product)
    assert len(out) == len(FRAMES[product])
    ratios.record(f"account-{product}", "orjson", benchmark)


@pytest.mark.parametrize("product", PRODUCTS)
def test_orjson_state(benchmark, ratios, product):
    benchmark.group = f"account-{product}"
    out = benchmark(run_orjson_state, FRAMES[product], product)
    assert out["fills"] and out["balances"]
    ratios.record(f"account-{product}", "orjson_state", benchmark)


@pytest.mark.parametrize("product", PRODUCTS)
def test_wexcore(benchmark, ratios, product):
    benchmark.group = f"account-{product}"
    result = benchmark(run_wexcore, FRAMES[product], product)
    check_wexcore(product, result)
    ratios.record(f"account-{product}", "wexcore", benchmark)
    # reported, not enforced (goal 0): the account reads exact Decimals into
    # typed records and applies ordering rules neither baseline has
    ratios.check(f"account-{product}", "wexcore", "orjson", 0.0)
    ratios.check(f"account-{product}", "wexcore", "orjson_state", 0.0)
