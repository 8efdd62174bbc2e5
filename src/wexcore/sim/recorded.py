"""A recording read as market-replay events.

The project's recording (JSON lines in independent gzip or zstd blocks,
:mod:`wexcore.record`) is read with :func:`wexcore.record.read_records`
(which reads up to a torn tail and reports it); this module turns its
records into events with exact integer prices and quantities, decoding each
recorded frame with orjson -- the simulator shares no code with the client
it tests, so the client's decoder is not used here. The Parquet tables of
``wexcore export`` are read too (:class:`ParquetRecording`, with pyarrow):
the same events, without the frames' original bytes (the simulator writes
the frames itself, with the recorded ids, prices and quantities).

* :meth:`JsonRecording.books` -- the header and every book's precisions;
* :meth:`JsonRecording.events` -- :class:`DepthEvent`, :class:`SnapshotEvent`,
  :class:`TradeEvent` and :class:`NoteEvent` in recorded order, on the
  recorder's receive clock (ns, made non-decreasing).

Every event is parsed completely before it is returned: a record that does
not parse raises :class:`ReplayDataError` naming the record and the field,
and nothing of it has been applied.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from wexcore.record import ReadReport, RecordingError, read_records

from .market import PublicTrade, SymbolSpec
from .numbers import BadNumber, PrecisionTooFine, to_units

if TYPE_CHECKING:
    from .replay import ReplayMarket

__all__ = ["ReplayDataError", "BookInfo", "DepthEvent", "SnapshotEvent", "TradeEvent",
           "NoteEvent", "Event", "JsonRecording", "ParquetRecording", "open_recording",
           "BOOK_SCAN_RECORDS"]

log = logging.getLogger("wexcore.sim.replay")

#: records read when looking for the recording's books before giving up
BOOK_SCAN_RECORDS = 10_000


class ReplayDataError(RecordingError):
    """A record of the recording that cannot be replayed; names the record
    (1 = the header) and the field."""

    def __init__(self, path: str, record: int, field: str, problem: str) -> None:
        super().__init__(path, f"record {record}: {field}: {problem}")
        self.record = record
        self.field = field
        self.detail = problem

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.record, self.field, self.detail))


@dataclass(frozen=True)
class BookInfo:
    product: str
    symbol: str
    price_precision: int
    quantity_precision: int


class DepthEvent:
    """A recorded ``depth_update`` frame (``raw``: its exact bytes)."""

    __slots__ = ("ts", "market", "first", "last", "prev", "asks", "bids", "raw")

    def __init__(self, ts: int, market: ReplayMarket, first: int, last: int, prev: int | None,
                 asks: list[tuple[int, int]], bids: list[tuple[int, int]],
                 raw: bytes | None) -> None:
        self.ts, self.market, self.first, self.last, self.prev = ts, market, first, last, prev
        self.asks, self.bids, self.raw = asks, bids, raw


class SnapshotEvent:
    """A recorded REST depth snapshot."""

    __slots__ = ("ts", "market", "last", "asks", "bids")

    def __init__(self, ts: int, market: ReplayMarket, last: int,
                 asks: list[tuple[int, int]], bids: list[tuple[int, int]]) -> None:
        self.ts, self.market, self.last, self.asks, self.bids = ts, market, last, asks, bids


class TradeEvent:
    """A recorded public trade (``raw``: the frame's exact bytes)."""

    __slots__ = ("ts", "market", "trade", "raw")

    def __init__(self, ts: int, market: ReplayMarket, trade: PublicTrade,
                 raw: bytes | None) -> None:
        self.ts, self.market, self.trade, self.raw = ts, market, trade, raw


class NoteEvent:
    """A record that changes no book: ``lost`` (data: the market), ``end``
    (data: the recorded end state) or ``aborted`` (data: the reason)."""

    __slots__ = ("ts", "market", "kind", "data")

    def __init__(self, ts: int, kind: str, data: Any) -> None:
        self.ts, self.market, self.kind, self.data = ts, None, kind, data


Event = DepthEvent | SnapshotEvent | TradeEvent | NoteEvent


class _Parser:
    """Record fields -> exact values, with errors naming the record and the field."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.n = 0  # the current record's number (1 = the header)

    def fail(self, field: str, problem: str) -> ReplayDataError:
        return ReplayDataError(self.path, self.n, field, problem)

    def integer(self, obj: dict[str, Any], key: str, prefix: str,
                optional: bool = False) -> int | None:
        value = obj.get(key)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
                return int(value)
            raise self.fail(prefix + key, f"{value!r} is not an integer")
        return value

    def units(self, value: Any, precision: int, field: str, positive: bool) -> int:
        """An exact decimal string as integer units of ``10**-precision``."""
        if isinstance(value, str):
            whole, _, frac = value.partition(".")
            if (whole.isdigit() and whole.isascii() and len(value) <= 48
                    and (not frac or (frac.isdigit() and frac.isascii()))):
                if len(frac) > precision:
                    if frac[precision:].strip("0"):
                        raise self.fail(field, f"{value!r} has more than {precision} decimals")
                    frac = frac[:precision]
                n = int(whole + frac + "0" * (precision - len(frac)))
                if positive and n <= 0:
                    raise self.fail(field, f"{value!r} must be positive")
                return n
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.fail(field, f"{value!r} is not a decimal string")
        try:  # the rarer spellings ("1e-3", "+5"), bounded by the simulator's parser
            n = to_units(value, precision, field)
        except PrecisionTooFine:
            raise self.fail(field, f"{value!r} has more than {precision} decimals") from None
        except BadNumber as exc:
            raise self.fail(field, f"{value!r}: {exc}") from None
        if n < 0 or (positive and n == 0):
            raise self.fail(field, f"{value!r} must be {'positive' if positive else '>= 0'}")
        return n

    def levels(self, raw: Any, spec: SymbolSpec, field: str) -> list[tuple[int, int]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise self.fail(field, "is not a list of [price, quantity]")
        pp, qp = spec.price_precision, spec.quantity_precision
        out = []
        for i, lv in enumerate(raw):
            if not isinstance(lv, list) or len(lv) < 2:
                raise self.fail(f"{field}[{i}]", "is not a [price, quantity] pair")
            out.append((self.units(lv[0], pp, f"{field}[{i}][0]", True),
                        self.units(lv[1], qp, f"{field}[{i}][1]", False)))
        return out

    def message(self, text: Any, field: str) -> dict[str, Any]:
        if not isinstance(text, str):
            raise self.fail(field, "is not a string")
        try:
            msg = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise self.fail(field, f"is not JSON ({exc})") from None
        if not isinstance(msg, dict):
            raise self.fail(field, "is not a JSON object")
        return msg

    def data(self, rec: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        text = rec.get("frame")
        data = self.message(text, "frame").get("data")
        if not isinstance(data, dict):
            raise self.fail("frame.data", "is missing or not an object")
        assert isinstance(text, str)
        return text, data

    def depth(self, ts: int, m: ReplayMarket, rec: dict[str, Any]) -> DepthEvent:
        text, data = self.data(rec)
        if m.product == "futures":
            first = self.integer(data, "fu", "frame.data.")
            last = self.integer(data, "u", "frame.data.")
            prev = self.integer(data, "pu", "frame.data.", optional=True)
        else:
            first = self.integer(data, "fi", "frame.data.")
            last = self.integer(data, "i", "frame.data.")
            prev = None
        assert first is not None and last is not None
        if first > last:
            raise self.fail("frame.data", f"first id {first} is after last id {last}")
        asks = self.levels(data.get("a"), m.spec, "frame.data.a")
        bids = self.levels(data.get("b"), m.spec, "frame.data.b")
        return DepthEvent(ts, m, first, last, prev, asks, bids, text.encode())

    def snapshot(self, ts: int, m: ReplayMarket, rec: dict[str, Any]) -> SnapshotEvent | None:
        if "body" in rec:
            body: Any = self.message(rec["body"], "body")
            field = "body"
        else:
            body, field = rec.get("json"), "json"
            if not isinstance(body, dict):
                raise self.fail("json", "is missing or not an object")
        if "result" in body:
            code = body.get("rc", body.get("returnCode", 0))
            if code not in (0, None) or not isinstance(body["result"], dict):
                log.warning("%s: record %d: a refused snapshot (%s); skipped as the recorder "
                            "skipped it", self.path, self.n, code)
                return None
            body, field = body["result"], field + ".result"
        key = next((k for k in ("lastUpdateId", "u", "id") if k in body), "lastUpdateId")
        last = self.integer(body, key, field + ".")
        assert last is not None
        bids = self.levels(body.get("bids", body.get("b")), m.spec, field + ".bids")
        asks = self.levels(body.get("asks", body.get("a")), m.spec, field + ".asks")
        return SnapshotEvent(ts, m, last, asks, bids)

    def trade(self, ts: int, m: ReplayMarket, ids: Iterator[int],
              rec: dict[str, Any]) -> TradeEvent:
        text, data = self.data(rec)
        spec = m.spec
        price = self.units(data.get("p"), spec.price_precision, "frame.data.p", True)
        if m.product == "futures":
            qty = self.units(data.get("a"), spec.quantity_precision, "frame.data.a", True)
            side = data.get("m")
            if side not in ("ASK", "BID"):
                raise self.fail("frame.data.m", f"{side!r} is not ASK or BID")
            buyer_maker = side == "ASK"  # the seller took: the buyer made
            ident = next(ids)  # the futures push carries no trade id
        else:
            qty = self.units(data.get("q"), spec.quantity_precision, "frame.data.q", True)
            b = data.get("b")
            if not isinstance(b, bool):
                raise self.fail("frame.data.b", f"{b!r} is not true or false")
            buyer_maker = b
            i = self.integer(data, "i", "frame.data.", optional=True)
            ident = i if i is not None else next(ids)
        time_ms = self.integer(data, "t", "frame.data.", optional=True)
        oi = self.integer(data, "oi", "frame.data.", optional=True)
        trade = PublicTrade(ident, time_ms if time_ms is not None else ts // 1_000_000,
                            price, qty, buyer_maker, oi or 0)
        return TradeEvent(ts, m, trade, text.encode())

    def book(self, rec: dict[str, Any]) -> BookInfo:
        product, symbol = rec.get("product"), rec.get("symbol")
        if product not in ("spot", "futures"):
            raise self.fail("product", f"{product!r} is not spot or futures")
        if not isinstance(symbol, str) or not symbol:
            raise self.fail("symbol", f"{symbol!r} is not a symbol")
        pp = self.integer(rec, "price_precision", "")
        qp = self.integer(rec, "quantity_precision", "")
        assert pp is not None and qp is not None
        if not (0 <= pp <= 18 and 0 <= qp <= 18):
            raise self.fail("price_precision", f"precisions {pp}/{qp} are not within 0..18")
        return BookInfo(product, symbol, pp, qp)


class JsonRecording:
    """A recording by ``wexcore record`` (gzip or zstd JSON lines)."""

    def __init__(self, path: str) -> None:
        self.path = path
        #: what reading found besides the records (a torn tail), filled by :meth:`events`
        self.report = ReadReport(path)
        #: records skipped as unknown (a newer recorder's)
        self.stats: Counter[str] = Counter()

    def books(self) -> tuple[dict[str, Any], list[BookInfo]]:
        """The header and the books (those the header lists, or every book
        record among the first :data:`BOOK_SCAN_RECORDS` records)."""
        records = read_records(self.path, ReadReport(self.path))
        header = next(records)
        product = header.get("product")
        if product not in ("spot", "futures"):
            raise RecordingError(self.path, f"header: product {product!r} is not spot or "
                                 "futures")
        wanted = {(product, s) for s in header.get("symbols") or ()}
        found: dict[tuple[str, str], BookInfo] = {}
        p = _Parser(self.path)
        for p.n, rec in enumerate(records, start=2):
            if rec["type"] == "book":
                info = p.book(rec)
                found.setdefault((info.product, info.symbol), info)
            if p.n > BOOK_SCAN_RECORDS or (wanted and wanted <= found.keys()):
                break
        if not found:
            raise RecordingError(self.path, "holds no book record: nothing to replay")
        return header, list(found.values())

    def events(self, markets: dict[str, dict[str, ReplayMarket]]) -> Iterator[Event]:
        """Every record after the books as an event, in recorded order."""
        p = _Parser(self.path)
        trade_ids = itertools.count(1)
        last_ts = 0
        for p.n, rec in enumerate(read_records(self.path, self.report), start=1):
            kind = rec["type"]
            if kind in ("header", "book"):
                continue
            ts_raw = rec.get("ts")
            if isinstance(ts_raw, bool) or not isinstance(ts_raw, int) or ts_raw < 0:
                raise p.fail("ts", f"{ts_raw!r} is not a time in ns")
            ts = last_ts = max(ts_raw, last_ts)  # the replay clock never goes back
            if kind == "end":
                books = rec.get("books")
                yield NoteEvent(ts, "end", books if isinstance(books, dict) else {})
                continue
            if kind == "aborted":
                yield NoteEvent(ts, "aborted", str(rec.get("reason") or "no reason given"))
                continue
            if kind not in ("frame", "snapshot", "lost"):
                self.stats["unknown_records"] += 1
                continue
            market = markets.get(str(rec.get("product")), {}).get(str(rec.get("symbol")))
            if market is None:
                raise p.fail("symbol", f"{rec.get('product')}:{rec.get('symbol')} has no book "
                             "record before its data")
            if kind == "lost":
                yield NoteEvent(ts, "lost", market)
            elif kind == "snapshot":
                snap = p.snapshot(ts, market, rec)
                if snap is not None:
                    yield snap
            elif rec.get("topic") == "depth_update":
                yield p.depth(ts, market, rec)
            elif rec.get("topic") == "trade":
                yield p.trade(ts, market, trade_ids, rec)
            else:
                self.stats["unknown_topics"] += 1


def _parquet() -> Any:
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - pyarrow is in the test install
        raise RuntimeError("replaying Parquet needs pyarrow: pip install 'wexcore[parquet]'"
                           ) from None
    return pq


class ParquetRecording:
    """The two tables ``wexcore export`` writes: ``FILE.parquet`` (book
    changes) and ``FILE.trades.parquet`` (trades; or ``trades_path``).

    Book rows are grouped back into messages by their ``message`` number;
    the two tables are merged by receive time (a tie: the book change
    first). A depth frame without any level has no row in the export: its
    ids are missing, and the replay sees a gap there.
    """

    def __init__(self, path: str, trades_path: str | None = None) -> None:
        self.path = path
        root = path[: -len(".parquet")] if path.endswith(".parquet") else path
        self.trades_path = trades_path or root + ".trades.parquet"
        self.report = ReadReport(path)  # a Parquet file is whole or unreadable
        self.stats: Counter[str] = Counter()

    def books(self) -> tuple[dict[str, Any], list[BookInfo]]:
        pq = _parquet()
        try:
            meta = pq.read_schema(self.path).metadata or {}
            scales = json.loads(meta[b"wexcore.scales"])
        except (OSError, KeyError, ValueError) as exc:
            raise RecordingError(self.path, f"not a 'wexcore export' book table ({exc})"
                                 ) from None
        p = _Parser(self.path)
        books = []
        for key, (pp, qp) in sorted(scales.items()):
            product, _, symbol = key.partition(":")
            books.append(p.book({"product": product, "symbol": symbol,
                                 "price_precision": pp, "quantity_precision": qp}))
        if not books:
            raise RecordingError(self.path, "holds no book: nothing to replay")
        header = {"product": books[0].product, "symbols": [b.symbol for b in books]}
        return header, books

    def _rows(self, path: str, columns: list[str]) -> Iterator[dict[str, Any]]:
        pq = _parquet()
        for batch in pq.ParquetFile(path).iter_batches(batch_size=65_536, columns=columns):
            yield from batch.to_pylist()

    def _book_events(self, markets: dict[str, dict[str, ReplayMarket]]) -> Iterator[Event]:
        p = _Parser(self.path)
        group: list[dict[str, Any]] = []

        def event(rows: list[dict[str, Any]]) -> Event | None:
            r = rows[0]
            market = markets.get(r["product"], {}).get(r["symbol"])
            if market is None:
                raise p.fail("symbol", f"{r['product']}:{r['symbol']} is not in the scales")
            if r["kind"] == "lost":
                return NoteEvent(r["ts_ns"], "lost", market)
            asks = [(x["price"], x["quantity"]) for x in rows if x["side"] == "ask"]
            bids = [(x["price"], x["quantity"]) for x in rows if x["side"] == "bid"]
            if any(v is None or v < 0 for lv in (asks, bids) for pair in lv for v in pair):
                raise p.fail("price", "a level without an integer price and quantity")
            if r["kind"] == "snapshot":
                return SnapshotEvent(r["ts_ns"], market, r["last_id"], asks, bids)
            if r["kind"] != "delta":
                self.stats["unknown_rows"] += 1
                return None
            return DepthEvent(r["ts_ns"], market, r["first_id"], r["last_id"],
                              r["previous_id"] if market.product == "futures" else None,
                              asks, bids, None)

        columns = ["ts_ns", "product", "symbol", "message", "kind", "first_id", "last_id",
                   "previous_id", "side", "price", "quantity"]
        for p.n, row in enumerate(self._rows(self.path, columns), start=1):
            if group and row["message"] != group[0]["message"]:
                ev = event(group)
                if ev is not None:
                    yield ev
                group = []
            group.append(row)
        if group:
            ev = event(group)
            if ev is not None:
                yield ev

    def _trade_events(self, markets: dict[str, dict[str, ReplayMarket]]) -> Iterator[Event]:
        p = _Parser(self.trades_path)
        ids = itertools.count(1)
        columns = ["ts_ns", "product", "symbol", "trade_id", "time_ms", "price", "quantity",
                   "buyer_is_maker"]
        for p.n, r in enumerate(self._rows(self.trades_path, columns), start=1):
            market = markets.get(r["product"], {}).get(r["symbol"])
            if market is None:
                raise p.fail("symbol", f"{r['product']}:{r['symbol']} is not in the scales")
            tid = r["trade_id"] if r["trade_id"] is not None else next(ids)
            trade = PublicTrade(tid, r["time_ms"], r["price"], r["quantity"],
                                bool(r["buyer_is_maker"]), 0)
            yield TradeEvent(r["ts_ns"], market, trade, None)

    def events(self, markets: dict[str, dict[str, ReplayMarket]]) -> Iterator[Event]:
        last_ts = 0
        for ev in heapq.merge(self._book_events(markets), self._trade_events(markets),
                              key=lambda e: e.ts):
            last_ts = ev.ts = max(ev.ts, last_ts)  # the replay clock never goes back
            yield ev


def open_recording(path: str) -> JsonRecording | ParquetRecording:
    """A recording (``.parquet``: the export's tables; else the recorder's file)."""
    if path.endswith(".parquet"):
        return ParquetRecording(path)
    return JsonRecording(path)
