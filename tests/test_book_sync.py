"""The spec's order book procedures walked through by hand, spot and futures,
plus the edges: empty books, one empty side, the last level, extreme prices.

Spot (spot-en.txt "Orderbook manage"): drop events with i <= lastUpdateId; the
first processed event has fi <= lastUpdateId+1 <= i; then fi == previous i+1.
Futures ("Orderbook Management"): the same with fu/u, and pu == previous u.
"""

from __future__ import annotations

import orjson
import pytest

from wexcore import ApplyResult, DecodeError, OrderBook, SequenceGap


def spot_snapshot(uid, bids, asks):
    return orjson.dumps({"rc": 0, "mc": "SUCCESS", "ma": [], "result": {
        "timestamp": 1662445330524, "lastUpdateId": uid, "bids": bids, "asks": asks}})


def spot_update(fi, i, bids=(), asks=(), symbol="btc_usdt"):
    return orjson.dumps({"topic": "depth_update", "event": f"depth_update@{symbol}",
                         "data": {"s": symbol, "fi": fi, "i": i, "a": list(asks), "b": list(bids)}})


def fut_snapshot(uid, bids, asks):
    return orjson.dumps({"returnCode": 0, "msgInfo": "success", "error": None, "result": {
        "t": 1, "s": "btc_usdt", "u": uid, "b": bids, "a": asks}})


def fut_update(fu, u, pu=None, bids=(), asks=()):
    data = {"s": "btc_usdt", "fu": fu, "u": u, "a": list(asks), "b": list(bids), "t": 123456789}
    if pu is not None:
        data["pu"] = pu
    return orjson.dumps({"topic": "depth_update", "event": "depth_update@btc_usdt", "data": data})


@pytest.fixture
def spot():
    book = OrderBook("btc_usdt", 4, 6)
    # the spec's REST example, ids and all (137333589606963580 > 2**53)
    book.load_snapshot(spot_snapshot(
        137333589606963580,
        [["200.0000", "0.996000"], ["100.0000", "0.001000"], ["20.0000", "10.000000"]],
        [["201.0000", "1.000000"]]))
    return book


L = 137333589606963580


def test_spot_walkthrough(spot):
    assert spot.in_sync and spot.last_update_id == L
    # step 4: events with i <= lastUpdateId are dropped
    assert spot.apply(spot_update(L - 5, L, bids=[["200.0000", "5"]])) is ApplyResult.STALE
    assert spot.quantity_at("200") == 0.996
    # step 5: first processed event straddles lastUpdateId + 1
    assert spot.apply(spot_update(L - 2, L + 3, bids=[["200.0000", "2"]])) is ApplyResult.APPLIED
    assert spot.last_update_id == L + 3
    assert spot.best_bid() == (200.0, 2.0)
    # step 6: fi == previous i + 1
    assert spot.apply(spot_update(L + 4, L + 4, asks=[["201.0000", "0"], ["202", "7"]])) == 1
    assert spot.best_ask() == (202.0, 7.0)
    # step 9: deleting an absent level is normal
    assert spot.apply(spot_update(L + 5, L + 6, bids=[["150", "0"]])) is ApplyResult.APPLIED
    # a duplicate of an applied event is stale, not a gap
    assert spot.apply(spot_update(L + 5, L + 6, bids=[["150", "3"]])) is ApplyResult.STALE
    assert spot.quantity_at("150") == 0.0
    assert len(spot) == 4


def test_spot_first_event_after_the_snapshot_must_straddle(spot):
    with pytest.raises(SequenceGap) as err:
        spot.apply(spot_update(L + 2, L + 3, bids=[["199", "1"]]))
    assert (err.value.expected, err.value.received) == (L + 1, L + 2)
    assert not spot.in_sync
    assert spot.quantity_at("199") == 0.0  # nothing applied


def test_spot_gap_leaves_book_unchanged_and_out_of_sync(spot):
    spot.apply(spot_update(L + 1, L + 1, bids=[["199", "1"]]))
    before = (spot.bid_ticks(50).tolist(), spot.ask_ticks(50).tolist(), spot.checksum())
    with pytest.raises(SequenceGap) as err:
        spot.apply(spot_update(L + 3, L + 4, bids=[["199", "9"]]))
    assert (err.value.expected, err.value.received, err.value.symbol) == (L + 2, L + 3, "btc_usdt")
    assert (spot.bid_ticks(50).tolist(), spot.ask_ticks(50).tolist(), spot.checksum()) == before
    assert not spot.in_sync
    # every later event is refused until a new snapshot...
    with pytest.raises(SequenceGap, match="out of sync"):
        spot.apply(spot_update(L + 2, L + 2))
    # ...which restores sync
    spot.load_snapshot(spot_snapshot(L + 10, [["1", "1"]], [["2", "1"]]))
    assert spot.in_sync and spot.apply(spot_update(L + 11, L + 11)) is ApplyResult.APPLIED


