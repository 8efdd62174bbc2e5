"""Bus benchmarks: what a consumer pays per book change, wexcore's binary
records against the generic broker backend (raw JSON frames re-parsed with
orjson into dict books), in the same run.

Run: python -m pytest bench/bench_bus.py --benchmark-enable

* ``consumer apply``: the per-message work of a consumer once the bytes are
  in hand: :class:`wexcore._record.BookFollower` applying records to the
  kernel book vs orjson + a ``dict`` book per side.
* ``feed encode``: a feed's per-frame work, frame bytes -> delta record.
* ``end to end``: the paced pusher of the stream benchmarks sends depth
  frames over WebSocket to a feed *process* (bus_feeds.py): a real
  :class:`wexcore.Feed` for records, for JSON a generic handler publishing
  each frame as it came; a real nats-server on loopback; here a consumer on
  uvloop: :class:`wexcore.BusBooks` for records, a core subscription (paced)
  or a JetStream ordered consumer (flood) with orjson + dict books for JSON.
  Latency is the issue's: the feed's receive of a frame -> the book updated
  here (``time.time_ns()`` on both sides, one machine; for BusBooks one
  sample per applied run, its oldest record). Throughput: per feed process
  and per consumer, and the time the consumer's apply took. Printed with
  ``-s``; stored in the benchmark's ``extra_info``. bus_latency.py breaks
  the latency down by stage.

Each run checks the final book (the generator's, or the pusher's).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from wexcore import OrderBook
from wexcore._record import KIND_DELTA, KIND_SNAPSHOT, BookFollower, encode_levels
from wexcore._socketbench import PRICE_PRECISION, QUANTITY_PRECISION
from wexcore.bus.books import answer_flow_control
from workload import generate

ROUNDS = 7


def records(w) -> tuple[bytes, list[bytes]]:
    """The workload as bus records (what a feed publishes for it)."""
    book = OrderBook(w.symbol, w.price_precision, w.quantity_precision)
    book.load_snapshot(w.snapshot)
    b, a = book.bid_ticks(book.bid_count), book.ask_ticks(book.ask_count)
    lid = book.last_update_id
    snap = encode_levels(KIND_SNAPSHOT, w.symbol, w.price_precision, w.quantity_precision, 1, 1,
                         lid, lid, None, 0, b[:, 0].copy(), b[:, 1].copy(), a[:, 0].copy(),
                         a[:, 1].copy())
    out = []
    for i, (first, last, _prev, bids, asks) in enumerate(w.updates):
        bp = np.array([p for p, _ in bids], np.int64)
        bq = np.array([q for _, q in bids], np.int64)
        ap = np.array([p for p, _ in asks], np.int64)
        aq = np.array([q for _, q in asks], np.int64)
        out.append(encode_levels(KIND_DELTA, w.symbol, w.price_precision, w.quantity_precision,
                                 1, 2 + i, first, last, None, 0, bp, bq, ap, aq))
    return snap, out


def check_book(book: OrderBook, w) -> None:
    e = w.expected
    assert book.best_bid_ticks() == e["best_bid"] and book.best_ask_ticks() == e["best_ask"]
    assert book.last_update_id == e["last_update_id"] and book.checksum() == e["checksum"]
    assert [tuple(x) for x in book.bid_ticks(50).tolist()] == e["top_bids"]


class DictBook:
    """The baseline: the generic handler's book, price text -> quantity text."""

    def __init__(self, snapshot: bytes) -> None:
        snap = orjson.loads(snapshot)["result"]
        self.bids = {p: q for p, q in snap["bids"]}
        self.asks = {p: q for p, q in snap["asks"]}
        self.last = snap["lastUpdateId"]

    def apply(self, frame: bytes) -> None:
        d = orjson.loads(frame)["data"]
        for side, levels in ((self.bids, d["b"]), (self.asks, d["a"])):
            for p, q in levels:
                if float(q) == 0:
                    side.pop(p, None)
                else:
                    side[p] = q
        self.last = d["i"]


def check_dict_book(book: DictBook, w) -> None:
    e = w.expected
    ps, qs = 10**w.price_precision, 10**w.quantity_precision
    best = max(book.bids, key=float)
    assert round(float(best) * ps) == e["best_bid"][0]
    assert round(float(book.bids[best]) * qs) == e["best_bid"][1]
    assert (len(book.bids), len(book.asks)) == (e["bid_count"], e["ask_count"])
    assert book.last == e["last_update_id"]


@pytest.fixture(scope="module")
def work():
    w = generate(500, 2000)
    snap, recs = records(w)
    return w, snap, recs


