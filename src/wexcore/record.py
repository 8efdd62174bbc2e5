"""``wexcore record`` / ``wexcore replay``: raw stream sessions on disk.

File format: compressed JSON lines (gzip by default; zstd when the file name
ends in ``.zst`` and the ``zstandard`` module is installed), one object per
line, in the order things happened::

    {"type":"header","format":"wexcore-record","version":1,"product":"spot",...}
    {"type":"book","product":"spot","symbol":"btc_usdt","price_precision":2,"quantity_precision":4}
    {"type":"frame","ts":<receive ns>,"product":..,"symbol":..,"topic":"depth_update",
     "frame":"<raw text>"}
    {"type":"snapshot","ts":..,"product":..,"symbol":..,"body":"<raw REST body>"}
    {"type":"lost","ts":..,"product":..,"symbol":..,"reason":"reconnect"}
    {"type":"end","ts":..,"books":{"spot:btc_usdt":{"last_update_id":..,"checksum":..,...}}}

Why it replays exactly: the recorder is a live book (:class:`RecordingBook`,
the stream layer's sync machine driven like :class:`~wexcore.LiveBook` drives
it) that writes its inputs down.  Every
depth frame is written just before the sync machine sees it, each
snapshot just before the machine loads it (so the file shows it at the point
of the stream where it was applied: at the start and after every resync), and
each loss of sync that came from outside the stream (a reconnect) is written
when it happens.  Replaying feeds the same inputs in the same order to the
same state machine (:class:`~wexcore.stream.livebook.BookSync`), so the books
end identical; the ``end`` record carries the live books' final state and
:func:`replay` checks itself against it.  Gaps and crossed books need no
record: the replayed frames reproduce them.

Frames are stored as their exact text (the wire bytes are UTF-8 JSON), so a
replay sees the bytes the decoder saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import io
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import httpx
import orjson

log = logging.getLogger("wexcore.record")

__all__ = ["RecordingBook", "Recorder", "record", "replay", "replay_served", "read_records",
           "RecordSummary", "ReplayResult", "open_recording"]

FORMAT = "wexcore-record"
VERSION = 1
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_GZIP_MAGIC = b"\x1f\x8b"


def _zstd() -> Any:
    try:
        import zstandard
    except ImportError:
        raise RuntimeError("zstd needs the 'zstandard' module (pip install zstandard); "
                           "or write gzip: a file name ending in .gz") from None
    return zstandard


def open_recording(path: str, mode: str) -> IO[bytes]:
    """A binary file object for a recording: ``mode`` ``"wb"`` or ``"rb"``.

    Writing: ``.zst``/``.zstd`` is zstd, anything else gzip.  Reading: the
    compression is detected from the file's first bytes.
    """
    if mode == "wb":
        if path.endswith((".zst", ".zstd")):
            raw = open(path, "wb")  # noqa: SIM115 - owned by the returned writer
            return _zstd().ZstdCompressor(level=3).stream_writer(raw, closefd=True)  # type: ignore[no-any-return]
        return gzip.open(path, "wb", compresslevel=5)  # type: ignore[return-value]
    if mode != "rb":
        raise ValueError(f"mode must be 'wb' or 'rb', not {mode!r}")
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith(_GZIP_MAGIC):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if head == _ZSTD_MAGIC:
        raw_in = open(path, "rb")  # noqa: SIM115
        return _zstd().ZstdDecompressor().stream_reader(raw_in, closefd=True)  # type: ignore[no-any-return]
    raise ValueError(f"{path}: not a gzip or zstd file")


class Recorder:
    """Writes recording records to a compressed file; synchronous and cheap
    enough to call from stream callbacks."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fh = open_recording(path, "wb")
        self.frames = 0
        self.snapshots = 0
        self.losses = 0
        self.bytes = 0

    ended = False

    def _write(self, obj: dict[str, Any]) -> None:
        if self.ended:
            return  # shutting down (a CLOSED state, a late frame): after the end record
        line = orjson.dumps(obj) + b"\n"
        self.bytes += len(line)
        self._fh.write(line)

    def header(self, **info: Any) -> None:
        self._write({"type": "header", "format": FORMAT, "version": VERSION,
                     "started_ns": time.time_ns(), **info})

    def book(self, product: str, symbol: str, price_precision: int,
             quantity_precision: int) -> None:
        self._write({"type": "book", "product": product, "symbol": symbol,
                     "price_precision": price_precision,
                     "quantity_precision": quantity_precision})

    def frame(self, product: str, symbol: str, topic: str, frame: bytes,
              received_ns: int) -> None:
        self.frames += 1
        self._write({"type": "frame", "ts": received_ns or time.time_ns(), "product": product,
                     "symbol": symbol, "topic": topic, "frame": frame.decode()})

    def snapshot(self, product: str, symbol: str, body: bytes | dict[str, Any]) -> None:
        self.snapshots += 1
        rec: dict[str, Any] = {"type": "snapshot", "ts": time.time_ns(), "product": product,
                               "symbol": symbol}
        if isinstance(body, (bytes, bytearray, memoryview)):
            rec["body"] = bytes(body).decode()
        else:
            rec["json"] = body
        self._write(rec)

    def lost(self, product: str, symbol: str, reason: str) -> None:
        self.losses += 1
        self._write({"type": "lost", "ts": time.time_ns(), "product": product,
                     "symbol": symbol, "reason": reason})

    def end(self, books: dict[str, dict[str, Any]]) -> None:
        """The books' final state; nothing is written after it."""
        self._write({"type": "end", "ts": time.time_ns(), "books": books})
        self.ended = True

    def close(self) -> None:
        self._fh.close()


