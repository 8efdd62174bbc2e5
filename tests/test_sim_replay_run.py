"""Market replay runs: determinism, the run summary, the command line, the docs example."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import aiohttp
import orjson
import pytest

from replay_support import (
    BASE_MS,
    BOOK_ASKS,
    BOOK_BIDS,
    SYM,
    depth,
    sim_recording,
    snapshot,
    trade,
    write_recording,
)
from wexcore import AsyncSpotClient
from wexcore.sim.replay import run_replay

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples" / "backtest"))

from market_maker import backtest, make_market  # noqa: E402


def _market_maker_run(path: str, *, slow: bool) -> tuple[bytes, bytes, dict]:
    """The docs' market maker, unchanged, with drawn latencies; what it did."""
    sims = []

    async def hog() -> None:
        # a slower machine: 1 ms of wall time burned every virtual millisecond
        while True:
            time.sleep(0.001)
            await asyncio.sleep(0.001)

    async def strategy(sim):
        sims.append(sim)
        slow_down = asyncio.ensure_future(hog()) if slow else None
        try:
            await make_market(sim.rest_url, sim.ws_url, sim.api_key, sim.secret,
                              requote=0.05)
        finally:
            if slow_down is not None:
                slow_down.cancel()

    run = run_replay(path, strategy, seed=3, entry_latency="uniform:1:4",
                     ack_latency="exp:1")
    engine = sims[0].engine
    orders = [(o.id, o.side, o.price, o.state, o.executed, o.time, o.updated)
              for a in engine.accounts.values() for o in a.orders.values()]
    return orjson.dumps(engine.user_trades), orjson.dumps(orders), run.summary


def test_the_same_run_gives_the_same_fills_byte_for_byte_on_any_machine(tmp_path_factory):
    path = sim_recording(tmp_path_factory, "clean")
    fills, orders, summary = _market_maker_run(path, slow=False)
    assert len(orjson.loads(fills)) >= 3
    again = _market_maker_run(path, slow=False)
    slow = _market_maker_run(path, slow=True)
    assert again == (fills, orders, summary)
    assert slow == (fills, orders, summary)


# The summary's numbers by hand (docs/replay.md, "Run summary"):
# t=5   buy 1.0 at 101 (taker, fee 0.001 btc): position 0.999, cash -101
#       the mid (100 + 101) / 2 = 100.50: PnL -101 + 0.999 * 100.50 = -0.6005
#       then a sell of 1.5 rests at 103 (nothing ahead of it)
# t=20  the 100 bid leaves: mid (99 + 101) / 2 = 100.00: PnL -1.1 (the drawdown)
# t=30  a buyer takes 0.5 at 103: it fills the sell (maker, fee 51.5 * 0.001 =
#       0.0515 usdt): position 0.499, cash -101 + 51.5 - 0.0515 = -49.5515;
#       PnL -49.5515 + 0.499 * 100 = 0.3485
# t=40  the 101 ask leaves: mid (99 + 102) / 2 = 100.50: PnL 0.598
SUMMARY_RECORDING = [
    snapshot(0, 10, BOOK_BIDS, BOOK_ASKS),
    depth(20, 11, 11, bids=[("100.00", "0")]),
    trade(30, "103.00", "0.5000", False, 1),
    depth(40, 12, 12, asks=[("101.00", "0")]),
]


