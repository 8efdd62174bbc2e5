"""A seeded, deterministic market per symbol: the book, its churn, its trades.

Prices and quantities are integers (ticks of ``10**-price_precision`` and lots
of ``10**-quantity_precision``) so the book is exact; they become decimal
strings only on the wire.  The synthetic liquidity ("the market") lives in
the same levels as user orders: a level holds a synthetic quantity, which has
time priority, then the users' resting orders in FIFO order.

Every engine event that changes at least one level takes the next update id;
a depth-update frame covers the ids since the previous frame (``fi`` = first,
``i`` = last) and carries each changed level's absolute quantity, so a REST
snapshot with ``lastUpdateId = X`` plus every frame with ``i > X`` rebuilds
exactly this book (the spec's Orderbook procedure).
"""

from __future__ import annotations

import random
import zlib
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

BUY, SELL = "BUY", "SELL"

# Big starting ids so clients meet ids above 2**53 from the first message
# (the spec's own examples have lastUpdateId 137333589606963580).
UPDATE_ID_BASE = 137_333_589_606_963_580
TRADE_ID_BASE = 6_316_559_590_087_222_000


def to_units(value: object, precision: int) -> int:
    """Exact decimal (str/int/float from JSON) -> integer units; ValueError if finer."""
    if isinstance(value, bool) or value is None:
        raise ValueError("not a number")
    if isinstance(value, float):
        value = repr(value)  # shortest round-trip text: what the client wrote
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not d.is_finite():
        raise ValueError(f"{value!r} is not finite")
    scaled = d.scaleb(precision)
    if scaled != scaled.to_integral_value():
        raise PrecisionTooFine(str(value))
    return int(scaled)


class PrecisionTooFine(ValueError):
    pass


def fmt(units: int, precision: int) -> str:
    """Integer units -> fixed-point decimal string with ``precision`` digits."""
    if precision <= 0:
        return str(units * 10 ** (-precision))
    sign = "-" if units < 0 else ""
    digits = str(abs(units)).rjust(precision + 1, "0")
    return f"{sign}{digits[:-precision]}.{digits[-precision:]}"


def dec_str(d: Decimal) -> str:
    """Decimal -> plain string without exponent, trailing zeros kept minimal."""
    if d == 0:
        return "0"
    s = format(d.normalize(), "f")
    return s


@dataclass
class SymbolSpec:
    """Static configuration of one simulated symbol."""

    symbol: str
    base: str
    quote: str
    price_precision: int
    quantity_precision: int
    initial_price: str
    contract_size: str = "1"  # futures only
    min_quantity: str | None = None
    max_quantity: str = "100000"
    min_notional: str = "1"
    taker_fee_rate: str = "0.001"
    maker_fee_rate: str = "0.001"
    inverse: bool = False  # COIN-M: contracts are worth contract_size quote, margined in base

    @property
    def margin_coin(self) -> str:
        return self.base if self.inverse else self.quote


DEFAULT_SPOT = {
    "btc": ("30000.00", 2, 4),
    "eth": ("2000.00", 2, 4),
}
DEFAULT_FUTURES_CONTRACT = {"btc": "0.0001", "eth": "0.01"}
DEFAULT_COIN_M_CONTRACT = {"btc": "100", "eth": "10"}  # USD face value per contract


def spot_spec(symbol: str) -> SymbolSpec:
    base, _, quote = symbol.partition("_")
    price, pp, qp = DEFAULT_SPOT.get(base, ("10.0000", 4, 2))
    return SymbolSpec(symbol, base, quote or "usdt", pp, qp, price)


def futures_spec(symbol: str, coin_m: bool = False) -> SymbolSpec:
    base, _, quote = symbol.partition("_")
    price, pp, _qp = DEFAULT_SPOT.get(base, ("10.0000", 4, 2))
    table = DEFAULT_COIN_M_CONTRACT if coin_m else DEFAULT_FUTURES_CONTRACT
    # Futures quantities are whole contracts (origQty "must be an integer").
    return SymbolSpec(symbol, base, quote or "usdt", pp, 0, price,
                      contract_size=table.get(base, "1"),
                      taker_fee_rate="0.0006", maker_fee_rate="0.0002", inverse=coin_m)