def book_state(book: Any, synced: bool) -> dict[str, Any]:
    """What the end record and a replay compare: ids, depth counts and digests
    of the top 25 levels and of the whole book."""
    return {
        "synced": bool(synced),
        "last_update_id": int(book.last_update_id),
        "bid_count": int(book.bid_count),
        "ask_count": int(book.ask_count),
        "checksum": int(book.checksum()),
        "full_checksum": int(book.checksum(1 << 30)),
    }


class RecordingBook:
    """One live book whose every input is written to the recording.

    It drives the stream layer's sans-I/O sync machine
    (:class:`~wexcore.stream.livebook.BookSync`) itself, the way
    :class:`~wexcore.LiveBook` does, rather than reaching into a LiveBook:
    the recording then holds exactly what this machine was fed, in order,
    whatever LiveBook's internals become.  It is a raw stream sink: the
    stream core hands it each ``depth_update`` frame's bytes.
    """

    raw = True

    def __init__(self, recorder: Recorder, symbol: str, product: str,
                 price_precision: int, quantity_precision: int,
                 fetch: Callable[[str, str], Awaitable[bytes | dict[str, Any]]]) -> None:
        from wexcore import OrderBook
        from wexcore.stream.livebook import BookSync

        self.recorder = recorder
        self.symbol = symbol
        self.product = product
        self.price_precision = price_precision
        self.quantity_precision = quantity_precision
        self._fetch = fetch
        book = OrderBook(symbol, price_precision, quantity_precision,
                         product="futures" if product == "futures" else "spot")
        self.sync = BookSync(book, product=product)
        self.stream_ready = False
        self.snapshot_errors = 0
        self._need = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        recorder.book(product, symbol, price_precision, quantity_precision)

    @property
    def book(self) -> Any:
        return self.sync.book

    @property
    def synced(self) -> bool:
        return bool(self.sync.synced)

    @property
    def last_update_id(self) -> int:
        return int(self.sync.book.last_update_id)

    def deliver(self, frame: bytes, decoded: Any, received_ns: int) -> None:
        self.recorder.frame(self.product, self.symbol, "depth_update", frame, received_ns)
        self.sync.feed(frame, received_ns)
        if self.sync.wants_snapshot:
            self._need.set()

    def on_state(self, ev: Any) -> None:
        from wexcore.stream.core import ConnectionState

        if ev.state in (ConnectionState.RECONNECTING, ConnectionState.CONNECTED,
                        ConnectionState.CLOSED):
            # continuity is broken: the next snapshot must come after the
            # resubscription (as LiveBook does); a replay needs this record
            if self.stream_ready or self.sync.synced:
                self.recorder.lost(self.product, self.symbol, "reconnect")
                self.sync.lose_sync("reconnect", ev.reason)
            self.stream_ready = False
        elif ev.state is ConnectionState.RESUBSCRIBED:
            self.stream_ready = True
            self._need.set()

    def start(self) -> None:
        self.stream_ready = True
        self._need.set()
        self._task = asyncio.create_task(self._resync_loop(), name=f"record {self.symbol}")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _resync_loop(self) -> None:
        from wexcore.stream.core import ReconnectPolicy

        backoff = ReconnectPolicy(0.05, 5.0)
        sync = self.sync
        while True:
            await self._need.wait()
            self._need.clear()
            while sync.wants_snapshot and self.stream_ready:
                try:
                    snap = await self._fetch(self.symbol, self.product)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - retried with backoff
                    self.snapshot_errors += 1
                    log.warning("%s: snapshot failed (%s); retrying", self.symbol, exc)
                    await asyncio.sleep(backoff.next_delay() or 1.0)
                    continue
                if not self.stream_ready:
                    break  # the connection dropped while we fetched
                # written just before it is loaded: the file shows it where
                # the machine used it
                self.recorder.snapshot(self.product, self.symbol, snap)
                try:
                    ok = sync.on_snapshot(snap)
                except Exception as exc:  # noqa: BLE001 - a bad body: fetch another
                    self.snapshot_errors += 1
                    log.error("%s: bad snapshot (%s)", self.symbol, exc)
                    ok = False
                if ok:
                    backoff.reset()
                    break
                await asyncio.sleep(backoff.next_delay() or 0.1)


