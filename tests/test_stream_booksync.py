"""BookSync (the live book's sans-I/O state machine) with hand-built frames.

Expectations come from a plain dict model of the spec's procedure, written
here independently of the kernel.
"""

from __future__ import annotations

import orjson
import pytest

from wexcore import DecodeError, OrderBook
from wexcore.stream.livebook import BookSync, LatencyStats


def spot_update(first: int, last: int, bids=(), asks=()) -> bytes:
    return orjson.dumps({"topic": "depth_update", "event": "depth_update@btc_usdt", "data": {
        "s": "btc_usdt", "fi": first, "i": last,
        "a": [[p, q] for p, q in asks], "b": [[p, q] for p, q in bids]}})


def futures_update(first: int, last: int, bids=(), asks=(), t=1700000000000) -> bytes:
    return orjson.dumps({"topic": "depth_update", "event": "depth_update@btc_usdt", "data": {
        "s": "btc_usdt", "pu": first - 1, "fu": first, "u": last,
        "a": [[p, q] for p, q in asks], "b": [[p, q] for p, q in bids], "t": t}})


def spot_snapshot(last_id: int, bids, asks) -> bytes:
    return orjson.dumps({"rc": 0, "mc": "SUCCESS", "ma": [], "result": {
        "timestamp": 1, "lastUpdateId": last_id,
        "bids": [[p, q] for p, q in bids], "asks": [[p, q] for p, q in asks]}})


class Model:
    """The spec's book: absolute quantities per price, 0 removes."""

    def __init__(self, bids, asks):
        self.bids = {p: q for p, q in bids}
        self.asks = {p: q for p, q in asks}

    def apply(self, bids=(), asks=()):
        for side, levels in ((self.bids, bids), (self.asks, asks)):
            for p, q in levels:
                if float(q) == 0:
                    side.pop(p, None)
                else:
                    side[p] = q

    def top(self, n=50):
        b = sorted(((float(p), float(q)) for p, q in self.bids.items()), reverse=True)[:n]
        a = sorted((float(p), float(q)) for p, q in self.asks.items())[:n]
        return b, a


def book_top(book, n=50):
    return ([tuple(x) for x in book.bids(n).tolist()], [tuple(x) for x in book.asks(n).tolist()])


SNAP_BIDS = [("100.00", "1.0"), ("99.00", "2.0")]
SNAP_ASKS = [("101.00", "1.5"), ("102.00", "3.0")]


def make(product="spot", **kw):
    resyncs = []
    sync = BookSync(OrderBook("btc_usdt", 2, 1, product=product), product=product,
                    on_resync=resyncs.append, **kw)
    return sync, resyncs


def test_buffers_until_snapshot_then_drops_stale_and_applies_from_straddling_event():
    sync, _ = make()
    u1 = spot_update(5, 9, bids=[("100.00", "7.0")])        # i <= 10: dropped (step 4)
    u2 = spot_update(10, 12, asks=[("101.00", "0")])        # straddles 11 (step 5)
    u3 = spot_update(13, 13, bids=[("98.00", "4.0")])       # continues (step 6)
    for f in (u1, u2, u3):
        sync.feed(f)
    assert not sync.synced and len(sync.buffer) == 3
    assert sync.on_snapshot(spot_snapshot(10, SNAP_BIDS, SNAP_ASKS)) is True
    model = Model(SNAP_BIDS, SNAP_ASKS)
    model.apply(asks=[("101.00", "0")])
    model.apply(bids=[("98.00", "4.0")])
    assert sync.synced and sync.book.last_update_id == 13
    assert book_top(sync.book) == model.top()
    assert sync.stale == 1 and sync.applied == 2 and sync.resyncs == 0


def test_snapshot_older_than_buffer_asks_for_another_and_keeps_the_frames():
    sync, _ = make()
    sync.feed(spot_update(20, 25))
    assert sync.on_snapshot(spot_snapshot(10, SNAP_BIDS, SNAP_ASKS)) is False
    assert sync.wants_snapshot and not sync.synced and len(sync.buffer) == 1
    assert sync.on_snapshot(spot_snapshot(22, SNAP_BIDS, SNAP_ASKS)) is True
    assert sync.book.last_update_id == 25 and sync.snapshots == 2


