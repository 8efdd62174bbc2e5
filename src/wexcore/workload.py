"""Seeded depth workload: a snapshot and a stream of depth updates in the exact
WEX wire formats (spot and futures), with the book they must produce.

Shipped inside the package so that ``wexcore bench`` runs from an installed
wheel (bench/workload.py re-exports it for the pytest-benchmark files).

Shape, chosen to look like a liquid pair's diff stream:

* a snapshot of ``levels`` levels per side (500 by default; 5,000 for the big
  variant), prices spaced 1-4 ticks apart so inserts find room between levels;
* messages carry 1 to 40 level changes: 55% of them 1-10 (mostly small), 45%
  28-40, so the median is about 10 and the mean about 17, around 560 bytes
  (the issue's standard: about 17 levels and 514 bytes);
* each change lands ``d`` levels from the touch with ``d`` exponential (mean
  8 levels), so most activity is near the top and a little reaches deep;
* about half the changes modify a level, the rest insert and delete in
  balance (steered towards the target size so the book keeps its shape);
  some inserts improve the touch, some deletes hit levels that do not exist
  (the spec says that happens and is normal);
* ids start above 2**53, ``fi``/``fu`` continue the previous ``i``/``u`` and
  one message may span several ids.

The generator keeps its own book while it writes the stream, so the expected
final state (best levels, counts, checksum) comes from it, not from wexcore.
"""

from __future__ import annotations

import bisect
import functools
import random
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

__all__ = ["Workload", "generate", "checksum", "fmt", "FIRST_ID", "SYMBOL", "PRICE_PRECISION",
           "QUANTITY_PRECISION"]

FIRST_ID = 137333589606963580  # > 2**53: ids must never pass through a float
SYMBOL = "btc_usdt"
PRICE_PRECISION = 2
QUANTITY_PRECISION = 6


def fmt(ticks: int, precision: int) -> str:
    """Ticks -> the exchange's fixed-decimal string, e.g. 3000012 -> '30000.12'."""
    if precision == 0:
        return str(ticks)
    unit = 10**precision
    return f"{ticks // unit}.{ticks % unit:0{precision}d}"


@dataclass
class Workload:
    product: str
    levels: int
    snapshot: bytes
    messages: list[bytes]
    # pre-parsed form of the same stream, for the "apply pre-parsed" benchmarks
    updates: list[tuple[int, int, int, list[tuple[int, int]], list[tuple[int, int]]]]
    expected: dict[str, Any] = field(default_factory=dict)
    symbol: str = SYMBOL
    price_precision: int = PRICE_PRECISION
    quantity_precision: int = QUANTITY_PRECISION

    @property
    def level_updates(self) -> int:
        return sum(len(b) + len(a) for _, _, _, b, a in self.updates)

    def arrays(self) -> dict[str, np.ndarray]:
        """The stream as flat int64 arrays for ``OrderBook.apply_many``."""
        ids = np.array([(f, last, p) for f, last, p, _, _ in self.updates], dtype=np.int64)
        out: dict[str, np.ndarray] = {"ids": ids}
        for name, sides in (("bid", [u[3] for u in self.updates]),
                            ("ask", [u[4] for u in self.updates])):
            lens = [len(levels) for levels in sides]
            offs = np.zeros(len(lens) + 1, dtype=np.int64)
            offs[1:] = np.cumsum(lens)
            flat = [lv for levels in sides for lv in levels]
            arr = np.array(flat, dtype=np.int64).reshape(-1, 2)
            out[f"{name}_offsets"] = offs
            out[f"{name}_prices"] = np.ascontiguousarray(arr[:, 0])
            out[f"{name}_quantities"] = np.ascontiguousarray(arr[:, 1])
        return out

    def float_updates(self) -> list[tuple[list[tuple[float, float]], list[tuple[float, float]]]]:
        """The stream's levels as floats, for baselines that key on float prices."""
        ps, qs = 10.0**self.price_precision, 10.0**self.quantity_precision
        return [([(p / ps, q / qs) for p, q in b], [(p / ps, q / qs) for p, q in a])
                for _, _, _, b, a in self.updates]


class _Side:
    """Generator-side book: ascending price list + dict; index 0 = touch."""

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.prices: list[int] = []
        self.qty: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.prices)

    def at(self, d: int) -> int:
        return self.prices[-1 - d] if self.is_bid else self.prices[d]

    def set(self, p: int, q: int) -> None:
        if q == 0:
            if p in self.qty:
                del self.qty[p]
                self.prices.pop(bisect.bisect_left(self.prices, p))
        else:
            if p not in self.qty:
                bisect.insort(self.prices, p)
            self.qty[p] = q

    def top(self, n: int) -> list[tuple[int, int]]:
        ps = self.prices[::-1][:n] if self.is_bid else self.prices[:n]
        return [(p, self.qty[p]) for p in ps]


