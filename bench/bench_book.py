"""Order book benchmarks: pre-parsed apply, raw bytes to applied book, reads,
memory — wexcore against sortedcontainers.SortedDict, the `order-book` C
package and a plain dict, in the same run — and the GIL-free batch:
two threads on two books against one thread doing both.

Run: python -m pytest bench/bench_book.py --benchmark-enable

Every benchmark checks its final book against the generator's expected result
(best levels, level counts, and for wexcore the checksum and top 50 levels),
so a fast wrong answer fails.
"""

from __future__ import annotations

import itertools
import threading

import numpy as np
import orjson
import pytest
from order_book import OrderBook as CBook
from sortedcontainers import SortedDict

from wexcore import OrderBook
from workload import generate

ROUNDS = 7
# wexcore's runs are 10-30x shorter than the baselines'; more rounds make its
# median cover a similar stretch of wall time on a shared, noisy machine.
FAST_ROUNDS = 100


def per_level(benchmark, w) -> None:
    stats = getattr(benchmark, "stats", None)
    if stats is not None and not benchmark.disabled:
        benchmark.extra_info["ns_per_level"] = stats.stats.median / w.level_updates * 1e9
        benchmark.extra_info["us_per_message"] = stats.stats.median / len(w.messages) * 1e6


def check_wexcore(book: OrderBook, w) -> None:
    e = w.expected
    assert book.best_bid_ticks() == e["best_bid"]
    assert book.best_ask_ticks() == e["best_ask"]
    assert (book.bid_count, book.ask_count) == (e["bid_count"], e["ask_count"])
    assert book.last_update_id == e["last_update_id"]
    assert book.checksum() == e["checksum"]
    assert [tuple(x) for x in book.bid_ticks(50).tolist()] == e["top_bids"]
    assert [tuple(x) for x in book.ask_ticks(50).tolist()] == e["top_asks"]


def check_float_book(best_bid, best_ask, nb, na, w) -> None:
    e = w.expected
    ps, qs = 10.0**w.price_precision, 10.0**w.quantity_precision
    assert best_bid == (e["best_bid"][0] / ps, e["best_bid"][1] / qs)
    assert best_ask == (e["best_ask"][0] / ps, e["best_ask"][1] / qs)
    assert (nb, na) == (e["bid_count"], e["ask_count"])


def snapshot_floats(w):
    snap = orjson.loads(w.snapshot)["result"]
    return ([(float(p), float(q)) for p, q in snap.get("bids", snap.get("b"))],
            [(float(p), float(q)) for p, q in snap.get("asks", snap.get("a"))])


def fresh_cbook(w):
    bids, asks = snapshot_floats(w)
    ob = CBook()
    for p, q in bids:
        ob.bids[p] = q
    for p, q in asks:
        ob.asks[p] = q
    return ob


def fresh_sorted(w):
    bids, asks = snapshot_floats(w)
    return SortedDict(bids), SortedDict(asks)


def fresh_dict(w):
    bids, asks = snapshot_floats(w)
    return dict(bids), dict(asks)


def fresh_wexcore(w):
    book = OrderBook(w.symbol, w.price_precision, w.quantity_precision, product=w.product)
    book.load_snapshot(w.snapshot)
    return book


# ------------------------------------------------------------------ pre-parsed apply


def _apply_levels_py(side, levels):
    for p, q in levels:
        if q:
            side[p] = q
        elif p in side:
            del side[p]


@pytest.mark.parametrize("levels", [500, 5000])
def test_preparsed_order_book_c(benchmark, ratios, levels):
    w = generate(levels)
    ups = w.float_updates()
    holder = {}

    def setup():
        holder["ob"] = fresh_cbook(w)
        return (holder["ob"],), {}

    def run(ob):
        bids, asks = ob.bids, ob.asks
        for bl, al in ups:
            _apply_levels_py(bids, bl)
            _apply_levels_py(asks, al)

    benchmark.pedantic(run, setup=setup, rounds=ROUNDS, iterations=1)
    ob = holder["ob"]
    check_float_book(ob.bids.index(0), ob.asks.index(0), len(ob.bids), len(ob.asks), w)
    ratios.record(f"preparsed_{levels}", "order-book", benchmark)
    per_level(benchmark, w)


@pytest.mark.parametrize("levels", [500])
def test_preparsed_sorteddict(benchmark, ratios, levels):
    w = generate(levels)
    ups = w.float_updates()
    holder = {}

    def setup():
        holder["b"] = fresh_sorted(w)
        return holder["b"], {}

    def run(bids, asks):
        for bl, al in ups:
            _apply_levels_py(bids, bl)
            _apply_levels_py(asks, al)

    benchmark.pedantic(run, setup=setup, rounds=ROUNDS, iterations=1)
    bids, asks = holder["b"]
    check_float_book(bids.peekitem(-1), asks.peekitem(0), len(bids), len(asks), w)
    ratios.record(f"preparsed_{levels}", "sortedcontainers", benchmark)
    per_level(benchmark, w)