def test_the_run_summary_matches_a_hand_computation(tmp_path):
    path = write_recording(tmp_path / "summary.jsonl.gz", SUMMARY_RECORDING)

    async def strategy(sim):
        async with AsyncSpotClient(sim.api_key, sim.secret, base_url=sim.rest_url) as rest:
            await sim.replay.sleep_until(BASE_MS + 5)
            await rest.place_order(SYM, "BUY", "LIMIT", price="102.00", quantity="1.0")
            await rest.place_order(SYM, "SELL", "LIMIT", price="103.00", quantity="1.5")
            await sim.replay.done.wait()
            async with aiohttp.ClientSession() as http, \
                    http.get(sim.rest_url + "/sim/replay/summary") as r:
                return await r.json()

    run = run_replay(path, strategy, stop_at_end=False)
    served = run.result
    assert served == json.loads(orjson.dumps(run.summary))
    (account,) = run.summary["accounts"].values()
    assert account == {
        "orders": 2, "fills": 2, "maker_fills": 1, "taker_fills": 1,
        "fees": {"btc": "0.001", "usdt": "0.0515"},
        "pnl": {"usdt": "0.598"}, "max_drawdown": {"usdt": "1.1"},
        "markets": {f"spot:{SYM}": {
            "position": "0.499", "cash": "-49.5515", "mid": "100.5", "pnl": "0.598",
            "currency": "usdt", "volume": "1.5", "quote_volume": "152.5", "fills": 2,
            "fees": {"btc": "0.001", "usdt": "0.0515"}}},
    }
    assert run.summary["finished"] and run.summary["clock"]["start_ms"] == BASE_MS
    assert run.summary["events"]["trades"] == 1 and run.summary["events"]["depth_frames"] == 2


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wexcore", "sim", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_the_command_line_replays_and_writes_the_summary(tmp_path):
    path = write_recording(tmp_path / "summary.jsonl.gz", SUMMARY_RECORDING)
    out = tmp_path / "run.json"
    done = _cli("--replay", path, "--as-fast-as-clients", "--no-wait", "--exit-at-end",
                "--entry-latency", "uniform:1:2", "--queue", "back", "--summary", str(out))
    assert done.returncode == 0, done.stderr
    assert re.search(r"^replay: .*spot:btc_usdt; as fast as clients take it", done.stdout,
                     re.M)
    summary = json.loads(out.read_text())
    assert summary["finished"] and summary["settings"]["queue"] == "back"
    assert summary["settings"]["entry_latency"] == "uniform:1:2"
    assert summary["events"]["events"] == 4


@pytest.mark.parametrize("args,message", [
    (["--speed", "2"], "--speed needs --replay FILE"),
    (["--queue", "front", "--exit-at-end"], "--queue, --exit-at-end need --replay FILE"),
    (["--replay", "x.gz", "--speed", "2", "--as-fast-as-clients"], "not allowed with"),
    (["--replay", "x.gz", "--summary", "/no/such/dir/run.json"], "--summary /no/such/dir"),
])
def test_replay_options_without_sense_are_usage_errors(args, message):
    done = _cli(*args)
    assert done.returncode == 2 and message in done.stderr


def test_a_bad_record_makes_the_command_fail(tmp_path):
    # at the start: refused before serving anything
    path = write_recording(tmp_path / "bad.jsonl.gz", [
        snapshot(0, 10, BOOK_BIDS, BOOK_ASKS), depth(10, 11, 11, bids=[("x", "1")])])
    done = _cli("--replay", path, "--as-fast-as-clients", "--no-wait", "--exit-at-end")
    assert done.returncode == 1 and "record 4: frame.data.b[0][0]" in done.stderr
    assert "rest:" not in done.stdout
    # later: the replay stops there, the summary says why, the exit code is 1
    path = write_recording(tmp_path / "bad.jsonl.gz", [
        snapshot(0, 10, BOOK_BIDS, BOOK_ASKS), depth(5, 11, 11, bids=[("99.00", "1")]),
        depth(10, 12, 12, bids=[("x", "1")])])
    done = _cli("--replay", path, "--as-fast-as-clients", "--no-wait", "--exit-at-end")
    assert done.returncode == 1 and "replay stopped early" in done.stderr
    summary = json.loads(done.stdout[done.stdout.index("{"):])
    assert "record 5: frame.data.b[0][0]" in summary["error"]


