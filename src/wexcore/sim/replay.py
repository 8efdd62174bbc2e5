"""Market replay: the simulator's public market comes from a recording.

``Simulator(replay="session.jsonl.gz")`` (or ``wexcore sim --replay FILE``)
serves a recording made by ``wexcore record`` as the exchange's market:
REST depth, trades, tickers, klines and every public stream show the
recorded market, to the recorded update ids, prices and trades, and the
frames the recorder received go out unchanged (their exact bytes). Orders
sent through the usual REST routes and private streams trade against it with
the queue model of :mod:`wexcore.sim.queue`; their acknowledgements and
pushes follow the latency model (:mod:`wexcore.sim.latency`). A run
summary (:mod:`wexcore.sim.summary`) is served at ``GET
/sim/replay/summary`` and printed by the command line on exit.

How the recording becomes a market (decisions, docs/spec-decisions.md):

* Each recorded book is rebuilt independently of the client code, by the
  spec's Orderbook procedure: it starts at its first recorded snapshot and
  the buffered frames that bridge it; each depth frame that continues it
  (spot ``fi`` = previous ``i`` + 1; futures ``fu`` = previous ``u`` + 1
  and ``pu`` = previous ``u``) is applied and sent on as recorded; a frame
  whose ids are already applied is dropped. A frame that does not continue
  it (frames the recorder lost), or a recorded reconnect (``lost``), leaves
  the book as it was: the replay buffers the frames that follow, and at the
  next recorded snapshot that bridges them the book jumps to the recorded
  state, sent as one depth update covering the ids from the last sent one
  to the new one with every level that changed. Snapshots recorded while
  the book is whole are not needed and are not applied.
* The replay starts where every recorded book is known (the records before
  are applied at once: the pre-roll; at most :data:`PREROLL_NS` of
  recording), on the replay clock: the recorder's receive time of each
  record, in ns, never going backwards.
* ``speed`` paces the replay against the event loop's clock (1 = as
  recorded). ``as_fast_as_clients`` runs it on a
  :class:`~wexcore.sim.vclock.VirtualTimeLoop`: the replay clock is the
  loop's clock, which jumps to the next recorded event whenever every task
  is waiting, so in-process asyncio clients get the same fills for the same
  recording, seed and request sequence however fast the machine is.
* Signed requests are stamped on the replay clock when they arrive, reach
  the matching engine ``entry_latency`` later (every recorded event up to
  and including that time is applied first) and are answered
  ``ack_latency`` after that; every private push is delivered
  ``ack_latency`` after the event (in order). Public requests are answered
  at once, from the market as it stands. Signatures are checked against the
  machine's clock (the client signs with it), so ``/v4/public/time``
  answers that clock; what the simulator stamps (order and fill times, the
  times of answers and of the frames it writes) is on the replay clock;
  recorded trades keep their recorded times.

User orders never appear in the public book or the public trades (the
recording is what happened); they are in the private streams and the
account's REST views.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import os
from collections import Counter, deque
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from .latency import Latency
from .market import BUY, SELL, Fill, Market, PublicTrade, SymbolSpec, as_futures, fmt
from .queue import QUEUE_MODELS, ReplayBook
from .recorded import (
    BookInfo,
    DepthEvent,
    Event,
    ReplayDataError,
    SnapshotEvent,
    TradeEvent,
    open_recording,
)
from .summary import RunSummary
from .vclock import VirtualTimeLoop

if TYPE_CHECKING:
    from .server import Simulator

__all__ = ["Replay", "MarketReplay", "ReplayDataError", "ReplayRun", "run_replay",
           "ReplayMarket", "PREROLL_NS", "USER_TRADE_ID_BASE"]

log = logging.getLogger("wexcore.sim.replay")

#: the longest stretch of recording applied at once before the replay starts
PREROLL_NS = 10_000_000_000
#: frames buffered for a book that lost the stream (oldest dropped beyond)
MAX_BUFFER = 10_000
#: user fills get trade ids from here (far from the recorded tape's)
USER_TRADE_ID_BASE = 9_000_000_000_000_000_000
#: events applied before the replay yields to the event loop, when behind
BATCH = 256


@dataclass(frozen=True)
class Replay:
    """What to replay and how (``Simulator(replay=Replay(...))``; a plain
    path means ``Replay(path)``).

    Args:
        path: a recording by ``wexcore record`` (gzip or zstd JSON lines), or
            the book table of ``wexcore export`` (``FILE.parquet``, with
            ``FILE.trades.parquet`` beside it; needs pyarrow).
        speed: recorded seconds per second of the event loop's clock.
        as_fast_as_clients: run on virtual time (needs a
            :class:`~wexcore.sim.vclock.VirtualTimeLoop`; see the module
            docstring). ``speed`` is then 1 on that clock.
        entry_latency, ack_latency: see :mod:`wexcore.sim.latency`.
        queue: ``proportional``, ``front`` or ``back`` (:mod:`wexcore.sim.queue`).
        wait_for_client: start the replay only once a client has subscribed
            to a public stream (the command line does; in-process callers
            start their clients with it).
        keep_serving: after the last record, keep serving the final market
            with the clock at wall speed (False: the caller stops the
            simulator; :func:`run_replay` does).
    """

    path: str
    speed: float = 1.0
    as_fast_as_clients: bool = False
    entry_latency: str | float = 0
    ack_latency: str | float = 0
    queue: str = "proportional"
    wait_for_client: bool = False
    keep_serving: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", os.fspath(self.path))
        if not (isinstance(self.speed, (int, float)) and math.isfinite(self.speed)
                and self.speed > 0):
            raise ValueError(f"speed must be a positive number, not {self.speed!r}")
        if self.queue not in QUEUE_MODELS:
            raise ValueError(f"queue must be one of {', '.join(QUEUE_MODELS)}, "
                             f"not {self.queue!r}")
        Latency(self.entry_latency, name="entry_latency")
        Latency(self.ack_latency, name="ack_latency")


# ------------------------------------------------------------------ markets


class ReplaySource:
    """The market source of a replayed market: the replay drives the book,
    so :meth:`step` does nothing; ``mid`` is the recorded book's."""

    def __init__(self) -> None:
        self.market: ReplayMarket | None = None
        #: the book follows the stream (False: before its first snapshot, and
        #: after frames were lost until a snapshot bridges the buffer)
        self.live = False
        self.ever_live = False
        #: live from a snapshot whose id no frame has continued yet: the next
        #: frame may straddle it (spec: fi <= lastUpdateId + 1 <= i)
        self.awaiting_first = False
        self.buffer: deque[DepthEvent] = deque(maxlen=MAX_BUFFER)

    @property
    def mid(self) -> int:
        assert self.market is not None
        return self.market.mark_price()

    def step(self, now_ms: int) -> None:
        """Nothing: the replay applies the recorded events itself."""


