"""The trigger engine: plan (trigger) orders, take-profit/stop-loss, trailing
(track) orders and reverse plans, fired on the documented price source.

Every trigger watches one price of its symbol, named by ``triggerPriceType``:
``LATEST_PRICE`` (the last trade), ``MARK_PRICE`` (the mid of the futures
book) or ``INDEX_PRICE`` (the mid of the spot book of the same pair). The
simulator evaluates the triggers of a symbol whenever its market moves (a
market event, a user's trade) and places the resulting order like any other,
with ``sourceType`` ENTRUST, PROFIT or TRACK and ``sourceId`` the trigger's id.

Decisions where the spec is silent (also in docs/simulator.md):

- Plan orders follow the usual stop semantics: BUY ``STOP``/``STOP_MARKET``
  fire when the price rises to ``stopPrice``, BUY ``TAKE_PROFIT``/
  ``TAKE_PROFIT_MARKET`` when it falls to it; SELL the other way round. A
  plan that would fire at once is refused (``invalid_stop_price``). Limit
  types need ``price`` (``invalid_price``); market types must be IOC or FOK
  (``market_plan_entrust_must_be_ioc_or_fok``).
- TP/SL on a position (``create-profit``): for a LONG the take-profit fires
  when the price reaches ``triggerProfitPrice`` from below, the stop-loss when
  it falls to ``triggerStopPrice``; SHORT the other way. Either price may be
  left out (at least one is needed). The TP must lie beyond the entry price
  and, for MARK/INDEX sources, beyond that price now (the ``*_entry_price``,
  ``*_mark_price``, ``*_index_price`` codes); the quantity must not exceed
  the position's available size (``more_than_available``). When one side
  fires the other is gone (state TRIGGERED, ``triggerPriceSide`` says which).
  The close order is LIMIT at the delegate price or MARKET, for what is left
  of the position up to ``origQty``. A TP/SL whose position closes by other
  means is revoked by the platform; an expired one is EXPIRED.
  ``triggerPriceType`` is not a documented parameter of ``create-profit``;
  it is accepted, default ``LATEST_PRICE`` (the default of order update).
- TP/SL attached to an order (``triggerProfitPrice``/``triggerStopPrice`` on
  order create or update) become one TP/SL on the position when the order
  fills, sized by what filled; a LIMIT order's TP must lie beyond its price
  (``*_order_delegate_price``), a MARKET order's beyond the best price on the
  other side (``*_sell_one_price``/``*_buy_one_price``).
- Trailing orders: after activation (at once without ``activationPrice``;
  else when the price reaches it) a SELL tracks the highest price and fires
  a MARKET order when the price falls back by ``callbackVal`` (FIXED, in
  price) or by that fraction (PROPORTION, 0.001..0.1 = 0.1 %..10 %); a BUY
  tracks the lowest price. A FIXED callback must be at least one tick and at
  most 10 % of the price. Hedge mode only: ``positionSide`` BOTH is refused.
- Reverse plans: no endpoint of the spec creates one, so the simulator
  offers :meth:`Simulator.add_reverse_plan`; when its stop price is reached
  (a LONG's when the price falls to it, a SHORT's when it rises) it closes
  the position (ALL, or a FIXED quantity) with a MARKET order and opens the
  same quantity on the other side.
- An order placed by a trigger that the engine refuses (no position left,
  no margin) ends the trigger with state PLATFORM_REVOCATION and the code in
  ``desc``. Trigger states are not pushed on the order stream (only the
  orders they place are).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .accounts import Account
from .codes import SimError
from .market import BUY, SELL, Market
from .numbers import BadNumber, dec_str, parse_decimal
from .params import opt_int

if TYPE_CHECKING:
    from .matching import Engine, Order

PRICE_TYPES = ("LATEST_PRICE", "MARK_PRICE", "INDEX_PRICE")
ACTIVE = ("NOT_TRIGGERED", "TRIGGERING")
STATES = ("NOT_TRIGGERED", "TRIGGERING", "TRIGGERED", "USER_REVOCATION",
          "PLATFORM_REVOCATION", "EXPIRED")
PLAN_TYPES = ("TAKE_PROFIT", "STOP", "TAKE_PROFIT_MARKET", "STOP_MARKET")
MIN_RATE, MAX_RATE = Decimal("0.001"), Decimal("0.1")


@dataclass(eq=False)
class Trigger:
    kind: str  # plan, profit, track, reverse
    id: int
    account: Account
    market: Market
    side: str  # the order side placed when it fires (profit: the closing side)
    position_side: str
    qty: int
    price_type: str
    created: int
    state: str = "NOT_TRIGGERED"
    updated: int = 0
    client_id: str | None = None
    # plan
    entrust_type: str = ""
    price: int | None = None
    stop: int | None = None
    tif: str = "GTC"
    # profit
    tp: int | None = None
    sl: int | None = None
    expire: int | None = None
    delegate: dict[str, Any] = field(default_factory=dict)
    source_order: int | None = None
    fired_side: str | None = None
    # track
    callback: str = ""
    callback_val: Decimal = Decimal(0)
    activation: int | None = None
    activated: bool = False
    extreme: int | None = None
    position_type: str = "ISOLATED"
    # reverse
    close_type: str = "ALL"
    # results
    orders: list[Order] = field(default_factory=list)
    desc: str = ""

    @property
    def symbol(self) -> str:
        return self.market.spec.symbol


def _price(market: Market, value: object, field_name: str, code: str) -> int:
    from .numbers import PrecisionTooFine, to_units

    try:
        ticks = to_units(value, market.spec.price_precision, field_name)
    except PrecisionTooFine:
        raise SimError(code, f"{field_name} has more than {market.spec.price_precision} "
                       "decimals") from None
    except BadNumber as exc:
        raise SimError(code, str(exc)) from None
    if ticks <= 0:
        raise SimError(code, f"{field_name} must be positive")
    return ticks


def _given(p: dict[str, Any], name: str) -> bool:
    return p.get(name) not in (None, "")


def _price_type(p: dict[str, Any], default: str | None = "LATEST_PRICE") -> str:
    value = str(p.get("triggerPriceType") or default or "").upper()
    if value not in PRICE_TYPES:
        raise SimError("invalid_params", "triggerPriceType must be INDEX_PRICE, MARK_PRICE "
                       "or LATEST_PRICE")
    return value


class TriggerDesk:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.all: dict[int, Trigger] = {}
        self.active: dict[str, dict[int, Trigger]] = {}  # symbol -> id -> trigger

    # -- bookkeeping ---------------------------------------------------------
    def _add(self, t: Trigger) -> Trigger:
        self.all[t.id] = t
        self.active.setdefault(t.symbol, {})[t.id] = t
        return t

    def _end(self, t: Trigger, state: str, desc: str = "") -> None:
        t.state = state
        t.updated = self.engine.clock_ms()
        if desc:
            t.desc = desc
        self.active.get(t.symbol, {}).pop(t.id, None)

    def find(self, acct: Account, kind: str, tid: object, code: str) -> Trigger:
        try:
            t = self.all.get(int(str(tid)))
        except ValueError:
            t = None
        if t is None or t.account is not acct or t.kind != kind:
            raise SimError(code, f"no such {kind} order: {tid}")
        return t

    def of(self, acct: Account, kind: str, symbol: str | None = None) -> list[Trigger]:
        return [t for t in self.all.values() if t.account is acct and t.kind == kind
                and (not symbol or t.symbol == symbol)]

    def cancel(self, t: Trigger) -> bool:
        if t.state not in ACTIVE:
            return False
        self._end(t, "USER_REVOCATION")
        return True

    def symbols(self) -> list[str]:
        return [s for s, ts in self.active.items() if ts]

    # -- plans ---------------------------------------------------------------
    def create_plan(self, acct: Account, market: Market, p: dict[str, Any]) -> Trigger:
        from .matching import _client_id, _enum, contracts

        if not acct.futures_open:
            raise SimError("contract_not_open", "open the futures account first")
        side = _enum(p, "orderSide", (BUY, SELL), code="invalid_params")
        etype = _enum(p, "entrustType", PLAN_TYPES, code="invalid_params")
        pside = _enum(p, "positionSide", ("LONG", "SHORT"), code="invalid_position_side")
        qty = contracts(p.get("origQty"))
        tif = str(p.get("timeInForce") or "").upper()
        if tif not in ("GTC", "IOC", "FOK", "GTX"):
            raise SimError("invalid_time_in_force", "timeInForce must be GTC, IOC, FOK or GTX")
        ptype = _price_type(p, None)
        stop = _price(market, p.get("stopPrice"), "stopPrice", "invalid_stop_price")
        price = None
        if etype.endswith("_MARKET"):
            if tif not in ("IOC", "FOK"):
                raise SimError("market_plan_entrust_must_be_ioc_or_fok",
                               "market plan orders must be IOC or FOK")
        else:
            if not _given(p, "price"):
                raise SimError("invalid_price", "limit plan orders need a price")
            price = _price(market, p.get("price"), "price", "invalid_price")
        now = self.engine.clock_ms()
        t = Trigger("plan", next(self.engine.aux_ids), acct, market, side, pside, qty, ptype,
                    now, updated=now, client_id=_client_id(p.get("clientOrderId"),
                                                           "invalid_params"),
                    entrust_type=etype, price=price, stop=stop, tif=tif,
                    position_type=acct.position_type.get((market.spec.symbol, pside),
                                                         "ISOLATED"))
        if self._plan_due(t, market.price_of(ptype)):
            raise SimError("invalid_stop_price", f"stopPrice would trigger at once: the "
                           f"{ptype} is {market.price_str(market.price_of(ptype))}")
        return self._add(t)

    @staticmethod
    def _plan_due(t: Trigger, price: int) -> bool:
        assert t.stop is not None
        rising = t.entrust_type.startswith("STOP") == (t.side == BUY)
        return price >= t.stop if rising else price <= t.stop

    # -- TP/SL -----------------------------------------------------------------
    def parse_attached(self, market: Market, p: dict[str, Any], side: str, pside: str,
                       otype: str, price: int | None) -> dict[str, Any]:
        """TP/SL given with an order (create or update): validated, as strings."""
        long = pside == "LONG"
        out: dict[str, Any] = {"triggerPriceType": _price_type(p)}
        book = market.book
        for leg, name in (("profit", "triggerProfitPrice"), ("stop", "triggerStopPrice")):
            if not _given(p, name):
                out[name] = None
                continue
            ticks = _price(market, p[name], name, f"invalid_trigger_{leg}_price")
            if otype == "LIMIT":
                assert price is not None
                if leg == "profit" and long and ticks < price:
                    raise SimError("trigger_profit_price_less_than_order_delegate_price")
                if leg == "profit" and not long and ticks > price:
                    raise SimError("trigger_profit_price_more_than_order_delegate_price")
                if leg == "stop" and long and ticks > price:
                    raise SimError("trigger_stop_price_more_than_order_delegate_price")
                if leg == "stop" and not long and ticks < price:
                    raise SimError("trigger_stop_price_less_than_order_delegate_price")
            else:
                ask, bid = book.best(SELL), book.best(BUY)
                if leg == "profit" and long and ask is not None and ticks <= ask:
                    raise SimError("trigger_profit_price_more_than_sell_one_price")
                if leg == "profit" and not long and bid is not None and ticks >= bid:
                    raise SimError("trigger_profit_price_less_than_buy_one_price")
                if leg == "stop" and long and ask is not None and ticks >= ask:
                    raise SimError("trigger_stop_price_more_than_sell_one_price")
                if leg == "stop" and not long and bid is not None and ticks <= bid:
                    raise SimError("trigger_stop_price_less_than_buy_one_price")
            out[name] = market.price_str(ticks)
        out.update(self._delegates(market, p))
        return out

    def _delegates(self, market: Market, p: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for leg in ("profit", "stop"):
            otype = str(p.get(f"{leg}DelegateOrderType") or "MARKET").upper()
            if otype not in ("LIMIT", "MARKET"):
                raise SimError("invalid_order_type", f"{leg}DelegateOrderType must be LIMIT "
                               "or MARKET")
            tif = str(p.get(f"{leg}DelegateTimeInForce") or
                      ("GTC" if otype == "LIMIT" else "IOC")).upper()
            if tif not in ("GTC", "IOC", "FOK", "GTX"):
                raise SimError("invalid_time_in_force", f"{leg}DelegateTimeInForce")
            dprice = None
            if otype == "LIMIT":
                if not _given(p, f"{leg}DelegatePrice"):
                    raise SimError("invalid_price", f"{leg}DelegatePrice is needed for a "
                                   "LIMIT delegate")
                dprice = market.price_str(_price(market, p[f"{leg}DelegatePrice"],
                                                 f"{leg}DelegatePrice", "invalid_price"))
            out[f"{leg}DelegateOrderType"] = otype
            out[f"{leg}DelegateTimeInForce"] = tif
            out[f"{leg}DelegatePrice"] = dprice
        return out

    def attached_filled(self, order: Order, qty: int) -> None:
        assert order.tpsl is not None
        tp = order.tpsl
        pid = tp.get("profitId")
        t = self.all.get(pid) if pid is not None else None
        if t is not None and t.state in ACTIVE:
            t.qty += qty
            t.updated = self.engine.clock_ms()
            return
        market = order.market
        now = self.engine.clock_ms()
        assert order.position_side is not None
        t = Trigger("profit", next(self.engine.aux_ids), order.account, market,
                    SELL if order.position_side == "LONG" else BUY, order.position_side, qty,
                    tp["triggerPriceType"], now, updated=now,
                    tp=_opt_ticks(market, tp.get("triggerProfitPrice")),
                    sl=_opt_ticks(market, tp.get("triggerStopPrice")),
                    delegate={k: v for k, v in tp.items() if "Delegate" in k},
                    source_order=order.id, position_type=order.position_type)
        tp["profitId"] = t.id
        self._add(t)

    def create_profit(self, acct: Account, market: Market, p: dict[str, Any]) -> Trigger:
        from .matching import _enum, contracts

        pside = _enum(p, "positionSide", ("LONG", "SHORT"), code="invalid_position_side")
        qty = contracts(p.get("origQty"))
        ptype = _price_type(p)
        if not (_given(p, "triggerProfitPrice") or _given(p, "triggerStopPrice")):
            raise SimError("invalid_params", "triggerProfitPrice or triggerStopPrice is needed")
        expire = opt_int(p, "expireTime")
        pos = acct.positions.get((market.spec.symbol, pside))
        if pos is None or not pos.size:
            raise SimError("more_than_available", "no open position on this side")
        if qty > pos.size:
            raise SimError("more_than_available", "origQty exceeds the position size")
        tp, sl = self._validate_tpsl(market, pos.entry, pside, ptype, p)
        delegates = self._delegates(market, p)
        now = self.engine.clock_ms()
        t = Trigger("profit", next(self.engine.aux_ids), acct, market,
                    SELL if pside == "LONG" else BUY, pside, qty, ptype, now, updated=now,
                    tp=tp, sl=sl, expire=expire, delegate=delegates,
                    position_type=acct.position_type.get((market.spec.symbol, pside),
                                                         "ISOLATED"))
        return self._add(t)

    def update_profit(self, t: Trigger, p: dict[str, Any]) -> None:
        if t.state not in ACTIVE:
            raise SimError("invalid_entrust", "the TP/SL order is no longer active")
        if not (_given(p, "triggerProfitPrice") or _given(p, "triggerStopPrice")):
            raise SimError("invalid_params", "triggerProfitPrice or triggerStopPrice is needed")
        pos = t.account.positions.get((t.symbol, t.position_side))
        entry = pos.entry if pos is not None else Decimal(0)
        merged = {"triggerProfitPrice": t.market.price_str(t.tp) if t.tp else None,
                  "triggerStopPrice": t.market.price_str(t.sl) if t.sl else None}
        merged.update({k: v for k, v in p.items() if k in merged and _given(p, k)})
        t.tp, t.sl = self._validate_tpsl(t.market, entry, t.position_side, t.price_type,
                                         merged)
        t.updated = self.engine.clock_ms()

    def _validate_tpsl(self, market: Market, entry: Decimal, pside: str, ptype: str,
                       p: dict[str, Any]) -> tuple[int | None, int | None]:
        long = pside == "LONG"
        entry_ticks = int(entry.scaleb(market.spec.price_precision)) if entry else None
        refs = [("entry", entry_ticks)]
        if ptype == "MARK_PRICE":
            refs.append(("mark", market.mark_price()))
        elif ptype == "INDEX_PRICE":
            refs.append(("index", market.index_price()))
        out: list[int | None] = []
        for leg, name in (("profit", "triggerProfitPrice"), ("stop", "triggerStopPrice")):
            if not _given(p, name):
                out.append(None)
                continue
            ticks = _price(market, p[name], name, f"invalid_trigger_{leg}_price")
            for ref_name, ref in refs:
                if ref is None:
                    continue
                # a long's TP above, its SL below; a short's the other way
                above = (leg == "profit") == long
                if above and ticks <= ref:
                    raise SimError(f"trigger_{leg}_price_less_than_{ref_name}_price")
                if not above and ticks >= ref:
                    raise SimError(f"trigger_{leg}_price_more_than_{ref_name}_price")
            out.append(ticks)
        return out[0], out[1]

    def position_closed(self, acct: Account, symbol: str, pside: str) -> None:
        for t in list(self.active.get(symbol, {}).values()):
            if t.account is acct and t.kind == "profit" and t.position_side == pside \
                    and t.state == "NOT_TRIGGERED":
                self._end(t, "PLATFORM_REVOCATION", "position closed")

    def active_profit(self, acct: Account, symbol: str, pside: str) -> Trigger | None:
        for t in self.active.get(symbol, {}).values():
            if t.account is acct and t.kind == "profit" and t.position_side == pside:
                return t
        return None

    # -- tracks ----------------------------------------------------------------
    def create_track(self, acct: Account, market: Market, p: dict[str, Any]) -> Trigger:
        from .matching import _client_id, _enum, contracts

        if not acct.futures_open:
            raise SimError("contract_not_open", "open the futures account first")
        callback = _enum(p, "callback", ("FIXED", "PROPORTION"), code="invalid_params")
        try:
            val = parse_decimal(p.get("callbackVal"), "callbackVal")
        except BadNumber as exc:
            raise SimError("invalid_params", str(exc)) from None
        if val <= 0:
            raise SimError("invalid_params", "callbackVal must be > 0")
        side = _enum(p, "orderSide", (BUY, SELL), code="invalid_params")
        qty = contracts(p.get("origQty"))
        pside = str(p.get("positionSide") or "").upper()
        if pside not in ("LONG", "SHORT"):
            raise SimError("invalid_position_side", "positionSide must be LONG or SHORT "
                           "(the simulator runs in hedge mode)")
        key = (market.spec.symbol, pside)
        ptype = _enum(p, "positionType", ("CROSSED", "ISOLATED"), code="invalid_position_type")
        if ptype != acct.position_type.get(key, "ISOLATED"):
            raise SimError("invalid_position_type", f"this position side is "
                           f"{acct.position_type.get(key, 'ISOLATED')}")
        pr_type = _price_type(p, None)
        now_price = market.price_of(pr_type)
        if callback == "PROPORTION":
            if val < MIN_RATE:
                raise SimError("invalid_below_min_rate_limit", "callbackVal below 0.001")
            if val > MAX_RATE:
                raise SimError("invalid_exceed_max_rate_limit", "callbackVal above 0.1")
        else:
            tick = Decimal(1).scaleb(-market.spec.price_precision)
            if val < tick or val != val.quantize(tick):
                raise SimError("invalid_exceed_min_price_limit",
                               f"callbackVal must be a whole number of ticks of {tick}")
            if val > market.price_dec(now_price) * MAX_RATE:
                raise SimError("invalid_exceed_max_price_limit",
                               "callbackVal above 10 % of the price")
        activation = None
        if _given(p, "activationPrice"):
            activation = _price(market, p.get("activationPrice"), "activationPrice",
                                "invalid_activation_price")
            if (side == SELL and activation <= now_price) or \
                    (side == BUY and activation >= now_price):
                raise SimError("invalid_activation_price", "the activation price must lie "
                               "ahead of the current price")
        expire = opt_int(p, "expireTime")
        now = self.engine.clock_ms()
        t = Trigger("track", next(self.engine.aux_ids), acct, market, side, pside, qty,
                    pr_type, now, updated=now,
                    client_id=_client_id(p.get("clientOrderId"), "invalid_params"),
                    callback=callback, callback_val=val, activation=activation,
                    activated=activation is None, expire=expire, position_type=ptype)
        if t.activated:
            t.extreme = now_price
        return self._add(t)

    def track_stop(self, t: Trigger) -> int | None:
        if not t.activated or t.extreme is None:
            return None
        ext = Decimal(t.extreme)
        if t.callback == "FIXED":
            d = t.callback_val.scaleb(t.market.spec.price_precision)
            return int(ext - d) if t.side == SELL else int(ext + d)
        r = t.callback_val
        return int(ext * (1 - r)) if t.side == SELL else int(ext * (1 + r))

    # -- reverse plans --------------------------------------------------------
    def add_reverse(self, acct: Account, market: Market, position_side: str, stop: int,
                    price_type: str, close_type: str, qty: int | None) -> Trigger:
        pos = acct.positions.get((market.spec.symbol, position_side))
        if pos is None or not pos.size:
            raise SimError("more_than_available", "no open position on this side")
        side = SELL if position_side == "LONG" else BUY
        now = self.engine.clock_ms()
        t = Trigger("reverse", next(self.engine.aux_ids), acct, market, side, position_side,
                    qty or pos.size, price_type, now, updated=now, entrust_type="STOP_MARKET",
                    stop=stop, tif="IOC", close_type=close_type)
        if self._plan_due(t, market.price_of(price_type)):
            raise SimError("invalid_stop_price", "the stop price would trigger at once")
        return self._add(t)

    # -- evaluation --------------------------------------------------------------
    def evaluate(self, market: Market) -> None:
        """Fire every trigger of ``market`` whose condition holds (a few rounds:
        an order a trigger places can move the price that others watch)."""
        active = self.active.get(market.spec.symbol)
        if not active:
            return
        now = self.engine.clock_ms()
        for _ in range(4):
            prices = {pt: market.price_of(pt) for pt in PRICE_TYPES}
            fired = False
            for t in list(active.values()):
                if t.state not in ACTIVE:
                    continue
                if t.expire is not None and now >= t.expire:
                    self._end(t, "EXPIRED")
                    continue
                price = prices[t.price_type]
                if t.kind in ("plan", "reverse"):
                    if self._plan_due(t, price):
                        self._fire(t, price)
                        fired = True
                elif t.kind == "profit":
                    long = t.position_side == "LONG"
                    if t.tp is not None and (price >= t.tp if long else price <= t.tp):
                        t.fired_side = "PROFIT"
                    elif t.sl is not None and (price <= t.sl if long else price >= t.sl):
                        t.fired_side = "STOP"
                    if t.fired_side:
                        self._fire(t, price)
                        fired = True
                else:
                    fired |= self._track(t, price)
            if not fired:
                return

    def _track(self, t: Trigger, price: int) -> bool:
        if not t.activated:
            assert t.activation is not None
            if (t.side == SELL and price >= t.activation) or \
                    (t.side == BUY and price <= t.activation):
                t.activated = True
                t.extreme = price
            return False
        if t.extreme is None or (price > t.extreme if t.side == SELL else price < t.extreme):
            t.extreme = price
            return False
        stop = self.track_stop(t)
        if stop is not None and (price <= stop if t.side == SELL else price >= stop):
            self._fire(t, price)
            return True
        return False

    def _fire(self, t: Trigger, price: int) -> None:
        engine = self.engine
        market = t.market
        acct = t.account
        t.state = "TRIGGERING"
        params: dict[str, Any] = {"orderSide": t.side, "positionSide": t.position_side,
                                  "origQty": str(t.qty)}
        source = {"plan": "ENTRUST", "reverse": "ENTRUST", "profit": "PROFIT",
                  "track": "TRACK"}[t.kind]
        if t.kind == "plan":
            if t.entrust_type.endswith("_MARKET"):
                params.update(orderType="MARKET", timeInForce=t.tif)
            else:
                assert t.price is not None
                params.update(orderType="LIMIT", timeInForce=t.tif,
                              price=market.price_str(t.price))
        elif t.kind == "profit":
            pos = acct.positions.get((t.symbol, t.position_side))
            avail = (pos.size - pos.close_frozen) if pos is not None else 0
            params["origQty"] = str(min(t.qty, avail))
            leg = "profit" if t.fired_side == "PROFIT" else "stop"
            otype = t.delegate.get(f"{leg}DelegateOrderType") or "MARKET"
            params.update(orderType=otype,
                          timeInForce=t.delegate.get(f"{leg}DelegateTimeInForce") or "IOC")
            if otype == "LIMIT":
                params["price"] = t.delegate.get(f"{leg}DelegatePrice")
        elif t.kind == "reverse":
            pos = acct.positions.get((t.symbol, t.position_side))
            avail = (pos.size - pos.close_frozen) if pos is not None else 0
            qty = avail if t.close_type == "ALL" else min(t.qty, avail)
            params.update(orderType="MARKET", timeInForce="IOC", origQty=str(qty))
        else:
            params.update(orderType="MARKET", timeInForce="IOC")
        try:
            if params["origQty"] == "0":
                raise SimError("more_than_available", "no position left to close")
            order = engine.place_futures(acct, market, params, "trigger", source_type=source,
                                         source_id=t.id)
            t.orders.append(order)
            if t.kind == "reverse" and order.executed:
                opposite = "SHORT" if t.position_side == "LONG" else "LONG"
                rev = engine.place_futures(acct, market, {
                    "orderSide": t.side, "positionSide": opposite, "orderType": "MARKET",
                    "timeInForce": "IOC", "origQty": str(order.executed)}, "trigger",
                    source_type=source, source_id=t.id)
                t.orders.append(rev)
        except SimError as exc:
            self._end(t, "PLATFORM_REVOCATION", exc.code)
            return
        self._end(t, "TRIGGERED")

    # -- views -------------------------------------------------------------------
    def view(self, t: Trigger) -> dict[str, Any]:
        m = t.market
        p = m.price_str
        executed = sum(o.executed for o in t.orders[:1])
        avg = "0"
        if t.orders and t.orders[0].executed:
            from .matching import avg_price

            avg = avg_price(t.orders[0])
        base = {"symbol": t.symbol, "positionSide": t.position_side, "origQty": str(t.qty),
                "state": t.state, "createdTime": t.created, "updatedTime": t.updated,
                "triggerPriceType": t.price_type, "executedQty": str(executed),
                "avgPrice": avg, "desc": t.desc or None,
                "orderId": str(t.orders[0].id) if t.orders else None}
        if t.kind in ("plan", "reverse"):
            base.update({
                "entrustId": str(t.id), "clientOrderId": t.client_id,
                "entrustType": t.entrust_type, "orderSide": t.side,
                "closePosition": (t.side == SELL) == (t.position_side == "LONG"),
                "marketOrderLevel": 0, "ordinary": True, "timeInForce": t.tif,
                "price": p(t.price) if t.price is not None else "0",
                "stopPrice": p(t.stop) if t.stop is not None else None,
            })
            if t.kind == "reverse":
                rev = t.orders[1] if len(t.orders) > 1 else None
                from .matching import avg_price

                base.update({"closeType": t.close_type,
                             "reverseOpenExecutedQty": str(rev.executed if rev else 0),
                             "reverseOpenAvgPrice": avg_price(rev) if rev else "0"})
            return base
        if t.kind == "profit":
            pos = t.account.positions.get((t.symbol, t.position_side))
            leg = "profit" if t.fired_side != "STOP" else "stop"
            base.update({
                "profitId": str(t.id), "orderSide": t.side,
                "triggerProfitPrice": p(t.tp) if t.tp is not None else None,
                "triggerStopPrice": p(t.sl) if t.sl is not None else None,
                "entryPrice": dec_str(pos.entry) if pos is not None else "0",
                "positionSize": str(pos.size) if pos is not None else "0",
                "isolatedMargin": dec_str(pos.margin) if pos is not None else "0",
                "leverage": t.account.leverage.get((t.symbol, t.position_side), 10),
                "positionType": t.position_type, "expireTime": t.expire,
                "delegateQty": str(t.qty),
                "delegatePrice": t.delegate.get(f"{leg}DelegatePrice"),
                "closeType": "FIXED", "triggerPriceSide": t.fired_side,
                "sourceType": "API", "sourceId": str(t.source_order) if t.source_order
                else None, "profitType": 0, "mmrThreshold": None, **t.delegate,
            })
            return base
        stop = self.track_stop(t)
        base.update({
            "trackId": str(t.id), "clientOrderId": t.client_id, "orderSide": t.side,
            "callback": t.callback, "callbackVal": dec_str(t.callback_val),
            "activationPrice": p(t.activation) if t.activation is not None else None,
            "configActivation": t.activation is not None, "ordinary": True,
            "currentPrice": p(m.price_of(t.price_type)),
            "stopPrice": p(stop) if stop is not None else None, "price": "0",
            "positionType": t.position_type, "expireTime": t.expire,
        })
        return base


def _opt_ticks(market: Market, text: str | None) -> int | None:
    if text is None:
        return None
    return _price(market, text, "price", "invalid_price")
