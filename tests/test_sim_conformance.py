"""Conformance, generated from the client's endpoint table: every method of
``SpotClient`` and ``FuturesClient`` (USDT-M and COIN-M) is called against the
simulator with meaningful arguments, and must return a result -- never "not
found", never an undocumented error.

Arguments come from :data:`ARGS` (one entry per endpoint name, so an endpoint
added to the table without one fails :func:`test_every_endpoint_has_arguments`).
An entry is a function of a :class:`World` that may first create what the call
needs (a resting order, an open position, a plan order) and returns the
keyword arguments, named as the client's methods name them (``Param.arg``).

Results are only checked through the simulator's own state or for being
present, never by their shape, so the test holds whether the client returns
dicts or typed structs.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

import wexcore
from wexcore.errors import WexAPIError
from wexcore.rest import endpoints
from wexcore.rest.codes import CODES
from wexcore.sim import DEMO_API_KEY, DEMO_SECRET, Simulator

SUB_KEY, SUB_SECRET = "conformance-sub", "conformance-sub-secret"


class World:
    """One simulator and one client of a product, and helpers to set scenes."""

    def __init__(self, sim: Simulator, client: Any, product: str, symbol: str, coin: str):
        self.sim = sim
        self.c = client
        self.product = product
        self.symbol = symbol
        self.coin = coin
        self.n = itertools.count(1)

    # -- reading the simulator's own state ------------------------------------
    def _ids(self, kind: str) -> set[int]:
        def read() -> set[int]:
            acct = self.sim.account()
            if kind == "order":
                return set(acct.orders)
            return {t.id for t in self.sim.engine.triggers.all.values() if t.kind == kind}
        return self.sim._on_loop(read)

    def new_id(self, kind: str, action: Callable[[], Any]) -> int:
        before = self._ids(kind)
        action()
        (new,) = self._ids(kind) - before
        return new

    def price(self, side: str, ticks_away: int) -> str:
        m = self.sim.market(self.symbol, self.product)
        snap = self.sim.book_snapshot(self.symbol, self.product, depth=1)
        best = Decimal(snap["bids" if side == "BUY" else "asks"][0][0])
        tick = Decimal(1).scaleb(-m.spec.price_precision)
        return str(best - ticks_away * tick if side == "BUY" else best + ticks_away * tick)

    def last(self, ticks: int = 0) -> str:
        m = self.sim.market(self.symbol, self.product)
        return m.price_str(m.last + ticks)

    # -- scenes -----------------------------------------------------------------
    def resting(self) -> int:
        """A resting order far from the touch; its id."""
        if self.product == "spot":
            return self.new_id("order", lambda: self.c.place_order(
                self.symbol, "BUY", "LIMIT", time_in_force="GTC", biz_type="SPOT",
                price=self.price("BUY", 500), quantity="0.01"))
        return self.new_id("order", lambda: self.c.place_order(
            self.symbol, "BUY", "LIMIT", 1, "LONG", price=self.price("BUY", 300)))

    def position(self, size: int = 3) -> None:
        """An open LONG position of at least ``size`` contracts."""
        pos = self.sim.account().positions.get((self.symbol, "LONG"))
        if pos is None or pos.size - pos.close_frozen < size:
            self.c.place_order(self.symbol, "BUY", "MARKET", size, "LONG",
                               time_in_force="IOC")

    def plan(self) -> int:
        return self.new_id("plan", lambda: self.c.place_trigger_order(
            **ARGS["futures"]["place_trigger_order"](self)))

    def tpsl(self) -> int:
        return self.new_id("profit", lambda: self.c.place_tpsl_order(
            **ARGS["futures"]["place_tpsl_order"](self)))

    def track(self) -> int:
        return self.new_id("track", lambda: self.c.place_trailing_order(
            **ARGS["futures"]["place_trailing_order"](self)))

    def window(self) -> dict[str, int]:
        now = self.sim.clock_ms()
        return {"start_time": now - 200_000, "end_time": now + 1_000}


def _sym(w: World) -> dict[str, Any]:
    return {"symbol": w.symbol}


def _none(w: World) -> dict[str, Any]:
    return {}


def _spot_item(w: World) -> dict[str, Any]:
    return {"symbol": w.symbol, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
            "bizType": "SPOT", "price": w.price("BUY", 400), "quantity": "0.01"}


def _fut_item(w: World) -> dict[str, Any]:
    return {"symbol": w.symbol, "orderSide": "BUY", "orderType": "LIMIT", "origQty": "1",
            "positionSide": "LONG", "price": w.price("BUY", 250), "timeInForce": "GTC"}


SPOT: dict[str, Callable[[World], dict[str, Any]]] = {
    "server_time": _none, "client_ip": _none, "currencies": _none, "wallet_currencies": _none,
    "symbols": lambda w: {"symbols": [w.symbol]},
    "depth": lambda w: {"symbol": w.symbol, "limit": 5},
    "klines": lambda w: {"symbol": w.symbol, "interval": "1m", "limit": 5},
    "recent_trades": lambda w: {"symbol": w.symbol, "limit": 5},
    "historical_trades": lambda w: {"symbol": w.symbol, "limit": 5, "direction": "NEXT"},
    "tickers": _sym, "ticker_prices": _none, "book_tickers": _none,
    "tickers_24h": lambda w: {"symbols": [w.symbol]},
    "get_order": lambda w: {"order_id": w.resting()},
    "query_order": lambda w: {"order_id": w.resting()},
    "place_order": lambda w: {k: v for k, v in {
        "symbol": w.symbol, "side": "BUY", "type": "LIMIT", "time_in_force": "GTC",
        "biz_type": "SPOT", "price": w.price("BUY", 450), "quantity": "0.01"}.items()},
    "cancel_order": lambda w: {"order_id": w.resting()},
    "get_orders": lambda w: {"order_ids": [w.resting(), w.resting()]},
    "place_orders": lambda w: {"items": [_spot_item(w), _spot_item(w)],
                               "client_batch_id": f"batch{next(w.n)}"},
    "cancel_orders": lambda w: {"order_ids": [str(w.resting()), str(w.resting())]},
    "open_orders": lambda w: {"symbol": w.symbol, "biz_type": "SPOT", "side": "BUY"},
    "cancel_open_orders": lambda w: {"symbol": w.symbol, "biz_type": "SPOT"},
    "order_history": lambda w: {"symbol": w.symbol, "limit": 5, **w.window()},
    "amend_order": lambda w: {"order_id": w.resting(), "price": w.price("BUY", 600),
                              "quantity": "0.02"},
    "my_trades": lambda w: {"symbol": w.symbol, "biz_type": "SPOT", "limit": 5,
                            **w.window()},
    "balance": lambda w: {"currency": "usdt"},
    "balances": lambda w: {"currencies": ["usdt", "btc"]},
    "deposit_address": lambda w: {"chain": "Ethereum", "currency": "usdt"},
    "deposit_history": lambda w: {"currency": "usdt", "limit": 5},
    "withdraw": lambda w: {"currency": "usdt", "chain": "Ethereum", "amount": "25",
                           "address": "0x" + "ab" * 20},
    "withdraw_history": lambda w: {"currency": "usdt", "limit": 5},
    "transfer": lambda w: {"biz_id": f"conf-{next(w.n)}", "from_account": "SPOT",
                           "to_account": "FUTURES_U", "currency": "usdt", "amount": "10"},
    "sub_account_transfer": lambda w: {
        "biz_id": f"conf-sub-{next(w.n)}", "from_account": "SPOT", "to_account": "SPOT",
        "currency": "usdt", "amount": "5",
        "to_account_id": w.sim.account(SUB_KEY).account_id},
    "ws_token": _none,
}

FUTURES: dict[str, Callable[[World], dict[str, Any]]] = {
    "client_ip": _none, "symbol_coins": _none, "symbols": _none, "tickers": _none,
    "index_prices": _none, "mark_prices": _none, "agg_tickers": _none, "book_tickers": _none,
    "symbol_detail": _sym, "leverage_brackets": _sym, "ticker": _sym, "index_price": _sym,
    "mark_price": _sym, "agg_ticker": _sym, "funding_rate": _sym, "book_ticker": _sym,
    "risk_fund_balance": _sym, "open_interest": _sym,
    "recent_trades": lambda w: {"symbol": w.symbol, "num": 5},
    "depth": lambda w: {"symbol": w.symbol, "level": 5},
    "klines": lambda w: {"symbol": w.symbol, "interval": "1m", "limit": 5},
    "funding_rate_history": lambda w: {"symbol": w.symbol, "limit": 5},
    "place_order": lambda w: {"symbol": w.symbol, "order_side": "BUY",
                              "order_type": "LIMIT", "orig_qty": 1, "position_side": "LONG",
                              "price": w.price("BUY", 200)},
    "amend_order": lambda w: {"order_id": w.resting(), "price": w.price("BUY", 350),
                              "orig_qty": 2},
    "place_orders": lambda w: {"orders": [_fut_item(w), _fut_item(w)]},
    "place_orders_atomic": lambda w: {"orders": [_fut_item(w), _fut_item(w)]},
    "get_order": lambda w: {"order_id": w.resting()},
    "orders": lambda w: {"symbol": w.symbol, "state": "NEW"},
    "cancel_order": lambda w: {"order_id": w.resting()},
    "cancel_orders": lambda w: {"order_ids": [w.resting(), w.resting()]},
    "cancel_all_orders": _sym,
    "open_orders": _sym,
    "order_history": lambda w: {"symbol": w.symbol, "limit": 5},
    "my_trades": lambda w: {"symbol": w.symbol},
    "partially_canceled_orders": lambda w: {"symbol": w.symbol, "page": 1, "size": 10,
                                            **w.window()},
    "order_list": _sym,
    "quant_order_history": lambda w: {"symbol": w.symbol, "limit": 5},
    "quant_trades": lambda w: {"symbol": w.symbol, "limit": 5},
    "place_trigger_order": lambda w: {
        "symbol": w.symbol, "order_side": "BUY", "entrust_type": "STOP_MARKET",
        "orig_qty": 1, "stop_price": w.last(500), "time_in_force": "IOC",
        "trigger_price_type": "LATEST_PRICE", "position_side": "LONG"},
    "cancel_trigger_order": lambda w: {"entrust_id": str(w.plan())},
    "cancel_all_trigger_orders": _sym,
    "trigger_orders": lambda w: {"symbol": w.symbol, "state": "UNFINISHED"},
    "get_trigger_order": lambda w: {"entrust_id": w.plan()},
    "trigger_order_history": _sym,
    "place_tpsl_order": lambda w: (w.position(), {
        "symbol": w.symbol, "orig_qty": 1, "trigger_profit_price": w.last(5000),
        "trigger_stop_price": w.last(-5000), "expire_time": w.sim.clock_ms() + 3_600_000,
        "position_side": "LONG", "profit_delegate_order_type": "MARKET",
        "profit_delegate_time_in_force": "IOC", "stop_delegate_order_type": "MARKET",
        "stop_delegate_time_in_force": "IOC"})[1],
    "cancel_tpsl_order": lambda w: {"profit_id": w.tpsl()},
    "cancel_all_tpsl_orders": _sym,
    "tpsl_orders": lambda w: {"symbol": w.symbol, "state": "UNFINISHED"},
    "get_tpsl_order": lambda w: {"profit_id": w.tpsl()},
    "amend_tpsl_order": lambda w: {"profit_id": w.tpsl(), "trigger_profit_price": w.last(6000)},
    "place_trailing_order": lambda w: (w.position(), {
        "callback": "PROPORTION", "callback_val": "0.01", "order_side": "SELL", "orig_qty": 1,
        "position_side": "LONG", "position_type": "ISOLATED", "symbol": w.symbol,
        "trigger_price_type": "LATEST_PRICE"})[1],
    "cancel_trailing_order": lambda w: {"track_id": w.track()},
    "get_trailing_order": lambda w: {"track_id": w.track()},
    "trailing_orders": _sym,
    "cancel_all_trailing_orders": _sym,
    "trailing_order_history": _sym,
    "tpsl_order_history": _sym,
    "reverse_plans": lambda w: (w.position(), w.sim.add_reverse_plan(
        w.symbol, "LONG", w.last(-3000)), {"symbol": w.symbol})[2],
    "reverse_plan_history": _sym,
    "filled_order_history": lambda w: (w.position(), {"symbol": w.symbol, "limit": 5})[1],
    "all_trades": _sym,
    "all_orders": lambda w: {"symbol": w.symbol, "type": "ORDER"},
    "active_positions": lambda w: (w.position(), {"symbol": w.symbol})[1],
    "leverage_info": _sym,
    "position_history": _sym,
    "cross_margin": _sym,
    "account_info": _none, "balances": _none, "listen_key": _none, "open_account": _none,
    "funds": _none, "step_rate": _none, "favorite_symbols": _none,
    "balance": lambda w: {"coin": w.coin},
    "coin_balance": lambda w: {"coin": w.coin},
    "account_bills": _sym, "funding_fees": _sym,
    "position": lambda w: (w.position(), {"symbol": w.symbol})[1],
    "positions": _sym,
    "adjust_leverage": lambda w: {"symbol": w.symbol, "position_side": "SHORT",
                                  "leverage": 20},
    "adjust_margin": lambda w: (w.position(), {"symbol": w.symbol, "margin": "0.001",
                                               "position_side": "LONG", "type": "ADD"})[1],
    "set_auto_margin": lambda w: {"symbol": w.symbol, "position_side": "LONG",
                                  "auto_margin": True},
    "close_all_positions": lambda w: (w.position(), {})[1],
    "adl_info": lambda w: (w.position(), {})[1],
    "add_favorite_symbol": _sym, "remove_favorite_symbol": _sym,
    "change_position_type": lambda w: {"symbol": w.symbol, "position_side": "SHORT",
                                       "position_type": "CROSSED"},
    "margin_calls": lambda w: (w.position(), {})[1],
    "adl_history": _sym, "takeover_history": _sym,
}

ARGS = {"spot": SPOT, "futures": FUTURES}
PRODUCTS = [("spot", "btc_usdt", "usdt"), ("usdt-m", "btc_usdt", "usdt"),
            ("coin-m", "btc_usd", "btc")]


@pytest.fixture(scope="module", params=PRODUCTS, ids=[p[0] for p in PRODUCTS])
def world(request):
    product, symbol, coin = request.param
    with Simulator(seed=21, symbols=[symbol], paused=True, rate_limits=False,
                   coin_m=product == "coin-m") as sim:
        sim.step(200)  # some trades in the record
        sim.add_account(SUB_KEY, SUB_SECRET, sub_of=DEMO_API_KEY)
        if product == "spot":
            client = wexcore.SpotClient(DEMO_API_KEY, DEMO_SECRET, base_url=sim.rest_url,
                                        rate_limit=False)
        else:
            client = wexcore.FuturesClient(DEMO_API_KEY, DEMO_SECRET, base_url=sim.rest_url,
                                           rate_limit=False,
                                           time_url=sim.rest_url + "/v4/public/time")
        with client:
            yield World(sim, client, "spot" if product == "spot" else "futures", symbol,
                        coin)


def _table(product: str) -> tuple[endpoints.Endpoint, ...]:
    return endpoints.SPOT_ENDPOINTS if product == "spot" else endpoints.FUTURES_ENDPOINTS


@pytest.mark.parametrize("product", ["spot", "futures"])
def test_every_endpoint_has_arguments(product):
    names = {ep.name for ep in _table(product)}
    assert names == set(ARGS[product]), "ARGS must name every endpoint of the table"


def test_the_simulator_routes_every_endpoint_of_the_table():
    from wexcore.sim import ENDPOINT_METHODS

    for ep in endpoints.ENDPOINTS:
        assert (ep.method, ep.path) in ENDPOINT_METHODS, ep


def _call(w: World, ep: endpoints.Endpoint) -> Any:
    kwargs = ARGS["spot" if ep.product == "spot" else "futures"][ep.name](w)
    known = {p.arg for p in ep.params}
    assert set(kwargs) <= known, f"{ep.name}: unknown arguments {set(kwargs) - known}"
    return getattr(w.c, ep.name)(**kwargs)


def test_every_method_answers(world):
    """Each endpoint returns a result; a refusal would have to be a documented code."""
    failures = []
    t0 = time.perf_counter()
    for ep in _table(world.product):
        try:
            result = _call(world, ep)
        except WexAPIError as exc:
            documented = exc.code in CODES
            failures.append(f"{ep.name}: HTTP {exc.http_status} {exc.code} "
                            f"({'documented' if documented else 'UNDOCUMENTED'}) {exc}")
            continue
        if result is None:
            failures.append(f"{ep.name}: no result")
    assert not failures, "\n".join(failures)
    assert time.perf_counter() - t0 < 30


def test_unknown_ids_answer_with_documented_codes(world):
    """The not-found answers are the endpoints' own codes, not HTTP 404."""
    missing = 9_999_999_999
    if world.product == "spot":
        calls = [("get_order", {"order_id": missing}), ("cancel_order", {"order_id": missing})]
    else:
        calls = [("cancel_order", {"order_id": missing}),
                 ("amend_order", {"order_id": missing, "price": "1", "orig_qty": 1}),
                 ("get_trigger_order", {"entrust_id": missing}),
                 ("get_tpsl_order", {"profit_id": missing}),
                 ("cancel_tpsl_order", {"profit_id": missing}),
                 ("get_trailing_order", {"track_id": missing}),
                 ("cancel_trailing_order", {"track_id": missing})]
    for name, kwargs in calls:
        with pytest.raises(WexAPIError) as ei:
            getattr(world.c, name)(**kwargs)
        assert ei.value.http_status == 200 and ei.value.code in CODES, (name, ei.value)
