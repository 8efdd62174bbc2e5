"""Orders and the matching engine (spot and futures).

Spot accounting (decisions where the spec is silent):

- A LIMIT BUY freezes ``price * quantity`` quote; a MARKET BUY (by
  ``quoteQty``) freezes ``quoteQty``; sells freeze the base quantity. Each fill
  spends from the frozen amount; whatever is left is released when the order
  ends (FILLED, CANCELED, EXPIRED). ``bizType=LEVER`` orders use the symbol's
  leverage wallet instead of the spot wallet (no borrowing is modelled).
- The fee is charged in the currency received (base on a buy, quote on a
  sell) at the taker or maker rate of the symbol.
- Engine-ended orders: an IOC / MARKET remainder, an unfillable FOK and a GTX
  order that would take liquidity end EXPIRED (the spec's "canceled by the
  system"); CANCELED is only ever the user's cancel. Orders failing a filter
  are refused with an error code and never exist (REJECTED is reserved for
  batch items the engine refused).
- The synthetic liquidity at a level trades before user orders at that level.

Futures: hedge-mode LONG/SHORT positions, leverage per (symbol, side) (10 by
default), isolated or crossed margin. An order's value is ``price * qty *
contractSize`` in the quote coin (USDT-M, linear) or ``qty * contractSize /
price`` in the base coin (COIN-M, inverse); opening orders freeze
value/leverage; fills move it to position margin; closing orders need an open
position; realised PnL and fees settle in the wallet of the margin coin
(linear PnL ``(exit - entry) * qty * cs``, inverse ``qty * cs * (1/entry -
1/exit)``, sign flipped for shorts). A futures order the user cancels after a
partial fill ends ``PARTIALLY_CANCELED`` (the futures state list has it);
the engine's own ends stay ``EXPIRED`` as on spot. Position bookkeeping
(history, bills, funding, liquidation) is in :mod:`.positions`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .accounts import Account, Position
from .codes import SimError
from .market import BUY, SELL, Fill, Market, SymbolSpec, contract_value
from .numbers import (
    BadNumber,
    PrecisionTooFine,
    amount,
    amount_up,
    dec_str,
    parse_decimal,
    to_units,
)

__all__ = ["Engine", "Order", "Account", "Position", "TERMINAL", "order_value",
           "futures_balance_view", "futures_order_view", "position_view", "spot_order_view"]

ORDER_ID_BASE = 6_216_559_590_087_220_004
AUX_ID_BASE = 5_316_559_590_087_100_000  # plans, TP/SL, tracks, bills, transfers...

TERMINAL = {"FILLED", "CANCELED", "PARTIALLY_CANCELED", "REJECTED", "EXPIRED"}
#: futures market orders never trade further than this from the mark price
#: (the symbol's published ``marketTakeBound``)
MARKET_TAKE_BOUND = Decimal("0.1")
#: limit price bounds around the index price (published multiplierUp/Down)
MULTIPLIER = Decimal("0.1")
DEFAULT_LEVERAGE = 10


@dataclass(eq=False)
class Order:
    id: int
    account: Account
    product: str
    market: Market
    side: str
    type: str
    tif: str
    price: int | None  # ticks
    orig_qty: int | None  # lots
    orig_quote: int | None  # price*lot units (market buy by amount)
    client_id: str | None
    time: int
    position_side: str | None = None
    remaining: int = 0
    executed: int = 0
    executed_quote: int = 0
    fee: Decimal = Decimal(0)
    frozen: Decimal = Decimal(0)
    state: str = "NEW"
    updated: int = 0
    ip: str = "127.0.0.1"
    leverage: int = DEFAULT_LEVERAGE
    biz: str = "SPOT"
    position_type: str = "ISOLATED"
    source_type: str = "DEFAULT"  # futures: DEFAULT, ENTRUST, PROFIT, TRACK, LIQUIDATION
    source_id: int | None = None
    force_close: bool = False
    close_profit: Decimal = Decimal(0)
    tpsl: dict[str, Any] | None = None  # TP/SL attached at creation (futures)
    canceled_qty: int = 0

    @property
    def symbol(self) -> str:
        return self.market.spec.symbol


Event = tuple[int, str, str, dict[str, Any]]  # (account_id, product, topic, data)


class Engine:
    """All accounts and the matching logic for every market."""

    def __init__(self, clock_ms: Callable[[], int], *, futures_biz: str = "FUTURES_U") -> None:
        from .positions import PositionDesk
        from .triggers import TriggerDesk

        self.clock_ms = clock_ms
        self.futures_biz = futures_biz
        self.accounts: dict[str, Account] = {}
        self.by_id: dict[int, Account] = {}
        self.ids = itertools.count(ORDER_ID_BASE)
        self.aux_ids = itertools.count(AUX_ID_BASE)
        self.events: list[Event] = []
        self.user_trades: list[dict[str, Any]] = []
        self.markets: dict[str, dict[str, Market]] = {"spot": {}, "futures": {}}
        self.positions = PositionDesk(self)
        self.triggers = TriggerDesk(self)

    def add_account(self, api_key: str, secret: str, balances: dict[str, str] | None,
                    futures_balances: dict[str, str] | None = None, *,
                    user_id: int | None = None, quant: bool = True,
                    futures_open: bool = True) -> Account:
        acct = Account(api_key, secret, 2_146_285_322_559 + len(self.accounts),
                       user_id=user_id or 0, quant=quant, futures_open=futures_open,
                       opened_time=self.clock_ms())
        for ccy, text in (balances or {}).items():
            acct.bal(ccy)[0] = parse_decimal(text, "balance")
        for coin, text in (futures_balances or {"usdt": "100000"}).items():
            acct.futures_wallet[coin] = parse_decimal(text, "futures balance")
            acct.futures_order_frozen[coin] = Decimal(0)
        self.accounts[api_key] = acct
        self.by_id[acct.account_id] = acct
        return acct

    # ------------------------------------------------------------------ spot
    def place_spot(self, acct: Account, market: Market, p: dict[str, Any], ip: str) -> Order:
        spec = market.spec
        side = _enum(p, "side", (BUY, SELL))
        otype = _enum(p, "type", ("LIMIT", "MARKET"))
        tif = _enum(p, "timeInForce", ("GTC", "IOC", "FOK", "GTX"))
        biz = str(p.get("bizType") or "SPOT").upper()
        if biz not in ("SPOT", "LEVER"):
            raise SimError("ORDER_001", "bizType must be SPOT or LEVER")
        client_id = _client_id(p.get("clientOrderId"), "ORDER_001")
        price = qty = quote = None
        if otype == "LIMIT":
            if p.get("price") is None or p.get("quantity") is None:
                raise SimError("ORDER_001", "LIMIT orders need price and quantity")
            price = _units(p["price"], spec.price_precision, "price")
            qty = _units(p["quantity"], spec.quantity_precision, "quantity")
        elif side == BUY:
            if p.get("quantity") is not None or p.get("quoteQty") is None:
                raise SimError("ORDER_001", "MARKET BUY needs quoteQty and no quantity")
            quote = _units(p["quoteQty"], spec.price_precision + spec.quantity_precision,
                           "quoteQty")
        else:
            if p.get("quoteQty") is not None or p.get("quantity") is None:
                raise SimError("ORDER_001", "MARKET SELL needs quantity and no quoteQty")
            qty = _units(p["quantity"], spec.quantity_precision, "quantity")
        self.check_spot_filters(market, side, otype, price, qty, quote)
        now = self.clock_ms()
        order = Order(next(self.ids), acct, "spot", market, side, otype, tif, price, qty, quote,
                      client_id, now, remaining=qty or 0, updated=now, ip=ip, biz=biz)
        if side == BUY:
            if otype == "LIMIT":
                assert price is not None and qty is not None
                need = _q(market, price * qty)
            else:
                assert quote is not None
                need = _q(market, quote)
            ccy = spec.quote
        else:
            assert qty is not None
            need = Decimal(qty).scaleb(-spec.quantity_precision)
            ccy = spec.base
        bal = self.spot_wallet(order, ccy)
        if bal[0] < need:
            raise SimError("ORDER_002")
        bal[0] -= need
        bal[1] += need
        order.frozen = need
        acct.orders[order.id] = order
        self._emit_order(order)
        self._emit_balance(acct, ccy, market, biz)
        self._execute(order)
        return order

    @staticmethod
    def spot_wallet(order: Order, ccy: str) -> list[Decimal]:
        return order.account.wallet(order.biz, ccy, order.symbol if order.biz == "LEVER"
                                    else None)

    def check_spot_filters(self, market: Market, side: str, otype: str, price: int | None,
                           qty: int | None, quote: int | None) -> None:
        spec = market.spec
        if price is not None and price <= 0:
            raise SimError("ORDER_F0101")
        if qty is not None:
            min_q = to_units(spec.min_quantity, spec.quantity_precision) \
                if spec.min_quantity else 1
            if qty < min_q:
                raise SimError("ORDER_F0201")
            if qty > to_units(spec.max_quantity, spec.quantity_precision):
                raise SimError("ORDER_F0202")
        scale = spec.price_precision + spec.quantity_precision
        min_notional = to_units(spec.min_notional, scale)
        if otype == "LIMIT":
            assert price is not None and qty is not None
            if price * qty < min_notional:
                raise SimError("ORDER_F0301")
        elif side == BUY:
            assert quote is not None
            if quote < min_notional:
                raise SimError("ORDER_F0301")
        latest = Decimal(market.last)
        if price is not None:
            # PROTECTION_LIMIT (deviations 0.8, coefficient 4 for buys, 0.8 for sells)
            if side == BUY:
                if price < latest - latest * Decimal("0.8"):
                    raise SimError("ORDER_F0501")
                if price > latest + latest * Decimal("4"):
                    raise SimError("ORDER_F0503")
            else:
                if price > latest + latest * Decimal("4"):
                    raise SimError("ORDER_F0502")
                if price < latest - latest * Decimal("0.8"):
                    raise SimError("ORDER_F0504")
        else:
            # PROTECTION_MARKET maxDeviation 0.1
            book = market.book
            if side == BUY:
                best = book.best(SELL)
                if best is not None and latest + latest * Decimal("0.1") < best:
                    raise SimError("ORDER_F0601")
            else:
                best = book.best(BUY)
                if best is not None and latest - latest * Decimal("0.1") > best:
                    raise SimError("ORDER_F0601")

    def _execute(self, order: Order) -> None:
        market = order.market
        book = market.book
        opposite = SELL if order.side == BUY else BUY
        best = book.best(opposite)
        limit = order.price
        if order.type == "MARKET" and order.product == "futures":
            limit = market_bound(market, order.side)
        crosses = best is not None and (
            limit is None or (limit >= best if order.side == BUY else limit <= best))
        if order.tif == "GTX" and crosses:
            self._end(order, "EXPIRED")
            return
        # FOK needs a known quantity; a MARKET BUY by amount cannot be FOK-checked
        # against levels and is treated as IOC.
        if order.tif == "FOK" and order.orig_qty is not None and not book.fillable(
                order.side, limit, order.remaining):
            self._end(order, "EXPIRED")
            return
        fills: list[Fill] = []
        if crosses:
            if order.orig_quote is not None:
                fills = book.take(order.side, None, None, order.orig_quote - order.executed_quote)
            else:
                fills = book.take(order.side, limit, order.remaining)
        now = self.clock_ms()
        trades = market.record_fills(fills, order.side, now, order.id)
        for fill, trade in zip(fills, trades, strict=True):
            self._fill(order, fill, trade.id, taker=True)
            if fill.maker is not None:
                self._fill(fill.maker, fill, trade.id, taker=False)
        if order.type == "LIMIT" and order.tif in ("GTC", "GTX") and order.remaining > 0:
            assert order.price is not None
            book.add_order(order.side, order.price, order)
            book.commit()
            return
        book.commit()
        if order.state not in TERMINAL:
            if order.orig_quote is not None:
                # A market buy by amount is FILLED when what is left of the
                # amount cannot buy one more lot at the last fill price.
                left = order.orig_quote - order.executed_quote
                done = bool(fills) and left < fills[-1].price
            else:
                done = order.remaining == 0
            self._end(order, "FILLED" if done else "EXPIRED")

    def _fill(self, order: Order, fill: Fill, trade_id: int, *, taker: bool) -> None:
        if order.product == "futures":
            self._fill_futures(order, fill, trade_id, taker=taker)
            return
        market = order.market
        spec = market.spec
        acct = order.account
        qty = Decimal(fill.qty).scaleb(-spec.quantity_precision)
        quote = _q(market, fill.price * fill.qty)
        rate = Decimal(spec.taker_fee_rate if taker else spec.maker_fee_rate)
        if order.side == BUY:
            order.frozen -= quote
            self.spot_wallet(order, spec.quote)[1] -= quote
            fee = qty * rate
            self.spot_wallet(order, spec.base)[0] += qty - fee
            fee_ccy = spec.base
        else:
            order.frozen -= qty
            self.spot_wallet(order, spec.base)[1] -= qty
            fee = quote * rate
            self.spot_wallet(order, spec.quote)[0] += quote - fee
            fee_ccy = spec.quote
        order.fee += fee
        order.executed += fill.qty
        order.executed_quote += fill.price * fill.qty
        if order.orig_quote is None and taker:
            order.remaining -= fill.qty  # makers were decremented by the book
        now = self.clock_ms()
        order.updated = now
        if order.orig_qty is not None and order.remaining == 0:
            order.state = "FILLED"
        else:
            order.state = "PARTIALLY_FILLED"
        self.user_trades.append({
            "account": acct.account_id, "symbol": spec.symbol, "tradeId": trade_id,
            "orderId": order.id, "orderSide": order.side, "orderType": order.type,
            "bizType": order.biz, "time": now, "price": market.price_str(fill.price),
            "quantity": market.qty_str(fill.qty),
            "quoteQty": market.quote_str(fill.price * fill.qty),
            "baseCurrency": spec.base, "quoteCurrency": spec.quote,
            "takerMaker": "taker" if taker else "maker",
            "fee": dec_str(fee), "feeCurrency": fee_ccy,
        })
        self.events.append((acct.account_id, "spot", "trade", {
            "s": spec.symbol, "i": trade_id, "t": now, "oi": order.id,
            "p": market.price_str(fill.price), "q": market.qty_str(fill.qty),
            "v": market.quote_str(fill.price * fill.qty),
            "b": (order.side == BUY) != taker, "tm": 1 if taker else 2,
        }))
        if order.state == "FILLED":
            self._release(order)
        self._emit_order(order)
        self._emit_balance(acct, spec.base, market, order.biz)
        self._emit_balance(acct, spec.quote, market, order.biz)

    def _release(self, order: Order) -> None:
        if order.product == "futures":
            acct = order.account
            coin = order.market.spec.margin_coin
            acct.futures_order_frozen[coin] -= order.frozen
            order.frozen = Decimal(0)
            return
        spec = order.market.spec
        ccy = spec.quote if order.side == BUY else spec.base
        if order.frozen:
            bal = self.spot_wallet(order, ccy)
            bal[1] -= order.frozen
            bal[0] += order.frozen
            order.frozen = Decimal(0)

    def _end(self, order: Order, state: str) -> None:
        if order.product == "futures" and state == "CANCELED" and order.executed:
            state = "PARTIALLY_CANCELED"
        order.state = state
        order.updated = self.clock_ms()
        if state in ("CANCELED", "PARTIALLY_CANCELED", "EXPIRED"):
            order.canceled_qty = order.remaining
        if order.product == "futures" and order.position_side is not None:
            pos = order.account.positions.get((order.symbol, order.position_side))
            if pos is not None and is_close(order):
                pos.close_frozen -= order.remaining
        self._release(order)
        self._emit_order(order)
        if order.product == "spot":
            spec = order.market.spec
            self._emit_balance(order.account, spec.quote if order.side == BUY else spec.base,
                               order.market, order.biz)
        else:
            self._emit_futures_balance(order.account, order.market.spec.margin_coin)
            if order.position_side is not None and is_close(order):
                self._emit_position(order.account, order.market, order.position_side)

    def cancel(self, order: Order) -> bool:
        if order.state in TERMINAL:
            return False
        if order.type == "LIMIT" and order.price is not None:
            order.market.book.remove_order(order.side, order.price, order)
            order.market.book.commit()
        self._end(order, "CANCELED")
        return True

    def market_step_fills(self, market: Market) -> None:
        """Apply a synthetic taker's fills to the user orders it hit."""
        hits = market.market_fills
        market.market_fills = None
        for fill, trade in hits or ():
            self._fill(fill.maker, fill, trade.id, taker=False)

    # --------------------------------------------------------------- futures
    def parse_futures_order(self, market: Market, p: dict[str, Any]) -> dict[str, Any]:
        """Validate one futures order's parameters (nothing is changed)."""
        spec = market.spec
        side = _enum(p, "orderSide", (BUY, SELL), code="invalid_params")
        otype = _enum(p, "orderType", ("LIMIT", "MARKET"), code="invalid_order_type")
        tif = str(p.get("timeInForce") or "GTC").upper()
        if tif not in ("GTC", "IOC", "FOK", "GTX"):
            raise SimError("invalid_time_in_force", "timeInForce must be GTC, IOC, FOK or GTX")
        if otype == "MARKET" and tif in ("GTC", "GTX"):
            tif = "IOC"  # a market order never rests
        pside = _enum(p, "positionSide", ("LONG", "SHORT"), code="invalid_position_side")
        qty = contracts(p.get("origQty"))
        price = None
        if otype == "LIMIT":
            if p.get("price") in (None, ""):
                raise SimError("invalid_price", "LIMIT orders need a price")
            price = _fut_price(market, p.get("price"), "price")
            # published multiplierUp / multiplierDown: a buy no more than 10 %
            # above the index price, a sell no more than 10 % below it
            index = Decimal(market.index_price())
            if side == BUY and price > index + index * MULTIPLIER:
                raise SimError("invalid_price", "buy price above the index price by more "
                               "than multiplierUp (0.1)")
            if side == SELL and price < index - index * MULTIPLIER:
                raise SimError("invalid_price", "sell price below the index price by more "
                               "than multiplierDown (0.1)")
        elif p.get("price") not in (None, "", "0"):
            _fut_price(market, p.get("price"), "price")  # still a valid number
        client_id = _client_id(p.get("clientOrderId"), "invalid_params")
        close = (side == SELL) == (pside == "LONG")
        tpsl = None
        if p.get("triggerProfitPrice") not in (None, "") or \
                p.get("triggerStopPrice") not in (None, ""):
            if close:
                raise SimError("invalid_params", "take-profit/stop-loss attach to opening "
                               "orders only")
            tpsl = self.triggers.parse_attached(market, p, side, pside, otype, price)
        return {"side": side, "otype": otype, "tif": tif, "pside": pside, "qty": qty,
                "price": price, "client_id": client_id, "close": close, "tpsl": tpsl,
                "spec": spec}

    def margin_needed(self, acct: Account, market: Market, o: dict[str, Any]) -> Decimal:
        lev = acct.leverage.get((market.spec.symbol, o["pside"]), DEFAULT_LEVERAGE)
        ref = o["price"] if o["price"] is not None else market.mark_price()
        return amount_up(order_value(market.spec, ref, o["qty"], per=lev))

    def free_margin(self, acct: Account, coin: str) -> Decimal:
        return acct.futures_wallet.get(coin, Decimal(0)) \
            - acct.futures_order_frozen.get(coin, Decimal(0)) \
            - self.position_margin(acct, coin)

    def place_futures(self, acct: Account, market: Market, p: dict[str, Any], ip: str, *,
                      parsed: dict[str, Any] | None = None, source_type: str = "DEFAULT",
                      source_id: int | None = None, force_close: bool = False) -> Order:
        self.markets["futures"].setdefault(market.spec.symbol, market)
        if not acct.futures_open:
            raise SimError("contract_not_open", "open the futures account first "
                           "(/future/user/v1/account/open)")
        o = parsed or self.parse_futures_order(market, p)
        spec = market.spec
        qty, pside = o["qty"], o["pside"]
        key = (spec.symbol, pside)
        coin = spec.margin_coin
        if o["close"]:
            pos = acct.positions.get(key)
            if pos is None or pos.size - pos.close_frozen < qty:
                raise SimError("more_than_available",
                               "close quantity exceeds the available position")
            margin = Decimal(0)
        else:
            margin = self.margin_needed(acct, market, o)
            if self.free_margin(acct, coin) < margin:
                raise SimError("more_than_available", "insufficient available margin")
        now = self.clock_ms()
        order = Order(next(self.ids), acct, "futures", market, o["side"], o["otype"], o["tif"],
                      o["price"], qty, None, o["client_id"], now, position_side=pside,
                      remaining=qty, updated=now, ip=ip,
                      leverage=acct.leverage.get(key, DEFAULT_LEVERAGE),
                      position_type=acct.position_type.get(key, "ISOLATED"),
                      source_type=source_type, source_id=source_id, force_close=force_close,
                      tpsl=o["tpsl"])
        if o["close"]:
            acct.positions[key].close_frozen += qty
        else:
            acct.futures_order_frozen[coin] = acct.futures_order_frozen.get(coin, Decimal(0)) \
                + margin
            order.frozen = margin
        acct.orders[order.id] = order
        self._emit_order(order)
        self._emit_futures_balance(acct, coin)
        if o["close"]:
            self._emit_position(acct, market, pside)
        self._execute(order)
        return order

    @staticmethod
    def position_margin(acct: Account, coin: str) -> Decimal:
        return sum((p.margin for p in acct.positions.values() if p.coin == coin), Decimal(0))

    def _fill_futures(self, order: Order, fill: Fill, trade_id: int, *, taker: bool) -> None:
        market = order.market
        spec = market.spec
        acct = order.account
        cs = Decimal(spec.contract_size)
        coin = spec.margin_coin
        px = Decimal(fill.price).scaleb(-spec.price_precision)
        value = order_value(spec, fill.price, fill.qty)
        rate = Decimal(spec.taker_fee_rate if taker else spec.maker_fee_rate)
        fee = amount_up(order_value(spec, fill.price, fill.qty, times=rate))
        pside = order.position_side
        assert pside is not None
        key = (spec.symbol, pside)
        now = self.clock_ms()
        pos = acct.positions.setdefault(key, Position(coin=coin))
        acct.futures_wallet.setdefault(coin, Decimal(0))
        acct.futures_order_frozen.setdefault(coin, Decimal(0))
        margin_unfrozen = Decimal(0)
        if is_close(order):
            direction = 1 if order.position_side == "LONG" else -1
            if spec.inverse:
                pnl = amount(fill.qty * cs * (1 / pos.entry - 1 / px) * direction)
            else:
                pnl = amount((px - pos.entry) * fill.qty * cs * direction)
            released = pos.margin if fill.qty >= pos.size else amount(pos.margin * fill.qty
                                                                       / pos.size)
            pos.margin -= released
            pos.size -= fill.qty
            pos.close_frozen -= fill.qty
            pos.realized += pnl
            pos.cycle_realized += pnl
            pos.closed_qty += fill.qty
            pos.close_value += px * fill.qty
            acct.futures_wallet[coin] += pnl
            order.close_profit += pnl
            self.positions.bill(acct, coin, spec.symbol, "CLOSE_POSITION", pnl)
        else:
            before = order.remaining if taker else order.remaining + fill.qty
            share = order.frozen if fill.qty >= before else amount(order.frozen * fill.qty
                                                                   / before)
            order.frozen -= share
            acct.futures_order_frozen[coin] -= share
            margin_unfrozen = share
            if pos.size == 0:
                self.positions.open_cycle(pos, order, now)
            if spec.inverse:  # the average entry of inverse contracts is harmonic
                pos.entry = (pos.size + fill.qty) / (
                    (pos.size / pos.entry if pos.size else 0) + fill.qty / px)
            else:
                pos.entry = (pos.entry * pos.size + px * fill.qty) / (pos.size + fill.qty)
            pos.size += fill.qty
            pos.max_size = max(pos.max_size, pos.size)
            pos.margin += amount_up(order_value(spec, fill.price, fill.qty, per=order.leverage))
        pos.updated = now
        acct.futures_wallet[coin] -= fee
        pos.fees += fee
        acct.traded_value += value
        self.positions.bill(acct, coin, spec.symbol, "FEE", -fee)
        order.fee += fee
        order.executed += fill.qty
        order.executed_quote += fill.price * fill.qty
        if taker:
            order.remaining -= fill.qty
        order.updated = now
        order.state = "FILLED" if order.remaining == 0 else "PARTIALLY_FILLED"
        self.user_trades.append({
            "account": acct.account_id, "symbol": spec.symbol, "tradeId": trade_id,
            "orderId": order.id, "orderSide": order.side, "positionSide": order.position_side,
            "time": now, "price": market.price_str(fill.price), "quantity": str(fill.qty),
            "fee": dec_str(fee), "feeCoin": coin, "takerMaker": "taker" if taker else "maker",
            "quoteQty": dec_str(value), "contractSize": spec.contract_size,
            "product": "futures",
        })
        self.events.append((acct.account_id, "futures", "trade", {
            "orderId": str(order.id), "clientOrderId": order.client_id,
            "price": market.price_str(fill.price), "quantity": str(fill.qty),
            "marginUnfrozen": dec_str(margin_unfrozen), "timestamp": now,
            "symbol": spec.symbol, "orderSide": order.side,
            "positionSide": order.position_side, "isMaker": not taker, "fee": dec_str(fee),
        }))
        if order.state == "FILLED":
            self._release(order)
        if order.tpsl is not None and not is_close(order):
            self.triggers.attached_filled(order, fill.qty)
        self._emit_order(order)
        self._emit_position(acct, market, pside)
        self._emit_futures_balance(acct, coin)
        if pos.size == 0 and is_close(order):
            self.positions.close_cycle(acct, market, pside, pos, now)

    # ---------------------------------------------------------------- events
    def _emit_order(self, order: Order) -> None:
        m = order.market
        if order.product == "spot":
            self.events.append((order.account.account_id, "spot", "order", {
                "s": m.spec.symbol, "bc": m.spec.base, "qc": m.spec.quote,
                "t": order.updated, "ct": order.time, "i": str(order.id),
                "ci": order.client_id, "st": order.state, "sd": order.side, "tp": order.type,
                "oq": m.qty_str(order.orig_qty) if order.orig_qty is not None else None,
                "oqq": m.quote_str(order.orig_quote) if order.orig_quote is not None else None,
                "eq": m.qty_str(order.executed),
                "lq": m.qty_str(order.remaining if order.state not in TERMINAL else 0),
                "p": m.price_str(order.price) if order.price is not None else None,
                "ap": avg_price(order), "f": dec_str(order.fee),
            }))
        else:
            self.events.append((order.account.account_id, "futures", "order",
                                futures_order_view(order, stream=True)))

    def _emit_balance(self, acct: Account, ccy: str, market: Market | None,
                      biz: str = "SPOT", symbol: str | None = None) -> None:
        sym = symbol or (market.spec.symbol if market is not None else None)
        bal = acct.wallet(biz, ccy, sym if biz == "LEVER" else None)
        self.events.append((acct.account_id, "spot", "balance", {
            "a": str(acct.account_id), "t": self.clock_ms(), "c": ccy,
            "b": dec_str(bal[0] + bal[1]), "f": dec_str(bal[1]), "z": biz,
            "s": sym,
        }))

    def _emit_futures_balance(self, acct: Account, coin: str) -> None:
        self.events.append((acct.account_id, "futures", "balance",
                            futures_balance_view(acct, coin, self.position_margin(acct, coin))))

    def _emit_position(self, acct: Account, market: Market, pside: str) -> None:
        pos = acct.positions.get((market.spec.symbol, pside), Position())
        self.events.append((acct.account_id, "futures", "position",
                            position_view(market, pside, pos, acct)))

    def notify(self, acct: Account, market: Market, pside: str, size: int, kind: str) -> None:
        pos = acct.positions.get((market.spec.symbol, pside))
        self.events.append((acct.account_id, "futures", "notify", {
            "symbol": market.spec.symbol,
            "positionType": acct.position_type.get((market.spec.symbol, pside), "ISOLATED"),
            "positionSide": pside, "positionSize": str(size if pos is None else size),
            "notifyType": kind,
        }))


