"""The account's state and its merge rules, sans I/O.

:class:`AccountState` takes the decoder kernel's private events
(:meth:`~AccountState.feed`) and REST snapshots
(:meth:`~AccountState.merge`) in any interleaving and keeps one exact view:
open orders, fills, balances, positions. It does no I/O and reads no clock
but the one it is given; the driver (:class:`~wexcore.Account`) decides when
to fetch. Every change it makes is appended to :attr:`AccountState.out` as a
typed event, exactly once.

The rules (docs/account.md has the why):

* **Orders** move forward only. An order's progress is ``(executed
  quantity, state rank)`` with NEW < PARTIALLY_FILLED < final; a record
  (push or REST) behind what is known is stale and dropped; one level with
  it is a duplicate, whose extra fields are merged in silently; a record at
  the same level with another price or quantity is an amendment (spot:
  unless its update time is older).
* **Fills before their order update.** An order update that reports more
  executed quantity than the fills seen for the order is held back until
  those fills arrive; a check is scheduled, and when it falls due the driver
  fetches the order and its fills. So for every order id the events read
  NEW, fills, PARTIALLY_FILLED, fills, FILLED, never a state ahead of its
  fills.
* **Fills by id.** Spot fills by ``trade_id`` (in the push and in REST).
  Futures pushes carry no id: a pushed fill is matched with REST's
  ``exec_id`` by (order id, time, price, quantity), as a multiset.
* **Balances and positions** are absolute values without a sequence: a
  REST value is taken for a key only when no push for that key was applied
  since the request went out (plus a settle delay the driver waits);
  otherwise the push is kept and the key is checked again.
"""

from __future__ import annotations

import logging
import operator
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

import msgspec

from wexcore._decode import BalanceUpdate, OrderUpdate, PositionUpdate, UserTrade
from wexcore.account import convert
from wexcore.account.events import (
    AccountEvent,
    AccountStats,
    BalanceEvent,
    BalanceT,
    FillEvent,
    FillT,
    OrderEvent,
    OrderT,
    PendingOrder,
    PositionEvent,
)
from wexcore.errors import DecodeError
from wexcore.rest import types as T

__all__ = ["AccountState", "Snapshot", "ProductRules", "SPOT", "FUTURES", "BadFrame"]

log = logging.getLogger("wexcore.account")

ZERO = Decimal(0)
S = TypeVar("S", bound=msgspec.Struct)

_RANK = {"NEW": 0, "PARTIALLY_FILLED": 1}


def _rank(state: Any) -> int:
    r = _RANK.get(state)
    if r is not None:
        return r
    return 2 if T.OrderState(state).is_final else 1


_GETTERS: dict[tuple[str, ...], Callable[[Any], tuple[Any, ...]]] = {}


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """``attrgetter(*names)`` that always returns a tuple (cached per tuple)."""
    g = _GETTERS.get(names)
    if g is None:
        get = operator.attrgetter(*names)
        g = _GETTERS[names] = get if len(names) > 1 else (lambda o: (get(o),))
    return g


def merge(old: S, new: S, names: tuple[str, ...] | None = None) -> S:
    """``old`` with every non-``None`` field of ``new`` (of ``names``, default
    all) written over it."""
    if names is None:
        names = new.__struct_fields__
    changes = {n: v for n, v in zip(names, _getter(names)(new), strict=True) if v is not None}
    return msgspec.structs.replace(old, **changes)


