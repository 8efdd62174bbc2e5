"""Stream clients end to end against the simulator, over every transport:
every topic, subscribe/unsubscribe replies and errors, heartbeats, slow
consumers."""

from __future__ import annotations

import asyncio

import orjson
import pytest

import wexcore
from stream_support import TRANSPORTS, FakeExchange, wait_until
from wexcore import (
    ConnectionState,
    FuturesMarketStream,
    SpotPublicStream,
    StreamClient,
    SubscriptionError,
)

pytest.importorskip("aiohttp")
from wexcore.sim import Simulator  # noqa: E402

QUICK = dict(seed=7, depth_interval=0.02, step_interval=0.005, stream_interval=0.03,
             funding_interval=0.05, rate_limits=False)


@pytest.fixture(params=TRANSPORTS)
def transport(request):
    return request.param


SPOT_TOPICS = {
    "trade@btc_usdt": wexcore.Trade,
    "kline@btc_usdt,1m": wexcore.Kline,
    "depth@btc_usdt,5": wexcore.DepthSnapshot,
    "depth_update@btc_usdt": wexcore.DepthUpdate,
    "ticker@btc_usdt": wexcore.Ticker,
}

FUTURES_TOPICS = {
    "trade@btc_usdt": wexcore.Trade,
    "kline@btc_usdt,1m": wexcore.Kline,
    "agg_ticker@btc_usdt": wexcore.Ticker,
    "index_price@btc_usdt": wexcore.IndexPrice,
    "mark_price@btc_usdt": wexcore.MarkPrice,
    "depth_update@btc_usdt,100ms": wexcore.DepthUpdate,
    "depth@btc_usdt,5,1000ms": wexcore.DepthSnapshot,
    "fund_rate@btc_usdt": wexcore.FundingRate,
}


@pytest.mark.parametrize("product,topics", [("spot", SPOT_TOPICS), ("futures", FUTURES_TOPICS)])
async def test_every_public_topic_delivers_typed_events(product, topics, transport):
    cls = SpotPublicStream if product == "spot" else FuturesMarketStream
    async with Simulator(**QUICK) as sim, cls(url=sim.ws_url, transport=transport) as stream:
        subs = {t: await stream.subscribe(t) for t in topics}
        for topic, sub in subs.items():
            ev = await asyncio.wait_for(sub.get(), 5)
            assert isinstance(ev, topics[topic]), (topic, ev)
            if hasattr(ev, "symbol"):
                assert ev.symbol == "btc_usdt"
        assert stream.counters.unrouted == 0


async def test_spot_all_tickers(transport):
    async with Simulator(**QUICK) as sim, SpotPublicStream(url=sim.ws_url,
                                                          transport=transport) as stream:
        sub = await stream.subscribe("tickers")
        tickers = await asyncio.wait_for(sub.get(), 5)
        assert sorted(t.symbol for t in tickers) == ["btc_usdt", "eth_usdt"]


async def test_callback_and_iterator_on_one_subscription(transport):
    async with Simulator(**QUICK) as sim, SpotPublicStream(url=sim.ws_url,
                                                          transport=transport) as stream:
        seen = []
        sub = await stream.subscribe("depth_update@btc_usdt", callback=seen.append)
        got = []
        async for ev in sub:
            got.append(ev)
            if len(got) == 3:
                break
        assert [e.last_update_id for e in seen[:3]] == [e.last_update_id for e in got]
        # consecutive: nothing lost between the socket and the iterator
        assert all(b.first_update_id == a.last_update_id + 1
                   for a, b in zip(got, got[1:], strict=False))


async def test_raw_subscription_gets_bytes(transport):
    async with Simulator(**QUICK) as sim, SpotPublicStream(url=sim.ws_url,
                                                          transport=transport) as stream:
        sub = await stream.subscribe("depth_update@btc_usdt", raw=True)
        frame = await asyncio.wait_for(sub.get(), 5)
        assert isinstance(frame, bytes)
        assert orjson.loads(frame)["event"] == "depth_update@btc_usdt"


