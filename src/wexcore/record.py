"""``wexcore record`` / ``wexcore replay``: raw stream sessions on disk.

File format: JSON lines, one object per line, in the order things happened::

    {"type":"header","format":"wexcore-record","version":1,"product":"spot",...}
    {"type":"book","product":"spot","symbol":"btc_usdt","price_precision":2,"quantity_precision":4}
    {"type":"frame","ts":<receive ns>,"product":..,"symbol":..,"topic":"depth_update",
     "frame":"<raw text>"}
    {"type":"snapshot","ts":..,"product":..,"symbol":..,"body":"<raw REST body>"}
    {"type":"lost","ts":..,"product":..,"symbol":..,"reason":"reconnect"}
    {"type":"end","ts":..,"books":{"spot:btc_usdt":{"last_update_id":..,"checksum":..,...}}}
    {"type":"aborted","ts":..,"reason":"<the error that ended the recording>"}  (instead of end)

compressed in independent blocks: each block is a complete gzip member (or,
for a ``.zst`` file, a complete zstd frame) holding whole lines, written and
flushed to the operating system at least every :data:`BLOCK_SECONDS`
seconds (and whenever :data:`BLOCK_BYTES` are buffered). A recorder that is
killed (``kill -9``, a crash, a full disk) leaves a file whose every
complete block reads; only the block being written can be torn, and
:func:`read_records` reads everything before it (and the whole lines that
can be decompressed from it), then says how much it dropped
(:class:`ReadReport`). The concatenated blocks are an ordinary multi-member
gzip file (``zcat`` reads it) or a multi-frame zstd file.

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
:func:`replay` checks itself against it.  Gaps, crossed books and the
per-frame staleness rules need no record: the replayed frames reproduce them.

Frames are stored as their exact text (the wire bytes are UTF-8 JSON), so a
replay sees the bytes the decoder saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import logging
import os
import time
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from wexcore.errors import WexError

log = logging.getLogger("wexcore.record")

__all__ = ["RecordingBook", "Recorder", "record", "replay", "replay_served", "read_records",
           "RecordSummary", "ReplayResult", "ReadReport", "RecordingError", "BLOCK_SECONDS",
           "BLOCK_BYTES"]

FORMAT = "wexcore-record"
VERSION = 1
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_GZIP_MAGIC = b"\x1f\x8b"

#: the longest a recorded line waits in memory before it is on disk
BLOCK_SECONDS = 0.5
#: a block is written early once this many uncompressed bytes wait
BLOCK_BYTES = 1 << 20
_READ_CHUNK = 1 << 20


class RecordingError(WexError, ValueError):
    """A file that is not a readable wexcore recording; the message starts
    with the file's path (also in :attr:`path`)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.problem))


def _zstd() -> Any:
    try:
        import zstandard
    except ImportError:
        raise RuntimeError("zstd needs the 'zstandard' module (pip install zstandard); "
                           "or write gzip: a file name ending in .gz") from None
    return zstandard


def _is_zstd_name(path: str) -> bool:
    return path.endswith((".zst", ".zstd"))


class _BlockWriter:
    """Writes data as independent compressed blocks (gzip members or zstd
    frames), each flushed to the operating system as it is written."""

    def __init__(self, path: str) -> None:
        if _is_zstd_name(path):
            self._compress: Callable[[bytes], bytes] = _zstd().ZstdCompressor(level=3).compress
        else:
            self._compress = lambda data: gzip.compress(data, compresslevel=5, mtime=0)
        self._raw = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._oldest = 0.0
        self.blocks = 0
        self.compressed_bytes = 0

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._oldest = time.monotonic()
        self._pending.append(data)
        self._pending_bytes += len(data)
        if (self._pending_bytes >= BLOCK_BYTES
                or time.monotonic() - self._oldest >= BLOCK_SECONDS):
            self.flush()

    def flush(self) -> None:
        """Write what is buffered as one block and hand it to the OS."""
        if not self._pending:
            return
        block = self._compress(b"".join(self._pending))
        self._pending.clear()
        self._pending_bytes = 0
        self._raw.write(block)
        self._raw.flush()
        self.blocks += 1
        self.compressed_bytes += len(block)

    def close(self) -> None:
        try:
            self.flush()
            with contextlib.suppress(OSError):
                os.fsync(self._raw.fileno())
        finally:
            self._raw.close()