def test_gap_while_synced_resyncs_once_and_buffers_the_gap_frame():
    sync, resyncs = make()
    sync.on_snapshot(spot_snapshot(10, SNAP_BIDS, SNAP_ASKS))
    sync.feed(spot_update(11, 11))
    sync.feed(spot_update(13, 14))  # 12 is missing
    assert not sync.synced and sync.resyncs == 1
    assert [r.reason for r in resyncs] == ["gap"]
    sync.feed(spot_update(15, 15))
    assert len(sync.buffer) == 2  # the gap frame and what followed
    assert sync.on_snapshot(spot_snapshot(14, SNAP_BIDS, SNAP_ASKS))
    assert sync.book.last_update_id == 15 and sync.resyncs == 1


def test_duplicate_frame_is_stale_not_a_gap():
    sync, _ = make()
    sync.on_snapshot(spot_snapshot(10, SNAP_BIDS, SNAP_ASKS))
    f = spot_update(11, 12, bids=[("100.00", "5.0")])
    sync.feed(f)
    sync.feed(f)
    assert sync.synced and sync.resyncs == 0 and sync.stale == 1


def test_crossed_book_resyncs():
    sync, resyncs = make()
    sync.on_snapshot(spot_snapshot(10, SNAP_BIDS, SNAP_ASKS))
    sync.feed(spot_update(11, 11, bids=[("101.50", "1.0")]))  # bid above best ask 101
    assert not sync.synced and [r.reason for r in resyncs] == ["crossed"]


def test_undecodable_frame_resyncs():
    sync, resyncs = make()
    sync.on_snapshot(spot_snapshot(10, SNAP_BIDS, SNAP_ASKS))
    sync.feed(b'{"topic":"depth_update","event":"depth_update@btc_usdt","data":{"s":"btc_usdt",'
              b'"fi":11,"i":11,"a":[["x","1"]],"b":[]}}')
    assert not sync.synced and [r.reason for r in resyncs] == ["decode_error"]


def test_reconnect_clears_the_buffer_and_counts_once():
    sync, resyncs = make()
    sync.on_snapshot(spot_snapshot(10, SNAP_BIDS, SNAP_ASKS))
    sync.lose_sync("reconnect")
    sync.feed(spot_update(30, 31))
    sync.lose_sync("reconnect")  # a second state event of the same reconnect
    assert sync.resyncs == 1 and len(sync.buffer) == 0


def test_buffer_is_bounded():
    sync, _ = make(max_buffer=4)
    for i in range(10):
        sync.feed(spot_update(i + 1, i + 1))
    assert len(sync.buffer) == 4 and sync.buffer_overflows == 6


def test_futures_ids_and_exchange_latency_recorded():
    stats = LatencyStats(size=8)
    sync, _ = make("futures", stats=stats)
    snap = orjson.dumps({"returnCode": 0, "msgInfo": "success", "error": None, "result": {
        "s": "btc_usdt", "t": 1, "u": 50, "b": [list(x) for x in SNAP_BIDS],
        "a": [list(x) for x in SNAP_ASKS]}})
    assert sync.on_snapshot(snap)
    t_ms = 1_700_000_000_000
    sync.feed(futures_update(51, 52, bids=[("99.50", "1.0")], t=t_ms),
              received_ns=t_ms * 10**6 + 250_000)
    sync.feed(futures_update(54, 55), received_ns=1)  # pu=53 != 52: gap
    assert sync.resyncs == 1
    s = stats.summary()
    assert s["apply"]["count"] == 1
    assert s["exchange_to_receive"]["count"] == 1
    assert s["exchange_to_receive"]["p50_us"] == pytest.approx(250.0)


