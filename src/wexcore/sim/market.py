"""One symbol's public market: the exact book, its trades and statistics.

This is the seam between the routes and whatever moves the market. The
routes, the matching engine and the stream fan-out only ever read and change
a :class:`Market` (its :class:`Book`, trade record, statistics and the three
price sources); what drives the synthetic liquidity is a
:class:`MarketSource` held by the market (today :class:`SyntheticSource`, a
seeded random walk, in :mod:`wexcore.sim.source`). A recorded market can
replace it by implementing the same two members: ``step(now_ms)`` applies
the next event to ``market.book`` (through :meth:`Book.set_synthetic`,
:meth:`Market.take_synthetic` and :meth:`Book.commit`), and ``mid`` is its
reference price.

Prices and quantities are integers (ticks of ``10**-price_precision`` and lots
of ``10**-quantity_precision``) so the book is exact; they become decimal
strings only on the wire. The synthetic liquidity lives in the same levels as
user orders: a level holds a synthetic quantity, which has time priority, then
the users' resting orders in FIFO order.

Every engine event that changes at least one level takes the next update id;
a depth-update frame covers the ids since the previous frame (``fi`` = first,
``i`` = last) and carries each changed level's absolute quantity, so a REST
snapshot with ``lastUpdateId = X`` plus every frame with ``i > X`` rebuilds
exactly this book (the spec's Orderbook procedure).
"""

from __future__ import annotations

import heapq
import math
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any, Protocol

from .numbers import PrecisionTooFine, dec_str, fmt, to_units

__all__ = ["BUY", "SELL", "contract_value", "Book", "Level", "Fill", "PublicTrade", "Market",
           "MarketSource", "SymbolSpec", "spot_spec", "futures_spec", "generate_specs", "fmt",
           "dec_str", "to_units", "PrecisionTooFine", "UPDATE_ID_BASE", "TRADE_ID_BASE"]

BUY, SELL = "BUY", "SELL"

# Big starting ids so clients meet ids above 2**53 from the first message
# (the spec's own examples have lastUpdateId 137333589606963580).
UPDATE_ID_BASE = 137_333_589_606_963_580
TRADE_ID_BASE = 6_316_559_590_087_222_000


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

# Names for generated symbol sets (``--symbols N``): familiar bases first,
# then made-up ones; each gets a plausible price from a hash of its name.
MAJORS = ("btc", "eth", "sol", "xrp", "bnb", "doge", "ada", "trx", "ton", "avax", "link",
          "dot", "ltc", "bch", "near", "uni", "apt", "atom", "etc", "fil", "arb", "op",
          "inj", "sui", "pepe", "shib", "aave", "mkr", "ldo", "rndr", "grt", "algo",
          "xlm", "hbar", "icp", "vet", "sand", "mana", "axs", "ftm")


def spot_spec(symbol: str) -> SymbolSpec:
    base, _, quote = symbol.partition("_")
    price, pp, qp = DEFAULT_SPOT.get(base, ("10.0000", 4, 2))
    return SymbolSpec(symbol, base, quote or "usdt", pp, qp, price)


def futures_spec(symbol: str, coin_m: bool = False) -> SymbolSpec:
    return as_futures(spot_spec(symbol), coin_m)


def as_futures(spot: SymbolSpec, coin_m: bool = False) -> SymbolSpec:
    """The futures contract on the same pair (same price grid, whole contracts)."""
    table = DEFAULT_COIN_M_CONTRACT if coin_m else DEFAULT_FUTURES_CONTRACT
    size = table.get(spot.base, "1")
    # Futures quantities are whole contracts (origQty "must be an integer").
    return SymbolSpec(spot.symbol, spot.base, spot.quote, spot.price_precision, 0,
                      spot.initial_price, contract_size=size, taker_fee_rate="0.0006",
                      maker_fee_rate="0.0002", inverse=coin_m)


def generate_specs(n: int, quote: str = "usdt") -> list[SymbolSpec]:
    """``n`` plausible spot symbols: familiar names first, prices from a name hash.

    Prices spread log-uniformly between about 0.001 and 50,000; the tick is
    about a hundred-thousandth of the price and a lot about a
    ten-thousandth of a quote unit's worth, like listed pairs.
    """
    if n < 1:
        raise ValueError("symbols: need at least one")
    names = [f"{b}_{quote}" for b in MAJORS[:n]]
    i = 0
    while len(names) < n:
        names.append(f"x{i:03d}_{quote}")
        i += 1
    out = []
    for name in names:
        base = name.partition("_")[0]
        if base in DEFAULT_SPOT:
            out.append(spot_spec(name))
            continue
        h = zlib.crc32(name.encode())
        exp10 = -3 + (h % 7700) / 1000  # 10**-3 .. 10**4.7
        mag = math.floor(exp10)
        pp = max(0, min(8, 4 - mag))
        units = int(round(10 ** (exp10 + pp)))
        qp = max(0, min(6, mag + 2))
        out.append(SymbolSpec(name, base, quote, pp, qp, fmt(max(units, 10_000), pp)))
    return out


