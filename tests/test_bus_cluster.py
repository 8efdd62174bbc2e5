"""A 3-node JetStream cluster on loopback (stream and buckets with 3
replicas): one node is killed mid-run and the books stay right."""

from __future__ import annotations

from bus_support import book_levels, sim_levels, until
from wexcore.bus import BusBooks, Feed
from wexcore.bus.server import NatsCluster, wait_jetstream
from wexcore.sim import Simulator

SYMBOLS = ["btc_usdt", "eth_usdt"]


async def test_cluster_node_killed_books_stay_right() -> None:
    with NatsCluster(3) as cluster:
        await wait_jetstream(cluster.url, timeout=30)
        async with Simulator(symbols=SYMBOLS, step_interval=0.01, depth_interval=0.02) as sim:
            async with Feed(SYMBOLS, nats_url=cluster.url, rest_url=sim.rest_url,
                            ws_url=sim.ws_url, replicas=3, lease_ttl=2.0,
                            snapshot_interval=0.5) as feed:
                async with BusBooks(SYMBOLS, nats_url=cluster.url) as books:
                    await books.wait_synced(30)
                    info = await feed.js.stream_info("WEX_SPOT")
                    assert info.config.num_replicas == 3
                    applied = sum(b.follower.applied for b in books)
                    # kill the node the consumer is connected to (the worst case)
                    port = books.nc.connected_url.port
                    node = next(n for n in cluster.nodes if n.port == port)
                    node.kill()
                    await until(lambda: sum(b.follower.applied for b in books) > applied + 40,
                                30, "books moving again after a node died")
                    await sim.quiesce()
                    final = {s: sim.published_update_id(s) for s in SYMBOLS}
                    await until(lambda: all(books[s].synced and
                                            books[s].last_update_id == final[s]
                                            for s in SYMBOLS), 20, "the consumer catching up")
                    for s in SYMBOLS:
                        assert book_levels(books[s].book) == sim_levels(
                            sim.book_snapshot(s, depth=50)), s
