"""Depth decode benchmark: depth_update bytes -> integer tick arrays.

wexcore's ``DepthParser.parse`` (one Python call per message, results in
reusable int64 arrays) against ``orjson.loads`` alone, orjson + float() +
numpy arrays, ``msgspec`` typed decoding, and the plain C scan of the same
bytes in one C loop (``wexcore._book._scan_loop``: the floor the Python call
should stay within 1.3x of).

Run: python -m pytest bench/bench_depth_decode.py --benchmark-enable
"""

from __future__ import annotations

import msgspec
import numpy as np
import orjson

from wexcore import DepthParser
from wexcore._book import _scan_loop
from workload import generate

GROUP = "depth_decode"


def _workload():
    w = generate(500)
    return w, w.level_updates


def test_decode_orjson_loads(benchmark, ratios):
    w, total = _workload()
    messages = w.messages

    def run():
        n = 0
        for m in messages:
            d = orjson.loads(m)["data"]
            n += len(d["a"]) + len(d["b"])
        return n

    assert benchmark(run) == total
    ratios.record(GROUP, "orjson.loads", benchmark)


def test_decode_orjson_float_numpy(benchmark, ratios):
    w, total = _workload()
    messages = w.messages
    f64 = np.float64

    def run():
        n = 0
        for m in messages:
            d = orjson.loads(m)["data"]
            b = np.array([(float(p), float(q)) for p, q in d["b"]], dtype=f64)
            a = np.array([(float(p), float(q)) for p, q in d["a"]], dtype=f64)
            n += len(a) + len(b)
        return n

    assert benchmark(run) == total
    ratios.record(GROUP, "orjson+float+numpy", benchmark)


class _Data(msgspec.Struct):
    s: str
    fi: int
    i: int
    a: list[tuple[str, str]]
    b: list[tuple[str, str]]


class _Frame(msgspec.Struct):
    topic: str
    event: str
    data: _Data


def test_decode_msgspec_typed(benchmark, ratios):
    w, total = _workload()
    messages = w.messages
    decode = msgspec.json.Decoder(_Frame).decode

    def run():
        n = 0
        for m in messages:
            d = decode(m).data
            n += len(d.a) + len(d.b)
        return n

    assert benchmark(run) == total
    ratios.record(GROUP, "msgspec typed", benchmark)


def test_decode_plain_c_scan(benchmark, ratios):
    w, total = _workload()
    messages = w.messages
    assert benchmark(_scan_loop, messages, w.price_precision, w.quantity_precision) == total
    ratios.record(GROUP, "plain C scan", benchmark)


def test_decode_wexcore(benchmark, ratios):
    w, total = _workload()
    messages = w.messages
    parser = DepthParser(w.price_precision, w.quantity_precision)
    parse = parser.parse

    def run():
        n = 0
        for m in messages:
            n += parse(m)
        return n

    assert benchmark(run) == total
    # the parser's arrays hold the last message exactly
    first, last, _, bids, asks = w.updates[-1]
    assert (parser.first_id, parser.last_id) == (first, last)
    bp, bq = parser.bids()
    ap, aq = parser.asks()
    assert list(zip(bp.tolist(), bq.tolist(), strict=True)) == bids
    assert list(zip(ap.tolist(), aq.tolist(), strict=True)) == asks
    ratios.record(GROUP, "wexcore", benchmark)
    ratios.check(GROUP, "wexcore", "orjson.loads", 3.0)
    ratios.check(GROUP, "wexcore", "orjson+float+numpy", 20.0)
    # within 1.3x of the plain C scan: C-scan time / wexcore time >= 1/1.3
    ratios.check(GROUP, "wexcore", "plain C scan", 1 / 1.3)