@pytest.mark.parametrize("levels", [500])
def test_preparsed_dict(benchmark, ratios, levels):
    w = generate(levels)
    ups = w.float_updates()
    holder = {}

    def setup():
        holder["b"] = fresh_dict(w)
        return holder["b"], {}

    def run(bids, asks):
        for bl, al in ups:
            for p, q in bl:
                if q:
                    bids[p] = q
                else:
                    bids.pop(p, None)
            for p, q in al:
                if q:
                    asks[p] = q
                else:
                    asks.pop(p, None)

    benchmark.pedantic(run, setup=setup, rounds=ROUNDS, iterations=1)
    bids, asks = holder["b"]
    bb, ba = max(bids), min(asks)
    check_float_book((bb, bids[bb]), (ba, asks[ba]), len(bids), len(asks), w)
    ratios.record(f"preparsed_{levels}", "dict", benchmark)
    per_level(benchmark, w)


@pytest.mark.parametrize("levels", [500, 5000])
def test_preparsed_wexcore(benchmark, ratios, levels):
    w = generate(levels)
    arrays = w.arrays()
    holder = {}

    def setup():
        holder["book"] = fresh_wexcore(w)
        return (holder["book"],), {}

    def run(book):
        return book.apply_many(**arrays)

    benchmark.pedantic(run, setup=setup, rounds=FAST_ROUNDS, iterations=1)
    check_wexcore(holder["book"], w)
    ratios.record(f"preparsed_{levels}", "wexcore", benchmark)
    per_level(benchmark, w)
    ratios.check(f"preparsed_{levels}", "wexcore", "order-book", 5.0)


# ------------------------------------------------------------------ raw bytes -> book


def _raw_baseline(w, apply_side):
    """orjson + float() per value + a sequence check, the way a careful
    Python client does it."""

    def run(state):
        last = state["last"]
        bids, asks = state["bids"], state["asks"]
        for m in w.messages:
            d = orjson.loads(m)["data"]
            if d["i"] <= last:
                continue
            if d["fi"] != last + 1:
                raise AssertionError("gap")
            last = d["i"]
            apply_side(bids, [(float(p), float(q)) for p, q in d["b"]])
            apply_side(asks, [(float(p), float(q)) for p, q in d["a"]])
        state["last"] = last

    return run


def test_raw_orjson_order_book_c(benchmark, ratios):
    w = generate(500)
    holder = {}

    def setup():
        ob = fresh_cbook(w)
        holder["ob"] = ob
        return ({"last": orjson.loads(w.snapshot)["result"]["lastUpdateId"],
                 "bids": ob.bids, "asks": ob.asks},), {}

    benchmark.pedantic(_raw_baseline(w, _apply_levels_py), setup=setup, rounds=ROUNDS,
                       iterations=1)
    ob = holder["ob"]
    check_float_book(ob.bids.index(0), ob.asks.index(0), len(ob.bids), len(ob.asks), w)
    ratios.record("raw_500", "orjson+order-book", benchmark)
    per_level(benchmark, w)


def test_raw_orjson_dict(benchmark, ratios):
    w = generate(500)
    holder = {}

    def apply_dict(side, levels):
        for p, q in levels:
            if q:
                side[p] = q
            else:
                side.pop(p, None)

    def setup():
        bids, asks = fresh_dict(w)
        holder["b"] = (bids, asks)
        return ({"last": orjson.loads(w.snapshot)["result"]["lastUpdateId"],
                 "bids": bids, "asks": asks},), {}

    benchmark.pedantic(_raw_baseline(w, apply_dict), setup=setup, rounds=ROUNDS, iterations=1)
    bids, asks = holder["b"]
    bb, ba = max(bids), min(asks)
    check_float_book((bb, bids[bb]), (ba, asks[ba]), len(bids), len(asks), w)
    ratios.record("raw_500", "orjson+dict", benchmark)
    per_level(benchmark, w)


def test_raw_orjson_sorteddict(benchmark, ratios):
    w = generate(500)
    holder = {}

    def setup():
        bids, asks = fresh_sorted(w)
        holder["b"] = (bids, asks)
        return ({"last": orjson.loads(w.snapshot)["result"]["lastUpdateId"],
                 "bids": bids, "asks": asks},), {}

    benchmark.pedantic(_raw_baseline(w, _apply_levels_py), setup=setup, rounds=ROUNDS,
                       iterations=1)
    bids, asks = holder["b"]
    check_float_book(bids.peekitem(-1), asks.peekitem(0), len(bids), len(asks), w)
    ratios.record("raw_500", "orjson+sortedcontainers", benchmark)
    per_level(benchmark, w)


