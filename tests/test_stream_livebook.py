"""Live books end to end against the local simulator (and a scripted pusher),
over every transport: the local book must equal the exchange's exactly."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from stream_support import TRANSPORTS, FakeExchange, book_top, settle, sim_top, wait_until
from wexcore import LiveBook, LiveBooks
from wexcore.stream import ConnectionState

pytest.importorskip("aiohttp")
from wexcore.sim import Simulator  # noqa: E402

# futures_depth_limit: these tests compare whole books, so the futures snapshot
# must hold the whole book (the spec documents level 1..50, the sim's default)
FAST = dict(seed=3, depth_interval=0.01, step_interval=0.004, rate_limits=False,
            futures_depth_limit=500)


@pytest.fixture(params=TRANSPORTS)
def transport(request):
    return request.param


async def run_until_frames(sim, symbol, product, frames: int) -> None:
    start = sim.published_update_id(symbol, product)
    await wait_until(lambda: sim.published_update_id(symbol, product) >= start + frames, 10.0,
                     "market activity")


def precisions(sim, symbol, product):
    spec = sim.market(symbol, product).spec
    return spec.price_precision, spec.quantity_precision


@pytest.mark.parametrize("compression", [True, False], ids=["deflate", "plain"])
@pytest.mark.parametrize("product", ["spot", "futures"])
async def test_live_book_equals_simulator_book(product, compression, transport):
    async with Simulator(**FAST) as sim:
        async with LiveBook("btc_usdt", product=product, ws_url=sim.ws_url,
                            rest_url=sim.rest_url, transport=transport,
                            compression=compression) as book:
            assert book._stream._conn.compression is compression
            await book.wait_synced(5)
            await run_until_frames(sim, "btc_usdt", product, 30)
            await settle(sim, book, "btc_usdt", product)
            pp, qp = precisions(sim, "btc_usdt", product)
            assert book_top(book) == sim_top(sim, "btc_usdt", product, pp, qp)
            assert book.resyncs == 0
            assert book.best_bid()[0] < book.best_ask()[0]


@pytest.mark.parametrize("product", ["spot", "futures"])
async def test_drops_and_reorders_are_repaired(product, transport):
    async with Simulator(faults="drop=0.04,reorder=0.04,duplicate=0.04", **FAST) as sim:
        events = []
        async with LiveBook("btc_usdt", product=product, ws_url=sim.ws_url,
                            rest_url=sim.rest_url, transport=transport,
                            on_resync=events.append) as book:
            await book.wait_synced(5)
            await wait_until(lambda: book.resyncs >= 3, 15.0, "three repaired gaps")
            await settle(sim, book, "btc_usdt", product)
            faults = sim.fault_counts
            pp, qp = precisions(sim, "btc_usdt", product)
            assert book_top(book) == sim_top(sim, "btc_usdt", product, pp, qp)
            # every resync is explained by an injected gap (a drop or a
            # reorder); gaps that fell while the book was already resyncing
            # need no resync of their own
            assert 3 <= book.resyncs <= faults.get("drop", 0) + faults.get("reorder", 0)
            assert {e.reason for e in events} == {"gap"}
            assert len(events) == book.resyncs


async def test_duplicates_need_no_resync(transport):
    async with Simulator(faults="duplicate=0.3", **FAST) as sim:
        async with LiveBook("btc_usdt", ws_url=sim.ws_url, rest_url=sim.rest_url,
                            transport=transport) as book:
            await book.wait_synced(5)
            await wait_until(lambda: sim.fault_counts.get("duplicate", 0) >= 10, 10.0,
                             "duplicates")
            await settle(sim, book, "btc_usdt", "spot")
            pp, qp = precisions(sim, "btc_usdt", "spot")
            assert book_top(book) == sim_top(sim, "btc_usdt", "spot", pp, qp)
            assert book.resyncs == 0 and book.sync.stale >= 10


async def test_connections_killed_mid_stream_are_repaired(transport):
    async with Simulator(**FAST) as sim:
        states = []
        async with LiveBook("btc_usdt", product="futures", ws_url=sim.ws_url,
                            rest_url=sim.rest_url, transport=transport,
                            stream_options={"on_state": states.append}) as book:
            await book.wait_synced(5)
            for n in range(1, 3):
                await run_until_frames(sim, "btc_usdt", "futures", 5)
                assert await sim.disconnect("futures") == 1
                await wait_until(lambda n=n: book.resyncs == n and book.synced, 10.0,
                                 "resync after disconnect")
            await settle(sim, book, "btc_usdt", "futures")
            pp, qp = precisions(sim, "btc_usdt", "futures")
            assert book_top(book) == sim_top(sim, "btc_usdt", "futures", pp, qp)
            assert book.resyncs == 2
            assert book.last_resync.reason == "reconnect"
            seen = [s.state for s in states]
            for state in (ConnectionState.RECONNECTING, ConnectionState.CONNECTED,
                          ConnectionState.RESUBSCRIBED):
                assert seen.count(state) >= 2


async def test_many_symbols_over_several_connections(transport):
    async with Simulator(symbols=("btc_usdt", "eth_usdt", "sol_usdt"), **FAST) as sim:
        async with LiveBooks(["btc_usdt", "eth_usdt", "sol_usdt"], ws_url=sim.ws_url,
                             rest_url=sim.rest_url, symbols_per_connection=2,
                             transport=transport) as books:
            assert len(books.streams) == 2
            await books.wait_synced(5)
            await run_until_frames(sim, "sol_usdt", "spot", 20)
            await sim.quiesce()
            sim.step(2)
            await sim.quiesce()
            for sym in ("btc_usdt", "eth_usdt", "sol_usdt"):
                target = sim.published_update_id(sym, "spot")
                await wait_until(lambda s=sym, t=target: books[s].last_update_id == t, 10.0)
                pp, qp = precisions(sim, sym, "spot")
                assert book_top(books[sym]) == sim_top(sim, sym, "spot", pp, qp)
            summary = books.summary()
            assert summary["latency"]["apply"]["count"] > 0
            assert summary["latency"]["apply"]["p50_us"] > 0
            assert set(summary["resyncs"]) == {"btc_usdt", "eth_usdt", "sol_usdt"}


async def test_gap_in_one_symbol_does_not_block_the_others(transport):
    # one symbol's snapshot never arrives; the other keeps updating
    release = asyncio.Event()
    async with Simulator(**FAST) as sim:
        import httpx

        async with httpx.AsyncClient() as http:

            async def fetcher(symbol, product):
                if symbol == "eth_usdt":
                    await release.wait()
                r = await http.get(f"{sim.rest_url}/v4/public/depth",
                                   params={"symbol": symbol, "limit": 500})
                return r.content

            async with LiveBooks(["btc_usdt", "eth_usdt"], ws_url=sim.ws_url,
                                 rest_url=sim.rest_url, snapshot_fetcher=fetcher,
                                 transport=transport) as books:
                await books["btc_usdt"].wait_synced(5)
                first = books["btc_usdt"].last_update_id
                await wait_until(lambda: books["btc_usdt"].last_update_id > first + 5, 5.0)
                assert not books["eth_usdt"].synced
                release.set()
                await books["eth_usdt"].wait_synced(5)


# ---- scripted pusher: exact counts ------------------------------------------------


def frame(first: int, last: int, price: str, qty: str) -> bytes:
    return orjson.dumps({"topic": "depth_update", "event": "depth_update@btc_usdt", "data": {
        "s": "btc_usdt", "fi": first, "i": last, "a": [], "b": [[price, qty]]}})


class ScriptedMarket:
    """Update k sets bid level 100+(k % 7) to quantity k; snapshots on demand."""

    def __init__(self) -> None:
        self.last = 0
        self.bids: dict[str, str] = {"90.00": "1.0"}

    def next(self) -> bytes:
        self.last += 1
        k = self.last
        price, qty = f"{100 + k % 7}.00", f"{k}.0"
        self.bids[price] = qty
        return frame(k, k, price, qty)

    def snapshot(self) -> bytes:
        return orjson.dumps({"rc": 0, "mc": "SUCCESS", "ma": [], "result": {
            "timestamp": 0, "lastUpdateId": self.last,
            "bids": [[p, q] for p, q in self.bids.items()],
            "asks": [["200.00", "1.0"]]}})


async def test_resyncs_equal_injected_gaps_exactly(transport):
    market = ScriptedMarket()
    resyncs = []
    async with FakeExchange() as ex:

        async def fetch(symbol, product):
            return market.snapshot()

        async with LiveBook("btc_usdt", ws_url=ex.url, price_precision=2, quantity_precision=1,
                            snapshot_fetcher=fetch, transport=transport,
                            on_resync=resyncs.append) as book:
            await book.wait_synced(5)
            gaps = 0
            for _round in range(4):
                for _ in range(5):
                    await ex.push(market.next())
                market.next()  # produced but never sent: a gap
                gaps += 1
                await ex.push(market.next())
                await wait_until(lambda g=gaps: book.resyncs == g and book.synced, 5.0,
                                 f"resync {gaps}")
                # a duplicate of the last frame: stale, not a gap
                await ex.push(frame(market.last, market.last, "1.00", "1.0"))
            await ex.push(market.next())
            await wait_until(lambda: book.last_update_id == market.last, 5.0)
            assert book.resyncs == gaps == 4
            assert [r.reason for r in resyncs] == ["gap"] * 4
            expected = sorted(((float(p), float(q)) for p, q in market.bids.items()),
                              reverse=True)
            assert [tuple(x) for x in book.bids(50).tolist()] == expected
            assert book.sync.snapshots == 5


async def test_reconnect_resyncs_exactly_once(transport):
    market = ScriptedMarket()
    async with FakeExchange() as ex:

        async def fetch(symbol, product):
            return market.snapshot()

        async with LiveBook("btc_usdt", ws_url=ex.url, price_precision=2, quantity_precision=1,
                            snapshot_fetcher=fetch, transport=transport) as book:
            await book.wait_synced(5)
            await ex.push(market.next())
            await wait_until(lambda: book.last_update_id == market.last, 5.0)
            ex.subscribed.clear()
            ex.drop_all()
            await asyncio.wait_for(ex.subscribed.wait(), 5)  # resubscribed on a new connection
            await wait_until(lambda: book.synced, 5.0)
            await ex.push(market.next())
            await wait_until(lambda: book.last_update_id == market.last, 5.0)
            assert book.resyncs == 1 and ex.connections == 2
            assert book.last_resync.reason == "reconnect"


async def test_unknown_symbol_raises_and_leaves_nothing_running(transport):
    from wexcore import SubscriptionError, WexAPIError

    async with Simulator(**FAST) as sim:
        book = LiveBook("nope_usdt", ws_url=sim.ws_url, rest_url=sim.rest_url,
                        price_precision=2, quantity_precision=4, transport=transport)
        with pytest.raises(SubscriptionError, match="invalid topic"):
            await book.start()
        assert book._task is None and not book._stream.connected
        with pytest.raises(WexAPIError):  # precisions from the symbol endpoint
            await LiveBook("nope_usdt", ws_url=sim.ws_url, rest_url=sim.rest_url,
                           transport=transport).start()


async def test_requested_resync(transport):
    market = ScriptedMarket()
    async with FakeExchange() as ex:

        async def fetch(symbol, product):
            return market.snapshot()

        async with LiveBook("btc_usdt", ws_url=ex.url, price_precision=2, quantity_precision=1,
                            snapshot_fetcher=fetch, transport=transport) as book:
            await book.wait_synced(5)
            book.resync()
            assert not book.synced
            await book.wait_synced(5)
            assert book.resyncs == 1 and book.last_resync.reason == "requested"
            assert book.sync.snapshots == 2


async def test_snapshots_of_many_books_are_paced(transport):
    times = []
    async with Simulator(symbols=("btc_usdt", "eth_usdt", "sol_usdt"), **FAST) as sim:
        import httpx

        async with httpx.AsyncClient() as http:

            async def fetcher(symbol, product):
                times.append(asyncio.get_running_loop().time())
                r = await http.get(f"{sim.rest_url}/v4/public/depth",
                                   params={"symbol": symbol, "limit": 500})
                return r.content

            async with LiveBooks(["btc_usdt", "eth_usdt", "sol_usdt"], ws_url=sim.ws_url,
                                 rest_url=sim.rest_url, snapshot_fetcher=fetcher,
                                 snapshot_rate=20.0, transport=transport) as books:
                await books.wait_synced(5)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(times) >= 3 and min(gaps) >= 0.049


# ---- staleness: the quiet-period check ----------------------------------------------


async def test_a_book_whose_last_frames_were_lost_repairs_itself_when_quiet():
    # the frames of the last changes before a quiet spell never arrive, and
    # no later frame reveals the gap: only the quiet-period check can
    async with Simulator(**FAST) as sim:
        async with LiveBook("btc_usdt", ws_url=sim.ws_url, rest_url=sim.rest_url,
                            stale_after=0.2) as book:
            await book.wait_synced(5)
            await sim.quiesce()
            sim.set_faults("drop=1")
            sim.step(5)
            await sim.quiesce()  # published, all lost
            pp, qp = precisions(sim, "btc_usdt", "spot")
            truth = sim_top(sim, "btc_usdt", "spot", pp, qp)
            assert book.last_update_id < truth[0]
            await wait_until(lambda: book.synced and book_top(book) == truth, 10.0,
                             "the book repaired by its quiet-period check")
            info = book.staleness()
            assert info["resyncs"]["quiet_check"] == 1
            assert info["quiet_checks"] >= 1 and info["stale_after"] == 0.2
            assert book.last_resync.reason == "quiet_check"
            assert "the exchange's snapshot is at" in book.last_resync.detail


async def test_a_quiet_book_that_is_right_is_left_alone():
    async with Simulator(**FAST) as sim:
        async with LiveBooks(["btc_usdt", "eth_usdt"], ws_url=sim.ws_url, rest_url=sim.rest_url,
                             stale_after=0.1) as books:
            await books.wait_synced(5)
            await sim.quiesce()
            await wait_until(lambda: all(b.quiet_checks >= 2 for b in books), 10.0,
                             "two quiet checks per book")
            summary = books.summary()["staleness"]
            for sym in ("btc_usdt", "eth_usdt"):
                assert summary[sym]["last_quiet_check"] == "ok"
                assert summary[sym]["resyncs"] == {"stale_frames": 0, "id_jump": 0,
                                                   "quiet_check": 0}
                assert summary[sym]["quiet_for_s"] >= 0.1
            assert books.resyncs == 0


async def test_a_quiet_book_that_differs_at_the_same_id_resyncs():
    async with Simulator(**FAST) as sim:
        calls = []

        async def fetch(symbol, product):
            snap = orjson.loads(await real(symbol, product))
            calls.append(snap["result"]["lastUpdateId"])
            if len(calls) == 2:  # the first quiet check: same id, another best bid
                snap["result"]["bids"][0][1] = "123.4567"
            return orjson.dumps(snap)

        from wexcore.stream import _rest

        async with LiveBook("btc_usdt", ws_url=sim.ws_url, rest_url=sim.rest_url,
                            snapshot_fetcher=fetch, stale_after=0.1) as book:
            import httpx

            async with httpx.AsyncClient() as http:
                real = _rest.SnapshotSource(http, sim.rest_url, "spot")
                await book.wait_synced(5)
                await sim.quiesce()
                await wait_until(lambda: book.staleness()["resyncs"]["quiet_check"] == 1
                                 and book.synced, 10.0, "a resync after the quiet check")
            assert "bids differ from the exchange's snapshot at the same update id" in \
                book.last_resync.detail
            assert calls[1] == calls[2]  # the resync's snapshot: the same, untouched


def test_stale_after_is_validated():
    with pytest.raises(ValueError, match="stale_after"):
        LiveBook("btc_usdt", stale_after=-1)
