"""Random depth streams through wexcore.OrderBook and the plain-Python
reference book: after every step the top 50 levels, ids, sync state and
results agree exactly, and gaps are raised exactly when the reference says so.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wexcore import ApplyResult, OrderBook, SequenceGap
from wexcore._reference.book import ReferenceBook

PP, QP = 2, 3
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def fmt(ticks: int, prec: int, style: int) -> object:
    """Several spellings of the same value: fixed decimals, trailing zeros,
    minimal, exponent, and a bare JSON number."""
    d = Decimal(ticks).scaleb(-prec)
    if style == 0:
        return f"{d:.{prec}f}"
    if style == 1:
        return f"{d:.{prec + 2}f}"  # extra zeros are fine
    if style == 2:
        return format(d.normalize(), "f")
    if style == 3:
        return f"{ticks}e-{prec}"
    return Decimal(f"{d:.{prec}f}")  # becomes a bare number in JSON


def dumps(obj, spaced: bool) -> bytes:
    """JSON bytes; Decimal values are written as bare JSON numbers."""

    def conv(o):
        if isinstance(o, dict):
            return {k: conv(v) for k, v in o.items()}
        if isinstance(o, list):
            return [conv(v) for v in o]
        if isinstance(o, Decimal):
            return f"@@{o}@@"
        return o

    text = json.dumps(conv(obj), separators=(", ", ": ") if spaced else (",", ":"))
    return re.sub(r'"@@([^@]*)@@"', r"\1", text).encode()


levels_st = st.lists(st.tuples(st.integers(1, 40), st.integers(0, 30)), max_size=12)


def build_update(product, first, last, prev, bids, asks, data_draw):
    style = data_draw(st.integers(0, 4))
    data = {"s": "btc_usdt"}
    if product == "spot":
        data.update({"fi": first, "i": last})
    else:
        data.update({"pu": prev, "fu": first, "u": last, "t": 123})
    data["a"] = [[fmt(p, PP, style), fmt(q, QP, style)] for p, q in asks]
    data["b"] = [[fmt(p, PP, style), fmt(q, QP, style)] for p, q in bids]
    if data_draw(st.booleans()):
        data["extra"] = {"nested": [1, 2, {"x": None}]}
    keys = list(data)
    order = data_draw(st.permutations(keys))
    data = {k: data[k] for k in order}
    frame = {"topic": "depth_update", "event": "depth_update@btc_usdt", "data": data}
    form = data_draw(st.sampled_from(["bytes", "bytes_spaced", "dict", "bare"]))
    if form == "dict":
        return json.loads(dumps(frame, False), parse_float=Decimal)
    if form == "bare":
        return dumps(data, False)
    return dumps(frame, form == "bytes_spaced")


def build_snapshot(product, uid, bids, asks, spaced):
    b = [[fmt(p, PP, 0), fmt(q, QP, 0)] for p, q in bids]
    a = [[fmt(p, PP, 0), fmt(q, QP, 0)] for p, q in asks]
    if product == "spot":
        body = {"rc": 0, "mc": "SUCCESS", "ma": [],
                "result": {"timestamp": 1, "lastUpdateId": uid, "bids": b, "asks": a}}
    else:
        body = {"returnCode": 0, "msgInfo": "success", "error": None,
                "result": {"t": 1, "s": "btc_usdt", "u": uid, "b": b, "a": a}}
    return dumps(body, spaced)


def assert_same(book: OrderBook, ref: ReferenceBook) -> None:
    assert book.in_sync == ref.in_sync
    if not ref.in_sync:
        return
    assert book.last_update_id == ref.last_update_id
    assert book.bid_count == len(ref.bids) and book.ask_count == len(ref.asks)
    assert [tuple(r) for r in book.bid_ticks(50).tolist()] == ref.top("bid", 50)
    assert [tuple(r) for r in book.ask_ticks(50).tolist()] == ref.top("ask", 50)
    assert book.checksum() == ref.checksum()


def step_ids(data, ref: ReferenceBook, kind: str):
    last_id = ref.last_update_id
    if kind == "stale":
        last = data.draw(st.integers(max(0, last_id - 5), last_id))
        first = data.draw(st.integers(max(0, last - 3), last))
    elif kind == "gap":
        first = last_id + data.draw(st.integers(2, 5))
        last = first + data.draw(st.integers(0, 3))
    elif ref.first_pending:
        first = data.draw(st.integers(max(0, last_id - 4), last_id + 1))
        last = max(first, last_id + 1) + data.draw(st.integers(0, 3))
    elif kind == "overlap":
        # starts inside the already applied range: a gap after the first event
        first = data.draw(st.integers(max(0, last_id - 3), last_id))
        last = last_id + data.draw(st.integers(1, 3))
    else:
        first = last_id + 1
        last = first + data.draw(st.integers(0, 3))
    return first, last


@pytest.mark.parametrize("product", ["spot", "futures"])
@SETTINGS
@given(data=st.data())
def test_random_stream_matches_reference(product, data):
    book = OrderBook("btc_usdt", PP, QP, product=product)
    ref = ReferenceBook("btc_usdt", PP, QP, product=product)
    for _ in range(data.draw(st.integers(1, 25))):
        kind = data.draw(st.sampled_from(
            ["update"] * 8 + ["stale", "gap", "overlap", "snapshot", "pu", "limited"]))
        if kind == "snapshot" or (not ref.in_sync and data.draw(st.booleans())):
            uid = data.draw(st.integers(0, 2**63 - 100))
            bids = data.draw(levels_st)
            asks = data.draw(levels_st)
            snap = build_snapshot(product, uid, bids, asks, data.draw(st.booleans()))
            assert book.load_snapshot(snap) == ref.load_snapshot(snap)
            assert_same(book, ref)
            continue
        if kind == "limited":
            uid = data.draw(st.integers(max(0, ref.last_update_id - 3), ref.last_update_id + 5))
            key = "i" if product == "spot" else "id"
            frame = {"topic": "depth", "event": "depth@btc_usdt,20", "data": {
                "s": "btc_usdt", key: uid if product == "spot" else str(uid),
                "a": [[fmt(p, PP, 0), fmt(q, QP, 0)] for p, q in data.draw(levels_st)],
                "b": [[fmt(p, PP, 0), fmt(q, QP, 0)] for p, q in data.draw(levels_st)]}}
            msg = dumps(frame, data.draw(st.booleans()))
            assert book.replace(msg) == ref.replace(msg)
            assert_same(book, ref)
            continue
        first, last = step_ids(data, ref, kind)
        prev = ref.last_update_id if not (kind == "pu" and product == "futures") \
            else ref.last_update_id + data.draw(st.sampled_from([-1, 1, 7]))
        prev = max(prev, 0)
        bids = data.draw(levels_st)
        asks = data.draw(levels_st)
        msg = build_update(product, first, last, prev, bids, asks, data.draw)
        try:
            expected = ref.apply(msg)
        except SequenceGap as gap:
            with pytest.raises(SequenceGap) as err:
                book.apply(msg)
            assert (err.value.expected, err.value.received) == (gap.expected, gap.received)
        else:
            got = book.apply(msg)
            assert isinstance(got, ApplyResult)
            assert got == expected
        assert_same(book, ref)


@pytest.mark.parametrize("product", ["spot", "futures"])
@SETTINGS
@given(data=st.data())
def test_preparsed_paths_match_reference(product, data):
    """apply_levels and apply_many against the reference on tick arrays."""
    book = OrderBook("btc_usdt", PP, QP, product=product)
    many = OrderBook("btc_usdt", PP, QP, product=product)
    ref = ReferenceBook("btc_usdt", PP, QP, product=product)
    uid = data.draw(st.integers(0, 10**12))
    snap = build_snapshot(product, uid, data.draw(levels_st), data.draw(levels_st), False)
    book.load_snapshot(snap)
    many.load_snapshot(snap)
    ref.load_snapshot(snap)
    batch = []
    for _ in range(data.draw(st.integers(1, 20))):
        kind = data.draw(st.sampled_from(["update"] * 10 + ["stale", "gap"]))
        first, last = step_ids(data, ref, kind)
        bids, asks = data.draw(levels_st), data.draw(levels_st)
        prev = ref.last_update_id if product == "futures" else None
        arrs = [np.array([p for p, _ in lv], dtype=np.int64) for lv in (bids, asks)]
        qarrs = [np.array([q for _, q in lv], dtype=np.int64) for lv in (bids, asks)]
        try:
            expected = ref.apply_ticks(first, last, bids, asks, prev)
        except SequenceGap:
            with pytest.raises(SequenceGap):
                book.apply_levels(first, last, arrs[0], qarrs[0], arrs[1], qarrs[1], prev)
            batch.append((first, last, -1 if prev is None else prev, bids, asks))
            break
        got = book.apply_levels(first, last, arrs[0], qarrs[0], arrs[1], qarrs[1], prev)
        assert got == expected
        batch.append((first, last, -1 if prev is None else prev, bids, asks))
        assert_same(book, ref)

    ids = np.array([(f, la, p) for f, la, p, _, _ in batch], dtype=np.int64).reshape(-1, 3)
    kw = {"ids": ids}
    for name, idx in (("bid", 3), ("ask", 4)):
        offs = np.zeros(len(batch) + 1, dtype=np.int64)
        offs[1:] = np.cumsum([len(u[idx]) for u in batch])
        flat = np.array([lv for u in batch for lv in u[idx]], dtype=np.int64).reshape(-1, 2)
        kw[f"{name}_offsets"] = offs
        kw[f"{name}_prices"] = np.ascontiguousarray(flat[:, 0])
        kw[f"{name}_quantities"] = np.ascontiguousarray(flat[:, 1])
    if ref.in_sync:
        many.apply_many(**kw)
    else:
        with pytest.raises(SequenceGap):
            many.apply_many(**kw)
    assert_same(many, ref)
