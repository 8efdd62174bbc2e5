"""OrderBook.apply_frames: a batch of raw frames applied with the GIL released.

The oracle is the same book fed frame by frame with ``apply`` (whose own
correctness the reference-book tests establish) and, for random streams, the
plain-Python reference book itself.
"""

from __future__ import annotations

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_book_property import (
    PP,
    QP,
    SETTINGS,
    assert_same,
    build_snapshot,
    build_update,
    levels_st,
    step_ids,
)
from wexcore import ApplyResult, DecodeError, OrderBook, PrecisionError, SequenceGap
from wexcore._reference.book import ReferenceBook
from wexcore.workload import generate


def fresh(w) -> OrderBook:
    book = OrderBook(w.symbol, w.price_precision, w.quantity_precision, product=w.product)
    book.load_snapshot(w.snapshot)
    return book


def same_book(a: OrderBook, b: OrderBook) -> None:
    assert (a.last_update_id, a.in_sync, a.bid_count, a.ask_count) == \
        (b.last_update_id, b.in_sync, b.bid_count, b.ask_count)
    assert a.bid_ticks(10**6).tolist() == b.bid_ticks(10**6).tolist()
    assert a.ask_ticks(10**6).tolist() == b.ask_ticks(10**6).tolist()


@pytest.mark.parametrize("product", ["spot", "futures"])
def test_whole_stream_matches_apply(product):
    w = generate(200, 400, product=product)
    batch, one = fresh(w), fresh(w)
    statuses, error = batch.apply_frames(w.messages)
    assert error is None
    assert statuses == [one.apply(m) for m in w.messages]
    assert all(isinstance(s, ApplyResult) for s in statuses)
    same_book(batch, one)
    assert batch.checksum() == w.expected["checksum"]


def spot_frame(first, last, bids=(), asks=(), symbol="btc_usdt"):
    b = ",".join(f'["{p}","{q}"]' for p, q in bids)
    a = ",".join(f'["{p}","{q}"]' for p, q in asks)
    return (f'{{"topic":"depth_update","event":"depth_update@{symbol}","data":'
            f'{{"s":"{symbol}","fi":{first},"i":{last},"b":[{b}],"a":[{a}]}}}}').encode()


SNAP = b'{"rc":0,"mc":"SUCCESS","ma":[],"result":{"lastUpdateId":10,' \
       b'"bids":[["100.00","1"],["99.00","2"]],"asks":[["101.00","1"]]}}'


def spot_book() -> OrderBook:
    book = OrderBook("btc_usdt", 2, 3)
    book.load_snapshot(SNAP)
    return book


BAD = {
    "gap": (spot_frame(20, 20), SequenceGap),
    "precision": (spot_frame(13, 13, bids=[("100.001", "1")]), PrecisionError),
    "not a number": (spot_frame(13, 13, asks=[("abc", "1")]), DecodeError),
    "wrong symbol": (spot_frame(13, 13, symbol="eth_usdt"), DecodeError),
    "not json": (b'{"topic":"depth_update","data":{', DecodeError),
    "escaped key (validating path)": (
        b'{"topic":"depth_update","data":{"s":"btc_usdt","f\\u0069":13,"i":13,'
        b'"b":[["100.001","1"]],"a":[]}}', PrecisionError),
}


@pytest.mark.parametrize("case", list(BAD))
def test_stops_at_the_first_frame_that_does_not_apply(case):
    bad, kind = BAD[case]
    frames = [spot_frame(11, 11, bids=[("100.50", "3")]),
              spot_frame(5, 9),  # stale
              spot_frame(12, 12, bids=[("100.50", "0")], asks=[("101.50", "4")]),
              bad,
              spot_frame(13, 13, bids=[("98.00", "1")])]
    book, one = spot_book(), spot_book()
    statuses, error = book.apply_frames(frames)
    assert statuses[:3] == [ApplyResult.APPLIED, ApplyResult.STALE, ApplyResult.APPLIED]
    assert len(statuses) == 4
    assert statuses[3] == (ApplyResult.GAP if kind is SequenceGap else ApplyResult.ERROR)
    assert type(error) is kind
    for f in frames[:3]:
        one.apply(f)
    with pytest.raises(kind) as expected:
        one.apply(bad)
    # the same exception apply raises, and the same book: frames before it
    # applied, it and the ones after not
    assert str(error) == str(expected.value)
    same_book(book, one)
    if kind is SequenceGap:
        assert (error.expected, error.received) == (13, 20)
        assert not book.in_sync