@pytest.mark.parametrize("product", ["spot", "futures"])
def test_raw_wexcore(benchmark, ratios, product):
    w = generate(500, product=product)
    holder = {}
    messages = w.messages

    def setup():
        holder["book"] = fresh_wexcore(w)
        return (holder["book"].apply,), {}

    def run(apply):
        for m in messages:
            apply(m)

    benchmark.pedantic(run, setup=setup, rounds=FAST_ROUNDS, iterations=1)
    check_wexcore(holder["book"], w)
    name = "wexcore" if product == "spot" else "wexcore-futures"
    ratios.record("raw_500", name, benchmark)
    per_level(benchmark, w)
    if product == "spot":
        ratios.check("raw_500", "wexcore", "orjson+order-book", 10.0)
        ratios.check("raw_500", "wexcore", "orjson+dict", 10.0)


def test_raw_wexcore_apply_frames(benchmark, ratios):
    """The same stream in one apply_frames call (GIL released for the batch)."""
    w = generate(500)
    holder = {}

    def setup():
        holder["book"] = fresh_wexcore(w)
        return (holder["book"],), {}

    def run(book):
        return book.apply_frames(w.messages)

    benchmark.pedantic(run, setup=setup, rounds=FAST_ROUNDS, iterations=1)
    check_wexcore(holder["book"], w)
    ratios.record("raw_500", "wexcore apply_frames", benchmark)
    per_level(benchmark, w)


# ------------------------------------------------------------------ free of the GIL
# Two books fed the same 6,000-frame stream: one thread applying both batches
# one after the other, against two threads applying one each at the same time.
# A batch is ~4 ms, so starting the second thread (~50 us) is noise. Goal: the
# two threads at least 1.7x the one on this 2-core machine (issue 15); the
# ratio needs a quiet machine, and benchmark runs report the load average.

PARALLEL_MESSAGES = 6000


def _two_books(w, holder):
    holder["books"] = (fresh_wexcore(w), fresh_wexcore(w))
    return holder["books"], {}


def _check_parallel(holder, w):
    for book in holder["books"]:
        check_wexcore(book, w)


def test_parallel_one_thread(benchmark, ratios):
    w = generate(500, PARALLEL_MESSAGES)
    holder = {}

    def run(a, b):
        assert a.apply_frames(w.messages)[1] is None
        assert b.apply_frames(w.messages)[1] is None

    benchmark.pedantic(run, setup=lambda: _two_books(w, holder), rounds=ROUNDS * 6, iterations=1)
    _check_parallel(holder, w)
    ratios.record("gil_free_2_books", "one thread", benchmark)


def test_parallel_two_threads(benchmark, ratios):
    import os

    w = generate(500, PARALLEL_MESSAGES)
    holder = {}
    errors = []

    def other(book):
        errors.append(book.apply_frames(w.messages)[1])

    def run(a, b):
        t = threading.Thread(target=other, args=(b,))
        t.start()
        assert a.apply_frames(w.messages)[1] is None
        t.join()

    benchmark.pedantic(run, setup=lambda: _two_books(w, holder), rounds=ROUNDS * 6, iterations=1)
    assert errors and not any(errors)
    _check_parallel(holder, w)
    if ratios.record("gil_free_2_books", "two threads", benchmark) is not None:
        benchmark.extra_info["load_average"] = os.getloadavg()
        print(f"\nload average during the parallel benchmark: {os.getloadavg()}")
    ratios.check("gil_free_2_books", "two threads", "one thread", 1.7)


# ------------------------------------------------------------------ reads and memory


def test_read_top10_sorteddict(benchmark, ratios):
    w = generate(500)
    bids, asks = fresh_sorted(w)

    def run():
        return (np.array(list(itertools.islice(reversed(bids.items()), 10))),
                np.array(list(itertools.islice(asks.items(), 10))))

    b, a = benchmark(run)
    assert b.shape == (10, 2) and a[0, 0] < a[1, 0]
    ratios.record("read_top10", "sortedcontainers", benchmark)


def test_read_top10_wexcore(benchmark, ratios):
    w = generate(500)
    book = fresh_wexcore(w)
    for m in w.messages:
        book.apply(m)

    def run():
        return book.bids(10), book.asks(10)

    b, a = benchmark(run)
    e = w.expected
    ps, qs = 10.0**w.price_precision, 10.0**w.quantity_precision
    assert b[:, 0].tolist() == [p / ps for p, _ in e["top_bids"][:10]]
    assert a[:, 1].tolist() == [q / qs for _, q in e["top_asks"][:10]]
    ratios.record("read_top10", "wexcore", benchmark)
    ratios.check("read_top10", "wexcore", "sortedcontainers", 3.0)


@pytest.mark.parametrize("levels", [500, 5000])
def test_memory_per_level(levels):
    w = generate(levels)
    book = fresh_wexcore(w)
    for m in w.messages:
        book.apply(m)
    per = book.nbytes / len(book)
    print(f"\nwexcore {levels}-level book: {book.nbytes} bytes, {per:.1f} bytes per level")
    assert per <= 40
