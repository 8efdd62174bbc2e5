"""Market replay: the public market is the recording, to the update id and the byte."""

from __future__ import annotations

import asyncio
import gzip
import pickle
from decimal import Decimal

import aiohttp
import orjson
import pytest
import websockets

from replay_support import (
    BASE_MS,
    BOOK_ASKS,
    BOOK_BIDS,
    SYM,
    depth,
    recorded,
    sim_recording,
    snapshot,
    trade,
    until,
    write_recording,
)
from wexcore import LiveBook
from wexcore.record import RecordingError, book_state
from wexcore.sim import Simulator
from wexcore.sim.recorded import ReplayDataError
from wexcore.sim.replay import Replay, run_replay


async def get_json(sim: Simulator, path: str) -> dict:
    async with aiohttp.ClientSession() as http, http.get(sim.rest_url + path) as r:
        body = await r.json()
        return body["result"] if "result" in body else body


@pytest.mark.parametrize("name,product,faults", [
    ("clean", "spot", None),
    ("lossy", "spot", "drop=0.15"),
    ("futures", "futures", None),
])
def test_live_book_ends_on_the_recorded_book(tmp_path_factory, name, product, faults):
    path = sim_recording(tmp_path_factory, name, product=product, faults=faults)
    end = recorded(path, "end")[0]["books"][f"{product}:{SYM}"]

    async def strategy(sim):
        async with LiveBook(SYM, product=product, ws_url=sim.ws_url,
                            rest_url=sim.rest_url) as book:
            await book.wait_synced()
            await sim.replay.done.wait()
            target = sim.last_update_id(SYM, product)
            await until(lambda: book.last_update_id == target)
            return book_state(book.book, book.synced), sim.replay.stats

    run = run_replay(path, strategy, stop_at_end=False, futures_depth_limit=500)
    state, stats = run.result
    # the same book as the recorder's at the end (which may itself have been
    # waiting for a snapshot after a lost frame: then both hold the last good state)
    assert state.pop("synced") is True
    assert state == {k: v for k, v in end.items() if k != "synced"}
    assert run.summary["finished"] and run.summary["error"] is None
    if faults:  # the recorder lost frames; the replay bridged them at its snapshots
        assert stats["gaps"] > 0 and stats["snapshots"] > 1


def test_clients_get_the_recorded_frames_byte_for_byte(tmp_path_factory):
    path = sim_recording(tmp_path_factory, "clean")
    frames = [r["frame"] for r in recorded(path, "frame")]

    async def strategy(sim):
        got = []
        async with websockets.connect(sim.ws_url + "/public") as ws:
            await ws.send(orjson.dumps({"method": "subscribe", "id": 1, "params": [
                f"depth_update@{SYM}", f"trade@{SYM}"]}).decode())
            assert orjson.loads(await ws.recv())["code"] == 0
            await sim.replay.done.wait()
            while True:  # on virtual time a wait ends only once nothing is in flight
                try:
                    got.append(await asyncio.wait_for(ws.recv(), 0.5))
                except TimeoutError:
                    return got

    got = run_replay(path, strategy, stop_at_end=False).result
    assert len(got) > 50
    # every frame after the pre-roll, in recorded order and unchanged
    assert got == frames[len(frames) - len(got):]


def small_recording(tmp_path, records=None):
    return write_recording(tmp_path / "small.jsonl.gz", records or [
        snapshot(0, 10, BOOK_BIDS, BOOK_ASKS),
        depth(10, 11, 12, bids=[("100.00", "0.5000")], asks=[("103.00", "1.0000")]),
        trade(15, "101.00", "0.2500", False, trade_id=77),
        depth(20, 13, 13, asks=[("101.00", "0.7500")]),
    ])