def order_value(spec: SymbolSpec, price_ticks: int, qty: int, *, times: Decimal | int = 1,
                per: Decimal | int = 1) -> Decimal:
    """Value of ``qty`` contracts at ``price`` in the margin coin (see
    :func:`~wexcore.sim.market.contract_value`)."""
    return contract_value(spec, Decimal(price_ticks).scaleb(-spec.price_precision), qty,
                          times, per)


def market_bound(market: Market, side: str) -> int:
    """How far a futures market order may trade (``marketTakeBound`` from the mark)."""
    mark = Decimal(market.mark_price())
    if side == BUY:
        return int(mark + mark * MARKET_TAKE_BOUND)
    return int(mark - mark * MARKET_TAKE_BOUND) + 1


def futures_balance_view(acct: Account, coin: str, isolated: Decimal) -> dict[str, Any]:
    wallet = acct.futures_wallet.get(coin, Decimal(0))
    frozen = acct.futures_order_frozen.get(coin, Decimal(0))
    crossed = sum((p.margin for (s, side), p in acct.positions.items()
                   if p.coin == coin and acct.position_type.get((s, side)) == "CROSSED"),
                  Decimal(0))
    return {
        "coin": coin, "underlyingType": 2 if coin in ("usdt", "usdc") else 1,
        "walletBalance": dec_str(wallet), "openOrderMarginFrozen": dec_str(frozen),
        "isolatedMargin": dec_str(isolated - crossed), "crossedMargin": dec_str(crossed),
    }


