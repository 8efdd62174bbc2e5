"""Futures positions beyond the fills: leverage, margin, funding, liquidation, records.

Decisions where the spec is silent (also in docs/simulator.md):

- Leverage is per (symbol, position side), 10 by default (``initLeverage``),
  1 up to the ``maxLeverage`` of the position's bracket. Changing it with an
  open position re-prices the position's margin at ``entry value / new
  leverage`` (more margin must be available, less is released); it is
  refused while that side has open orders.
- ``positionType`` (ISOLATED or CROSSED) can change only when that side has
  no position and no open orders. Margin is booked per position either way;
  a crossed position's liquidation uses the wallet's free balance as well.
- Margin can be added to a position from the free balance, and removed down
  to ``entry value / leverage`` (the initial margin).
- Maintenance margin rate and maximum leverage come from the leverage
  brackets (``/leverage/bracket/detail``). A position whose equity
  (margin + unrealised PnL at the mark price) falls to twice its maintenance
  margin gets a ``notify`` WARN (once, until it recovers); at its
  maintenance margin it is taken over at the mark price: the realised loss is
  booked (bill ``TAKE_OVER``), whatever equity is left goes to the risk fund
  as the liquidation fee (bill ``QIANG_PING_MANAGER``), a force-close order is
  recorded (``forceClose`` true) with a take-over record, and a ``notify``
  LIQUIDATION is pushed. If the equity was negative the risk fund pays the
  deficit; when the fund cannot, the most profitable opposite positions of
  other accounts are reduced at the mark price (``notify`` ADL, ADL history).
  Partial liquidation is not modelled.
- Funding settles every ``funding_period`` seconds at the current rate:
  ``value at mark * rate`` (linear) or ``contracts * size / mark * rate``
  (inverse); longs pay shorts when the rate is positive (bill ``FUND``,
  funding-fee record). The rate is the premium ``(mark - index) / index``
  plus ``clamp(0.0001 - premium, -0.0005, 0.0005)``, capped at ±0.0075,
  to six decimals.
- A position's history row is written when it closes completely.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any

from .accounts import Account, Position
from .codes import SimError
from .market import BUY, SELL, Market, SymbolSpec, contract_value
from .numbers import amount, amount_up, dec_str

if TYPE_CHECKING:
    from .matching import Engine

# (max nominal value, maintenance rate, initial rate, max leverage); nominal in
# the quote coin (USDT-M) or in the base coin (COIN-M, values are coin amounts)
BRACKETS_U = ((1_000_000, "0.005", "0.01", 100), (5_000_000, "0.01", "0.02", 50),
              (20_000_000, "0.025", "0.05", 20), (100_000_000, "0.05", "0.1", 10))
BRACKETS_C = ((50, "0.005", "0.01", 100), (250, "0.01", "0.02", 50),
              (1_000, "0.025", "0.05", 20), (5_000, "0.05", "0.1", 10))
RISK_FUND_START = Decimal(1_000_000)
RATE_CAP = Decimal("0.0075")
INTEREST = Decimal("0.0001")


def brackets(spec: SymbolSpec) -> tuple[tuple[int, str, str, int], ...]:
    return BRACKETS_C if spec.inverse else BRACKETS_U


def bracket_for(spec: SymbolSpec, value: Decimal) -> tuple[int, str, str, int]:
    table = brackets(spec)
    for row in table:
        if value <= row[0]:
            return row
    return table[-1]


def value_at(spec: SymbolSpec, price: Decimal, size: int, times: Decimal | int = 1,
             per: Decimal | int = 1) -> Decimal:
    if not price:
        return Decimal(0)
    return contract_value(spec, price, size, times, per)


def unrealized(spec: SymbolSpec, pos: Position, pside: str, mark: Decimal) -> Decimal:
    if not pos.size or not mark:
        return Decimal(0)
    cs = Decimal(spec.contract_size)
    direction = 1 if pside == "LONG" else -1
    if spec.inverse:
        return amount(pos.size * cs * (1 / pos.entry - 1 / mark) * direction)
    return amount((mark - pos.entry) * pos.size * cs * direction)


def break_price(spec: SymbolSpec, pos: Position, pside: str, extra: Decimal = Decimal(0)
                ) -> Decimal:
    """The mark price at which equity equals the maintenance margin (0 if none)."""
    if not pos.size or not pos.entry:
        return Decimal(0)
    q = pos.size * Decimal(spec.contract_size)
    margin = pos.margin + extra
    mmr = Decimal(bracket_for(spec, value_at(spec, pos.entry, pos.size))[1])
    if spec.inverse:
        if pside == "LONG":
            p = q * (1 + mmr) / (margin + q / pos.entry)
        else:
            den = q / pos.entry - margin
            if den <= 0:
                return Decimal(0)
            p = q * (1 - mmr) / den
    elif pside == "LONG":
        p = (pos.entry * q - margin) / (q * (1 - mmr))
    else:
        p = (margin + pos.entry * q) / (q * (1 + mmr))
    return max(Decimal(0), p).quantize(Decimal(1).scaleb(-spec.price_precision))


def funding_rate(market: Market) -> Decimal:
    mark = Decimal(market.mark_price())
    index = Decimal(market.index_price())
    if not index:
        return Decimal(0)
    premium = (mark - index) / index
    rate = premium + min(Decimal("0.0005"), max(Decimal("-0.0005"), INTEREST - premium))
    rate = max(-RATE_CAP, min(RATE_CAP, rate))
    return rate.quantize(Decimal("0.000001"))


class PositionDesk:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.risk_fund: dict[str, Decimal] = {}
        self.risk_records: dict[str, list[dict[str, Any]]] = {}
        self.funding_records: dict[str, list[dict[str, Any]]] = {}
        self.rates: dict[str, Decimal] = {}
        self.last_funding: dict[str, int] = {}

    # -- records -----------------------------------------------------------
    def bill(self, acct: Account, coin: str, symbol: str | None, kind: str,
             amount: Decimal) -> None:
        if not amount:
            return
        acct.bills.append({
            "id": next(self.engine.aux_ids), "coin": coin, "symbol": symbol, "type": kind,
            "side": "ADD" if amount > 0 else "SUB", "amount": dec_str(abs(amount)),
            "afterAmount": dec_str(acct.futures_wallet.get(coin, Decimal(0))),
            "createdTime": self.engine.clock_ms(),
        })

    def open_cycle(self, pos: Position, order: Any, now: int) -> None:
        pos.opened = now
        pos.max_size = 0
        pos.fees = Decimal(0)
        pos.fund_fees = Decimal(0)
        pos.cycle_realized = Decimal(0)
        pos.closed_qty = 0
        pos.close_value = Decimal(0)
        pos.start_leverage = order.leverage
        pos.warned = False

    def close_cycle(self, acct: Account, market: Market, pside: str, pos: Position, now: int,
                    *, force: bool = False, mark: Decimal | None = None) -> None:
        """The position went to zero: write its history row, revoke its TP/SL."""
        spec = market.spec
        key = (spec.symbol, pside)
        close_price = (pos.close_value / pos.closed_qty) if pos.closed_qty else (mark or 0)
        acct.position_history.append({
            "id": str(next(self.engine.aux_ids)), "positionSide": pside,
            "contractType": "PERPETUAL", "symbol": spec.symbol,
            "positionType": 1 if acct.position_type.get(key) == "CROSSED" else 2,
            "closeProfit": dec_str(pos.cycle_realized),
            "closePositionSize": str(pos.closed_qty), "closeOpenPrice": dec_str(pos.entry),
            "closePrice": dec_str(Decimal(close_price).quantize(
                Decimal(1).scaleb(-spec.price_precision))),
            "maxPositionSize": str(pos.max_size), "openTime": pos.opened, "closeTime": now,
            "startLeverage": pos.start_leverage,
            "endLeverage": acct.leverage.get(key, 10), "working": False, "force": force,
            "forceMarkPrice": dec_str(mark) if force and mark is not None else None,
            "totalFee": dec_str(pos.fees), "totalFundFee": dec_str(pos.fund_fees),
            "welfareAccount": False, "isFullClose": 1,
        })
        pos.entry = Decimal(0)
        pos.warned = False
        self.engine.triggers.position_closed(acct, spec.symbol, pside)

    # -- user actions ------------------------------------------------------
    def open_orders(self, acct: Account, symbol: str, pside: str) -> list[Any]:
        from .matching import TERMINAL

        return [o for o in acct.orders.values() if o.product == "futures"
                and o.state not in TERMINAL and o.symbol == symbol
                and o.position_side == pside]

    def adjust_leverage(self, acct: Account, market: Market, pside: str, lev: int) -> None:
        spec = market.spec
        key = (spec.symbol, pside)
        pos = acct.positions.get(key)
        value = value_at(spec, pos.entry, pos.size) if pos and pos.size else Decimal(0)
        max_lev = bracket_for(spec, value)[3]
        if lev < 1:
            raise SimError("invalid_params", "leverage must be at least 1")
        if lev > max_lev:
            raise SimError("exceed_max_leverage", f"maximum leverage is {max_lev}")
        if self.open_orders(acct, spec.symbol, pside):
            raise SimError("invalid_params", "cancel the open orders of this position first")
        if pos is not None and pos.size:
            new_margin = amount_up(value_at(spec, pos.entry, pos.size, per=lev))
            diff = new_margin - pos.margin
            if diff > 0 and self.engine.free_margin(acct, spec.margin_coin) < diff:
                raise SimError("more_than_available", "insufficient available margin")
            pos.margin = new_margin
        acct.leverage[key] = lev
        self._changed(acct, market, pside)

    def adjust_margin(self, acct: Account, market: Market, pside: str, amount: Decimal,
                      kind: str) -> None:
        spec = market.spec
        key = (spec.symbol, pside)
        pos = acct.positions.get(key)
        if pos is None or not pos.size:
            raise SimError("invalid_params", "no open position on this side")
        if acct.position_type.get(key) == "CROSSED":
            raise SimError("invalid_position_type", "margin is adjusted on isolated "
                           "positions only")
        if amount <= 0:
            raise SimError("invalid_params", "margin must be positive")
        coin = spec.margin_coin
        if kind == "ADD":
            if self.engine.free_margin(acct, coin) < amount:
                raise SimError("more_than_available", "insufficient available balance")
            pos.margin += amount
        else:
            lev = acct.leverage.get(key, 10)
            initial = amount_up(value_at(spec, pos.entry, pos.size, per=lev))
            if pos.margin - amount < initial:
                raise SimError("more_than_available",
                               "margin cannot go below the initial margin")
            pos.margin -= amount
        self._changed(acct, market, pside)

    def change_type(self, acct: Account, market: Market, pside: str, ptype: str) -> None:
        key = (market.spec.symbol, pside)
        pos = acct.positions.get(key)
        if (pos is not None and pos.size) or self.open_orders(acct, key[0], pside):
            raise SimError("invalid_position_type",
                           "change the position type with no position and no open orders")
        acct.position_type[key] = ptype
        self._changed(acct, market, pside)

    def _changed(self, acct: Account, market: Market, pside: str) -> None:
        self.engine._emit_position(acct, market, pside)
        self.engine._emit_futures_balance(acct, market.spec.margin_coin)

    def close_all(self, acct: Account) -> None:
        """Market-close every open position (after cancelling its closing orders)."""
        from .matching import is_close

        for (symbol, pside), pos in list(acct.positions.items()):
            if not pos.size:
                continue
            market = self.engine.markets["futures"].get(symbol)
            if market is None:
                continue
            for o in self.open_orders(acct, symbol, pside):
                if is_close(o):
                    self.engine.cancel(o)
            side = SELL if pside == "LONG" else BUY
            qty = pos.size - pos.close_frozen
            if qty > 0:
                self.engine.place_futures(acct, market, {
                    "orderSide": side, "orderType": "MARKET", "positionSide": pside,
                    "origQty": str(qty), "timeInForce": "IOC"}, "close-all")

    # -- risk ----------------------------------------------------------------
    def check_risk(self, market: Market) -> None:
        """WARN and liquidate positions of ``market`` at the current mark price."""
        spec = market.spec
        mark = market.price_dec(market.mark_price())
        for acct in list(self.engine.accounts.values()):
            for pside in ("LONG", "SHORT"):
                pos = acct.positions.get((spec.symbol, pside))
                if pos is None or not pos.size:
                    continue
                equity, maint = self.equity(acct, market, pside, pos, mark)
                if equity <= 2 * maint and acct.auto_margin.get((spec.symbol, pside)) \
                        and acct.position_type.get((spec.symbol, pside)) != "CROSSED":
                    # automatic margin call: top the position up from the free balance
                    add = min(self.engine.free_margin(acct, spec.margin_coin),
                              amount_up(3 * maint - equity))
                    if add > 0:
                        pos.margin += add
                        equity += add
                        self._changed(acct, market, pside)
                if equity <= maint:
                    self.liquidate(acct, market, pside, pos, mark, equity)
                elif equity <= 2 * maint:
                    if not pos.warned:
                        pos.warned = True
                        self.engine.notify(acct, market, pside, pos.size, "WARN")
                elif pos.warned and equity > 3 * maint:
                    pos.warned = False

    def equity(self, acct: Account, market: Market, pside: str, pos: Position,
               mark: Decimal) -> tuple[Decimal, Decimal]:
        spec = market.spec
        value = value_at(spec, mark, pos.size)
        maint = value * Decimal(bracket_for(spec, value)[1])
        equity = pos.margin + unrealized(spec, pos, pside, mark)
        if acct.position_type.get((spec.symbol, pside)) == "CROSSED":
            equity += max(Decimal(0), self.engine.free_margin(acct, spec.margin_coin))
        return equity, maint

    def liquidate(self, acct: Account, market: Market, pside: str, pos: Position,
                  mark: Decimal, equity: Decimal) -> None:
        from .matching import Order, is_close

        engine = self.engine
        spec = market.spec
        coin = spec.margin_coin
        now = engine.clock_ms()
        for o in self.open_orders(acct, spec.symbol, pside):
            engine.cancel(o)
        size = pos.size
        loss = unrealized(spec, pos, pside, mark)
        acct.futures_wallet[coin] = acct.futures_wallet.get(coin, Decimal(0)) + loss
        pos.realized += loss
        pos.cycle_realized += loss
        self.bill(acct, coin, spec.symbol, "TAKE_OVER", loss)
        left = pos.margin + loss  # what is left of the margin after the loss
        fund = self.risk_fund.setdefault(spec.symbol, RISK_FUND_START)
        if left > 0:
            acct.futures_wallet[coin] -= left
            self.bill(acct, coin, spec.symbol, "QIANG_PING_MANAGER", -left)
        deficit = -left if left < 0 else Decimal(0)
        if deficit:
            acct.futures_wallet[coin] += deficit  # the fund pays the bankruptcy
        self.risk_fund[spec.symbol] = fund + left
        self._risk_record(spec, fund + left, now)
        price_ticks = int(mark.scaleb(spec.price_precision).to_integral_value(ROUND_DOWN))
        order = Order(next(engine.ids), acct, "futures", market,
                      SELL if pside == "LONG" else BUY, "MARKET", "IOC", None, size, None,
                      None, now, position_side=pside, remaining=0, executed=size,
                      executed_quote=price_ticks * size, state="FILLED", updated=now,
                      ip="liquidation", leverage=acct.leverage.get((spec.symbol, pside), 10),
                      position_type=acct.position_type.get((spec.symbol, pside), "ISOLATED"),
                      source_type="LIQUIDATION", force_close=True, close_profit=loss)
        assert is_close(order)
        acct.orders[order.id] = order
        acct.takeovers.append({
            "requestId": next(engine.aux_ids), "accountId": acct.account_id,
            "userId": acct.user_id, "symbol": spec.symbol,
            "positionType": 1 if acct.position_type.get((spec.symbol, pside)) == "CROSSED"
            else 2, "positionSide": 1 if pside == "LONG" else 2, "success": True,
            "positionSize": str(size), "entryPrice": dec_str(pos.entry),
            "balance": dec_str(acct.futures_wallet[coin]), "markPrice": dec_str(mark),
            "marginRate": dec_str((equity / value_at(spec, mark, size)).quantize(
                Decimal("0.0001"))) if size else "0",
            "createdTime": now,
        })
        pos.closed_qty += size
        pos.close_value += mark * size
        pos.size = 0
        pos.close_frozen = 0
        pos.margin = Decimal(0)
        pos.updated = now
        engine._emit_order(order)
        engine._emit_position(acct, market, pside)
        engine._emit_futures_balance(acct, coin)
        engine.notify(acct, market, pside, size, "LIQUIDATION")
        self.close_cycle(acct, market, pside, pos, now, force=True, mark=mark)
        if self.risk_fund[spec.symbol] < 0:
            self.auto_deleverage(market, pside, size, mark, acct)

    def auto_deleverage(self, market: Market, liquidated_side: str, size: int, mark: Decimal,
                        skip: Account) -> None:
        """Reduce the most profitable opposite positions until the fund is whole."""
        spec = market.spec
        side = "SHORT" if liquidated_side == "LONG" else "LONG"
        ranked = []
        for acct in self.engine.accounts.values():
            pos = acct.positions.get((spec.symbol, side))
            if acct is skip or pos is None or not pos.size:
                continue
            pnl = unrealized(spec, pos, side, mark)
            if pnl > 0:
                ranked.append((pnl / pos.margin if pos.margin else pnl, acct, pos))
        ranked.sort(key=lambda r: r[0], reverse=True)
        left = size
        for _, acct, pos in ranked:
            if left <= 0 or self.risk_fund[spec.symbol] >= 0:
                break
            qty = min(left, pos.size - pos.close_frozen)
            if qty <= 0:
                continue
            self.reduce(acct, market, side, pos, qty, mark, kind="ADL")
            left -= qty

    def reduce(self, acct: Account, market: Market, pside: str, pos: Position, qty: int,
               mark: Decimal, *, kind: str) -> None:
        spec = market.spec
        coin = spec.margin_coin
        now = self.engine.clock_ms()
        cs = Decimal(spec.contract_size)
        direction = 1 if pside == "LONG" else -1
        if spec.inverse:
            pnl = amount(qty * cs * (1 / pos.entry - 1 / mark) * direction)
        else:
            pnl = amount((mark - pos.entry) * qty * cs * direction)
        released = pos.margin if qty >= pos.size else amount(pos.margin * qty / pos.size)
        pos.margin -= released
        pos.size -= qty
        pos.realized += pnl
        pos.cycle_realized += pnl
        pos.closed_qty += qty
        pos.close_value += mark * qty
        acct.futures_wallet[coin] += pnl
        self.bill(acct, coin, spec.symbol, kind, pnl)
        acct.adl_history.append({
            "id": str(next(self.engine.aux_ids)), "symbol": spec.symbol, "positionSide": pside,
            "quantity": str(qty), "price": dec_str(mark), "realizedProfit": dec_str(pnl),
            "createdTime": now, "welfareAccount": False, "uid": acct.user_id,
            "accountId": acct.account_id,
        })
        self.engine._emit_position(acct, market, pside)
        self.engine._emit_futures_balance(acct, coin)
        self.engine.notify(acct, market, pside, qty, "ADL")
        if pos.size == 0:
            self.close_cycle(acct, market, pside, pos, now)

    def _risk_record(self, spec: SymbolSpec, amount: Decimal, now: int) -> None:
        self.risk_records.setdefault(spec.symbol, []).append({
            "id": next(self.engine.aux_ids), "coin": spec.margin_coin,
            "amount": dec_str(amount), "createdTime": now})

    def fund_balance(self, spec: SymbolSpec) -> Decimal:
        return self.risk_fund.setdefault(spec.symbol, RISK_FUND_START)

    def adl_quantile(self, acct: Account, market: Market, pside: str) -> int:
        """0 (last in line) .. 5 (first) from the position's PnL ratio."""
        pos = acct.positions.get((market.spec.symbol, pside))
        if pos is None or not pos.size or not pos.margin:
            return 0
        ratio = unrealized(market.spec, pos, pside, market.price_dec(market.mark_price())) \
            / pos.margin
        if ratio <= 0:
            return 1
        return min(5, 2 + int(ratio * 4))

    # -- funding -------------------------------------------------------------
    def current_rate(self, market: Market) -> Decimal:
        return self.rates.get(market.spec.symbol, funding_rate(market))

    def settle_funding(self, market: Market, now: int, period_s: float) -> None:
        """Charge and pay funding on every position of ``market``; record the rate."""
        spec = market.spec
        rate = funding_rate(market)
        self.rates[spec.symbol] = rate
        self.last_funding[spec.symbol] = now
        self.funding_records.setdefault(spec.symbol, []).append({
            "id": next(self.engine.aux_ids), "symbol": spec.symbol,
            "fundingRate": dec_str(rate), "createdTime": now,
            "collectionInternal": int(period_s) if period_s >= 1 else period_s,
        })
        mark = market.price_dec(market.mark_price())
        coin = spec.margin_coin
        for acct in self.engine.accounts.values():
            paid = False
            for pside in ("LONG", "SHORT"):
                pos = acct.positions.get((spec.symbol, pside))
                if pos is None or not pos.size:
                    continue
                fee = amount(value_at(spec, mark, pos.size, times=rate))
                cast = -fee if pside == "LONG" else fee
                if not cast:
                    continue
                acct.futures_wallet[coin] = acct.futures_wallet.get(coin, Decimal(0)) + cast
                pos.fund_fees += cast
                self.bill(acct, coin, spec.symbol, "FUND", cast)
                acct.funding_fees.append({
                    "id": next(self.engine.aux_ids), "symbol": spec.symbol, "coin": coin,
                    "cast": dec_str(cast), "positionSide": pside, "createdTime": now})
                paid = True
            if paid:
                self.engine._emit_futures_balance(acct, coin)

    def open_interest(self, spec: SymbolSpec) -> int:
        return sum(p.size for a in self.engine.accounts.values()
                   for (s, _side), p in a.positions.items() if s == spec.symbol)