def test_latency_ring_is_fixed_size():
    stats = LatencyStats(size=4)
    for i in range(10):
        stats.record_apply(i * 1000)
    s = stats.summary()["apply"]
    assert s["count"] == 10 and s["max_us"] == 9.0 and s["p50_us"] >= 6.0


def test_crossed_snapshot_is_refused():
    sync, _ = make()
    sync.feed(spot_update(11, 11))
    assert sync.on_snapshot(spot_snapshot(10, [("102.00", "1.0")], SNAP_ASKS)) is False
    assert sync.wants_snapshot and not sync.synced and len(sync.buffer) == 1
    assert sync.on_snapshot(spot_snapshot(10, SNAP_BIDS, SNAP_ASKS)) is True


# ---- staleness rules ----------------------------------------------------------------


def synced_at(last_id=100, **kw):
    sync, resyncs = make(**kw)
    assert sync.on_snapshot(spot_snapshot(last_id, SNAP_BIDS, SNAP_ASKS)) is True
    return sync, resyncs


def test_an_implausible_id_jump_resyncs_at_once():
    sync, resyncs = synced_at()
    sync.feed(spot_update(101, 2**63 - 1, bids=[("100.00", "9.0")]))
    assert not sync.synced and sync.wants_snapshot
    assert [e.reason for e in resyncs] == ["id_jump"]
    assert str(2**63 - 1) in resyncs[0].detail
    # the real updates that follow wait for the next snapshot; none is "stale"
    sync.feed(spot_update(101, 101, bids=[("99.00", "1.0")]))
    assert sync.stale == 0 and len(sync.buffer) == 1
    assert sync.on_snapshot(spot_snapshot(100, SNAP_BIDS, SNAP_ASKS)) is True
    model = Model(SNAP_BIDS, SNAP_ASKS)
    model.apply(bids=[("99.00", "1.0")])
    assert book_top(sync.book) == model.top() and sync.book.last_update_id == 101


def test_a_big_but_plausible_frame_is_applied():
    sync, resyncs = synced_at()
    sync.feed(spot_update(101, 100 + 2**32, bids=[("99.00", "1.0")]))  # exactly the bound
    assert sync.synced and resyncs == [] and sync.applied == 1


def test_many_stale_frames_in_a_row_resync():
    # the book's id ran ahead of the stream (a bad frame that continued the
    # sequence): every real update is then "stale"
    sync, resyncs = synced_at(last_id=1000)
    for i in range(19):
        sync.feed(spot_update(900 + i, 900 + i))
    assert sync.synced and sync.stale == 19
    sync.feed(spot_update(990, 990))
    assert not sync.synced
    assert [e.reason for e in resyncs] == ["stale_frames"]
    assert "20 frames in a row older than the book's update id 1000" in resyncs[0].detail
    assert sync.resync_reasons == {"stale_frames": 1}


def test_an_applied_frame_restarts_the_stale_count():
    sync, resyncs = synced_at()
    for round_ in range(3):
        for _ in range(19):
            sync.feed(spot_update(50, 60))  # repeats: stale
        sync.feed(spot_update(101 + round_, 101 + round_))
    assert sync.synced and resyncs == [] and sync.stale == 57 and sync.stale_run == 0


@pytest.mark.parametrize("kw", [{"max_stale_run": 0}, {"max_id_jump": 0}])
def test_zero_disables_a_rule(kw):
    sync, resyncs = synced_at(**kw)
    if "max_stale_run" in kw:
        for _ in range(100):
            sync.feed(spot_update(1, 2))
    else:
        sync.feed(spot_update(101, 2**63 - 1))
    assert sync.synced and resyncs == []


def test_bad_rule_values_are_refused():
    with pytest.raises(ValueError, match="max_stale_run"):
        make(max_stale_run=-1)


# ---- one validation for every input path --------------------------------------------