def test_rest_depth_is_the_recorded_book_at_each_point(tmp_path):
    path = small_recording(tmp_path)

    async def strategy(sim):
        seen = []
        for t in (5, 12, 25):
            await sim.replay.sleep_until(BASE_MS + t)
            seen.append(await get_json(sim, f"/v4/public/depth?symbol={SYM}&limit=10"))
        return seen

    before, middle, after = run_replay(path, strategy, stop_at_end=False).result
    assert before["lastUpdateId"] == 10
    assert before["bids"] == [["100.00", "1.0000"], ["99.00", "2.0000"]]
    assert before["asks"] == [["101.00", "1.0000"], ["102.00", "3.0000"]]
    assert middle["lastUpdateId"] == 12
    assert middle["bids"] == [["100.00", "0.5000"], ["99.00", "2.0000"]]
    assert middle["asks"] == [["101.00", "1.0000"], ["102.00", "3.0000"], ["103.00", "1.0000"]]
    assert after["lastUpdateId"] == 13
    assert after["asks"][0] == ["101.00", "0.7500"]


def test_recorded_trades_are_the_public_trades(tmp_path):
    path = small_recording(tmp_path, [
        snapshot(0, 10, BOOK_BIDS, BOOK_ASKS),
        trade(10, "101.00", "0.2500", False, trade_id=77),
        trade(20, "100.00", "0.5000", True, trade_id=78),
    ])

    async def strategy(sim):
        await sim.replay.done.wait()
        trades = await get_json(sim, f"/v4/public/trade/recent?symbol={SYM}")
        ticker = await get_json(sim, f"/v4/public/ticker/price?symbol={SYM}")
        klines = await get_json(sim, f"/v4/public/kline?symbol={SYM}&interval=1m")
        return trades, ticker, klines

    trades, ticker, klines = run_replay(path, strategy, stop_at_end=False).result
    assert [(t["i"], t["p"], t["q"], t["b"]) for t in trades] == [
        (78, "100.00", "0.5000", True), (77, "101.00", "0.2500", False)]
    assert [t["t"] for t in trades] == [BASE_MS + 20, BASE_MS + 10]
    assert ticker[0]["p"] == "100.00"
    # one minute: open 101, close 100, 0.75 traded for 101 * 0.25 + 100 * 0.5
    assert [(k["t"], k["o"], k["h"], k["l"], k["c"], k["q"], k["v"]) for k in klines] == [
        (BASE_MS // 60_000 * 60_000, "101.00", "101.00", "100.00", "100.00", "0.7500",
         "75.250000")]


def watch_depth(path: str, *, at: float, frames: int) -> tuple[dict, list[dict], dict]:
    """A raw client's depth frames, and REST depth at ``at`` ms and at the end."""

    async def strategy(sim):
        async with websockets.connect(sim.ws_url + "/public") as ws:
            await ws.send(orjson.dumps({"method": "subscribe", "id": 1,
                                        "params": [f"depth_update@{SYM}"]}).decode())
            await ws.recv()
            await sim.replay.sleep_until(BASE_MS + at)
            then = await get_json(sim, f"/v4/public/depth?symbol={SYM}")
            await sim.replay.done.wait()
            got = []
            while len(got) < frames:
                got.append(orjson.loads(await asyncio.wait_for(ws.recv(), 1))["data"])
            final = await get_json(sim, f"/v4/public/depth?symbol={SYM}")
        return then, got, final

    result: tuple[dict, list[dict], dict] = run_replay(path, strategy,
                                                       stop_at_end=False).result
    return result


