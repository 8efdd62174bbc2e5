"""Pre-trade checks from a symbol's rules: spot filters (spot-en.txt "Get symbol
information") and futures contract limits (futures-en.txt "Get Configuration
Information for Single Trading Pair").

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

Futures (:class:`FuturesSymbolFilters`), with the codes of the futures "Create
Orders" tables: ``origQty`` a whole number of contracts
(``invalid_quantity_scale``) of at least ``max(1, minQty)``
(``quantity_can_not_less_than``); a LIMIT order has a price; any price given
has at most ``pricePrecision`` decimals, is a multiple of ``minStepPrice``
and lies within ``minPrice..maxPrice`` (``invalid_price``); when the caller
passes ``index_price``, a LIMIT buy may be at most ``multiplierUp`` above it
and a sell at most ``multiplierDown`` below it (``invalid_price``). Notional
limits are not checked: the spec gives no code for them and does not say how
a COIN-M notional is reckoned (docs/spec-decisions.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Context, Decimal, InvalidOperation, localcontext
from typing import Any

import msgspec

from wexcore.errors import InvalidOrderError, InvalidParameterError
from wexcore.rest.types import FuturesSymbol, SpotSymbol, SymbolFilter

__all__ = ["SymbolFilters", "FuturesSymbolFilters", "to_decimal", "MAX_DIGITS", "MAX_EXPONENT"]

_ZERO = Decimal(0)
#: Most significant digits a decimal argument may have. No price or quantity
#: needs more; a longer number is a mistake (and would make arithmetic inexact
#: in the default 28-digit context).
MAX_DIGITS = 32
#: Largest power of ten (either way) a decimal argument may reach: 1e-40..1e40.
MAX_EXPONENT = 40
# Filter arithmetic runs in this context: with at most MAX_DIGITS digits and
# exponents within +-MAX_EXPONENT, 100 digits keep every product and every
# remainder exact, and any inexact result would trap instead of rounding.
_EXACT = Context(prec=100, traps=[InvalidOperation])


@contextmanager
def _exact() -> Iterator[None]:
    with localcontext(_EXACT):
        yield


def to_decimal(value: Any, field: str) -> Decimal:
    """An exact, finite Decimal from str/int/Decimal (a float via ``repr``).

    Raises :class:`~wexcore.errors.InvalidParameterError` naming ``field``
    for anything else: bools, NaN and infinities, text that is not a number,
    more than :data:`MAX_DIGITS` significant digits, or a magnitude beyond
    ``1e+-40``.
    """
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, bool):
        raise InvalidParameterError(f"{field}: expected a decimal number, got bool", field=field)
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidParameterError(f"{field}: {value!r} is not a finite number", field=field)
        d = Decimal(repr(value))
    elif isinstance(value, str):
        if len(value) > 128:
            raise InvalidParameterError(f"{field}: {value[:20]!r}... is too long", field=field)
        try:
            d = Decimal(value)
        except InvalidOperation:
            raise InvalidParameterError(
                f"{field}: {value!r} is not a decimal number", field=field
            ) from None
    else:
        raise InvalidParameterError(
            f"{field}: expected a decimal number, got {type(value).__name__}", field=field
        )
    if not d.is_finite():
        raise InvalidParameterError(f"{field}: {value!r} is not a finite number", field=field)
    t = d.as_tuple()
    if len(t.digits) > MAX_DIGITS and d != 0:
        raise InvalidParameterError(
            f"{field}: {value!r} has more than {MAX_DIGITS} significant digits", field=field
        )
    if d != 0 and abs(d.adjusted()) > MAX_EXPONENT:
        raise InvalidParameterError(
            f"{field}: {value!r} is out of range (1e-{MAX_EXPONENT}..1e{MAX_EXPONENT})",
            field=field,
        )
    return d


def _fail(code: str, message: str, field: str | None = None) -> InvalidOrderError:
    e = InvalidOrderError(f"{message} (checked locally, not sent)", code=code, http_status=None)
    e.field = field
    return e


class SymbolFilters:
    """The order rules of one spot symbol, from its ``/v4/public/symbol`` entry."""

    __slots__ = ("symbol", "price_precision", "quantity_precision", "filters")

    def __init__(
        self,
        symbol: str,
        price_precision: int | None,
        quantity_precision: int | None,
        filters: Mapping[str, SymbolFilter],
    ):
        self.symbol = symbol
        self.price_precision = price_precision
        self.quantity_precision = quantity_precision
        self.filters = filters

    @classmethod
    def from_symbol(cls, info: SpotSymbol | Mapping[str, Any]) -> SymbolFilters:
        """Build from one :class:`~wexcore.rest.types.SpotSymbol` of
        ``symbols().symbols`` (or its wire dict)."""
        if not isinstance(info, SpotSymbol):
            info = msgspec.convert(info, SpotSymbol, strict=False)
        filters = {f.filter: f for f in info.filters}
        return cls(info.symbol, info.price_precision, info.quantity_precision, filters)

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
        """Raise :class:`~wexcore.InvalidOrderError` (with the exchange's code and
        the ``field`` at fault) if the order breaks a filter; return ``None``
        if it passes. Arguments that are not exact finite decimals raise
        :class:`~wexcore.errors.InvalidParameterError`."""
        with _exact():
            self._check(side, type, price, quantity, quote_qty, last_price, best_bid, best_ask,
                        open_price)

    def _check(self, side: str, type: str, price: Any, quantity: Any, quote_qty: Any,
               last_price: Any, best_bid: Any, best_ask: Any, open_price: Any) -> None:
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
                "price",
            )
        if (
            q is not None
            and self.quantity_precision is not None
            and _places(q) > self.quantity_precision
        ):
            raise _fail(
                "ORDER_008",
                f"{self.symbol}: quantity {q} has more than {self.quantity_precision} decimals",
                "quantity",
            )
        if p is not None and "PRICE" in f:
            self._range(f["PRICE"], p, "price", "ORDER_F010")
        if q is not None and "QUANTITY" in f:
            self._range(f["QUANTITY"], q, "quantity", "ORDER_F020")
        qf = f.get("QUOTE_QTY")
        if qf is not None:
            mn = qf.min
            if mn is not None:
                if type == "LIMIT" and p is not None and q is not None and p * q < mn:
                    raise _fail(
                        "ORDER_F0301",
                        f"{self.symbol}: price*quantity {p * q} < QUOTE_QTY min {mn}",
                        "quantity",
                    )
                if type == "MARKET" and side == "BUY" and qq is not None and qq < mn:
                    raise _fail(
                        "ORDER_F0301", f"{self.symbol}: quoteQty {qq} < QUOTE_QTY min {mn}",
                        "quote_qty",
                    )

        last = to_decimal(last_price, "last_price") if last_price is not None else None
        pl = f.get("PROTECTION_LIMIT")
        if pl is not None and type == "LIMIT" and p is not None and last is not None:
            checks = (
                ("BUY", pl.buy_max_deviation, "buyMaxDeviation", "ORDER_F0501", "below"),
                ("SELL", pl.sell_max_deviation, "sellMaxDeviation", "ORDER_F0502", "above"),
                ("BUY", pl.buy_price_limit_coefficient, "buyPriceLimitCoefficient",
                 "ORDER_F0503", "above"),
                ("SELL", pl.sell_price_limit_coefficient, "sellPriceLimitCoefficient",
                 "ORDER_F0504", "below"),
            )
            for s, d, key, code, word in checks:
                if s != side or d is None:
                    continue
                bad = p < last - last * d if word == "below" else p > last + last * d
                if bad:
                    raise _fail(
                        code,
                        f"{self.symbol}: price {p} too far {word} last price {last} ({key}={d})",
                        "price",
                    )
        pm = f.get("PROTECTION_MARKET")
        if pm is not None and type == "MARKET" and last is not None:
            d = pm.max_deviation
            if d is not None:
                if side == "BUY" and best_ask is not None:
                    ask = to_decimal(best_ask, "best_ask")
                    if last + last * d < ask:
                        raise _fail(
                            "ORDER_F0601",
                            f"{self.symbol}: best ask {ask} beyond last {last} + {d}", "type",
                        )
                if side == "SELL" and best_bid is not None:
                    bid = to_decimal(best_bid, "best_bid")
                    if last - last * d > bid:
                        raise _fail(
                            "ORDER_F0601",
                            f"{self.symbol}: best bid {bid} beyond last {last} - {d}", "type",
                        )
        po = f.get("PROTECTION_ONLINE")
        if po is not None and open_price is not None and p is not None:
            m = po.max_price_multiple
            op = to_decimal(open_price, "open_price")
            if m is not None and p > op * m:
                raise _fail(
                    "ORDER_F0401", f"{self.symbol}: price {p} > open price {op} * {m}", "price"
                )

    def _range(self, flt: SymbolFilter, v: Decimal, field: str, code: str) -> None:
        mn, mx, step = flt.min, flt.max, flt.tick_size
        if mn is not None and v < mn:
            raise _fail(code + "1", f"{self.symbol}: {field} {v} < min {mn}", field)
        if mx is not None and v > mx:
            raise _fail(code + "2", f"{self.symbol}: {field} {v} > max {mx}", field)
        if step is not None and step > 0 and (v - (mn or _ZERO)) % step != 0:
            raise _fail(
                code + "3", f"{self.symbol}: {field} {v} is not min {mn or 0} + k * {step}", field
            )


def _places(d: Decimal) -> int:
    exp = d.normalize().as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


class FuturesSymbolFilters:
    """The order limits of one futures contract, from its ``symbol_detail``
    (or ``symbols``) entry. ``None`` limits are no restriction."""

    __slots__ = ("symbol", "price_precision", "min_step_price", "min_price", "max_price",
                 "min_qty", "multiplier_up", "multiplier_down")

    def __init__(
        self,
        symbol: str,
        *,
        price_precision: int | None = None,
        min_step_price: Decimal | None = None,
        min_price: Decimal | None = None,
        max_price: Decimal | None = None,
        min_qty: Decimal | None = None,
        multiplier_up: Decimal | None = None,
        multiplier_down: Decimal | None = None,
    ) -> None:
        self.symbol = symbol
        self.price_precision = price_precision
        # a zero or negative limit in a symbol entry means "not set"
        self.min_step_price = min_step_price if min_step_price else None
        self.min_price = min_price if min_price else None
        self.max_price = max_price if max_price else None
        self.min_qty = min_qty if min_qty else None
        self.multiplier_up = multiplier_up if multiplier_up else None
        self.multiplier_down = multiplier_down if multiplier_down else None

    @classmethod
    def from_symbol(cls, info: FuturesSymbol | Mapping[str, Any]) -> FuturesSymbolFilters:
        """Build from a :class:`~wexcore.rest.types.FuturesSymbol` (or its wire dict)."""
        if not isinstance(info, FuturesSymbol):
            info = msgspec.convert(info, FuturesSymbol, strict=False)
        return cls(
            info.symbol,
            price_precision=info.price_precision,
            min_step_price=info.min_step_price,
            min_price=info.min_price,
            max_price=info.max_price,
            min_qty=info.min_qty,
            multiplier_up=info.multiplier_up,
            multiplier_down=info.multiplier_down,
        )

    def check_order(
        self,
        side: str,
        type: str,
        *,
        quantity: Any,
        price: Any = None,
        index_price: Any = None,
    ) -> None:
        """Raise :class:`~wexcore.InvalidOrderError` (the futures code and the
        ``field`` at fault: ``orig_qty`` or ``price``) if the order breaks a
        limit; return ``None`` if it passes. ``quantity`` is ``origQty`` in
        contracts. Arguments that are not exact finite decimals raise
        :class:`~wexcore.errors.InvalidParameterError`."""
        with _exact():
            self._check(side.upper(), type.upper(), quantity, price, index_price)

    def _check(self, side: str, type: str, quantity: Any, price: Any, index_price: Any) -> None:
        q = to_decimal(quantity, "orig_qty")
        if q != q.to_integral_value():
            raise _fail("invalid_quantity_scale",
                        f"{self.symbol}: origQty {q} is not a whole number of contracts",
                        "orig_qty")
        least = max(Decimal(1), self.min_qty or _ZERO)
        if q < least:
            raise _fail("quantity_can_not_less_than",
                        f"{self.symbol}: origQty {q} < {least}", "orig_qty")
        if price is None or (type == "MARKET" and _blank_price(price)):
            if type == "LIMIT":
                raise _fail("invalid_price", f"{self.symbol}: a LIMIT order needs a price",
                            "price")
            return
        p = to_decimal(price, "price")
        if p <= 0:
            raise _fail("invalid_price", f"{self.symbol}: price {p} is not positive", "price")
        if self.price_precision is not None and _places(p) > self.price_precision:
            raise _fail("invalid_price",
                        f"{self.symbol}: price {p} has more than {self.price_precision} "
                        "decimals", "price")
        step = self.min_step_price
        if step is not None and p % step != 0:
            raise _fail("invalid_price",
                        f"{self.symbol}: price {p} is not a multiple of minStepPrice {step}",
                        "price")
        if self.min_price is not None and p < self.min_price:
            raise _fail("invalid_price", f"{self.symbol}: price {p} < minPrice {self.min_price}",
                        "price")
        if self.max_price is not None and p > self.max_price:
            raise _fail("invalid_price", f"{self.symbol}: price {p} > maxPrice {self.max_price}",
                        "price")
        if type != "LIMIT" or index_price is None:
            return
        index = to_decimal(index_price, "index_price")
        up, down = self.multiplier_up, self.multiplier_down
        if side == "BUY" and up is not None and p > index + index * up:
            raise _fail("invalid_price",
                        f"{self.symbol}: buy price {p} above index price {index} by more "
                        f"than multiplierUp {up}", "price")
        if side == "SELL" and down is not None and p < index - index * down:
            raise _fail("invalid_price",
                        f"{self.symbol}: sell price {p} below index price {index} by more "
                        f"than multiplierDown {down}", "price")


def _blank_price(price: Any) -> bool:
    # what a MARKET order may carry in place of a price (sent as "" or "0")
    return (isinstance(price, (int, str, Decimal)) and not isinstance(price, bool)
            and str(price) in ("", "0"))
