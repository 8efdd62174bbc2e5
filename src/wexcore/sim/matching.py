"""Accounts, orders and the matching engine (spot and futures).

Spot accounting (decisions where the spec is silent):

- A LIMIT BUY freezes ``price * quantity`` quote; a MARKET BUY (by
  ``quoteQty``) freezes ``quoteQty``; sells freeze the base quantity.  Each fill
  spends from the frozen amount; whatever is left is released when the order
  ends (FILLED, CANCELED, EXPIRED).
- The fee is charged in the currency received (base on a buy, quote on a
  sell) at the taker or maker rate of the symbol.
- Engine-ended orders: an IOC / MARKET remainder, an unfillable FOK and a GTX
  order that would take liquidity end EXPIRED (the spec's "canceled by the
  system"); CANCELED is only ever the user's cancel.  Orders failing a filter
  are refused with an error code and never exist (REJECTED is reserved for
  batch items the engine refused).
- The synthetic liquidity at a level trades before user orders at that level.

Futures accounting, enough to drive the user streams with real events:
isolated margin at a fixed leverage of 10, hedge-mode LONG/SHORT positions.
An order's value is ``price * qty * contractSize`` in the quote coin (USDT-M,
linear) or ``qty * contractSize / price`` in the base coin (COIN-M, inverse);
opening orders freeze value/leverage; fills move it to position margin;
closing orders need an open position; realised PnL and fees settle in the
wallet of the margin coin (linear PnL ``(exit - entry) * qty * cs``, inverse
``qty * cs * (1/entry - 1/exit)``, sign flipped for shorts).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .codes import SimError
from .market import BUY, SELL, Fill, Market, PrecisionTooFine, SymbolSpec, dec_str, to_units

ORDER_ID_BASE = 6_216_559_590_087_220_004

TERMINAL = {"FILLED", "CANCELED", "REJECTED", "EXPIRED"}


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
    leverage: int = 10

    @property
    def symbol(self) -> str:
        return self.market.spec.symbol


@dataclass
class Position:
    coin: str = "usdt"  # margin coin
    size: int = 0  # contracts
    entry: Decimal = Decimal(0)
    margin: Decimal = Decimal(0)
    realized: Decimal = Decimal(0)
    close_frozen: int = 0  # contracts held by open closing orders


@dataclass
class Account:
    api_key: str
    secret: str
    account_id: int
    balances: dict[str, list[Decimal]] = field(default_factory=dict)  # ccy -> [avail, frozen]
    futures_wallet: dict[str, Decimal] = field(default_factory=dict)  # coin -> balance
    futures_order_frozen: dict[str, Decimal] = field(default_factory=dict)
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)

    def bal(self, ccy: str) -> list[Decimal]:
        return self.balances.setdefault(ccy, [Decimal(0), Decimal(0)])


Event = tuple[int, str, str, dict[str, Any]]  # (account_id, product, topic, data)


class Engine:
    """All accounts and the matching logic for every market."""

    def __init__(self, clock_ms: Callable[[], int]) -> None:
        self.clock_ms = clock_ms
        self.accounts: dict[str, Account] = {}
        self.by_id: dict[int, Account] = {}
        self.ids = itertools.count(ORDER_ID_BASE)
        self.events: list[Event] = []
        self.user_trades: list[dict[str, Any]] = []

    def add_account(self, api_key: str, secret: str, balances: dict[str, str] | None,
                    futures_balances: dict[str, str] | None = None) -> Account:
        acct = Account(api_key, secret, 2_146_285_322_559 + len(self.accounts))
        for ccy, amount in (balances or {}).items():
            acct.bal(ccy)[0] = Decimal(amount)
        for coin, amount in (futures_balances or {"usdt": "100000"}).items():
            acct.futures_wallet[coin] = Decimal(amount)
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
        biz = p.get("bizType", "SPOT")
        if str(biz).upper() not in ("SPOT", "LEVER"):
            raise SimError("ORDER_001", "bizType must be SPOT or LEVER")
        client_id = p.get("clientOrderId")
        if client_id is not None:
            client_id = str(client_id)
            if not (4 <= len(client_id) <= 32 and client_id.replace("_", "").isalnum()
                    and client_id.isascii()):
                raise SimError("ORDER_001", "clientOrderId must match ^[a-zA-Z0-9_]{4,32}$")
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
        self._check_filters(market, side, otype, price, qty, quote)
        now = self.clock_ms()
        order = Order(next(self.ids), acct, "spot", market, side, otype, tif, price, qty, quote,
                      client_id, now, remaining=qty or 0, updated=now, ip=ip)
        # freeze
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
        bal = acct.bal(ccy)
        if bal[0] < need:
            raise SimError("ORDER_002")
        bal[0] -= need
        bal[1] += need
        order.frozen = need
        acct.orders[order.id] = order
        self._emit_order(order)
        self._emit_balance(acct, ccy, market)
        self._execute(order)
        return order

    def _check_filters(self, market: Market, side: str, otype: str, price: int | None,
                       qty: int | None, quote: int | None) -> None:
        spec = market.spec
        if price is not None:
            if price <= 0:
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
        crosses = best is not None and (
            order.price is None
            or (order.price >= best if order.side == BUY else order.price <= best))
        if order.tif == "GTX" and crosses:
            self._end(order, "EXPIRED")
            return
        # FOK needs a known quantity; a MARKET BUY by amount cannot be FOK-checked
        # against levels and is treated as IOC.
        if order.tif == "FOK" and order.orig_qty is not None and not book.fillable(
                order.side, order.price, order.remaining):
            self._end(order, "EXPIRED")
            return
        fills: list[Fill] = []
        if crosses:
            if order.orig_quote is not None:
                fills = book.take(order.side, None, None, order.orig_quote - order.executed_quote)
            else:
                fills = book.take(order.side, order.price, order.remaining)
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
            acct.bal(spec.quote)[1] -= quote
            fee = qty * rate
            acct.bal(spec.base)[0] += qty - fee
            fee_ccy = spec.base
        else:
            order.frozen -= qty
            acct.bal(spec.base)[1] -= qty
            fee = quote * rate
            acct.bal(spec.quote)[0] += quote - fee
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
            "time": now, "price": market.price_str(fill.price),
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
        self._emit_balance(acct, spec.base, market)
        self._emit_balance(acct, spec.quote, market)

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
            bal = order.account.bal(ccy)
            bal[1] -= order.frozen
            bal[0] += order.frozen
            order.frozen = Decimal(0)

    def _end(self, order: Order, state: str) -> None:
        order.state = state
        order.updated = self.clock_ms()
        if order.product == "futures" and order.position_side is not None:
            pos = order.account.positions.get((order.symbol, order.position_side))
            if pos is not None and _is_close(order):
                pos.close_frozen -= order.remaining
        self._release(order)
        self._emit_order(order)
        if order.product == "spot":
            spec = order.market.spec
            self._emit_balance(order.account, spec.quote if order.side == BUY else spec.base,
                               order.market)
        else:
            self._emit_futures_balance(order.account, order.market.spec.margin_coin)

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
        mf = getattr(market, "market_fills", None)
        if not mf:
            return
        taker_side, fills = mf
        trades = list(market.trades)[-len(fills):] if fills else []
        for fill, trade in zip(fills, trades, strict=True):
            if fill.maker is not None:
                self._fill(fill.maker, fill, trade.id, taker=False)
        market.market_fills = None

    # --------------------------------------------------------------- futures
    def place_futures(self, acct: Account, market: Market, p: dict[str, Any], ip: str) -> Order:
        spec = market.spec
        side = _enum(p, "orderSide", (BUY, SELL), code="invalid_params")
        otype = _enum(p, "orderType", ("LIMIT", "MARKET"), code="invalid_params")
        tif = str(p.get("timeInForce") or "GTC").upper()
        if tif not in ("GTC", "IOC", "FOK", "GTX"):
            raise SimError("invalid_params", "timeInForce")
        pside = _enum(p, "positionSide", ("LONG", "SHORT"), code="invalid_params")
        try:
            qty = to_units(p.get("origQty"), 0)
        except PrecisionTooFine:
            raise SimError("invalid_quantity_scale", "origQty must be an integer") from None
        except ValueError:
            raise SimError("invalid_params", "origQty") from None
        if qty <= 0:
            raise SimError("invalid_params", "origQty")
        price = None
        if otype == "LIMIT":
            try:
                price = to_units(p.get("price"), spec.price_precision)
            except ValueError:
                raise SimError("invalid_params", "price") from None
            if price <= 0:
                raise SimError("invalid_params", "price")
        now = self.clock_ms()
        order = Order(next(self.ids), acct, "futures", market, side, otype, tif, price, qty,
                      None, p.get("clientOrderId"), now, position_side=pside, remaining=qty,
                      updated=now, ip=ip)
        coin = spec.margin_coin
        if _is_close(order):
            pos = acct.positions.get((spec.symbol, pside))
            if pos is None or pos.size - pos.close_frozen < qty:
                raise SimError("invalid_params", "close quantity exceeds the position")
            pos.close_frozen += qty
        else:
            ref = price if price is not None else market.mark_price()
            margin = order_value(spec, ref, qty) / order.leverage
            free = acct.futures_wallet.get(coin, Decimal(0)) \
                - acct.futures_order_frozen.get(coin, Decimal(0)) \
                - self.position_margin(acct, coin)
            if free < margin:
                raise SimError("insufficient_balance", "insufficient balance")
            acct.futures_order_frozen[coin] = acct.futures_order_frozen.get(coin, Decimal(0)) \
                + margin
            order.frozen = margin
        acct.orders[order.id] = order
        self._emit_order(order)
        self._emit_futures_balance(acct, coin)
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
        fee = value * rate
        pside = order.position_side
        assert pside is not None
        key = (spec.symbol, pside)
        pos = acct.positions.setdefault(key, Position(coin=coin))
        acct.futures_wallet.setdefault(coin, Decimal(0))
        acct.futures_order_frozen.setdefault(coin, Decimal(0))
        margin_unfrozen = Decimal(0)
        if _is_close(order):
            direction = 1 if order.position_side == "LONG" else -1
            if spec.inverse:
                pnl = _qz(fill.qty * cs * (1 / pos.entry - 1 / px) * direction)
            else:
                pnl = (px - pos.entry) * fill.qty * cs * direction
            released = pos.margin if fill.qty >= pos.size else _qz(pos.margin * fill.qty / pos.size)
            pos.margin -= released
            pos.size -= fill.qty
            pos.close_frozen -= fill.qty
            pos.realized += pnl
            acct.futures_wallet[coin] += pnl
            if pos.size == 0:
                pos.entry = Decimal(0)
        else:
            before = order.remaining if taker else order.remaining + fill.qty
            share = order.frozen if fill.qty >= before else _qz(order.frozen * fill.qty / before)
            order.frozen -= share
            acct.futures_order_frozen[coin] -= share
            margin_unfrozen = share
            if spec.inverse:  # the average entry of inverse contracts is harmonic
                pos.entry = (pos.size + fill.qty) / (
                    (pos.size / pos.entry if pos.size else 0) + fill.qty / px)
            else:
                pos.entry = (pos.entry * pos.size + px * fill.qty) / (pos.size + fill.qty)
            pos.size += fill.qty
            pos.margin += value / order.leverage
        acct.futures_wallet[coin] -= fee
        order.fee += fee
        order.executed += fill.qty
        order.executed_quote += fill.price * fill.qty
        if taker:
            order.remaining -= fill.qty
        now = self.clock_ms()
        order.updated = now
        order.state = "FILLED" if order.remaining == 0 else "PARTIALLY_FILLED"
        self.user_trades.append({
            "account": acct.account_id, "symbol": spec.symbol, "tradeId": trade_id,
            "orderId": order.id, "orderSide": order.side, "positionSide": order.position_side,
            "time": now, "price": market.price_str(fill.price), "quantity": str(fill.qty),
            "fee": dec_str(fee), "takerMaker": "taker" if taker else "maker",
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
        self._emit_order(order)
        self._emit_position(acct, market, pside)
        self._emit_futures_balance(acct, coin)

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

    def _emit_balance(self, acct: Account, ccy: str, market: Market) -> None:
        bal = acct.bal(ccy)
        self.events.append((acct.account_id, "spot", "balance", {
            "a": str(acct.account_id), "t": self.clock_ms(), "c": ccy,
            "b": dec_str(bal[0] + bal[1]), "f": dec_str(bal[1]), "z": "SPOT",
            "s": market.spec.symbol,
        }))

    def _emit_futures_balance(self, acct: Account, coin: str) -> None:
        self.events.append((acct.account_id, "futures", "balance",
                            futures_balance_view(acct, coin, self.position_margin(acct, coin))))

    def _emit_position(self, acct: Account, market: Market, pside: str) -> None:
        pos = acct.positions.get((market.spec.symbol, pside), Position())
        self.events.append((acct.account_id, "futures", "position",
                            position_view(market, pside, pos)))


def order_value(spec: SymbolSpec, price_ticks: int, qty: int) -> Decimal:
    """Value of ``qty`` contracts at ``price`` in the margin coin."""
    px = Decimal(price_ticks).scaleb(-spec.price_precision)
    cs = Decimal(spec.contract_size)
    return _qz(qty * cs / px) if spec.inverse else px * qty * cs


#: Inverse (COIN-M) values are rounded to 18 decimals, like a coin's smallest
#: unit, so every later sum and difference is exact in Decimal's 28 digits.
QUANTUM = Decimal("1e-18")


def _qz(x: Decimal) -> Decimal:
    return x.quantize(QUANTUM)


def futures_balance_view(acct: Account, coin: str, isolated: Decimal) -> dict[str, Any]:
    wallet = acct.futures_wallet.get(coin, Decimal(0))
    frozen = acct.futures_order_frozen.get(coin, Decimal(0))
    return {
        "coin": coin, "underlyingType": 2 if coin in ("usdt", "usdc") else 1,
        "walletBalance": dec_str(wallet), "openOrderMarginFrozen": dec_str(frozen),
        "isolatedMargin": dec_str(isolated), "crossedMargin": "0",
    }


def position_view(market: Market, pside: str, pos: Position) -> dict[str, Any]:
    return {
        "symbol": market.spec.symbol, "contractType": "PERPETUAL",
        "positionType": "ISOLATED", "positionSide": pside,
        "positionSize": str(pos.size), "closeOrderSize": str(pos.close_frozen),
        "availableCloseSize": str(pos.size - pos.close_frozen),
        "realizedProfit": dec_str(pos.realized), "entryPrice": dec_str(pos.entry),
        "isolatedMargin": dec_str(pos.margin), "openOrderMarginFrozen": "0",
        "underlyingType": "COIN_BASED" if market.spec.inverse else "U_BASED", "leverage": 10,
    }


def _is_close(order: Order) -> bool:
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
        "type": order.type, "timeInForce": order.tif,
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
    view = {
        "symbol": m.spec.symbol, "orderId": str(order.id), "clientOrderId": order.client_id,
        "origQty": str(order.orig_qty), "avgPrice": avg_price(order),
        "price": m.price_str(order.price) if order.price is not None else "0",
        "executedQty": str(order.executed), "orderSide": order.side,
        "timeInForce": order.tif, "positionSide": order.position_side,
        "marginFrozen": dec_str(order.frozen), "state": order.state,
        "createdTime": order.time, "leverage": order.leverage,
        "positionType": "ISOLATED", "orderType": order.type,
    }
    if stream:
        view.update({"sourceType": "default", "type": "ORDER"})
    else:
        view.update({"updatedTime": order.updated, "closePosition": False,
                     "contractSize": m.spec.contract_size, "sourceId": None,
                     "triggerProfitPrice": None, "triggerStopPrice": None})
    return view


def _q(market: Market, units: int) -> Decimal:
    return Decimal(units).scaleb(-(market.spec.price_precision + market.spec.quantity_precision))


def _enum(p: dict[str, Any], name: str, allowed: tuple[str, ...], *,
          code: str = "ORDER_001") -> str:
    value = p.get(name)
    if not isinstance(value, str) or value.upper() not in allowed:
        raise SimError(code, f"{name} must be one of {', '.join(allowed)}")
    return value.upper()


def _units(value: object, precision: int, name: str) -> int:
    try:
        units = to_units(value, precision)
    except PrecisionTooFine:
        raise SimError("ORDER_008", f"{name} has more than {precision} decimals") from None
    except ValueError:
        raise SimError("ORDER_001", f"{name} is not a decimal number") from None
    if units <= 0:
        raise SimError("ORDER_F0101" if name == "price" else "ORDER_F0201")
    return units
