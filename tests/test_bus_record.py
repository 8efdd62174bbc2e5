"""The bus record kernel against an independent encoding (``struct``), and the
follower's rules (record numbers, epochs, update ids) on a real book."""

from __future__ import annotations

import struct
from decimal import Decimal

import numpy as np
import pytest

from wexcore import OrderBook
from wexcore._record import (
    FOLLOW_APPLIED,
    FOLLOW_IGNORED,
    FOLLOW_NEW_OWNER,
    FOLLOW_OWNER_GAP,
    FOLLOW_RECORD_GAP,
    FOLLOW_SNAPSHOT,
    FOLLOW_STALE,
    FOLLOW_UPDATE_GAP,
    KIND_DELTA,
    KIND_SNAPSHOT,
    KIND_TRADE,
    BookFollower,
    Record,
    encode_levels,
    encode_trade,
    with_stream_seq,
)
from wexcore.errors import DecodeError


def ref_record(kind: int, symbol: str, pp: int, qp: int, epoch: int, seq: int, first: int,
               last: int, prev: int | None, t: int, bids: list[tuple[int, int]],
               asks: list[tuple[int, int]], futures: bool = False, stream_seq: int = 0) -> bytes:
    """The layout written out from the format's description, with struct."""
    flags = (1 if futures else 0) | (2 if prev is not None else 0)
    sym = symbol.encode()
    head = struct.pack("<4sBBBBQQqqqqQIIH6x", b"WXB1", kind, flags, pp, qp, epoch, seq, first,
                       last, -1 if prev is None else prev, t, stream_seq, len(bids), len(asks),
                       len(sym))
    body = sym + b"\0" * (-len(sym) % 8)
    for side in (bids, asks):
        body += struct.pack(f"<{len(side)}q", *[p for p, _ in side])
        body += struct.pack(f"<{len(side)}q", *[q for _, q in side])
    return head + body