class ReplayMarket(Market):
    """A market whose book is a :class:`~wexcore.sim.queue.ReplayBook`.

    User orders that take liquidity get private trades with their own ids
    (from :data:`USER_TRADE_ID_BASE`); the public trade record and
    statistics hold only the recorded trades.
    """

    def __init__(self, spec: SymbolSpec, product: str, queue: str,
                 user_trade_ids: Iterator[int]) -> None:
        source = ReplaySource()
        super().__init__(spec, 0, product=product, source=source)
        source.market = self
        self.source: ReplaySource = source
        self.book: ReplayBook = ReplayBook(0, queue)
        self.user_trade_ids = user_trade_ids
        self.recorded_trades = 0

    def record_fills(self, fills: list[Fill], taker_side: str, now_ms: int,
                     taker_order_id: int) -> list[PublicTrade]:
        return [PublicTrade(next(self.user_trade_ids), now_ms, f.price, f.qty,
                            buyer_maker=(taker_side == SELL), order_id=taker_order_id)
                for f in fills]


# ------------------------------------------------------------------ the replay


def _spec(book: BookInfo, coin_m: bool) -> SymbolSpec:
    """A recorded book's symbol: the recorded precisions, the simulator's
    defaults for the rest (fees, filters, contract sizes)."""
    base, _, quote = book.symbol.partition("_")
    spot = SymbolSpec(book.symbol, base, quote or "usdt", book.price_precision,
                      book.quantity_precision, fmt(1, book.price_precision))
    if book.product == "spot":
        return spot
    fut = as_futures(spot, coin_m)
    fut.quantity_precision = book.quantity_precision
    return fut


