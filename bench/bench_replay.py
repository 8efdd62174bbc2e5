"""Market replay benchmarks: events served per second, matching cost per event.

* ``test_replay_serves_a_live_book``: ``run_replay`` (the simulator replaying
  a recording on virtual time, as fast as the client takes it) with a
  :class:`~wexcore.LiveBook` connected over loopback in the same process,
  which must end on the recorded book. Baseline: the same recording through
  ``wexcore.record.replay`` -- decoder and book only, no simulator, no
  sockets: what the client side costs by itself.
* ``test_replay_matching_cost_per_event``: the replay's own work per
  recorded event (parse, apply to the book, queue positions, fills,
  summary), in-process without sockets, with 40 user orders resting around
  the touch; baseline: the same events with no user order.

Run: ``python -m pytest bench/bench_replay.py --benchmark-enable -s``. The
machine is shared: figures are the fastest of the rounds; the ratios, taken
in the same run, drift less than the absolute rates.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from wexcore import LiveBook
from wexcore.record import book_state, read_records, record, replay
from wexcore.sim import Simulator
from wexcore.sim.replay import run_replay
from wexcore.sim.summary import RunSummary

SYM = "btc_usdt"
#: regression guards, about half of the ratios measured (docs/replay.md: 0.05x
#: and 0.5x): serving a live book costs at most 40x the client's own decoding
#: and applying; 40 resting user orders at most 4x the replay of the book alone
SERVE_RATIO = 0.025
MATCH_RATIO = 0.25


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> str:
    quick = _rounds(request.config) == 1
    path = tmp_path_factory.mktemp("bench-replay") / "session.jsonl.gz"

    async def make() -> None:
        # one depth frame per market event, as fast as the recorder takes them
        async with Simulator(symbols=[SYM], seed=11, rate=2000) as sim:
            await record([SYM], str(path), rest_url=sim.rest_url, ws_url=sim.ws_url,
                         seconds=0.6 if quick else 4.0)

    asyncio.run(make())
    return str(path)


def _rounds(config: pytest.Config) -> int:
    """1 in the correctness run and in a smoke run (``--benchmark-min-rounds=1``)."""
    if config.getoption("benchmark_disable") and not config.getoption("benchmark_enable"):
        return 1
    return max(1, int(config.getoption("benchmark_min_rounds")))


def test_replay_serves_a_live_book(benchmark: Any, ratios: Any, recording: str,
                                   pytestconfig: pytest.Config) -> None:
    end = next(r for r in read_records(recording) if r["type"] == "end")["books"]
    results: list[tuple[float, dict[str, Any], int]] = []

    async def strategy(sim: Simulator) -> dict[str, Any]:
        assert sim.replay is not None
        async with LiveBook(SYM, ws_url=sim.ws_url, rest_url=sim.rest_url) as book:
            await book.wait_synced()
            await sim.replay.done.wait()
            target = sim.last_update_id(SYM)
            deadline = asyncio.get_running_loop().time() + 10  # virtual seconds
            while book.last_update_id != target:
                assert asyncio.get_running_loop().time() < deadline, "the book fell behind"
                await asyncio.sleep(0.001)
            return book_state(book.book, book.synced)

    def once() -> None:
        t0 = time.perf_counter()
        run = run_replay(recording, strategy, stop_at_end=False)
        results.append((time.perf_counter() - t0, run.result, run.summary["events"]["events"]))

    benchmark.pedantic(once, rounds=_rounds(pytestconfig), iterations=1)
    for _, state, _ in results:
        assert state == end[f"spot:{SYM}"]
    best = min(r[0] for r in results)
    events = results[0][2]
    benchmark.extra_info.update(events=events, events_per_second=round(events / best))
    if ratios.record("replay: serve a live book", "sim --replay + LiveBook", benchmark):
        print(f"\nreplay served {events} events to a live book in {best:.3f} s: "
              f"{events / best:,.0f} events/s (fastest of {len(results)})")


def test_replay_baseline_decode_and_apply_only(benchmark: Any, ratios: Any, recording: str,
                                               pytestconfig: pytest.Config) -> None:
    result = benchmark.pedantic(lambda: replay(recording), rounds=_rounds(pytestconfig),
                                iterations=1)
    assert result.matches
    if ratios.record("replay: serve a live book", "record.replay (no sim, no socket)",
                     benchmark):
        # a regression guard at about half the ratio measured (docs/replay.md)
        ratios.check("replay: serve a live book", "sim --replay + LiveBook",
                     "record.replay (no sim, no socket)", SERVE_RATIO)


def _matching_setup(path: str, resting: int) -> tuple[tuple[Any, ...], dict[str, Any]]:
    sim = Simulator(replay=path)
    rp = sim.replay
    assert rp is not None
    rp.summary = RunSummary(sim.engine)
    m = sim.market(SYM)
    acct = sim.account()
    bid, ask = m.book.best("BUY"), m.book.best("SELL")
    assert bid is not None and ask is not None
    for i in range(resting // 2):  # small orders spread over the 20 best prices a side
        for side, price in (("BUY", bid - i % 20), ("SELL", ask + i % 20)):
            sim.engine.place_spot(acct, m, {"side": side, "type": "LIMIT",
                                            "timeInForce": "GTC",
                                            "price": m.price_str(price),
                                            "quantity": m.qty_str(100)}, "127.0.0.1")
    events = []
    while (ev := rp._next()) is not None:
        events.append(ev)
        rp._pending = None
    return (rp, events), {}


def _apply_all(rp: Any, events: list[Any]) -> int:
    for ev in events:
        rp.position = ev.ts
        rp._apply(ev, publish=True)
    rp.sim.dispatch(trades=False)
    return len(events)


@pytest.mark.parametrize("resting", [0, 40])
def test_replay_matching_cost_per_event(benchmark: Any, ratios: Any, recording: str,
                                        resting: int, pytestconfig: pytest.Config) -> None:
    setups: list[Any] = []

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        args, kw = _matching_setup(recording, resting)
        setups.append(args)
        return args, kw

    rounds = _rounds(pytestconfig)
    n = benchmark.pedantic(_apply_all, setup=setup, rounds=rounds + 2 if rounds > 1 else 1,
                           iterations=1)
    rp, events = setups[-1]
    assert n == len(events) > 0
    book = rp.sim.market(SYM).book
    assert book.update_id == max(e.last for e in events if hasattr(e, "first"))
    if resting:
        assert rp.sim.engine.user_trades, "the resting orders never filled"
        assert rp.summary.accounts
    name = f"{resting} resting user orders"
    if ratios.record("replay: matching per event", name, benchmark):
        best = ratios.fastest("replay: matching per event", name)
        print(f"\nreplay matching, {name}: {best / n * 1e6:.2f} us per event ({n} events)")
        if resting:
            ratios.check("replay: matching per event", name, "0 resting user orders",
                         MATCH_RATIO)


def test_bench_file_is_where_the_docs_say() -> None:
    assert Path(__file__).name in (Path(__file__).parent.parent / "docs" / "replay.md"
                                   ).read_text()
