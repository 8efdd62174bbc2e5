"""``wexcore export``: Parquet tables equal to the recording, row for row.

The expectation is written from the recording's JSON with orjson and
Decimal (not with the kernel parser the exporter uses)."""

from __future__ import annotations

import gzip
from decimal import Decimal
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest

from wexcore.cli import main
from wexcore.errors import PrecisionError
from wexcore.export import export
from wexcore.record import record


def ticks(text: str, precision: int) -> int:
    v = Decimal(text).scaleb(precision)
    assert v == v.to_integral_value()
    return int(v)


def expected_rows(path: Path) -> tuple[list[dict], list[dict], dict]:
    lines = [orjson.loads(x) for x in gzip.decompress(path.read_bytes()).splitlines() if x]
    scales = {f"{r['product']}:{r['symbol']}": (r["price_precision"], r["quantity_precision"])
              for r in lines if r["type"] == "book"}
    book, trades, msg = [], [], 0
    for r in lines:
        if r["type"] not in ("frame", "snapshot", "lost"):
            continue
        pp, qp = scales[f"{r['product']}:{r['symbol']}"]
        base = {"ts_ns": r["ts"], "product": r["product"], "symbol": r["symbol"],
                "price_precision": pp, "quantity_precision": qp}
        if r["type"] == "frame" and r["topic"] == "trade":
            d = orjson.loads(r["frame"])["data"]
            # spot: i and b; futures: no id, m is the taker's side (ASK: the buyer made)
            trades.append({**base, "trade_id": int(d["i"]) if "i" in d else None,
                           "time_ms": int(d["t"]), "price": ticks(d["p"], pp),
                           "quantity": ticks(d.get("q") or d["a"], qp),
                           "buyer_is_maker": bool(d["b"]) if "b" in d else d["m"] == "ASK"})
            continue
        msg += 1
        if r["type"] == "lost":
            book.append({**base, "message": msg, "kind": "lost", "first_id": 0, "last_id": 0,
                         "previous_id": None, "side": None, "price": None, "quantity": None})
            continue
        if r["type"] == "frame":
            d = orjson.loads(r["frame"])["data"]
            first = d.get("fi", d.get("fu"))
            last = d.get("i", d.get("u"))
            prev, kind = d.get("pu"), "delta"
            sides = (("bid", d["b"]), ("ask", d["a"]))
        else:
            d = orjson.loads(r["body"])["result"]
            last = d.get("lastUpdateId", d.get("u"))
            first, prev, kind = last, None, "snapshot"
            sides = (("bid", d.get("bids", d.get("b"))), ("ask", d.get("asks", d.get("a"))))
        for side, levels in sides:
            for p, q in levels:
                book.append({**base, "message": msg, "kind": kind, "first_id": int(first),
                             "last_id": int(last), "previous_id": prev, "side": side,
                             "price": ticks(p, pp), "quantity": ticks(q, qp)})
    return book, trades, {k: list(v) for k, v in scales.items()}


@pytest.mark.parametrize("product", ["spot", "futures"])
async def test_parquet_round_trip_equals_the_recording(tmp_path: Path, product: str) -> None:
    rec = tmp_path / "s.jsonl.gz"
    await record(["btc_usdt", "eth_usdt"], str(rec), product=product, use_sim=True,
                 seconds=1.5)
    out = tmp_path / "s.parquet"
    summary = export(str(rec), str(out))
    book, trades, scales = expected_rows(rec)
    assert book and trades
    t = pq.read_table(out)
    got = t.to_pylist()
    assert [{k: row[k] for k in book[0]} for row in got] == book
    assert pq.read_table(tmp_path / "s.trades.parquet").to_pylist() == [
        {k: row[k] for k in pq.read_table(tmp_path / "s.trades.parquet").schema.names}
        for row in trades]
    assert orjson.loads(t.schema.metadata[b"wexcore.scales"]) == scales
    for name in ("price", "quantity", "first_id", "last_id"):
        assert str(t.schema.field(name).type) == "int64"  # exact integers, never floats
    assert summary.book_rows == len(book) and summary.trade_rows == len(trades)


def test_cli_export_and_bad_input(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(gzip.compress(b'{"type":"nope"}\n'))
    assert main(["export", str(bad), "-o", str(tmp_path / "x.parquet")]) == 1
    assert "not a wexcore recording" in capsys.readouterr().err
    assert not (tmp_path / "x.parquet").exists()

    broken = tmp_path / "broken.jsonl.gz"
    lines = [
        {"type": "header", "format": "wexcore-record", "version": 1},
        {"type": "book", "product": "spot", "symbol": "btc_usdt", "price_precision": 2,
         "quantity_precision": 4},
        {"type": "frame", "ts": 1, "product": "spot", "symbol": "btc_usdt",
         "topic": "depth_update",
         "frame": '{"topic":"depth_update","event":"depth_update@btc_usdt",'
                  '"data":{"s":"btc_usdt","fi":1,"i":1,"b":[["1.001","1"]],"a":[]}}'},
    ]
    broken.write_bytes(gzip.compress(b"".join(orjson.dumps(x) + b"\n" for x in lines)))
    with pytest.raises(PrecisionError, match=r"bids\[0\]\.price"):
        export(str(broken), str(tmp_path / "y.parquet"))
    assert not list(tmp_path.glob("y*"))
    assert main(["export", str(tmp_path / "missing.gz"), "-o", str(tmp_path / "z.parquet")]) == 1
