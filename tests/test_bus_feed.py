"""Feeds and consumers on a real nats-server against the simulator.

One run goes through what the bus must survive — two feed processes sharing
the symbols, one of them killed with SIGKILL, the broker itself killed and
restarted on its store, a consumer that starts late and one whose loop
stalls — and at the end every consumer's book equals the simulator's (top
50 levels and the update id).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bus_support import (
    ThreadedBooks,
    book_levels,
    pid_of,
    sim_levels,
    start_feed,
    stop_feed,
    until,
)
from wexcore.bus import BusBooks, layout, leases_bucket
from wexcore.bus.server import NatsServer, wait_jetstream
from wexcore.sim import Simulator

SYMBOLS = ["btc_usdt", "eth_usdt"]


async def lease_owners(kv) -> dict[str, int]:
    owners = {}
    for sym in SYMBOLS:
        try:
            entry = await kv.get(f"sym.{sym}")
        except Exception:  # noqa: BLE001 - not held (or the broker is restarting)
            continue
        if entry.value:
            owners[sym] = pid_of(entry.value.decode())
    return owners


def assert_books_equal_sim(books_levels: dict[str, dict], ids: dict[str, int], sim) -> None:
    for sym in SYMBOLS:
        assert ids[sym] == sim.published_update_id(sym), sym
        assert books_levels[sym] == sim_levels(sim.book_snapshot(sym, depth=50)), sym


async def test_two_feeds_kill9_broker_restart_late_and_slow_consumers(tmp_path: Path) -> None:
    srv = NatsServer(store_dir=str(tmp_path / "store")).start()
    feeds = []
    slow = None
    try:
        async with Simulator(symbols=SYMBOLS, step_interval=0.01, depth_interval=0.02) as sim:
            await wait_jetstream(srv.url)
            feeds = [start_feed(srv.url, sim, SYMBOLS, tmp_path, f"feed{i}") for i in range(2)]
            nc = await layout.connect(srv.url, name="test")
            try:
                async with BusBooks(SYMBOLS, nats_url=srv.url) as early:
                    slow = ThreadedBooks(SYMBOLS, srv.url, pending_msgs_limit=16)
                    slow.start()
                    await early.wait_synced(30)

                    kv = await until(lambda: _kv(nc), 20, "the lease bucket")
                    pids = {f.pid for f in feeds}
                    owners = await until(
                        lambda: _split(kv, pids), 20, "both feeds owning one symbol each")

                    # kill -9 the owner of btc_usdt: the other feed takes it over
                    victim = next(f for f in feeds if f.pid == owners["btc_usdt"])
                    survivor = next(f for f in feeds if f is not victim)
                    epoch = early["btc_usdt"].epoch
                    t0 = time.monotonic()
                    victim.kill()
                    victim.wait(10)

                    async def taken_over() -> bool:
                        o = await lease_owners(kv)
                        b = early["btc_usdt"]
                        return o.get("btc_usdt") == survivor.pid and b.epoch > epoch \
                            and b.synced

                    await until(taken_over, 10, "the survivor publishing btc_usdt")
                    takeover = time.monotonic() - t0
                    assert takeover < 10
                    assert any(ev.reason == "owner" for ev in early.resync_events)

                    # a slow consumer falls behind while the broker restarts
                    slow.stall(1.0)
                    before = early["eth_usdt"].last_update_id
                    srv.kill()
                    srv.start()
                    await until(lambda: early["eth_usdt"].last_update_id > before and
                                early["btc_usdt"].synced, 20,
                                "books moving again after the broker restart")

                    async with BusBooks(SYMBOLS, nats_url=srv.url) as late:
                        await late.wait_synced(20)
                        slow.stall(0.5)
                        await sim.quiesce()
                        final = {s: sim.published_update_id(s) for s in SYMBOLS}

                        def caught_up(bb: BusBooks) -> bool:
                            return all(bb[s].synced and bb[s].last_update_id == final[s]
                                       for s in SYMBOLS)

                        for bb in (early, late):
                            await until(lambda bb=bb: caught_up(bb), 15, "a consumer catching up")
                            assert_books_equal_sim({s: book_levels(bb[s].book) for s in SYMBOLS},
                                                   {s: bb[s].last_update_id for s in SYMBOLS},
                                                   sim)
                        await until(lambda: slow.call(caught_up), 15, "the slow consumer")
                        levels = slow.call(lambda bb: {s: book_levels(bb[s].book)
                                                       for s in SYMBOLS})
                        ids = slow.call(lambda bb: {s: bb[s].last_update_id for s in SYMBOLS})
                        assert_books_equal_sim(levels, ids, sim)
            finally:
                await nc.close()
    finally:
        if slow is not None:
            slow.close()
        for f in feeds:
            stop_feed(f)
        srv.close()


async def _kv(nc):
    try:
        return await nc.jetstream().key_value(leases_bucket("spot", "t"))
    except Exception:  # noqa: BLE001 - not created yet
        return None


async def _split(kv, pids) -> dict[str, int] | None:
    owners = await lease_owners(kv)
    if len(owners) == 2 and set(owners.values()) == pids:
        return owners
    return None


@pytest.mark.parametrize("product", ["futures"])
async def test_futures_feed_in_process(tmp_path: Path, product: str) -> None:
    """A futures book (``pu`` checked on every delta) through an in-process
    feed; the consumer starts before any snapshot exists."""
    from wexcore.bus import Feed

    with NatsServer(store_dir=str(tmp_path / "store")) as srv:
        # futures_depth_limit: the top 50 are compared with the sim's, so the
        # futures snapshot must reach below them (the spec's default is 50)
        async with Simulator(symbols=["btc_usdt"], step_interval=0.01,
                             depth_interval=0.02, futures_depth_limit=500) as sim:
            await wait_jetstream(srv.url)
            async with BusBooks(["btc_usdt"], nats_url=srv.url, product=product) as books:
                async with Feed(["btc_usdt"], nats_url=srv.url, product=product,
                                rest_url=sim.rest_url, ws_url=sim.ws_url, lease_ttl=1.0,
                                snapshot_interval=0.5) as feed:
                    await books.wait_synced(20)
                    await until(lambda: books["btc_usdt"].follower.applied > 20, 20,
                                "deltas applied")
                    await sim.quiesce()
                    final = sim.published_update_id("btc_usdt", product)
                    await until(lambda: books["btc_usdt"].last_update_id == final, 10,
                                "the consumer catching up")
                    assert book_levels(books["btc_usdt"].book) == sim_levels(
                        sim.book_snapshot("btc_usdt", product, depth=50))
                    assert feed.counters.trades > 0 and feed.counters.publish_errors == 0
                    assert books.resyncs == 0


async def test_hostile_records_and_the_books_command(tmp_path: Path) -> None:
    """Garbage and a forged delta of a higher epoch on a book subject: the
    consumer counts them, resyncs from KV and ends equal to the simulator.
    ``wexcore books --plain`` shows the synced book meanwhile."""
    import asyncio
    import sys

    import numpy as np

    from wexcore._record import KIND_DELTA, encode_levels
    from wexcore.bus import Feed, book_subject

    with NatsServer(store_dir=str(tmp_path / "store")) as srv:
        async with Simulator(symbols=SYMBOLS, step_interval=0.01, depth_interval=0.02) as sim:
            await wait_jetstream(srv.url)
            async with Feed(SYMBOLS, nats_url=srv.url, rest_url=sim.rest_url,
                            ws_url=sim.ws_url, lease_ttl=1.0, snapshot_interval=0.5):
                async with BusBooks(SYMBOLS, nats_url=srv.url) as books:
                    await books.wait_synced(20)
                    cli = await asyncio.create_subprocess_exec(
                        sys.executable, "-m", "wexcore", "books", *SYMBOLS, "--nats", srv.url,
                        "--plain", "--seconds", "2", stdout=asyncio.subprocess.PIPE,
                        stderr=asyncio.subprocess.PIPE)
                    nc = await layout.connect(srv.url, name="hostile")
                    try:
                        subject = book_subject("spot", "btc_usdt")
                        await nc.publish(subject, b"not a record")
                        b = books["btc_usdt"]
                        forged = encode_levels(
                            KIND_DELTA, "btc_usdt", b.book.price_precision,
                            b.book.quantity_precision, 2**62, 1, b.last_update_id + 1,
                            b.last_update_id + 1, None, 0, np.array([1], np.int64),
                            np.array([1], np.int64), np.array([], np.int64),
                            np.array([], np.int64))
                        await nc.publish(subject, forged)
                        await nc.flush()
                    finally:
                        await nc.close()
                    await until(lambda: books["btc_usdt"].bad_records >= 1 and any(
                        e.reason == "owner" for e in books.resync_events), 10,
                        "both hostile records reported")
                    out, err = await asyncio.wait_for(cli.communicate(), 30)
                    assert cli.returncode == 0, err
                    lines = out.decode().splitlines()
                    assert any("btc_usdt" in x and " synced " in x for x in lines), lines
                    await sim.quiesce()
                    final = {s: sim.published_update_id(s) for s in SYMBOLS}
                    await until(lambda: all(books[s].synced and books[s].last_update_id ==
                                            final[s] for s in SYMBOLS), 15, "catching up")
                    for s in SYMBOLS:
                        assert book_levels(books[s].book) == sim_levels(
                            sim.book_snapshot(s, depth=50)), s
                    # one resync for the forged record, not a loop over its replays
                    assert [e.reason for e in books.resync_events] == ["owner"]
                    # each is skipped once, and again if the resync's replay from the
                    # KV snapshot passes it (a snapshot published since then does not)
                    assert 1 <= books["btc_usdt"].bad_records <= 3
