"""Reads: arrays, quantities, cumulative depth, fill cost, checksum, memory."""

from __future__ import annotations

import struct
import threading
import zlib
from decimal import Decimal

import numpy as np
import pytest

from wexcore import OrderBook

BIDS = [["100.5", "1.25"], ["100", "2"], ["99.25", "0.5"]]
ASKS = [["101", "0.75"], ["101.5", "3"], ["103", "10"]]


@pytest.fixture
def book():
    b = OrderBook("btc_usdt", 2, 3)
    b.load_snapshot({"lastUpdateId": 1, "bids": BIDS, "asks": ASKS})
    return b


def test_top_levels_as_arrays(book):
    bids = book.bids(2)
    assert bids.dtype == np.float64 and bids.shape == (2, 2)
    assert bids.tolist() == [[100.5, 1.25], [100.0, 2.0]]
    assert book.asks(10).tolist() == [[101.0, 0.75], [101.5, 3.0], [103.0, 10.0]]
    ticks = book.ask_ticks(2)
    assert ticks.dtype == np.int64 and ticks.tolist() == [[10100, 750], [10150, 3000]]
    assert book.bid_ticks(0).shape == (0, 2)
    assert book.bid_ticks(-3).shape == (0, 2)


def test_best_spread_mid(book):
    assert book.best_bid() == (100.5, 1.25)
    assert book.best_ask() == (101.0, 0.75)
    assert book.best_bid_ticks() == (10050, 1250)
    assert book.spread() == 0.5
    assert book.mid() == 100.75
    assert len(book) == 6 and book.bid_count == 3 and book.ask_count == 3


@pytest.mark.parametrize(("price", "side", "qty"), [
    ("100", None, 2.0), (100, "bid", 2.0), (Decimal("101.50"), None, 3.0), (101.5, "ask", 3.0),
    ("100", "ask", 0.0), ("42", None, 0.0),
])
def test_quantity_at(book, price, side, qty):
    assert book.quantity_at(price, side) == qty


def test_quantity_ticks_at_is_exact(book):
    assert book.quantity_ticks_at("99.25") == 500


def test_cumulative_depth(book):
    assert book.cumulative_depth("bid", 5).tolist() == [1.25, 3.25, 3.75]
    assert book.cumulative_depth("ask", 2).tolist() == [0.75, 3.75]
    with pytest.raises(ValueError, match="side"):
        book.cumulative_depth("middle")


def test_fill_cost_walks_the_book(book):
    # buy 2: 0.75 @ 101 + 1.25 @ 101.5
    filled, cost, vwap = book.fill_cost("buy", "2")
    assert filled == 2.0
    assert cost == pytest.approx(0.75 * 101 + 1.25 * 101.5)
    assert vwap == pytest.approx(cost / 2)
    # sell more than the book holds: partial
    filled, cost, vwap = book.fill_cost("sell", "100")
    assert filled == 3.75
    assert cost == pytest.approx(1.25 * 100.5 + 2 * 100 + 0.5 * 99.25)
    with pytest.raises(ValueError, match="buy"):
        book.fill_cost("bid", "1")


def test_checksum_is_crc32_of_top_levels(book):
    data = b"".join(struct.pack("<qq", p, q) for p, q in
                    [(10050, 1250), (10000, 2000), (9925, 500),
                     (10100, 750), (10150, 3000), (10300, 10000)])
    assert book.checksum() == zlib.crc32(data)
    two = b"".join(struct.pack("<qq", p, q) for p, q in
                   [(10050, 1250), (10000, 2000), (10100, 750), (10150, 3000)])
    assert book.checksum(2) == zlib.crc32(two)
    other = OrderBook("btc_usdt", 2, 3)
    other.load_snapshot({"lastUpdateId": 9, "bids": list(reversed(BIDS)), "asks": ASKS})
    assert other.checksum() == book.checksum()


def test_memory_per_level_is_small():
    b = OrderBook("btc_usdt", 0, 0)
    n = 5000
    b.load_snapshot({"lastUpdateId": 1, "bids": [[str(10**6 - k), "1"] for k in range(n)],
                     "asks": [[str(10**6 + 1 + k), "1"] for k in range(n)]})
    assert b.nbytes / len(b) <= 40


def test_threads_with_a_lock_see_consistent_books():
    """The documented contract: share a book between threads only under a lock."""
    b = OrderBook("btc_usdt", 0, 0)
    b.load_snapshot({"lastUpdateId": 0, "bids": [], "asks": []})
    lock = threading.Lock()
    n = 200
    ids = np.array([[k + 1, k + 1, -1] for k in range(n)], dtype=np.int64)
    offs = np.arange(n + 1, dtype=np.int64)
    prices = np.arange(1, n + 1, dtype=np.int64)
    qtys = np.ones(n, dtype=np.int64)
    empty_offs = np.zeros(n + 1, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    seen = []

    def reader():
        for _ in range(200):
            with lock:
                seen.append(len(b))

    t = threading.Thread(target=reader)
    t.start()
    with lock:
        b.apply_many(ids, offs, prices, qtys, empty_offs, empty, empty)
    t.join()
    assert len(b) == n
    assert all(s in (0, n) for s in seen)


def test_preparsed_input_validation():
    b = OrderBook("btc_usdt", 0, 0)
    b.load_snapshot({"lastUpdateId": 0, "bids": [], "asks": []})
    one = np.array([1], dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    with pytest.raises(ValueError, match="negative"):
        b.apply_levels(1, 1, np.array([-1], dtype=np.int64), one, empty, empty)
    with pytest.raises(ValueError, match="length"):
        b.apply_levels(1, 1, one, empty, empty, empty)
    with pytest.raises(ValueError, match="ids"):
        b.apply_levels(3, 2, one, one, empty, empty)
    assert len(b) == 0 and b.last_update_id == 0 and b.in_sync
