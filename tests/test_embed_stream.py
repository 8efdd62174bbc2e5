"""The stream router hands depth frames to live books through the C API.

A book feed's frames go from the router to the book without a Python call;
these tests check what that path must keep: the same outcomes as the Python
``deliver``, and a subclass that overrides ``deliver`` still being called.
"""

from __future__ import annotations

import orjson

from wexcore import OrderBook
from wexcore._stream import BookFeed, Router
from wexcore.stream.livebook import BookSync

SNAP = orjson.dumps({"rc": 0, "mc": "SUCCESS", "ma": [], "result": {
    "lastUpdateId": 10, "bids": [["100.00", "1.0"]], "asks": [["101.00", "2.0"]]}})


def update(first, last, bids=(), asks=()):
    return orjson.dumps({"topic": "depth_update", "event": "depth_update@btc_usdt", "data": {
        "s": "btc_usdt", "fi": first, "i": last, "b": [list(x) for x in bids],
        "a": [list(x) for x in asks]}})


def router_for(*sinks):
    control = []
    r = Router(lambda ev: (tuple(sinks), False), control.append, lambda frame: None,
               lambda frame: None)
    return r, control


def synced_sync():
    sync = BookSync(OrderBook("btc_usdt", 2, 1))
    assert sync.on_snapshot(SNAP)
    return sync


def test_router_feeds_books_and_other_sinks():
    sync = synced_sync()
    seen = []
    r, _ = router_for(sync.deliver, lambda f, d, ns: seen.append((f, d, ns)))
    f1 = update(11, 11, bids=[("100.50", "3.0")])
    r.feed(f1, 123)
    r.feed(update(5, 9))                                   # stale
    r.feed(update(12, 12, asks=[("100.00", "1.0")]))       # crosses: loses sync
    assert sync.applied == 1 and sync.stale == 1
    assert sync.book.best_bid_ticks() == (10050, 30)
    assert not sync.synced and sync.last_resync.reason == "crossed"
    assert seen[0] == (f1, None, 123) and len(seen) == 3


def test_gap_and_bad_frame_through_the_router():
    sync = synced_sync()
    r, _ = router_for(sync.deliver)
    gap = update(13, 13)
    r.feed(gap)
    assert not sync.synced and sync.last_resync.reason == "gap"
    assert "expected update id 11, received 13" in sync.last_resync.detail
    assert list(sync.buffer) == [gap]

    sync = synced_sync()
    r, _ = router_for(sync.deliver)
    r.feed(update(11, 11, bids=[("100.001", "1.0")]))
    assert not sync.synced and sync.last_resync.reason == "decode_error"
    assert "bids[0].price" in sync.last_resync.detail
    assert sync.book.last_update_id == 10


def test_a_subclass_that_overrides_deliver_is_still_called():
    calls = []

    class Counting(BookSync):
        def deliver(self, frame, decoded, received_ns):
            calls.append(frame)
            super().deliver(frame, decoded, received_ns)

    sync = Counting(OrderBook("btc_usdt", 2, 1))
    assert sync.on_snapshot(SNAP)
    r, _ = router_for(sync.deliver)
    frame = update(11, 11)
    r.feed(frame)
    assert calls == [frame] and sync.applied == 1


def test_str_frames_take_the_python_path():
    # the router turns text into bytes; a sink fed directly may get str
    sync = synced_sync()
    sync.feed(update(11, 11, bids=[("99.00", "5.0")]).decode())
    assert sync.applied == 1 and sync.book.bid_count == 2
    sync.feed(update(13, 13).decode())
    assert not sync.synced and sync.last_resync.reason == "gap"
    assert isinstance(sync, BookFeed)