class _TradeSink:
    """A raw stream sink writing trade frames with their receive time."""

    raw = True

    def __init__(self, recorder: Recorder, product: str) -> None:
        self.recorder = recorder
        self.product = product

    def deliver(self, frame: bytes, decoded: Any, received_ns: int) -> None:
        sym = _symbol_of(frame)
        self.recorder.frame(self.product, sym, "trade", frame, received_ns)


def _symbol_of(frame: bytes) -> str:
    # "event":"trade@btc_usdt" on both products
    pos = frame.find(b"trade@")
    if pos < 0:
        return ""
    end = frame.find(b'"', pos)
    return frame[pos + 6 : end].decode() if end > pos else ""


@dataclass
class RecordSummary:
    path: str
    seconds: float
    frames: int
    snapshots: int
    losses: int
    bytes_uncompressed: int
    books: dict[str, dict[str, Any]] = field(default_factory=dict)

    def line(self) -> str:
        import os

        size = os.path.getsize(self.path) if os.path.exists(self.path) else 0
        return (f"recorded {self.frames} frames, {self.snapshots} snapshots, {self.losses} "
                f"reconnect losses in {self.seconds:.1f} s to {self.path} "
                f"({self.bytes_uncompressed} bytes -> {size} compressed)")


async def record(symbols: list[str], path: str, *, product: str = "spot",
                 rest_url: str | None = None, ws_url: str | None = None,
                 seconds: float | None = None, trades: bool = True, use_sim: bool = False,
                 stop: asyncio.Event | None = None, transport: str | None = None,
                 on_started: Callable[[list[Any]], None] | None = None,
                 faults: str = "") -> RecordSummary:
    """Record live books' inputs (and trades) of ``symbols`` to ``path``.

    Runs until ``seconds`` pass, ``stop`` is set or Ctrl-C.  ``use_sim``
    starts an in-process simulator (with ``faults``, its fault spec) and
    records from it.  ``on_started``
    receives the recording :class:`~wexcore.LiveBook` objects once they run
    (read them between awaits only).
    """
    from wexcore.demo import _sigint_sets
    from wexcore.stream import _rest
    from wexcore.stream.client import StreamClient

    if not symbols:
        raise ValueError("record needs at least one symbol")
    if product not in ("spot", "futures"):
        raise ValueError(f"product must be 'spot' or 'futures', not {product!r}")
    stop = stop or asyncio.Event()
    async with contextlib.AsyncExitStack() as stack:
        if use_sim:
            from wexcore.sim import Simulator

            sim = await stack.enter_async_context(Simulator(symbols=symbols,
                                                            faults=faults or None))
            rest_url, ws_url = sim.rest_url, sim.ws_url
        recorder = Recorder(path)
        stack.callback(recorder.close)
        t0 = time.monotonic()
        stream = StreamClient(product, "public" if product == "spot" else "market", url=ws_url,
                              transport=transport)
        await stack.enter_async_context(stream)
        recorder.header(product=product, symbols=symbols, rest_url=rest_url, ws_url=stream.url)
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=10.0))
        base = (rest_url or _rest.default_rest_url(product)).rstrip("/")
        source = _rest.SnapshotSource(http, base, product)
        books = []
        for sym in symbols:
            pp, qp = await _rest.fetch_precision(http, base, sym, product)
            rb = RecordingBook(recorder, sym, product, pp, qp, source)
            stream.add_state_listener(rb.on_state)
            stack.push_async_callback(rb.close)
            await stream.subscribe_sink([f"depth_update@{sym}"], rb)
            rb.start()
            books.append(rb)
        if trades:
            await stream.subscribe_sink([f"trade@{s}" for s in symbols],
                                        _TradeSink(recorder, product))
        if on_started is not None:
            on_started(books)
        with _sigint_sets(stop):
            if seconds is None:
                await stop.wait()
            else:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), seconds)
        # No await between reading the books and writing the end record: no
        # frame can slip in between.
        states = {f"{product}:{b.symbol}": book_state(b.book, b.synced) for b in books}
        recorder.end(states)
        summary = RecordSummary(path, time.monotonic() - t0, recorder.frames,
                                recorder.snapshots, recorder.losses, recorder.bytes, states)
    return summary


