"""Instruction counts of the bus consumer's apply (repeatable on a shared machine).

Run each mode under callgrind and subtract the ``none`` run (interpreter start,
imports, workload generation)::

    for m in none dict one many arrays encoder; do
      OPENBLAS_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file=cg.$m.out \\
        python bench/callgrind_bus.py $m 2>&1 | grep Collected
    done

``dict``: orjson + dict books (the baseline); ``one``: BookFollower.feed per
record; ``many``: BookFollower.feed_many over runs of 64. Each run applies the
2,000-update workload of bench_bus.py after loading its snapshot and checks
the final book. The feed's side, the same 2,000 frames into delta records
(checked against bench_bus's): ``arrays``: DepthParser + encode_levels;
``encoder``: DeltaEncoder (the feed's path).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_bus import DictBook, check_book, check_dict_book, records  # noqa: E402
from wexcore import OrderBook  # noqa: E402
from wexcore._record import BookFollower  # noqa: E402
from workload import generate  # noqa: E402


def main(mode: str) -> None:
    w = generate(500, 2000)
    snap, recs = records(w)
    if mode == "none":
        return
    if mode in ("arrays", "encoder"):
        assert encode(w, mode) == recs
        return
    if mode == "dict":
        book = DictBook(w.snapshot)
        for frame in w.messages:
            book.apply(frame)
        check_dict_book(book, w)
        return
    f = BookFollower(OrderBook(w.symbol, w.price_precision, w.quantity_precision))
    f.feed(snap)
    if mode == "one":
        for r in recs:
            f.feed(r)
    else:
        for i in range(0, len(recs), 64):
            f.feed_many(recs[i:i + 64])
    check_book(f.book, w)


def encode(w, mode: str) -> list[bytes]:
    from wexcore import DepthParser
    from wexcore._record import KIND_DELTA, DeltaEncoder, encode_levels

    out = []
    if mode == "encoder":
        enc = DeltaEncoder(w.symbol, w.price_precision, w.quantity_precision)
        for i, frame in enumerate(w.messages):
            enc.decode(frame)
            out.append(enc.record(1, 2 + i, 0))
        return out
    p = DepthParser(w.price_precision, w.quantity_precision)
    for i, frame in enumerate(w.messages):
        p.parse(frame)
        out.append(encode_levels(KIND_DELTA, w.symbol, w.price_precision, w.quantity_precision,
                                 1, 2 + i, p.first_id, p.last_id, None, 0, *p.bids(), *p.asks()))
    return out


if __name__ == "__main__":
    main(sys.argv[1])