def arrays(levels: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    return (np.array([p for p, _ in levels], dtype=np.int64),
            np.array([q for _, q in levels], dtype=np.int64))


BIDS = [(3000000, 12345), (2999950, 1)]
ASKS = [(3000100, 50000)]


@pytest.mark.parametrize("nb,na", [(0, 0), (1, 0), (0, 1), (2, 1), (300, 250)])
def test_delta_matches_reference_layout(nb: int, na: int) -> None:
    bids = [(1000 + i, i) for i in range(nb)]
    asks = [(5000 + i, 7 * i) for i in range(na)]
    got = encode_levels(KIND_DELTA, "btc_usdt", 2, 4, 9, 3, 100, 104, None, 1234,
                        *arrays(bids), *arrays(asks))
    assert got == ref_record(KIND_DELTA, "btc_usdt", 2, 4, 9, 3, 100, 104, None, 1234, bids,
                             asks)
    rec = Record(got)
    assert (rec.kind, rec.symbol, rec.epoch, rec.seq, rec.first_id, rec.last_id) == \
        (KIND_DELTA, "btc_usdt", 9, 3, 100, 104)
    assert rec.previous_id is None and not rec.futures
    assert [p.tolist() for p in rec.bids()] == [[p for p, _ in bids], [q for _, q in bids]]
    assert np.frombuffer(rec.asks()[1], dtype=np.int64).tolist() == [q for _, q in asks]


def test_futures_previous_id_and_stream_seq() -> None:
    got = encode_levels(KIND_DELTA, "eth_usdt", 1, 3, 2, 5, 10, 12, 9, 7, *arrays(BIDS),
                        *arrays(ASKS), futures=True)
    assert got == ref_record(KIND_DELTA, "eth_usdt", 1, 3, 2, 5, 10, 12, 9, 7, BIDS, ASKS,
                             futures=True)
    tagged = with_stream_seq(got, 77)
    assert Record(tagged).stream_seq == 77 and tagged[:56] == got[:56] and \
        tagged[64:] == got[64:]
    assert Record(got).previous_id == 9 and Record(got).futures


def test_trade_record() -> None:
    got = encode_trade("btc_usdt", 2, 4, 3, 8, 555, 3000012, 2500, 1_700_000_000_000, 42, True)
    sym = b"btc_usdt"
    ref = struct.pack("<4sBBBBQQqqqqQIIH6x", b"WXB1", KIND_TRADE, 4, 2, 4, 3, 8, 555, 555, -1,
                      42, 0, 0, 0, len(sym)) + sym + struct.pack("<3q", 3000012, 2500,
                                                                 1_700_000_000_000)
    assert got == ref
    assert Record(got).trade == (3000012, 2500, 1_700_000_000_000, True)


def test_snapshot_body_is_exact_decimal_text() -> None:
    bids = [(1, 1), (10**17 + 5, 0), (123456789, 10**18)]
    rec = Record(encode_levels(KIND_SNAPSHOT, "x_y", 8, 0, 1, 1, 42, 42, None, 0,
                               *arrays(bids), *arrays([])))
    body = rec.snapshot_body()
    import orjson

    doc = orjson.loads(body)
    assert doc["lastUpdateId"] == 42 and doc["asks"] == []
    want = [[format(Decimal(p).scaleb(-8).quantize(Decimal(1).scaleb(-8)), "f"),
             str(Decimal(q))] for p, q in bids]
    assert doc["bids"] == want
    assert doc["bids"][0] == ["0.00000001", "1"]


@pytest.mark.parametrize("mutate,field", [
    (lambda b: b[:40], "length"),
    (lambda b: b"XXXX" + b[4:], "magic"),
    (lambda b: b[:4] + b"\x09" + b[5:], "kind"),
    (lambda b: b[:6] + b"\x13" + b[7:], "price_precision"),
    (lambda b: b + b"\0" * 8, "length"),
    (lambda b: b[:72] + b"\0\0" + b[74:], "symbol"),
    (lambda b: b[:64] + struct.pack("<I", 3) + b[68:], "length"),
    (lambda b: b[:24] + struct.pack("<q", 200) + b[32:], "first_id"),
])
def test_bad_records_name_the_field(mutate, field) -> None:
    good = encode_levels(KIND_DELTA, "btc_usdt", 2, 4, 1, 1, 100, 101, None, 0,
                         *arrays(BIDS), *arrays(ASKS))
    with pytest.raises(DecodeError, match=f"field={field}"):
        Record(mutate(good))


def test_encode_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="bids"):
        encode_levels(KIND_DELTA, "a", 2, 4, 1, 1, 1, 1, None, 0, np.array([0], np.int64),
                      np.array([1], np.int64), *arrays([]))
    with pytest.raises(ValueError, match="differ in length"):
        encode_levels(KIND_DELTA, "a", 2, 4, 1, 1, 1, 1, None, 0, np.array([5], np.int64),
                      np.array([], np.int64), *arrays([]))
    with pytest.raises(ValueError, match="update ids"):
        encode_levels(KIND_DELTA, "a", 2, 4, 1, 1, 5, 4, None, 0, *arrays([]), *arrays([]))
    with pytest.raises(ValueError, match="one update id"):
        encode_levels(KIND_SNAPSHOT, "a", 2, 4, 1, 1, 4, 5, None, 0, *arrays([]), *arrays([]))
    with pytest.raises(TypeError):
        Record(bytearray(100))  # type: ignore[arg-type]


# ---- the follower ---------------------------------------------------------------

def snap(epoch: int, seq: int, lid: int, bids=BIDS, asks=ASKS, product="spot") -> bytes:
    return encode_levels(KIND_SNAPSHOT, "btc_usdt", 2, 4, epoch, seq, lid, lid, None, 0,
                         *arrays(bids), *arrays(asks), futures=product == "futures")


def delta(epoch: int, seq: int, first: int, last: int, bids=(), asks=(), prev=None) -> bytes:
    return encode_levels(KIND_DELTA, "btc_usdt", 2, 4, epoch, seq, first, last, prev, 5,
                         *arrays(list(bids)), *arrays(list(asks)), futures=prev is not None)


def follower(product="spot") -> BookFollower:
    return BookFollower(OrderBook("btc_usdt", 2, 4, product=product))