def read_records(path: str) -> Iterator[dict[str, Any]]:
    """Every record of a recording, in order."""
    with open_recording(path, "rb") as fh:
        # gzip files read lines themselves; zstd's stream reader needs a buffer
        reader: Any = fh
        if not isinstance(fh, (gzip.GzipFile, io.BufferedReader)):
            reader = io.BufferedReader(fh)
        first = True
        for line in reader:
            if not line.strip():
                continue
            rec = orjson.loads(line)
            if first:
                if rec.get("type") != "header" or rec.get("format") != FORMAT:
                    raise ValueError(f"{path}: not a wexcore recording")
                if rec.get("version") != VERSION:
                    raise ValueError(f"{path}: recording version {rec.get('version')} "
                                     f"(this wexcore reads {VERSION})")
                first = False
            yield rec


@dataclass
class ReplayResult:
    path: str
    frames: int = 0
    depth_frames: int = 0
    trade_frames: int = 0
    snapshots: int = 0
    frame_bytes: int = 0
    seconds: float = 0.0  # time spent decoding and applying
    wall_seconds: float = 0.0
    recorded_seconds: float = 0.0
    resyncs: int = 0
    books: dict[str, dict[str, Any]] = field(default_factory=dict)
    recorded: dict[str, dict[str, Any]] | None = None
    clients: int = 0

    @property
    def matches(self) -> bool | None:
        """True when every book ends as recorded (None: no end record)."""
        if self.recorded is None:
            return None
        return self.books == self.recorded

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "frames": self.frames, "depth_frames": self.depth_frames,
            "trade_frames": self.trade_frames, "snapshots": self.snapshots,
            "frame_bytes": self.frame_bytes, "seconds": self.seconds,
            "frames_per_second": self.frames / self.seconds if self.seconds else None,
            "wall_seconds": self.wall_seconds, "recorded_seconds": self.recorded_seconds,
            "resyncs": self.resyncs, "books": self.books, "matches_recording": self.matches,
        }

    def lines(self) -> list[str]:
        rate = self.frames / self.seconds if self.seconds else 0.0
        mb = self.frame_bytes / self.seconds / 1e6 if self.seconds else 0.0
        per = self.seconds / self.frames * 1e6 if self.frames else 0.0
        out = [
            f"replayed {self.frames} frames ({self.depth_frames} depth, {self.trade_frames} "
            f"trade), {self.snapshots} snapshots, {self.resyncs} resyncs, from a "
            f"{self.recorded_seconds:.1f} s recording in {self.wall_seconds:.3f} s",
            f"throughput: {rate:,.0f} frames/s, {mb:.1f} MB/s, {per:.2f} µs/frame "
            "(decode + book apply)",
        ]
        for key, st in sorted(self.books.items()):
            out.append(f"  {key}: last update id {st['last_update_id']}, checksum "
                       f"{st['checksum']}, {st['bid_count']}/{st['ask_count']} levels"
                       f"{'' if st['synced'] else ' (not in sync)'}")
        m = self.matches
        out.append("final books identical to the recording: "
                   + ("yes" if m else "no recorded end state" if m is None else "NO"))
        return out


