"""Market replay: order-entry and acknowledgement latency on the replay clock."""

from __future__ import annotations

import asyncio
import math

import pytest

from replay_support import BASE_MS, SYM, depth, snapshot, until, write_recording
from wexcore import AsyncSpotClient, SpotPrivateStream
from wexcore.sim.latency import Latency
from wexcore.sim.replay import run_replay


def test_fixed_latencies_in_ms():
    assert Latency("5").draw() == 5_000_000
    assert Latency("2.5ms").draw() == 2_500_000
    assert Latency(0).zero and Latency("").zero and not Latency("0.001").zero
    assert Latency(0.000_001).draw() == 1


@pytest.mark.parametrize("spec,low,high", [
    ("uniform:2:8", 2_000_000, 8_000_000),
    ("normal:5:1", 0, 60_000_000_000),
    ("exp:5:1", 1_000_000, 60_000_000_000),
])
def test_drawn_latencies_stay_in_their_range_and_repeat_with_the_seed(spec, low, high):
    draws = Latency(spec, name="entry_latency", seed=7)
    seq = [draws.draw() for _ in range(200)]
    assert all(low <= d <= high for d in seq) and len(set(seq)) > 100
    again = Latency(spec, name="entry_latency", seed=7)
    assert [again.draw() for _ in range(200)] == seq
    other_seed = Latency(spec, name="entry_latency", seed=8)
    other_name = Latency(spec, name="ack_latency", seed=7)
    assert [other_seed.draw() for _ in range(200)] != seq
    assert [other_name.draw() for _ in range(200)] != seq


def test_uniform_draws_cover_their_range():
    d = Latency("uniform:2:8", seed=1)
    seq = [d.draw() / 1e6 for _ in range(2000)]
    assert min(seq) < 2.1 and max(seq) > 7.9
    assert abs(sum(seq) / len(seq) - 5) < 0.2


@pytest.mark.parametrize("spec", ["soon", "-1", "nan", "inf", "60001", "uniform:8:2",
                                  "uniform:1", "normal:5", "exp:0", "gauss:1:2", "1:2"])
def test_a_latency_that_is_not_one_is_refused_by_name(spec):
    with pytest.raises(ValueError, match="ack_latency"):
        Latency(spec, name="ack_latency")


# A taker buy of 1.0 up to 102, sent at 45 ms, against: asks 101 x 1 and
# 102 x 3 until 50 ms, when the 101 ask leaves. (Every signed request waits
# the entry latency: the private stream's token too, before 45 ms.)
TAKE_RECORDING = [
    snapshot(0, 10, [("100.00", "1.0000")], [("101.00", "1.0000"), ("102.00", "3.0000")]),
    depth(50, 11, 11, asks=[("101.00", "0")]),
    depth(90, 12, 12, bids=[("100.00", "2.0000")]),
]


def _take(tmp_path, entry: str, ack: str) -> dict:
    path = write_recording(tmp_path / "take.jsonl.gz", TAKE_RECORDING)

    async def strategy(sim):
        loop = asyncio.get_running_loop()
        pushes = []
        async with AsyncSpotClient(sim.api_key, sim.secret, base_url=sim.rest_url) as rest, \
                SpotPrivateStream(url=sim.ws_url, api_key=sim.api_key, secret=sim.secret,
                                  rest_url=sim.rest_url) as private:
            await private.subscribe("trade", callback=lambda ev: pushes.append(
                (ev, loop.time())))
            await sim.replay.sleep_until(BASE_MS + 45)
            sent = loop.time()
            placed = await rest.place_order(SYM, "BUY", "LIMIT", price="102.00",
                                            quantity="1.0")
            answered = loop.time()
            await until(lambda: pushes)
            order = await rest.get_order(placed.order_id)
            fill, pushed = pushes[0]
            return {"price": fill.price_string, "fill_time": fill.time,
                    "order_time": order.time, "answer_ms": (answered - sent) * 1000,
                    "push_ms": (pushed - sent) * 1000}

    return run_replay(path, strategy, entry_latency=entry, ack_latency=ack,
                      stop_at_end=False).result


@pytest.mark.parametrize("entry,price,at", [
    ("0", "101.00", 45),    # reaches the book before the 101 ask leaves
    ("4.999", "101.00", 49),
    ("5", "102.00", 50),    # at 50 ms exactly: the recorded event at 50 ms comes first
    ("10", "102.00", 55),
])
def test_entry_latency_decides_which_liquidity_an_order_finds(tmp_path, entry, price, at):
    got = _take(tmp_path, entry, "0")
    assert got["price"] == price
    assert got["fill_time"] == got["order_time"] == BASE_MS + at
    assert math.isclose(got["answer_ms"], float(entry), abs_tol=1e-6)


def test_ack_latency_delays_the_answer_and_the_pushes(tmp_path):
    got = _take(tmp_path, "2", "3")
    assert got["price"] == "101.00" and got["fill_time"] == BASE_MS + 47
    assert math.isclose(got["answer_ms"], 5.0, abs_tol=1e-6)  # entry + ack
    assert math.isclose(got["push_ms"], 5.0, abs_tol=1e-6)


def test_drawn_latencies_repeat_with_the_seed(tmp_path):
    first = _take(tmp_path, "uniform:1:9", "exp:2")
    again = _take(tmp_path, "uniform:1:9", "exp:2")
    assert first == again
    assert first["answer_ms"] >= 1 and BASE_MS + 46 <= first["fill_time"] <= BASE_MS + 54
