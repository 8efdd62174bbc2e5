"""Live local order books: the spec's snapshot + buffered-diff procedure,
repaired automatically on every gap, reconnect or crossed book.

The procedure (spot-en.txt "Orderbook manage", futures-en.txt "Orderbook
Management"), step by step, and where it happens here:

1. subscribe ``depth_update@{symbol}``                 -> :meth:`LiveBook.start`
2. buffer the events                                    -> :meth:`BookSync.feed` (BUFFERING)
3. fetch a depth snapshot                               -> :meth:`LiveBook._resync_loop`
4. drop events with ``i``/``u`` <= ``lastUpdateId``     -> the book kernel (``STALE``)
5. the first applied event straddles ``lastUpdateId+1`` -> the book kernel (else ``SequenceGap``)
6. every next event continues the previous one          -> the book kernel (else ``SequenceGap``)
7-9. absolute quantities, 0 removes, unknown removals   -> the book kernel

Frames go from the socket to the kernel as bytes: no Python object per level.

Staleness: a book can be wrong without any gap showing, and :class:`LiveBook`
watches for three signs of it. Many stale frames in a row (``max_stale_run``:
the book's id ran ahead of the stream, e.g. after a frame that jumped the
update id) and an applied frame that moves the id implausibly far
(``max_id_jump``) resync at once (:class:`BookSync`). A book that has been
quiet for ``stale_after`` seconds (its last frames may have been lost and no
later frame will reveal the gap; the exchange has no per-book heartbeat) is
checked against a REST snapshot: an exchange that moved on, or different top
levels at the same id, resync it. :meth:`LiveBook.staleness` and
:meth:`LiveBooks.summary` report the checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from wexcore._stream import BookFeed, LatencyRing
from wexcore.errors import DecodeError, PrecisionError, SequenceGap
from wexcore.stream import _rest
from wexcore.stream.client import StreamClient
from wexcore.stream.core import ConnectionEvent, ConnectionState, ReconnectPolicy

__all__ = ["LiveBook", "LiveBooks", "BookSync", "ResyncEvent", "LatencyStats", "RequestPacer"]

log = logging.getLogger("wexcore.livebook")

# The kernel's ApplyResult values (an IntEnum; compared as ints on the hot path).
_STALE = 0
_CROSSED = 2

#: consecutive stale frames that make a live book resync
DEFAULT_MAX_STALE_RUN = 20
#: the most an applied frame may move a live book's update id
DEFAULT_MAX_ID_JUMP = 1 << 32
#: seconds without a depth frame before a live book checks itself against a snapshot
DEFAULT_STALE_AFTER = 10.0
#: levels per side a quiet-period check compares
QUIET_CHECK_LEVELS = 50
#: the resync reasons of the staleness rules
STALENESS_REASONS = ("stale_frames", "id_jump", "quiet_check")


@dataclass(frozen=True, slots=True)
class ResyncEvent:
    """A live book lost its sequence and is being rebuilt from a snapshot.

    ``reason`` is one of ``"gap"``, ``"crossed"``, ``"reconnect"``,
    ``"decode_error"``, ``"buffer_overflow"``, ``"requested"``, and the
    staleness rules' ``"stale_frames"``, ``"id_jump"``, ``"quiet_check"``.
    """

    symbol: str
    product: str
    reason: str
    detail: str = ""
    at: float = field(default_factory=time.time)


class LatencyStats:
    """Per-message timings in fixed-size rings (no growth, no per-message object).

    Recorded per applied depth message: the apply time (kernel decode + apply,
    monotonic ns), and when the frame carries an exchange timestamp (futures
    ``t``, ms), the exchange-to-receive latency. Several books may share one
    (``LiveBooks`` does).
    """

    def __init__(self, size: int = 65536) -> None:
        self.size = size
        self.apply = LatencyRing(size)
        self.wire = LatencyRing(size)

    def record_apply(self, ns: int) -> None:
        self.apply.record(ns)

    def record_wire(self, ns: int) -> None:
        self.wire.record(ns)

    def merge(self, other: LatencyStats) -> None:
        for v in other.apply.samples():
            self.apply.record(v)
        for v in other.wire.samples():
            self.wire.record(v)

    @staticmethod
    def _summary(values: list[int], count: int) -> dict[str, float]:
        if not values:
            return {"count": count}
        import numpy as np

        a = np.asarray(values, dtype=np.float64) / 1000.0
        p50, p90, p99, p999 = np.percentile(a, [50, 90, 99, 99.9])
        return {"count": count, "mean_us": float(a.mean()), "p50_us": float(p50),
                "p90_us": float(p90), "p99_us": float(p99), "p999_us": float(p999),
                "max_us": float(a.max())}

    def summary(self) -> dict[str, dict[str, float]]:
        """``{"apply": {...}, "exchange_to_receive": {...}}`` in microseconds
        (over the last ``size`` samples; ``count`` is the total)."""
        return {
            "apply": self._summary(self.apply.samples(), self.apply.count),
            "exchange_to_receive": self._summary(self.wire.samples(), self.wire.count),
        }


class BookSync(BookFeed):
    """The sans-I/O state machine of one live book.

    Feed it every ``depth_update`` frame (:meth:`feed`, or ``deliver`` as a
    stream sink) and, when it asks for one (:attr:`wants_snapshot`), a
    snapshot (:meth:`on_snapshot`). It owns the kernel book; it never
    awaits. Events are buffered while unsynced, in a bounded deque
    (``max_buffer``; overflow drops the oldest, and a hole that leaves is
    found as a gap when the buffer is replayed). The per-message path
    (``deliver``) is compiled (:class:`wexcore._stream.BookFeed`); the
    decisions (snapshot, replay, losing sync) are here.

    ``max_stale_run`` consecutive stale frames, or an applied frame that
    moves the update id by more than ``max_id_jump``, lose sync (reasons
    ``"stale_frames"``, ``"id_jump"``); 0 disables either rule. The defaults
    never trigger on a healthy stream: a stale frame is a repeat, and
    repeats come one at a time; a frame's ids advance by the updates it
    carries, nowhere near 2**32.
    """

    def __init__(
        self,
        book: Any,
        *,
        product: str = "spot",
        max_buffer: int = 10_000,
        on_resync: Callable[[ResyncEvent], None] | None = None,
        on_synced: Callable[[], None] | None = None,
        stats: LatencyStats | None = None,
        max_stale_run: int = DEFAULT_MAX_STALE_RUN,
        max_id_jump: int = DEFAULT_MAX_ID_JUMP,
    ) -> None:
        if max_stale_run < 0 or max_id_jump < 0:
            raise ValueError("max_stale_run and max_id_jump must be >= 0 (0 disables)")
        self.book = book
        self.symbol: str = book.symbol
        self.product = product
        self.max_buffer = max_buffer
        self.max_stale_run = max_stale_run
        self.max_id_jump = max_id_jump
        self.buffer = deque()
        self.synced = False
        #: times the book lost sync after having been synced once
        self.resyncs = 0
        #: snapshots loaded (the first sync counts one)
        self.snapshots = 0
        self.ever_synced = False
        self.wants_snapshot = True
        self.on_resync = on_resync
        self.on_synced = on_synced
        #: called whenever the book leaves (or is kept out of) the synced state
        self.on_lost: Callable[[], None] | None = None
        #: called after every applied live update: ``on_update(book, received_ns)``
        self.on_update = None
        self.stats = stats
        self.apply_ring = stats.apply if stats is not None else None
        self.wire_ring = stats.wire if stats is not None else None
        self.last_resync: ResyncEvent | None = None
        #: how often each reason made the book lose (or stay out of) sync
        self.resync_reasons: dict[str, int] = {}
        self.futures = product == "futures"

    def feed(self, frame: bytes, received_ns: int = 0) -> None:
        """One ``depth_update`` frame, as received."""
        self.deliver(frame, None, received_ns)

    def lose_sync(self, reason: str, detail: str = "") -> None:
        """Leave the synced state: buffer from now on and ask for a snapshot."""
        if reason == "decode_error":
            log.error("%s: undecodable depth frame (%s); resyncing", self.symbol, detail)
        was = self.synced
        self.synced = False
        self.wants_snapshot = True
        self.resync_reasons[reason] = self.resync_reasons.get(reason, 0) + 1
        if reason == "reconnect":
            # frames from the old connection cannot be trusted to be contiguous
            # with the new one
            self.buffer.clear()
        if self.on_lost is not None:
            self.on_lost()
        if was:
            self.resyncs += 1
            ev = ResyncEvent(self.symbol, self.product, reason, detail)
            self.last_resync = ev
            log.info("%s %s: resync (%s) %s", self.product, self.symbol, reason, detail)
            if self.on_resync is not None:
                self.on_resync(ev)

    def on_snapshot(self, snapshot: bytes | dict[str, Any]) -> bool:
        """Load a snapshot and replay the buffer; True once synced.

        False means the snapshot is older than the buffered stream (the first
        newer event does not straddle it) or the buffer has a hole: the
        caller fetches another one; the frames from the failing one onward
        stay buffered.
        """
        loaded = self.book.load_snapshot(snapshot)
        self.snapshots += 1
        if loaded == _CROSSED:
            # a crossed snapshot cannot be a real book: ask for another
            log.warning("%s: crossed snapshot ignored", self.symbol)
            self.wants_snapshot = True
            return False
        buf = self.buffer
        book = self.book
        while buf:
            frame = buf[0]
            try:
                result = book.apply(frame)
            except SequenceGap:
                # keep this frame and what follows for the next snapshot
                self.wants_snapshot = True
                return False
            except (DecodeError, PrecisionError) as exc:
                log.error("%s: undecodable buffered frame dropped (%s)", self.symbol, exc)
                buf.popleft()
                self.wants_snapshot = True
                return False
            buf.popleft()
            if result == _STALE:
                self.stale += 1
            elif result == _CROSSED:
                buf.clear()
                self.wants_snapshot = True
                return False
            else:
                self.applied += 1
        self.synced = True
        self.ever_synced = True
        self.wants_snapshot = False
        self.stale_run = 0
        if self.on_synced is not None:
            self.on_synced()
        return True


SnapshotFetcher = Callable[[str, str], Awaitable[bytes | dict[str, Any]]]


class RequestPacer:
    """Spaces requests at most ``rate`` per second (shared by many books).

    The depth endpoints allow 10 requests per second per IP; after a
    reconnect every book on the connection wants a snapshot at once.
    """

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            now = loop.time()
            if self._next > now:
                await asyncio.sleep(self._next - now)
                now = loop.time()
            self._next = now + self.interval


class LiveBook:
    """A live, exact local order book of one symbol.

    ``async with LiveBook("btc_usdt", ws_url=sim.ws_url, rest_url=sim.rest_url) as book:``
    then ``await book.wait_synced()`` and read it at any moment with the
    order book kernel's reads (``best_bid()``, ``bids(n)``, ``checksum()``,
    ``last_update_id``...), delegated to :attr:`book`.

    Gaps, reconnects and crossed books trigger a resync (new snapshot,
    buffered events replayed) that is counted in :attr:`resyncs` and
    reported to ``on_resync``; reads during a resync see the last good state
    (:attr:`synced` tells whether it is current).

    Args:
        symbol: e.g. ``"btc_usdt"``.
        product: ``"spot"`` or ``"futures"``.
        rest_url: base URL of the REST API (snapshot, precision).
        ws_url: the market stream URL, or its base (``/public`` or
            ``/ws/market`` is appended when the URL has no path).
        price_precision, quantity_precision: the symbol's; fetched from the
            symbol endpoint when omitted.
        stream: share an existing (started) market :class:`StreamClient`.
        snapshot_fetcher: ``async (symbol, product) -> bytes`` replacing the REST GET.
        transport, compression: for the stream this book opens itself.
        on_resync: callback receiving :class:`ResyncEvent`.
        on_update: ``on_update(book, received_ns)`` after every applied live
            update (the kernel book, and the frame's receive time in
            ``time.time_ns()``); it runs on the receive path: keep it short.
        stale_after: seconds without a depth frame after which the synced
            book is checked against a REST snapshot (``None`` or 0: never);
            each check is one snapshot request, paced with the resyncs.
        max_stale_run, max_id_jump: :class:`BookSync`'s staleness rules.
    """

    def __init__(
        self,
        symbol: str,
        *,
        product: str = "spot",
        rest_url: str | None = None,
        ws_url: str | None = None,
        price_precision: int | None = None,
        quantity_precision: int | None = None,
        stream: StreamClient | None = None,
        snapshot_fetcher: SnapshotFetcher | None = None,
        transport: str = "websockets",
        compression: bool = True,
        on_resync: Callable[[ResyncEvent], None] | None = None,
        on_update: Callable[[Any, int], None] | None = None,
        max_buffer: int = 10_000,
        stats: LatencyStats | None = None,
        http: _rest.RestSession | None = None,
        stream_options: dict[str, Any] | None = None,
        snapshot_pacer: RequestPacer | None = None,
        stale_after: float | None = DEFAULT_STALE_AFTER,
        max_stale_run: int = DEFAULT_MAX_STALE_RUN,
        max_id_jump: int = DEFAULT_MAX_ID_JUMP,
    ) -> None:
        if product not in ("spot", "futures"):
            raise ValueError(f"product must be 'spot' or 'futures', not {product!r}")
        if stale_after is not None and not stale_after >= 0:
            raise ValueError(f"stale_after must be >= 0 seconds or None, not {stale_after!r}")
        if max_stale_run < 0 or max_id_jump < 0:
            raise ValueError("max_stale_run and max_id_jump must be >= 0 (0 disables)")
        self.stale_after = stale_after or None
        self._max_stale_run = max_stale_run
        self._max_id_jump = max_id_jump
        #: quiet-period checks made, failed (no snapshot), and their last verdict
        self.quiet_checks = 0
        self.quiet_check_errors = 0
        self.last_quiet_check: str | None = None
        self._quiet_since = 0.0
        self._watch_task: asyncio.Task[None] | None = None
        self.symbol = symbol
        self.product = product
        self.rest_url = (rest_url or _rest.default_rest_url(product)).rstrip("/")
        self.ws_url = ws_url
        self.price_precision = price_precision
        self.quantity_precision = quantity_precision
        self._stream = stream
        self._own_stream = stream is None
        self._fetcher = snapshot_fetcher
        self._transport = transport
        self._compression = compression
        self._on_resync_cb = on_resync
        self._on_update = on_update
        self._max_buffer = max_buffer
        self.stats = stats if stats is not None else LatencyStats()
        self._http = http
        self._own_http = http is None
        self._stream_options = stream_options or {}
        self.sync: BookSync | None = None
        self._synced_event: asyncio.Event | None = None
        self._need_snapshot: asyncio.Event | None = None
        self._stream_ready = False
        self._task: asyncio.Task[None] | None = None
        self._topic = f"depth_update@{symbol}"
        self.snapshot_errors = 0
        self._source: _rest.SnapshotSource | None = None
        self._pacer = snapshot_pacer

    # ---- lifecycle ----------------------------------------------------------

    async def __aenter__(self) -> LiveBook:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def start(self) -> None:
        """Open the stream (unless shared), subscribe and start syncing.

        Raises what the first steps raise (an unknown symbol's
        ``SubscriptionError``, a REST error fetching precisions), after
        closing whatever was opened.
        """
        try:
            await self._start()
        except BaseException:
            await self.close()
            raise

    async def _start(self) -> None:
        from wexcore import OrderBook

        if self._http is None:
            self._http = _rest.RestSession()
        if self.price_precision is None or self.quantity_precision is None:
            pp, qp = await _rest.fetch_precision(self._http, self.rest_url, self.symbol,
                                                 self.product)
            self.price_precision = pp if self.price_precision is None else self.price_precision
            self.quantity_precision = (qp if self.quantity_precision is None
                                       else self.quantity_precision)
        product: Any = self.product  # validated in __init__: "spot" or "futures"
        book = OrderBook(self.symbol, self.price_precision, self.quantity_precision,
                         product=product)
        self._synced_event = asyncio.Event()
        self._need_snapshot = asyncio.Event()
        self.sync = BookSync(book, product=self.product, max_buffer=self._max_buffer,
                             on_resync=self._resynced, on_synced=self._synced_event.set,
                             stats=self.stats, max_stale_run=self._max_stale_run,
                             max_id_jump=self._max_id_jump)
        if self._stream is None:
            channel = "public" if self.product == "spot" else "market"
            self._stream = StreamClient(
                self.product, channel, url=self.ws_url, transport=self._transport,
                compression=self._compression, **self._stream_options,
            )
        self.sync.on_lost = self._kick
        self.sync.on_update = self._on_update
        self._stream.add_state_listener(self._on_state)
        if not self._stream.connected:
            await self._stream.start()
        self._task = asyncio.create_task(self._resync_loop(), name=f"livebook {self.symbol}")
        if self.stale_after is not None:
            self._watch_task = asyncio.create_task(self._watch_loop(),
                                                   name=f"livebook {self.symbol} staleness")
        await self._stream.subscribe_sink([self._topic], self.sync)
        self._stream_ready = True
        self._need_snapshot.set()

    async def close(self) -> None:
        for task in (self._task, self._watch_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._task = self._watch_task = None
        if self._stream is not None:
            self._stream.remove_state_listener(self._on_state)
            if self._own_stream:
                await self._stream.close()
            else:
                with contextlib.suppress(Exception):
                    await self._stream.unsubscribe_sink([self._topic], self.sync)
        if self._own_http and self._http is not None:
            await self._http.aclose()
            self._http = None

    # ---- reads ----------------------------------------------------------------

    @property
    def book(self) -> Any:
        """The kernel :class:`~wexcore.OrderBook` (valid between updates)."""
        assert self.sync is not None, "start() the LiveBook first"
        return self.sync.book

    def __getattr__(self, name: str) -> Any:
        # every OrderBook read (best_bid, bids, asks, checksum, spread, ...)
        if name.startswith("_") or name in ("sync",):
            raise AttributeError(name)
        sync = self.__dict__.get("sync")
        if sync is None:
            raise AttributeError(name)
        return getattr(sync.book, name)

    @property
    def synced(self) -> bool:
        return self.sync is not None and self.sync.synced

    @property
    def resyncs(self) -> int:
        return self.sync.resyncs if self.sync is not None else 0

    @property
    def last_update_id(self) -> int:
        return int(self.book.last_update_id)

    @property
    def last_resync(self) -> ResyncEvent | None:
        return self.sync.last_resync if self.sync is not None else None

    async def wait_synced(self, timeout: float | None = None) -> None:
        """Wait until the book is in sync (now, or after the current resync)."""
        assert self._synced_event is not None, "start() the LiveBook first"
        await asyncio.wait_for(self._synced_event.wait(), timeout)

    def resync(self) -> None:
        """Force a resync now (new snapshot, buffered events replayed)."""
        assert self.sync is not None
        self.sync.lose_sync("requested")
        self._kick()

    def staleness(self) -> dict[str, Any]:
        """The staleness rules' state: the quiet bound, how long the book has
        had no depth frame (while in sync), the quiet-period checks made, how
        many could not get a snapshot, the last one's verdict (``"ok"``,
        ``"behind"``, ``"differs"``, ``"ahead"``: the REST view lags the
        stream), and the resyncs each rule caused."""
        reasons = self.sync.resync_reasons if self.sync is not None else {}
        quiet = None
        if self.sync is not None and self.sync.synced and self._quiet_since:
            quiet = max(0.0, time.monotonic() - self._quiet_since)
        return {
            "stale_after": self.stale_after,
            "quiet_for_s": quiet,
            "quiet_checks": self.quiet_checks,
            "quiet_check_errors": self.quiet_check_errors,
            "last_quiet_check": self.last_quiet_check,
            "resyncs": {r: reasons.get(r, 0) for r in STALENESS_REASONS},
        }

    # ---- internals ----------------------------------------------------------

    async def _watch_loop(self) -> None:
        """The quiet-period rule: a synced book that saw no depth frame for
        ``stale_after`` seconds is compared with a snapshot (then again after
        every further ``stale_after`` of quiet)."""
        assert self.sync is not None and self.stale_after is not None
        bound = self.stale_after
        period = max(bound / 4, 0.01)
        seen = -1
        while True:
            await asyncio.sleep(period)
            sync = self.sync
            now = time.monotonic()
            activity = sync.applied + sync.stale
            if activity != seen or not sync.synced:
                seen = activity
                self._quiet_since = now
                continue
            if now - self._quiet_since >= bound:
                await self._quiet_check()
                self._quiet_since = time.monotonic()

    async def _quiet_check(self) -> None:
        sync = self.sync
        assert sync is not None
        self.quiet_checks += 1
        before = (sync.applied + sync.stale, sync.resyncs, sync.snapshots)
        try:
            snap = await self._fetch()
            if (sync.applied + sync.stale, sync.resyncs, sync.snapshots) != before \
                    or not sync.synced:
                return  # the book moved meanwhile: this snapshot proves nothing
            verdict, detail = self._compare_with_snapshot(snap)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - tried again after the next quiet period
            self.quiet_check_errors += 1
            self.last_quiet_check = f"error: {type(exc).__name__}"
            log.warning("%s: quiet-period check failed (%s)", self.symbol, exc)
            return
        self.last_quiet_check = verdict
        if verdict in ("behind", "differs"):
            sync.lose_sync("quiet_check", detail)

    def _compare_with_snapshot(self, snap: bytes | dict[str, Any]) -> tuple[str, str]:
        from wexcore import OrderBook

        assert self.price_precision is not None and self.quantity_precision is not None
        product: Any = self.product
        ref = OrderBook(self.symbol, self.price_precision, self.quantity_precision,
                        product=product)
        ref.load_snapshot(snap)
        book = self.book
        ours, theirs = int(book.last_update_id), int(ref.last_update_id)
        if theirs > ours:
            return "behind", (f"quiet for {self.stale_after} s at update id {ours}; the "
                              f"exchange's snapshot is at {theirs}")
        if theirs < ours:
            return "ahead", ""
        for side, n in (("bid", int(ref.bid_count)), ("ask", int(ref.ask_count))):
            n = min(n, QUIET_CHECK_LEVELS)
            reads = (book.bid_ticks, ref.bid_ticks) if side == "bid" else \
                (book.ask_ticks, ref.ask_ticks)
            if reads[0](n).tolist() != reads[1](n).tolist():
                return "differs", (f"{side}s differ from the exchange's snapshot at the same "
                                   f"update id {ours}")
        return "ok", ""

    def _kick(self) -> None:
        if self._synced_event is not None and not self.synced:
            self._synced_event.clear()
        if self._need_snapshot is not None:
            self._need_snapshot.set()

    def _resynced(self, ev: ResyncEvent) -> None:
        if self._on_resync_cb is not None:
            try:
                self._on_resync_cb(ev)
            except Exception:  # noqa: BLE001
                log.exception("on_resync callback raised")

    def _on_state(self, ev: ConnectionEvent) -> None:
        if self.sync is None:
            return
        if ev.state in (ConnectionState.RECONNECTING, ConnectionState.CONNECTED,
                        ConnectionState.CLOSED):
            # The stream's continuity is broken: wait for the resubscription
            # before asking for a snapshot, so that the snapshot is newer
            # than the first event of the new connection.
            if self._stream_ready or self.sync.synced:
                self.sync.lose_sync("reconnect", ev.reason)
            self._stream_ready = False
            self._kick()
        elif ev.state is ConnectionState.RESUBSCRIBED:
            self._stream_ready = True
            self._kick()

    async def _fetch(self) -> bytes | dict[str, Any]:
        if self._pacer is not None:
            await self._pacer.wait()
        if self._fetcher is not None:
            return await self._fetcher(self.symbol, self.product)
        assert self._http is not None
        if self._source is None:
            self._source = _rest.SnapshotSource(self._http, self.rest_url, self.product)
        return await self._source(self.symbol, self.product)

    async def _resync_loop(self) -> None:
        assert self._need_snapshot is not None and self.sync is not None
        backoff = ReconnectPolicy(0.05, 5.0)
        while True:
            await self._need_snapshot.wait()
            self._need_snapshot.clear()
            sync = self.sync
            while sync.wants_snapshot and self._stream_ready:
                try:
                    snap = await self._fetch()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - retried with backoff
                    self.snapshot_errors += 1
                    delay = backoff.next_delay() or 1.0
                    log.warning("%s: snapshot failed (%s); retrying in %.2fs", self.symbol,
                                exc, delay)
                    await asyncio.sleep(delay)
                    continue
                if not self._stream_ready:
                    break  # the connection dropped while we fetched
                try:
                    ok = sync.on_snapshot(snap)
                except (DecodeError, PrecisionError, ValueError) as exc:
                    self.snapshot_errors += 1
                    log.error("%s: bad snapshot (%s)", self.symbol, exc)
                    delay = backoff.next_delay() or 1.0
                    await asyncio.sleep(delay)
                    continue
                if ok:
                    backoff.reset()
                    break
                # snapshot older than the buffered stream: wait a little for
                # the exchange's REST view to catch up, then fetch again
                await asyncio.sleep(backoff.next_delay() or 0.1)


class LiveBooks:
    """Many live books over as few connections as allowed.

    ``symbols_per_connection`` symbols share one market connection; more
    symbols open more connections. Each book resyncs on its own: a gap in one
    symbol never stalls the others. Snapshot requests of all books are
    spaced to ``snapshot_rate`` per second (default 8, under the depth
    endpoints' 10 / s / IP), so a reconnect of many symbols is not refused.

    ``async with LiveBooks(["btc_usdt", "eth_usdt"], ws_url=..., rest_url=...) as books:``
    ``await books.wait_synced(); books["btc_usdt"].best_bid()``.
    """

    def __init__(
        self,
        symbols: Iterable[str],
        *,
        product: str = "spot",
        rest_url: str | None = None,
        ws_url: str | None = None,
        symbols_per_connection: int = 50,
        transport: str = "websockets",
        compression: bool = True,
        precisions: dict[str, tuple[int, int]] | None = None,
        on_resync: Callable[[ResyncEvent], None] | None = None,
        snapshot_fetcher: SnapshotFetcher | None = None,
        stream_options: dict[str, Any] | None = None,
        snapshot_rate: float = 8.0,
        stale_after: float | None = DEFAULT_STALE_AFTER,
        max_stale_run: int = DEFAULT_MAX_STALE_RUN,
        max_id_jump: int = DEFAULT_MAX_ID_JUMP,
    ) -> None:
        self.symbols = list(dict.fromkeys(symbols))
        if not self.symbols:
            raise ValueError("LiveBooks needs at least one symbol")
        if symbols_per_connection < 1:
            raise ValueError("symbols_per_connection must be >= 1")
        self.product = product
        self.rest_url = rest_url
        self.ws_url = ws_url
        self.per_connection = symbols_per_connection
        self.transport = transport
        self.compression = compression
        self.precisions = precisions or {}
        self.resync_events: deque[ResyncEvent] = deque(maxlen=1000)
        self._on_resync = on_resync
        self._fetcher = snapshot_fetcher
        self._stream_options = stream_options or {}
        self.streams: list[StreamClient] = []
        self.books: dict[str, LiveBook] = {}
        self.stats = LatencyStats()
        self._http: _rest.RestSession | None = None
        # under the depth endpoints' 10 requests / s / IP, shared by all books
        self.pacer = RequestPacer(snapshot_rate)
        self.stale_after = stale_after
        self._staleness = {"stale_after": stale_after, "max_stale_run": max_stale_run,
                           "max_id_jump": max_id_jump}

    async def __aenter__(self) -> LiveBooks:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def _record(self, ev: ResyncEvent) -> None:
        self.resync_events.append(ev)
        if self._on_resync is not None:
            self._on_resync(ev)

    async def start(self) -> None:
        self._http = _rest.RestSession()
        channel = "public" if self.product == "spot" else "market"
        try:
            for i in range(0, len(self.symbols), self.per_connection):
                stream = StreamClient(self.product, channel, url=self.ws_url,
                                      transport=self.transport, compression=self.compression,
                                      **self._stream_options)
                await stream.start()
                self.streams.append(stream)
                for sym in self.symbols[i : i + self.per_connection]:
                    pp, qp = self.precisions.get(sym, (None, None))
                    self.books[sym] = LiveBook(
                        sym, product=self.product, rest_url=self.rest_url, stream=stream,
                        price_precision=pp, quantity_precision=qp, http=self._http,
                        on_resync=self._record, stats=self.stats,
                        snapshot_fetcher=self._fetcher, snapshot_pacer=self.pacer,
                        **self._staleness,  # type: ignore[arg-type]
                    )
            await asyncio.gather(*(b.start() for b in self.books.values()))
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        for b in self.books.values():
            with contextlib.suppress(Exception):
                await b.close()
        for s in self.streams:
            with contextlib.suppress(Exception):
                await s.close()
        self.streams = []
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def __getitem__(self, symbol: str) -> LiveBook:
        return self.books[symbol]

    def __iter__(self) -> Any:
        return iter(self.books.values())

    def __len__(self) -> int:
        return len(self.books)

    async def wait_synced(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(
            asyncio.gather(*(b.wait_synced() for b in self.books.values())), timeout
        )

    @property
    def resyncs(self) -> int:
        return sum(b.resyncs for b in self.books.values())

    def summary(self) -> dict[str, Any]:
        """Latency statistics (µs) and counters across every book and connection,
        and each book's staleness checks (:meth:`LiveBook.staleness`)."""
        return {
            "latency": self.stats.summary(),
            "resyncs": {s: b.resyncs for s, b in self.books.items()},
            "snapshots": {s: (b.sync.snapshots if b.sync else 0) for s, b in self.books.items()},
            "staleness": {s: b.staleness() for s, b in self.books.items()},
            "connections": [s.counters.as_dict() for s in self.streams],
        }