async def test_subscribe_resolves_on_reply_and_unsubscribe_stops_the_topic(transport):
    async with Simulator(**QUICK) as sim, SpotPublicStream(url=sim.ws_url,
                                                          transport=transport) as stream:
        sub = await stream.subscribe("depth_update@btc_usdt", "trade@btc_usdt")
        (conn,) = sim.conns
        assert conn.subs == {"depth_update@btc_usdt", "trade@btc_usdt"}
        await sub.unsubscribe()
        assert conn.subs == set()
        assert stream.subscriptions == []
        with pytest.raises(StopAsyncIteration):
            await sub.__anext__()


async def test_invalid_topic_raises_and_is_not_resubscribed(transport):
    async with Simulator(**QUICK) as sim, SpotPublicStream(url=sim.ws_url,
                                                          transport=transport) as stream:
        with pytest.raises(SubscriptionError, match="invalid topic"):
            await stream.subscribe("depth_update@nope_usdt")
        assert stream.subscriptions == []


async def test_shared_topic_survives_one_unsubscribe(transport):
    async with Simulator(**QUICK) as sim, SpotPublicStream(url=sim.ws_url,
                                                          transport=transport) as stream:
        a = await stream.subscribe("depth_update@btc_usdt")
        b = await stream.subscribe("depth_update@btc_usdt")
        await a.unsubscribe()
        (conn,) = sim.conns
        assert conn.subs == {"depth_update@btc_usdt"}
        await asyncio.wait_for(b.get(), 5)


async def test_resubscribes_everything_after_a_kill(transport):
    async with Simulator(**QUICK) as sim:
        states = []
        async with SpotPublicStream(url=sim.ws_url, transport=transport,
                                    on_state=states.append) as stream:
            d = await stream.subscribe("depth_update@btc_usdt")
            t = await stream.subscribe("kline@btc_usdt,1m")
            await sim.disconnect()
            await wait_until(lambda: any(s.state is ConnectionState.RESUBSCRIBED
                                         and s.attempt > 0 for s in states), 5.0)
            (conn,) = sim.conns
            assert conn.subs == {"depth_update@btc_usdt", "kline@btc_usdt,1m"}
            assert stream.counters.reconnects == 1 and stream.counters.connects == 2
            d._queue.clear()
            t._queue.clear()
            await asyncio.wait_for(d.get(), 5)
            await asyncio.wait_for(t.get(), 5)


async def test_subscribe_while_disconnected_completes_after_reconnect(transport):
    async with FakeExchange() as ex:
        async with StreamClient(url=ex.url, transport=transport) as stream:
            await asyncio.wait_for(stream.subscribe("trade@btc_usdt"), 5)
            ex.drop_all()
            await wait_until(lambda: not stream.connected, 5.0)
            sub = await asyncio.wait_for(stream.subscribe("trade@eth_usdt"), 5)
            assert sub.params == ["trade@eth_usdt"]
            sent = [p for r in ex.requests for p in r["params"]]
            assert sent.count("trade@eth_usdt") == 1 and sent.count("trade@btc_usdt") == 2


# ---- heartbeat -------------------------------------------------------------------


async def test_pings_keep_the_connection_inside_the_server_window(transport):
    async with Simulator(spot_heartbeat=0.3, **QUICK) as sim:
        async with SpotPublicStream(url=sim.ws_url, transport=transport,
                                    ping_interval=0.1) as stream:
            await wait_until(lambda: stream.counters.pings_sent >= 8, 5.0)
            assert stream.counters.disconnects == 0
            assert stream.counters.pongs >= 6


async def test_without_pings_the_server_closes_and_the_client_reconnects(transport):
    async with Simulator(spot_heartbeat=0.2, **QUICK) as sim:
        async with SpotPublicStream(url=sim.ws_url, transport=transport,
                                    ping_interval=30) as stream:
            await stream.subscribe("depth_update@btc_usdt")
            await wait_until(lambda: stream.counters.reconnects >= 1 and stream.connected
                             and any(c.subs == {"depth_update@btc_usdt"} and not c.closed
                                     for c in sim.conns), 5.0, "resubscribed")