def position_view(market: Market, pside: str, pos: Position,
                  acct: Account | None = None) -> dict[str, Any]:
    key = (market.spec.symbol, pside)
    lev = acct.leverage.get(key, DEFAULT_LEVERAGE) if acct is not None else DEFAULT_LEVERAGE
    ptype = acct.position_type.get(key, "ISOLATED") if acct is not None else "ISOLATED"
    frozen = Decimal(0)
    if acct is not None:
        frozen = sum((o.frozen for o in acct.orders.values()
                      if o.product == "futures" and o.state not in TERMINAL
                      and o.symbol == key[0] and o.position_side == pside), Decimal(0))
    return {
        "symbol": market.spec.symbol, "contractType": "PERPETUAL",
        "positionType": ptype, "positionSide": pside,
        "positionSize": str(pos.size), "closeOrderSize": str(pos.close_frozen),
        "availableCloseSize": str(pos.size - pos.close_frozen),
        "realizedProfit": dec_str(pos.realized), "entryPrice": dec_str(pos.entry),
        "isolatedMargin": dec_str(pos.margin), "openOrderMarginFrozen": dec_str(frozen),
        "underlyingType": "COIN_BASED" if market.spec.inverse else "U_BASED", "leverage": lev,
    }


def is_close(order: Order) -> bool:
    return (order.side == SELL) == (order.position_side == "LONG")