def test_consumer_apply_orjson_dict(benchmark, ratios, work) -> None:
    w, _, _ = work

    def run() -> DictBook:
        book = DictBook(w.snapshot)
        for frame in w.messages:
            book.apply(frame)
        return book

    check_dict_book(benchmark.pedantic(run, rounds=ROUNDS, iterations=1), w)
    ratios.record("bus consumer apply", "orjson + dict (baseline)", benchmark)


@pytest.mark.parametrize("batch", [1, 64])
def test_consumer_apply_wexcore(benchmark, ratios, work, batch) -> None:
    """``batch`` 1: one record per call (an idle consumer); 64: runs of
    records in one kernel call, as BusBooks applies what arrived during one
    turn of its loop (a consumer under load)."""
    w, snap, recs = work
    runs = [recs[i:i + batch] for i in range(0, len(recs), batch)]

    def run() -> OrderBook:
        f = BookFollower(OrderBook(w.symbol, w.price_precision, w.quantity_precision))
        f.feed(snap)
        if batch == 1:
            feed = f.feed
            for r in recs:
                feed(r)
        else:
            many = f.feed_many
            for r in runs:
                many(r)
        return f.book

    check_book(benchmark.pedantic(run, rounds=ROUNDS * 4, iterations=1), w)
    name = f"wexcore records, runs of {batch}"
    ratios.record("bus consumer apply", name, benchmark)
    # the goal (10x) is for the consumer under load; one record per
    # call measured ~5x here (17 levels per message; the snapshot load is
    # inside both runs); see docs/bus.md
    ratios.check("bus consumer apply", name, "orjson + dict (baseline)",
                 10.0 if batch > 1 else 4.0)


@pytest.mark.parametrize("how", ["DepthParser + encode_levels", "DeltaEncoder"])
def test_feed_encode(benchmark, ratios, work, how) -> None:
    """A feed's own work per published frame: the depth frame into a delta
    record (the generic backend publishes the frame as it came, so it has no
    such step; both pay the same NATS publish). ``DeltaEncoder`` is the feed's
    path (frame bytes -> record bytes in one kernel call); ``DepthParser +
    encode_levels`` (numpy tick arrays in between) was, before it."""
    from wexcore import DepthParser
    from wexcore._record import DeltaEncoder

    w, _, recs = work
    parser = DepthParser(w.price_precision, w.quantity_precision)
    encoder = DeltaEncoder(w.symbol, w.price_precision, w.quantity_precision)

    def by_arrays() -> list[bytes]:
        out = []
        for i, frame in enumerate(w.messages):
            parser.parse(frame)
            bp, bq = parser.bids()
            ap, aq = parser.asks()
            out.append(encode_levels(KIND_DELTA, w.symbol, w.price_precision,
                                     w.quantity_precision, 1, 2 + i, parser.first_id,
                                     parser.last_id, None, 0, bp, bq, ap, aq))
        return out

    def by_encoder() -> list[bytes]:
        out = []
        decode, record = encoder.decode, encoder.record
        for i, frame in enumerate(w.messages):
            decode(frame)
            out.append(record(1, 2 + i, 0))
        return out

    fn = by_encoder if how == "DeltaEncoder" else by_arrays
    assert benchmark.pedantic(fn, rounds=ROUNDS, iterations=1) == recs
    ratios.record("bus feed encode (2000 frames)", how, benchmark)
    if how == "DeltaEncoder":
        ratios.check("bus feed encode (2000 frames)", how, "DepthParser + encode_levels", 1.5)


# ---- end to end: pusher -> feed process -> nats-server -> consumer (here) --------------

FEEDS = Path(__file__).with_name("bus_feeds.py")
SUBJECT = "wex.spot.book.btc_usdt"


def _final_levels(book: OrderBook) -> dict[str, list[tuple[int, int]]]:
    return {"bids": [tuple(r) for r in book.bid_ticks(book.bid_count).tolist()],
            "asks": [tuple(r) for r in book.ask_ticks(book.ask_count).tolist()]}


def _check_final_dict(book: DictBook, final: dict[str, list[tuple[int, int]]]) -> None:
    from decimal import Decimal

    def ticks(side: dict[str, str], reverse: bool) -> list[tuple[int, int]]:
        rows = sorted(((Decimal(p), Decimal(q)) for p, q in side.items()), reverse=reverse)
        return [(int(p.scaleb(PRICE_PRECISION)), int(q.scaleb(QUANTITY_PRECISION)))
                for p, q in rows]

    assert ticks(book.bids, True) == final["bids"] and ticks(book.asks, False) == final["asks"]