def test_follower_builds_the_same_book_as_direct_apply() -> None:
    f = follower()
    ref = OrderBook("btc_usdt", 2, 4)
    ref.load_snapshot({"lastUpdateId": 10, "bids": [["30000.00", "1.2345"],
                                                    ["29999.50", "0.0001"]],
                       "asks": [["30001.00", "5"]]})
    assert f.feed(snap(7, 1, 10)) == FOLLOW_SNAPSHOT and f.synced
    ups = [(11, 11, [(2999950, 0)], [(3000050, 7)]), (12, 13, [(2999000, 3)], []),
           (14, 14, [], [(3000100, 0)])]
    for i, (a, b, bb, aa) in enumerate(ups):
        assert f.feed(delta(7, 2 + i, a, b, bb, aa)) == FOLLOW_APPLIED
        ref.apply_levels(a, b, *arrays(bb), *arrays(aa))
    assert f.book.checksum(50) == ref.checksum(50)
    assert f.book.last_update_id == 14 and f.applied == 3


def test_follower_record_gap_owner_change_and_stale_owner() -> None:
    f = follower()
    f.feed(snap(7, 1, 10))
    assert f.feed(delta(7, 3, 11, 11, [(100, 1)])) == FOLLOW_RECORD_GAP and not f.synced
    assert f.feed(delta(7, 4, 12, 12)) == FOLLOW_IGNORED           # unsynced: wait
    assert f.feed(snap(7, 5, 12)) == FOLLOW_SNAPSHOT and f.synced
    assert f.feed(delta(9, 1, 13, 13)) == FOLLOW_OWNER_GAP           # new owner, no snapshot seen
    assert f.feed(snap(9, 1, 13)) == FOLLOW_NEW_OWNER and f.epoch == 9
    before = f.book.checksum(50)
    assert f.feed(delta(7, 6, 14, 14, [(2999999, 1)])) == FOLLOW_IGNORED  # a stale owner
    assert f.feed(snap(7, 7, 14)) == FOLLOW_IGNORED
    assert f.book.checksum(50) == before and f.synced


def test_follower_update_id_gap_and_stale_update() -> None:
    f = follower()
    f.feed(snap(1, 1, 10))
    assert f.feed(delta(1, 2, 5, 9)) == FOLLOW_STALE
    assert f.feed(delta(1, 3, 12, 12, [(100, 1)])) == FOLLOW_UPDATE_GAP and not f.synced


def test_follower_futures_previous_id() -> None:
    f = follower("futures")
    f.feed(snap(1, 1, 10, product="futures"))
    assert f.feed(delta(1, 2, 11, 12, [(100, 1)], prev=10)) == FOLLOW_APPLIED
    assert f.feed(delta(1, 3, 13, 13, prev=11)) == FOLLOW_UPDATE_GAP


def test_follower_rejects_other_symbol_and_precision() -> None:
    f = follower()
    other = encode_levels(KIND_SNAPSHOT, "eth_usdt", 2, 4, 1, 1, 1, 1, None, 0,
                          *arrays(BIDS), *arrays(ASKS))
    with pytest.raises(DecodeError, match="field=symbol"):
        f.feed(other)
    finer = encode_levels(KIND_SNAPSHOT, "btc_usdt", 3, 4, 1, 1, 1, 1, None, 0,
                          *arrays(BIDS), *arrays(ASKS))
    with pytest.raises(DecodeError, match="field=price_precision"):
        f.feed(finer)
    assert not f.synced and f.book.last_update_id == 0


def test_feed_many_equals_one_by_one() -> None:
    one, many = follower(), follower()
    ups = [delta(7, 2 + i, 11 + i, 11 + i, [(2999000 + i, i % 3)], [(3000200 + i, 1)])
           for i in range(40)]
    for f in (one, many):
        f.feed(snap(7, 1, 10))
    for r in ups:
        assert one.feed(r) == FOLLOW_APPLIED
    assert many.feed_many(ups[:1]) == FOLLOW_APPLIED
    assert many.feed_many(ups[1:]) == FOLLOW_APPLIED
    assert many.book.checksum(50) == one.book.checksum(50)
    assert (many.seq, many.applied, many.book.last_update_id) == (one.seq, 40, 50)


