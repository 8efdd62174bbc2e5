"""Consumers: exact books rebuilt from the bus, with ``LiveBooks``' read API.

Per symbol, :class:`BusBooks` keeps an :class:`~wexcore.OrderBook` and a
:class:`~wexcore._record.BookFollower` (the compiled per-record path). It
bootstraps from the KV snapshot (stream sequence ``S``), then follows the
stream from ``S + 1`` through a JetStream ordered consumer (which itself
re-creates the consumer after a lost message or a broker restart, from the
next stream sequence).

Whenever the book cannot follow — a record number skipped, update ids that
do not continue, a delta from a new owner whose snapshot was not seen — it
resyncs from KV: the KV snapshot is loaded and the stream followed again from
just after it. An undecodable record is skipped and counted (nothing of it
was applied; had it been a real record, the next one shows a gap); so is a
record that fails again right after the resync it caused (the stream
replays it from the KV snapshot: the record is wrong, not the stream). A
snapshot record in the stream (the feed's own resync, its cadence, or a new
owner's first record) is loaded directly; a new owner's counts as a resync (reason ``"owner"``).
Every resync is counted per symbol and reported as a
:class:`~wexcore.stream.livebook.ResyncEvent`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from wexcore._record import (
    FOLLOW_APPLIED,
    FOLLOW_NEW_OWNER,
    FOLLOW_OWNER_GAP,
    FOLLOW_RECORD_GAP,
    FOLLOW_SNAPSHOT,
    FOLLOW_UPDATE_GAP,
    KIND_DELTA,
    KIND_SNAPSHOT,
    BookFollower,
    Record,
)
from wexcore.bus import layout
from wexcore.errors import DecodeError, WexError
from wexcore.stream.livebook import LatencyStats, ResyncEvent

__all__ = ["BusBook", "BusBooks"]

log = logging.getLogger("wexcore.bus.books")

_REASONS = {FOLLOW_OWNER_GAP: "owner", FOLLOW_RECORD_GAP: "gap",
            FOLLOW_UPDATE_GAP: "update_id_gap", -4: "crossed"}


class BusBook:
    """One symbol's book, followed from the bus (see :class:`BusBooks`).

    Every :class:`~wexcore.OrderBook` read (``best_bid()``, ``bids(n)``,
    ``bid_ticks(n)``, ``checksum()``, ...) is delegated to :attr:`book`.
    """

    def __init__(self, owner: BusBooks, symbol: str) -> None:
        self._owner = owner
        self.symbol = symbol
        self.product = owner.product
        self.subject = layout.book_subject(owner.product, symbol)
        self.follower: BookFollower | None = None
        #: times the book was rebuilt after having been synced (gap, new owner, ...)
        self.resyncs = 0
        self.last_resync: ResyncEvent | None = None
        self.bad_records = 0
        self._sub: Any = None
        self._gen = 0
        self._resync_task: asyncio.Task[None] | None = None
        self._synced = asyncio.Event()
        self._last_record = 0.0
        self._pending: list[bytes] = []
        self._poison: bytes | None = None  # the record that caused the last resync

    # ---- reads --------------------------------------------------------------

    @property
    def book(self) -> Any:
        """The kernel :class:`~wexcore.OrderBook` (valid between updates)."""
        if self.follower is None:
            raise RuntimeError(f"{self.symbol}: no snapshot on the bus yet")
        return self.follower.book

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        follower = self.__dict__.get("follower")
        if follower is None:
            raise AttributeError(name)
        return getattr(follower.book, name)

    @property
    def synced(self) -> bool:
        return self.follower is not None and self.follower.synced

    @property
    def last_update_id(self) -> int:
        return int(self.follower.book.last_update_id) if self.follower is not None else 0

    @property
    def epoch(self) -> int:
        """The current publisher's ownership epoch."""
        return int(self.follower.epoch) if self.follower is not None else 0

    def idle(self) -> float:
        """Seconds since the last record (a feed failover shows as a pause here)."""
        return time.monotonic() - self._last_record if self._last_record else float("inf")

    async def wait_synced(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._synced.wait(), timeout)

    # ---- following ------------------------------------------------------------

    def _new_book(self, rec: Record) -> None:
        from wexcore import OrderBook

        product: Any = self.product
        book = OrderBook(self.symbol, rec.price_precision, rec.quantity_precision,
                         product=product)
        self.follower = BookFollower(book)

    def _load(self, data: bytes) -> Record:
        """Load a snapshot record, making the book on the first one (or when
        the symbol's precisions changed)."""
        rec = Record(data)
        if rec.kind != KIND_SNAPSHOT or rec.symbol != self.symbol:
            raise DecodeError(f"{self.symbol}: not a snapshot of this symbol", field="kind")
        f = self.follower
        if f is None or (f.book.price_precision, f.book.quantity_precision) != (
                rec.price_precision, rec.quantity_precision):
            self._new_book(rec)
        assert self.follower is not None
        if self.follower.load(data) == FOLLOW_SNAPSHOT:
            self._synced.set()
        return rec

    def _callback(self, gen: int) -> Callable[[Any], Any]:
        """The subscription's message callback: queue the record and apply
        the queue at the next turn of the loop. Under load, nats-py hands
        over many messages before that turn and they are applied as one run
        (:meth:`BookFollower.feed_many`); when idle it is one record."""
        pending = self._pending
        call_soon = asyncio.get_running_loop().call_soon
        mono = time.monotonic

        async def on_msg(msg: Any) -> None:
            if gen != self._gen:
                return  # a message of a replaced subscription
            pending.append(msg.data)
            if len(pending) == 1:
                call_soon(self._flush, gen)
            self._last_record = mono()

        return on_msg

    def _flush(self, gen: int) -> None:
        pending = self._pending
        if gen != self._gen:
            pending.clear()
            return
        batch = pending[:]
        pending.clear()
        run: list[bytes] = []
        for data in batch:
            f = self.follower
            if f is not None and f.synced and len(data) > 4 and data[4] == KIND_DELTA:
                run.append(data)
                continue
            if run:
                self._apply_run(run)
                run = []
            self._apply_one(data)
        if run:
            self._apply_run(run)
        if self._sub is not None:
            answer_flow_control(self._sub)

    def _apply_run(self, run: list[bytes]) -> None:
        f = self.follower
        assert f is not None
        try:
            code = f.feed_many(run)
        except (WexError, TypeError, ValueError):
            # a bad record in the run (nothing was applied): one by one, so
            # the good ones apply and the bad one is skipped and counted
            for data in run:
                self._apply_one(data)
            return
        if code == FOLLOW_APPLIED:
            # one latency sample per run: its oldest record (the worst case)
            t_first = int.from_bytes(run[0][48:56], "little", signed=True)
            self._owner.stats.wire.record(time.time_ns() - t_first)
        elif code < 0:
            at = f.stopped_at
            if 0 <= at < len(run):
                if self._cannot_follow(code, run[at]) and at + 1 < len(run):
                    self._apply_run(run[at + 1:])
            else:
                self._lost(_REASONS.get(code, "gap"), f"record {f.seq}, epoch {f.epoch}")

    def _apply_one(self, data: bytes) -> None:
        f = self.follower
        try:
            if f is None:
                if len(data) > 4 and data[4] == KIND_SNAPSHOT:  # no book yet: need a snapshot
                    self._load(data)
                return
            code = f.feed(data)
        except (WexError, TypeError, ValueError, IndexError) as exc:
            # nothing of it was applied; a lost legitimate record would show
            # as a record-number gap at the next one
            self.bad_records += 1
            log.warning("%s: bad record skipped (%s)", self.symbol, exc)
            if isinstance(exc, DecodeError) and exc.field == "price_precision":
                with contextlib.suppress(Exception):
                    self._load(data)  # the symbol's precisions changed
            return
        if code == FOLLOW_APPLIED:
            self._owner.stats.wire.record(time.time_ns() - f.last_time_ns)
        elif code < 0:
            self._cannot_follow(code, data)
        elif code == FOLLOW_NEW_OWNER:
            self._count("owner", f"epoch {f.epoch}")
            self._synced.set()
        elif code == FOLLOW_SNAPSHOT:
            self._synced.set()

    def _cannot_follow(self, code: int, record: bytes) -> bool:
        """``record`` cannot follow the book: resync from KV. When the very
        record that caused the last resync fails again right after it (the
        stream replays it from the KV snapshot), the record is wrong, not the
        stream: it is skipped (counted in ``bad_records``) instead of
        resyncing in a loop; returns True then."""
        f = self.follower
        assert f is not None
        if record == self._poison and code in (FOLLOW_OWNER_GAP, FOLLOW_RECORD_GAP):
            f.synced = True  # a skipped record changed nothing in the book
            self.bad_records += 1
            log.warning("%s: a record that cannot follow came again after the resync it "
                        "caused; skipped", self.symbol)
            return True
        # the same record breaking the update ids again: the book must be
        # reloaded, but not in a tight loop; the feed's next snapshot ends it
        again = record == self._poison
        self._poison = record
        self._lost(_REASONS.get(code, "gap"), f"record {f.seq}, epoch {f.epoch}",
                   delay=0.5 if again else 0.0)
        return False

    def _count(self, reason: str, detail: str) -> None:
        self.resyncs += 1
        ev = ResyncEvent(self.symbol, self.product, reason, detail)
        self.last_resync = ev
        self._owner._record_resync(ev)

    def _lost(self, reason: str, detail: str, delay: float = 0.0) -> None:
        """The book cannot follow: count it, then resync from KV (once at a time)."""
        self._synced.clear()
        self._count(reason, detail)
        if self._resync_task is None or self._resync_task.done():
            self._resync_task = asyncio.create_task(self._resync(delay),
                                                    name=f"wexcore-busbook {self.symbol}")

    async def _unsubscribe(self) -> None:
        self._gen += 1
        self._pending.clear()
        sub, self._sub = self._sub, None
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _subscribe(self, start: int | None) -> None:
        from nats.js.api import ConsumerConfig, DeliverPolicy

        if start is not None:
            cfg = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                                 opt_start_seq=start)
        else:  # no snapshot in KV yet: the subject's last record, then new ones
            cfg = ConsumerConfig(deliver_policy=DeliverPolicy.LAST_PER_SUBJECT)
        self._gen += 1
        owner = self._owner
        self._sub = await owner.js.subscribe(
            self.subject, cb=self._callback(self._gen), ordered_consumer=True, config=cfg,
            stream=layout.stream_name(self.product), idle_heartbeat=owner.idle_heartbeat,
            pending_msgs_limit=owner.pending_msgs_limit)

    async def _bootstrap(self) -> None:
        """Load the KV snapshot and follow the stream from just after it."""
        from nats.js.errors import KeyNotFoundError

        await self._unsubscribe()
        owner = self._owner
        if owner.kv is None:
            owner.kv = await owner.js.key_value(layout.books_bucket(self.product))
        try:
            entry = await owner.kv.get(self.symbol)
        except KeyNotFoundError:
            entry = None
        start = None
        if entry is not None and entry.value:
            rec = Record(entry.value)
            if self.follower is not None and rec.epoch < self.follower.epoch:
                # an old owner's late snapshot: wait for the current owner's
                raise _NotYet(f"KV snapshot epoch {rec.epoch} < {self.follower.epoch}")
            self._load(entry.value)
            start = rec.stream_seq + 1
        await self._subscribe(start)

    async def _resync(self, wait: float = 0.0) -> None:
        if wait:
            await self._unsubscribe()
            await asyncio.sleep(wait)
        delay = 0.05
        while True:
            try:
                await self._bootstrap()
                if self.synced:
                    return
                # nothing loadable yet: give the stream a moment to bring a
                # snapshot, then look in KV again
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._synced.wait(), max(delay, 0.5))
                if self.synced:
                    return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - NATS unreachable: retry
                log.log(logging.INFO if isinstance(exc, _NotYet) else logging.WARNING,
                        "%s: resync from KV failed (%s); retrying", self.symbol, exc)
                await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _close(self) -> None:
        if self._resync_task is not None:
            self._resync_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._resync_task
        await self._unsubscribe()