@dataclass
class Level:
    synthetic: int = 0
    orders: deque[Any] = field(default_factory=deque)  # resting user orders, FIFO

    def total(self) -> int:
        return self.synthetic + int(sum(o.remaining for o in self.orders))


@dataclass
class Fill:
    price: int
    qty: int
    maker: Any  # a resting user Order, or None for synthetic liquidity


@dataclass
class PublicTrade:
    id: int
    time: int
    price: int
    qty: int
    buyer_maker: bool
    order_id: int


class Book:
    """One exact L2 book (synthetic + user orders) with update-id bookkeeping."""

    def __init__(self, update_id: int = UPDATE_ID_BASE) -> None:
        self.bids: dict[int, Level] = {}
        self.asks: dict[int, Level] = {}
        self.update_id = update_id
        self.flushed_id = update_id
        self._changed: dict[tuple[str, int], None] = {}
        self._dirty = False
        self.user_orders = 0  # resting user orders in the book (fast path when 0)

    def side(self, side: str) -> dict[int, Level]:
        return self.bids if side == BUY else self.asks

    def best(self, side: str) -> int | None:
        levels = self.side(side)
        if not levels:
            return None
        return max(levels) if side == BUY else min(levels)

    def qty(self, side: str, price: int) -> int:
        level = self.side(side).get(price)
        return level.total() if level else 0

    def touch(self, side: str, price: int) -> None:
        self._changed[(side, price)] = None
        self._dirty = True
        levels = self.side(side)
        level = levels.get(price)
        if level is not None and level.synthetic == 0 and not level.orders:
            del levels[price]

    def commit(self) -> None:
        """Close one engine event: if it changed levels it takes the next id."""
        if self._dirty:
            self.update_id += 1
            self._dirty = False

    def set_synthetic(self, side: str, price: int, qty: int) -> None:
        levels = self.side(side)
        level = levels.get(price)
        if level is None:
            if qty == 0:
                return
            level = levels[price] = Level()
        if level.synthetic != qty:
            level.synthetic = qty
            self.touch(side, price)

    def levels(self, side: str, n: int | None = None) -> list[tuple[int, int]]:
        levels = self.side(side)
        prices = sorted(levels, reverse=(side == BUY))
        if n is not None:
            prices = prices[:n]
        return [(p, levels[p].total()) for p in prices]

    def flush(self) -> tuple[int, int, list[tuple[int, int]], list[tuple[int, int]]] | None:
        """Changes since the last flush: (first_id, last_id, asks, bids) or None."""
        if self.update_id == self.flushed_id:
            self._changed.clear()
            return None
        asks: list[tuple[int, int]] = []
        bids: list[tuple[int, int]] = []
        for side, price in sorted(self._changed, key=lambda k: (k[0], k[1])):
            (bids if side == BUY else asks).append((price, self.qty(side, price)))
        bids.reverse()
        first = self.flushed_id + 1
        self.flushed_id = self.update_id
        self._changed.clear()
        return first, self.update_id, asks, bids

    def fillable(self, taker_side: str, limit: int | None, qty: int) -> bool:
        """Could ``qty`` be filled right now within ``limit`` (for FOK)?"""
        maker = SELL if taker_side == BUY else BUY
        total = 0
        for price, q in self.levels(maker):
            if limit is not None and (price > limit if taker_side == BUY else price < limit):
                break
            total += q
            if total >= qty:
                return True
        return False

    def take(self, taker_side: str, limit: int | None, qty: int | None,
             quote_budget: int | None = None) -> list[Fill]:
        """Match a taker against the opposite side; mutates levels, returns fills.

        ``qty`` in lots, or ``quote_budget`` in price*lot units for a market buy
        by amount.  Does not commit the update id (the caller's event does).
        """
        maker_side = SELL if taker_side == BUY else BUY
        levels = self.side(maker_side)
        fills: list[Fill] = []
        remaining = qty
        budget = quote_budget
        while levels:
            price = min(levels) if taker_side == BUY else max(levels)
            if limit is not None and (price > limit if taker_side == BUY else price < limit):
                break
            if remaining is not None:
                want = remaining
            else:
                assert budget is not None
                want = budget // price
            if want <= 0:
                break
            level = levels[price]
            got = min(want, level.synthetic)
            if got:
                level.synthetic -= got
                fills.append(Fill(price, got, None))
            while got < want and level.orders:
                order = level.orders[0]
                take_o = min(want - got, order.remaining)
                order.remaining -= take_o
                fills.append(Fill(price, take_o, order))
                got += take_o
                if order.remaining == 0:
                    level.orders.popleft()
                    self.user_orders -= 1
            if remaining is not None:
                remaining -= got
            else:
                assert budget is not None
                budget -= got * price
            self.touch(maker_side, price)
            if got < want:
                continue  # level exhausted, go deeper
            break
        return fills

    def add_order(self, side: str, price: int, order: object) -> None:
        levels = self.side(side)
        level = levels.get(price)
        if level is None:
            level = levels[price] = Level()
        level.orders.append(order)
        self.user_orders += 1
        self.touch(side, price)

    def remove_order(self, side: str, price: int, order: object) -> None:
        level = self.side(side).get(price)
        if level is None:
            return
        try:
            level.orders.remove(order)
        except ValueError:
            return
        self.user_orders -= 1
        self.touch(side, price)