class _Replayer:
    """Feeds records to the same sync machines the live books used."""

    def __init__(self, path: str) -> None:
        from wexcore import decode
        from wexcore.stream.livebook import BookSync

        self._BookSync = BookSync
        self._decode = decode
        self.result = ReplayResult(path)
        self.syncs: dict[str, Any] = {}
        self.first_ts = 0
        self.last_ts = 0

    def step(self, rec: dict[str, Any]) -> bytes | None:
        """Apply one record; return the frame bytes if it was a frame."""
        kind = rec["type"]
        res = self.result
        if kind == "frame":
            frame: bytes = rec["frame"].encode()
            ts = rec["ts"]
            if not self.first_ts:
                self.first_ts = ts
            self.last_ts = ts
            t0 = time.perf_counter()
            if rec["topic"] == "depth_update":
                self.syncs[f"{rec['product']}:{rec['symbol']}"].feed(frame, ts)
                res.depth_frames += 1
            else:
                self._decode(frame)
                res.trade_frames += 1
            res.seconds += time.perf_counter() - t0
            res.frames += 1
            res.frame_bytes += len(frame)
            return frame
        if kind == "snapshot":
            body = rec["body"].encode() if "body" in rec else rec["json"]
            t0 = time.perf_counter()
            try:
                self.syncs[f"{rec['product']}:{rec['symbol']}"].on_snapshot(body)
            except Exception as exc:  # noqa: BLE001 - the recorder skipped it the same way
                log.error("%s: bad snapshot in the recording (%s)", rec["symbol"], exc)
            res.seconds += time.perf_counter() - t0
            res.snapshots += 1
        elif kind == "lost":
            self.syncs[f"{rec['product']}:{rec['symbol']}"].lose_sync(rec["reason"])
        elif kind == "book":
            from wexcore import OrderBook

            book = OrderBook(rec["symbol"], rec["price_precision"], rec["quantity_precision"],
                             product=rec["product"])
            self.syncs[f"{rec['product']}:{rec['symbol']}"] = self._BookSync(
                book, product=rec["product"])
        elif kind == "end":
            res.recorded = rec["books"]
        return None

    def finish(self) -> ReplayResult:
        res = self.result
        res.books = {k: book_state(s.book, s.synced) for k, s in self.syncs.items()}
        res.resyncs = sum(s.resyncs for s in self.syncs.values())
        res.recorded_seconds = (self.last_ts - self.first_ts) / 1e9 if self.first_ts else 0.0
        return res


def _paced(records: Iterator[dict[str, Any]], speed: float) -> Iterator[dict[str, Any]]:
    """Yield records, sleeping so frames keep their recorded spacing / ``speed``."""
    start_wall = time.monotonic()
    first_ts = None
    for rec in records:
        if speed > 0 and rec["type"] == "frame":
            if first_ts is None:
                first_ts = rec["ts"]
            due = start_wall + (rec["ts"] - first_ts) / 1e9 / speed
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        yield rec


