"""The synthetic market source: a seeded random walk that keeps a deep book.

Each event (``step``) may move the reference price by 1-3 ticks, re-draws a
few levels near the touch, and with probability 0.15 sends a synthetic taker
against the best level. The book spans ``2 * depth_levels`` ticks per side at
about 50 % occupancy. Synthetic liquidity is never placed through a resting
user order (the synthetic takers trade with it instead).

The work per event is proportional to what changes, not to the depth of the
book: a price move touches only the levels that enter or leave the band at
its two edges. The same seed gives the same sequence of events.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

from .market import BUY, SELL

if TYPE_CHECKING:
    from .market import Market


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
        self._populate()

    def _qty(self) -> int:
        return (1 + int(self.rng.random() * 500)) * self.lot_scale

    def _ask_start(self, mid: int) -> int:
        return mid + self.half_spread

    def _bid_end(self, mid: int) -> int:
        return mid - self.half_spread

    def _populate(self) -> None:
        book = self.market.book
        r = self.rng.random
        start = self._ask_start(self.mid)
        for price in range(start, start + self.width):
            if r() < 0.5:
                book.set_synthetic(SELL, price, self._qty())
        end = self._bid_end(self.mid)
        for price in range(end - self.width + 1, end + 1):
            if price > 0 and r() < 0.5:
                book.set_synthetic(BUY, price, self._qty())
        book.commit()
        book.flushed_id = book.update_id
        book._changed.clear()

    def step(self, now_ms: int) -> None:
        market = self.market
        book = market.book
        rng = self.rng
        r = rng.random
        user_bid = book.best_user(BUY) if book.user_orders else None
        user_ask = book.best_user(SELL) if book.user_orders else None
        if r() < 0.3:
            old = self.mid
            move = 1 + int(r() * 3)
            new = max(self.floor, old + (move if r() < 0.5 else -move))
            if new != old:
                self.mid = new
                self._shift(old, new, user_bid, user_ask)
        width = self.width
        ask0 = self._ask_start(self.mid)
        bid0 = self._bid_end(self.mid)
        for _ in range(1 + int(r() * 4)):
            sell = r() < 0.5
            dist = min(int(-math.log(1.0 - r()) * 6), width - 1)
            if sell:
                price = ask0 + dist
                if user_bid is not None and price <= user_bid:
                    continue
            else:
                price = bid0 - dist
                if user_ask is not None and price >= user_ask:
                    continue
            qty = 0 if r() < 0.25 else self._qty()
            book.set_synthetic(SELL if sell else BUY, price, qty)
        book.commit()
        if r() < 0.15:
            taker = BUY if r() < 0.5 else SELL
            maker = SELL if taker == BUY else BUY
            best = book.best(maker)
            if best is not None:
                qty = min(book.qty(maker, best), (1 + int(r() * 300)) * self.lot_scale)
                market.take_synthetic(taker, best, qty, now_ms)

    def _shift(self, old: int, new: int, user_bid: int | None, user_ask: int | None) -> None:
        """Move both bands from ``old`` to ``new``: only the edge levels change."""
        book = self.market.book
        r = self.rng.random
        width = self.width
        for side in (SELL, BUY):
            if side == SELL:
                o_lo, n_lo = self._ask_start(old), self._ask_start(new)
            else:
                o_lo = self._bid_end(old) - width + 1
                n_lo = self._bid_end(new) - width + 1
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
