"""``wexcore export``: a recording as Parquet tables for analysis.

Two files (the ``parquet`` extra: pyarrow):

* ``FILE.parquet`` — book changes, one row per level change: every depth
  update's levels (``kind`` ``"delta"``), every snapshot's levels
  (``"snapshot"``: the book is replaced by the rows sharing its ``message``
  number) and each loss of sync (``"lost"``, no level);
* ``FILE.trades.parquet`` (or ``trades_path``) — public trades (``trade_id``
  is null for futures, whose trade push carries none).

Prices and quantities are exact integers (``price`` and ``quantity`` in
ticks); the scales are in the ``price_precision``/``quantity_precision``
columns and in the schema metadata (``wexcore.scales``: JSON
``{"spot:btc_usdt": [2, 4]}``): ``price / 10**price_precision`` is the decimal
price. No float is written. The recording is read with
:func:`wexcore.record.read_records`; the depth bytes are decoded by the same
kernel parser as the live books (:class:`wexcore.DepthParser`).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from array import array
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["export", "ExportSummary", "export_arguments", "export_run", "EXPORT_EXAMPLES",
           "trade_fields"]

EXPORT_EXAMPLES = """examples:
  wexcore export session.jsonl.gz -o session.parquet     # + session.trades.parquet
  wexcore export session.jsonl.gz -o book.parquet --trades trades.parquet