def test_a_gap_in_the_recording_is_bridged_at_the_next_snapshot(tmp_path):
    # frames 12..13 are missing: the book stays at 11 until the snapshot at
    # id 15, which frame 16 continues; clients get one frame for 12..16
    path = small_recording(tmp_path, [
        snapshot(0, 10, BOOK_BIDS, BOOK_ASKS),
        depth(10, 11, 11, bids=[("100.00", "3.0000")]),
        depth(20, 14, 15, asks=[("101.00", "0")]),
        depth(30, 16, 16, bids=[("98.00", "1.0000")]),
        snapshot(40, 15, [("100.00", "4.0000"), ("99.00", "2.0000")],
                 [("102.00", "3.0000"), ("104.00", "1.0000")]),
        depth(50, 17, 17, asks=[("104.00", "2.0000")]),
    ])

    stale, frames, final = watch_depth(path, at=35, frames=3)
    assert stale["lastUpdateId"] == 11  # the lost frames are not made up
    assert [(f["fi"], f["i"]) for f in frames] == [(11, 11), (12, 16), (17, 17)]
    bridge = frames[1]
    assert bridge["b"] == [["100.00", "4.0000"], ["98.00", "1.0000"]]  # 98 from frame 16
    assert bridge["a"] == [["101.00", "0.0000"], ["104.00", "1.0000"]]
    assert final["lastUpdateId"] == 17
    assert final["bids"] == [["100.00", "4.0000"], ["99.00", "2.0000"], ["98.00", "1.0000"]]
    assert final["asks"] == [["102.00", "3.0000"], ["104.00", "2.0000"]]


def test_a_reconnect_of_the_recorder_waits_for_its_next_snapshot(tmp_path):
    # the recorder reconnected (lost) and missed 12..13 without a frame to show
    # it; its next snapshot (15) is straddled by the frame 14..16: clients get
    # 12..15 (the snapshot's changes) and 16..16 (the rest of that frame)
    path = small_recording(tmp_path, [
        snapshot(0, 10, BOOK_BIDS, BOOK_ASKS),
        depth(10, 11, 11, bids=[("100.00", "3.0000")]),
        {"type": "lost", "ts": depth(20, 0, 0)["ts"], "product": "spot", "symbol": SYM,
         "reason": "reconnect"},
        snapshot(30, 15, [("100.00", "5.0000"), ("99.00", "2.0000")], BOOK_ASKS),
        depth(40, 14, 16, bids=[("99.00", "1.0000")]),
        depth(50, 17, 17, asks=[("101.00", "2.0000")]),
    ])

    waiting, frames, final = watch_depth(path, at=25, frames=4)
    assert waiting["lastUpdateId"] == 11 and waiting["bids"][0] == ["100.00", "3.0000"]
    assert [(f["fi"], f["i"]) for f in frames] == [(11, 11), (12, 15), (16, 16), (17, 17)]
    assert frames[1]["b"] == [["100.00", "5.0000"]] and frames[2]["b"] == [["99.00", "1.0000"]]
    assert final["lastUpdateId"] == 17
    assert final["bids"] == [["100.00", "5.0000"], ["99.00", "1.0000"]]
    assert final["asks"] == [["101.00", "2.0000"], ["102.00", "3.0000"]]


def test_a_book_without_a_snapshot_near_the_start_is_served_once_one_comes(tmp_path):
    path = small_recording(tmp_path, [
        depth(0, 5, 6, bids=[("99.00", "1.0000")]),    # before any snapshot: buffered
        depth(11_000, 7, 7, bids=[("98.00", "1.0000")]),
        snapshot(12_000, 6, BOOK_BIDS, BOOK_ASKS),     # 12 s in: past the pre-roll
        depth(13_000, 8, 8, asks=[("101.00", "0")]),
    ])

    async def strategy(sim):
        async with LiveBook(SYM, ws_url=sim.ws_url, rest_url=sim.rest_url) as book:
            empty = await get_json(sim, f"/v4/public/depth?symbol={SYM}")
            await sim.replay.done.wait()
            await until(lambda: book.last_update_id == 8)
            return empty, book_state(book.book, book.synced), book.best_bid(), book.best_ask()

    empty, state, bid, ask = run_replay(path, strategy, stop_at_end=False).result
    assert (empty["lastUpdateId"], empty["bids"], empty["asks"]) == (0, [], [])
    assert state["synced"] and state["bid_count"] == 3 and state["ask_count"] == 1
    assert bid == (100.0, 1.0) and ask == (102.0, 3.0)