def test_overlapping_event_after_the_first_is_a_gap(spot):
    spot.apply(spot_update(L + 1, L + 5))
    with pytest.raises(SequenceGap):
        spot.apply(spot_update(L + 4, L + 8))


def test_futures_walkthrough():
    book = OrderBook("btc_usdt", 1, 3, product="futures")
    book.load_snapshot(fut_snapshot(120, [["32000", "0.2"], ["31000", "0.5"]],
                                    [["34000", "1.2"], ["34001", "2.3"]]))
    assert book.apply(fut_update(100, 120, 99, bids=[["1", "1"]])) is ApplyResult.STALE
    # the spec's example event: pu=120, fu=121, u=123
    assert book.apply(fut_update(121, 123, 120, asks=[["34000", "0"]])) is ApplyResult.APPLIED
    assert book.best_ask() == (34001.0, 2.3)
    assert book.apply(fut_update(124, 125, 123, bids=[["32000.5", "1"]])) == 1
    assert book.best_bid() == (32000.5, 1.0)
    # pu present but not the previous u: a gap even when fu continues
    with pytest.raises(SequenceGap, match="pu") as err:
        book.apply(fut_update(126, 127, 124))
    assert (err.value.expected, err.value.received) == (125, 124)
    assert not book.in_sync


def test_futures_without_pu_checks_fu_only():
    book = OrderBook("btc_usdt", 1, 3, product="futures")
    book.load_snapshot(fut_snapshot(10, [], []))
    assert book.apply(fut_update(9, 12)) is ApplyResult.APPLIED
    assert book.apply(fut_update(13, 13)) is ApplyResult.APPLIED
    with pytest.raises(SequenceGap):
        book.apply(fut_update(15, 15))


def test_futures_book_rejects_spot_ids_by_name():
    book = OrderBook("btc_usdt", 1, 3, product="futures")
    book.load_snapshot(fut_snapshot(10, [], []))
    with pytest.raises(DecodeError, match="fu"):
        book.apply(spot_update(11, 11))


def test_update_before_any_snapshot_raises():
    book = OrderBook("btc_usdt", 2, 2)
    assert not book.in_sync and book.last_update_id == 0 and len(book) == 0
    with pytest.raises(SequenceGap, match="snapshot"):
        book.apply(spot_update(1, 1))


def test_crossed_book_is_reported_not_hidden(spot):
    assert not spot.is_crossed()
    assert spot.apply(spot_update(L + 1, L + 1, bids=[["201.5", "1"]])) is ApplyResult.CROSSED
    assert spot.is_crossed()
    assert spot.best_bid()[0] > spot.best_ask()[0]
    assert spot.spread() == pytest.approx(-0.5)
    assert spot.apply(spot_update(L + 2, L + 2, bids=[["201.5", "0"]])) is ApplyResult.APPLIED
    assert not spot.is_crossed()


def test_empty_book_reads():
    book = OrderBook("btc_usdt", 2, 2)
    assert book.best_bid() is None and book.best_ask() is None
    assert book.spread() is None and book.mid() is None
    assert book.bids(10).shape == (0, 2) and book.ask_ticks(5).shape == (0, 2)
    assert book.quantity_at("1") == 0.0
    assert book.fill_cost("buy", "1") == (0.0, 0.0, None)
    assert book.cumulative_depth("bid", 5).shape == (0,)
    assert not book.is_crossed()


def test_one_empty_side_and_deleting_the_last_level():
    book = OrderBook("btc_usdt", 2, 2)
    book.load_snapshot(spot_snapshot(1, [["10", "1"]], []))
    assert book.best_ask() is None and book.spread() is None and book.mid() is None
    assert book.best_bid() == (10.0, 1.0)
    assert book.apply(spot_update(2, 2, bids=[["10", "0"]])) is ApplyResult.APPLIED
    assert len(book) == 0 and book.best_bid() is None
    assert book.apply(spot_update(3, 3, bids=[["10", "0"]])) is ApplyResult.APPLIED  # absent: fine
    assert book.apply(spot_update(4, 4, asks=[["11", "2"]])) is ApplyResult.APPLIED
    assert book.best_ask() == (11.0, 2.0)