class Market:
    """The synthetic market of one symbol: random walk, churn, trades, stats."""

    def __init__(self, spec: SymbolSpec, seed: int, *, depth_levels: int = 200,
                 product: str = "spot") -> None:
        self.spec = spec
        self.product = product
        mix = zlib.crc32(f"{product}:{spec.symbol}".encode())
        self.rng = random.Random((seed * 1_000_003) ^ mix)
        self.book = Book()
        self.depth_levels = depth_levels
        self.half_spread = 1
        self.mid = to_units(spec.initial_price, spec.price_precision)
        self.lot_scale: int = max(1, int(10 ** spec.quantity_precision) // 100)
        self.trades: deque[PublicTrade] = deque(maxlen=5000)
        self.new_trades: list[PublicTrade] = []
        self.next_trade_id = TRADE_ID_BASE + (mix & 0xFFFF) * 1_000_000
        self.open_price = self.mid
        self.high = self.mid
        self.low = self.mid
        self.last = self.mid
        self.volume = 0
        self.quote_volume = 0
        self.last_trade_time = 0
        self.market_fills: tuple[str, list[Fill]] | None = None
        self.funding_rate = Decimal(self.rng.randint(-30, 30)) / Decimal(100000)
        self._populate()

    # -- synthetic liquidity -------------------------------------------------
    def _random_qty(self) -> int:
        return self.rng.randint(1, 500) * self.lot_scale

    def _band(self, side: str) -> range:
        if side == SELL:
            start = self.mid + self.half_spread
            return range(start, start + 2 * self.depth_levels)
        start = self.mid - self.half_spread
        return range(start - 2 * self.depth_levels + 1, start + 1)

    def _user_bounds(self) -> tuple[int | None, int | None]:
        """Best resting user bid and ask: synthetic liquidity never crosses them
        (the synthetic takers trade with user orders instead)."""
        if not self.book.user_orders:
            return (None, None)
        bids = [p for p, lv in self.book.bids.items() if lv.orders]
        asks = [p for p, lv in self.book.asks.items() if lv.orders]
        return (max(bids) if bids else None, min(asks) if asks else None)

    def _crosses(self, side: str, price: int, bounds: tuple[int | None, int | None]) -> bool:
        user_bid, user_ask = bounds
        if side == SELL:
            return user_bid is not None and price <= user_bid
        return user_ask is not None and price >= user_ask

    def _populate(self) -> None:
        for side in (SELL, BUY):
            for price in self._band(side):
                if price > 0 and self.rng.random() < 0.5:
                    self.book.set_synthetic(side, price, self._random_qty())
        self.book.commit()
        self.book.flushed_id = self.book.update_id
        self.book._changed.clear()

    def step(self, now_ms: int) -> None:
        """Advance the market by one event (deterministic given the seed)."""
        book = self.book
        rng = self.rng
        old = {SELL: self._band(SELL), BUY: self._band(BUY)}
        bounds = self._user_bounds()
        if rng.random() < 0.3:
            self.mid = max(self.depth_levels * 2 + 2,
                           self.mid + rng.choice((-1, 1)) * rng.randint(1, 3))
        for side in (SELL, BUY):
            new = self._band(side)
            if new == old[side]:
                continue
            levels = book.side(side)
            for price in [p for p in levels if p not in new and levels[p].synthetic]:
                book.set_synthetic(side, price, 0)
            for price in new:
                if price not in old[side] and rng.random() < 0.5 \
                        and not self._crosses(side, price, bounds):
                    book.set_synthetic(side, price, self._random_qty())
        for _ in range(rng.randint(1, 4)):
            side = SELL if rng.random() < 0.5 else BUY
            dist = min(int(rng.expovariate(1 / 6)), 2 * self.depth_levels - 1)
            band = self._band(side)
            price = band[dist] if side == SELL else band[-1 - dist]
            if self._crosses(side, price, bounds):
                continue
            qty = 0 if rng.random() < 0.25 else self._random_qty()
            book.set_synthetic(side, price, qty)
        book.commit()
        if rng.random() < 0.15:
            taker = BUY if rng.random() < 0.5 else SELL
            best = book.best(SELL if taker == BUY else BUY)
            if best is not None:
                qty = min(book.qty(SELL if taker == BUY else BUY, best),
                          rng.randint(1, 300) * self.lot_scale)
                fills = book.take(taker, best, qty)
                self.record_fills(fills, taker, now_ms, taker_order_id=0)
                book.commit()
                self.market_fills = (taker, fills)
                return
        self.market_fills = None

    def record_fills(self, fills: list[Fill], taker_side: str, now_ms: int,
                     taker_order_id: int) -> list[PublicTrade]:
        out = []
        for f in fills:
            trade = PublicTrade(self.next_trade_id, now_ms, f.price, f.qty,
                                buyer_maker=(taker_side == SELL),
                                order_id=getattr(f.maker, "id", None) or taker_order_id)
            self.next_trade_id += 1
            self.trades.append(trade)
            self.new_trades.append(trade)
            out.append(trade)
            self.last = f.price
            self.high = max(self.high, f.price)
            self.low = min(self.low, f.price)
            self.volume += f.qty
            self.quote_volume += f.qty * f.price
            self.last_trade_time = now_ms
        return out

    # -- views ---------------------------------------------------------------
    def price_str(self, ticks: int) -> str:
        return fmt(ticks, self.spec.price_precision)

    def qty_str(self, lots: int) -> str:
        return fmt(lots, self.spec.quantity_precision)

    def quote_str(self, units: int) -> str:
        return fmt(units, self.spec.price_precision + self.spec.quantity_precision)

    def snapshot(self, n: int | None = None) -> dict[str, Any]:
        return {
            "last_update_id": self.book.update_id,
            "bids": [(self.price_str(p), self.qty_str(q)) for p, q in self.book.levels(BUY, n)],
            "asks": [(self.price_str(p), self.qty_str(q)) for p, q in self.book.levels(SELL, n)],
        }

    def mark_price(self) -> int:
        bid, ask = self.book.best(BUY), self.book.best(SELL)
        if bid is None or ask is None:
            return self.last
        return (bid + ask) // 2