_WIDE = Context(prec=60)


def contract_value(spec: SymbolSpec, price: Decimal, qty: int, times: Decimal | int = 1,
                   per: Decimal | int = 1) -> Decimal:
    """``qty`` contracts at ``price`` in the margin coin, times ``times`` over ``per``.

    Linear: ``price * qty * size``; inverse: ``qty * size / price``. The one
    division comes last (60 digits), so a result that is exact -- a fee or
    a margin landing on a whole unit of the 8th decimal -- stays exact and
    rounds (up, for fees and margin) where the true value says.
    """
    cs = Decimal(spec.contract_size)
    if spec.inverse:
        return _WIDE.divide(qty * cs * times, price * per)
    return _WIDE.divide(price * qty * cs * times, Decimal(per))


class Level:
    """One price level: synthetic quantity (first in time) then user orders (FIFO).

    ``orders`` stays ``None`` until a user order rests here: most levels are
    synthetic only and are created and dropped on every market event.
    """

    __slots__ = ("synthetic", "orders")

    def __init__(self, synthetic: int = 0) -> None:
        self.synthetic = synthetic
        self.orders: deque[Any] | None = None

    def total(self) -> int:
        if not self.orders:
            return self.synthetic
        total: int = self.synthetic + sum(o.remaining for o in self.orders)
        return total


@dataclass(slots=True)
class Fill:
    price: int
    qty: int
    maker: Any  # a resting user Order, or None for synthetic liquidity


@dataclass(slots=True)
class PublicTrade:
    id: int
    time: int
    price: int
    qty: int
    buyer_maker: bool
    order_id: int