def replay(path: str, *, speed: float = 0.0) -> ReplayResult:
    """Run a recording's frames through decoder and books.

    ``speed`` 0 is as fast as possible; 1 keeps the recorded timing.  Returns
    throughput (time spent decoding and applying only) and the final books.
    """
    rp = _Replayer(path)
    t0 = time.perf_counter()
    for rec in _paced(read_records(path), speed):
        rp.step(rec)
    res = rp.finish()
    res.wall_seconds = time.perf_counter() - t0
    return res


async def replay_served(path: str, *, speed: float = 1.0, port: int = 0,
                        host: str = "127.0.0.1", wait_for_client: float | None = 30.0,
                        ready: asyncio.Future[str] | None = None,
                        out: IO[str] | None = None) -> ReplayResult:
    """Replay in (scaled) real time and push the frames, as recorded, to the
    clients of a WebSocket server on ``host:port``.

    It speaks enough of the WEX stream protocol for a stream client
    (:class:`~wexcore.StreamClient` included) to connect: ``subscribe`` /
    ``unsubscribe`` requests get a success reply with their id, and a client
    then receives the frames of the topics it subscribed
    (``depth_update@btc_usdt``, ``trade@btc_usdt``); a client that never
    subscribes receives every frame.  ``ping`` gets ``pong``.

    Replay starts when the first client has subscribed (or a second after it
    connected without subscribing, or after ``wait_for_client`` seconds
    without any client).  ``ready`` receives the server's URL.
    """
    import sys

    import websockets

    out = out or sys.stdout
    # client -> subscribed topics, None until its first subscribe (firehose)
    clients: dict[Any, set[str] | None] = {}
    connected = asyncio.Event()
    subscribed = asyncio.Event()
    served = 0

    async def handler(ws: Any) -> None:
        nonlocal served
        clients[ws] = None
        served += 1
        connected.set()
        try:
            async for msg in ws:
                text = msg if isinstance(msg, str) else msg.decode()
                if text == "ping":
                    await ws.send("pong")
                    continue
                try:
                    req = orjson.loads(text)
                except orjson.JSONDecodeError:
                    continue
                if not isinstance(req, dict) or "method" not in req:
                    continue
                method = str(req.get("method", "")).lower()
                params = [str(p) for p in req.get("params") or []]
                topics = clients.get(ws) or set()
                if method == "subscribe":
                    topics |= set(params)
                elif method == "unsubscribe":
                    topics -= set(params)
                clients[ws] = topics
                await ws.send(orjson.dumps({"id": req.get("id"), "code": 0,
                                            "msg": "success"}).decode())
                if method == "subscribe":
                    subscribed.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            clients.pop(ws, None)

    async with websockets.serve(handler, host, port) as server:
        bound = next(iter(server.sockets)).getsockname()[1]
        url = f"ws://{host}:{bound}"
        out.write(f"serving {path} on {url}\n")
        out.flush()
        if ready is not None and not ready.done():
            ready.set_result(url)
        if wait_for_client:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(connected.wait(), wait_for_client)
            if connected.is_set():
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(subscribed.wait(), 1.0)
        rp = _Replayer(path)
        t0 = time.perf_counter()
        start_wall = time.monotonic()
        first_ts = None
        for rec in read_records(path):
            if rec["type"] == "frame":
                if first_ts is None:
                    first_ts = rec["ts"]
                delay = start_wall + (rec["ts"] - first_ts) / 1e9 / speed - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            frame = rp.step(rec)
            if frame is not None and clients:
                text = rec["frame"]
                key = f"{rec['topic']}@{rec['symbol']}"
                for ws, topics in list(clients.items()):
                    if topics is None or key in topics:
                        with contextlib.suppress(Exception):
                            await ws.send(text)
        res = rp.finish()
        res.wall_seconds = time.perf_counter() - t0
        res.clients = served
        for ws in list(clients):
            with contextlib.suppress(Exception):
                await ws.close()
    return res