def test_the_docs_example_is_the_example_file_and_it_backtests(tmp_path_factory):
    source = (ROOT / "examples" / "backtest" / "market_maker.py").read_text()
    doc = (ROOT / "docs" / "replay.md").read_text()
    block = re.search(r"```python\n(.*?)```", doc[doc.index("## A backtest"):], re.S)
    assert block is not None and block.group(1) == source
    summary = backtest(sim_recording(tmp_path_factory, "clean"))
    (account,) = summary["accounts"].values()
    assert account["orders"] > 0 and account["fills"] > 0
    assert summary["finished"] and summary["error"] is None


# Futures, one taker buy of 10 contracts at 30001 (t=5), the mid then
# 30000.50 -> 29995.50 (t=20) -> 30000.50 (t=40).
FUTURES_RECORDING = [
    snapshot(0, 10, [("30000.00", "50")], [("30001.00", "40")], product="futures"),
    depth(20, 11, 11, bids=[("30000.00", "0"), ("29990.00", "10")], product="futures"),
    depth(40, 12, 12, asks=[("30001.00", "0"), ("30011.00", "5")], product="futures"),
]


def _futures_run(tmp_path, symbol: str, coin_m: bool) -> tuple[dict, list]:
    from replay_support import write_recording as write

    records = [{**r, "symbol": symbol} for r in FUTURES_RECORDING]
    path = write(tmp_path / f"{symbol}.jsonl.gz", records, product="futures", symbol=symbol,
                 quantity_precision=0)

    async def strategy(sim):
        from wexcore import AsyncFuturesClient

        async with AsyncFuturesClient(sim.api_key, sim.secret, base_url=sim.rest_url,
                                      coin_margined=coin_m) as rest:
            await sim.replay.sleep_until(BASE_MS + 5)
            await rest.place_order(symbol, "BUY", "LIMIT", 10, "LONG", price="30001.00")
            await sim.replay.done.wait()
            return await rest.positions(symbol=symbol)

    run = run_replay(path, strategy, stop_at_end=False, coin_m=coin_m)
    (account,) = run.summary["accounts"].values()
    return account, run.result


def test_a_linear_futures_summary_by_hand(tmp_path):
    # value 30001 * 10 * 0.0001 = 30.001 usdt, taker fee 0.0006 of it = 0.0180006
    # PnL = -30.0190006 + 10 * mid * 0.0001: -0.0185006, -0.0235006, -0.0185006
    account, positions = _futures_run(tmp_path, "btc_usdt", coin_m=False)
    market = account["markets"]["futures:btc_usdt"]
    assert (market["position"], market["cash"], market["currency"]) == (
        "10", "-30.0190006", "usdt")
    assert account["pnl"] == {"usdt": "-0.0185006"}
    assert account["max_drawdown"] == {"usdt": "0.0235006"}
    assert account["fees"] == {"usdt": "0.0180006"} and account["taker_fills"] == 1
    long = next(p for p in positions if p.position_side == "LONG")
    assert long.position_size == 10 and long.entry_price == Decimal("30001")


def test_an_inverse_futures_summary_matches_the_inverse_pnl_formula(tmp_path):
    account, _ = _futures_run(tmp_path, "btc_usd", coin_m=True)
    market = account["markets"]["futures:btc_usd"]
    fee = Decimal(account["fees"]["btc"])
    # an independent reading: qty * size * (1/entry - 1/mark) - fee, in btc
    expected = 10 * Decimal(100) * (1 / Decimal(30001) - 1 / Decimal("30000.5")) - fee
    low = 10 * Decimal(100) * (1 / Decimal(30001) - 1 / Decimal("29995.5")) - fee
    assert market["currency"] == "btc" and market["position"] == "10"
    assert abs(Decimal(account["pnl"]["btc"]) - expected) < Decimal("1e-17")
    assert abs(Decimal(account["max_drawdown"]["btc"]) + low) < Decimal("1e-17")
    assert fee == Decimal("0.00002")  # 0.0006 * 1000 / 30001 btc, up to 8 decimals
