"""Futures REST routes (``/future/...``): every endpoint of futures-en.txt.

The same paths serve USDT-M or COIN-M, depending on the simulator's
``coin_m`` option (the two real hosts serve the same paths). Reads are GET
and writes POST, as the futures text says; a POST's parameters may come in
the query string, a form body or a JSON body.

Result shapes follow the spec's examples, with one deliberate exception: a
create (``order/create``, ``create-plan``, ``create-profit``,
``create-track``) returns the new object's id as a string, where the spec
shows ``{}`` or ``true`` -- a client could not otherwise find what it
created. Batch creates return one ``{"orderId", "clientOrderId", "code",
"msg"}`` per item, in item order.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson

from .accounts import Account
from .codes import SimError
from .limits import Limit
from .market import BUY, SELL, Market
from .matching import (
    DEFAULT_LEVERAGE,
    TERMINAL,
    Order,
    avg_price,
    futures_balance_view,
    futures_order_view,
    is_close,
    position_view,
)
from .numbers import BadNumber, amount_up, dec_str, parse_decimal
from .params import (
    by_cursor,
    by_page,
    csv_list,
    get_bool,
    get_int,
    opt_int,
    time_bounds,
    upper_enum,
    within,
)
from .positions import bracket_for, break_price, unrealized, value_at
from .triggers import ACTIVE, STATES, Trigger
from .views import (
    FUTURES_REST_INTERVALS,
    agg_ticker,
    book_ticker,
    depth_levels,
    futures_symbol_info,
    futures_ticker,
    klines,
    leverage_brackets,
)

if TYPE_CHECKING:
    from .server import Simulator

IP10 = (Limit(10, 1.0, "ip"),)
IP1 = (Limit(1, 1.0, "ip"),)
K200 = (Limit(200, 1.0, "apikey"),)
K100 = (Limit(100, 1.0, "apikey"),)
K10 = (Limit(10, 1.0, "apikey"),)
# "Asset-related endpoints: up to 3 requests per second" (shared budget)
ASSETS = (*K200, Limit(3, 1.0, "apikey", group="futures-assets"))

_M = "/future/market/v1/public"
_T = "/future/trade/v1"
_U = "/future/user/v1"
FUTURES_ROUTES: dict[tuple[str, str], tuple[str, bool, tuple[Limit, ...]]] = {
    ("GET", "/future/public/client"): ("client", False, ()),
    ("GET", f"{_M}/symbol/coins"): ("coins", False, ()),
    ("GET", f"{_M}/symbol/detail"): ("symbol_detail", False, ()),
    ("GET", "/future/market/v3/public/symbol/list"): ("symbol_list", False, ()),
    ("GET", f"{_M}/leverage/bracket/detail"): ("brackets", False, ()),
    ("GET", f"{_M}/q/ticker"): ("ticker", False, ()),
    ("GET", f"{_M}/q/tickers"): ("tickers", False, ()),
    ("GET", f"{_M}/q/deal"): ("deal", False, ()),
    ("GET", f"{_M}/q/depth"): ("depth", False, IP10),
    ("GET", f"{_M}/q/symbol-index-price"): ("index_price", False, ()),
    ("GET", f"{_M}/q/index-price"): ("index_prices", False, ()),
    ("GET", f"{_M}/q/symbol-mark-price"): ("mark_price", False, ()),
    ("GET", f"{_M}/q/mark-price"): ("mark_prices", False, ()),
    ("GET", f"{_M}/q/kline"): ("kline", False, ()),
    ("GET", f"{_M}/q/agg-ticker"): ("agg_ticker", False, ()),
    ("GET", f"{_M}/q/agg-tickers"): ("agg_tickers", False, ()),
    ("GET", f"{_M}/q/funding-rate"): ("funding_rate", False, IP1),
    ("GET", f"{_M}/q/funding-rate-record"): ("funding_rate_record", False, ()),
    ("GET", f"{_M}/q/ticker/book"): ("ticker_book", False, ()),
    ("GET", f"{_M}/q/ticker/books"): ("ticker_books", False, ()),
    ("GET", f"{_M}/contract/risk-balance"): ("risk_balance", False, ()),
    ("GET", f"{_M}/contract/open-interest"): ("open_interest", False, IP1),
    # orders
    ("POST", f"{_T}/order/create"): ("order_create", True, K200),
    ("POST", f"{_T}/order/update"): ("order_update", True, K200),
    ("POST", "/future/trade/v2/order/create-batch"): ("order_create_batch", True, K200),
    ("POST", "/future/trade/v2/order/atomic-create-batch"): ("order_atomic_batch", True,
                                                               K200),
    ("GET", f"{_T}/order/detail"): ("order_detail", True, K200),
    ("GET", f"{_T}/order/list"): ("order_list", True, K200),
    ("POST", f"{_T}/order/cancel"): ("order_cancel", True, K200),
    ("POST", f"{_T}/order/cancel-batch"): ("order_cancel_batch", True, K200),
    ("POST", f"{_T}/order/cancel-all"): ("order_cancel_all", True, K200),
    ("GET", f"{_T}/order/list-open-order"): ("open_orders", True, K10),
    ("GET", f"{_T}/order/list-history"): ("order_history", True, K200),
    ("GET", f"{_T}/order/trade-list"): ("trade_list", True, K200),
    ("GET", "/future/trade/v2/order/partial-canceled-orders"): ("partial_canceled", True,
                                                                  K200),
    ("GET", f"{_T}/order/OrderList"): ("order_list_open", True, K100),
    ("GET", f"{_T}/order/quant/list-history"): ("quant_history", True, K200),
    ("GET", f"{_T}/order/quant/trade-list"): ("quant_trades", True, K200),
    ("GET", f"{_T}/order/trade-history"): ("filled_orders", True, K200),
    ("GET", f"{_T}/order/trade-list-all"): ("trade_list_all", True, K200),
    ("GET", f"{_T}/order-entrust/list"): ("order_entrust_list", True, K200),
    # triggers
    ("POST", f"{_T}/entrust/create-plan"): ("plan_create", True, K200),
    ("POST", f"{_T}/entrust/cancel-plan"): ("plan_cancel", True, K200),
    ("POST", f"{_T}/entrust/cancel-all-plan"): ("plan_cancel_all", True, K200),
    ("GET", f"{_T}/entrust/plan-list"): ("plan_list", True, K200),
    ("GET", f"{_T}/entrust/plan-detail"): ("plan_detail", True, K200),
    ("GET", f"{_T}/entrust/plan-list-history"): ("plan_history", True, K200),
    ("POST", f"{_T}/entrust/create-profit"): ("profit_create", True, K200),
    ("POST", f"{_T}/entrust/cancel-profit-stop"): ("profit_cancel", True, K200),
    ("POST", f"{_T}/entrust/cancel-all-profit-stop"): ("profit_cancel_all", True, K200),
    ("GET", f"{_T}/entrust/profit-list"): ("profit_list", True, K200),
    ("GET", f"{_T}/entrust/profit-detail"): ("profit_detail", True, K200),
    ("POST", f"{_T}/entrust/update-profit-stop"): ("profit_update", True, K200),
    ("GET", f"{_T}/entrust/profit-list-history"): ("profit_history", True, K200),
    ("POST", f"{_T}/entrust/create-track"): ("track_create", True, K200),
    ("POST", f"{_T}/entrust/cancel-track"): ("track_cancel", True, K200),
    ("GET", f"{_T}/entrust/track-detail"): ("track_detail", True, K200),
    ("GET", f"{_T}/entrust/track-list"): ("track_list", True, K200),
    ("POST", f"{_T}/entrust/cancel-all-track"): ("track_cancel_all", True, K200),
    ("GET", f"{_T}/entrust/track-list-history"): ("track_history", True, K200),
    ("GET", f"{_T}/entrust/reverse-plan-list"): ("reverse_list", True, K200),
    ("GET", f"{_T}/entrust/reverse-plan-list-history"): ("reverse_history", True, K200),
    # positions (trade service)
    ("GET", f"{_T}/position/list/active"): ("positions_active", True, K200),
    ("GET", f"{_T}/position/leverage/list"): ("leverage_list", True, K200),
    ("GET", f"{_T}/position/list-history"): ("position_history", True, K200),
    ("GET", f"{_T}/position/cross-margin/{{symbol}}"): ("cross_margin", True, K200),
    # user
    ("GET", f"{_U}/account/info"): ("account_info", True, K200),
    ("GET", f"{_U}/compat/balance/list"): ("compat_balances", True, ASSETS),
    ("GET", f"{_U}/user/listen-key"): ("listen_key", True, K200),
    ("POST", f"{_U}/account/open"): ("account_open", True, K200),
    ("GET", f"{_U}/balance/detail"): ("balance_detail", True, ASSETS),
    ("GET", f"{_U}/balance/list"): ("balance_list", True, ASSETS),
    ("GET", f"{_U}/balance/bills"): ("bills", True, ASSETS),
    ("GET", f"{_U}/balance/funding-rate-list"): ("funding_fees", True, ASSETS),
    ("GET", f"{_U}/position"): ("position_info", True, K200),
    ("GET", f"{_U}/position/list"): ("position_list", True, K200),
    ("GET", f"{_U}/user/step-rate"): ("step_rate", True, K200),
    ("POST", f"{_U}/position/adjust-leverage"): ("adjust_leverage", True, K200),
    ("POST", f"{_U}/position/margin"): ("adjust_margin", True, K200),
    ("POST", f"{_U}/position/auto-margin"): ("auto_margin", True, K200),
    ("POST", f"{_U}/position/close-all"): ("close_all", True, K200),
    ("GET", f"{_U}/position/adl"): ("adl", True, K200),
    ("POST", f"{_U}/user/collection/add"): ("favorite_add", True, K200),
    ("POST", f"{_U}/user/collection/cancel"): ("favorite_cancel", True, K200),
    ("GET", f"{_U}/user/collection/list"): ("favorite_list", True, K200),
    ("POST", f"{_U}/position/change-type"): ("change_type", True, K200),
    ("GET", f"{_U}/position/break-list"): ("break_list", True, K200),
    ("GET", f"{_U}/auto-deleverage/history"): ("adl_history", True, K200),
    ("GET", f"{_U}/compat/balance/{{coin}}"): ("compat_balance", True, ASSETS),
    ("GET", f"{_U}/taker-over/list"): ("takeover_list", True, K200),
}

P = dict[str, Any]
IP = "invalid_params"
ORDER_STATES = ("NEW", "PARTIALLY_FILLED", "PARTIALLY_CANCELED", "FILLED", "CANCELED",
                "REJECTED", "EXPIRED")
MAX_BATCH = 20


def _upper(p: P, name: str, allowed: tuple[str, ...], code: str = IP) -> str | None:
    return upper_enum(p, name, allowed, code)


def _state_pred(state: str | None, default: str | None) -> Any:
    s = state or default
    if s is None:
        return lambda o: True
    if s == "NEW":
        return lambda o: o.state in ("NEW", "PARTIALLY_FILLED")
    if s == "UNFINISHED":
        return lambda o: o.state not in TERMINAL
    if s == "HISTORY":
        return lambda o: o.state in TERMINAL
    return lambda o: o.state == s


def _trigger_pred(state: str | None) -> Any:
    if state is None:
        return lambda t: True
    if state == "UNFINISHED":
        return lambda t: t.state in ACTIVE
    if state == "HISTORY":
        return lambda t: t.state not in ACTIVE
    return lambda t: t.state == state


class FuturesRoutes:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.engine = sim.engine

    # -- helpers ----------------------------------------------------------------
    def _m(self, p: P, *, required: bool = True) -> Market | None:
        return self.sim.futures_market(p.get("symbol"), required=required)

    def _market(self, p: P) -> Market:
        m = self._m(p)
        assert m is not None
        return m

    def _symbol(self, p: P) -> str | None:
        m = self._m(p, required=False)
        return m.spec.symbol if m is not None else None

    def _all(self) -> list[Market]:
        return [self.sim.touch(m) for m in self.sim.markets["futures"].values()]

    @staticmethod
    def _cursor(rows: list[Any], p: P, key: Any, max_limit: int = 100) -> dict[str, Any]:
        """One page by the ``id`` cursor, with the futures codes for bad values."""
        return by_cursor(rows, p, key, get_int(p, "limit", 10, 1, max_limit, "invalid_limit"),
                         cursor="id", dir_code="invalid_direction")

    def _orders(self, a: Account, p: P) -> list[Order]:
        sym = self._symbol(p)
        return [o for o in a.orders.values() if o.product == "futures"
                and (sym is None or o.symbol == sym)]

    def _order(self, a: Account, oid: Any, code: str) -> Order:
        try:
            order = a.orders.get(int(str(oid)))
        except ValueError:
            order = None
        if order is None or order.product != "futures":
            raise SimError(code, "order not found")
        assert isinstance(order, Order)
        return order

    def _pside(self, p: P, *, required: bool = True) -> str:
        v = _upper(p, "positionSide", ("LONG", "SHORT"), "invalid_position_side")
        if v is None:
            if required:
                raise SimError(IP, "positionSide is required")
            return "LONG"
        return v

    def _coins(self, a: Account) -> list[str]:
        coins = {m.spec.margin_coin for m in self.sim.markets["futures"].values()}
        return sorted(coins | set(a.futures_wallet))

    # -- public -----------------------------------------------------------------
    def h_client(self, p: P, a: Any, ip: str) -> Any:
        return {"ip": ip}

    def h_coins(self, p: P, a: Any, ip: str) -> Any:
        return sorted({m.spec.base for m in self.sim.markets["futures"].values()})

    def h_symbol_detail(self, p: P, a: Any, ip: str) -> Any:
        return futures_symbol_info(self._market(p))

    def h_symbol_list(self, p: P, a: Any, ip: str) -> Any:
        return [futures_symbol_info(m) for m in self.sim.markets["futures"].values()]

    def h_brackets(self, p: P, a: Any, ip: str) -> Any:
        return leverage_brackets(self._market(p))

    def h_ticker(self, p: P, a: Any, ip: str) -> Any:
        return futures_ticker(self._market(p), self.sim.clock_ms())

    def h_tickers(self, p: P, a: Any, ip: str) -> Any:
        now = self.sim.clock_ms()
        return [futures_ticker(m, now) for m in self._all()]

    def h_deal(self, p: P, a: Any, ip: str) -> Any:
        m = self._market(p)
        num = get_int(p, "num", 50, 1, 1000)
        return [{"s": m.spec.symbol, "p": m.price_str(t.price), "a": str(t.qty),
                 "m": "ASK" if t.buyer_maker else "BID", "t": t.time}
                for t in reversed(list(m.trades)[-num:])]

    def h_depth(self, p: P, a: Any, ip: str) -> Any:
        m = self._market(p)
        limit = self.sim.futures_depth_limit
        if p.get("level") in (None, ""):
            raise SimError(IP, f"level is required (1..{limit})")
        level = get_int(p, "level", 50, 1, limit)
        return {"s": m.spec.symbol, "t": self.sim.clock_ms(), "u": m.book.update_id,
                "a": depth_levels(m, SELL, level), "b": depth_levels(m, BUY, level)}

    def _price_obj(self, m: Market, ticks: int) -> dict[str, Any]:
        return {"s": m.spec.symbol, "p": m.price_str(ticks), "t": self.sim.clock_ms()}

    def h_index_price(self, p: P, a: Any, ip: str) -> Any:
        m = self._market(p)
        return self._price_obj(m, m.index_price())

    def h_index_prices(self, p: P, a: Any, ip: str) -> Any:
        return [self._price_obj(m, m.index_price()) for m in self._all()]

    def h_mark_price(self, p: P, a: Any, ip: str) -> Any:
        m = self._market(p)
        return self._price_obj(m, m.mark_price())

    def h_mark_prices(self, p: P, a: Any, ip: str) -> Any:
        return [self._price_obj(m, m.mark_price()) for m in self._all()]

    def h_kline(self, p: P, a: Any, ip: str) -> Any:
        m = self._market(p)
        interval = p.get("interval")
        if interval not in FUTURES_REST_INTERVALS:
            raise SimError(IP, "interval must be one of " + ", ".join(FUTURES_REST_INTERVALS))
        limit = get_int(p, "limit", 100, 1, 1500)
        start, end = time_bounds(p)
        return [{"s": m.spec.symbol, "t": k["t"], "o": k["o"], "c": k["c"], "h": k["h"],
                 "l": k["l"], "a": k["n"], "v": k["v"]}
                for k in klines(m, interval, start, end, limit)]

    def h_agg_ticker(self, p: P, a: Any, ip: str) -> Any:
        return agg_ticker(self._market(p), self.sim.clock_ms())

    def h_agg_tickers(self, p: P, a: Any, ip: str) -> Any:
        now = self.sim.clock_ms()
        return [agg_ticker(m, now) for m in self._all()]

    def _period_hours(self) -> Any:
        hours = self.sim.funding_period / 3600
        return int(hours) if hours == int(hours) else round(hours, 6)

    def h_funding_rate(self, p: P, a: Any, ip: str) -> Any:
        m = self._market(p)
        desk = self.engine.positions
        return {"hasNext": False, "hasPrev": False, "items": [{
            "collectionInternal": self._period_hours(), "createdTime": self.sim.clock_ms(),
            "fundingRate": dec_str(desk.current_rate(m)), "id": 1, "symbol": m.spec.symbol}]}

    def h_funding_rate_record(self, p: P, a: Any, ip: str) -> Any:
        sym = self._symbol(p)
        recs = self.engine.positions.funding_records
        rows = sorted((r for s, rs in recs.items() if sym is None or s == sym for r in rs),
                      key=lambda r: r["id"])
        return self._cursor(rows, p, lambda r: r["id"], 100)

    def h_ticker_book(self, p: P, a: Any, ip: str) -> Any:
        m = self._market(p)
        return {"s": m.spec.symbol, "t": self.sim.clock_ms(), **book_ticker(m)}

    def h_ticker_books(self, p: P, a: Any, ip: str) -> Any:
        now = self.sim.clock_ms()
        return [{"s": m.spec.symbol, "t": now, **book_ticker(m)} for m in self._all()]

    def h_risk_balance(self, p: P, a: Any, ip: str) -> Any:
        m = self._market(p)
        desk = self.engine.positions
        recs = desk.risk_records.get(m.spec.symbol)
        if not recs:
            desk._risk_record(m.spec, desk.fund_balance(m.spec), self.sim.clock_ms())
            recs = desk.risk_records[m.spec.symbol]
        return self._cursor(recs, p, lambda r: r["id"], 100)

    def h_open_interest(self, p: P, a: Any, ip: str) -> Any:
        m = self._market(p)
        oi = self.engine.positions.open_interest(m.spec)
        mark = m.price_dec(m.mark_price())
        usd = oi * Decimal(m.spec.contract_size) if m.spec.inverse else \
            value_at(m.spec, mark, oi)
        return {"symbol": m.spec.symbol, "openInterest": str(oi),
                "openInterestUsd": dec_str(usd), "time": str(self.sim.clock_ms())}

    # -- orders -------------------------------------------------------------------
    def h_order_create(self, p: P, a: Account, ip: str) -> Any:
        order = self.engine.place_futures(a, self._market(p), p, ip)
        return str(order.id)

    def h_order_update(self, p: P, a: Account, ip: str) -> Any:
        from .matching import contracts, fut_price

        order = self._order(a, p.get("orderId"), "invalid_order")
        if order.state in TERMINAL or order.type != "LIMIT":
            raise SimError("invalid_order", "only open LIMIT orders can be updated")
        engine = self.engine
        market = order.market
        price = fut_price(market, p.get("price"), "price")
        qty = contracts(p.get("origQty"), scale_code="invalid_quantity")
        if qty <= order.executed:
            raise SimError("invalid_quantity", "origQty must exceed the executed quantity")
        tpsl = order.tpsl
        if any(p.get(k) not in (None, "") for k in ("triggerProfitPrice", "triggerStopPrice")):
            if is_close(order):
                raise SimError(IP, "take-profit/stop-loss attach to opening orders only")
            assert order.position_side is not None
            tpsl = engine.triggers.parse_attached(market, p, order.side, order.position_side,
                                                  "LIMIT", price)
            if order.tpsl and "profitId" in order.tpsl:
                tpsl["profitId"] = order.tpsl["profitId"]
        remaining = qty - order.executed
        acct = order.account
        coin = market.spec.margin_coin
        key = (order.symbol, order.position_side or "LONG")
        if is_close(order):
            pos = acct.positions.get(key)
            free = (pos.size - pos.close_frozen + order.remaining) if pos else 0
            if remaining > free:
                raise SimError("more_than_available", "close quantity exceeds the position")
            assert pos is not None
            pos.close_frozen += remaining - order.remaining
            need = Decimal(0)
        else:
            from .matching import order_value

            need = amount_up(order_value(market.spec, price, remaining, per=order.leverage))
            if engine.free_margin(acct, coin) + order.frozen < need:
                raise SimError("more_than_available", "insufficient available margin")
            acct.futures_order_frozen[coin] += need - order.frozen
        market.book.remove_order(order.side, order.price or price, order)
        order.frozen = need
        order.price, order.orig_qty, order.remaining = price, qty, remaining
        order.tpsl = tpsl
        order.updated = self.sim.clock_ms()
        engine._emit_order(order)
        engine._emit_futures_balance(acct, coin)
        engine._execute(order)
        return {}

    def _batch_items(self, raw: Any) -> list[P]:
        if isinstance(raw, str):
            try:
                raw = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise SimError(IP, "list must be a JSON array of orders") from None
        if not isinstance(raw, list) or not raw:
            raise SimError(IP, "list must be a non-empty JSON array of orders")
        if len(raw) > MAX_BATCH:
            raise SimError("order_create_size_exceed", f"at most {MAX_BATCH} orders")
        if not all(isinstance(x, dict) for x in raw):
            raise SimError(IP, "every order must be a JSON object")
        return raw

    def h_order_create_batch(self, p: P, a: Account, ip: str) -> Any:
        items = self._batch_items(p.get("list"))
        out = []
        for item in items:
            entry: dict[str, Any] = {"orderId": None, "clientOrderId": item.get("clientOrderId"),
                                     "code": None, "msg": None}
            try:
                order = self.engine.place_futures(a, self._market(item), item, ip)
                entry["orderId"] = str(order.id)
            except SimError as exc:
                entry.update(code=exc.code, msg=exc.message)
            out.append(entry)
        return out

    def h_order_atomic_batch(self, p: P, a: Account, ip: str) -> Any:
        items = self._batch_items(p.get("__body__", p.get("list")))
        engine = self.engine
        parsed = []
        margin: dict[str, Decimal] = {}
        closing: dict[tuple[str, str], int] = {}
        for i, item in enumerate(items):
            try:
                m = self._market(item)
                o = engine.parse_futures_order(m, item)
            except SimError as exc:
                raise SimError(exc.code, f"order {i}: {exc.message}") from None
            parsed.append((m, o))
            if o["close"]:
                key = (m.spec.symbol, o["pside"])
                closing[key] = closing.get(key, 0) + o["qty"]
            else:
                coin = m.spec.margin_coin
                margin[coin] = margin.get(coin, Decimal(0)) + engine.margin_needed(a, m, o)
        if not a.futures_open:
            raise SimError("contract_not_open", "open the futures account first")
        for coin, need in margin.items():
            if engine.free_margin(a, coin) < need:
                raise SimError("more_than_available", "insufficient available margin for "
                               "the whole batch; nothing was placed")
        for key, qty in closing.items():
            pos = a.positions.get(key)
            if pos is None or pos.size - pos.close_frozen < qty:
                raise SimError("more_than_available", "close quantities exceed the position; "
                               "nothing was placed")
        out = []
        for (m, o), item in zip(parsed, items, strict=True):
            order = engine.place_futures(a, m, item, ip, parsed=o)
            out.append({"orderId": str(order.id), "clientOrderId": order.client_id,
                        "code": None, "msg": None})
        return out

    def h_order_detail(self, p: P, a: Account, ip: str) -> Any:
        # The spec's error table for this endpoint lists code "null": an
        # unknown order id is a successful answer with a null result.
        try:
            return futures_order_view(self._order(a, p.get("orderId"), IP))
        except SimError:
            if p.get("orderId") in (None, ""):
                raise
            return None

    def h_order_list(self, p: P, a: Account, ip: str) -> Any:
        state = _upper(p, "state", (*ORDER_STATES, "UNFINISHED", "HISTORY"), "invalid_state")
        orders = [o for o in self._orders(a, p) if _state_pred(state, "NEW")(o)]
        if p.get("clientOrderId"):
            orders = [o for o in orders if o.client_id == p["clientOrderId"]]
        orders = within(orders, p, lambda o: o.time)
        page = by_page(orders, p)
        del page["hasNext"], page["hasPrev"]
        page["items"] = [futures_order_view(o) for o in page["items"]]
        return page

    def h_order_cancel(self, p: P, a: Account, ip: str) -> Any:
        order = self._order(a, p.get("orderId"), IP)
        if not self.engine.cancel(order):
            raise SimError(IP, "order already finished")
        return str(order.id)

    def h_order_cancel_batch(self, p: P, a: Account, ip: str) -> Any:
        ids = csv_list(p.get("orderIds"))
        cids = set(csv_list(p.get("clientOrderIds")))
        if not ids and not cids:
            raise SimError(IP, "orderIds is required")
        for oid in ids[:100]:
            with contextlib.suppress(SimError):
                self.engine.cancel(self._order(a, oid, IP))
        if cids:
            for o in list(a.orders.values()):
                if o.product == "futures" and o.client_id in cids:
                    self.engine.cancel(o)
        return True

    def h_order_cancel_all(self, p: P, a: Account, ip: str) -> Any:
        sym = self._symbol(p)
        for o in list(a.orders.values()):
            if o.product == "futures" and o.state not in TERMINAL and \
                    (sym is None or o.symbol == sym):
                self.engine.cancel(o)
        return True

    def h_open_orders(self, p: P, a: Account, ip: str) -> Any:
        return [futures_order_view(o) for o in self._orders(a, p) if o.state not in TERMINAL]

    def h_order_history(self, p: P, a: Account, ip: str) -> Any:
        forced = get_bool(p, "forceClose", False)
        orders = [o for o in self._orders(a, p) if o.state in TERMINAL
                  and (forced or not o.force_close)]
        orders = within(orders, p, lambda o: o.time)
        page = self._cursor(orders, p, lambda o: o.id, 100)
        page["items"] = [futures_order_view(o) for o in page["items"]]
        return page

    def _fills(self, a: Account, p: P) -> list[dict[str, Any]]:
        sym = self._symbol(p)
        oid = opt_int(p, "orderId")
        rows = [t for t in self.engine.user_trades if t["account"] == a.account_id
                and t.get("product") == "futures" and (sym is None or t["symbol"] == sym)
                and (oid is None or t["orderId"] == oid)]
        return within(rows, p, lambda t: t["time"])

    @staticmethod
    def _fill_view(t: dict[str, Any], full: bool = False) -> dict[str, Any]:
        view = {"orderId": str(t["orderId"]), "execId": str(t["tradeId"]),
                "symbol": t["symbol"], "quantity": t["quantity"], "price": t["price"],
                "fee": t["fee"], "feeCoin": t["feeCoin"], "timestamp": t["time"],
                "takerMaker": t["takerMaker"].upper()}
        if full:
            view.update(contractSize=t["contractSize"], couponDeductFee="0",
                        bonusDeductFee="0", orderSide=t["orderSide"],
                        positionSide=t["positionSide"], quoteQty=t["quoteQty"])
        return view

    def h_trade_list(self, p: P, a: Account, ip: str) -> Any:
        page = by_page(self._fills(a, p), p)
        del page["hasNext"], page["hasPrev"]
        page["items"] = [self._fill_view(t) for t in page["items"]]
        return page

    def h_partial_canceled(self, p: P, a: Account, ip: str) -> Any:
        for name in ("startTime", "endTime"):
            if p.get(name) in (None, ""):
                raise SimError(IP, f"{name} is required")
        if not p.get("symbol"):
            raise SimError("invalid_symbol", "symbol is required")
        start, end = time_bounds(p)
        assert start is not None and end is not None
        if end - start > 300_000:
            # the spec's own code for "invalid time configuration" on this endpoint
            raise SimError("invalid_time_in_force", "endTime - startTime must be within "
                           "300000 ms")
        orders = [o for o in self._orders(a, p) if o.state == "PARTIALLY_CANCELED"
                  and start <= o.updated <= end]
        if len(orders) > 1000:
            raise SimError("the_number_of_orders_has_reached_the_maximum")
        page = by_page(orders, p)
        items = []
        for o in page["items"]:
            view = futures_order_view(o)
            view["canceledQty"] = str(o.canceled_qty)
            items.append(view)
        return {"hasNext": page["hasNext"], "hasPrev": page["hasPrev"], "items": items}

    def h_order_list_open(self, p: P, a: Account, ip: str) -> Any:
        orders = [o for o in self._orders(a, p) if o.state not in TERMINAL]
        return {"items": [futures_order_view(o) for o in reversed(orders)], "page": 1,
                "ps": len(orders), "total": len(orders)}

    def _quant(self, a: Account, p: P) -> bool:
        """Refuse a non-quant account; False when the bonus account is asked
        for (the simulator has none, so its lists are empty)."""
        if not a.quant:
            raise SimError("not_quantification_account")
        return not get_bool(p, "welfareAccount", False)

    def h_quant_history(self, p: P, a: Account, ip: str) -> Any:
        real = self._quant(a, p)
        forced = get_bool(p, "forceClose", False)
        orders = [o for o in self._orders(a, p) if real and o.state in TERMINAL
                  and (forced or not o.force_close)]
        side = get_int(p, "orderSide", 0, 1, 2) if p.get("orderSide") not in (None, "") else 0
        if side:
            orders = [o for o in orders if o.side == (BUY if side == 1 else SELL)]
        codes = {2: "PARTIALLY_CANCELED", 3: "FILLED", 4: "CANCELED", 6: "EXPIRED"}
        wanted = csv_list(p.get("states"))
        if wanted:
            try:
                names = {codes[int(s)] for s in wanted}
            except (KeyError, ValueError):
                raise SimError(IP, "states must be among 2, 3, 4, 6") from None
            orders = [o for o in orders if o.state in names]

        def orig_type(o: Order) -> int:
            base = 1 if o.type == "LIMIT" else 2
            return base + 2 if o.source_type == "PROFIT" else base

        if p.get("orderOrigType") not in (None, ""):
            want = get_int(p, "orderOrigType", 1, 1, 5)
            orders = [o for o in orders if orig_type(o) == want]
        if p.get("origType") not in (None, ""):
            want = get_int(p, "origType", 1, 1, 4)
            orders = [o for o in orders if o.source_type == "PROFIT" and orig_type(o) == want]
        orders = within(orders, p, lambda o: o.time)
        page = self._cursor(orders, p, lambda o: o.id, 2000)
        page["items"] = [futures_order_view(o) for o in page["items"]]
        return page

    def h_quant_trades(self, p: P, a: Account, ip: str) -> Any:
        fills = self._fills(a, p) if self._quant(a, p) else []
        page = self._cursor(fills, p, lambda t: t["tradeId"], 2000)
        page["items"] = [{**self._fill_view(t), "quoteQty": t["quoteQty"]}
                         for t in page["items"]]
        return page

    def h_filled_orders(self, p: P, a: Account, ip: str) -> Any:
        if not p.get("symbol"):
            raise SimError("invalid_symbol", "symbol is required")
        limit = get_int(p, "limit", 10, 1, 500, "invalid_limit")
        orders = [o for o in self._orders(a, p) if o.executed]
        orders = within(orders, p, lambda o: o.updated)
        orders.sort(key=lambda o: (o.updated, o.id))
        return [{"orderId": str(o.id), "symbol": o.symbol, "orderSide": o.side,
                 "positionSide": o.position_side, "avgPrice": avg_price(o),
                 "origQty": str(o.orig_qty), "executedQty": str(o.executed),
                 "updatedTime": o.updated} for o in reversed(orders[-limit:])]

    def h_trade_list_all(self, p: P, a: Account, ip: str) -> Any:
        return [self._fill_view(t, full=True) for t in reversed(self._fills(a, p))]

    def h_order_entrust_list(self, p: P, a: Account, ip: str) -> Any:
        kind = _upper(p, "type", ("ORDER", "ENTRUST")) or "ORDER"
        state = _upper(p, "state", ("NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED",
                                    "REJECTED", "PLACED", "UNFINISHED", "HISTORY"),
                       "invalid_state")
        forced = get_bool(p, "forceClose", False)
        if kind == "ORDER":
            rows: list[Any] = [o for o in self._orders(a, p) if forced or not o.force_close]
            rows = [o for o in rows if state != "PLACED" and _state_pred(state, None)(o)]
            rows = within(rows, p, lambda o: o.time)
            page = by_page(rows, p)
            page["items"] = [self._entrust_view(o) for o in page["items"]]
        else:
            sym = self._symbol(p)
            rows = [t for t in self.engine.triggers.of(a, "plan", sym)]
            mapping = {"NEW": ("NOT_TRIGGERED",), "PLACED": ("TRIGGERED",),
                       "CANCELED": ("USER_REVOCATION", "PLATFORM_REVOCATION"),
                       "UNFINISHED": ACTIVE, "HISTORY": ("TRIGGERED", "USER_REVOCATION",
                                                         "PLATFORM_REVOCATION", "EXPIRED")}
            if state is not None:
                allowed = mapping.get(state, ())
                rows = [t for t in rows if t.state in allowed]
            rows = within(rows, p, lambda t: t.created)
            page = by_page(rows, p)
            page["items"] = [self._plan_entrust_view(t) for t in page["items"]]
        del page["hasNext"], page["hasPrev"]
        return page

    @staticmethod
    def _entrust_view(o: Order) -> dict[str, Any]:
        v = futures_order_view(o)
        return {"id": v["orderId"], "type": "ORDER", **{k: v[k] for k in (
            "symbol", "orderType", "orderSide", "positionSide", "timeInForce", "closePosition",
            "price", "origQty", "avgPrice", "executedQty", "marginFrozen", "leverage", "state",
            "createdTime", "updatedTime", "positionType", "clientOrderId")}}

    def _plan_entrust_view(self, t: Trigger) -> dict[str, Any]:
        v = self.engine.triggers.view(t)
        return {"id": v["entrustId"], "type": "ENTRUST", "symbol": t.symbol,
                "orderType": "MARKET" if t.entrust_type.endswith("MARKET") else "LIMIT",
                "orderSide": t.side, "positionSide": t.position_side, "timeInForce": t.tif,
                "closePosition": v["closePosition"], "price": v["price"],
                "origQty": str(t.qty), "avgPrice": v["avgPrice"],
                "executedQty": v["executedQty"], "marginFrozen": "0",
                "leverage": t.account.leverage.get((t.symbol, t.position_side),
                                                   DEFAULT_LEVERAGE),
                "state": t.state, "createdTime": t.created, "updatedTime": t.updated,
                "positionType": t.position_type, "stopPrice": v["stopPrice"],
                "entrustType": t.entrust_type, "triggerPriceType": t.price_type}

    # -- triggers -------------------------------------------------------------------
    def _triggers(self, a: Account, kind: str, p: P, *, active: bool | None,
                  state: str | None = None) -> list[Trigger]:
        rows = self.engine.triggers.of(a, kind, self._symbol(p))
        if active is True:
            rows = [t for t in rows if t.state in ACTIVE]
        elif active is False:
            rows = [t for t in rows if t.state not in ACTIVE]
        rows = [t for t in rows if _trigger_pred(state)(t)]
        return within(rows, p, lambda t: t.created)

    def _trigger_page(self, rows: list[Trigger], p: P) -> dict[str, Any]:
        page = by_page(rows, p)
        del page["hasNext"], page["hasPrev"]
        page["items"] = [self.engine.triggers.view(t) for t in page["items"]]
        return page

    def _trigger_history(self, rows: list[Trigger], p: P) -> dict[str, Any]:
        page = self._cursor(rows, p, lambda t: t.id)
        page["items"] = [self.engine.triggers.view(t) for t in page["items"]]
        return page

    def _state(self, p: P, *, required: bool) -> str | None:
        state = _upper(p, "state", (*STATES, "UNFINISHED", "HISTORY"), "invalid_state")
        if state is None and required:
            raise SimError("invalid_state", "state is required")
        return state

    def h_plan_create(self, p: P, a: Account, ip: str) -> Any:
        return str(self.engine.triggers.create_plan(a, self._market(p), p).id)

    def _cancel(self, a: Account, kind: str, tid: Any, code: str) -> None:
        if not self.engine.triggers.cancel(self.engine.triggers.find(a, kind, tid, code)):
            raise SimError(code, f"the {kind} order is no longer active")

    def _cancel_all(self, a: Account, kind: str, p: P, *, symbol_required: bool) -> None:
        scope = {"symbol": self._market(p).spec.symbol} if symbol_required else p
        for t in self._triggers(a, kind, scope, active=True):
            self.engine.triggers.cancel(t)

    def _detail(self, a: Account, kind: str, tid: Any, code: str) -> Any:
        return self.engine.triggers.view(self.engine.triggers.find(a, kind, tid, code))

    def h_plan_cancel(self, p: P, a: Account, ip: str) -> Any:
        self._cancel(a, "plan", p.get("entrustId"), IP)
        return {}

    def h_plan_cancel_all(self, p: P, a: Account, ip: str) -> Any:
        self._cancel_all(a, "plan", p, symbol_required=True)
        return {}

    def h_plan_list(self, p: P, a: Account, ip: str) -> Any:
        return self._trigger_page(self._triggers(a, "plan", p, active=None,
                                                 state=self._state(p, required=True)), p)

    def h_plan_detail(self, p: P, a: Account, ip: str) -> Any:
        return self._detail(a, "plan", p.get("entrustId"), "invalid_entrust_Id")

    def h_plan_history(self, p: P, a: Account, ip: str) -> Any:
        return self._trigger_history(self._triggers(a, "plan", p, active=False), p)

    def h_profit_create(self, p: P, a: Account, ip: str) -> Any:
        return str(self.engine.triggers.create_profit(a, self._market(p), p).id)

    def h_profit_cancel(self, p: P, a: Account, ip: str) -> Any:
        self._cancel(a, "profit", p.get("profitId"), "invalid_entrust")
        return True

    def h_profit_cancel_all(self, p: P, a: Account, ip: str) -> Any:
        self._cancel_all(a, "profit", p, symbol_required=True)
        return True

    def h_profit_list(self, p: P, a: Account, ip: str) -> Any:
        return self._trigger_page(self._triggers(a, "profit", p, active=None,
                                                 state=self._state(p, required=True)), p)

    def h_profit_detail(self, p: P, a: Account, ip: str) -> Any:
        return self._detail(a, "profit", p.get("profitId"), "invalid_profit_id")

    def h_profit_update(self, p: P, a: Account, ip: str) -> Any:
        t = self.engine.triggers.find(a, "profit", p.get("profitId"), "invalid_entrust")
        self.engine.triggers.update_profit(t, p)
        return {}

    def h_profit_history(self, p: P, a: Account, ip: str) -> Any:
        return self._trigger_history(self._triggers(a, "profit", p, active=False), p)

    def h_track_create(self, p: P, a: Account, ip: str) -> Any:
        return str(self.engine.triggers.create_track(a, self._market(p), p).id)

    def h_track_cancel(self, p: P, a: Account, ip: str) -> Any:
        self._cancel(a, "track", p.get("trackId"), "invalid_track_entrust")
        return {}

    def h_track_detail(self, p: P, a: Account, ip: str) -> Any:
        return self._detail(a, "track", p.get("trackId"), "invalid_track_Id")

    def h_track_list(self, p: P, a: Account, ip: str) -> Any:
        return self._trigger_page(self._triggers(a, "track", p, active=True), p)

    def h_track_cancel_all(self, p: P, a: Account, ip: str) -> Any:
        self._cancel_all(a, "track", p, symbol_required=False)
        return {}

    def h_track_history(self, p: P, a: Account, ip: str) -> Any:
        return self._trigger_history(self._triggers(a, "track", p, active=False), p)

    def _reverse_rows(self, a: Account, p: P, *, active: bool | None) -> list[Trigger]:
        rows = self._triggers(a, "reverse", p, active=active)
        ptype = _upper(p, "positionType", ("CROSSED", "ISOLATED"), "invalid_position_type")
        pside = _upper(p, "positionSide", ("LONG", "SHORT"), "invalid_position_side")
        ctype = _upper(p, "closeType", ("FIXED", "ALL"), "invalid_profit_close_type")
        state = _upper(p, "state", STATES, "invalid_state")
        return [t for t in rows if (ptype is None or t.position_type == ptype)
                and (pside is None or t.position_side == pside)
                and (ctype is None or t.close_type == ctype)
                and (state is None or t.state == state)]

    def h_reverse_list(self, p: P, a: Account, ip: str) -> Any:
        page = by_page(self._reverse_rows(a, p, active=None), p)
        return {"hasNext": page["hasNext"], "hasPrev": page["hasPrev"],
                "items": [self.engine.triggers.view(t) for t in page["items"]]}

    def h_reverse_history(self, p: P, a: Account, ip: str) -> Any:
        # "This API can only query data within the last 5 minutes."
        since = self.sim.clock_ms() - 300_000
        rows = [t for t in self._reverse_rows(a, p, active=False) if t.updated >= since]
        page = by_page(rows, p)
        return {"hasNext": page["hasNext"], "hasPrev": page["hasPrev"],
                "items": [self.engine.triggers.view(t) for t in page["items"]]}

    # -- positions --------------------------------------------------------------------
    def _positions(self, a: Account, p: P) -> list[tuple[Market, str, Any]]:
        sym = self._symbol(p)
        out = []
        for (s, side), pos in sorted(a.positions.items()):
            if pos.size and (sym is None or s == sym):
                out.append((self.sim.touch(self.sim.markets["futures"][s]), side, pos))
        return out

    def h_positions_active(self, p: P, a: Account, ip: str) -> Any:
        if get_bool(p, "isDelivery", False):
            return []  # the simulator lists perpetual contracts only
        out = []
        for m, side, pos in self._positions(a, p):
            v = position_view(m, side, pos, a)
            key = (m.spec.symbol, side)
            open_size = sum(o.remaining for o in self.engine.positions.open_orders(
                a, m.spec.symbol, side) if not is_close(o))
            v.update(openOrderSize=str(open_size), autoMargin=a.auto_margin.get(key, False),
                     contractSize=m.spec.contract_size, markPrice=m.price_str(m.mark_price()),
                     updatedTime=str(pos.updated), welfareExpirationTime=None,
                     mmrProfitId=None, mmrThreshold=None)
            out.append(v)
        return out

    def h_leverage_list(self, p: P, a: Account, ip: str) -> Any:
        m = self._market(p)
        items = [{"symbol": m.spec.symbol, "accountId": str(a.account_id),
                  "positionType": a.position_type.get((m.spec.symbol, side), "ISOLATED"),
                  "positionSide": side, "contractType": "PERPETUAL",
                  "leverage": a.leverage.get((m.spec.symbol, side), DEFAULT_LEVERAGE)}
                 for side in ("LONG", "SHORT")]
        return {"hasNext": False, "hasPrev": False, "items": items}

    def h_position_history(self, p: P, a: Account, ip: str) -> Any:
        sym = self._symbol(p)
        rows = [r for r in a.position_history if sym is None or r["symbol"] == sym]
        if p.get("positionType") not in (None, ""):
            ptype = get_int(p, "positionType", 2, 1, 2)
            rows = [r for r in rows if r["positionType"] == ptype]
        if p.get("isFullClose") not in (None, ""):
            full = get_int(p, "isFullClose", 1, 0, 1)
            rows = [r for r in rows if r["isFullClose"] == full]
        rows = within(rows, p, lambda r: r["closeTime"])
        page = self._cursor(rows, p, lambda r: int(r["id"]), 100)
        page["items"] = [{k: v for k, v in r.items() if k != "isFullClose"}
                         for r in page["items"]]
        return page

    def h_cross_margin(self, p: P, a: Account, ip: str) -> Any:
        m = self._market(p)
        return dec_str(sum((pos.margin for (s, side), pos in a.positions.items()
                            if s == m.spec.symbol and a.position_type.get((s, side))
                            == "CROSSED"), Decimal(0)))

    # -- user ------------------------------------------------------------------------------
    def h_account_info(self, p: P, a: Account, ip: str) -> Any:
        return {"accountId": a.account_id, "userId": a.user_id,
                "allowOpenPosition": a.futures_open, "allowTrade": a.futures_open,
                "allowTransfer": True, "openTime": str(a.opened_time) if a.futures_open
                else None, "state": 0}

    def _balance(self, a: Account, coin: str, *, compat: bool) -> dict[str, Any]:
        engine = self.engine
        iso = engine.position_margin(a, coin)
        view = futures_balance_view(a, coin, iso)
        wallet = a.futures_wallet.get(coin, Decimal(0))
        avail = engine.free_margin(a, coin)
        upnl = Decimal(0)
        for (s, side), pos in a.positions.items():
            m = self.sim.markets["futures"].get(s)
            if pos.size and pos.coin == coin and m is not None:
                upnl += unrealized(m.spec, pos, side, m.price_dec(m.mark_price()))
        view["availableBalance"] = dec_str(avail)
        view.update(bonus="0", coupon="0")
        if compat:
            view.update({"accountId": a.account_id, "userId": a.user_id,
                         "amount": dec_str(wallet), "totalAmount": dec_str(wallet + upnl),
                         "convertBtcAmount": "0", "convertUsdtAmount": "0",
                         "profit": dec_str(sum((pos.realized for pos in a.positions.values()
                                                if pos.coin == coin), Decimal(0))),
                         "notProfit": dec_str(upnl), "depositCoupon": "0",
                         "marginBalance": dec_str(wallet + upnl), "openOrderFeeFrozen": "0"})
        return view

    def h_compat_balances(self, p: P, a: Account, ip: str) -> Any:
        target = a
        if p.get("queryAccountId") not in (None, ""):
            aid = get_int(p, "queryAccountId", 0, 0, 2**63 - 1)
            other = self.engine.by_id.get(aid)
            if other is None or other.user_id != a.user_id:
                raise SimError(IP, "queryAccountId is not an account of this user")
            target = other
        return [self._balance(target, coin, compat=True) for coin in self._coins(target)]

    def h_compat_balance(self, p: P, a: Account, ip: str) -> Any:
        coin = str(p.get("coin") or "").lower()
        if coin not in self._coins(a):
            raise SimError(IP, f"no {coin} futures wallet")
        return self._balance(a, coin, compat=True)

    def h_listen_key(self, p: P, a: Account, ip: str) -> Any:
        return self.sim.issue_token(a, "futures", 8 * 3600.0).value

    def h_account_open(self, p: P, a: Account, ip: str) -> Any:
        if not a.futures_open:
            a.futures_open = True
            a.opened_time = self.sim.clock_ms()
        return True

    def h_balance_detail(self, p: P, a: Account, ip: str) -> Any:
        coin = str(p.get("coin") or "").lower()
        if not coin:
            raise SimError(IP, "coin is required")
        if coin not in self._coins(a):
            raise SimError(IP, f"no {coin} futures wallet")
        return self._balance(a, coin, compat=False)

    def h_balance_list(self, p: P, a: Account, ip: str) -> Any:
        return [self._balance(a, coin, compat=False) for coin in self._coins(a)]

    def _records(self, rows: list[dict[str, Any]], p: P, when: str = "createdTime"
                 ) -> dict[str, Any]:
        sym = self._symbol(p)
        rows = [r for r in rows if sym is None or r.get("symbol") == sym]
        rows = within(rows, p, lambda r: r[when])
        return self._cursor(rows, p, lambda r: int(r["id"]), 100)

    def h_bills(self, p: P, a: Account, ip: str) -> Any:
        return self._records(a.bills, p)

    def h_funding_fees(self, p: P, a: Account, ip: str) -> Any:
        return self._records(a.funding_fees, p)

    def h_position_info(self, p: P, a: Account, ip: str) -> Any:
        out = []
        for m, side, pos in self._positions(a, p):
            v = position_view(m, side, pos, a)
            mark = m.price_dec(m.mark_price())
            t = self.engine.triggers.active_profit(a, m.spec.symbol, side)
            key = (m.spec.symbol, side)
            open_size = sum(o.remaining for o in self.engine.positions.open_orders(
                a, m.spec.symbol, side) if not is_close(o))
            v.update(autoMargin=a.auto_margin.get(key, False),
                     breakPrice=dec_str(break_price(m.spec, pos, side)),
                     calMarkPrice=dec_str(mark),
                     floatingPL=dec_str(unrealized(m.spec, pos, side, mark)),
                     openOrderSize=str(open_size),
                     profitId=str(t.id) if t else None,
                     triggerPriceType=t.price_type if t else None,
                     triggerProfitPrice=m.price_str(t.tp) if t and t.tp else None,
                     triggerStopPrice=m.price_str(t.sl) if t and t.sl else None,
                     welfareAccount=False)
            out.append(v)
        return out

    def h_position_list(self, p: P, a: Account, ip: str) -> Any:
        keep = ("autoMargin", "availableCloseSize", "closeOrderSize", "entryPrice",
                "isolatedMargin", "leverage", "openOrderMarginFrozen", "positionSide",
                "positionSize", "positionType", "realizedProfit", "symbol", "contractType",
                "underlyingType")
        out = []
        for m, side, pos in self._positions(a, p):
            v = position_view(m, side, pos, a)
            v["autoMargin"] = a.auto_margin.get((m.spec.symbol, side), False)
            out.append({k: v[k] for k in keep})
        return out

    def h_step_rate(self, p: P, a: Account, ip: str) -> Any:
        spec = next(iter(self.sim.markets["futures"].values())).spec
        vol = a.traded_value
        coin_based = spec.inverse
        return {"specialType": False, "vipProType": False, "stepRateProName": None,
                "discountLevel": 0, "makerFee": spec.maker_fee_rate,
                "takerFee": spec.taker_fee_rate, "levelReturnDay": 0,
                "totalTradeVolume": dec_str(vol),
                "uBasedTotalTradeVolume": dec_str(Decimal(0) if coin_based else vol),
                "coinBasedTotalTradeVolume": dec_str(vol if coin_based else Decimal(0)),
                "walletBalance": dec_str(a.futures_wallet.get("usdt", Decimal(0))),
                "notProfit": "0", "nextLvTradeVolume": None, "lackTradeVolume": None,
                "nextLvWalletBalance": None, "lackWalletBalance": None,
                "nextLvMakerFee": None, "nextLvTakerFee": None}

    def h_adjust_leverage(self, p: P, a: Account, ip: str) -> Any:
        m = self._market(p)
        if p.get("leverage") in (None, ""):
            raise SimError(IP, "leverage is required")
        lev = get_int(p, "leverage", DEFAULT_LEVERAGE, -10**6, 10**6)
        self.engine.positions.adjust_leverage(a, m, self._pside(p), lev)
        return {}

    def h_adjust_margin(self, p: P, a: Account, ip: str) -> Any:
        m = self._market(p)
        kind = _upper(p, "type", ("ADD", "SUB"))
        if kind is None:
            raise SimError(IP, "type (ADD or SUB) is required")
        try:
            amount = parse_decimal(p.get("margin"), "margin")
        except BadNumber as exc:
            raise SimError(IP, str(exc)) from None
        self.engine.positions.adjust_margin(a, m, self._pside(p), amount, kind)
        return {}

    def h_auto_margin(self, p: P, a: Account, ip: str) -> Any:
        m = self._market(p)
        if p.get("autoMargin") in (None, ""):
            raise SimError(IP, "autoMargin is required")
        a.auto_margin[(m.spec.symbol, self._pside(p))] = get_bool(p, "autoMargin", False)
        return {}

    def h_close_all(self, p: P, a: Account, ip: str) -> Any:
        self.engine.positions.close_all(a)
        return True

    def h_adl(self, p: P, a: Account, ip: str) -> Any:
        sym = self._symbol(p)
        desk = self.engine.positions
        out = []
        symbols = sorted({s for (s, _side), pos in a.positions.items() if pos.size
                          and (sym is None or s == sym)})
        for s in symbols:
            m = self.sim.touch(self.sim.markets["futures"][s])
            out.append({"symbol": s, "longQuantile": desk.adl_quantile(a, m, "LONG"),
                        "shortQuantile": desk.adl_quantile(a, m, "SHORT")})
        return out

    def h_favorite_add(self, p: P, a: Account, ip: str) -> Any:
        sym = self._market(p).spec.symbol
        if sym not in a.favorites:
            a.favorites.append(sym)
        return True

    def h_favorite_cancel(self, p: P, a: Account, ip: str) -> Any:
        sym = self._market(p).spec.symbol
        if sym in a.favorites:
            a.favorites.remove(sym)
        return True

    def h_favorite_list(self, p: P, a: Account, ip: str) -> Any:
        return list(a.favorites)

    def h_change_type(self, p: P, a: Account, ip: str) -> Any:
        m = self._market(p)
        ptype = _upper(p, "positionType", ("CROSSED", "ISOLATED"), "invalid_position_type")
        if ptype is None:
            raise SimError(IP, "positionType is required")
        self.engine.positions.change_type(a, m, self._pside(p), ptype)
        return {}

    def h_break_list(self, p: P, a: Account, ip: str) -> Any:
        out = []
        for m, side, pos in self._positions(a, p):
            extra = Decimal(0)
            if a.position_type.get((m.spec.symbol, side)) == "CROSSED":
                extra = max(Decimal(0), self.engine.free_margin(a, m.spec.margin_coin))
            out.append({"breakPrice": dec_str(break_price(m.spec, pos, side, extra)),
                        "calMarkPrice": m.price_str(m.mark_price()),
                        "contractType": "PERPETUAL", "entryPrice": dec_str(pos.entry),
                        "isolatedMargin": dec_str(pos.margin),
                        "leverage": a.leverage.get((m.spec.symbol, side), DEFAULT_LEVERAGE),
                        "positionSide": side, "positionSize": str(pos.size),
                        "positionType": a.position_type.get((m.spec.symbol, side),
                                                            "ISOLATED"),
                        "symbol": m.spec.symbol,
                        "maintMarginRate": bracket_for(m.spec, value_at(
                            m.spec, pos.entry, pos.size))[1]})
        return out

    def h_adl_history(self, p: P, a: Account, ip: str) -> Any:
        return self._records(a.adl_history, p)

    def h_takeover_list(self, p: P, a: Account, ip: str) -> Any:
        sym = self._symbol(p)
        rows = [r for r in a.takeovers if sym is None or r["symbol"] == sym]
        rows = within(rows, p, lambda r: r["createdTime"])
        return self._cursor(rows, p, lambda r: r["requestId"], 100)