async def _fresh_bus(url: str) -> None:
    """An empty stream and no snapshot left by an earlier round."""
    from wexcore.bus import layout

    nc = await layout.connect(url, name="bench setup")
    try:
        js = nc.jetstream()
        await layout.ensure_stream(js, "spot")
        await js.purge_stream("WEX_SPOT")
        kv = await layout.ensure_kv(js, "wex_spot_books")
        with contextlib.suppress(Exception):
            await kv.purge("btc_usdt")
    finally:
        await nc.close()


class _JsonConsumer:
    """The baseline consumer: NATS messages re-parsed with orjson into a
    ``dict`` book; the time each frame was applied, by its update id."""

    def __init__(self, snapshot: bytes, count: int) -> None:
        self.book = DictBook(snapshot)
        self.applied = np.zeros(count + 1, dtype=np.int64)
        self.apply_ns = 0
        self.done = asyncio.Event()
        self.count = count
        self.sub: Any = None

    async def on_msg(self, msg: Any) -> None:
        t0 = time.perf_counter_ns()
        self.book.apply(msg.data)
        now = time.time_ns()
        self.apply_ns += time.perf_counter_ns() - t0
        self.applied[self.book.last] = now
        if self.book.last == self.count:
            self.done.set()
        if self.sub is not None and getattr(self.sub, "_jsi", None) is not None:
            answer_flow_control(self.sub)  # the same flow-control fix as BusBooks


async def _end_to_end(url: str, side: str, count: int, rate: float, tmp: Path,
                      stamps: str | None = None, lead: float = 1.0) -> dict[str, Any]:
    """One round: the pusher sends ``count`` frames at ``rate``/s (0: all at
    once) to a feed process (bus_feeds.py: a wexcore Feed for ``records``, the
    generic handler for ``json``) publishing to a nats-server; here a consumer
    (BusBooks; or orjson + dict books) applies them on uvloop.

    paced: the consumer follows the feed; latency is the feed's receive of a
    frame -> applied here (the first 10 % of frames left out as warm-up; for
    BusBooks one sample per applied run, its oldest record). flood: the feed
    publishes everything into the stream first, then the consumer drains it
    (throughput of one consumer, its bootstrap included; the baseline from a
    JetStream ordered consumer). Both check the final book against the
    pusher's."""
    from wexcore._socketbench import depth_script, pusher
    from wexcore.bus import BusBooks, layout

    await _fresh_bus(url)
    script = depth_script(count, 1)
    final = script.finals["btc_usdt"]
    received_file = tmp / f"received-{side}.bin"
    flood = rate <= 0
    nc = await layout.connect(url, name="bench consumer")
    books: Any = None
    json = _JsonConsumer(script.snapshots["btc_usdt"], count)

    async def start_consumer() -> None:
        nonlocal books
        if side == "records":
            books = BusBooks(["btc_usdt"], nats_url=url)
            await books.start()
        elif flood:
            from nats.js.api import ConsumerConfig, DeliverPolicy

            json.sub = await nc.jetstream().subscribe(
                SUBJECT, cb=json.on_msg, ordered_consumer=True, stream="WEX_SPOT",
                config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
                pending_msgs_limit=count + 10)
        else:
            json.sub = await nc.subscribe(SUBJECT, cb=json.on_msg, pending_msgs_limit=count + 10)
            await nc.flush()

    async def applied_all() -> None:
        if books is None:
            await asyncio.wait_for(json.done.wait(), 120)
            return
        b = books["btc_usdt"]
        deadline = time.monotonic() + 120
        while b.last_update_id != count:
            assert time.monotonic() < deadline, f"records stopped at {b.last_update_id}"
            await asyncio.sleep(0.01)

    async def stored_all() -> int:
        js = nc.jetstream()
        want = count + (1 if side == "records" else 0)  # + the feed's first snapshot
        deadline = time.monotonic() + 120
        while (await js.stream_info("WEX_SPOT")).state.messages < want:
            assert time.monotonic() < deadline, "the feed did not publish everything"
            await asyncio.sleep(0.002)
        return time.time_ns()

    if not flood:
        await start_consumer()
    t_consumer = t_stored = t_first = 0
    # lead: the feed's time to publish its first snapshot before frames come
    with pusher(script.frames, rate=rate, start_after=1, lead=lead) as ws:
        args = [sys.executable, str(FEEDS), "wexcore" if side == "records" else "generic", url,
                ws, str(count), str(received_file)] + ([stamps] if stamps else [])
        feed = await asyncio.create_subprocess_exec(*args, cwd=str(Path(__file__).parent))
        try:
            if flood:
                t_stored = await stored_all()
                t_consumer = time.time_ns()
                await start_consumer()
            await applied_all()
            t_end = time.time_ns()
        finally:
            if feed.returncode is None:
                feed.terminate()
            assert await asyncio.wait_for(feed.wait(), 30) == 0
    out: dict[str, Any] = {"load": round(os.getloadavg()[0], 2)}
    warm = count // 10
    if books is not None:
        b = books["btc_usdt"]
        assert _final_levels(b.book) == final and books.resyncs == 0, books.summary()
        lat = np.asarray(books.stats.wire.samples(), dtype=np.float64)
        lat = lat[int(lat.size * 0.1):]
        out["apply_us"] = sum(books.stats.apply.samples()) / count / 1000
        out["records_per_run"] = round(count / max(1, books.stats.apply.count), 1)
        await books.close()
    else:
        _check_final_dict(json.book, final)
        received = np.frombuffer(received_file.read_bytes(), dtype=np.int64)
        assert received.size == count
        lat = (json.applied[1:] - received)[warm:].astype(np.float64)
        out["apply_us"] = json.apply_ns / count / 1000
    if flood:
        if side == "json":
            t_first = int(received[0])
        else:  # the first delta record (after the feed's snapshot) carries it
            js = nc.jetstream()
            start = (await js.stream_info("WEX_SPOT")).state.first_seq
            first = await js.get_msg("WEX_SPOT", start + 1)
            t_first = int.from_bytes(first.data[48:56], "little")
    await nc.close()
    if flood:
        out["msgs_per_s"] = count / ((t_end - t_consumer) / 1e9)
        # the feed: its first frame's receive -> the stream holding its last record
        out["feed_msgs_per_s"] = count / ((t_stored - t_first) / 1e9)
    else:
        lat /= 1000.0
        out.update(p50_us=float(np.percentile(lat, 50)), p99_us=float(np.percentile(lat, 99)),
                   samples=int(lat.size))
    return out