def avg_price(order: Order) -> str:
    if not order.executed:
        return "0"
    m = order.market
    avg = Decimal(order.executed_quote) / Decimal(order.executed)
    return dec_str(avg.scaleb(-m.spec.price_precision).quantize(
        Decimal(1).scaleb(-m.spec.price_precision)))


def spot_order_view(order: Order) -> dict[str, Any]:
    m = order.market
    spec = m.spec
    return {
        "symbol": spec.symbol, "orderId": str(order.id), "clientOrderId": order.client_id,
        "baseCurrency": spec.base, "quoteCurrency": spec.quote, "side": order.side,
        "type": order.type, "timeInForce": order.tif, "bizType": order.biz,
        "price": m.price_str(order.price) if order.price is not None else None,
        "origQty": m.qty_str(order.orig_qty) if order.orig_qty is not None else None,
        "origQuoteQty": m.quote_str(order.orig_quote) if order.orig_quote is not None
        else (m.quote_str(order.price * order.orig_qty)
              if order.price is not None and order.orig_qty is not None else None),
        "executedQty": m.qty_str(order.executed),
        "leavingQty": m.qty_str(order.remaining if order.state not in TERMINAL else 0),
        "tradeBase": m.qty_str(order.executed),
        "tradeQuote": m.quote_str(order.executed_quote),
        "avgPrice": avg_price(order), "fee": dec_str(order.fee),
        "feeCurrency": spec.base if order.side == BUY else spec.quote,
        "state": order.state, "time": order.time, "ip": order.ip,
        "updatedTime": order.updated,
    }


