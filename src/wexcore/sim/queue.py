"""The replayed book: recorded liquidity in public, user orders kept apart.

A market replay shows every client exactly the recorded book (REST depth and
every depth stream, to the update id). User orders therefore never enter the
public levels; :class:`ReplayBook` keeps them beside the book, each with its
place in the queue, and keeps the liquidity users have taken (their
*footprint*) apart too, so a later recorded message is never changed by
what a user did.

Queue model (docs/replay.md has worked examples):

* A resting order joins the back of the level: ``ahead`` is the displayed
  quantity at its price when it arrives (less the footprint there).
  Recorded additions at the price join behind it.
* A recorded trade at the order's price (the aggressor on the other side)
  eats the queue from the front: first the recorded quantity ahead of each
  user order at that price, then the user order; user orders fill with what
  the trade had left after the quantity ahead of them (FIFO among users).
* A recorded trade at a worse price for the aggressor (a sell below a
  resting buy: it traded *through* the order's price) fills user orders at
  better prices first, up to the trade's quantity, at their own prices.
* A decrease of the displayed quantity at the price that the recorded
  trades there do not explain is cancellations. How much of it was ahead of
  a user order is the queue model: ``proportional`` (default; the cancelled
  quantity is spread evenly over the queue: ahead shrinks by ``cancelled *
  ahead // level``), ``front`` (all of it was ahead: optimistic) or ``back``
  (it came from behind first: pessimistic). ``ahead`` never exceeds the
  displayed quantity. A depth update at a price is taken to include every
  recorded trade at that price seen before it.
* A recorded level on the other side that reaches a resting user order's
  price (an ask at or below a resting buy) would have traded with it: the
  user order fills as maker, at its own price, against that level's
  quantity less the footprint there.

Footprint: a user order that takes liquidity (a crossing order) takes it at
the recorded prices, from the displayed quantity less what users already
took there. The footprint at a level never exceeds the displayed quantity
and is forgotten when the level empties. User orders never trade with one
another.

Only the recorded side changes the update id (the replay sets it from the
recording): :meth:`commit` and :meth:`flush` have nothing to do here.
"""

from __future__ import annotations

from typing import Any

from .market import BUY, SELL, Book, Fill

__all__ = ["ReplayBook", "Resting", "QUEUE_MODELS"]

QUEUE_MODELS = ("proportional", "front", "back")


class Resting:
    """A user order resting in a replayed book, and the recorded quantity ahead of it."""

    __slots__ = ("order", "ahead")

    def __init__(self, order: Any, ahead: int) -> None:
        self.order = order
        self.ahead = ahead

    def __repr__(self) -> str:
        return f"<Resting {getattr(self.order, 'id', '?')} ahead={self.ahead}>"


