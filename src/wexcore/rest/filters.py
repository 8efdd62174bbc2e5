"""Pre-trade checks from a spot symbol's filters (spot-en.txt "Get symbol information").

A bad order fails locally with the code the exchange would return
(``ORDER_F0101``...), raised as :class:`~wexcore.InvalidOrderError` with
``http_status=None`` (nothing was sent). All arithmetic is exact
(:class:`decimal.Decimal` built from the strings of the symbol info; floats
given by the caller are read through ``repr``, the shortest round-tripping
text).

Checks, in the order the spec lists the filters:

* Precision: more decimals than ``pricePrecision``/``quantityPrecision`` (ORDER_008),
  checked first.
* PRICE (LIMIT orders): ``min <= price <= max`` and ``(price - min) % tickSize == 0``
  (F0101 / F0102 / F0103); a ``null`` bound or step is no restriction, and a
  ``null`` min counts as 0 for the step.
* QUANTITY (when a quantity is given): the same with F0201 / F0202 / F0203.
* QUOTE_QTY: LIMIT ``price * quantity >= min``; MARKET BUY ``quoteQty >= min`` (F0301).
* PROTECTION_LIMIT (LIMIT, when ``last_price`` is given): F0501..F0504.
* PROTECTION_MARKET (MARKET, when ``last_price`` and the opposite best price are given): F0601.
* PROTECTION_ONLINE (when ``open_price`` is given, i.e. the caller knows the
  symbol is within ``durationSeconds`` of listing): F0401.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from wexcore.errors import InvalidOrderError

__all__ = ["SymbolFilters", "to_decimal"]

_ZERO = Decimal(0)


def to_decimal(value: Any, field: str) -> Decimal:
    """An exact Decimal from str/int/Decimal (float via ``repr``); ValueError names the field."""
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, bool):
        raise TypeError(f"{field}: expected a decimal number, got bool")
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{field}: {value!r} is not a finite number")
        return Decimal(repr(value))
    elif isinstance(value, str):
        try:
            d = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{field}: {value!r} is not a decimal number") from None
    else:
        raise TypeError(f"{field}: expected a decimal number, got {type(value).__name__}")
    if not d.is_finite():
        raise ValueError(f"{field}: {value!r} is not a finite number")
    return d


def _opt(v: Any) -> Decimal | None:
    if v is None or v == "":
        return None
    return Decimal(str(v))


def _fail(code: str, message: str) -> InvalidOrderError:
    return InvalidOrderError(f"{message} (checked locally, not sent)", code=code, http_status=None)


class SymbolFilters:
    """The order rules of one spot symbol, from its ``/v4/public/symbol`` entry."""

    __slots__ = ("symbol", "price_precision", "quantity_precision", "filters")

    def __init__(
        self,
        symbol: str,
        price_precision: int | None,
        quantity_precision: int | None,
        filters: Mapping[str, Mapping[str, Any]],
    ):
        self.symbol = symbol
        self.price_precision = price_precision
        self.quantity_precision = quantity_precision
        self.filters = filters

    @classmethod
    def from_symbol(cls, info: Mapping[str, Any]) -> SymbolFilters:
        """Build from one element of ``symbols()["symbols"]``."""
        filters = {f["filter"]: f for f in info.get("filters") or () if "filter" in f}
        return cls(
            info["symbol"], info.get("pricePrecision"), info.get("quantityPrecision"), filters
        )

    def check_order(
        self,
        side: str,
        type: str,
        *,
        price: Any = None,
        quantity: Any = None,
        quote_qty: Any = None,
        last_price: Any = None,
        best_bid: Any = None,
        best_ask: Any = None,
        open_price: Any = None,
    ) -> None:
        """Raise :class:`~wexcore.InvalidOrderError` (with the exchange's code) if
        the order breaks a filter; return ``None`` if it passes."""
        side = side.upper()
        type = type.upper()
        p = to_decimal(price, "price") if price is not None else None
        q = to_decimal(quantity, "quantity") if quantity is not None else None
        qq = to_decimal(quote_qty, "quote_qty") if quote_qty is not None else None
        f = self.filters

        # The format (precision) is checked before the rules, as the exchange
        # parses the numbers before applying filters.
        if p is not None and self.price_precision is not None and _places(p) > self.price_precision:
            raise _fail(
                "ORDER_008",
                f"{self.symbol}: price {p} has more than {self.price_precision} decimals",
            )
        if (
            q is not None
            and self.quantity_precision is not None
            and _places(q) > self.quantity_precision
        ):
            raise _fail(
                "ORDER_008",
                f"{self.symbol}: quantity {q} has more than {self.quantity_precision} decimals",
            )
        if p is not None and "PRICE" in f:
            self._range(f["PRICE"], p, "price", "ORDER_F010")
        if q is not None and "QUANTITY" in f:
            self._range(f["QUANTITY"], q, "quantity", "ORDER_F020")
        qf = f.get("QUOTE_QTY")
        if qf is not None:
            mn = _opt(qf.get("min"))
            if mn is not None:
                if type == "LIMIT" and p is not None and q is not None and p * q < mn:
                    raise _fail(
                        "ORDER_F0301", f"{self.symbol}: price*quantity {p * q} < QUOTE_QTY min {mn}"
                    )
                if type == "MARKET" and side == "BUY" and qq is not None and qq < mn:
                    raise _fail("ORDER_F0301", f"{self.symbol}: quoteQty {qq} < QUOTE_QTY min {mn}")

        last = to_decimal(last_price, "last_price") if last_price is not None else None
        pl = f.get("PROTECTION_LIMIT")
        if pl is not None and type == "LIMIT" and p is not None and last is not None:
            checks = (
                ("BUY", "buyMaxDeviation", "ORDER_F0501", lambda d: p < last - last * d, "below"),
                ("SELL", "sellMaxDeviation", "ORDER_F0502", lambda d: p > last + last * d, "above"),
                (
                    "BUY",
                    "buyPriceLimitCoefficient",
                    "ORDER_F0503",
                    lambda d: p > last + last * d,
                    "above",
                ),
                (
                    "SELL",
                    "sellPriceLimitCoefficient",
                    "ORDER_F0504",
                    lambda d: p < last - last * d,
                    "below",
                ),
            )
            for s, key, code, bad, word in checks:
                d = _opt(pl.get(key))
                if s == side and d is not None and bad(d):
                    raise _fail(
                        code,
                        f"{self.symbol}: price {p} too far {word} last price {last} ({key}={d})",
                    )
        pm = f.get("PROTECTION_MARKET")
        if pm is not None and type == "MARKET" and last is not None:
            d = _opt(pm.get("maxDeviation"))
            if d is not None:
                if side == "BUY" and best_ask is not None:
                    ask = to_decimal(best_ask, "best_ask")
                    if last + last * d < ask:
                        raise _fail(
                            "ORDER_F0601", f"{self.symbol}: best ask {ask} beyond last {last} + {d}"
                        )
                if side == "SELL" and best_bid is not None:
                    bid = to_decimal(best_bid, "best_bid")
                    if last - last * d > bid:
                        raise _fail(
                            "ORDER_F0601", f"{self.symbol}: best bid {bid} beyond last {last} - {d}"
                        )
        po = f.get("PROTECTION_ONLINE")
        if po is not None and open_price is not None and p is not None:
            m = _opt(po.get("maxPriceMultiple"))
            op = to_decimal(open_price, "open_price")
            if m is not None and p > op * m:
                raise _fail("ORDER_F0401", f"{self.symbol}: price {p} > open price {op} * {m}")

    def _range(self, flt: Mapping[str, Any], v: Decimal, field: str, code: str) -> None:
        mn, mx, step = _opt(flt.get("min")), _opt(flt.get("max")), _opt(flt.get("tickSize"))
        if mn is not None and v < mn:
            raise _fail(code + "1", f"{self.symbol}: {field} {v} < min {mn}")
        if mx is not None and v > mx:
            raise _fail(code + "2", f"{self.symbol}: {field} {v} > max {mx}")
        if step is not None and step > 0 and (v - (mn or _ZERO)) % step != 0:
            raise _fail(code + "3", f"{self.symbol}: {field} {v} is not min {mn or 0} + k * {step}")


def _places(d: Decimal) -> int:
    exp = d.normalize().as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0