class BadFrame:
    """What the account's decoder hands on for a push it could not decode."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


@dataclass(frozen=True)
class ProductRules:
    """What differs between spot and futures records."""

    product: str
    order_from_push: Callable[[OrderUpdate], Any]
    fill_from_push: Callable[[UserTrade], Any]
    balance_from_push: Callable[[BalanceUpdate], Any]
    #: the fill's identity: (order id, exchange id: spot ``trade_id``, futures
    #: ``exec_id``); a self-trade is one trade id with two orders
    fill_id: Callable[[Any], tuple[int, int] | None]
    #: the fill's time (ms)
    fill_time: Callable[[Any], int | None]
    #: does a pushed fill carry its id (spot) or must it be matched (futures)?
    pushed_fill_ids: bool
    balance_key: Callable[[Any], str]
    #: the values that make two balance records equal
    balance_values: tuple[str, ...]
    #: a balance push applied to the record held: its values, the REST-only
    #: fields kept or (when the push makes them stale) cleared
    balance_apply: Callable[[Any, Any], Any]
    #: the fields an order update can change (identity fields -- symbol, side,
    #: client order id, creation time -- come from the first record seen)
    order_update_fields: tuple[str, ...]
    #: the field holding an order's update time, when the product has one
    order_time: str | None = None


SPOT = ProductRules(
    product="spot",
    order_from_push=convert.spot_order,
    fill_from_push=convert.spot_fill,
    balance_from_push=convert.spot_balance,
    fill_id=lambda f: (f.order_id, f.trade_id),
    fill_time=lambda f: f.time,
    pushed_fill_ids=True,
    balance_key=lambda b: b.currency,
    balance_values=("total_amount", "frozen_amount"),
    balance_apply=lambda cur, b: msgspec.structs.replace(
        cur, total_amount=b.total_amount, frozen_amount=b.frozen_amount,
        available_amount=b.available_amount),
    order_update_fields=("state", "price", "orig_qty", "orig_quote_qty", "executed_qty",
                         "leaving_qty", "avg_price", "fee", "updated_time"),
    order_time="updated_time",
)

FUTURES = ProductRules(
    product="futures",
    order_from_push=convert.futures_order,
    fill_from_push=convert.futures_fill,
    balance_from_push=convert.futures_balance,
    fill_id=lambda f: None if f.exec_id is None else (f.order_id, f.exec_id),
    fill_time=lambda f: f.timestamp,
    pushed_fill_ids=False,
    balance_key=lambda b: b.coin,
    balance_values=("wallet_balance", "open_order_margin_frozen", "isolated_margin",
                    "crossed_margin"),
    # available_balance is not pushed and moves with every balance change
    balance_apply=lambda cur, b: msgspec.structs.replace(
        cur, underlying_type=b.underlying_type if b.underlying_type is not None
        else cur.underlying_type, wallet_balance=b.wallet_balance,
        open_order_margin_frozen=b.open_order_margin_frozen,
        isolated_margin=b.isolated_margin, crossed_margin=b.crossed_margin,
        available_balance=None),
    order_update_fields=("state", "price", "orig_qty", "avg_price", "executed_qty",
                         "margin_frozen", "leverage", "position_type"),
)

POSITION_VALUES = ("position_size", "entry_price", "isolated_margin", "close_order_size",
                   "available_close_size", "realized_profit", "open_order_margin_frozen",
                   "leverage", "position_type")


def _apply_position(cur: T.FuturesPosition, p: T.FuturesPosition) -> T.FuturesPosition:
    """A position push over the record held: the pushed values; the REST
    fields that depend on the mark price or the position (floating PnL, mark
    and break prices) are stale after it and cleared; the rest are kept."""
    return msgspec.structs.replace(
        cur, position_type=p.position_type or cur.position_type,
        contract_type=p.contract_type or cur.contract_type, position_size=p.position_size,
        close_order_size=p.close_order_size, available_close_size=p.available_close_size,
        realized_profit=p.realized_profit, entry_price=p.entry_price,
        isolated_margin=p.isolated_margin, open_order_margin_frozen=p.open_order_margin_frozen,
        leverage=p.leverage if p.leverage is not None else cur.leverage,
        underlying_type=p.underlying_type if p.underlying_type is not None
        else cur.underlying_type,
        floating_pl=None, mark_price=None, cal_mark_price=None, break_price=None)


def _position_key(p: T.FuturesPosition) -> tuple[str, str]:
    return (p.symbol, str(p.position_side))


def _same(a: Any, b: Any, names: tuple[str, ...]) -> bool:
    g = _getter(names)
    return g(a) == g(b)


@dataclass
class Snapshot(Generic[OrderT, FillT, BalanceT]):
    """What one reconciliation read from REST (``None``: not read this time)."""

    #: :meth:`AccountState.begin` when the first request went out
    mark: int
    open_orders: list[OrderT] | None = None
    #: orders read one by one or from the history (merged by the same rules)
    orders: list[OrderT] = field(default_factory=list)
    fills: list[FillT] = field(default_factory=list)
    balances: list[BalanceT] | None = None
    positions: list[T.FuturesPosition] | None = None
    #: order ids whose order and fills were read because a check fell due
    targets: set[int] = field(default_factory=set)
    #: the first load: what it finds is the starting state, not news
    initial: bool = False
    #: the server's clock (ms) when the first request went out
    server_ms: int | None = None


class AccountState(Generic[OrderT, FillT, BalanceT]):
    """Orders, fills, balances and positions of one account; see the module doc.

    Args:
        rules: :data:`SPOT` or :data:`FUTURES`.
        gap_timeout: seconds an order may wait for its fills (or a fill for its
            order) before :meth:`due` reports it.
        overlap_ms: how far back (ms) each fill and order-history read reaches
            before the newest record already read, for records REST lists late.
        max_fills, max_closed_orders: memory bounds (oldest dropped first; a
            fill only once it is older than the overlap).
        clock: monotonic seconds (for the checks' deadlines).
    """

    def __init__(
        self,
        rules: ProductRules,
        *,
        gap_timeout: float = 1.0,
        overlap_ms: int = 5000,
        max_fills: int = 100_000,
        max_closed_orders: int = 10_000,
        clock: Callable[[], float] | None = None,
    ) -> None:
        import time

        self.rules = rules
        self.gap_timeout = gap_timeout
        self.overlap_ms = overlap_ms
        self.max_fills = max_fills
        self.max_closed_orders = max_closed_orders
        self.clock = clock or time.monotonic
        self.open_orders: dict[int, OrderT] = {}
        self.closed_orders: OrderedDict[int, OrderT] = OrderedDict()
        #: order updates waiting for their fills: order id -> [(record, recovered)]
        self.held: dict[int, list[tuple[OrderT, bool]]] = {}
        #: quantity of the fills known per order (a baseline for orders found at start)
        self.filled: dict[int, Decimal] = {}
        self.fills: dict[int, FillT] = {}  # local sequence -> fill (insertion order)
        self._fill_seq = 0
        self.fill_ids: dict[tuple[int, int], int] = {}  # fill identity -> local sequence
        #: futures: pushed fills without an id / REST fills no push matched yet
        self._unmatched_push: dict[tuple[Any, ...], list[int]] = {}
        self._unmatched_rest: dict[tuple[Any, ...], list[int]] = {}
        #: fills that existed before the account started (identity -> time; futures keys)
        self._prestart: dict[tuple[int, int], int] = {}
        self._prestart_keys: dict[tuple[Any, ...], int] = {}
        self.balances: dict[str, BalanceT] = {}
        self.positions: dict[tuple[str, str], T.FuturesPosition] = {}
        #: pushes applied so far; per key, the count when a push last touched it
        self.seq = 0
        self._touched: dict[Hashable, int] = {}
        #: order id -> when its check falls due (monotonic s); attempts so far
        self.checks: dict[int, float] = {}
        self.check_tries: dict[int, int] = {}
        self.pending: dict[str, PendingOrder] = {}
        #: the newest fill time REST listed (ms); None before the first load
        self.fills_watermark: int | None = None
        self.loaded = False
        #: a push could not be read, or a balance key was ambiguous: the driver
        #: should reconcile soon
        self.suspect = False
        self.out: list[AccountEvent] = []
        self.stats = AccountStats()
        self._bad_mark = 0

    # ------------------------------------------------------------ reading
    def order(self, order_id: int) -> OrderT | None:
        """The latest record of an order the account applied (open or recently closed)."""
        return self.open_orders.get(order_id) or self.closed_orders.get(order_id)

    def _latest(self, oid: int) -> OrderT | None:
        h = self.held.get(oid)
        if h:
            return h[-1][0]
        return self.open_orders.get(oid) or self.closed_orders.get(oid)

    def begin(self) -> int:
        """A mark to pass in the next :class:`Snapshot`: taken just before its
        first request goes out."""
        self._bad_mark = self.stats.bad_events
        return self.seq

    # ------------------------------------------------------------ pushes
    def feed(self, ev: Any) -> None:
        """Apply one decoded private push. Anything that is not an order, fill,
        balance or position event is ignored; a push that cannot be read
        (:class:`BadFrame`, a missing or malformed field) changes nothing,
        is counted in ``stats.bad_events`` and sets :attr:`suspect`."""
        t = type(ev)
        try:
            if t is OrderUpdate:
                rec = self.rules.order_from_push(ev)
                self.seq += 1
                self.stats.stream_events += 1
                self._touched[("o", rec.order_id)] = self.seq
                self._offer_order(rec, False, self.rules.order_update_fields)
            elif t is UserTrade:
                self._push_fill(self.rules.fill_from_push(ev))
            elif t is BalanceUpdate:
                b = self.rules.balance_from_push(ev)
                if b is not None:
                    self.seq += 1
                    self.stats.stream_events += 1
                    self._push_balance(b)
            elif t is PositionUpdate:
                p = convert.futures_position(ev)
                self.seq += 1
                self.stats.stream_events += 1
                self._push_position(p)
            elif t is BadFrame:
                self._bad(ev.error)
        except (DecodeError, InvalidOperation) as exc:
            self._bad(exc)

    def _bad(self, exc: Exception) -> None:
        self.stats.bad_events += 1
        self.suspect = True
        log.warning("account: a private push could not be read (%s); reconciling", exc)

    def _push_fill(self, f: FillT) -> None:
        rules = self.rules
        if rules.pushed_fill_ids:
            fid = rules.fill_id(f)
            if fid in self.fill_ids or fid in self._prestart:
                self.stats.duplicates += 1
                return
            self.seq += 1
            self.stats.stream_events += 1
            self._add_fill(f, False, fid)
            return
        key = _match_key(f)
        waiting = self._unmatched_rest.get(key)
        if waiting:
            # REST already reported this fill (its push came late)
            waiting.pop(0)
            if not waiting:
                del self._unmatched_rest[key]
            self.stats.duplicates += 1
            return
        if self._prestart_keys.get(key):
            self._prestart_keys[key] -= 1
            self.stats.duplicates += 1
            return
        self.seq += 1
        self.stats.stream_events += 1
        s = self._add_fill(f, False, None)
        self._unmatched_push.setdefault(key, []).append(s)

    def _push_balance(self, b: BalanceT) -> None:
        rules = self.rules
        k = rules.balance_key(b)
        self._touched[("b", k)] = self.seq
        cur = self.balances.get(k)
        if cur is not None:
            if _same(cur, b, rules.balance_values):
                self.stats.duplicates += 1
                return
            b = rules.balance_apply(cur, b)
        self.balances[k] = b
        self.out.append(BalanceEvent(b, False))

    def _push_position(self, p: T.FuturesPosition) -> None:
        k = _position_key(p)
        self._touched[("p", k)] = self.seq
        cur = self.positions.get(k)
        if cur is not None:
            if _same(cur, p, POSITION_VALUES):
                self.stats.duplicates += 1
                return
            p = _apply_position(cur, p)
        elif not p.position_size:
            self.stats.duplicates += 1  # flat, and already not held
            return
        if p.position_size:
            self.positions[k] = p
        else:
            self.positions.pop(k, None)
        self.out.append(PositionEvent(p, False))

    # ------------------------------------------------------------ orders
    def _compare(self, new: OrderT, cur: OrderT) -> int:
        ne = new.executed_qty if new.executed_qty is not None else cur.executed_qty
        ce = cur.executed_qty
        if ne is not None and ce is not None and ne != ce:
            return 1 if ne > ce else -1
        nr, cr = _rank(new.state), _rank(cur.state)
        if nr != cr:
            return 1 if nr > cr else -1
        if nr == 2:
            return 0
        if (new.price is not None and new.price != cur.price) or (
                new.orig_qty is not None and new.orig_qty != cur.orig_qty):
            # an amendment (same state, new price or quantity) unless it is
            # older than what is known
            tf = self.rules.order_time
            if tf is not None:
                nt, ct = getattr(new, tf), getattr(cur, tf)
                if nt is not None and ct is not None and nt < ct:
                    return -1
            return 1
        return 0

    def _offer_order(self, new: OrderT, recovered: bool, names: tuple[str, ...] | None,
                     silent: bool = False) -> None:
        if new.state is None:
            return  # a REST record without a state says nothing about progress
        oid = new.order_id
        cur = self._latest(oid)
        if cur is not None:
            c = self._compare(new, cur)
            if c < 0:
                self.stats.stale += 1
                return
            if c == 0:
                if names is None:  # a REST record: its extra fields are news
                    self._replace_latest(oid, merge(cur, new))
                self.stats.duplicates += 1
                return
            new = merge(cur, new, names)
        elif silent:
            # found by the first load: its fills so far are history
            ex = new.executed_qty or ZERO
            if ex > self.filled.get(oid, ZERO):
                self.filled[oid] = ex
            self._store(new)
            self._resolve_pending(new)
            return
        need = new.executed_qty
        if need is not None and need > self.filled.get(oid, ZERO):
            self.held.setdefault(oid, []).append((new, recovered))
            self._arm(oid)
            return
        self._release(oid, force=True)  # everything held is covered too
        self._commit(new, recovered)
        self._verify(oid)

    def _replace_latest(self, oid: int, rec: OrderT) -> None:
        h = self.held.get(oid)
        if h:
            h[-1] = (rec, h[-1][1])
        elif oid in self.open_orders:
            self.open_orders[oid] = rec
        elif oid in self.closed_orders:
            self.closed_orders[oid] = rec

    def _store(self, order: OrderT) -> None:
        oid = order.order_id
        if order.state is not None and _rank(order.state) == 2:
            self.open_orders.pop(oid, None)
            self.closed_orders[oid] = order
            self.closed_orders.move_to_end(oid)
            while len(self.closed_orders) > self.max_closed_orders:
                old, _ = self.closed_orders.popitem(last=False)
                if old not in self.held:
                    self.filled.pop(old, None)
                    self.checks.pop(old, None)
                    self.check_tries.pop(old, None)
                    self._touched.pop(("o", old), None)
        else:
            self.open_orders[oid] = order

    def _commit(self, order: OrderT, recovered: bool) -> None:
        self._store(order)
        self._resolve_pending(order)
        if recovered:
            self.stats.recovered += 1
        self.out.append(OrderEvent(order, recovered))

    def _release(self, oid: int, force: bool = False) -> None:
        """Commit the held updates of ``oid`` its fills now cover (all if ``force``)."""
        h = self.held.get(oid)
        if not h:
            return
        have = self.filled.get(oid, ZERO)
        while h and (force or (h[0][0].executed_qty or ZERO) <= have):
            rec, recovered = h.pop(0)
            self._commit(rec, recovered)
        if not h:
            del self.held[oid]

    # ------------------------------------------------------------ fills
    def _add_fill(self, f: FillT, recovered: bool, fid: tuple[int, int] | None) -> int:
        self._fill_seq += 1
        s = self._fill_seq
        self.fills[s] = f
        if fid is not None:
            self.fill_ids[fid] = s
        oid = f.order_id
        self.filled[oid] = self.filled.get(oid, ZERO) + (f.quantity or ZERO)
        if recovered:
            self.stats.recovered += 1
        self.out.append(FillEvent(f, recovered))
        self._release(oid)
        self._verify(oid)
        if len(self.fills) > self.max_fills:
            self._evict_fills()
        return s

    def _evict_fills(self) -> None:
        wm = self.fills_watermark
        if wm is None:
            return
        horizon = wm - self.overlap_ms
        time_of = self.rules.fill_time
        fid_of = self.rules.fill_id
        while len(self.fills) > self.max_fills:
            s, f = next(iter(self.fills.items()))
            t = time_of(f)
            if t is None or t >= horizon:
                return  # REST may still list it: keep its id to recognise it
            del self.fills[s]
            fid = fid_of(f)
            if fid is not None:
                self.fill_ids.pop(fid, None)

    def _rest_fill(self, f: FillT, initial: bool) -> None:
        rules = self.rules
        fid = rules.fill_id(f)
        if fid is None:
            return
        s = self.fill_ids.get(fid)
        if s is not None:
            self.fills[s] = merge(self.fills[s], f)  # REST adds the fee...
            return
        key = None
        if not rules.pushed_fill_ids:
            key = _match_key(f)
            waiting = self._unmatched_push.get(key)
            if waiting:
                s = waiting.pop(0)
                if not waiting:
                    del self._unmatched_push[key]
                self.fills[s] = merge(self.fills[s], f)
                self.fill_ids[fid] = s
                return
        if fid in self._prestart:
            return
        if initial:
            self._prestart[fid] = rules.fill_time(f) or 0
            if key is not None:
                self._prestart_keys[key] = self._prestart_keys.get(key, 0) + 1
            return
        s = self._add_fill(f, True, fid)
        if key is not None:
            self._unmatched_rest.setdefault(key, []).append(s)

    # ------------------------------------------------------------ checks
    def _arm(self, oid: int) -> None:
        if oid not in self.checks:
            self.checks[oid] = self.clock() + self.gap_timeout

    def _inconsistent(self, oid: int) -> bool:
        if self.held.get(oid):
            return True
        cur = self._latest(oid)
        if cur is None:
            return oid in self.filled  # fills of an order never seen
        ex = cur.executed_qty
        return ex is not None and self.filled.get(oid, ZERO) > ex

    def _verify(self, oid: int) -> None:
        if self._inconsistent(oid):
            self._arm(oid)
        else:
            self.checks.pop(oid, None)
            self.check_tries.pop(oid, None)

    def next_check(self) -> float | None:
        """When the earliest check falls due (monotonic s), or ``None``."""
        return min(self.checks.values()) if self.checks else None

    def due(self) -> set[int]:
        """Order ids whose check fell due and that are still inconsistent
        (their order and fills should be read from REST)."""
        now = self.clock()
        out = set()
        for oid, deadline in list(self.checks.items()):
            if deadline > now:
                continue
            if self._inconsistent(oid):
                out.add(oid)
            else:
                del self.checks[oid]
                self.check_tries.pop(oid, None)
        return out

    # ------------------------------------------------------------ REST
    def vanished(self, open_ids: Iterable[int], mark: int) -> set[int]:
        """Orders the account holds open that a REST open-order list (read
        after ``mark``) does not: finished while no push said so, unless a
        push touched them after ``mark`` (the list may predate them)."""
        listed = set(open_ids)
        out = set()
        for oid in list(self.open_orders) + list(self.held):
            if oid not in listed and self._touched.get(("o", oid), 0) <= mark:
                out.add(oid)
        return out

    def unknown_orders(self, fills: Iterable[FillT]) -> set[int]:
        """Orders of fills REST listed that the account has never seen."""
        fid_of = self.rules.fill_id
        return {f.order_id for f in fills
                if self._latest(f.order_id) is None and fid_of(f) not in self.fill_ids
                and fid_of(f) not in self._prestart}

    def unresolved(self, older_than: float) -> tuple[set[int], set[str]]:
        """Tracked orders not seen since before ``older_than`` (monotonic s):
        (order ids to read, client order ids to look up)."""
        ids, cids = set(), set()
        for p in self.pending.values():
            if p.sent_at > older_than:
                continue
            if p.order_id is not None:
                ids.add(p.order_id)
            else:
                cids.add(p.client_order_id)
        return ids, cids

    def fills_since(self) -> int | None:
        """``startTime`` (ms) for the next fill read, or ``None`` for all."""
        wm = self.fills_watermark
        return None if not wm else max(0, wm - self.overlap_ms)

    def merge(self, snap: Snapshot[OrderT, FillT, BalanceT]) -> bool:
        """Merge what a reconciliation read; return ``True`` when a balance or
        position key was ambiguous (a push arrived meanwhile) and should be
        read again soon."""
        initial = snap.initial
        rules = self.rules
        time_of = rules.fill_time
        fills = sorted(snap.fills, key=lambda f: (time_of(f) or 0, rules.fill_id(f) or (0, 0)))
        for f in fills:
            self._rest_fill(f, initial)
        newest = max((time_of(f) or 0 for f in fills), default=0)
        if initial and snap.server_ms is not None:
            # the first read covered (server time - overlap, now]: later reads
            # start from here even if no fill exists yet
            newest = max(newest, snap.server_ms)
        if self.fills_watermark is None or newest > self.fills_watermark:
            self.fills_watermark = newest
        self._prune_fill_keys()
        if len(self.fills) > self.max_fills:
            self._evict_fills()
        names = None  # REST records carry every field
        if snap.open_orders is not None:
            for o in snap.open_orders:
                self._offer_order(o, True, names, silent=initial)
        for o in snap.orders:
            self._offer_order(o, True, names, silent=initial)
        for oid in snap.targets:
            tries = self.check_tries.get(oid, 0) + 1
            self.check_tries[oid] = tries
            self.stats.gaps += 1
            if not self._inconsistent(oid):
                self.checks.pop(oid, None)
                self.check_tries.pop(oid, None)
            elif tries >= 2:
                # REST cannot explain it either (or lags): release rather than
                # hold an update forever
                if self.held.get(oid):
                    self.stats.forced_releases += 1
                    log.warning("account: order %s: REST shows fills for %s of %s executed; "
                                "releasing its update", oid, self.filled.get(oid, ZERO),
                                self.held[oid][-1][0].executed_qty)
                    self._release(oid, force=True)
                self.checks.pop(oid, None)
                self.check_tries.pop(oid, None)
            else:
                self.checks[oid] = self.clock() + self.gap_timeout
        ambiguous = False
        if snap.balances is not None:
            ambiguous |= self._merge_values(
                "b", snap.balances, self.balances, rules.balance_key, rules.balance_values,
                snap.mark, initial, lambda b, r: BalanceEvent(b, r), _zero_balance)
        if snap.positions is not None:
            ambiguous |= self._merge_values(
                "p", snap.positions, self.positions, _position_key, POSITION_VALUES,
                snap.mark, initial, lambda p, r: PositionEvent(p, r), _zero_position)
        self.loaded = True
        # a push that could not be read after the reads went out may be news
        # these reads do not have
        self.suspect = ambiguous or self.stats.bad_events > self._bad_mark
        return ambiguous

    def _merge_values(self, kind: str, records: list[Any], into: dict[Any, Any],
                      key_of: Callable[[Any], Any], values: tuple[str, ...], mark: int,
                      initial: bool, event: Callable[[Any, bool], AccountEvent],
                      zero: Callable[[Any], Any]) -> bool:
        ambiguous = False
        listed = set()
        for rec in records:
            k = key_of(rec)
            listed.add(k)
            if self._touched.get((kind, k), 0) > mark:
                ambiguous = True
                self.stats.ambiguous += 1
                continue
            cur = into.get(k)
            into[k] = rec  # REST's record, every field fresh
            if cur is not None and _same(cur, rec, values):
                continue
            if cur is None and initial:
                continue
            self.stats.recovered += 1
            self.out.append(event(rec, True))
        for k in [k for k in into if k not in listed]:
            if self._touched.get((kind, k), 0) > mark:
                ambiguous = True
                self.stats.ambiguous += 1
                continue
            cur = into.pop(k)
            self.stats.recovered += 1
            self.out.append(event(zero(cur), True))
        return ambiguous

    def _prune_fill_keys(self) -> None:
        wm = self.fills_watermark
        if not wm:
            return
        horizon = wm - self.overlap_ms
        for fid, t in list(self._prestart.items()):
            if t < horizon:
                del self._prestart[fid]
        if self._prestart_keys:
            for key in [k for k in self._prestart_keys if k[1] is not None and k[1] < horizon]:
                del self._prestart_keys[key]
        for table in (self._unmatched_rest, self._unmatched_push):
            for key in [k for k in table if k[1] is not None and k[1] < horizon]:
                del table[key]

    # ------------------------------------------------------------ tracked orders
    def track(self, client_order_id: str, symbol: str | None, sent_at: float) -> PendingOrder:
        """Remember an order about to be sent (see :class:`PendingOrder`)."""
        p = PendingOrder(client_order_id, symbol, sent_at)
        self.pending[client_order_id] = p
        return p

    def acknowledge(self, client_order_id: str, order_id: int) -> None:
        """The REST call placing a tracked order answered with ``order_id``."""
        p = self.pending.get(client_order_id)
        if p is None:
            return
        p.order_id = order_id
        p.unknown = False
        if self._latest(order_id) is not None:
            del self.pending[client_order_id]

    def _resolve_pending(self, order: OrderT) -> None:
        if not self.pending:
            return
        cid = order.client_order_id
        if cid is not None and cid in self.pending:
            del self.pending[cid]
            return
        for c, p in list(self.pending.items()):
            if p.order_id == order.order_id:
                del self.pending[c]


def _match_key(f: Any) -> tuple[Any, ...]:
    """A futures fill's identity without an id: (order, time, price, quantity)."""
    return (f.order_id, f.timestamp, f.price, f.quantity)


def _zero_balance(b: Any) -> Any:
    if isinstance(b, T.SpotBalance):
        return msgspec.structs.replace(b, total_amount=ZERO, frozen_amount=ZERO,
                                       available_amount=ZERO)
    return msgspec.structs.replace(b, wallet_balance=ZERO, open_order_margin_frozen=ZERO,
                                   isolated_margin=ZERO, crossed_margin=ZERO,
                                   available_balance=ZERO)


def _zero_position(p: T.FuturesPosition) -> T.FuturesPosition:
    return msgspec.structs.replace(p, position_size=ZERO, close_order_size=ZERO,
                                   available_close_size=ZERO, isolated_margin=ZERO,
                                   open_order_margin_frozen=ZERO)