def test_several_books_replay_side_by_side_on_one_clock(tmp_path):
    eth = "eth_usdt"
    path = write_recording(tmp_path / "two.jsonl.gz", [
        snapshot(0, 10, BOOK_BIDS, BOOK_ASKS),
        depth(5, 11, 11, bids=[("100.00", "2.0000")]),        # eth not known yet
        snapshot(8, 500, [("10.00", "1.0000")], [("11.00", "1.0000")], symbol=eth),
        depth(20, 501, 501, bids=[("10.00", "5.0000")], symbol=eth),
        {**depth(30, 12, 12, bids=[("100.00", "3.0000")]), "ts": depth(15, 0, 0)["ts"]},
        depth(40, 13, 13, bids=[("100.00", "4.0000")]),
    ], more_books=(eth,))

    async def strategy(sim):
        seen = []
        for t in (12, 25, 45):
            await sim.replay.sleep_until(BASE_MS + t)
            seen.append((sim.last_update_id(SYM), sim.last_update_id(eth)))
        return seen, sim.replay.origin_ts, sorted(sim.symbols)

    seen, origin, symbols = run_replay(path, strategy, stop_at_end=False).result
    # the replay starts once both books are known (8 ms); the record stamped
    # 15 ms but written after the 20 ms one is applied at 20 ms (never backwards)
    assert origin == snapshot(8, 0, [], [])["ts"] and symbols == [SYM, eth]
    assert seen == [(11, 500), (12, 501), (13, 501)]


def test_paced_replay_keeps_the_recorded_spacing(tmp_path):
    path = small_recording(tmp_path, [
        snapshot(0, 10, BOOK_BIDS, BOOK_ASKS),
        depth(100, 11, 11, bids=[("100.00", "3.0000")]),
        depth(200, 12, 12, bids=[("100.00", "2.0000")]),
    ])

    async def main():
        loop = asyncio.get_running_loop()
        async with Simulator(replay=Replay(path, speed=2.0)) as sim:
            t0 = loop.time()
            await asyncio.wait_for(sim.replay.done.wait(), 5)
            return loop.time() - t0, sim.replay.clock_ms(), sim.last_update_id(SYM)

    elapsed, clock, last_id = asyncio.run(main())
    assert elapsed >= 0.1 - 0.002  # 200 ms of recording at speed 2, never sooner
    assert clock >= BASE_MS + 200 and last_id == 12


def test_as_fast_as_clients_needs_the_virtual_time_loop(tmp_path):
    path = small_recording(tmp_path)

    async def main():
        async with Simulator(replay=Replay(path, as_fast_as_clients=True)):
            pass

    with pytest.raises(RuntimeError, match="VirtualTimeLoop"):
        asyncio.run(main())


def test_a_file_that_is_not_a_recording_is_refused(tmp_path):
    bad = tmp_path / "x.jsonl.gz"
    bad.write_bytes(gzip.compress(b'{"type":"book"}\n'))
    with pytest.raises(RecordingError, match="not a wexcore recording"):
        Simulator(replay=str(bad))
    with pytest.raises(ValueError, match="speed"):
        Replay(str(bad), speed=0)
    with pytest.raises(ValueError, match="queue"):
        Replay(str(bad), queue="middle")
    with pytest.raises(ValueError, match="entry_latency"):
        Replay(str(bad), entry_latency="soon")


