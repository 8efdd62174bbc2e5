"""Consumers: exact books rebuilt from the bus, with ``LiveBooks``' read API.

Per symbol, :class:`BusBooks` keeps an :class:`~wexcore.OrderBook` and a
:class:`~wexcore._record.BookFollower` (the compiled per-record path), fed by
two paths:

* **live**: a core NATS subscription on the book subject. The server hands
  a record to it as it routes the feed's publish, before JetStream stores
  it, so nothing of the stream's store-and-deliver path is on the hot path
  (docs/bus.md, "Latency", has the measured breakdown);
* **the stream**: a JetStream ordered consumer, started only to catch up —
  from the KV snapshot at start, after a gap, after a reconnect that missed
  records — and dropped as soon as a live record continues the book.

Both paths carry the same records, each with its owner's epoch and record
number, so the follower applies each record once whichever path brings it
first, and a hole on either path is seen at the next record.

Catching up: the KV snapshot (stream sequence ``S``) is loaded unless the
book is in sync and already at or past it; the stream is then followed from
``S + 1`` (records the book already has are skipped). While it runs, live
records that do not continue the book are dropped (the stream brings them);
the first live record that does ends the catch-up.

Whenever the book cannot follow — a record number skipped, update ids that
do not continue, a delta from a new owner whose snapshot was not seen — it
is counted as a resync and caught up as above. A record skipped on the live
path only leaves the book exact as of its last record, so the book is kept
and the stream fills the hole; anything else reloads the book from KV. An
undecodable record is skipped and counted (nothing of it was applied; had it
been a real record, the next one shows a gap); so is a record that fails
again right after the resync it caused (the stream replays it from the KV
snapshot: the record is wrong, not the stream). A snapshot record (the
feed's own resync, its cadence, or a new owner's first record) is loaded
as it comes; a new owner's counts as a resync (reason ``"owner"``). Every
resync is counted per symbol and reported as a
:class:`~wexcore.stream.livebook.ResyncEvent`.

Records that arrive together (one socket read) are applied as one run
(:meth:`BookFollower.feed_many`); a record that arrives alone is applied at
once, in the subscription's callback.
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
    KIND_SNAPSHOT,
    POSITION_NEXT,
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
_BAD = (WexError, TypeError, ValueError, IndexError)


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
        #: times the book could not follow (gap, new owner, ...); see the module doc
        self.resyncs = 0
        self.last_resync: ResyncEvent | None = None
        self.bad_records = 0
        self._live: Any = None           # the core subscription (for the book's life)
        self._sub: Any = None            # the stream's ordered consumer (while catching up)
        self._gen = 0                    # bumped whenever the stream consumer is replaced
        self._catching_up = True
        self._resync_task: asyncio.Task[None] | None = None
        self._synced = asyncio.Event()
        self._last_record = 0.0
        self._live_batch: list[bytes] = []
        self._stream_batch: list[bytes] = []
        self._poison: bytes | None = None  # the record that caused the last resync
        self._tail_check = False
        self._reloaded = 0.0               # when the book was last loaded from KV

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
        """The book is exact as of :attr:`last_update_id` and following."""
        return self.follower is not None and self.follower.synced

    @property
    def catching_up(self) -> bool:
        """Records are being taken from the stream (start, after a gap or a
        reconnect) until a live record continues the book."""
        return self._catching_up

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

    def _callback(self, live: bool, gen: int = 0) -> Callable[[Any], Any]:
        """A subscription's message callback: the live one, or the stream
        consumer's of generation ``gen``. nats-py hands over what one socket
        read brought before its loop turns again; the callback applies when
        the subscription's queue is empty, so records that arrived together
        form one run and one that arrived alone waits for nothing."""
        batch = self._live_batch if live else self._stream_batch
        mono = time.monotonic

        async def on_msg(msg: Any) -> None:
            if not live and gen != self._gen:
                return  # a message of a replaced or dropped stream consumer
            batch.append(msg.data)
            self._last_record = mono()
            sub = self._live if live else self._sub
            if sub is None or sub.pending_msgs == 0:
                records = batch[:]
                batch.clear()
                self._take(records, live)
                if not live and self._sub is not None and gen == self._gen:
                    answer_flow_control(self._sub)

        return on_msg

    def _take(self, records: list[bytes], live: bool) -> None:
        """Apply records of one path in order: runs of deltas in one kernel
        call, anything else one by one. While catching up, live records that
        do not continue the book are dropped (the stream brings them); the
        first that does ends the catch-up."""
        t0 = time.perf_counter_ns()
        try:
            self._take_all(records, live)
        finally:
            self._owner.stats.record_apply(time.perf_counter_ns() - t0)

    def _take_all(self, records: list[bytes], live: bool) -> None:
        i, n = 0, len(records)
        while i < n:
            if live and self._catching_up:
                while i < n and not self._continues(records[i]):
                    i += 1
                if i == n:
                    return
                self._end_catch_up()
            f = self.follower
            if n - i > 1 and f is not None and f.synced:
                i = self._apply_run(records, i, live)
            else:  # one record (feed() costs less than a run of one), or no book yet
                self._apply_one(records[i], live)
                i += 1

    def _continues(self, data: bytes) -> bool:
        f = self.follower
        try:
            if f is None:
                return len(data) > 4 and data[4] == KIND_SNAPSHOT and \
                    Record(data).symbol == self.symbol
            return bool(f.position(data) == POSITION_NEXT)
        except _BAD:
            return False  # counted when the stream brings it

    def _apply_run(self, records: list[bytes], i: int, live: bool) -> int:
        """Apply the deltas from ``records[i]`` on as one run (the kernel stops
        at the first record that is not a delta: that one is fed alone);
        returns where to go on."""
        f = self.follower
        assert f is not None
        run = records[i:] if i else records
        try:
            code = f.feed_many(run)
        except _BAD:
            # a bad record in the run (nothing was applied): one by one, so
            # the good ones apply and the bad one is skipped and counted
            for k in range(i, len(records)):
                self._apply_one(records[k], live)
                if live and self._catching_up:
                    return k + 1
            return len(records)
        taken = f.taken
        if code == FOLLOW_APPLIED:
            if taken:
                # one latency sample per run: its oldest record (the worst case)
                t_first = int.from_bytes(run[0][48:56], "little", signed=True)
                self._owner.stats.wire.record(time.time_ns() - t_first)
            if taken < len(run):  # a snapshot (or a trade) ends the run
                self._apply_one(run[taken], live)
                return i + taken + 1
        elif code < 0:
            at = f.stopped_at
            if 0 <= at < len(run):
                self._cannot_follow(code, run[at], live)
                return i + at + 1
            self._lost(_REASONS.get(code, "gap"), f"record {f.seq}, epoch {f.epoch}")
        return i + taken

    def _apply_one(self, data: bytes, live: bool) -> None:
        f = self.follower
        try:
            if f is None:
                if len(data) > 4 and data[4] == KIND_SNAPSHOT:  # no book yet: need a snapshot
                    self._load(data)
                return
            code = f.feed(data)
        except _BAD as exc:
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
            self._cannot_follow(code, data, live)
        elif code == FOLLOW_NEW_OWNER:
            self._count("owner", f"epoch {f.epoch}")
            self._synced.set()
        elif code == FOLLOW_SNAPSHOT:
            self._synced.set()

    def _cannot_follow(self, code: int, record: bytes, live: bool) -> None:
        """``record`` cannot follow the book: count it and catch up.

        A record number skipped on the live path (or a new owner's delta
        whose snapshot it missed) left the book exact as of its last record:
        it is kept and the stream fills the hole. When the very record that
        caused the last resync fails again right after it (the stream
        replays it from the KV snapshot), the record is wrong, not the
        stream: it is skipped (counted in ``bad_records``) instead of
        resyncing in a loop."""
        f = self.follower
        assert f is not None
        reason = _REASONS.get(code, "gap")
        detail = f"record {f.seq}, epoch {f.epoch}"
        gap = code in (FOLLOW_OWNER_GAP, FOLLOW_RECORD_GAP)
        if gap and record == self._poison:
            f.synced = True  # a skipped record changed nothing in the book
            self.bad_records += 1
            log.warning("%s: a record that cannot follow came again after the resync it "
                        "caused; skipped", self.symbol)
            return
        # the same record breaking the update ids again: the book must be
        # reloaded, but not in a tight loop; the feed's next snapshot ends it
        again = record == self._poison
        self._poison = record
        if live and gap:
            f.synced = True  # nothing of it was applied
        self._lost(reason, detail, delay=0.5 if again else 0.0)

    def _count(self, reason: str, detail: str) -> None:
        self.resyncs += 1
        ev = ResyncEvent(self.symbol, self.product, reason, detail)
        self.last_resync = ev
        self._owner._record_resync(ev)

    def _lost(self, reason: str, detail: str, delay: float = 0.0) -> None:
        """The book cannot follow: count it, then catch up from the stream.

        A book lost again within a second of its reload from KV waits half a
        second first: the stream cannot give what is missing (a record that
        never reached the server leaves a hole in both paths), and reloading
        at once would only replay up to the same hole, in a tight loop, until
        the feed's next snapshot (its cadence; a live snapshot ends the
        catch-up as soon as it comes)."""
        if not self.synced:
            self._synced.clear()
            if time.monotonic() - self._reloaded < 1.0:
                delay = max(delay, 0.5)
        self._count(reason, detail)
        self._catch_up(delay)

    def _catch_up(self, delay: float = 0.0) -> None:
        """Take records from the stream until a live one continues the book
        (one catch-up at a time: a running one also covers this)."""
        self._catching_up = True
        if self._resync_task is None or self._resync_task.done():
            self._resync_task = asyncio.create_task(self._resync(delay),
                                                    name=f"wexcore-busbook {self.symbol}")

    def _end_catch_up(self) -> None:
        """A live record continues the book: the stream is no longer needed
        (a catch-up still starting drops its consumer when it sees this)."""
        self._catching_up = False
        if self._sub is not None:
            _background(_quietly_unsubscribe(self._drop_stream()))

    def _drop_stream(self) -> Any:
        self._gen += 1
        self._stream_batch.clear()
        sub, self._sub = self._sub, None
        return sub

    async def _unsubscribe(self) -> None:
        await _quietly_unsubscribe(self._drop_stream())

    async def _subscribe_live(self) -> None:
        self._live = await self._owner.nc.subscribe(
            self.subject, cb=self._callback(True),
            pending_msgs_limit=self._owner.pending_msgs_limit)

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
            self.subject, cb=self._callback(False, self._gen), ordered_consumer=True,
            config=cfg, stream=layout.stream_name(self.product),
            idle_heartbeat=owner.idle_heartbeat, pending_msgs_limit=owner.pending_msgs_limit)

    async def _bootstrap(self) -> None:
        """Load the KV snapshot unless the book is in sync and already at or
        past it, and follow the stream from just after it."""
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
            f = self.follower
            if f is not None and f.synced and (rec.epoch, rec.seq) <= (f.epoch, f.seq):
                pass  # the stream replays from the snapshot; what the book has is skipped
            elif f is not None and rec.epoch < f.epoch:
                # an old owner's late snapshot: wait for the current owner's
                raise _NotYet(f"KV snapshot epoch {rec.epoch} < {f.epoch}")
            else:
                self._load(entry.value)
                self._reloaded = time.monotonic()
            start = rec.stream_seq + 1
        if self._catching_up:
            await self._subscribe(start)
        if not self._catching_up:  # a live record continued the book meanwhile
            await self._unsubscribe()

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

    def _check_tail_soon(self) -> None:
        if not self._tail_check:
            self._tail_check = True
            _background(self._check_tail())

    async def _check_tail(self) -> None:
        """After a reconnect or a slow-consumer drop: records the live
        subscription missed are only in the stream, and nothing may follow
        them to show the hole. When the stream's last record of the symbol
        is ahead of the book, catch up (not counted as a resync: the book
        was never wrong, only behind)."""
        try:
            await self._check_tail_once()
        finally:
            self._tail_check = False

    async def _check_tail_once(self) -> None:
        f = self.follower
        if self._catching_up or f is None or not f.synced:
            return  # a catch-up is running or starting anyway
        try:
            msg = await self._owner.js.get_last_msg(layout.stream_name(self.product),
                                                    self.subject)
            rec = Record(msg.data)
        except Exception as exc:  # noqa: BLE001 - nothing there, or not reachable yet
            log.info("%s: stream tail not read after reconnect (%s)", self.symbol, exc)
            return
        if (rec.epoch, rec.seq) > (f.epoch, f.seq) and not self._catching_up:
            log.info("%s: behind the stream after a reconnect (record %d, epoch %d); "
                     "catching up", self.symbol, rec.seq, rec.epoch)
            self._catch_up()

    async def _close(self) -> None:
        if self._resync_task is not None:
            self._resync_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._resync_task
        await self._unsubscribe()
        live, self._live = self._live, None
        await _quietly_unsubscribe(live)


async def _quietly_unsubscribe(sub: Any) -> None:
    if sub is not None:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


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
        _background(jsi._conn.publish(reply))


_BACKGROUND: set[asyncio.Future[Any]] = set()


def _background(aw: Any) -> None:
    """Run ``aw`` without waiting for it (kept referenced until done; a
    failure, e.g. the connection closing under it, is logged, not left for
    asyncio to complain about)."""
    task = asyncio.ensure_future(aw)
    _BACKGROUND.add(task)
    task.add_done_callback(_background_done)


def _background_done(task: asyncio.Future[Any]) -> None:
    _BACKGROUND.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.debug("background bus task failed: %r", task.exception())


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
            stream consumer (two missed ones re-create it: a broker restart
            heals within about twice this).
        pending_msgs_limit: messages nats-py queues per subscription before
            it drops (a dropped live record is caught up from the stream).
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
        #: ``wire``: feed receive -> applied here (ns), per applied run of
        #: records (its oldest); ``apply``: the time applying each run took (ns)
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
            self.nc = await layout.connect(self.nats_url, name="wexcore-busbooks",
                                           reconnected_cb=self._reconnected,
                                           error_cb=self._error)
            self.js = self.nc.jetstream(timeout=5.0)
            # the stream and buckets are the feeds' to create (with their replicas):
            # until one exists, each book's bootstrap retries
            for sym in self.symbols:
                self.books[sym] = BusBook(self, sym)
            for b in self.books.values():
                # live first, so that nothing published after the KV snapshot
                # read is missed by both paths
                await b._subscribe_live()
            for b in self.books.values():
                b._catch_up()
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

    async def _reconnected(self) -> None:
        for b in self.books.values():
            b._check_tail_soon()

    async def _error(self, exc: Exception) -> None:
        """nats-py's error callback: a subscription that dropped messages
        (its queue was full) has a gap now, even if no record follows."""
        from nats.errors import SlowConsumerError

        if isinstance(exc, SlowConsumerError):
            # once the records queued before the drop are applied, the book
            # is behind the stream's tail (a record after the hole shows it
            # as a gap sooner)
            for b in self.books.values():
                if exc.sub is b._live:
                    b._check_tail_soon()
            return
        log.warning("nats: %s", exc)

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
        """Latency (feed receive -> applied here, µs), the time applying a
        run of records took (µs), and per-book counters."""
        stats = self.stats.summary()
        return {
            "latency_feed_to_book": stats["exchange_to_receive"],
            "apply": stats["apply"],
            "resyncs": {s: b.resyncs for s, b in self.books.items()},
            "synced": {s: b.synced for s, b in self.books.items()},
            "catching_up": {s: b.catching_up for s, b in self.books.items()},
            "last_update_id": {s: b.last_update_id for s, b in self.books.items()},
            "epoch": {s: b.epoch for s, b in self.books.items()},
            "applied": {s: (b.follower.applied if b.follower else 0)
                        for s, b in self.books.items()},
            "idle_s": {s: round(b.idle(), 3) for s, b in self.books.items()},
            "bad_records": {s: b.bad_records for s, b in self.books.items()},
        }

