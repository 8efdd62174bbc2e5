"""The ``wexcore`` commands end to end against the local simulator.

Each command runs in-process through ``wexcore.cli.main`` (output captured
with capsys, which is not a terminal, so the commands fall back to plain
lines), bounded in time; the live books are checked against the simulator's
own book, which shares no code with the client.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import os
import re
import subprocess
import sys

import orjson
import pytest
import websockets

from wexcore import decimal_to_ticks
from wexcore.cli import COMMANDS, main
from wexcore.record import read_records, record, replay, replay_served
from wexcore.sim import Simulator
from wexcore.view import wants_plain

# futures_depth_limit: recordings are compared with the sim's whole book, so the
# futures snapshot must hold all of it (the spec's level 1..50 is the default)
FAST = {"step_interval": 0.01, "depth_interval": 0.02, "futures_depth_limit": 500}


def _field(text: str, label: str) -> str:
    m = re.search(rf"^\s*{re.escape(label)}:\s*(.+)$", text, re.M)
    assert m, f"no {label!r} line in:\n{text}"
    return m.group(1)


# ------------------------------------------------------------------ help and errors


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in ("demo", "book", "record", "replay", "bench", "sim"):
        assert re.search(rf"^\s+{name}\s+\S", out, re.M), name


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_help_has_examples(capsys, name):
    with pytest.raises(SystemExit) as exc:
        main([name, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert f"wexcore {name}" in out.split("examples:")[1]


def test_error_is_one_line_and_nonzero(capsys, tmp_path):
    missing = tmp_path / "missing.jsonl.gz"
    assert main(["replay", str(missing)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("wexcore replay: error: ") and "missing.jsonl.gz" in err


def test_not_a_recording_is_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.gz"
    with gzip.open(bad, "wb") as fh:
        fh.write(b'{"hello": 1}\n')
    assert main(["replay", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err == f"wexcore replay: error: {bad}: not a wexcore recording\n"


def test_plain_output_without_a_terminal():
    assert wants_plain(io.StringIO(), plain=False) is True


def test_book_against_a_closed_port_fails_in_one_line(capsys):
    code = main(["book", "btc_usdt", "--rest-url", "http://127.0.0.1:9",
                 "--ws-url", "ws://127.0.0.1:9", "--seconds", "1", "--plain"])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("wexcore book: error: ") and err.count("\n") == 1


def test_bad_argument_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--seconds", "soon"])
    assert exc.value.code == 2


# ------------------------------------------------------------------ demo


def test_demo_plain_five_seconds(capsys):
    assert main(["demo", "--seconds", "5", "--plain"]) == 0
    out = capsys.readouterr().out
    assert "\x1b[" not in out  # plain: no escape codes
    applied = int(_field(out, "depth updates applied").split()[0])
    assert applied > 0
    assert _field(out, "unrepaired gaps") == "0"
    assert _field(out, "books verified").startswith("3/3 ")
    placed, canceled = _field(out, "orders placed/canceled").split()[0].split("/")
    assert int(placed) >= 2 and placed == canceled
    # order events came back on the private streams for both products
    assert re.search(r"order spot btc_usdt NEW BUY .*stream", out)
    assert re.search(r"order futures btc_usdt CANCELED BUY .*stream", out)
    # one line per second per symbol
    for title in ("spot    btc_usdt", "spot    eth_usdt", "futures btc_usdt"):
        assert len(re.findall(rf"^t=.*s {title} ", out, re.M)) >= 3, title
    assert "p50" in _field(out, "apply latency (µs)")


def test_demo_over_picows(capsys):
    pytest.importorskip("picows")
    assert main(["demo", "--seconds", "2", "--plain", "--transport", "picows"]) == 0
    out = capsys.readouterr().out
    assert int(_field(out, "depth updates applied").split()[0]) > 0
    assert _field(out, "books verified").startswith("3/3 ")


def test_demo_entry_point_without_a_terminal():
    # the installed script, stdout a pipe: falls back to plain output, exits 0
    env = dict(os.environ, SKBUILD_EDITABLE_VERBOSE="0")
    proc = subprocess.run([sys.executable, "-m", "wexcore", "demo", "--seconds", "2"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[" not in proc.stdout
    assert "unrepaired gaps:        0" in proc.stdout


# ------------------------------------------------------------------ book


def test_book_against_the_simulator(capsys):
    with Simulator(seed=2, **FAST) as sim:
        code = main(["book", "eth_usdt", "--rest-url", sim.rest_url, "--ws-url", sim.ws_url,
                     "--seconds", "2", "--plain"])
    assert code == 0
    out = capsys.readouterr().out
    lines = re.findall(r"^t=.*spot    eth_usdt synced bid (\S+) x \S+ ask (\S+) .*$", out, re.M)
    assert lines, out
    bid, ask = map(float, lines[-1])
    assert 0 < bid < ask
    m = re.search(r"spot eth_usdt: \d+ messages, (\d+) updates applied, (\d+) resyncs", out)
    assert m and int(m.group(1)) > 10


def test_book_futures_against_the_simulator(capsys):
    with Simulator(seed=3, **FAST) as sim:
        code = main(["book", "btc_usdt", "--futures", "--rest-url", sim.rest_url,
                     "--ws-url", sim.ws_url, "--seconds", "1.5", "--plain"])
    assert code == 0
    assert re.search(r"^t=.*futures btc_usdt synced bid ", capsys.readouterr().out, re.M)


# ------------------------------------------------------------------ record / replay


def _sim_levels(snap: dict, side: str, pp: int, qp: int) -> list[tuple[int, int]]:
    return [(decimal_to_ticks(p, pp), decimal_to_ticks(q, qp)) for p, q in snap[side]]


async def _caught_up(sim, books, timeout: float = 8.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if all(b.synced and b.last_update_id == sim.published_update_id(b.symbol, b.product)
               for b in books):
            return
        assert loop.time() < deadline, "live books did not catch up with the paused market"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("product", ["spot", "futures"])
async def test_record_from_simulator_replays_to_identical_books(tmp_path, product):
    path = str(tmp_path / "session.jsonl.gz")
    symbols = ["btc_usdt", "eth_usdt"]
    async with Simulator(symbols=symbols, seed=11, faults="reorder=0.05", **FAST) as sim:
        started: list = []
        stop = asyncio.Event()
        task = asyncio.create_task(record(symbols, path, product=product, rest_url=sim.rest_url,
                                          ws_url=sim.ws_url, stop=stop,
                                          on_started=started.extend))

        async def until(pred, timeout: float = 20.0) -> None:
            deadline = asyncio.get_running_loop().time() + timeout
            while not pred():
                assert not task.done(), task.exception()
                assert asyncio.get_running_loop().time() < deadline, "recording stalled"
                await asyncio.sleep(0.02)

        await until(lambda: started and all(b.sync.applied >= 10 for b in started))
        assert await sim.disconnect(product) >= 1  # the session crosses a reconnect
        await until(lambda: all(b.sync.snapshots >= 2 and b.synced for b in started))
        applied = [b.sync.applied for b in started]
        await until(lambda: all(b.sync.applied >= a + 10 for b, a in zip(started, applied, strict=True)))
        await sim.quiesce()
        await _caught_up(sim, started)
        truth = {s: sim.book_snapshot(s, product, depth=None) for s in symbols}
        stop.set()
        summary = await task
    assert summary.losses >= len(symbols)  # each book recorded its reconnect
    assert summary.snapshots >= 2 * len(symbols)

    result = replay(path)

    assert result.matches is True
    assert result.depth_frames > 0 and result.trade_frames > 0
    for s in symbols:
        # the replayed book equals the simulator's own book, level for level
        st = result.books[f"{product}:{s}"]
        assert (st["bid_count"], st["ask_count"]) == (len(truth[s]["bids"]),
                                                       len(truth[s]["asks"]))
        assert st["last_update_id"] == truth[s]["last_update_id"]


async def test_replayed_levels_equal_simulator_levels(tmp_path):
    # the same check on the full level lists, through the replay's own books
    from wexcore.record import _Replayer

    path = str(tmp_path / "s.jsonl.gz")
    async with Simulator(symbols=["btc_usdt"], seed=4, **FAST) as sim:
        started: list = []
        stop = asyncio.Event()
        task = asyncio.create_task(record(["btc_usdt"], path, rest_url=sim.rest_url,
                                          ws_url=sim.ws_url, stop=stop,
                                          on_started=started.extend))
        deadline = asyncio.get_running_loop().time() + 20.0
        while not started or started[0].sync.applied < 20:
            assert not task.done(), task.exception()
            assert asyncio.get_running_loop().time() < deadline, "recording stalled"
            await asyncio.sleep(0.05)
        await sim.quiesce()
        await _caught_up(sim, started)
        truth = sim.book_snapshot("btc_usdt", "spot", depth=None)
        stop.set()
        await task
    rp = _Replayer(path)
    for rec in read_records(path):
        rp.step(rec)
    book = rp.syncs["spot:btc_usdt"].book
    pp, qp = book.price_precision, book.quantity_precision
    got_b = [tuple(map(int, r)) for r in book.bid_ticks(10_000)]
    got_a = [tuple(map(int, r)) for r in book.ask_ticks(10_000)]
    assert got_b == _sim_levels(truth, "bids", pp, qp)
    assert got_a == _sim_levels(truth, "asks", pp, qp)


def test_record_and_replay_commands(capsys, tmp_path):
    path = str(tmp_path / "cmd.jsonl.gz")
    with Simulator(seed=9, **FAST) as sim:
        assert main(["record", "btc_usdt", "eth_usdt", "-o", path, "--rest-url", sim.rest_url,
                     "--ws-url", sim.ws_url, "--seconds", "1.5"]) == 0
    out = capsys.readouterr().out
    m = re.search(r"recorded (\d+) frames, (\d+) snapshots", out)
    assert m and int(m.group(1)) > 0 and int(m.group(2)) == 2
    kinds = [r["type"] for r in read_records(path)]
    assert kinds[0] == "header" and kinds[-1] == "end"
    # the book record comes before the book's first frame and snapshot
    for sym in ("btc_usdt", "eth_usdt"):
        recs = [r for r in read_records(path) if r.get("symbol") == sym
                and r.get("topic") != "trade"]
        assert recs[0]["type"] == "book"

    assert main(["replay", path]) == 0
    out = capsys.readouterr().out
    assert "final books identical to the recording: yes" in out
    assert re.search(r"throughput: [\d,]+ frames/s", out)

    assert main(["replay", path, "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert doc["matches_recording"] is True and doc["frames"] == int(m.group(1))


def test_record_sim_with_faults_replays_exactly(capsys, tmp_path):
    path = str(tmp_path / "lossy.jsonl.gz")
    assert main(["record", "btc_usdt", "--sim", "--faults", "drop=0.25,duplicate=0.05",
                 "-o", path, "--seconds", "2"]) == 0
    assert main(["replay", path, "--json"]) == 0
    out = capsys.readouterr().out
    doc = orjson.loads(out[out.index("{"):])
    assert doc["matches_recording"] is True
    assert doc["resyncs"] >= 1 and doc["snapshots"] >= 2  # gaps happened and were repaired


def test_record_faults_need_sim(capsys, tmp_path):
    assert main(["record", "btc_usdt", "--faults", "drop=0.1", "-o",
                 str(tmp_path / "x.gz"), "--seconds", "1"]) == 2
    assert capsys.readouterr().err == ("wexcore record: error: --faults needs --sim (faults "
                                       "are the simulator's)\n")


def test_paced_replay_keeps_order_and_result(tmp_path):
    path = str(tmp_path / "paced.jsonl.gz")
    with Simulator(seed=8, **FAST) as sim:
        assert main(["record", "btc_usdt", "-o", path, "--rest-url", sim.rest_url,
                     "--ws-url", sim.ws_url, "--seconds", "1", "--no-trades"]) == 0
    fast = replay(path)
    paced = replay(path, speed=20.0)
    assert paced.books == fast.books and paced.matches is True
    # paced: the wall time covers the recorded span divided by the speed
    assert paced.wall_seconds >= fast.recorded_seconds / 20.0 * 0.9


def test_zstd_recording_round_trip(tmp_path):
    pytest.importorskip("zstandard")
    path = str(tmp_path / "z.jsonl.zst")
    with Simulator(seed=1, **FAST) as sim:
        assert main(["record", "btc_usdt", "-o", path, "--rest-url", sim.rest_url,
                     "--ws-url", sim.ws_url, "--seconds", "1", "--no-trades"]) == 0
    with open(path, "rb") as fh:
        assert fh.read(4) == b"\x28\xb5\x2f\xfd"
    res = replay(path)
    assert res.matches is True and res.trade_frames == 0


def test_zstd_without_module_says_so_before_connecting(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "zstandard", None)
    code = main(["record", "btc_usdt", "-o", str(tmp_path / "x.zst"), "--rest-url",
                 "http://127.0.0.1:9", "--ws-url", "ws://127.0.0.1:9", "--seconds", "1"])
    assert code == 1
    err = capsys.readouterr().err
    assert "zstandard" in err and "127.0.0.1:9" not in err
    assert not (tmp_path / "x.zst").exists()


async def test_replay_serves_recorded_frames_over_websocket(tmp_path):
    path = str(tmp_path / "serve.jsonl.gz")
    async with Simulator(seed=5, **FAST) as sim:
        await record(["btc_usdt"], path, rest_url=sim.rest_url, ws_url=sim.ws_url, seconds=1.0)
    frames = [r for r in read_records(path) if r["type"] == "frame"]
    want_depth = [r["frame"] for r in frames if r["topic"] == "depth_update"]
    assert want_depth and len(want_depth) < len(frames)  # trades were recorded too
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(replay_served(path, speed=4.0, port=0, ready=ready,
                                             out=io.StringIO()))
    url = await asyncio.wait_for(ready, 5)
    got = []
    async with websockets.connect(url) as ws:
        await ws.send(orjson.dumps({"id": "1", "method": "subscribe",
                                    "params": ["depth_update@btc_usdt"]}).decode())
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                got.append(await asyncio.wait_for(ws.recv(), 5))
    res = await task
    # the reply first (replay waits for the subscription), then the topic's frames only
    assert orjson.loads(got[0]) == {"id": "1", "code": 0, "msg": "success"}
    assert got[1:] == want_depth
    assert res.clients == 1 and res.matches is True


async def test_a_stream_client_consumes_a_served_replay(tmp_path):
    # "other programs can consume a recorded session": wexcore's own client
    from wexcore import StreamClient, Trade

    path = str(tmp_path / "trades.jsonl.gz")
    async with Simulator(seed=6, **FAST) as sim:
        await record(["btc_usdt"], path, rest_url=sim.rest_url, ws_url=sim.ws_url, seconds=1.0)
    want = [orjson.loads(r["frame"])["data"]["i"] for r in read_records(path)
            if r["type"] == "frame" and r["topic"] == "trade"]
    assert want and max(want) > 2**53
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(replay_served(path, speed=4.0, port=0, ready=ready,
                                             out=io.StringIO()))
    url = await asyncio.wait_for(ready, 5)
    async with StreamClient("spot", "public", url=url) as client:
        trades = await client.subscribe("trade@btc_usdt")
        got = []
        while len(got) < len(want):
            event = await asyncio.wait_for(trades.get(), 5)
            assert isinstance(event, Trade)
            got.append(event.trade_id)
    await task
    assert got == want  # exact ids beyond 2**53, in order


# ------------------------------------------------------------------ bench


def test_bench_quick_table_and_json(capsys, tmp_path):
    path = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--no-progress", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    for group in ("signing", "decoding", "book", "end_to_end", "socket"):
        assert re.search(rf"^{group}\s+\S.*wexcore(?: \(\w+\))?\s+[\d.]+\s+1\.0x$", out,
                         re.M), group
    assert re.search(r"python hmac\s+[\d.]+\s+[\d.]+x slower", out)
    doc = orjson.loads(path.read_bytes())
    rows = doc["results"]
    assert {r["group"] for r in rows} == {"signing", "decoding", "book", "end_to_end", "socket"}
    ref: dict = {}
    for r in rows:
        if not r["baseline"]:
            ref.setdefault((r["group"], r["case"]), r["median_us"])
    for r in rows:
        assert r["median_us"] > 0
        if r["baseline"]:
            assert r["ratio"] == pytest.approx(r["median_us"] / ref[(r["group"], r["case"])])


def test_bench_skips_missing_optional_baselines(capsys, monkeypatch):
    for mod in ("msgspec", "sortedcontainers", "order_book"):
        monkeypatch.setitem(sys.modules, mod, None)
    assert main(["bench", "--quick", "--no-progress", "--only", "decoding,book",
                 "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    table = out.split("baselines skipped")[0]
    assert "SortedDict" not in table and "order-book" not in table and "msgspec" not in table
    assert "orjson + dict" in table
    assert ("baselines skipped (optional packages not installed): msgspec, order-book, "
            "sortedcontainers;") in out


def test_bench_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "bench.png"
    assert main(["bench", "--quick", "--no-progress", "--only", "signing", "--repeat", "1",
                 "--png", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bench_unknown_group_is_a_usage_error(capsys):
    assert main(["bench", "--only", "nonsense"]) == 2
    assert capsys.readouterr().err.startswith(
        "wexcore bench: error: --only: unknown group(s) nonsense; choose from signing,")
