"""The consumer's two paths on a real nats-server: records applied from the
live (core) subscription, the JetStream stream only to catch up.

The live subscription is made to lose chosen records (the callback gets the
record before it instead, which the follower skips as already applied), so
a hole on the live path is exact and repeatable: the hole must be filled
from the stream without reloading the book, and a hole at the very end
(nothing follows to show it) must be found after a reconnect.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bus_support import WorkloadFeed, book_equals_workload, until
from wexcore._record import Record
from wexcore.bus import BusBooks, layout
from wexcore.bus.books import BusBook
from wexcore.bus.server import NatsServer, wait_jetstream
from wexcore.workload import generate

SYMBOL = "btc_usdt"


@pytest.fixture
def lose_live(monkeypatch: pytest.MonkeyPatch) -> set[int]:
    """Record numbers the live subscription loses (each once)."""
    lost: set[int] = set()
    make = BusBook._callback

    def losing(self: BusBook, live: bool, gen: int = 0) -> Any:
        cb = make(self, live, gen)
        if not live:
            return cb
        previous: list[bytes] = []

        async def on_live(msg: Any) -> None:
            seq = Record(msg.data).seq
            if seq in lost and previous:
                lost.discard(seq)
                msg.data = previous[0]  # a copy the follower already has
            else:
                previous[:] = [msg.data]
            await cb(msg)

        return on_live

    monkeypatch.setattr(BusBook, "_callback", losing)
    return lost


@contextlib.asynccontextmanager
async def following(url: str, w: Any) -> AsyncIterator[tuple[WorkloadFeed, BusBooks, BusBook]]:
    """A workload feed and a consumer that has caught up and gone live: the
    first records after the KV snapshot end its catch-up."""
    nc = await layout.connect(url, name="test feed")
    try:
        feed = await WorkloadFeed(nc, w).start()
        async with BusBooks([SYMBOL], nats_url=url) as books:
            b = books[SYMBOL]
            await books.wait_synced(10)
            last = await feed.publish(5)
            await until(lambda: b.last_update_id == last and not b.catching_up, 10,
                        "the live path taking over")
            assert b._sub is None  # no stream consumer in the steady state
            yield feed, books, b
    finally:
        await nc.close()


async def test_live_gap_is_filled_from_the_stream_and_the_book_kept(
        tmp_path: Path, lose_live: set[int]) -> None:
    w = generate(500, 300)
    with NatsServer(store_dir=str(tmp_path / "store")) as srv:
        await wait_jetstream(srv.url)
        async with following(srv.url, w) as (feed, books, b):
            assert b.follower is not None
            applied_live = b.follower.applied

            lose_live.add(40)  # frame 38: a record the live path never sees
            last = await feed.publish(100)
            await until(lambda: b.last_update_id == last, 10, "the hole filled")
            assert [e.reason for e in books.resync_events] == ["gap"]
            assert b.follower.snapshots == 1  # the book was kept, not reloaded
            assert b.follower.applied == applied_live + 100

            last = await feed.publish(len(w.messages) - feed.sent)
            await until(lambda: b.last_update_id == last and not b.catching_up, 10,
                        "the live path again")
            book_equals_workload(b.book, w)
            assert b._sub is None and books.resyncs == 1 and b.bad_records == 0


async def test_a_lost_last_record_is_found_after_a_reconnect(
        tmp_path: Path, lose_live: set[int]) -> None:
    """Nothing follows the lost record, so no gap shows; the broker's restart
    (the consumer reconnects) makes the consumer compare its book with the
    stream's last record and catch up, without counting a resync."""
    w = generate(500, 60)
    srv = NatsServer(store_dir=str(tmp_path / "store")).start()
    try:
        await wait_jetstream(srv.url)
        async with following(srv.url, w) as (feed, books, b):
            lose_live.add(len(w.messages) + 1)  # the last frame's record
            last = await feed.publish(len(w.messages) - feed.sent)
            await until(lambda: b.last_update_id == int(w.updates[-2][1]), 10,
                        "all but the lost record")
            assert b.last_update_id != last and not lose_live
            srv.kill()
            srv.start()
            await until(lambda: b.last_update_id == last, 15,
                        "the lost record, from the stream after the reconnect")
            book_equals_workload(b.book, w)
            assert books.resyncs == 0 and b.follower is not None \
                and b.follower.snapshots == 1
    finally:
        srv.close()


async def test_a_record_lost_before_the_server_waits_for_the_next_snapshot(
        tmp_path: Path) -> None:
    """A record that never reached the server is a hole in both paths: the
    stream cannot fill it, so the consumer reloads from KV, replays up to the
    same hole, and must not do that in a tight loop; the feed's next
    snapshot (live) ends it with the right book."""
    import asyncio
    import time

    w = generate(500, 200)
    with NatsServer(store_dir=str(tmp_path / "store")) as srv:
        await wait_jetstream(srv.url)
        async with following(srv.url, w) as (feed, books, b):
            await feed.publish(50, lose=(20,))
            t0 = time.monotonic()
            await until(lambda: books.resyncs >= 2, 10, "the hole seen on both paths")
            await asyncio.sleep(1.5)  # the feed's snapshot cadence, shortened
            lost_for = time.monotonic() - t0
            # a gap (live), then reloads at most about twice a second
            assert books.resyncs <= 3 + 2 * lost_for, books.resync_events
            assert b.last_update_id < int(w.updates[20][1])
            await feed.snapshot()
            last = await feed.publish(len(w.messages) - feed.sent)
            await until(lambda: b.last_update_id == last and b.synced, 10,
                        "the next snapshot and what follows it")
            book_equals_workload(b.book, w)
