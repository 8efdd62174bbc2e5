"""The feed: live books published to NATS JetStream, shared among processes by leases.

A :class:`Feed` runs exact live books (:class:`~wexcore.LiveBook`, over one
shared market connection) for the symbols it owns and publishes, per symbol,
on ``wex.<product>.book.<symbol>``:

* a **snapshot record** (the whole book) first, after every resync of its own
  book, and every ``snapshot_interval`` seconds; each one is also put in the
  ``wex_<product>_books`` KV bucket tagged with its stream sequence;
* a **delta record** per exchange update its book applied, carrying the
  update's ids and its level changes as integer ticks (the frame's bytes
  turned into the record's by :class:`wexcore._record.DeltaEncoder`, one
  kernel call).

Records carry the owner's *epoch* (the revision of the KV lease it won:
strictly increasing across owners) and a per-symbol record number, so a
consumer can tell a gap, a new owner, and a stale owner apart.

Sharing: the feeds of one ``group`` hold a lease per symbol in the
``wex_<product>_leases_<group>`` bucket, whose entries expire after
``lease_ttl`` seconds unless renewed. Each feed also renews a membership
key; a feed owns at most ``ceil(symbols / members)`` symbols, takes free
ones up to that share, and hands back the ones above it (so a new feed
gets a share). A dead feed's leases expire and the survivors take them;
the new owner's first record is its snapshot.

How a delta is known to be exact: the feed's own sink runs right after the
live book's sink on the same frame (sinks of a topic are called in the order
they subscribed). It publishes the frame only when the live book applied it
(its ``applied`` counter moved), the book is in sync, the frame's first id
continues the last published id and the book's last id is the frame's. Any
other case marks the symbol dirty: nothing more is published for it until a
fresh snapshot of the (again synced) book.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import os
import re
import socket
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from wexcore._record import (
    KIND_SNAPSHOT,
    DeltaEncoder,
    encode_levels,
    encode_trade,
    with_stream_seq,
)
from wexcore.bus import layout
from wexcore.errors import WexError
from wexcore.export import trade_fields

if TYPE_CHECKING:
    from wexcore.stream.livebook import SnapshotFetcher

__all__ = ["Feed", "FeedCounters", "snapshot_record"]

log = logging.getLogger("wexcore.bus.feed")


class FeedCounters:
    """What a feed did (monotonic counters)."""

    def __init__(self) -> None:
        self.deltas = 0
        self.snapshots = 0
        self.trades = 0
        self.dirty = 0
        self.publish_errors = 0
        self.acquired = 0
        self.released = 0
        self.lost = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


def snapshot_record(book: Any, epoch: int, seq: int, time_ns: int) -> bytes:
    """A kernel :class:`~wexcore.OrderBook` as a snapshot record (its whole book)."""
    b = book.bid_ticks(book.bid_count)
    a = book.ask_ticks(book.ask_count)
    lid = int(book.last_update_id)
    return encode_levels(KIND_SNAPSHOT, book.symbol, book.price_precision,
                         book.quantity_precision, epoch, seq, lid, lid, None, time_ns,
                         np.ascontiguousarray(b[:, 0]), np.ascontiguousarray(b[:, 1]),
                         np.ascontiguousarray(a[:, 0]), np.ascontiguousarray(a[:, 1]),
                         book.product == "futures")


#: seconds a snapshot waits for the stream's acknowledgement before it counts
#: as not stored
ACK_TIMEOUT = 5.0


def _ack_sequence(msg: Any) -> int | None:
    """The stream sequence in a JetStream publish acknowledgement, or None
    for a refusal (an error, or no stream took it: status 503)."""
    if msg.headers and msg.headers.get("Status") == "503":
        return None
    try:
        ack = orjson.loads(msg.data)
    except orjson.JSONDecodeError:
        return None
    seq = ack.get("seq") if isinstance(ack, dict) and "error" not in ack else None
    return seq if isinstance(seq, int) and seq > 0 else None


class _Owned:
    """One symbol this feed owns: its live book, record numbers and publish state.

    It is the stream sink that turns the live book's applied frames into
    delta records (``raw``: it gets the frame bytes).
    """

    raw = True

    def __init__(self, feed: Feed, symbol: str, epoch: int) -> None:
        self.feed = feed
        self.symbol = symbol
        self.epoch = epoch
        self.revision = epoch          # the lease's current revision (renewals move it)
        self.renewed = time.monotonic()
        self.subject = layout.book_subject(feed.product, symbol)
        self.trade_subject = layout.trade_subject(feed.product, symbol)
        self.futures = feed.product == "futures"
        self.active = True
        self.live: Any = None
        self.encoder: DeltaEncoder | None = None
        self.pp = self.qp = 0
        self.seq = 0                   # record number within this epoch
        self.trade_seq = 0
        self.last_id = -1              # the last update id published
        self.dirty = True              # the next record must be a snapshot
        self.generation = 0            # bumped by a publish failure: older queued records drop
        self.applied_seen = 0
        self.last_snapshot = 0.0
        self.kv_task: asyncio.Task[None] | None = None  # the latest snapshot's KV copy

    # -- the depth sink (runs after the live book's sink on the same frame) --
    def deliver(self, frame: bytes, decoded: Any, received_ns: int) -> None:
        live = self.live
        if not self.active or live is None or live.sync is None:
            return
        sync = live.sync
        applied = sync.applied
        if applied == self.applied_seen:
            # buffered, stale, a gap or crossed: nothing applied
            if not sync.synced and not self.dirty:
                self.dirty = True
                self.feed.counters.dirty += 1
            return
        self.applied_seen = applied
        if self.dirty or not sync.synced:
            return
        encoder = self.encoder
        assert encoder is not None
        try:
            encoder.decode(frame)
            first = encoder.first_id
            last = encoder.last_id
            if first is None or last is None or first != self.last_id + 1 \
                    or sync.book.last_update_id != last:
                raise ValueError(f"update ids {first}..{last} after {self.last_id}")
            rec = encoder.record(self.epoch, self.seq + 1, received_ns or time.time_ns())
        except (WexError, ValueError) as exc:
            log.info("%s: frame not published (%s); a snapshot follows", self.symbol, exc)
            self.dirty = True
            self.feed.counters.dirty += 1
            return
        self.seq += 1
        self.last_id = last
        self.feed._enqueue(self, self.subject, rec, False)

    def snapshot_record(self) -> bytes:
        """The whole book now, as the next record (called between frames)."""
        book = self.live.book
        self.seq += 1
        rec = snapshot_record(book, self.epoch, self.seq, time.time_ns())
        self.last_id = int(book.last_update_id)
        self.dirty = False
        self.last_snapshot = time.monotonic()
        return rec


class _TradeSink:
    """Public trades of the owned symbols -> trade records."""

    raw = False  # the router decodes trades for us

    def __init__(self, feed: Feed) -> None:
        self.feed = feed

    def deliver(self, frame: bytes, decoded: Any, received_ns: int) -> None:
        owned = self.feed.owned.get(getattr(decoded, "symbol", None) or "")
        if owned is None or not owned.active or owned.encoder is None:
            return
        try:
            tid, tms, price, qty, maker = trade_fields(decoded, owned.pp, owned.qp)
        except (ValueError, TypeError) as exc:
            log.warning("%s: trade not published (%s)", owned.symbol, exc)
            return
        owned.trade_seq += 1
        # futures trades carry no id: 0 in the record
        rec = encode_trade(owned.symbol, owned.pp, owned.qp, owned.epoch, owned.trade_seq,
                           tid or 0, price, qty, tms, received_ns or time.time_ns(), maker,
                           owned.futures)
        self.feed.counters.trades += 1
        self.feed._enqueue(owned, owned.trade_subject, rec, False)


class Feed:
    """Publishes exact live books of its share of ``symbols`` to JetStream.

    ``async with Feed(["btc_usdt", "eth_usdt"], nats_url="nats://127.0.0.1:4222",
    rest_url=..., ws_url=...) as feed: await feed.wait_closed()``.

    Args:
        symbols: the symbols the group shares.
        nats_url: one URL or several, comma-separated (a cluster).
        product: ``"spot"`` or ``"futures"``.
        group: feeds with the same group (and product) share the symbols.
        rest_url, ws_url: the exchange (or simulator) endpoints.
        lease_ttl: seconds a lease lives without renewal (renewed every third).
        snapshot_interval: seconds between refreshed snapshots of a symbol.
        replicas: replicas of the stream and buckets this feed creates.
        trades: also publish public trades.
        member_id: this feed's name in the group (letters, digits, ``_``, ``-``;
            default ``<host>-<pid>-<random>``).
        transport: WebSocket transport of the market connection.
        precisions: ``{symbol: (price_precision, quantity_precision)}`` to skip
            the symbol look-ups.
        snapshot_fetcher: ``async (symbol, product) -> bytes`` replacing the
            REST depth snapshot (as for :class:`~wexcore.LiveBook`).
    """

    def __init__(self, symbols: Iterable[str], *, nats_url: str, product: str = "spot",
                 group: str = "default", rest_url: str | None = None,
                 ws_url: str | None = None, lease_ttl: float = 5.0,
                 snapshot_interval: float = 5.0, replicas: int = 1, trades: bool = True,
                 member_id: str | None = None, transport: str | None = None,
                 precisions: dict[str, tuple[int, int]] | None = None,
                 stream_max_age: float = 3600.0,
                 snapshot_fetcher: SnapshotFetcher | None = None) -> None:
        self.symbols = [layout.check_symbol(s) for s in dict.fromkeys(symbols)]
        if not self.symbols:
            raise ValueError("a feed needs at least one symbol")
        if lease_ttl < 0.5:
            raise ValueError("lease_ttl must be at least 0.5 s")
        if snapshot_interval <= 0:
            raise ValueError("snapshot_interval must be positive")
        self.product = layout.check_product(product)
        self.group = layout.check_group(group)
        self.nats_url = nats_url
        self.rest_url = rest_url
        self.ws_url = ws_url
        self.lease_ttl = lease_ttl
        self.snapshot_interval = snapshot_interval
        self.replicas = replicas
        self.trades = trades
        self.transport = transport
        self.precisions = dict(precisions or {})
        self.stream_max_age = stream_max_age
        self.snapshot_fetcher = snapshot_fetcher
        host = re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname())[:40]
        self.id = member_id or f"{host}-{os.getpid()}-{os.urandom(3).hex()}"
        layout.check_group(self.id)  # a KV key token: letters, digits, '_' and '-'

        self.owned: dict[str, _Owned] = {}
        self.counters = FeedCounters()
        self._queue: asyncio.Queue[tuple[_Owned, int, bool, str, bytes]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._pending: set[asyncio.Task[None]] = set()
        self._stop = asyncio.Event()
        self._acks: dict[str, tuple[_Owned, bytes, float]] = {}  # reply -> snapshot awaiting
        self._ack_prefix = ""
        self._ack_n = 0
        self.nc: Any = None
        self.js: Any = None
        self._leases: Any = None
        self._books_kv: Any = None
        self._stream: Any = None
        self._http: Any = None
        self._pacer: Any = None
        self._trade_sink = _TradeSink(self)

    # ---- lifecycle ---------------------------------------------------------

    async def __aenter__(self) -> Feed:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def start(self) -> None:
        """Connect to NATS and the exchange; ownership is then taken in the background."""
        import httpx

        from wexcore.stream.client import StreamClient
        from wexcore.stream.livebook import RequestPacer

        try:
            self.nc = await layout.connect(self.nats_url, name=f"wexcore-feed {self.id}")
            self.js = self.nc.jetstream(timeout=5.0)
            self._ack_prefix = self.nc.new_inbox() + "."
            await self.nc.subscribe(self._ack_prefix + "*", cb=self._on_ack)
            await layout.ensure_stream(self.js, self.product, replicas=self.replicas,
                                       max_age=self.stream_max_age)
            self._books_kv = await layout.ensure_kv(
                self.js, layout.books_bucket(self.product), replicas=self.replicas)
            self._leases = await layout.ensure_kv(
                self.js, layout.leases_bucket(self.product, self.group),
                replicas=self.replicas, ttl=self.lease_ttl)
            self._http = httpx.AsyncClient(timeout=10.0)
            self._pacer = RequestPacer(8.0)
            channel = "public" if self.product == "spot" else "market"
            self._stream = StreamClient(self.product, channel, url=self.ws_url,
                                        transport=self.transport)
            await self._stream.start()
            self._tasks = [
                asyncio.create_task(self._publisher(), name="wexcore-feed publisher"),
                asyncio.create_task(self._lease_loop(), name="wexcore-feed leases"),
                asyncio.create_task(self._snapshot_loop(), name="wexcore-feed snapshots"),
            ]
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Hand every symbol back (deleting its lease, so another feed takes
        it at once) and disconnect."""
        self._stop.set()
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._tasks = []
        for owned in list(self.owned.values()):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._release(owned, delete=True), 5.0)
        for t in list(self._pending):
            t.cancel()
        if self._stream is not None:
            with contextlib.suppress(Exception):
                await self._stream.close()
            self._stream = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self.nc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.nc.close(), 5.0)
            self.nc = None

    async def wait_closed(self) -> None:
        """Wait until :meth:`close` (or a signal handler calling it)."""
        await self._stop.wait()

    # ---- publishing --------------------------------------------------------

    def _enqueue(self, owned: _Owned, subject: str, data: bytes, snapshot: bool) -> None:
        self._queue.put_nowait((owned, owned.generation, snapshot, subject, data))

    async def _publisher(self) -> None:
        """Sends records in the order they were made (one queue, one task).

        Every record goes out as a plain NATS publish (consumers get it live;
        the stream stores it; a consumer finds any loss by the record
        numbers). A snapshot's publish carries a reply subject for the
        stream's acknowledgement, whose sequence tags the KV copy; nothing
        waits for it here (:meth:`_on_ack`), so records after a snapshot are
        not held for a round trip to the stream's leader, nor for seconds
        while a cluster elects a new one.
        """
        q = self._queue
        while True:
            owned, gen, snapshot, subject, data = await q.get()
            if not owned.active or gen != owned.generation:
                continue
            reply = ""
            try:
                if snapshot:
                    self._ack_n += 1
                    reply = f"{self._ack_prefix}{self._ack_n}"
                    self._acks[reply] = (owned, data, time.monotonic() + ACK_TIMEOUT)
                    await self.nc.publish(subject, data, reply=reply)
                else:
                    await self.nc.publish(subject, data)
                    if subject is owned.subject:
                        self.counters.deltas += 1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the next record is a snapshot
                self._acks.pop(reply, None)
                self.counters.publish_errors += 1
                owned.generation += 1
                owned.dirty = True
                log.warning("%s: publish failed (%s); a snapshot follows", owned.symbol, exc)

    async def _on_ack(self, msg: Any) -> None:
        """The stream's answer to a snapshot: put its KV copy, tagged with its
        stream sequence (after the symbol's earlier copies: KV never goes
        back to an older snapshot); a refusal makes the next record a
        snapshot again."""
        entry = self._acks.pop(msg.subject, None)
        if entry is None:
            return  # given up on already (ACK_TIMEOUT)
        owned, data = entry[0], entry[1]
        seq = _ack_sequence(msg)
        if seq is None:
            self._snapshot_failed(owned, f"the stream refused it: {msg.data[:200]!r}")
            return
        before = owned.kv_task
        owned.kv_task = asyncio.create_task(self._put_snapshot(owned, data, seq, before),
                                            name=f"wexcore-feed kv {owned.symbol}")

    async def _put_snapshot(self, owned: _Owned, data: bytes, seq: int,
                            before: asyncio.Task[None] | None) -> None:
        if before is not None:
            await asyncio.wait([before])
        if not owned.active:
            return
        try:
            await self._books_kv.put(owned.symbol, with_stream_seq(data, seq))
            self.counters.snapshots += 1
        except Exception as exc:  # noqa: BLE001 - the next record is a snapshot
            self._snapshot_failed(owned, exc)

    def _snapshot_failed(self, owned: _Owned, why: object) -> None:
        """A snapshot the stream or KV did not take: the next record of the
        symbol is a fresh snapshot (the records after it went out and stay
        valid; consumers catching up from the stream wait for that one)."""
        self.counters.publish_errors += 1
        owned.dirty = True
        log.warning("%s: snapshot not stored (%s); another follows", owned.symbol, why)

    def _expire_acks(self, now: float) -> None:
        for reply, (owned, _data, deadline) in list(self._acks.items()):
            if now > deadline:
                del self._acks[reply]
                self._snapshot_failed(owned, f"no acknowledgement in {ACK_TIMEOUT:.0f} s")

    async def _snapshot_loop(self) -> None:
        """Snapshots of dirty books as soon as they are synced, and of every
        book on the cadence."""
        tick = min(0.05, self.snapshot_interval)
        while True:
            now = time.monotonic()
            self._expire_acks(now)
            for owned in list(self.owned.values()):
                live = owned.live
                if not owned.active or live is None or not live.synced:
                    continue
                if owned.dirty or now - owned.last_snapshot >= self.snapshot_interval:
                    self._enqueue(owned, owned.subject, owned.snapshot_record(), True)
            await asyncio.sleep(tick)

    # ---- leases ------------------------------------------------------------

    def _key(self, symbol: str) -> str:
        return f"sym.{symbol}"

    def _rank(self, symbol: str) -> bytes:
        # rendezvous order: each member prefers different symbols first
        return hashlib.blake2b(f"{self.id}/{symbol}".encode(), digest_size=8).digest()

    async def _lease_loop(self) -> None:
        while True:
            try:
                await self._lease_round()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - NATS unreachable: try again
                log.warning("lease round failed: %s", exc)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.lease_ttl / 3)
            if self._stop.is_set():
                return

    async def _members(self) -> int:
        from nats.js.errors import NoKeysError

        try:
            keys = await self._leases.keys()
        except NoKeysError:
            return 1
        return max(1, sum(1 for k in keys if k.startswith("member.")))

    async def _lease_round(self) -> None:
        from nats.js.errors import KeyWrongLastSequenceError

        kv = self._leases
        await kv.put(f"member.{self.id}", self.id.encode())
        now = time.monotonic()
        for owned in list(self.owned.values()):
            try:
                owned.revision = await kv.update(self._key(owned.symbol), self.id.encode(),
                                                 last=owned.revision)
                owned.renewed = now
            except KeyWrongLastSequenceError:
                log.warning("%s: lease lost to another feed", owned.symbol)
                self.counters.lost += 1
                await self._release(owned, delete=False)
            except Exception as exc:  # noqa: BLE001
                if now - owned.renewed > self.lease_ttl:
                    log.warning("%s: lease not renewed for %.1fs (%s); dropping",
                                owned.symbol, now - owned.renewed, exc)
                    self.counters.lost += 1
                    await self._release(owned, delete=False)
        share = math.ceil(len(self.symbols) / await self._members())
        if len(self.owned) > share:
            for owned in sorted(self.owned.values(), key=lambda o: self._rank(o.symbol),
                                reverse=True)[: len(self.owned) - share]:
                log.info("%s: handed back (share %d)", owned.symbol, share)
                await self._release(owned, delete=True)
            return
        for symbol in sorted(self.symbols, key=self._rank):
            if len(self.owned) >= share:
                break
            if symbol in self.owned:
                continue
            try:
                epoch = await kv.create(self._key(symbol), self.id.encode())
            except KeyWrongLastSequenceError:
                continue  # someone owns it
            self._acquire(symbol, epoch)

    def _acquire(self, symbol: str, epoch: int) -> None:
        owned = _Owned(self, symbol, epoch)
        self.owned[symbol] = owned
        self.counters.acquired += 1
        log.info("%s: owned (epoch %d)", symbol, epoch)
        task = asyncio.create_task(self._start_book(owned), name=f"wexcore-feed {symbol}")
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _start_book(self, owned: _Owned) -> None:
        from wexcore.stream.livebook import LiveBook

        pp, qp = self.precisions.get(owned.symbol, (None, None))
        live = LiveBook(owned.symbol, product=self.product, rest_url=self.rest_url,
                        stream=self._stream, http=self._http, snapshot_pacer=self._pacer,
                        price_precision=pp, quantity_precision=qp,
                        snapshot_fetcher=self.snapshot_fetcher)
        try:
            await live.start()
            owned.pp = int(live.price_precision or 0)
            owned.qp = int(live.quantity_precision or 0)
            self.precisions[owned.symbol] = (owned.pp, owned.qp)
            owned.encoder = DeltaEncoder(owned.symbol, owned.pp, owned.qp, owned.futures)
            # after the live book's sink, on the same frames (see the module doc)
            await self._stream.subscribe_sink([f"depth_update@{owned.symbol}"], owned)
            if self.trades:
                await self._stream.subscribe_sink([f"trade@{owned.symbol}"], self._trade_sink)
            owned.live = live  # from now on the sink and the snapshot loop use it
            if not owned.active:  # released while starting: undo what _release missed
                await self._release(owned, delete=False)
        except asyncio.CancelledError:
            await live.close()
            raise
        except Exception as exc:  # noqa: BLE001 - give the symbol back; retried later
            log.warning("%s: could not start the live book (%s); handing it back",
                        owned.symbol, exc)
            await live.close()
            await self._release(owned, delete=True)

    async def _release(self, owned: _Owned, *, delete: bool) -> None:
        """Stop publishing ``owned`` at once; then close its book and, when
        ``delete``, give its lease back."""
        owned.active = False
        if owned.kv_task is not None:
            owned.kv_task.cancel()  # its snapshot is no longer this feed's to keep
        if self.owned.get(owned.symbol) is owned:
            del self.owned[owned.symbol]
            self.counters.released += 1
        stream = self._stream
        if stream is not None:
            with contextlib.suppress(Exception):
                await stream.unsubscribe_sink([f"depth_update@{owned.symbol}"], owned)
            if self.trades and not any(o.symbol == owned.symbol for o in self.owned.values()):
                with contextlib.suppress(Exception):
                    await stream.unsubscribe_sink([f"trade@{owned.symbol}"], self._trade_sink)
        if owned.live is not None:
            with contextlib.suppress(Exception):
                await owned.live.close()
        if delete and self._leases is not None:
            with contextlib.suppress(Exception):
                await self._leases.delete(self._key(owned.symbol), last=owned.revision)

    def status(self) -> dict[str, Any]:
        """Owned symbols with their epoch and sync state, and the counters."""
        return {
            "id": self.id,
            "group": self.group,
            "owned": {s: {"epoch": o.epoch, "synced": bool(o.live and o.live.synced),
                          "seq": o.seq, "last_update_id": o.last_id}
                      for s, o in self.owned.items()},
            "counters": self.counters.as_dict(),
        }