class ReplayBook(Book):
    """The recorded levels (public) plus user queues and footprint (private)."""

    __slots__ = ("queues", "footprint", "traded", "model")

    def __init__(self, update_id: int = 0, model: str = "proportional") -> None:
        super().__init__(update_id)
        if model not in QUEUE_MODELS:
            raise ValueError(f"queue model must be one of {', '.join(QUEUE_MODELS)}, "
                             f"not {model!r}")
        self.model = model
        #: (side, price) -> resting user orders at that price, in time order
        self.queues: dict[tuple[str, int], list[Resting]] = {}
        #: (side, price) -> recorded quantity users took there
        self.footprint: dict[tuple[str, int], int] = {}
        #: (side, price) -> recorded trade quantity there since its last depth update
        self.traded: dict[tuple[str, int], int] = {}

    # -- the recorded side ------------------------------------------------------
    def set_recorded(self, side: str, price: int, qty: int) -> None:
        """One level as the recording says it is now (absolute quantity)."""
        level = (self.bids if side == BUY else self.asks).get(price)
        old = level.synthetic if level is not None else 0
        self.set_synthetic(side, price, qty)
        key = (side, price)
        fp = self.footprint.get(key)
        if fp is not None:
            if qty == 0:
                del self.footprint[key]
            elif fp > qty:
                self.footprint[key] = qty
        traded = self.traded.pop(key, 0)
        queue = self.queues.get(key)
        if queue is not None and qty != old:
            self._requeue(queue, old, qty, traded)

    def _requeue(self, queue: list[Resting], old: int, new: int, traded: int) -> None:
        """A depth update at a price with user orders: cancellations move them up."""
        drop = old - new
        if drop > 0:
            explained = min(drop, traded)
            cancelled = drop - explained
            level = old - explained  # after the trades, before the cancellations
            if cancelled:
                model = self.model
                for r in queue:
                    if model == "front":
                        r.ahead -= min(r.ahead, cancelled)
                    elif model == "back":
                        behind = max(0, level - r.ahead)
                        r.ahead -= min(r.ahead, max(0, cancelled - behind))
                    elif level > 0:
                        r.ahead -= cancelled * r.ahead // level
        for r in queue:
            if r.ahead > new:
                r.ahead = new

    def available(self, side: str, price: int) -> int:
        """Displayed quantity at a level less what users already took there."""
        level = (self.bids if side == BUY else self.asks).get(price)
        if level is None:
            return 0
        return max(0, level.synthetic - self.footprint.get((side, price), 0))

    def _take_at(self, side: str, price: int, want: int) -> int:
        got = min(want, self.available(side, price))
        if got:
            key = (side, price)
            self.footprint[key] = self.footprint.get(key, 0) + got
        return got

    # -- user orders resting ----------------------------------------------------
    def add_order(self, side: str, price: int, order: object) -> None:
        self.queues.setdefault((side, price), []).append(
            Resting(order, self.available(side, price)))
        self.user_orders += 1
        lv = self._user_levels[side]
        lv[price] = lv.get(price, 0) + 1

    def remove_order(self, side: str, price: int, order: object) -> None:
        key = (side, price)
        queue = self.queues.get(key)
        if not queue:
            return
        for i, r in enumerate(queue):
            if r.order is order:
                del queue[i]
                break
        else:
            return
        if not queue:
            del self.queues[key]
        self._user_left(side, price)

    def resting(self, side: str) -> list[tuple[int, list[Resting]]]:
        """User queues on ``side``, best price first."""
        prices = sorted(self._user_levels[side], reverse=(side == BUY))
        return [(p, self.queues[(side, p)]) for p in prices]

    def queue_ahead(self, order: Any) -> int | None:
        """The recorded quantity ahead of a resting user order (None: not resting)."""
        for r in self.queues.get((order.side, order.price), ()):
            if r.order is order:
                return r.ahead
        return None

    def _fill_resting(self, side: str, price: int, r: Resting, qty: int,
                      fills: list[Fill]) -> None:
        """A maker fill of a resting user order (the book counts its remaining)."""
        order = r.order
        order.remaining -= qty
        fills.append(Fill(price, qty, order))
        if order.remaining == 0:
            self.remove_order(side, price, order)

    # -- recorded events that fill user orders ---------------------------------
    def on_trade(self, price: int, qty: int, maker_side: str) -> list[Fill]:
        """A recorded trade: fills of user orders it reached (see the module docstring)."""
        fills: list[Fill] = []
        key = (maker_side, price)
        self.traded[key] = self.traded.get(key, 0) + qty
        if not self.user_orders:
            return fills
        left = qty
        for p, queue in self.resting(maker_side):
            through = p > price if maker_side == BUY else p < price
            if not through:
                break
            for r in list(queue):
                r.ahead = 0  # the whole queue at a traded-through price is gone
                got = min(left, r.order.remaining)
                if got:
                    left -= got
                    self._fill_resting(maker_side, p, r, got, fills)
                if not left:
                    return fills
        at_price = self.queues.get(key)
        if at_price:
            eaten = 0  # recorded quantity eaten in front of the user orders
            for r in list(at_price):
                gap = max(0, r.ahead - eaten)
                step = min(left, gap)
                left -= step
                eaten += step
                if not left:
                    break
                got = min(left, r.order.remaining)
                left -= got
                self._fill_resting(maker_side, price, r, got, fills)
                if not left:
                    break
            for r in self.queues.get(key, ()):
                r.ahead -= min(r.ahead, eaten)
        return fills

    def crossed_fills(self) -> list[Fill]:
        """User orders the recorded other side has reached fill as makers."""
        fills: list[Fill] = []
        if not self.user_orders:
            return fills
        for side in (BUY, SELL):
            other = SELL if side == BUY else BUY
            best, mine = self.best(other), self.best_user(side)
            if best is None or mine is None or ((best > mine) if side == BUY else (best < mine)):
                continue  # the usual case: nothing reaches the best user order
            for p, queue in self.resting(side):
                if (best > p) if side == BUY else (best < p):
                    break
                prices = sorted(q for q in self.side(other) if (q <= p if side == BUY else q >= p))
                if side == SELL:
                    prices.reverse()
                for r in list(queue):
                    for q in prices:
                        got = self._take_at(other, q, r.order.remaining)
                        if got:
                            self._fill_resting(side, p, r, got, fills)
                        if r.order.remaining == 0:
                            break
        return fills

    # -- user orders taking liquidity (the engine's calls) ------------------------
    def _opposite_prices(self, taker_side: str, limit: int | None) -> list[int]:
        maker = SELL if taker_side == BUY else BUY
        prices = sorted(self.side(maker), reverse=(maker == BUY))
        if limit is None:
            return prices
        if taker_side == BUY:
            return [p for p in prices if p <= limit]
        return [p for p in prices if p >= limit]

    def fillable(self, taker_side: str, limit: int | None, qty: int) -> bool:
        maker = SELL if taker_side == BUY else BUY
        total = 0
        for price in self._opposite_prices(taker_side, limit):
            total += self.available(maker, price)
            if total >= qty:
                return True
        return False

    def take(self, taker_side: str, limit: int | None, qty: int | None,
             quote_budget: int | None = None) -> list[Fill]:
        """A user order takes recorded liquidity; the public levels do not change."""
        maker = SELL if taker_side == BUY else BUY
        fills: list[Fill] = []
        by_qty = qty is not None
        left = qty if by_qty else quote_budget  # lots, or price*lot units to spend
        assert left is not None
        for price in self._opposite_prices(taker_side, limit):
            want = left if by_qty else left // price
            if want <= 0:
                break
            got = self._take_at(maker, price, want)
            if got:
                fills.append(Fill(price, got, None))
                left -= got if by_qty else got * price
        return fills

    def commit(self) -> None:
        """Nothing: only the recording moves a replayed book's update id."""

    def flush(self) -> None:
        """Nothing to publish: the replay publishes the recorded frames itself."""
        self.mark_published()
        return None

    def set_update_id(self, update_id: int) -> None:
        """The recording's id for the state the book is in now."""
        self.update_id = update_id
        self.mark_published()