@pytest.mark.parametrize(("price", "pp", "ticks"), [
    ("0.00000001", 8, 1),
    ("92233720368.54775807", 8, 2**63 - 1),
    ("1000000000000000", 0, 10**15),
    ("0.000000000000000001", 18, 1),
])
def test_very_large_and_very_small_prices(price, pp, ticks):
    book = OrderBook("x_y", pp, 0)
    book.load_snapshot(spot_snapshot(1, [[price, "1"]], [[price, "2"]]))
    assert book.best_bid_ticks() == (ticks, 1)
    assert book.best_ask_ticks() == (ticks, 2)
    assert book.is_crossed()  # equal prices count as crossed (locked)
    assert book.best_bid()[0] == pytest.approx(float(price))


def test_snapshot_accepts_unsorted_duplicates_and_zeros():
    book = OrderBook("btc_usdt", 2, 2)
    bids = [["1", "1"], ["3", "1"], ["2", "0"], ["3", "4"], ["2", "2"]]
    book.load_snapshot(spot_snapshot(5, bids, [["9", "1"], ["7", "0"], ["8", "1"]]))
    assert book.bid_ticks(10).tolist() == [[300, 400], [200, 200], [100, 100]]
    assert book.ask_ticks(10).tolist() == [[800, 100], [900, 100]]


def test_snapshot_shapes():
    bare = b'{"lastUpdateId": 7, "bids": [["1.5", "2"]], "asks": [["2", "1"]]}'
    for body in (bare, orjson.loads(bare), fut_snapshot(7, [["1.5", "2"]], [["2", "1"]]),
                 orjson.loads(fut_snapshot(7, [["1.5", "2"]], [["2", "1"]]))):
        book = OrderBook("btc_usdt", 1, 0, product="futures")
        assert book.load_snapshot(body) is ApplyResult.APPLIED
        assert book.last_update_id == 7 and book.best_bid() == (1.5, 2.0)


def test_limited_depth_replaces_the_book():
    book = OrderBook("btc_usdt", 0, 1)
    book.load_snapshot(spot_snapshot(5, [["100", "1"], ["99", "1"]], [["101", "1"]]))
    frame = orjson.dumps({"topic": "depth", "event": "depth@btc_usdt,20", "data": {
        "s": "btc_usdt", "i": 9, "a": [["34000", "1.2"], ["34001", "2.3"]],
        "b": [["32000", "0.2"], ["31000", "0.5"]]}})
    assert book.replace(frame) is ApplyResult.APPLIED
    assert book.bid_ticks(10).tolist() == [[32000, 2], [31000, 5]]
    assert book.ask_ticks(10).tolist() == [[34000, 12], [34001, 23]]
    assert book.last_update_id == 9 and book.in_sync
    # apply() passes a limited-depth frame on to replace()
    frame2 = frame.replace(b'"i":9', b'"i":10').replace(b'"0.2"', b'"0.7"')
    assert book.apply(frame2) is ApplyResult.APPLIED
    assert book.best_bid() == (32000.0, 0.7)
    # an older one is stale
    assert book.replace(frame) is ApplyResult.STALE
    # futures shape: "id" as a string, "s" may name the index (spec example)
    fbook = OrderBook("btc_usdt", 0, 1, product="futures")
    fframe = orjson.dumps({"topic": "depth", "event": "depth@btc_usdt,20", "data": {
        "id": "1234", "s": "btc_index", "a": [["50000", "0.1"]], "b": [["49999", "0.1"]],
        "t": 123456789}})
    assert fbook.apply(fframe) is ApplyResult.APPLIED
    assert fbook.last_update_id == 1234 and fbook.mid() == 49999.5


def test_message_for_another_symbol_is_refused(spot):
    with pytest.raises(DecodeError, match="eth_usdt") as err:
        spot.apply(spot_update(L + 1, L + 1, bids=[["1", "1"]], symbol="eth_usdt"))
    assert err.value.field == "s"
    assert spot.in_sync and spot.last_update_id == L


def test_constructor_validation():
    with pytest.raises(ValueError, match="product"):
        OrderBook("btc_usdt", 2, 2, product="margin")
    with pytest.raises(ValueError, match="price_precision"):
        OrderBook("btc_usdt", 19, 2)
    with pytest.raises(ValueError, match="quantity_precision"):
        OrderBook("btc_usdt", 2, -1)


def test_big_books_work():
    n = 6000
    bids = [[str(100000 - k), "1"] for k in range(n)]
    asks = [[str(100001 + k), "2"] for k in range(n)]
    book = OrderBook("btc_usdt", 0, 0)
    book.load_snapshot(spot_snapshot(1, bids, asks))
    assert len(book) == 2 * n
    assert book.nbytes / len(book) <= 40
    # a change at the far end of the book, and one at the touch
    assert book.apply(spot_update(2, 2, bids=[[str(100000 - n + 1), "0"], ["100000", "5"]])) == 1
    assert book.bid_count == n - 1 and book.best_bid() == (100000.0, 5.0)
