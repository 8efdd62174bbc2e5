"""Spot REST routes (``/v4/...``): every endpoint of spot-en.txt.

The spot spec often does not name the HTTP method; it is inferred from the
operation's name (English and Chinese): get/query -> GET, submit -> POST,
update -> PUT, cancel -> DELETE; ws-token is POST per the spec's curl
example; withdraw and the transfers are POST (they change state; withdraw's
body is JSON per its note). (method, path) -> (handler, private, limits).
Mirrored in docs/simulator.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets as _secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson

from .accounts import Account
from .codes import SimError
from .limits import Limit
from .market import BUY, SELL, Market
from .matching import TERMINAL, Order, _units, spot_order_view
from .params import by_cursor, csv_list, get_bool, get_int, opt_int, time_bounds, upper_enum, within
from .views import INTERVAL_MS, book_ticker, depth_levels, klines, spot_symbol_info, ticker_24h

if TYPE_CHECKING:
    from .server import Simulator

IP10 = (Limit(10, 1.0, "ip"),)


def _key(n: int, period: float = 1.0) -> tuple[Limit, ...]:
    return (Limit(n, period, "apikey"),)


SPOT_ROUTES: dict[tuple[str, str], tuple[str, bool, tuple[Limit, ...]]] = {
    ("GET", "/v4/public/time"): ("time", False, ()),
    ("GET", "/v4/public/client"): ("client", False, ()),
    ("GET", "/v4/public/symbol"): ("symbol", False, IP10),
    ("GET", "/v4/public/depth"): ("depth", False, IP10),
    ("GET", "/v4/public/kline"): ("kline", False, IP10),
    ("GET", "/v4/public/trade/recent"): ("trade_recent", False, IP10),
    ("GET", "/v4/public/trade/history"): ("trade_history", False, IP10),
    ("GET", "/v4/public/ticker"): ("ticker_full", False, IP10),
    ("GET", "/v4/public/ticker/price"): ("ticker_price", False, IP10),
    ("GET", "/v4/public/ticker/book"): ("ticker_book", False, IP10),
    ("GET", "/v4/public/ticker/24h"): ("ticker_24h", False, IP10),
    ("GET", "/v4/public/currencies"): ("currencies", False, ()),
    ("GET", "/v4/public/wallet/support/currency"): ("wallet_currencies", False, ()),
    ("GET", "/v4/order/{orderId}"): ("order_get", True, _key(10)),
    ("GET", "/v4/order"): ("order_query", True, _key(50)),
    ("POST", "/v4/order"): ("order_submit", True, _key(20)),
    ("DELETE", "/v4/order/{orderId}"): ("order_cancel", True, ()),
    ("PUT", "/v4/order/{orderId}"): ("order_update", True, _key(50)),
    ("GET", "/v4/batch-order"): ("batch_get", True, ()),
    ("POST", "/v4/batch-order"): ("batch_submit", True, _key(30)),
    ("DELETE", "/v4/batch-order"): ("batch_cancel", True, ()),
    ("GET", "/v4/open-order"): ("open_orders", True, _key(10)),
    ("DELETE", "/v4/open-order"): ("open_orders_cancel", True, _key(10)),
    ("GET", "/v4/history-order"): ("history_orders", True, _key(10)),
    ("GET", "/v4/trade"): ("trades", True, ()),
    ("GET", "/v4/balance"): ("balance", True, ()),
    ("GET", "/v4/balances"): ("balances", True, _key(10)),
    ("GET", "/v4/deposit/address"): ("deposit_address", True, ()),
    ("GET", "/v4/deposit/history"): ("deposit_history", True, ()),
    ("POST", "/v4/withdraw"): ("withdraw", True, ()),
    ("GET", "/v4/withdraw/history"): ("withdraw_history", True, ()),
    ("POST", "/v4/balance/transfer"): ("transfer", True, ()),
    ("POST", "/v4/balance/account/transfer"): ("sub_transfer", True, ()),
    ("POST", "/v4/ws-token"): ("ws_token", True, _key(1, 10.0)),
}

P = dict[str, Any]
F = "FAILURE"


def _upper(p: P, name: str, allowed: tuple[str, ...], code: str = F) -> str | None:
    return upper_enum(p, name, allowed, code)


class SpotRoutes:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.engine = sim.engine

    # -- helpers ---------------------------------------------------------------
    def _market(self, p: P) -> Market:
        m = self.sim.spot_market(p.get("symbol"))
        assert m is not None
        return m

    def _markets(self, p: P) -> list[Market]:
        tags = p.get("tags")
        if tags not in (None, "") and "spot" not in [t.lower() for t in csv_list(tags)]:
            return []  # "currently only supports spot"
        names = csv_list(p.get("symbols"))
        if names:
            out = []
            for n in names:
                m = self.sim.spot_market(n)
                assert m is not None
                out.append(m)
            return out
        if p.get("symbol"):
            return [self._market(p)]
        return [self.sim.touch(m) for m in self.sim.markets["spot"].values()]

    def _order(self, acct: Account, oid: Any) -> Order:
        try:
            order = acct.orders.get(int(str(oid)))
        except ValueError:
            order = None
        if order is None or order.product != "spot":
            raise SimError("ORDER_005")
        assert isinstance(order, Order)
        return order

    def currencies(self) -> list[str]:
        return self.sim.ledger.currencies

    # -- public ----------------------------------------------------------------
    def h_time(self, p: P, a: Any, ip: str) -> Any:
        return {"serverTime": self.sim.auth_clock_ms()}

    def h_client(self, p: P, a: Any, ip: str) -> Any:
        return {"ip": ip}

    def h_symbol(self, p: P, a: Any, ip: str) -> Any:
        symbols = [spot_symbol_info(m) for m in self._markets(p)]
        version = hashlib.md5(orjson.dumps(symbols)).hexdigest()
        return {"time": self.sim.clock_ms(), "version": version,
                "symbols": None if p.get("version") == version else symbols}

    def h_depth(self, p: P, a: Any, ip: str) -> Any:
        m = self._market(p)
        limit = get_int(p, "limit", 100, 1, 500, F)
        return {"timestamp": self.sim.clock_ms(), "lastUpdateId": m.book.update_id,
                "bids": depth_levels(m, BUY, limit), "asks": depth_levels(m, SELL, limit)}

    def h_kline(self, p: P, a: Any, ip: str) -> Any:
        m = self._market(p)
        interval = p.get("interval")
        if interval not in INTERVAL_MS:
            raise SimError(F, "interval must be one of " + ", ".join(INTERVAL_MS))
        limit = get_int(p, "limit", 100, 1, 1000, F)
        start, end = time_bounds(p, F)
        return [{"t": k["t"], "o": k["o"], "c": k["c"], "h": k["h"], "l": k["l"],
                 "q": k["q"], "v": k["v"]} for k in klines(m, interval, start, end, limit)]

    @staticmethod
    def _trade_view(m: Market, t: Any) -> dict[str, Any]:
        return {"i": t.id, "t": t.time, "p": m.price_str(t.price), "q": m.qty_str(t.qty),
                "v": m.quote_str(t.price * t.qty), "b": t.buyer_maker}

    def h_trade_recent(self, p: P, a: Any, ip: str) -> Any:
        m = self._market(p)
        limit = get_int(p, "limit", 200, 1, 1000, F)
        return [self._trade_view(m, t) for t in reversed(list(m.trades)[-limit:])]

    def h_trade_history(self, p: P, a: Any, ip: str) -> Any:
        m = self._market(p)
        limit = get_int(p, "limit", 200, 1, 1000, F)
        if str(p.get("direction") or "").upper() not in ("PREV", "NEXT"):
            raise SimError(F, "direction must be PREV or NEXT")
        page = by_cursor(list(m.trades), p, lambda t: t.id, limit, code=F)
        return [self._trade_view(m, t) for t in page["items"]]

    def h_ticker_full(self, p: P, a: Any, ip: str) -> Any:
        now = self.sim.clock_ms()
        out = []
        for m in self._markets(p):
            t = ticker_24h(m, now)
            t.update(book_ticker(m))
            out.append(t)
        return out

    def h_ticker_price(self, p: P, a: Any, ip: str) -> Any:
        return [{"s": m.spec.symbol, "t": m.last_trade_time or self.sim.clock_ms(),
                 "p": m.price_str(m.last)} for m in self._markets(p)]

    def h_ticker_book(self, p: P, a: Any, ip: str) -> Any:
        return [{"s": m.spec.symbol, "t": self.sim.clock_ms(), **book_ticker(m)}
                for m in self._markets(p)]

    def h_ticker_24h(self, p: P, a: Any, ip: str) -> Any:
        now = self.sim.clock_ms()
        return [ticker_24h(m, now) for m in self._markets(p)]

    def h_currencies(self, p: P, a: Any, ip: str) -> Any:
        from .ledger import precision_of

        return [{"id": i + 1, "currency": c, "fullName": c, "logo": None, "cmcLink": None,
                 "weight": 100 - i, "maxPrecision": precision_of(c), "depositStatus": 1,
                 "withdrawStatus": 1, "convertEnabled": 1, "transferEnabled": 1}
                for i, c in enumerate(self.currencies())]

    def h_wallet_currencies(self, p: P, a: Any, ip: str) -> Any:
        return self.sim.ledger.wallet_currencies()

    # -- orders --------------------------------------------------------------------
    def h_order_get(self, p: P, a: Account, ip: str) -> Any:
        return spot_order_view(self._order(a, p.get("orderId")))

    def h_order_query(self, p: P, a: Account, ip: str) -> Any:
        if p.get("orderId"):
            return spot_order_view(self._order(a, p["orderId"]))
        cid = p.get("clientOrderId")
        if cid:
            for o in reversed(list(a.orders.values())):
                if o.client_id == cid and o.product == "spot":
                    return spot_order_view(o)
            raise SimError("ORDER_005")
        raise SimError(F, "orderId or clientOrderId is required")

    def h_order_submit(self, p: P, a: Account, ip: str) -> Any:
        order = self.engine.place_spot(a, self._market(p), p, ip)
        return {"orderId": str(order.id), "ip": ip}

    def h_order_cancel(self, p: P, a: Account, ip: str) -> Any:
        order = self._order(a, p.get("orderId"))
        if not self.engine.cancel(order):
            raise SimError("ORDER_005", "order already finished")
        return {"cancelId": str(order.id)}

    def h_order_update(self, p: P, a: Account, ip: str) -> Any:
        order = self._order(a, p.get("orderId"))
        if order.state in TERMINAL or order.type != "LIMIT":
            raise SimError("ORDER_005", "only open LIMIT orders can be updated")
        # Cancel-and-replace under the same order id: the order loses its
        # queue position and may take liquidity at the new price.
        engine = self.engine
        market = order.market
        spec = market.spec
        price = _units(p.get("price"), spec.price_precision, "price")
        qty = _units(p.get("quantity"), spec.quantity_precision, "quantity")
        if qty <= order.executed:
            raise SimError("ORDER_001", "quantity must exceed the executed quantity")
        engine.check_spot_filters(market, order.side, "LIMIT", price, qty, None)
        remaining = qty - order.executed
        if order.side == BUY:
            need = Decimal(price * remaining).scaleb(-(spec.price_precision
                                                       + spec.quantity_precision))
            ccy = spec.quote
        else:
            need = Decimal(remaining).scaleb(-spec.quantity_precision)
            ccy = spec.base
        bal = engine.spot_wallet(order, ccy)
        if bal[0] + order.frozen < need:
            raise SimError("ORDER_002")
        if order.price is not None:
            market.book.remove_order(order.side, order.price, order)
        bal[0] += order.frozen - need
        bal[1] += need - order.frozen
        order.frozen = need
        order.price, order.orig_qty, order.remaining = price, qty, remaining
        order.updated = self.sim.clock_ms()
        engine._emit_order(order)
        engine._emit_balance(a, ccy, market, order.biz)
        engine._execute(order)
        return {"orderId": str(order.id), "modifyId": str(next(engine.aux_ids))}

    def h_batch_get(self, p: P, a: Account, ip: str) -> Any:
        ids = csv_list(p.get("orderIds"))
        if not ids:
            raise SimError(F, "orderIds is required")
        out = []
        for oid in ids[:100]:
            with contextlib.suppress(SimError):
                out.append(spot_order_view(self._order(a, oid)))
        return out

    def h_batch_submit(self, p: P, a: Account, ip: str) -> Any:
        items = p.get("items")
        if not isinstance(items, list) or not items:
            raise SimError(F, "items is required")
        if len(items) > 100:
            raise SimError(F, "at most 100 items")
        batch = p.get("clientBatchId")
        if batch not in (None, ""):
            from .matching import _client_id

            _client_id(batch, F)
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise SimError(F, f"items[{i}] must be an object")
            entry: dict[str, Any] = {"index": str(i), "clientOrderId": item.get("clientOrderId")}
            try:
                order = self.engine.place_spot(a, self._market(item), item, ip)
                entry.update(orderId=str(order.id), reject="false", reason=None)
            except SimError as exc:
                entry.update(orderId=None, reject="true", reason=exc.code)
            out.append(entry)
        return {"batchId": str(batch or next(self.engine.aux_ids)), "items": out}

    def h_batch_cancel(self, p: P, a: Account, ip: str) -> Any:
        ids = csv_list(p.get("orderIds"))
        if not ids:
            raise SimError(F, "orderIds is required")
        for oid in ids[:100]:
            with contextlib.suppress(SimError):
                self.engine.cancel(self._order(a, oid))
        return {}

    def _filter(self, a: Account, p: P, *, open_only: bool, side_key: str = "side",
                type_key: str = "type") -> list[Order]:
        sym = None
        if p.get("symbol"):
            sym = self._market(p).spec.symbol
        biz = _upper(p, "bizType", ("SPOT", "LEVER"))
        side = _upper(p, side_key, (BUY, SELL))
        otype = _upper(p, type_key, ("LIMIT", "MARKET"))
        out = []
        for o in a.orders.values():
            if o.product != "spot" or (o.state in TERMINAL) == open_only:
                continue
            if (sym and o.symbol != sym) or (biz and o.biz != biz) or \
                    (side and o.side != side) or (otype and o.type != otype):
                continue
            out.append(o)
        return out

    def h_open_orders(self, p: P, a: Account, ip: str) -> Any:
        return [spot_order_view(o) for o in self._filter(a, p, open_only=True)]

    def h_open_orders_cancel(self, p: P, a: Account, ip: str) -> Any:
        for o in self._filter(a, {**p, "bizType": p.get("bizType") or "SPOT"}, open_only=True):
            self.engine.cancel(o)
        return {}

    def h_history_orders(self, p: P, a: Account, ip: str) -> Any:
        orders = self._filter(a, p, open_only=False)
        state = _upper(p, "state", ("PARTIALLY_FILLED", "FILLED", "CANCELED", "REJECTED",
                                    "EXPIRED"))
        if state:
            orders = [o for o in orders if o.state == state]
        if get_bool(p, "hiddenCanceled", False, F):
            orders = [o for o in orders if o.state != "CANCELED"]
        orders = within(orders, p, lambda o: o.time, F)
        page = by_cursor(orders, p, lambda o: o.id, get_int(p, "limit", 20, 1, 100, F), code=F)
        page["items"] = [spot_order_view(o) for o in page["items"]]
        return page

    def h_trades(self, p: P, a: Account, ip: str) -> Any:
        sym = self._market(p).spec.symbol if p.get("symbol") else None
        biz = _upper(p, "bizType", ("SPOT", "LEVER"))
        side = _upper(p, "orderSide", (BUY, SELL))
        otype = _upper(p, "orderType", ("LIMIT", "MARKET"))
        oid = opt_int(p, "orderId", F)
        rows = [t for t in self.engine.user_trades
                if t["account"] == a.account_id and t.get("product") != "futures"
                and (sym is None or t["symbol"] == sym) and (biz is None or t["bizType"] == biz)
                and (side is None or t["orderSide"] == side)
                and (otype is None or t["orderType"] == otype)
                and (oid is None or t["orderId"] == oid)]
        rows = within(rows, p, lambda t: t["time"], F)
        page = by_cursor(rows, p, lambda t: t["tradeId"], get_int(p, "limit", 20, 1, 100, F),
                         code=F)
        items = []
        for t in page["items"]:
            item = {k: v for k, v in t.items() if k != "account"}
            item.update(tradeId=str(t["tradeId"]), orderId=str(t["orderId"]),
                        deductType=None, deductFee=None, couponAmount=None,
                        couponCurrency=None)
            items.append(item)
        page["items"] = items
        return page

    # -- assets --------------------------------------------------------------------
    def _asset(self, a: Account, ccy: str) -> dict[str, Any]:
        from .numbers import dec_str

        known = self.currencies()
        avail, frozen = a.bal(ccy) if ccy in a.balances or ccy in known else (0, 0)
        return {"currency": ccy, "currencyId": known.index(ccy) + 1 if ccy in known else 0,
                "frozenAmount": dec_str(Decimal(frozen)),
                "availableAmount": dec_str(Decimal(avail)),
                "totalAmount": dec_str(Decimal(avail) + Decimal(frozen)),
                "convertBtcAmount": "0"}

    def h_balance(self, p: P, a: Account, ip: str) -> Any:
        ccy = str(p.get("currency") or "").lower()
        if not ccy:
            raise SimError("CURRENCY_001", "currency is required")
        if ccy not in self.currencies() and ccy not in a.balances:
            raise SimError("CURRENCY_001", f"unknown currency {ccy!r}")
        return self._asset(a, ccy)

    def h_balances(self, p: P, a: Account, ip: str) -> Any:
        wanted = [c.lower() for c in csv_list(p.get("currencies"))]
        names = wanted or sorted(set(self.currencies()) | set(a.balances))
        return {"totalBtcAmount": "0", "assets": [self._asset(a, c) for c in names[:200]]}

    def h_ws_token(self, p: P, a: Account, ip: str) -> Any:
        tok = self.sim.issue_token(a, "spot", 2 * 86400.0)
        return {"accessToken": tok.value, "refreshToken": _secrets.token_hex(24)}

    # -- wallet ----------------------------------------------------------------------
    def h_deposit_address(self, p: P, a: Account, ip: str) -> Any:
        from .ledger import address_for

        ccy = str(p.get("currency") or "").lower()
        chain = str(p.get("chain") or "")
        if not ccy or not chain:
            raise SimError(F, "currency and chain are required")
        self.sim.ledger.check_chain(ccy, chain, "DEPOSIT_001")
        return {"address": address_for(a, ccy, chain), "memo": ""}

    def _wallet_history(self, rows: list[dict[str, Any]], p: P,
                        statuses: tuple[str, ...]) -> Any:
        ccy = str(p.get("currency") or "").lower()
        chain = p.get("chain")
        status = _upper(p, "status", statuses)
        rows = [r for r in rows if (not ccy or r["currency"] == ccy)
                and (not chain or r["chain"] == chain)
                and (not status or r["status"] == status)]
        rows = within(rows, p, lambda r: r["createdTime"], F)
        page = by_cursor(rows, p, lambda r: r["id"], get_int(p, "limit", 10, 1, 200, F),
                         code=F)
        page["items"] = [{k: v for k, v in r.items() if not k.startswith("_")}
                         for r in page["items"]]
        return page

    def h_deposit_history(self, p: P, a: Account, ip: str) -> Any:
        return self._wallet_history(a.deposits, p, ("SUBMIT", "REVIEW", "AUDITED", "PENDING",
                                                    "SUCCESS", "FAIL", "CANCEL"))

    def h_withdraw(self, p: P, a: Account, ip: str) -> Any:
        return {"id": self.sim.ledger.withdraw(a, p)}

    def h_withdraw_history(self, p: P, a: Account, ip: str) -> Any:
        return self._wallet_history(a.withdrawals, p, ("SUBMIT", "REVIEW", "AUDITED",
                                                      "AUDITED_AGAIN", "PENDING", "SUCCESS",
                                                      "FAIL", "CANCEL"))

    def h_transfer(self, p: P, a: Account, ip: str) -> Any:
        return self.sim.ledger.transfer(a, p)

    def h_sub_transfer(self, p: P, a: Account, ip: str) -> Any:
        return self.sim.ledger.transfer(a, p, sub=True)