class Recorder:
    """Writes recording records to a compressed file in independent blocks
    (see the module docstring); synchronous and cheap enough to call from
    stream callbacks. :meth:`flush` writes what waits (``record`` calls it
    every :data:`BLOCK_SECONDS`)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._out = _BlockWriter(path)
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
        self._out.write(line)

    def flush(self) -> None:
        self._out.flush()

    @property
    def compressed_bytes(self) -> int:
        return self._out.compressed_bytes

    def header(self, **info: Any) -> None:
        self._write({"type": "header", "format": FORMAT, "version": VERSION,
                     "started_ns": time.time_ns(), **info})
        self.flush()  # a recording that dies at once still says what it is

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

    def abort(self, reason: str) -> None:
        """The recording ended on an error: say so in the file (no end state)."""
        self._write({"type": "aborted", "ts": time.time_ns(), "reason": reason})
        self.ended = True

    def close(self) -> None:
        self._out.close()


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
    #: False when the run was stopped before the recording had started (no file)
    started: bool = True
    bytes_compressed: int = 0

    def line(self) -> str:
        if not self.started:
            return f"stopped before the recording had started: no file written ({self.path})"
        return (f"recorded {self.frames} frames, {self.snapshots} snapshots, {self.losses} "
                f"reconnect losses in {self.seconds:.1f} s to {self.path} "
                f"({self.bytes_uncompressed} bytes -> {self.bytes_compressed} compressed)")


class _RestCalls:
    """The recorder's two REST calls, in one place: a symbol's precisions and
    a depth snapshot (the same ones a :class:`~wexcore.LiveBook` makes)."""

    def __init__(self, product: str, rest_url: str | None) -> None:
        from wexcore.stream import _rest

        self.product = product
        self.base = (rest_url or _rest.default_rest_url(product)).rstrip("/")
        self._http: Any = None
        self.snapshot: Callable[[str, str], Awaitable[bytes | dict[str, Any]]] | None = None

    async def __aenter__(self) -> _RestCalls:
        from wexcore.stream import _rest

        # the REST clients' one request core: clock offset, retries, limiter
        self._http = _rest.RestSession()
        self.snapshot = _rest.SnapshotSource(self._http, self.base, self.product)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self._http.aclose()

    async def precision(self, symbol: str) -> tuple[int, int]:
        from wexcore.stream import _rest

        return await _rest.fetch_precision(self._http, self.base, symbol, self.product)


async def _flush_periodically(recorder: Recorder) -> None:
    # with the writer's own check on every write, no line waits longer than
    # about BLOCK_SECONDS + this period before it is on disk
    while True:
        await asyncio.sleep(BLOCK_SECONDS / 2)
        recorder.flush()


async def record(symbols: list[str], path: str, *, product: str = "spot",
                 rest_url: str | None = None, ws_url: str | None = None,
                 seconds: float | None = None, trades: bool = True, use_sim: bool = False,
                 stop: asyncio.Event | None = None, transport: str = "websockets",
                 on_started: Callable[[list[Any]], None] | None = None,
                 faults: str = "",
                 status: Callable[[str], None] | None = None) -> RecordSummary:
    """Record live books' inputs (and trades) of ``symbols`` to ``path``.

    Runs until ``seconds`` (counted from the call, connecting included) have
    passed or ``stop`` is set (the command line sets it on Ctrl-C and
    SIGTERM), then writes the books' end state.  ``use_sim`` starts an
    in-process simulator (with ``faults``, its fault spec) and records from
    it.  ``on_started`` receives the :class:`RecordingBook` objects once they
    run (read them between awaits only); ``status`` receives one line per
    phase ("connecting to ...", "recording ...").

    The file is created once the stream is connected and the symbols'
    precisions are loaded: a recording that cannot start leaves no file, and
    ``seconds`` running out first is a ``TimeoutError`` naming what did not
    answer (``stop`` first: a summary with ``started=False``). A recording that
    fails later keeps what it recorded and ends with an ``aborted`` record
    saying why (a file with no frame yet is removed); the error is re-raised.
    """
    from wexcore._steps import Ended, end_of_run, noted, unless_ended
    from wexcore.stream.client import StreamClient

    if not symbols:
        raise ValueError("record needs at least one symbol")
    if product not in ("spot", "futures"):
        raise ValueError(f"product must be 'spot' or 'futures', not {product!r}")
    _check_output(path)
    stop = stop or asyncio.Event()
    say = status or (lambda text: None)
    t0 = time.monotonic()
    ended = asyncio.ensure_future(end_of_run(stop, seconds))
    recorder: Recorder | None = None
    doing = ""
    try:
        async with contextlib.AsyncExitStack() as stack:
            if use_sim:
                from wexcore.sim import Simulator

                sim = await stack.enter_async_context(Simulator(symbols=symbols,
                                                                faults=faults or None))
                rest_url, ws_url = sim.rest_url, sim.ws_url
            stream = StreamClient(product, "public" if product == "spot" else "market",
                                  url=ws_url, transport=transport)
            rest = await stack.enter_async_context(_RestCalls(product, rest_url))
            precisions = {}
            try:
                doing = f"connecting to {stream.url}"
                say(doing + " ...")
                await unless_ended(noted(stack.enter_async_context(stream), doing), ended)
                for sym in symbols:
                    doing = f"loading {sym} from {rest.base}"
                    precisions[sym] = await unless_ended(noted(rest.precision(sym), doing),
                                                         ended)
            except Ended:
                if stop.is_set():
                    say(f"stopped while {doing}")
                    return RecordSummary(path, time.monotonic() - t0, 0, 0, 0, 0,
                                         started=False)
                raise TimeoutError(f"the recording did not start within {seconds} s "
                                   f"({doing}: no answer)") from None
            recorder = Recorder(path)
            recorder.header(product=product, symbols=symbols, rest_url=rest.base,
                            ws_url=stream.url)
            assert rest.snapshot is not None
            books = []
            for sym in symbols:
                pp, qp = precisions[sym]
                rb = RecordingBook(recorder, sym, product, pp, qp, rest.snapshot)
                stream.add_state_listener(rb.on_state)
                stack.push_async_callback(rb.close)
                doing = f"subscribing to depth_update@{sym} at {stream.url}"
                await noted(stream.subscribe_sink([f"depth_update@{sym}"], rb), doing)
                rb.start()
                books.append(rb)
            if trades:
                await noted(stream.subscribe_sink([f"trade@{s}" for s in symbols],
                                                  _TradeSink(recorder, product)),
                            f"subscribing to trades at {stream.url}")
            flusher = asyncio.create_task(_flush_periodically(recorder))
            stack.push_async_callback(_cancel, flusher)
            if on_started is not None:
                on_started(books)
            say(f"recording {', '.join(symbols)} to {path} (Ctrl-C to stop)")
            await ended
            # No await between reading the books and writing the end record: no
            # frame can slip in between.
            states = {f"{product}:{b.symbol}": book_state(b.book, b.synced) for b in books}
            recorder.end(states)
        recorder.close()
        return RecordSummary(path, time.monotonic() - t0, recorder.frames, recorder.snapshots,
                             recorder.losses, recorder.bytes, states,
                             bytes_compressed=recorder.compressed_bytes)
    except BaseException as exc:
        if recorder is not None and not recorder.ended:
            _abandon(recorder, exc)
        raise
    finally:
        ended.cancel()


def _check_output(path: str) -> None:
    """Fail before connecting anywhere when ``path`` cannot be written."""
    if _is_zstd_name(path):
        _zstd()
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{path}: no such directory ({folder})")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path}: is a directory")
    if not os.access(folder, os.W_OK):
        raise PermissionError(f"{path}: cannot write in {folder}")


async def _cancel(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _abandon(recorder: Recorder, exc: BaseException) -> None:
    """A recording that failed: keep what it has, saying why it ended (a file
    without a single frame is removed instead: it would only mislead)."""
    with contextlib.suppress(Exception):
        if recorder.frames == 0:
            recorder.close()
            os.remove(recorder.path)
            return
        reason = f"{type(exc).__name__}: {exc}"
        recorder.abort(reason)
        recorder.close()
        if isinstance(exc, Exception):
            exc.add_note(f"{recorder.path} keeps the {recorder.frames} frames recorded "
                         "before it (no end state; 'wexcore replay' reads them)")


@dataclass
class ReadReport:
    """What :func:`read_records` found besides the records.

    ``dropped_bytes`` from byte ``dropped_at`` on could not be read: an
    incomplete last block (a recorder killed while writing), or bytes that
    are not a block (``reason`` says which); ``partial_line_bytes`` of an
    incomplete last line were dropped with them.
    """

    path: str
    size: int = 0
    blocks: int = 0
    records: int = 0
    dropped_at: int = -1
    dropped_bytes: int = 0
    partial_line_bytes: int = 0
    reason: str = ""

    @property
    def torn(self) -> bool:
        return self.dropped_bytes > 0 or self.partial_line_bytes > 0

    def describe(self) -> str:
        if not self.torn:
            return ""
        what = (f"the last {self.dropped_bytes} of its {self.size} bytes ({self.reason}, "
                f"from byte {self.dropped_at})" if self.dropped_bytes else "nothing compressed")
        part = (f" and an incomplete last record of {self.partial_line_bytes} bytes"
                if self.partial_line_bytes else "")
        return (f"{self.path}: torn tail: dropped {what}{part}; replayed the {self.records} "
                "complete records before it (the recorder was killed while writing?)")


def _decompressors(path: str, head: bytes) -> Callable[[], Any]:
    if head.startswith(_GZIP_MAGIC):
        return lambda: zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    if head == _ZSTD_MAGIC:
        dctx = _zstd().ZstdDecompressor()
        return lambda: dctx.decompressobj()
    raise RecordingError(path, "not a wexcore recording (neither gzip nor zstd)")


def _decompressed(path: str, report: ReadReport) -> Iterator[bytes]:
    """The decompressed contents of every readable block, in order; stops at
    the first block that is incomplete or not a block, and says so in
    ``report``."""
    with open(path, "rb") as fh:
        report.size = os.fstat(fh.fileno()).st_size
        head = fh.read(4)
        if not head:
            raise RecordingError(path, "empty file (0 bytes), not a recording")
        new = _decompressors(path, head)
        magic = head[:2] if head.startswith(_GZIP_MAGIC) else head
        fh.seek(0)
        d = new()
        block_start = 0
        pos = 0  # file offset of the first byte of ``chunk``
        while chunk := fh.read(_READ_CHUNK):
            data = chunk
            while data:
                if block_start == pos + len(chunk) - len(data) and not data.startswith(
                        magic[: len(data)]):
                    report.dropped_at, report.reason = block_start, "not a block"
                    report.dropped_bytes = report.size - block_start
                    return
                try:
                    out = d.decompress(data)
                except Exception as exc:  # noqa: BLE001 - zlib.error, zstd.ZstdError
                    report.dropped_at, report.reason = block_start, f"corrupt block: {exc}"
                    report.dropped_bytes = report.size - block_start
                    return
                if out:
                    yield out
                if not d.eof:
                    break
                report.blocks += 1
                data = d.unused_data
                block_start = pos + len(chunk) - len(data)
                d = new()
            pos += len(chunk)
        if pos > block_start:
            tail = d.flush() if hasattr(d, "flush") else b""
            if tail:
                yield tail
            report.dropped_at, report.reason = block_start, "incomplete block"
            report.dropped_bytes = pos - block_start


def read_records(path: str, report: ReadReport | None = None) -> Iterator[dict[str, Any]]:
    """Every complete record of a recording, in order.

    A torn tail (see :class:`ReadReport`, filled in as reading goes) ends the
    records without an error. Raises :class:`RecordingError` for a file that
    is not a recording, has no complete record, or holds a line that is not
    a record; ``OSError`` when the file cannot be read.
    """
    report = report if report is not None else ReadReport(path)
    rest = b""
    for data in _decompressed(path, report):
        lines = (rest + data).split(b"\n")
        rest = lines.pop()
        for line in lines:
            if not line.strip():
                continue
            try:
                rec = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                if report.records == 0:
                    raise RecordingError(path, "not a wexcore recording") from None
                raise RecordingError(
                    path, f"record {report.records + 1} is not JSON ({exc})") from None
            if report.records == 0 and not (isinstance(rec, dict)
                                            and rec.get("type") == "header"
                                            and rec.get("format") == FORMAT):
                raise RecordingError(path, "not a wexcore recording")
            if not isinstance(rec, dict) or not isinstance(rec.get("type"), str):
                raise RecordingError(path, f"record {report.records + 1} has no type")
            if report.records == 0:
                if rec.get("version") != VERSION:
                    raise RecordingError(path, f"recording version {rec.get('version')} "
                                         f"(this wexcore reads {VERSION})")
            report.records += 1
            yield rec
    report.partial_line_bytes = len(rest.strip())
    if report.records == 0:
        raise RecordingError(path, f"holds no complete record ({report.size} bytes"
                             + (f"; {report.reason}" if report.reason else "")
                             + "): not a recording, or one killed before its first block")


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
    #: what reading the file found besides the records (a torn tail)
    read: ReadReport | None = None
    #: the reason an ``aborted`` record gives: the recording ended on an error
    aborted: str | None = None
    #: the replay was stopped before the end of the file
    stopped: bool = False

    @property
    def matches(self) -> bool | None:
        """True when every book ends as recorded; None when there is nothing
        to compare with (no end record: a torn or aborted recording, or a
        replay stopped early)."""
        if self.recorded is None or self.stopped:
            return None
        return self.books == self.recorded

    def why_unchecked(self) -> str:
        """Why :attr:`matches` is None ("" when it is not)."""
        if self.matches is not None:
            return ""
        if self.stopped:
            return "the replay was stopped before the end"
        if self.aborted is not None:
            return f"the recording was aborted ({self.aborted})"
        if self.read is not None and self.read.torn:
            return "the recording is torn: its end state was never written"
        return "the recording has no end state (was the recorder killed?)"

    def warnings(self) -> list[str]:
        """What a user must know about this replay beyond its result."""
        out = []
        if self.read is not None and self.read.torn:
            out.append(self.read.describe())
        if self.matches is None:
            out.append(f"final books not checked: {self.why_unchecked()}")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "frames": self.frames, "depth_frames": self.depth_frames,
            "trade_frames": self.trade_frames, "snapshots": self.snapshots,
            "frame_bytes": self.frame_bytes, "seconds": self.seconds,
            "frames_per_second": self.frames / self.seconds if self.seconds else None,
            "wall_seconds": self.wall_seconds, "recorded_seconds": self.recorded_seconds,
            "resyncs": self.resyncs, "books": self.books, "matches_recording": self.matches,
            "unchecked_because": self.why_unchecked() or None,
            "torn_tail": self.read.describe() or None if self.read is not None else None,
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
                   + ("yes" if m else f"not checked ({self.why_unchecked()})" if m is None
                      else "NO"))
        return out


class _Replayer:
    """Feeds records to the same sync machines the live books used."""

    def __init__(self, path: str) -> None:
        from wexcore import decode
        from wexcore.stream.livebook import BookSync

        self._BookSync = BookSync
        self._decode = decode
        self.result = ReplayResult(path, read=ReadReport(path))
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
        elif kind == "aborted":
            res.aborted = str(rec.get("reason") or "no reason given")
        return None

    def records(self) -> Iterator[dict[str, Any]]:
        """The recording's records, reading into this replay's report."""
        return read_records(self.result.path, self.result.read)

    def finish(self) -> ReplayResult:
        res = self.result
        res.books = {k: book_state(s.book, s.synced) for k, s in self.syncs.items()}
        res.resyncs = sum(s.resyncs for s in self.syncs.values())
        res.recorded_seconds = (self.last_ts - self.first_ts) / 1e9 if self.first_ts else 0.0
        return res


async def _first(*waits: Awaitable[Any], timeout: float) -> None:
    """Wait until the first of ``waits`` completes or ``timeout`` passes."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for t in tasks:
        t.cancel()


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
    for rec in _paced(rp.records(), speed):
        rp.step(rec)
    res = rp.finish()
    res.wall_seconds = time.perf_counter() - t0
    return res