class Book:
    """One exact L2 book (synthetic + user orders) with update-id bookkeeping.

    The best prices are cached (a removal at the touch clears the cache, the
    next read recomputes it) because the generator, the matcher and the
    price sources read them on every event.
    """

    __slots__ = ("bids", "asks", "update_id", "flushed_id", "_changed", "_dirty",
                 "user_orders", "_best", "_user_levels")

    def __init__(self, update_id: int = UPDATE_ID_BASE) -> None:
        self.bids: dict[int, Level] = {}
        self.asks: dict[int, Level] = {}
        self.update_id = update_id
        self.flushed_id = update_id
        # prices changed since the last flush, per side (set semantics)
        self._changed: dict[str, dict[int, None]] = {BUY: {}, SELL: {}}
        self._dirty = False
        self.user_orders = 0  # resting user orders in the book (fast path when 0)
        self._best: dict[str, int | None] = {BUY: None, SELL: None}
        # price -> number of resting user orders, per side
        self._user_levels: dict[str, dict[int, int]] = {BUY: {}, SELL: {}}

    def side(self, side: str) -> dict[int, Level]:
        return self.bids if side == BUY else self.asks

    def best(self, side: str) -> int | None:
        b = self._best[side]
        if b is None:
            levels = self.bids if side == BUY else self.asks
            if levels:
                b = self._best[side] = max(levels) if side == BUY else min(levels)
        return b

    def best_user(self, side: str) -> int | None:
        """Best price of a resting user order on ``side``."""
        lv = self._user_levels[side]
        if not lv:
            return None
        return max(lv) if side == BUY else min(lv)

    def qty(self, side: str, price: int) -> int:
        level = (self.bids if side == BUY else self.asks).get(price)
        return level.total() if level else 0

    def _new_level(self, side: str, levels: dict[int, Level], price: int) -> Level:
        level = levels[price] = Level()
        b = self._best[side]
        if b is not None and (price > b if side == BUY else price < b):
            self._best[side] = price
        return level

    def touch(self, side: str, price: int) -> None:
        self._changed[side][price] = None
        self._dirty = True
        levels = self.bids if side == BUY else self.asks
        level = levels.get(price)
        if level is not None and level.synthetic == 0 and not level.orders:
            del levels[price]
            if self._best[side] == price:
                self._best[side] = None

    def commit(self) -> None:
        """Close one engine event: if it changed levels it takes the next id."""
        if self._dirty:
            self.update_id += 1
            self._dirty = False

    def set_synthetic(self, side: str, price: int, qty: int) -> None:
        # the generator's hot path: one lookup, no helper calls
        levels = self.bids if side == BUY else self.asks
        level = levels.get(price)
        if level is None:
            if not qty:
                return
            levels[price] = Level(qty)
            b = self._best[side]
            if b is not None and (price > b if side == BUY else price < b):
                self._best[side] = price
        elif level.synthetic != qty:
            level.synthetic = qty
            if not qty and not level.orders:
                del levels[price]
                if self._best[side] == price:
                    self._best[side] = None
        else:
            return
        self._changed[side][price] = None
        self._dirty = True

    def levels(self, side: str, n: int | None = None) -> list[tuple[int, int]]:
        levels = self.side(side)
        if n is None or n >= len(levels):
            prices = sorted(levels, reverse=(side == BUY))
        elif side == BUY:
            prices = heapq.nlargest(n, levels)
        else:
            prices = heapq.nsmallest(n, levels)
        return [(p, levels[p].total()) for p in prices]

    def flush(self) -> tuple[int, int, list[tuple[int, int]], list[tuple[int, int]]] | None:
        """Changes since the last flush: (first_id, last_id, asks, bids) or None."""
        ch_bids, ch_asks = self._changed[BUY], self._changed[SELL]
        if self.update_id == self.flushed_id:
            ch_bids.clear()
            ch_asks.clear()
            return None
        bl, al = self.bids, self.asks
        asks = []
        for p in sorted(ch_asks):
            lv = al.get(p)
            asks.append((p, 0 if lv is None else lv.total()))
        bids = []
        for p in sorted(ch_bids, reverse=True):
            lv = bl.get(p)
            bids.append((p, 0 if lv is None else lv.total()))
        first = self.flushed_id + 1
        self.flushed_id = self.update_id
        ch_bids.clear()
        ch_asks.clear()
        return first, self.update_id, asks, bids

    def mark_published(self) -> None:
        """Forget pending changes: the current state is the published one."""
        self.flushed_id = self.update_id
        self._changed[BUY].clear()
        self._changed[SELL].clear()

    def fillable(self, taker_side: str, limit: int | None, qty: int) -> bool:
        """Could ``qty`` be filled right now within ``limit`` (for FOK)?"""
        maker = SELL if taker_side == BUY else BUY
        levels = self.side(maker)
        prices = sorted(levels, reverse=(maker == BUY))
        total = 0
        for price in prices:
            if limit is not None and (price > limit if taker_side == BUY else price < limit):
                break
            total += levels[price].total()
            if total >= qty:
                return True
        return False

    def take(self, taker_side: str, limit: int | None, qty: int | None,
             quote_budget: int | None = None) -> list[Fill]:
        """Match a taker against the opposite side; mutates levels, returns fills.

        ``qty`` in lots, or ``quote_budget`` in price*lot units for a market buy
        by amount. Does not commit the update id (the caller's event does).
        """
        maker_side = SELL if taker_side == BUY else BUY
        levels = self.side(maker_side)
        fills: list[Fill] = []
        remaining = qty
        budget = quote_budget
        while levels:
            price = self.best(maker_side)
            assert price is not None
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
            queue = level.orders
            while got < want and queue:
                order = queue[0]
                take_o = min(want - got, order.remaining)
                order.remaining -= take_o
                fills.append(Fill(price, take_o, order))
                got += take_o
                if order.remaining == 0:
                    queue.popleft()
                    self._user_left(maker_side, price)
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

    def _user_left(self, side: str, price: int) -> None:
        self.user_orders -= 1
        lv = self._user_levels[side]
        n = lv[price] - 1
        if n:
            lv[price] = n
        else:
            del lv[price]

    def add_order(self, side: str, price: int, order: object) -> None:
        levels = self.side(side)
        level = levels.get(price)
        if level is None:
            level = self._new_level(side, levels, price)
        if level.orders is None:
            level.orders = deque()
        level.orders.append(order)
        self.user_orders += 1
        lv = self._user_levels[side]
        lv[price] = lv.get(price, 0) + 1
        self.touch(side, price)

    def remove_order(self, side: str, price: int, order: object) -> None:
        level = self.side(side).get(price)
        if level is None or not level.orders:
            return
        try:
            level.orders.remove(order)
        except ValueError:
            return
        self._user_left(side, price)
        self.touch(side, price)


class MarketSource(Protocol):
    """What moves a market's synthetic liquidity (see the module docstring)."""

    @property
    def mid(self) -> int: ...

    def step(self, now_ms: int) -> None: ...