@dataclass
class _Waiter:
    when: int
    seq: int
    call: Callable[[], Any] | None
    future: asyncio.Future[Any] | None

    def __lt__(self, other: _Waiter) -> bool:
        return (self.when, self.seq) < (other.when, other.seq)


class MarketReplay:
    """Drives a simulator's markets from a recording (``sim.replay``).

    Built by the :class:`~wexcore.sim.Simulator` from its ``replay``
    argument; reads the recording's books at once (a file that is not a
    recording fails here) and applies its first records (the pre-roll)
    when the simulator calls :meth:`preroll`.
    """

    def __init__(self, sim: Simulator, settings: Replay, *, seed: int = 0,
                 coin_m: bool = False) -> None:
        self.sim = sim
        self.settings = settings
        self.path = settings.path
        self.entry = Latency(settings.entry_latency, name="entry_latency", seed=seed)
        self.ack = Latency(settings.ack_latency, name="ack_latency", seed=seed)
        self.user_trade_ids = itertools.count(USER_TRADE_ID_BASE)
        self.markets: dict[str, dict[str, ReplayMarket]] = {"spot": {}, "futures": {}}
        self.recording = open_recording(self.path)
        self.stats: Counter[str] = Counter()
        self.error: ReplayDataError | None = None
        self.recorded_end: dict[str, Any] | None = None
        self.aborted: str | None = None
        self.header = self._open(coin_m)
        self._records: Iterator[Event] | None = self.recording.events(self.markets)
        self._pending: Event | None = None
        self.first_ts = 0
        self.last_ts = 0
        self.origin_ts = 0
        self.origin_loop = 0.0
        self.position = 0
        self.started = False
        self.finished = False
        self.done = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: list[_Waiter] = []
        self._seq = itertools.count()
        self._sleeping: tuple[int, asyncio.Future[bool]] | None = None
        self._idle: asyncio.Future[None] | None = None
        self._private_due = 0
        self.summary: RunSummary | None = None

    # -- reading --------------------------------------------------------------
    def _open(self, coin_m: bool) -> dict[str, Any]:
        """The header; a market per recorded book."""
        header, books = self.recording.books()
        for info in books:
            spec = _spec(info, coin_m)
            self.markets[info.product][info.symbol] = ReplayMarket(
                spec, info.product, self.settings.queue, self.user_trade_ids)
        spot, fut = self.markets["spot"], self.markets["futures"]
        for sym, m in fut.items():
            if sym in spot:  # a futures index is its spot pair's mid
                m.index_ref = spot[sym].mark_price
        return header

    def _next(self) -> Event | None:
        """The next event, or None at the end (or at a record that cannot be replayed)."""
        if self._pending is None and self._records is not None:
            try:
                self._pending = next(self._records)
            except StopIteration:
                self._records = None
            except ReplayDataError as exc:
                self.error = exc
                self._records = None
                log.error("replay stopped: %s", exc)
        return self._pending

    # -- the clock ------------------------------------------------------------
    def now_ns(self) -> int:
        """The replay clock (ns): the recorder's clock at this point of the replay."""
        loop = self._loop
        if not self.started or loop is None:
            return self.position
        speed = 1.0 if self.settings.as_fast_as_clients else self.settings.speed
        # round(): a time the loop jumped to from one of the replay's own
        # timers maps back to the exact ns it was computed from
        t = self.origin_ts + round((loop.time() - self.origin_loop) * 1e9 * speed)
        return t if t > self.position else self.position

    def clock_ms(self) -> int:
        return self.now_ns() // 1_000_000

    def _loop_time(self, ts: int) -> float:
        speed = 1.0 if self.settings.as_fast_as_clients else self.settings.speed
        return self.origin_loop + (ts - self.origin_ts) / 1e9 / speed

    async def sleep_until(self, ms: int) -> None:
        """Sleep until the replay clock reads ``ms`` (epoch ms): for scripted
        runs and tests that act at given points of a recording."""
        while not self.started:
            await asyncio.sleep(0.01)
        loop = asyncio.get_running_loop()
        delay = self._loop_time(ms * 1_000_000) - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)

    # -- pre-roll and the run ---------------------------------------------------
    def preroll(self) -> None:
        """Apply the records before the replay starts (every book known)."""
        books = [m for ms in self.markets.values() for m in ms.values()]
        while (ev := self._next()) is not None:
            if self.first_ts == 0:
                self.first_ts = ev.ts
            if all(m.source.live for m in books) or ev.ts - self.first_ts > PREROLL_NS:
                break
            self._pending = None
            self.position = ev.ts
            self._apply(ev, publish=False)
        if self.error is not None:  # the file is bad from the start: fail at once
            raise self.error
        for m in books:
            if not m.source.live:
                log.warning("%s: %s %s has no usable snapshot near the start: it is served "
                            "empty until one comes", self.path, m.product, m.spec.symbol)
        if not self.stats["events"] and self._pending is not None:
            self.position = self._pending.ts
        self.origin_ts = self.position  # the replay clock starts where the pre-roll ended
        self.stats["preroll_events"] = self.stats["events"]

    def start(self) -> None:
        """Start driving the markets (the simulator's :meth:`start` calls it)."""
        loop = asyncio.get_running_loop()
        if self.settings.as_fast_as_clients and not isinstance(loop, VirtualTimeLoop):
            raise RuntimeError("as_fast_as_clients needs the simulator on a "
                               "wexcore.sim.vclock.VirtualTimeLoop (run_replay() and "
                               "'wexcore sim --as-fast-as-clients' use one)")
        self._loop = loop
        self.summary = RunSummary(self.sim.engine)
        self.sim.spawn(self._run())

    async def _wait_for_client(self) -> None:
        loop = self._loop
        virtual = isinstance(loop, VirtualTimeLoop)
        if virtual:
            loop.follow_real_time()  # type: ignore[union-attr]
        log.info("replay waits for a client to subscribe")
        while not any(not c.private and c.subs for c in self.sim.hub.conns):
            await asyncio.sleep(0.05)
        if virtual:
            loop.jump_again()  # type: ignore[union-attr]

    async def _run(self) -> None:
        try:
            await self._drive()
        except asyncio.CancelledError:
            raise
        except Exception:  # a simulator bug: say so, keep the simulator up
            log.exception("market replay failed")
            self.error = self.error or ReplayDataError(self.path, 0, "-",
                                                       "the replay failed (see the log)")
            if not self.finished:
                self._finish()

    async def _drive(self) -> None:
        loop = self._loop
        assert loop is not None
        if self.settings.wait_for_client:
            await self._wait_for_client()
        self.origin_loop = loop.time()
        self.started = True
        while True:
            ev = self._next()
            w = self._waiters[0] if self._waiters else None
            if ev is None and w is None:
                if not self.finished:
                    self._finish()
                self._idle = loop.create_future()
                await self._idle
                continue
            if w is not None and (ev is None or w.when < ev.ts):
                if not await self._sleep_until(w.when):
                    continue
                heapq.heappop(self._waiters)
                self.position = max(self.position, w.when)
                self._serve(w)
                continue
            assert ev is not None
            if not await self._sleep_until(ev.ts):
                continue
            self._apply_due()

    async def _sleep_until(self, ts: int) -> bool:
        """Sleep until replay time ``ts``; False if an earlier waiter came in."""
        loop = self._loop
        assert loop is not None
        when = self._loop_time(ts)
        if when <= loop.time():
            return True
        fut: asyncio.Future[bool] = loop.create_future()
        handle = loop.call_at(when, _resolve, fut, True)
        self._sleeping = (ts, fut)
        try:
            return await fut
        finally:
            handle.cancel()
            self._sleeping = None

    def _apply_due(self) -> None:
        """Apply the next event and every one due with it; then send what they made."""
        limit = self.now_ns()
        n = 0
        while (ev := self._next()) is not None and n < BATCH:
            if n and (ev.ts > max(limit, self.position)
                      or (self._waiters and self._waiters[0].when < ev.ts)):
                break
            self._pending = None
            self.position = max(self.position, ev.ts)
            self._apply(ev, publish=True)
            n += 1
        self.sim.dispatch(trades=False)

    def _finish(self) -> None:
        self.finished = True
        self.done.set()
        log.info("replay of %s finished: %d events", self.path, self.stats["events"])
        loop = self._loop
        if self.settings.keep_serving and isinstance(loop, VirtualTimeLoop):
            loop.follow_real_time()

    # -- scheduling work on the replay clock --------------------------------------
    def run_at(self, when: int, call: Callable[[], Any] | None) -> asyncio.Future[Any]:
        """Run ``call`` when the replay reaches ``when`` (ns), after every
        recorded event up to it; the future gets its result."""
        loop = self._loop
        assert loop is not None
        fut: asyncio.Future[Any] = loop.create_future()
        w = _Waiter(max(when, self.position), next(self._seq), call, fut)
        heapq.heappush(self._waiters, w)
        sleeping = self._sleeping
        if sleeping is not None and w.when < sleeping[0] and not sleeping[1].done():
            sleeping[1].set_result(False)
        if self._idle is not None and not self._idle.done():
            self._idle.set_result(None)
        return fut

    def _serve(self, w: _Waiter) -> None:
        try:
            result = w.call() if w.call is not None else None
        except Exception as exc:  # noqa: BLE001 - handed to the waiting request
            if w.future is not None and not w.future.done():
                w.future.set_exception(exc)
            return
        if self.summary is not None and w.call is not None:
            self.summary.mark()  # the fills the request made
        if w.future is not None and not w.future.done():
            w.future.set_result(result)

    async def delayed(self, call: Callable[[], Any]) -> Any:
        """A signed request: ``call`` runs ``entry_latency`` after it arrived
        (on the replay clock); the answer goes ``ack_latency`` after that."""
        if not self.started:
            return call()
        when = self.now_ns() + self.entry.draw()
        result = await self.run_at(when, call)
        ack = self.ack.draw()
        if ack:
            await self.run_at(when + ack, None)
        return result

    def deliver_private(self, events: list[Any]) -> None:
        """Private pushes: ``ack_latency`` after now, never overtaking earlier ones."""
        if not events:
            return
        hub = self.sim.hub
        if self.ack.zero or not self.started:
            hub.publish_private(events)
            return
        due = max(self.now_ns() + self.ack.draw(), self._private_due)
        self._private_due = due

        def push() -> None:
            hub.publish_private(events)
            hub.flush()

        self.run_at(due, push)

    # -- applying events ----------------------------------------------------------
    def _apply(self, ev: Event, *, publish: bool) -> None:
        self.stats["events"] += 1
        if isinstance(ev, DepthEvent):
            self.stats["depth_frames"] += 1
            self._depth(ev, publish)
        elif isinstance(ev, TradeEvent):
            self.stats["trades"] += 1
            self._trade(ev, publish)
        elif isinstance(ev, SnapshotEvent):
            self.stats["snapshots"] += 1
            self._snapshot(ev, publish)
        elif ev.kind == "lost":
            # the recorder reconnected: what it missed meanwhile shows as a gap
            # only if a frame came in between, so the book waits for the
            # recorder's next snapshot either way, as the recorder's did
            self.stats["lost"] += 1
            src = ev.data.source
            src.live = False
            src.buffer.clear()
        elif ev.kind == "end":
            self.recorded_end = ev.data
        else:
            self.aborted = ev.data

    def _depth(self, ev: DepthEvent, publish: bool) -> None:
        m = ev.market
        src, book = m.source, m.book
        if not src.live:
            src.buffer.append(ev)
            return
        last = book.update_id
        if ev.last <= last:
            self.stats["stale_frames"] += 1
            return
        straddles = src.awaiting_first and ev.first <= last + 1
        if not straddles and (ev.first != last + 1 or (ev.prev is not None
                                                        and ev.prev != last)):
            self.stats["gaps"] += 1
            log.info("%s %s: frames lost in the recording (expected id %d, got %d..%d); the "
                     "book waits for the next recorded snapshot", m.product, m.spec.symbol,
                     last + 1, ev.first, ev.last)
            src.live = False
            src.buffer.clear()
            src.buffer.append(ev)
            return
        set_level = book.set_recorded
        for p, q in ev.asks:
            set_level(SELL, p, q)
        for p, q in ev.bids:
            set_level(BUY, p, q)
        book.set_update_id(ev.last)
        src.awaiting_first = False
        if publish:
            if ev.raw is not None and ev.first == last + 1:
                self.sim.hub.publish_raw(m.product, "depth_update", m.spec.symbol, ev.raw)
            else:  # (a frame straddling a snapshot goes out from the next id on)
                self.sim.hub.publish_depth(m, m.product, (last + 1, ev.last, ev.asks, ev.bids))
            self._after(m, book.crossed_fills())

    def _snapshot(self, ev: SnapshotEvent, publish: bool) -> None:
        m = ev.market
        src, book = m.source, m.book
        if src.live:
            self.stats["snapshots_unneeded"] += 1
            return
        levels = {SELL: {p: q for p, q in ev.asks if q}, BUY: {p: q for p, q in ev.bids if q}}
        uid = ev.last
        applied = 0
        buffer = src.buffer
        while buffer:
            f = buffer[0]
            if f.last <= uid:
                buffer.popleft()
                continue
            ok = f.first <= uid + 1 if not applied else (
                f.first == uid + 1 and (f.prev is None or f.prev == uid))
            if not ok:
                self.stats["snapshots_not_bridging"] += 1
                return  # the frames from this one on wait for the next snapshot
            for side, lvs in ((SELL, f.asks), (BUY, f.bids)):
                for p, q in lvs:
                    if q:
                        levels[side][p] = q
                    else:
                        levels[side].pop(p, None)
            uid = f.last
            applied += 1
            buffer.popleft()
        old = book.update_id
        changed: dict[str, list[tuple[int, int]]] = {SELL: [], BUY: []}
        for side in (SELL, BUY):
            now = levels[side]
            have = book.side(side)
            for p in sorted(set(have) | set(now), reverse=(side == BUY)):
                q = now.get(p, 0)
                lv = have.get(p)
                if (lv.synthetic if lv is not None else 0) != q:
                    changed[side].append((p, q))
                    book.set_recorded(side, p, q)
        first_live = not src.ever_live
        src.live = src.ever_live = True
        src.awaiting_first = not applied
        if uid <= old:
            log.warning("%s %s: the recorded snapshot goes back to id %d (had %d); kept the "
                        "id", m.product, m.spec.symbol, uid, old)
            uid = old
        book.set_update_id(uid)
        if first_live and not m.recorded_trades:
            mid = m.mark_price() if book.best(BUY) and book.best(SELL) else None
            if mid:
                m.open_price = m.high = m.low = m.last = mid
        if publish:
            if uid > old and (changed[SELL] or changed[BUY]):
                self.sim.hub.publish_depth(m, m.product, (old + 1, uid, changed[SELL],
                                                          changed[BUY]))
            self._after(m, book.crossed_fills())

    def _trade(self, ev: TradeEvent, publish: bool) -> None:
        m = ev.market
        t = ev.trade
        if not m.recorded_trades:
            m.open_price = m.high = m.low = t.price
        m.recorded_trades += 1
        m.add_trade(t)
        fills = m.book.on_trade(t.price, t.qty, BUY if t.buyer_maker else SELL)
        if publish:
            if ev.raw is not None:
                self.sim.hub.publish_raw(m.product, "trade", m.spec.symbol, ev.raw)
            else:
                self.sim.hub.publish_trades(m, m.product, [t])
            self._after(m, fills)

    def _after(self, m: ReplayMarket, fills: list[Fill]) -> None:
        """The consequences of a recorded event: user fills, triggers, risk, summary."""
        engine = self.sim.engine
        if fills:
            now = self.clock_ms()
            m.market_fills = [(f, PublicTrade(next(self.user_trade_ids), now, f.price, f.qty,
                                              f.maker.side == BUY, f.maker.id))
                              for f in fills]
            engine.market_step_fills(m)
        if m.product == "futures":
            sym = m.spec.symbol
            if engine.triggers.active.get(sym):
                engine.triggers.evaluate(m)
            if any(p.size for a in engine.accounts.values()
                   for (s, _side), p in a.positions.items() if s == sym):
                engine.positions.check_risk(m)
        if self.summary is not None:
            self.summary.mark(m)

    # -- reporting -----------------------------------------------------------------
    def describe(self) -> str:
        """One line: the books, the pacing, when it starts."""
        s = self.settings
        books = ", ".join(f"{p}:{sym}" for p, ms in self.markets.items() for sym in ms)
        pace = ("as fast as clients take it (virtual time)" if s.as_fast_as_clients
                else f"speed {s.speed:g}")
        start = "starts when a client subscribes" if s.wait_for_client else "started"
        return (f"{books}; {pace}; latency entry {self.entry.spec} ms, ack {self.ack.spec} "
                f"ms; queue {s.queue}; {start}")

    def summary_dict(self) -> dict[str, Any]:
        """The run summary (JSON-ready): the replay's progress and, per
        account, orders, fills, fees, volume, positions, PnL and drawdown."""
        s = self.settings
        return {
            "recording": self.path,
            "finished": self.finished,
            "error": str(self.error) if self.error is not None else None,
            "clock": {"start_ms": self.origin_ts // 1_000_000, "now_ms": self.clock_ms(),
                      "last_event_ms": self.position // 1_000_000},
            "events": dict(sorted(self.stats.items())),
            "settings": {"speed": s.speed, "as_fast_as_clients": s.as_fast_as_clients,
                         "entry_latency": self.entry.spec, "ack_latency": self.ack.spec,
                         "queue": s.queue, "seed": self.sim.seed},
            "torn_tail": self.recording.report.describe() or None,
            "recording_aborted": self.aborted,
            "accounts": self.summary.as_dict() if self.summary is not None else {},
        }

    def summary_json(self) -> bytes:
        return orjson.dumps(self.summary_dict(), option=orjson.OPT_INDENT_2)


def _resolve(fut: asyncio.Future[bool], value: bool) -> None:
    if not fut.done():
        fut.set_result(value)


# ------------------------------------------------------------------ in-process runs


@dataclass
class ReplayRun:
    """What :func:`run_replay` returns: the run summary and the strategy's result."""

    summary: dict[str, Any]
    result: Any = None


def run_replay(recording: str | os.PathLike[str],
               strategy: Callable[[Simulator], Coroutine[Any, Any, Any]], *,
               entry_latency: str | float = 0, ack_latency: str | float = 0,
               queue: str = "proportional", seed: int = 0, stop_at_end: bool = True,
               **simulator: Any) -> ReplayRun:
    """Backtest ``strategy`` against a recording, deterministically.

    Starts a :class:`~wexcore.sim.Simulator` replaying ``recording`` as fast
    as the strategy takes it, on a fresh
    :class:`~wexcore.sim.vclock.VirtualTimeLoop`, and runs
    ``await strategy(sim)`` on the same loop (it connects with the usual
    clients to ``sim.rest_url`` / ``sim.ws_url`` with ``sim.api_key`` /
    ``sim.secret``). Returns when the strategy returns or, with
    ``stop_at_end``, when the recording ends (the strategy is then
    cancelled). An exception of the strategy is raised after the simulator
    stopped. ``simulator`` passes other :class:`~wexcore.sim.Simulator`
    options (``balances``, ``coin_m``, ``rate_limits``, ...).
    """
    from .server import Simulator

    settings = Replay(os.fspath(recording), as_fast_as_clients=True,
                      entry_latency=entry_latency, ack_latency=ack_latency, queue=queue,
                      keep_serving=False)

    async def main() -> ReplayRun:
        async with Simulator(replay=settings, seed=seed, **simulator) as sim:
            assert sim.replay is not None
            task = asyncio.ensure_future(strategy(sim))
            if stop_at_end:
                ended = asyncio.ensure_future(sim.replay.done.wait())
                await asyncio.wait({task, ended}, return_when=asyncio.FIRST_COMPLETED)
                ended.cancel()
            else:
                await asyncio.wait({task})
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            summary = sim.replay.summary_dict()
            result = None if task.cancelled() else task.result()
        return ReplayRun(summary, result)

    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(main())
