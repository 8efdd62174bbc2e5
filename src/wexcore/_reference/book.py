"""Plain-Python reference order book: the test oracle for ``wexcore._book``.

Written from the spec (spot-en.txt "Orderbook manage", futures-en.txt
"Orderbook Management") without looking at the Cython code: two dicts of
price ticks -> quantity ticks, ``decimal.Decimal`` for the string -> tick
conversion, the stdlib ``json`` with ``parse_float=Decimal`` for bytes. It is
slow on purpose and simple enough to be obviously right.

The sequence rules it encodes:

* before any snapshot, or after a gap, the book is out of sync and every
  update raises ``SequenceGap`` until the next snapshot;
* an update whose last id <= the book's id is stale: ignored;
* the first update after a snapshot must have first <= id + 1 (its last id is
  then > id, or it would be stale);
* every later update must have first == previous last + 1, and for futures,
  when ``pu`` is present, ``pu == previous last``;
* quantity 0 deletes the level (absent is fine), anything else sets it.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from decimal import Context, Decimal, InvalidOperation, Overflow
from typing import Any

from wexcore.errors import DecodeError, PrecisionError, SequenceGap

__all__ = ["ReferenceBook", "to_ticks", "STALE", "APPLIED", "CROSSED"]

STALE, APPLIED, CROSSED = 0, 1, 2
_INT64_MAX = 2**63 - 1
# enough digits that no input the tests make is ever rounded
_CTX = Context(prec=400, Emax=10**6, Emin=-(10**6))
_DECIMAL = re.compile(r"^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def to_ticks(value: Any, precision: int, field: str = "value") -> int:
    """Decimal value (str/int/float/Decimal) -> exact integer ticks."""
    if isinstance(value, bool) or value is None:
        raise DecodeError(f"not a decimal number: {value!r}", field=field)
    if isinstance(value, float):
        value = repr(value)
    text = str(value)
    if text.startswith("-") and _DECIMAL.match(text[1:]):
        raise DecodeError(f"negative value {text!r}", field=field)
    if not _DECIMAL.match(text):
        raise DecodeError(f"not a decimal number: {text!r}", field=field)
    try:
        scaled = _CTX.scaleb(Decimal(text), precision)
    except InvalidOperation:  # pragma: no cover - the regex keeps these out
        raise DecodeError(f"not a decimal number: {text!r}", field=field) from None
    except Overflow:
        raise DecodeError(f"value {text!r} out of range", field=field) from None
    if scaled != _CTX.to_integral_value(scaled):
        raise PrecisionError(text, precision, field)
    ticks = int(scaled)
    if ticks > _INT64_MAX:
        raise DecodeError(f"value {text!r} out of range", field=field)
    return ticks


def _inner(msg: dict[str, Any]) -> dict[str, Any]:
    inner: dict[str, Any] = msg
    if "data" in msg:
        inner = msg["data"]
    elif "result" in msg:
        inner = msg["result"]
    return inner


class ReferenceBook:
    def __init__(self, symbol: str, price_precision: int, quantity_precision: int,
                 *, product: str = "spot") -> None:
        self.symbol = symbol
        self.pp = price_precision
        self.qp = quantity_precision
        self.futures = product == "futures"
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self.last_update_id = 0
        self.in_sync = False
        self.first_pending = False

    # -- input
    def _decode(self, message: Any) -> dict[str, Any]:
        if isinstance(message, (bytes, bytearray, str)):
            message = json.loads(message, parse_float=Decimal)
        return _inner(message)

    def _levels(self, raw: list[Any] | None) -> list[tuple[int, int]]:
        return [(to_ticks(p, self.pp), to_ticks(q, self.qp)) for p, q in raw or ()]

    # -- operations
    def load_snapshot(self, snapshot: Any) -> int:
        d = self._decode(snapshot)
        for key in ("lastUpdateId", "u", "i", "id"):
            if d.get(key) is not None:
                new_id = int(d[key])
                break
        else:
            raise DecodeError("snapshot without an update id")
        bids = self._levels(d.get("bids", d.get("b")))
        asks = self._levels(d.get("asks", d.get("a")))
        self.bids = {p: q for p, q in bids}
        self.asks = {p: q for p, q in asks}
        self.bids = {p: q for p, q in self.bids.items() if q}
        self.asks = {p: q for p, q in self.asks.items() if q}
        self.last_update_id = new_id
        self.in_sync = True
        self.first_pending = True
        return self._status()

    def replace(self, message: Any) -> int:
        """A limited-depth message: the contents become the message's levels."""
        d = self._decode(message)
        new_id = None
        for key in ("i", "id", "u", "lastUpdateId"):
            if d.get(key) is not None:
                new_id = int(d[key])
                break
        if new_id is not None and self.in_sync and new_id < self.last_update_id:
            return STALE
        bids = dict(self._levels(d.get("bids", d.get("b", []))))
        asks = dict(self._levels(d.get("asks", d.get("a", []))))
        self.bids = {p: q for p, q in bids.items() if q}
        self.asks = {p: q for p, q in asks.items() if q}
        if new_id is not None:
            self.last_update_id = new_id
        self.in_sync = True
        self.first_pending = True
        return self._status()

    def apply(self, message: Any) -> int:
        d = self._decode(message)
        if self.futures:
            first, last, prev = int(d["fu"]), int(d["u"]), d.get("pu")
        else:
            first, last, prev = int(d["fi"]), int(d["i"]), None
        return self.apply_ticks(first, last, self._levels(d.get("b", [])),
                                self._levels(d.get("a", [])),
                                None if prev is None else int(prev))

    def apply_ticks(self, first: int, last: int, bids: list[tuple[int, int]],
                    asks: list[tuple[int, int]], prev: int | None = None) -> int:
        if not self.in_sync:
            raise SequenceGap(self.symbol, self.last_update_id + 1, first, "out of sync")
        if last <= self.last_update_id:
            return STALE
        if self.first_pending:
            if not first <= self.last_update_id + 1:
                self.in_sync = False
                raise SequenceGap(self.symbol, self.last_update_id + 1, first)
        else:
            if first != self.last_update_id + 1:
                self.in_sync = False
                raise SequenceGap(self.symbol, self.last_update_id + 1, first)
            if self.futures and prev is not None and prev != self.last_update_id:
                self.in_sync = False
                raise SequenceGap(self.symbol, self.last_update_id, prev)
        for book, levels in ((self.bids, bids), (self.asks, asks)):
            for p, q in levels:
                if q == 0:
                    book.pop(p, None)
                else:
                    book[p] = q
        self.last_update_id = last
        self.first_pending = False
        return self._status()

    def _status(self) -> int:
        if self.bids and self.asks and max(self.bids) >= min(self.asks):
            return CROSSED
        return APPLIED

    # -- reads
    def top(self, side: str, n: int) -> list[tuple[int, int]]:
        if side == "bid":
            return [(p, self.bids[p]) for p in sorted(self.bids, reverse=True)[:n]]
        return [(p, self.asks[p]) for p in sorted(self.asks)[:n]]

    def checksum(self, levels: int = 25) -> int:
        data = b"".join(struct.pack("<qq", p, q)
                        for side in ("bid", "ask") for p, q in self.top(side, levels))
        return zlib.crc32(data)