def futures_order_view(order: Order, *, stream: bool = False) -> dict[str, Any]:
    m = order.market
    view: dict[str, Any] = {
        "symbol": m.spec.symbol, "orderId": str(order.id), "clientOrderId": order.client_id,
        "origQty": str(order.orig_qty), "avgPrice": avg_price(order),
        "price": m.price_str(order.price) if order.price is not None else "0",
        "executedQty": str(order.executed), "orderSide": order.side,
        "timeInForce": order.tif, "positionSide": order.position_side,
        "marginFrozen": dec_str(order.frozen), "state": order.state,
        "createdTime": order.time, "leverage": order.leverage,
        "positionType": order.position_type, "orderType": order.type,
    }
    if stream:
        view.update({"sourceType": order.source_type.lower(), "type": "ORDER"})
        return view
    tp = order.tpsl or {}
    view.update({
        "updatedTime": order.updated, "closePosition": is_close(order),
        "closeProfit": dec_str(order.close_profit), "forceClose": order.force_close,
        "contractSize": m.spec.contract_size,
        "sourceId": str(order.source_id) if order.source_id is not None else None,
        "sourceType": order.source_type, "remark": None, "openPrice": None,
        "welfareAccount": False, "markPrice": m.price_str(m.mark_price()), "desc": None,
        "triggerPriceType": tp.get("triggerPriceType"),
        "triggerProfitPrice": tp.get("triggerProfitPrice"),
        "triggerStopPrice": tp.get("triggerStopPrice"),
        "profitDelegateOrderType": tp.get("profitDelegateOrderType"),
        "profitDelegateTimeInForce": tp.get("profitDelegateTimeInForce"),
        "profitDelegatePrice": tp.get("profitDelegatePrice"),
        "stopDelegateOrderType": tp.get("stopDelegateOrderType"),
        "stopDelegateTimeInForce": tp.get("stopDelegateTimeInForce"),
        "stopDelegatePrice": tp.get("stopDelegatePrice"),
    })
    return view


