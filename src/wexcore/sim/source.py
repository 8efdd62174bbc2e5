"""The synthetic market source: a seeded random walk that keeps a deep book.

Each event (``step``) may move the reference price by 1-3 ticks (probability
0.2), re-draws one or two levels near the touch (their distance from it
exponentially distributed, mean 6 ticks; a quarter of them emptied), and
with probability 0.15 sends a synthetic taker against the best level. The
book spans ``2 * depth_levels`` ticks per side at about 50 % occupancy.
Synthetic liquidity is never placed through a resting user order (the
synthetic takers trade with it instead).

The work per event is proportional to what changes, not to the depth of the
book: a price move touches only the levels that enter or leave the band at
its two edges. One call to the seeded generator per event supplies every
decision (128 random bits, sliced), which keeps an event to a few
microseconds. The same seed gives the same sequence of events.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

from .market import BUY, SELL

if TYPE_CHECKING:
    from .market import Market

#: distance from the touch for a uniform 10-bit draw: exponential, mean 6 ticks
_DIST = [int(-math.log(1.0 - (k + 0.5) / 1024) * 6) for k in range(1024)]


class SyntheticSource:
    def __init__(self, market: Market, seed: int, depth_levels: int = 200) -> None:
        self.market = market
        self.rng = random.Random((seed * 1_000_003) ^ market.mix)
        self.depth_levels = depth_levels
        self.width = 2 * depth_levels
        self.half_spread = 1
        self.mid = market.last
        self.floor = self.width + 2
        self.lot_scale: int = max(1, 10 ** market.spec.quantity_precision // 100)
        self._dist = [min(d, self.width - 1) for d in _DIST]
        self._populate()

    def _qty(self) -> int:
        return (1 + int(self.rng.random() * 500)) * self.lot_scale

    def _populate(self) -> None:
        book = self.market.book
        r = self.rng.random
        start = self.mid + self.half_spread
        for price in range(start, start + self.width):
            if r() < 0.5:
                book.set_synthetic(SELL, price, self._qty())
        end = self.mid - self.half_spread
        for price in range(end - self.width + 1, end + 1):
            if price > 0 and r() < 0.5:
                book.set_synthetic(BUY, price, self._qty())
        book.commit()
        book.mark_published()

    def step(self, now_ms: int) -> None:
        market = self.market
        book = market.book
        bits = self.rng.getrandbits(128)
        user_bid = user_ask = None
        if book.user_orders:
            user_bid, user_ask = book.best_user(BUY), book.best_user(SELL)
        if (bits & 1023) < 205:  # p 0.2: the price moves by 1-3 ticks
            old = self.mid
            move = 1 + ((bits >> 10) & 3) % 3
            new = max(self.floor, old + (move if bits & (1 << 12) else -move))
            if new != old:
                self.mid = new
                self._shift(old, new, user_bid, user_ask)
        bits >>= 13
        ask0 = self.mid + self.half_spread
        bid0 = self.mid - self.half_spread
        dist = self._dist
        lot = self.lot_scale
        set_synthetic = book.set_synthetic
        for _ in range(1 + (bits & 1)):
            # 22 bits per change: side 1, distance 10, empty 2, quantity 9
            sell = bits & 4
            d = dist[(bits >> 3) & 1023]
            if sell:
                price = ask0 + d
                if user_bid is not None and price <= user_bid:
                    bits >>= 22
                    continue
            else:
                price = bid0 - d
                if user_ask is not None and price >= user_ask:
                    bits >>= 22
                    continue
            qty = 0 if not (bits >> 13) & 3 else (1 + ((bits >> 15) & 511) % 500) * lot
            set_synthetic(SELL if sell else BUY, price, qty)
            bits >>= 22
        book.commit()
        if (bits & 1023) < 154:  # p 0.15 (at least 71 unused bits are left)
            r = self.rng.random()
            taker = BUY if r < 0.5 else SELL
            maker = SELL if taker == BUY else BUY
            best = book.best(maker)
            if best is not None:
                qty = min(book.qty(maker, best), (1 + int(r * 600) % 300) * lot)
                market.take_synthetic(taker, best, qty, now_ms)

    def _shift(self, old: int, new: int, user_bid: int | None, user_ask: int | None) -> None:
        """Move both bands from ``old`` to ``new``: only the edge levels change."""
        book = self.market.book
        r = self.rng.random
        width = self.width
        for side in (SELL, BUY):
            if side == SELL:
                o_lo, n_lo = old + self.half_spread, new + self.half_spread
            else:
                o_lo = old - self.half_spread - width + 1
                n_lo = new - self.half_spread - width + 1
            o_hi, n_hi = o_lo + width, n_lo + width  # exclusive
            levels = book.side(side)
            # leaving: in the old band, not in the new one
            for price in (range(o_lo, min(o_hi, n_lo)) if new > old
                          else range(max(o_lo, n_hi), o_hi)):
                level = levels.get(price)
                if level is not None and level.synthetic:
                    book.set_synthetic(side, price, 0)
            # entering: in the new band, not in the old one
            for price in (range(max(n_lo, o_hi), n_hi) if new > old
                          else range(n_lo, min(n_hi, o_lo))):
                if price <= 0 or r() >= 0.5:
                    continue
                if side == SELL and user_bid is not None and price <= user_bid:
                    continue
                if side == BUY and user_ask is not None and price >= user_ask:
                    continue
                book.set_synthetic(side, price, self._qty())
