"""Decoding benchmark: trade/ticker/kline bytes -> typed events.

In one run, per message kind, over the same seeded batch of ~200-byte frames:

- ``orjson``: ``orjson.loads`` to dicts (no typing, no floats: the floor of
  the usual Python stack);
- ``msgspec``: ``msgspec.json.Decoder`` into Structs with a tagged union on
  ``topic`` (typed, prices left as strings as on the wire);
- ``wexcore``: ``wexcore.decode`` to typed events;
- ``wexcore_read``: ``wexcore.decode`` and then reading every field (the
  events make Python objects on access; this is the fair "all fields" cost).

Each benchmark decodes the whole batch and asserts a checksum of the result.
Goal (issue 4): wexcore faster than both orjson and msgspec.

Run: python -m pytest bench/bench_decode.py --benchmark-enable
"""

from __future__ import annotations

import msgspec
import orjson
import pytest

import wexcore
from messages import batch

COUNT = 500


class TradeData(msgspec.Struct):
    s: str
    i: int
    t: int
    oi: int
    p: str
    q: str
    v: str
    b: bool


class TickerData(msgspec.Struct):
    s: str
    t: int
    cv: str
    cr: str
    o: str
    c: str
    h: str
    l: str  # noqa: E741 - the wire's key
    q: str
    v: str


class KlineData(msgspec.Struct):
    s: str
    t: int
    i: str
    o: str
    c: str
    h: str
    l: str  # noqa: E741
    q: str
    v: str


class TradeMessage(msgspec.Struct, tag_field="topic", tag="trade"):
    event: str
    data: TradeData


class TickerMessage(msgspec.Struct, tag_field="topic", tag="ticker"):
    event: str
    data: TickerData


class KlineMessage(msgspec.Struct, tag_field="topic", tag="kline"):
    event: str
    data: KlineData


MSGSPEC = msgspec.json.Decoder(TradeMessage | TickerMessage | KlineMessage)

CHECK_FIELD = {"trade": ("price", "p"), "ticker": ("close", "c"), "kline": ("close", "c")}


def _frames(kind):
    items = batch(kind, COUNT)
    frames = [f for f, _ in items]
    total = sum(e[CHECK_FIELD[kind][0]] for _, e in items)
    return frames, total


def run_orjson(frames, key):
    loads = orjson.loads
    return [loads(f) for f in frames]


def run_msgspec(frames, key):
    dec = MSGSPEC.decode
    return [dec(f) for f in frames]


def run_wexcore(frames, key):
    dec = wexcore.decode
    return [dec(f) for f in frames]


FIELDS = {
    "trade": ("symbol", "trade_id", "time", "order_id", "price", "quantity", "quote_quantity",
              "buyer_is_maker"),
    "ticker": ("symbol", "time", "change_value", "change_rate", "open", "close", "high", "low",
               "volume", "quote_volume"),
    "kline": ("symbol", "time", "interval", "open", "close", "high", "low", "volume",
              "quote_volume"),
}


def run_wexcore_read(frames, kind):
    dec = wexcore.decode
    names = FIELDS[kind]
    out = []
    for f in frames:
        e = dec(f)
        out.append([getattr(e, n) for n in names])
    return out


@pytest.mark.parametrize("kind", ["trade", "ticker", "kline"])
def test_orjson(benchmark, ratios, kind):
    frames, total = _frames(kind)
    benchmark.group = f"decode-{kind}"
    out = benchmark(run_orjson, frames, kind)
    assert sum(float(m["data"][CHECK_FIELD[kind][1]]) for m in out) == pytest.approx(total)
    ratios.record(f"decode-{kind}", "orjson", benchmark)


@pytest.mark.parametrize("kind", ["trade", "ticker", "kline"])
def test_msgspec(benchmark, ratios, kind):
    frames, total = _frames(kind)
    benchmark.group = f"decode-{kind}"
    out = benchmark(run_msgspec, frames, kind)
    assert sum(float(getattr(m.data, CHECK_FIELD[kind][1])) for m in out) == \
        pytest.approx(total)
    ratios.record(f"decode-{kind}", "msgspec", benchmark)


@pytest.mark.parametrize("kind", ["trade", "ticker", "kline"])
def test_wexcore(benchmark, ratios, kind):
    frames, total = _frames(kind)
    benchmark.group = f"decode-{kind}"
    out = benchmark(run_wexcore, frames, kind)
    assert sum(getattr(e, CHECK_FIELD[kind][0]) for e in out) == pytest.approx(total)
    ratios.record(f"decode-{kind}", "wexcore", benchmark)
    ratios.check(f"decode-{kind}", "wexcore", "orjson", 1.0)
    ratios.check(f"decode-{kind}", "wexcore", "msgspec", 1.0)


@pytest.mark.parametrize("kind", ["trade", "ticker", "kline"])
def test_wexcore_read_all_fields(benchmark, ratios, kind):
    frames, total = _frames(kind)
    benchmark.group = f"decode-{kind}"
    out = benchmark(run_wexcore_read, frames, kind)
    index = FIELDS[kind].index(CHECK_FIELD[kind][0])
    assert sum(row[index] for row in out) == pytest.approx(total)
    ratios.record(f"decode-{kind}", "wexcore_read", benchmark)


# --- depth_update -> float arrays (the typed event, not the book's tick path) ----

DEPTH_LEVELS = (1, 10, 40)


def _depth_frames(levels):
    import random

    from messages import depth_update

    rng = random.Random(levels)
    items = [depth_update(rng, levels, first_id=1000 + 100 * k) for k in range(200)]
    total = sum(float(p) for _, e in items for p, _q in e["bids"])
    return [f for f, _ in items], total


def run_orjson_arrays(frames):
    import numpy as np

    loads = orjson.loads
    out = []
    for f in frames:
        data = loads(f)["data"]
        bids = np.array([[float(p), float(q)] for p, q in data["b"]], dtype=np.float64)
        asks = np.array([[float(p), float(q)] for p, q in data["a"]], dtype=np.float64)
        out.append((bids, asks))
    return out


def run_wexcore_arrays(frames):
    dec = wexcore.decode
    out = []
    for f in frames:
        event = dec(f)
        out.append((event.bids, event.asks))
    return out


@pytest.mark.parametrize("levels", DEPTH_LEVELS)
def test_depth_orjson_arrays(benchmark, ratios, levels):
    frames, total = _depth_frames(levels)
    benchmark.group = f"decode-depth{levels}"
    out = benchmark(run_orjson_arrays, frames)
    assert sum(float(b[:, 0].sum()) for b, _a in out) == pytest.approx(total)
    ratios.record(f"decode-depth{levels}", "orjson+float+numpy", benchmark)


@pytest.mark.parametrize("levels", DEPTH_LEVELS)
def test_depth_wexcore_arrays(benchmark, ratios, levels):
    frames, total = _depth_frames(levels)
    benchmark.group = f"decode-depth{levels}"
    out = benchmark(run_wexcore_arrays, frames)
    assert sum(float(b[:, 0].sum()) for b, _a in out) == pytest.approx(total)
    ratios.record(f"decode-depth{levels}", "wexcore", benchmark)
    ratios.check(f"decode-depth{levels}", "wexcore", "orjson+float+numpy", 1.0)