@pytest.fixture(scope="module")
def nats_url():
    from wexcore.bus.server import NatsServer, wait_jetstream

    with NatsServer() as srv:
        asyncio.run(wait_jetstream(srv.url))
        yield srv.url


@pytest.mark.parametrize("load", ["paced", "flood"])
@pytest.mark.parametrize("side", ["json", "records"])
def test_end_to_end(benchmark, ratios, nats_url, tmp_path, side, load) -> None:
    """paced: 2,000 frames/s, the consumer following (latency; rounds of 4,000
    frames); flood: the stream already holds every update when the consumer
    starts (throughput of one consumer, bootstrap included). The flood's
    apply time per message, as the consumers ran (records in the runs nats-py
    handed over together), is the issue's 10x goal: checked."""
    from wexcore import run

    count = (4000 if load == "paced" else 20000) if not benchmark.disabled else 300
    rate = 2000.0 if load == "paced" else 0.0
    # several rounds: the flood's apply total is a few ms, which one preemption
    # on this shared machine can double; the goal uses each side's fastest round
    rounds = 1 if benchmark.disabled else 3
    results = []

    def one() -> None:
        results.append(run(_end_to_end(nats_url, side, count, rate, tmp_path,
                                       lead=0.3 if benchmark.disabled else 1.0)))

    benchmark.pedantic(one, rounds=rounds, iterations=1)
    for res in results:
        if load == "paced":
            print(f"\nbus end-to-end {side:<8} paced 2000/s: feed receive -> applied "
                  f"p50 {res['p50_us']:7.1f} us  p99 {res['p99_us']:7.1f} us  "
                  f"({res['samples']} samples, load {res['load']})")
        else:
            runs = f", {res['records_per_run']} records/run" if side == "records" else ""
            print(f"\nbus end-to-end {side:<8} flood: feed {res['feed_msgs_per_s']:8.0f} msg/s,"
                  f" one consumer {res['msgs_per_s']:8.0f} msg/s, its apply "
                  f"{res['apply_us']:.2f} us/msg{runs}  (load {res['load']})")
    benchmark.extra_info["rounds"] = results
    if load == "flood" and not benchmark.disabled:
        group = "bus consumer apply as it ran (flood)"
        name = "wexcore records" if side == "records" else "orjson + dict (baseline)"
        ratios.medians[(group, name)] = min(r["apply_us"] for r in results) / 1e6
        if side == "records":
            ratios.check(group, name, "orjson + dict (baseline)", 10.0)