reading it: see docs/bus.md (pyarrow, polars, pandas)"""

_ROWS_PER_GROUP = 1 << 20


@dataclass
class ExportSummary:
    book_path: str
    trades_path: str
    book_rows: int
    trade_rows: int
    messages: int
    seconds: float

    def line(self) -> str:
        return (f"{self.book_rows} book rows ({self.messages} messages) -> {self.book_path}; "
                f"{self.trade_rows} trades -> {self.trades_path} in {self.seconds:.2f}s")


def trade_fields(ev: Any, price_precision: int,
                 quantity_precision: int) -> tuple[int | None, int, int, int, bool]:
    """A decoded public trade as ``(trade_id, time_ms, price_ticks,
    quantity_ticks, buyer_is_maker)``, the same for both products (used by the
    export and the bus feed).

    Spot pushes carry ``i`` and ``b``; futures pushes carry neither, only the
    taker's side ``m`` (``ASK``: the seller took, so the buyer made):
    ``trade_id`` is then ``None``.
    """
    from wexcore import Side, decimal_to_ticks

    maker = ev.buyer_is_maker
    if maker is None:
        maker = ev.side == Side.SELL
    return (None if ev.trade_id is None else int(ev.trade_id), int(ev.time or 0),
            decimal_to_ticks(ev.price_string, price_precision),
            decimal_to_ticks(ev.quantity_string, quantity_precision), bool(maker))


def _trades_path_for(out: str) -> str:
    root = out[: -len(".parquet")] if out.endswith(".parquet") else out
    return root + ".trades.parquet"


class _Columns:
    """Column buffers flushed to a ParquetWriter as row groups."""

    def __init__(self, names_int: tuple[str, ...], names_str: tuple[str, ...],
                 names_bool: tuple[str, ...] = (), nullable: tuple[str, ...] = ()) -> None:
        self.ints = {n: array("q") for n in names_int}
        self.strs: dict[str, list[str | None]] = {n: [] for n in names_str}
        self.bools: dict[str, list[bool]] = {n: [] for n in names_bool}
        self.nullable = {n: [] for n in nullable}  # type: dict[str, list[int | None]]
        self.rows = 0
        self.total = 0

    def table(self, schema: Any) -> Any:
        import pyarrow as pa  # type: ignore[import-untyped]

        cols: dict[str, Any] = {}
        for name in schema.names:
            f = schema.field(name)
            if name in self.ints:
                cols[name] = pa.array(self.ints[name], type=f.type)
            elif name in self.nullable:
                cols[name] = pa.array(self.nullable[name], type=f.type)
            elif name in self.bools:
                cols[name] = pa.array(self.bools[name], type=f.type)
            else:
                cols[name] = pa.array(self.strs[name], type=pa.string()).dictionary_encode()
        return pa.table(cols, schema=schema)

    def clear(self) -> None:
        for k in self.ints:
            self.ints[k] = array("q")
        for s in self.strs.values():
            s.clear()
        for b in self.bools.values():
            b.clear()
        for v in self.nullable.values():
            v.clear()
        self.total += self.rows
        self.rows = 0


def _schemas(scales: dict[str, list[int]]) -> tuple[Any, Any]:
    import pyarrow as pa

    dict_str = pa.dictionary(pa.int32(), pa.string())
    meta = {b"wexcore.scales": json.dumps(scales, sort_keys=True).encode(),
            b"wexcore.units": b"price and quantity are integer ticks: value / 10**precision"}
    book = pa.schema([
        ("ts_ns", pa.int64()), ("product", dict_str), ("symbol", dict_str),
        ("message", pa.int64()), ("kind", dict_str), ("first_id", pa.int64()),
        ("last_id", pa.int64()), ("previous_id", pa.int64()), ("side", dict_str),
        ("price", pa.int64()), ("quantity", pa.int64()), ("price_precision", pa.int8()),
        ("quantity_precision", pa.int8()),
    ], metadata=meta)
    trades = pa.schema([
        ("ts_ns", pa.int64()), ("product", dict_str), ("symbol", dict_str),
        ("trade_id", pa.int64()), ("time_ms", pa.int64()), ("price", pa.int64()),
        ("quantity", pa.int64()), ("buyer_is_maker", pa.bool_()),
        ("price_precision", pa.int8()), ("quantity_precision", pa.int8()),
    ], metadata=meta)
    return book, trades


def _scan_scales(path: str) -> dict[str, list[int]]:
    from wexcore.record import read_records

    scales: dict[str, list[int]] = {}
    for rec in read_records(path):
        if rec.get("type") == "book":
            scales[f"{rec['product']}:{rec['symbol']}"] = [int(rec["price_precision"]),
                                                          int(rec["quantity_precision"])]
    return scales


def export(recording: str, out: str, *, trades_path: str | None = None) -> ExportSummary:
    """Write ``recording``'s book changes to ``out`` and its trades to
    ``trades_path`` (default ``<out without .parquet>.trades.parquet``).

    Raises ValueError for a file that is not a recording, and
    :class:`wexcore.DecodeError` or :class:`wexcore.PrecisionError` (naming
    the field) for a frame that does not decode; nothing is left at ``out``
    then.
    """
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - the extra is in the test install
        raise RuntimeError("wexcore export needs pyarrow: pip install 'wexcore[parquet]'") \
            from exc
    from wexcore import decode
    from wexcore._book import DepthParser
    from wexcore.errors import DecodeError
    from wexcore.record import read_records

    t0 = time.perf_counter()
    trades_path = trades_path or _trades_path_for(out)
    scales = _scan_scales(recording)  # precisions first: they are the schema's metadata
    book_schema, trade_schema = _schemas(scales)
    parsers = {k: DepthParser(v[0], v[1]) for k, v in scales.items()}
    tmp_book, tmp_trades = out + ".tmp", trades_path + ".tmp"
    bw = pq.ParquetWriter(tmp_book, book_schema, compression="zstd")
    tw = pq.ParquetWriter(tmp_trades, trade_schema, compression="zstd")
    bc = _Columns(("ts_ns", "message", "first_id", "last_id", "price_precision",
                   "quantity_precision"), ("product", "symbol", "kind", "side"),
                  nullable=("previous_id", "price", "quantity"))
    tc = _Columns(("ts_ns", "time_ms", "price", "quantity", "price_precision",
                   "quantity_precision"), ("product", "symbol"), ("buyer_is_maker",),
                  nullable=("trade_id",))
    messages = 0
    ok = False

    def book_row(ts: int, product: str, symbol: str, msg: int, kind: str, first: int,
                 last: int, prev: int | None, side: str | None, price: int | None,
                 qty: int | None, pp: int, qp: int) -> None:
        i, s, n = bc.ints, bc.strs, bc.nullable
        i["ts_ns"].append(ts)
        i["message"].append(msg)
        i["first_id"].append(first)
        i["last_id"].append(last)
        i["price_precision"].append(pp)
        i["quantity_precision"].append(qp)
        s["product"].append(product)
        s["symbol"].append(symbol)
        s["kind"].append(kind)
        s["side"].append(side)
        n["previous_id"].append(prev)
        n["price"].append(price)
        n["quantity"].append(qty)
        bc.rows += 1

    try:
        for rec in read_records(recording):
            typ = rec.get("type")
            if typ not in ("frame", "snapshot", "lost"):
                continue
            product, symbol = rec["product"], rec["symbol"]
            key = f"{product}:{symbol}"
            if key not in scales:
                raise DecodeError(f"{key}: no book record before its data", field="symbol")
            pp, qp = scales[key]
            ts = int(rec.get("ts") or 0)
            if typ == "frame" and rec.get("topic") == "trade":
                tid, tms, price, qty, maker = trade_fields(decode(rec["frame"].encode()), pp, qp)
                tc.ints["ts_ns"].append(ts)
                tc.nullable["trade_id"].append(tid)
                tc.ints["time_ms"].append(tms)
                tc.ints["price"].append(price)
                tc.ints["quantity"].append(qty)
                tc.ints["price_precision"].append(pp)
                tc.ints["quantity_precision"].append(qp)
                tc.strs["product"].append(product)
                tc.strs["symbol"].append(symbol)
                tc.bools["buyer_is_maker"].append(maker)
                tc.rows += 1
            elif typ == "lost":
                messages += 1
                book_row(ts, product, symbol, messages, "lost", 0, 0, None, None, None, None,
                         pp, qp)
            else:
                if typ == "frame":
                    raw = rec["frame"].encode()
                    kind = "delta"
                else:
                    raw = rec["body"].encode() if "body" in rec else orjson.dumps(rec["json"])
                    kind = "snapshot"
                parser = parsers[key]
                parser.parse(raw)
                last = parser.last_id
                if last is None:
                    raise DecodeError(f"{key}: {kind} without an update id", field="u")
                first = parser.first_id if kind == "delta" and parser.first_id is not None \
                    else last
                prev = parser.previous_id if kind == "delta" else None
                messages += 1
                for side, (px, qt) in (("bid", parser.bids()), ("ask", parser.asks())):
                    for p, q in zip(px.tolist(), qt.tolist(), strict=True):
                        book_row(ts, product, symbol, messages, kind, first, last, prev, side,
                                 p, q, pp, qp)
            if bc.rows >= _ROWS_PER_GROUP:
                bw.write_table(bc.table(book_schema))
                bc.clear()
            if tc.rows >= _ROWS_PER_GROUP:
                tw.write_table(tc.table(trade_schema))
                tc.clear()
        if bc.rows or not bc.total:
            bw.write_table(bc.table(book_schema))
        if tc.rows or not tc.total:
            tw.write_table(tc.table(trade_schema))
        bc.clear()
        tc.clear()
        ok = True
    finally:
        bw.close()
        tw.close()
        if ok:
            os.replace(tmp_book, out)
            os.replace(tmp_trades, trades_path)
        else:
            for p in (tmp_book, tmp_trades):
                if os.path.exists(p):
                    os.remove(p)
    return ExportSummary(out, trades_path, bc.total, tc.total, messages,
                         time.perf_counter() - t0)


def export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recording", help="a file written by 'wexcore record'")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.parquet",
                        help="book changes (trades go to FILE.trades.parquet)")
    parser.add_argument("--trades", default=None, metavar="FILE",
                        help="where the trades go instead")


def export_run(args: argparse.Namespace) -> int:
    if not os.path.exists(args.recording):
        raise ValueError(f"{args.recording}: no such file")
    summary = export(args.recording, args.output, trades_path=args.trades)
    print(summary.line())
    return 0