class Market:
    """One symbol of one product: book, trade record, statistics, price sources."""

    def __init__(self, spec: SymbolSpec, seed: int, *, depth_levels: int = 200,
                 product: str = "spot", source: MarketSource | None = None) -> None:
        self.spec = spec
        self.product = product
        self.mix = zlib.crc32(f"{product}:{spec.symbol}".encode())
        self.book = Book()
        self.depth_levels = depth_levels
        self.trades: deque[PublicTrade] = deque(maxlen=5000)
        self.new_trades: list[PublicTrade] = []
        self.next_trade_id = TRADE_ID_BASE + (self.mix & 0xFFFF) * 1_000_000
        initial = to_units(spec.initial_price, spec.price_precision)
        self.open_price = self.high = self.low = self.last = initial
        self.volume = 0
        self.quote_volume = 0
        self.last_trade_time = 0
        #: a synthetic taker's fills that hit user orders, with their trades
        #: (the engine settles them: :meth:`Engine.market_step_fills`)
        self.market_fills: list[tuple[Fill, PublicTrade]] | None = None
        #: the index price source (futures: the spot book of the same pair)
        self.index_ref: Callable[[], int] | None = None
        self._pstr: dict[int, str] = {}
        self._qstr: dict[int, str] = {}
        if source is None:
            from .source import SyntheticSource

            source = SyntheticSource(self, seed, depth_levels)
        self.source: MarketSource = source

    # -- the source ----------------------------------------------------------
    @property
    def mid(self) -> int:
        """The source's reference price (ticks)."""
        return self.source.mid

    @property
    def lot_scale(self) -> int:
        return int(getattr(self.source, "lot_scale", 1))

    @lot_scale.setter
    def lot_scale(self, value: int) -> None:
        self.source.lot_scale = value  # type: ignore[attr-defined]

    def step(self, now_ms: int) -> None:
        """Advance the market by one event of its source."""
        self.market_fills = None
        self.source.step(now_ms)

    def take_synthetic(self, taker: str, limit: int | None, qty: int, now_ms: int) -> None:
        """A synthetic taker trades against the book (its fills may hit user orders)."""
        fills = self.book.take(taker, limit, qty)
        trades = self.record_fills(fills, taker, now_ms, taker_order_id=0)
        self.book.commit()
        if self.book.user_orders or any(f.maker is not None for f in fills):
            hits = [(f, t) for f, t in zip(fills, trades, strict=True) if f.maker is not None]
            self.market_fills = hits or None

    def record_fills(self, fills: list[Fill], taker_side: str, now_ms: int,
                     taker_order_id: int) -> list[PublicTrade]:
        out = []
        for f in fills:
            maker_id = getattr(f.maker, "id", None)
            trade = PublicTrade(self.next_trade_id, now_ms, f.price, f.qty,
                                buyer_maker=(taker_side == SELL),
                                order_id=maker_id or taker_order_id)
            self.next_trade_id += 1
            self.new_trades.append(trade)
            self.add_trade(trade)
            out.append(trade)
        return out

    def add_trade(self, trade: PublicTrade) -> None:
        """A public trade into the trade record and the statistics (a market
        replay adds the recorded ones here)."""
        self.trades.append(trade)
        price = trade.price
        self.last = price
        if price > self.high:
            self.high = price
        if price < self.low:
            self.low = price
        self.volume += trade.qty
        self.quote_volume += trade.qty * price
        self.last_trade_time = trade.time

    # -- price sources (ticks) -------------------------------------------------
    def last_price(self) -> int:
        return self.last

    def mark_price(self) -> int:
        """Mid of the best bid and ask (the last price when a side is empty)."""
        book = self.book
        bid, ask = book.best(BUY), book.best(SELL)
        if bid is None or ask is None:
            return self.last
        return (bid + ask) // 2

    def index_price(self) -> int:
        ref = self.index_ref
        return ref() if ref is not None else self.mark_price()

    def price_of(self, source: str) -> int:
        """``LATEST_PRICE``, ``MARK_PRICE`` or ``INDEX_PRICE`` in ticks."""
        if source == "MARK_PRICE":
            return self.mark_price()
        if source == "INDEX_PRICE":
            return self.index_price()
        return self.last

    # -- views ---------------------------------------------------------------
    def price_str(self, ticks: int) -> str:
        s = self._pstr.get(ticks)
        return s if s is not None else _remember(self._pstr, ticks, self.spec.price_precision)

    def qty_str(self, lots: int) -> str:
        s = self._qstr.get(lots)
        return s if s is not None else _remember(self._qstr, lots, self.spec.quantity_precision)

    def quote_str(self, units: int) -> str:
        return fmt(units, self.spec.price_precision + self.spec.quantity_precision)

    def price_dec(self, ticks: int) -> Decimal:
        return Decimal(ticks).scaleb(-self.spec.price_precision)

    def snapshot(self, n: int | None = None) -> dict[str, Any]:
        return {
            "last_update_id": self.book.update_id,
            "bids": [(self.price_str(p), self.qty_str(q)) for p, q in self.book.levels(BUY, n)],
            "asks": [(self.price_str(p), self.qty_str(q)) for p, q in self.book.levels(SELL, n)],
        }


def _remember(cache: dict[int, str], units: int, precision: int) -> str:
    """Format and cache (prices and sizes repeat; the cache is bounded)."""
    if len(cache) > 20_000:
        cache.clear()
    s = cache[units] = fmt(units, precision)
    return s