def test_crossed_does_not_stop_the_batch():
    frames = [spot_frame(11, 11, bids=[("101.00", "1")]),
              spot_frame(12, 12, bids=[("101.00", "0")])]
    statuses, error = spot_book().apply_frames(frames)
    assert statuses == [ApplyResult.CROSSED, ApplyResult.APPLIED]
    assert error is None


def test_out_of_sync_book_reports_a_gap_on_the_first_frame():
    book = OrderBook("btc_usdt", 2, 3)
    statuses, error = book.apply_frames([spot_frame(11, 11)])
    assert statuses == [ApplyResult.GAP]
    assert isinstance(error, SequenceGap) and "out of sync" in str(error)


def test_frame_types():
    f1 = spot_frame(11, 11, bids=[("100.50", "3")])
    f2 = spot_frame(12, 12, asks=[("101.50", "4")])
    f3 = spot_frame(13, 13, asks=[("101.50", "0")])
    book = spot_book()
    # bytearray, memoryview and str are copied; any iterable works
    statuses, error = book.apply_frames(iter([bytearray(f1), memoryview(f2), f3.decode()]))
    assert statuses == [ApplyResult.APPLIED] * 3 and error is None
    assert book.last_update_id == 13
    assert book.apply_frames([]) == ([], None)
    with pytest.raises(TypeError, match=r"frames\[1\]"):
        book.apply_frames([spot_frame(14, 14), {"s": "btc_usdt"}])
    assert book.last_update_id == 13  # nothing applied when the batch is refused


@pytest.mark.parametrize("product", ["spot", "futures"])
@SETTINGS
@given(data=st.data())
def test_random_batches_match_reference(product, data):
    book = OrderBook("btc_usdt", PP, QP, product=product)
    ref = ReferenceBook("btc_usdt", PP, QP, product=product)
    snap = build_snapshot(product, data.draw(st.integers(0, 10**12)), data.draw(levels_st),
                          data.draw(levels_st), False)
    book.load_snapshot(snap)
    ref.load_snapshot(snap)
    frames, expected = [], []
    for _ in range(data.draw(st.integers(1, 15))):
        kind = data.draw(st.sampled_from(["update"] * 8 + ["stale", "gap", "pu"]))
        first, last = step_ids(data, ref, kind)
        prev = ref.last_update_id if not (kind == "pu" and product == "futures") \
            else ref.last_update_id + 3
        msg = build_update(product, first, last, prev, data.draw(levels_st), data.draw(levels_st),
                           data.draw)
        if isinstance(msg, dict):
            continue  # apply_frames takes raw frames
        frames.append(msg)
        try:
            expected.append(ref.apply(msg))
        except SequenceGap:
            expected.append(ApplyResult.GAP)
            break
    statuses, error = book.apply_frames(frames)
    assert statuses == expected
    assert (error is not None) == (expected[-1:] == [ApplyResult.GAP])
    assert_same(book, ref)


def test_two_threads_two_books_match_one_thread():
    """Different books in different threads at once give the books one
    thread gives (the speed of this is bench/bench_book.py's parallel group)."""
    w = generate(200, 400)
    books = [fresh(w), fresh(w)]
    results: list = [None, None]
    start = threading.Barrier(2, timeout=30)

    def work(k):
        start.wait()
        results[k] = books[k].apply_frames(w.messages)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive()
    for k in range(2):
        assert results[k][1] is None
        assert books[k].checksum() == w.expected["checksum"]
    same_book(books[0], books[1])