@pytest.mark.parametrize("bad,field", [
    (depth(10, 11, 11, bids=[("abc", "1")]), "frame.data.b[0][0]"),
    (depth(10, 11, 11, asks=[("101.001", "1")]), "frame.data.a[0][0]"),
    (depth(10, 11, 11, asks=[("101.00", "-1")]), "frame.data.a[0][1]"),
    (depth(10, 13, 11), "frame.data"),
    ({**depth(10, 11, 11), "frame": "{not json"}, "frame"),
    ({**depth(10, 11, 11), "frame": '{"data": {"fi": true, "i": 11}}'}, "frame.data.fi"),
    ({**depth(10, 11, 11), "ts": "soon"}, "ts"),
    ({**trade(10, "101.00", "1", False), "frame": '{"data": {"p": "1", "q": "1", "b": 1}}'},
     "frame.data.b"),
    ({**depth(10, 11, 11), "symbol": "eth_usdt"}, "symbol"),
])
def test_a_bad_record_stops_the_replay_naming_the_field(tmp_path, bad, field):
    path = small_recording(tmp_path, [
        snapshot(0, 10, BOOK_BIDS, BOOK_ASKS),
        depth(5, 11, 11, bids=[("100.00", "9.0000")]),
        {**bad, "ts": bad["ts"]},
        depth(20, 12, 12, bids=[("100.00", "8.0000")]),
    ])

    async def strategy(sim):
        await sim.replay.done.wait()
        return await get_json(sim, f"/v4/public/depth?symbol={SYM}")

    run = run_replay(path, strategy, stop_at_end=False)
    assert run.summary["finished"]
    assert f"record 5: {field}:" in run.summary["error"]  # header, book, snapshot, frame, bad
    book = run.result  # nothing of the bad record, nothing after it
    assert book["lastUpdateId"] == 11 and book["bids"][0] == ["100.00", "9.0000"]


def test_a_bad_record_in_the_pre_roll_fails_at_once(tmp_path):
    path = small_recording(tmp_path, [snapshot(0, 10, [("x", "1")], BOOK_ASKS)])
    with pytest.raises(ReplayDataError, match=r"record 3: body.result.bids\[0\]\[0\]") as info:
        Simulator(replay=path)
    err = pickle.loads(pickle.dumps(info.value))
    assert (err.record, err.field, err.path) == (3, "body.result.bids[0][0]", path)


def test_a_torn_recording_replays_what_it_holds(tmp_path):
    from wexcore.record import Recorder

    path = str(tmp_path / "torn.jsonl.gz")
    rec = Recorder(path)
    rec.header(product="spot", symbols=[SYM])
    rec.book("spot", SYM, 2, 4)
    snap = snapshot(0, 10, BOOK_BIDS, BOOK_ASKS)
    rec.snapshot("spot", SYM, snap["body"].encode())
    for i in range(20):
        rec.frame("spot", SYM, "depth_update", orjson.dumps(
            {"topic": "depth_update", "event": f"depth_update@{SYM}",
             "data": {"s": SYM, "fi": 11 + i, "i": 11 + i, "a": [],
                      "b": [["100.00", str(Decimal(i + 1))]]}}), 0)
        rec.flush()  # one block per frame
    rec.close()
    raw = open(path, "rb").read()
    open(path, "wb").write(raw[:-7])  # the last block's trailer torn off

    async def strategy(sim):
        await sim.replay.done.wait()
        return sim.last_update_id(SYM)

    run = run_replay(path, strategy, stop_at_end=False)
    assert run.result == 30  # every frame the reader recovers (the torn block's line too)
    assert "torn tail" in run.summary["torn_tail"]


def test_the_parquet_export_replays_the_same_market(tmp_path_factory, tmp_path):
    from wexcore.export import export

    path = sim_recording(tmp_path_factory, "clean")
    export(path, str(tmp_path / "clean.parquet"))
    end = recorded(path, "end")[0]["books"][f"spot:{SYM}"]

    async def strategy(sim):
        async with LiveBook(SYM, ws_url=sim.ws_url, rest_url=sim.rest_url) as book:
            await book.wait_synced()
            await sim.replay.done.wait()
            target = sim.last_update_id(SYM)
            await until(lambda: book.last_update_id == target)
            trades = [(t.id, t.time, t.price, t.qty, t.buyer_maker)
                      for t in sim.market(SYM).trades]
            return book_state(book.book, book.synced), trades

    from_json = run_replay(path, strategy, stop_at_end=False).result
    from_parquet = run_replay(str(tmp_path / "clean.parquet"), strategy,
                              stop_at_end=False).result
    assert from_parquet == from_json
    assert from_parquet[0] == end and len(from_parquet[1]) > 5
