"""Helpers for the bus tests: feed processes, bounded waits, and the book
comparison against the simulator (written from the simulator's decimal
strings, independently of the record kernel)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from wexcore.bus import BusBooks

T = TypeVar("T")


def start_feed(url: str, sim: Any, symbols: list[str], log_dir: Path, name: str, *,
               group: str = "t", ttl: float = 1.5, extra: tuple[str, ...] = ()
               ) -> subprocess.Popen[bytes]:
    """``wexcore feed`` as a separate process (so a test can kill -9 it)."""
    log = open(log_dir / f"{name}.log", "wb")  # noqa: SIM115 - the child owns it
    cmd = [sys.executable, "-m", "wexcore", "feed", *symbols, "--nats", url, "--group", group,
           "--rest-url", sim.rest_url, "--ws-url", sim.ws_url, "--lease-ttl", str(ttl),
           "--snapshot-interval", "1", "--status-interval", "0", *extra]
    try:
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    finally:
        log.close()


def stop_feed(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


async def until(pred: Callable[[], Any] | Callable[[], Awaitable[Any]], timeout: float,
                what: str) -> Any:
    """Poll ``pred`` (sync or async) until it returns something truthy; fail
    after ``timeout`` seconds naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


def pid_of(member_id: str) -> int:
    """A feed's id is ``<host>-<pid>-<random>``."""
    return int(member_id.rsplit("-", 2)[1])


def book_levels(book: Any, n: int = 50) -> dict[str, list[tuple[Decimal, Decimal]]]:
    """The top ``n`` levels of a kernel book as exact decimals."""
    pp, qp = book.price_precision, book.quantity_precision
    out = {}
    for side, rows in (("bids", book.bid_ticks(n)), ("asks", book.ask_ticks(n))):
        out[side] = [(Decimal(int(p)).scaleb(-pp), Decimal(int(q)).scaleb(-qp))
                     for p, q in rows.tolist()]
    return out


def sim_levels(snapshot: dict[str, Any]) -> dict[str, list[tuple[Decimal, Decimal]]]:
    return {side: [(Decimal(p), Decimal(q)) for p, q in snapshot[side]]
            for side in ("bids", "asks")}


class ThreadedBooks:
    """A :class:`BusBooks` on its own event loop in a thread, whose loop the
    test can stall (a consumer that falls behind: GC pause, busy strategy)."""

    def __init__(self, symbols: list[str], url: str, **kw: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                       name="slow-consumer")
        self.thread.start()
        self.books = BusBooks(symbols, nats_url=url, **kw)

    def call(self, fn: Callable[[BusBooks], T], timeout: float = 10.0) -> T:
        async def run() -> T:
            return fn(self.books)

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)

    def start(self) -> None:
        asyncio.run_coroutine_threadsafe(self.books.start(), self.loop).result(30)

    def stall(self, seconds: float) -> None:
        """Block the consumer's loop for ``seconds`` (messages pile up meanwhile)."""
        self.loop.call_soon_threadsafe(time.sleep, seconds)

    def close(self) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.books.close(), self.loop).result(30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


class WorkloadFeed:
    """Publishes a generated workload (``wexcore.workload``) as a feed does —
    a snapshot record in the stream and in KV, then one delta per frame —
    with the feed's own encoders, but no exchange and no leases: a test
    decides what goes out when."""

    def __init__(self, nc: Any, workload: Any, epoch: int = 1) -> None:
        from wexcore import OrderBook
        from wexcore._record import DeltaEncoder
        from wexcore.bus import book_subject

        self.nc = nc
        self.js = nc.jetstream()
        self.w = workload
        self.epoch = epoch
        self.subject = book_subject("spot", workload.symbol)
        self.book = OrderBook(workload.symbol, workload.price_precision,
                              workload.quantity_precision)
        self.book.load_snapshot(workload.snapshot)
        self.encoder = DeltaEncoder(workload.symbol, workload.price_precision,
                                    workload.quantity_precision)
        self.seq = 0   # the last record number used
        self.sent = 0  # frames gone out so far

    async def start(self) -> WorkloadFeed:
        from wexcore.bus import books_bucket, layout

        await layout.ensure_stream(self.js, "spot")
        self.kv = await layout.ensure_kv(self.js, books_bucket("spot"))
        await self.snapshot()
        return self

    async def snapshot(self) -> None:
        """The book as it is now: a snapshot record in the stream and in KV."""
        from wexcore._record import with_stream_seq
        from wexcore.bus.feed import snapshot_record

        self.seq += 1
        snap = snapshot_record(self.book, self.epoch, self.seq, time.time_ns())
        ack = await self.js.publish(self.subject, snap)
        await self.kv.put(self.w.symbol, with_stream_seq(snap, ack.seq))

    async def publish(self, n: int, lose: tuple[int, ...] = ()) -> int:
        """The next ``n`` frames; the records of frames ``lose`` (indexes)
        never reach the server (their record numbers are used all the same).
        Returns the last update id."""
        for i in range(self.sent, self.sent + n):
            frame = self.w.messages[i]
            self.book.apply(frame)
            self.seq += 1
            if i in lose:
                continue
            self.encoder.decode(frame)
            rec = self.encoder.record(self.epoch, self.seq, time.time_ns())
            await self.nc.publish(self.subject, rec)
        self.sent += n
        await self.nc.flush()
        return int(self.w.updates[self.sent - 1][1])


def book_equals_workload(book: Any, w: Any) -> None:
    e = w.expected
    assert book.best_bid_ticks() == e["best_bid"] and book.best_ask_ticks() == e["best_ask"]
    assert book.last_update_id == e["last_update_id"] and book.checksum() == e["checksum"]
    assert [tuple(x) for x in book.bid_ticks(50).tolist()] == e["top_bids"]