def test_feed_many_stops_at_gaps_and_skips_stale_owners() -> None:
    f = follower()
    f.feed(snap(7, 1, 10))
    old_owner = delta(6, 9, 11, 11, [(1, 1)])
    assert f.feed_many([old_owner, delta(7, 2, 11, 11, [(2999000, 1)])]) == FOLLOW_APPLIED
    assert f.ignored == 1 and f.book.last_update_id == 11
    # the third record skips a record number: the first two apply, then out of sync
    run = [delta(7, 3, 12, 12), delta(7, 4, 13, 13), delta(7, 6, 14, 14)]
    assert f.feed_many(run) == FOLLOW_RECORD_GAP and not f.synced
    assert f.book.last_update_id == 13 and f.stopped_at == 2
    assert f.feed_many([delta(7, 7, 15, 15)]) == FOLLOW_IGNORED
    f.feed(snap(7, 8, 20))
    assert f.feed_many([delta(8, 1, 21, 21)]) == FOLLOW_OWNER_GAP
    assert f.stopped_at == 0
    f.feed(snap(8, 1, 21))
    run = [delta(8, 2, 22, 22, [(2999000, 2)]), delta(8, 3, 24, 24)]
    assert f.feed_many(run) == FOLLOW_UPDATE_GAP
    assert f.stopped_at == 1 and f.book.last_update_id == 22


def test_feed_many_validates_before_applying() -> None:
    f = follower()
    f.feed(snap(7, 1, 10))
    good = delta(7, 2, 11, 11, [(2999000, 1)])
    with pytest.raises(DecodeError, match="field=magic"):
        f.feed_many([good, b"XXXX" + good[4:]])
    with pytest.raises(DecodeError, match="field=symbol"):
        f.feed_many([good, encode_levels(KIND_DELTA, "eth_usdt", 2, 4, 7, 3, 12, 12, None, 0,
                                         *arrays([]), *arrays([]))])
    assert f.book.last_update_id == 10 and f.synced and f.seq == 1


def test_feed_many_stops_before_a_record_that_is_not_a_delta() -> None:
    """A snapshot or a trade ends the run: the deltas before it apply, and
    ``taken`` says where the caller goes on (feeding that record by itself)."""
    f = follower()
    f.feed(snap(7, 1, 10))
    trade = encode_trade("btc_usdt", 2, 4, 7, 1, 1, 3000000, 1, 0, 0, False)
    run = [delta(7, 2, 11, 11, [(2999000, 1)]), delta(7, 3, 12, 12), snap(7, 4, 12),
           delta(7, 5, 13, 13)]
    assert f.feed_many(run) == FOLLOW_APPLIED
    assert (f.taken, f.seq, f.book.last_update_id, f.stopped_at) == (2, 3, 12, -1)
    assert f.feed_many(run[2:]) == FOLLOW_APPLIED and f.taken == 0 and f.seq == 3
    assert f.feed(run[2]) == FOLLOW_SNAPSHOT
    assert f.feed_many([run[3], trade]) == FOLLOW_APPLIED and f.taken == 1 and f.seq == 5
    assert f.feed_many([delta(7, 7, 14, 14)]) == FOLLOW_RECORD_GAP and f.taken == 0


# ---- two paths: the live subscription and the stream bring the same records ----

def test_follower_skips_records_it_already_has() -> None:
    """A consumer fed by the live path and the stream sees records twice:
    the second copy changes nothing, whichever kind it is."""
    f = follower()
    f.feed(snap(7, 1, 10))
    d2, d3 = delta(7, 2, 11, 11, [(2999000, 1)]), delta(7, 3, 12, 12, [(2999001, 2)])
    assert f.feed(d2) == FOLLOW_APPLIED and f.feed(d3) == FOLLOW_APPLIED
    before = (f.book.checksum(50), f.seq, f.applied)
    assert f.feed(d2) == FOLLOW_IGNORED and f.feed(snap(7, 1, 10)) == FOLLOW_IGNORED
    assert f.feed_many([d2, d3]) == FOLLOW_APPLIED
    assert (f.book.checksum(50), f.seq, f.applied) == before and f.synced
    # a run that starts with copies and goes on applies only the new ones
    d4 = delta(7, 4, 13, 13, [(2999002, 3)])
    assert f.feed_many([d3, d4]) == FOLLOW_APPLIED and f.seq == 4 and f.applied == 3
    # a newer snapshot of the same owner still loads
    assert f.feed(snap(7, 9, 20)) == FOLLOW_SNAPSHOT and f.book.last_update_id == 20