async def replay_served(path: str, *, speed: float = 1.0, port: int = 0,
                        host: str = "127.0.0.1", wait_for_client: float | None = 30.0,
                        ready: asyncio.Future[str] | None = None,
                        out: IO[str] | None = None,
                        stop: asyncio.Event | None = None) -> ReplayResult:
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
    without any client); it says on ``out`` that it is waiting and for which
    topics.  ``ready`` receives the server's URL; ``stop`` ends the replay
    early (the result then has ``stopped`` set).  The file is checked before
    the server starts.
    """
    import sys

    import websockets

    out = out or sys.stdout
    stop = stop or asyncio.Event()
    header = next(read_records(path))  # fails fast on a file that is not a recording
    offered = [f"{t}@{s}" for s in header.get("symbols") or []
               for t in ("depth_update", "trade")]
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
        if wait_for_client:
            out.write(f"waiting up to {wait_for_client:g} s for a subscriber (topics: "
                      f"{', '.join(offered) or 'as recorded'}; Ctrl-C to stop)\n")
        out.flush()
        if ready is not None and not ready.done():
            ready.set_result(url)
        if wait_for_client:
            await _first(connected.wait(), stop.wait(), timeout=wait_for_client)
            if connected.is_set():
                await _first(subscribed.wait(), stop.wait(), timeout=1.0)
            out.write("replaying to a subscriber\n" if clients else
                      "no subscriber: replaying anyway\n")
            out.flush()
        rp = _Replayer(path)
        t0 = time.perf_counter()
        start_wall = time.monotonic()
        first_ts = None
        for rec in rp.records():
            if stop.is_set():
                rp.result.stopped = True
                break
            if rec["type"] == "frame":
                if first_ts is None:
                    first_ts = rec["ts"]
                delay = start_wall + (rec["ts"] - first_ts) / 1e9 / speed - time.monotonic()
                if delay > 0:
                    await _first(stop.wait(), timeout=delay)
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