def checksum(bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> int:
    """The digest ``OrderBook.checksum`` computes, from its documented definition."""
    return zlib.crc32(b"".join(struct.pack("<qq", p, q) for p, q in bids + asks))


def _levels_json(levels: list[tuple[int, int]], pp: int, qp: int) -> list[list[str]]:
    return [[fmt(p, pp), fmt(q, qp)] for p, q in levels]


@functools.lru_cache(maxsize=8)
def generate(levels: int = 500, messages: int = 2000, seed: int = 20261123,
             product: str = "spot") -> Workload:
    rng = random.Random(seed)
    pp, qp = PRICE_PRECISION, QUANTITY_PRECISION
    qmax = 5 * 10**qp
    bids, asks = _Side(True), _Side(False)
    p = 3_000_000  # 30000.00
    for _ in range(levels):
        bids.set(p, rng.randint(1, qmax))
        p -= rng.randint(1, 4)
    p = 3_000_000 + rng.randint(1, 3)
    for _ in range(levels):
        asks.set(p, rng.randint(1, qmax))
        p += rng.randint(1, 4)

    snap_id = FIRST_ID
    pp_ = pp
    if product == "spot":
        snapshot = orjson.dumps({"rc": 0, "mc": "SUCCESS", "ma": [], "result": {
            "timestamp": 1662445330524, "lastUpdateId": snap_id,
            "bids": _levels_json(bids.top(levels), pp_, qp),
            "asks": _levels_json(asks.top(levels), pp_, qp)}})
    else:
        snapshot = orjson.dumps({"returnCode": 0, "msgInfo": "success", "error": None, "result": {
            "t": 1662445330524, "s": SYMBOL, "u": snap_id,
            "b": _levels_json(bids.top(levels), pp_, qp),
            "a": _levels_json(asks.top(levels), pp_, qp)}})

    out_msgs: list[bytes] = []
    updates = []
    last = snap_id
    t = 1662445330600
    for _ in range(messages):
        if rng.random() < 0.55:
            n = min(10, 1 + int(rng.expovariate(1 / 4.5)))
        else:
            n = rng.randint(28, 40)
        changes: dict[bool, dict[int, int]] = {True: {}, False: {}}
        made = attempts = 0
        while made < n and attempts < 8 * n:
            attempts += 1
            is_bid = rng.random() < 0.5
            side, other = (bids, asks) if is_bid else (asks, bids)
            used = changes[is_bid]
            d = min(int(rng.expovariate(1 / 8)), len(side) - 2)
            r = rng.random()
            if r < 0.5:
                op = "modify"
            elif r < 0.75:
                op = "insert"
            else:
                op = "delete"
            if op == "insert" and len(side) > levels + 5:
                op = "delete"
            elif op == "delete" and len(side) < levels - 5:
                op = "insert"
            price = None
            qty = 0
            if op == "modify":
                price, qty = side.at(d), rng.randint(1, qmax)
            elif op == "delete":
                if rng.random() < 0.04:
                    # a level that is not in the book: normal per the spec
                    cand = side.at(d) - 1 if is_bid else side.at(d) + 1
                    price = cand if cand not in side.qty else None
                else:
                    price = side.at(d)
            else:
                if rng.random() < 0.1:
                    # improve the touch, staying inside the spread
                    best, opp = side.at(0), other.at(0)
                    cand = best + 1 if is_bid else best - 1
                    if (is_bid and cand < opp) or (not is_bid and cand > opp):
                        price = cand
                if price is None:
                    a, b = side.at(d), side.at(d + 1)
                    if abs(a - b) > 1:
                        price = a - 1 if is_bid else a + 1
                qty = rng.randint(1, qmax)
            if price is None or price in used:
                continue
            used[price] = qty
            side.set(price, qty)
            made += 1
        bl = list(changes[True].items())
        al = list(changes[False].items())
        if not bl and not al:
            al = [(asks.at(0), rng.randint(1, qmax))]
            asks.set(*al[0])
        first = last + 1
        new_last = first + rng.choice((0, 0, 0, 1, 2))
        t += 100
        if product == "spot":
            data = {"s": SYMBOL, "fi": first, "i": new_last,
                    "a": _levels_json(al, pp, qp), "b": _levels_json(bl, pp, qp)}
            prev = -1
        else:
            data = {"s": SYMBOL, "pu": last, "fu": first, "u": new_last,
                    "a": _levels_json(al, pp, qp), "b": _levels_json(bl, pp, qp), "t": t}
            prev = last
        out_msgs.append(orjson.dumps({"topic": "depth_update",
                                      "event": f"depth_update@{SYMBOL}", "data": data}))
        updates.append((first, new_last, prev, bl, al))
        last = new_last

    expected = {
        "best_bid": bids.top(1)[0], "best_ask": asks.top(1)[0],
        "bid_count": len(bids), "ask_count": len(asks), "last_update_id": last,
        "checksum": checksum(bids.top(25), asks.top(25)),
        "top_bids": bids.top(50), "top_asks": asks.top(50),
    }
    return Workload(product, levels, snapshot, out_msgs, updates, expected)