async def test_missing_pong_marks_the_connection_dead(transport):
    async with FakeExchange(answer_pings=False) as ex:
        async with StreamClient(url=ex.url, transport=transport, ping_interval=0.05,
                                pong_timeout=0.1) as stream:
            await stream.subscribe("trade@btc_usdt")
            await wait_until(lambda: stream.counters.pong_timeouts >= 1
                             and ex.connections >= 2, 5.0)
            assert ex.pings >= 2


# ---- slow consumers ----------------------------------------------------------------


async def test_slow_consumer_drop_oldest_is_bounded_and_counted(transport):
    async with Simulator(**QUICK) as sim, SpotPublicStream(url=sim.ws_url,
                                                          transport=transport) as stream:
        sub = await stream.subscribe("depth_update@btc_usdt", queue_size=3)
        await wait_until(lambda: sub.dropped >= 5, 5.0)
        assert len(sub) == 3
        kept = [sub.get_nowait() for _ in range(3)]
        # the newest are kept, in order
        assert all(b.first_update_id == a.last_update_id + 1
                   for a, b in zip(kept, kept[1:], strict=False))
        assert stream.counters.dropped == sub.dropped


async def test_slow_consumer_block_pauses_reading_and_loses_nothing(transport):
    async with Simulator(**QUICK) as sim, SpotPublicStream(url=sim.ws_url,
                                                          transport=transport) as stream:
        sub = await stream.subscribe("depth_update@btc_usdt", queue_size=4, overflow="block",
                                     raw=True)
        await wait_until(lambda: bool(stream._blocked), 5.0, "backpressure")
        assert len(sub) <= 4 + 8  # bounded: the queue plus frames already read
        ids = []
        for _ in range(40):
            d = orjson.loads(await asyncio.wait_for(sub.get(), 5))["data"]
            ids.append((d["fi"], d["i"]))
        assert all(b[0] == a[1] + 1 for a, b in zip(ids, ids[1:], strict=False)), "a frame was lost"
        assert sub.dropped == 0


async def test_bad_overflow_policy_rejected():
    client = StreamClient()
    with pytest.raises(ValueError, match="overflow"):
        await client.subscribe("trade@btc_usdt", overflow="grow")


async def test_state_events_as_async_iterator(transport):
    async with FakeExchange() as ex:
        async with StreamClient(url=ex.url, transport=transport) as stream:
            await stream.subscribe("trade@btc_usdt")
            seen: list[ConnectionState] = []
            events = stream.states()  # registered now: nothing after this is missed
            ex.drop_all()

            async def watch() -> None:
                async for ev in events:
                    seen.append(ev.state)
                    if ev.state is ConnectionState.RESUBSCRIBED:
                        return

            await asyncio.wait_for(watch(), 5)
            events.close()
            assert seen[0] is ConnectionState.RECONNECTING
            assert seen[-2:] == [ConnectionState.CONNECTED, ConnectionState.RESUBSCRIBED]


async def test_close_ends_every_iterator(transport):
    async with FakeExchange() as ex:
        stream = StreamClient(url=ex.url, transport=transport)
        await stream.start()
        sub = await stream.subscribe("trade@btc_usdt")
        reader = asyncio.create_task(sub.get())
        await stream.close()
        with pytest.raises(EOFError):
            await asyncio.wait_for(reader, 5)
        assert stream.state is ConnectionState.CLOSED


async def test_first_connection_failure_raises():
    stream = StreamClient(url="ws://127.0.0.1:9/public", open_timeout=2)
    with pytest.raises(OSError):
        await stream.start()
    assert stream.state is ConnectionState.CLOSED


async def test_refused_unsubscribe_raises(transport):
    async with FakeExchange(refuse=("unsubscribe",)) as ex:
        async with StreamClient(url=ex.url, transport=transport) as stream:
            sub = await stream.subscribe("trade@btc_usdt")
            with pytest.raises(SubscriptionError, match="refused"):
                await sub.unsubscribe()
            # locally it is gone either way: no more deliveries, not resubscribed
            assert stream.subscriptions == []


async def test_subscribe_without_reply_times_out(transport):
    async with FakeExchange() as ex:
        async with StreamClient(url=ex.url, transport=transport) as stream:
            ex.answer_requests = False
            with pytest.raises(TimeoutError):
                await stream.subscribe("trade@btc_usdt", timeout=0.2)
            assert stream.subscriptions == []