def test_position_says_what_feed_would_do_and_changes_nothing() -> None:
    from wexcore._record import POSITION_AHEAD, POSITION_BEHIND, POSITION_NEXT

    f = follower()
    assert f.position(delta(7, 2, 11, 11)) == POSITION_AHEAD      # no book yet
    assert f.position(snap(7, 1, 10)) == POSITION_NEXT
    f.feed(snap(7, 1, 10))
    cases = [(delta(7, 2, 11, 11), POSITION_NEXT), (delta(7, 1, 10, 10), POSITION_BEHIND),
             (delta(7, 3, 12, 12), POSITION_AHEAD), (delta(6, 9, 11, 11), POSITION_BEHIND),
             (delta(8, 1, 11, 11), POSITION_AHEAD), (snap(7, 1, 10), POSITION_BEHIND),
             (snap(7, 2, 11), POSITION_NEXT), (snap(8, 1, 11), POSITION_NEXT),
             (encode_trade("btc_usdt", 2, 4, 7, 1, 1, 100, 1, 0, 0, False), POSITION_BEHIND)]
    for rec, want in cases:
        assert f.position(rec) == want, Record(rec).seq
    assert (f.seq, f.epoch, f.synced, f.ignored, f.book.last_update_id) == (1, 7, True, 0, 10)
    with pytest.raises(DecodeError, match="field=magic"):
        f.position(b"XXXX" + delta(7, 2, 11, 11)[4:])


# ---- the feed's encoder: frame bytes -> record bytes -------------------------------

def _frame(data: dict) -> bytes:
    import orjson

    return orjson.dumps({"topic": "depth_update", "event": "depth_update@btc_usdt",
                         "data": {"s": "btc_usdt", **data}})


@pytest.mark.parametrize("futures", [False, True])
@pytest.mark.parametrize("n", [0, 1, 17, 3000])
def test_delta_encoder_equals_the_reference_layout(futures: bool, n: int) -> None:
    """Frame -> record in one call, against the struct layout built from the
    frame's own decimal text (3,000 levels grows the encoder's arrays)."""
    from wexcore._record import DeltaEncoder

    bids = [(300000 - i, (i * 7) % 5000) for i in range(n)]
    asks = [(300100 + i, 1 + i) for i in range(n // 2)]
    text = {"b": [[str(Decimal(p).scaleb(-2)), str(Decimal(q).scaleb(-4))] for p, q in bids],
            "a": [[str(Decimal(p).scaleb(-2)), str(Decimal(q).scaleb(-4))] for p, q in asks]}
    ids = {"fu": 100, "u": 104, "pu": 99} if futures else {"fi": 100, "i": 104}
    enc = DeltaEncoder("btc_usdt", 2, 4, futures)
    assert enc.decode(_frame({**ids, **text})) == len(bids) + len(asks)
    assert (enc.first_id, enc.last_id) == (100, 104)
    assert enc.previous_id == (99 if futures else None)
    got = enc.record(3, 8, 12345)
    assert got == ref_record(KIND_DELTA, "btc_usdt", 2, 4, 3, 8, 100, 104,
                             99 if futures else None, 12345, bids, asks, futures=futures)


def test_delta_encoder_refuses_bad_frames_by_field() -> None:
    from wexcore._record import DeltaEncoder
    from wexcore.errors import PrecisionError

    enc = DeltaEncoder("btc_usdt", 2, 4)
    with pytest.raises(ValueError, match="no decoded frame"):
        enc.record(1, 1, 0)
    with pytest.raises(PrecisionError):
        enc.decode(_frame({"fi": 1, "i": 1, "b": [["1.001", "1"]], "a": []}))
    with pytest.raises(DecodeError):
        enc.decode(b'{"data": {"b": [["1", ')
    with pytest.raises(TypeError):
        enc.decode(bytearray(b"{}"))  # type: ignore[arg-type]
    assert enc.decode(_frame({"b": [["1.00", "1"]], "a": []})) == 1
    assert enc.first_id is None
    with pytest.raises(ValueError, match="no update ids"):
        enc.record(1, 1, 0)
    enc.decode(_frame({"fi": 5, "i": 5, "b": [["0", "1"]], "a": []}))
    with pytest.raises(ValueError, match="bids"):
        enc.record(1, 1, 0)