# {lit} is a quantity as sent; the second template's escaped symbol sends the
# whole frame down the kernel's validating (fallback) path
TEMPLATES = [
    '{{"topic":"depth_update","event":"depth_update@btc_usdt","data":{{"s":"btc_usdt",'
    '"fi":101,"i":101,"b":[["99.00",{lit}]],"a":[]}}}}',
    '{{"topic":"depth_update","event":"depth_update@btc_usdt","data":{{"s":"btc\\u005fusdt",'
    '"fi":101,"i":101,"b":[["99.00",{lit}]],"a":[]}}}}',
]


def outcome(sync_or_book, message):
    try:
        if isinstance(sync_or_book, BookSync):
            sync_or_book.feed(message)
            return "applied" if sync_or_book.synced else "resync"
        sync_or_book.apply(message)
        return "applied"
    except Exception as exc:  # noqa: BLE001 - the kind of error is the outcome
        return type(exc).__name__


@pytest.mark.parametrize(("lit", "want"), [
    ('"1.5"', "applied"), ("1.5", "applied"), ("15e-1", "applied"), ('"0"', "applied"),
    ("-0", "DecodeError"), ('"-0"', "DecodeError"), ("-0.0", "DecodeError"),
    ("1e-400", "PrecisionError"), ('"1e-400"', "PrecisionError"),
    ("0.00001", "PrecisionError"), ('"abc"', "DecodeError"), ("true", "DecodeError"),
])
@pytest.mark.parametrize("template", TEMPLATES, ids=["scanner", "validating-path"])
def test_bytes_and_text_are_validated_alike_on_every_path(template, lit, want):
    text = template.format(lit=lit)
    for message in (text.encode(), text):
        sync, _ = synced_at()
        assert outcome(sync.book, message) == want, message
    sync, _ = synced_at()  # the live book's path: the same verdict, a bad frame resyncs
    assert outcome(sync, text.encode()) == ("applied" if want == "applied" else "resync")


@pytest.mark.parametrize("value", [0.0, 1.5, 1e-400, -0.0])
def test_a_decoded_float_is_refused_it_may_have_been_rounded(value):
    # orjson turns the literal 1e-400 into 0.0: a removal the bytes path refuses
    sync, _ = synced_at()
    msg = {"data": {"s": "btc_usdt", "fi": 101, "i": 101, "b": [["99.00", value]], "a": []}}
    with pytest.raises(DecodeError, match=r"not an exact decimal.*field=bids\[0\]\.quantity"):
        sync.book.apply(msg)
    assert sync.book.last_update_id == 100 and book_top(sync.book)[0][0] == (100.0, 1.0)


def test_decoded_text_int_and_decimal_are_exact():
    from decimal import Decimal

    for value in ("1.5", 2, Decimal("1.5")):
        sync, _ = synced_at()
        sync.book.apply({"data": {"fi": 101, "i": 101, "b": [["99.00", value]], "a": []}})
        assert (99.0, float(value)) in book_top(sync.book)[0]


LIMITED = (b'{"topic":"depth","event":"depth@%s,20","data":{"s":"%s",%s"a":[["105.00","1.0"]],'
           b'"b":[["104.00","1.0"]]}}')


@pytest.mark.parametrize("method", ["apply", "replace"])
def test_a_limited_depth_frame_must_be_for_the_book_and_carry_an_id(method):
    book = OrderBook("btc_usdt", 2, 1)
    with pytest.raises(DecodeError, match=r"message is for 'eth_usdt'.*field=event"):
        getattr(book, method)(LIMITED % (b"eth_usdt", b"eth_usdt", b'"i":20,'))
    with pytest.raises(DecodeError, match=r"without an update id.*field=i"):
        getattr(book, method)(LIMITED % (b"btc_usdt", b"btc_usdt", b""))
    assert book.bid_count == 0 and book.last_update_id == 0  # nothing applied
    # the event names the symbol; the spec's futures example has s=btc_index
    getattr(book, method)(LIMITED % (b"btc_usdt", b"btc_index", b'"i":20,'))
    assert book.last_update_id == 20 and book.best_bid()[0] == 104.0