class _NotYet(Exception):
    pass


def answer_flow_control(sub: Any) -> None:
    """Answer the server's pending flow-control request of a JetStream push
    subscription as soon as what preceded it is delivered.

    nats-py answers one that arrives while messages are still queued from a
    task that looks every 250 ms, so a burst stalls the consumer for up to a
    quarter of a second; this does the same check right after each applied
    run. It reads nats-py's subscription state (``_jsi``); if that is not
    there, it does nothing and nats-py's own answer still comes.
    """
    jsi: Any = getattr(sub, "_jsi", None)
    reply = getattr(jsi, "_fcr", None)
    if reply and jsi.get_js_delivered() >= jsi._fcd:
        jsi._fcr = None
        jsi._fcd = 0
        task = asyncio.ensure_future(jsi._conn.publish(reply))
        _FC_TASKS.add(task)
        task.add_done_callback(_FC_TASKS.discard)


_FC_TASKS: set[asyncio.Future[Any]] = set()


class BusBooks:
    """Exact books of ``symbols`` followed from the bus, one NATS connection.

    ``async with BusBooks(["btc_usdt"], nats_url="nats://127.0.0.1:4222") as books:``
    ``await books.wait_synced(5); books["btc_usdt"].best_bid()``.

    The read API is :class:`~wexcore.LiveBooks`': ``books[symbol]`` (best
    bid/ask, numpy level views, checksum, ``last_update_id``, ``resyncs``),
    ``resyncs``, ``resync_events``, ``summary()``, ``wait_synced()``.

    Args:
        symbols: the symbols to follow.
        nats_url: one URL or several, comma-separated (a cluster).
        product: ``"spot"`` or ``"futures"``.
        on_resync: called with every :class:`ResyncEvent`.
        idle_heartbeat: seconds between the server's heartbeats on each
            consumer (two missed ones re-create it: a broker restart heals
            within about twice this).
    """

    def __init__(self, symbols: Iterable[str], *, nats_url: str, product: str = "spot",
                 on_resync: Callable[[ResyncEvent], None] | None = None,
                 idle_heartbeat: float = 0.5, pending_msgs_limit: int = 65536) -> None:
        self.symbols = [layout.check_symbol(s) for s in dict.fromkeys(symbols)]
        if not self.symbols:
            raise ValueError("BusBooks needs at least one symbol")
        self.product = layout.check_product(product)
        self.nats_url = nats_url
        self.idle_heartbeat = idle_heartbeat
        self.pending_msgs_limit = pending_msgs_limit
        self.resync_events: deque[ResyncEvent] = deque(maxlen=1000)
        self._on_resync = on_resync
        #: ``wire``: feed receive -> applied here (ns), per applied delta
        self.stats = LatencyStats()
        self.books: dict[str, BusBook] = {}
        self.nc: Any = None
        self.js: Any = None
        self.kv: Any = None

    async def __aenter__(self) -> BusBooks:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def start(self) -> None:
        """Connect and bootstrap every book (from KV when a snapshot is there;
        otherwise the book syncs when the feed publishes one)."""
        try:
            self.nc = await layout.connect(self.nats_url, name="wexcore-busbooks")
            self.js = self.nc.jetstream(timeout=5.0)
            # the stream and buckets are the feeds' to create (with their replicas):
            # until one exists, each book's bootstrap retries
            for sym in self.symbols:
                self.books[sym] = BusBook(self, sym)
            for b in self.books.values():
                b._resync_task = asyncio.create_task(b._resync(),
                                                     name=f"wexcore-busbook {b.symbol}")
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        for b in self.books.values():
            with contextlib.suppress(Exception):
                await b._close()
        if self.nc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.nc.close(), 5.0)
            self.nc = None

    def _record_resync(self, ev: ResyncEvent) -> None:
        self.resync_events.append(ev)
        log.info("%s %s: resync (%s) %s", ev.product, ev.symbol, ev.reason, ev.detail)
        if self._on_resync is not None:
            try:
                self._on_resync(ev)
            except Exception:  # noqa: BLE001
                log.exception("on_resync callback raised")

    def __getitem__(self, symbol: str) -> BusBook:
        return self.books[symbol]

    def __iter__(self) -> Iterator[BusBook]:
        return iter(self.books.values())

    def __len__(self) -> int:
        return len(self.books)

    async def wait_synced(self, timeout: float | None = None) -> None:
        """Wait until every book is in sync."""
        await asyncio.wait_for(
            asyncio.gather(*(b.wait_synced() for b in self.books.values())), timeout)

    @property
    def resyncs(self) -> int:
        return sum(b.resyncs for b in self.books.values())

    def summary(self) -> dict[str, Any]:
        """Latency (feed receive -> applied here, µs) and per-book counters."""
        lat = self.stats.summary()["exchange_to_receive"]
        return {
            "latency_feed_to_book": lat,
            "resyncs": {s: b.resyncs for s, b in self.books.items()},
            "synced": {s: b.synced for s, b in self.books.items()},
            "last_update_id": {s: b.last_update_id for s, b in self.books.items()},
            "epoch": {s: b.epoch for s, b in self.books.items()},
            "applied": {s: (b.follower.applied if b.follower else 0)
                        for s, b in self.books.items()},
            "idle_s": {s: round(b.idle(), 3) for s, b in self.books.items()},
            "bad_records": {s: b.bad_records for s, b in self.books.items()},
        }