def _q(market: Market, units: int) -> Decimal:
    return Decimal(units).scaleb(-(market.spec.price_precision + market.spec.quantity_precision))


def _enum(p: dict[str, Any], name: str, allowed: tuple[str, ...], *,
          code: str = "ORDER_001") -> str:
    value = p.get(name)
    if not isinstance(value, str) or value.upper() not in allowed:
        raise SimError(code, f"{name} must be one of {', '.join(allowed)}")
    return value.upper()


def _client_id(value: object, code: str) -> str | None:
    if value is None or value == "":
        return None
    cid = str(value)
    if not (4 <= len(cid) <= 32 and cid.isascii() and cid.replace("_", "").isalnum()):
        raise SimError(code, "clientOrderId must match ^[a-zA-Z0-9_]{4,32}$")
    return cid


def _units(value: object, precision: int, name: str) -> int:
    try:
        units = to_units(value, precision, name)
    except PrecisionTooFine:
        raise SimError("ORDER_008", f"{name} has more than {precision} decimals") from None
    except BadNumber as exc:
        raise SimError("ORDER_001", str(exc)) from None
    if units <= 0:
        raise SimError("ORDER_F0101" if name == "price" else "ORDER_F0201")
    return units


def contracts(value: object, field: str = "origQty", *,
              scale_code: str = "invalid_quantity_scale") -> int:
    """A futures quantity: a positive whole number of contracts."""
    try:
        qty = to_units(value, 0, field)
    except PrecisionTooFine:
        raise SimError(scale_code, f"{field} must be an integer") from None
    except BadNumber as exc:
        raise SimError("invalid_params", str(exc)) from None
    if qty < 1:
        raise SimError("quantity_can_not_less_than", f"{field} must be at least 1")
    if qty > 10**12:
        raise SimError("invalid_params", f"{field} is too large")
    return qty


def _fut_price(market: Market, value: object, field: str,
               code: str = "invalid_price") -> int:
    try:
        ticks = to_units(value, market.spec.price_precision, field)
    except BadNumber as exc:
        raise SimError(code, str(exc)) from None
    if ticks <= 0:
        raise SimError(code, f"{field} must be positive")
    return ticks


fut_price = _fut_price
