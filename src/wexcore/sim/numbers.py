"""Numbers from clients, bounded before any arithmetic.

Every decimal and integer parameter the simulator reads goes through this
module. A text such as ``1e999990`` is a valid decimal, but turning it into
an integer builds a million-digit number (it once froze the whole simulator
for 29 s) and ``1e999999999`` overflowed into an HTTP 500. So the text is
checked first: at most :data:`MAX_TEXT` characters, finite, and an adjusted
exponent within :data:`MAX_EXPONENT`, which is far beyond any price,
quantity or amount on the exchange and small enough that every later step is
cheap. Anything else raises :class:`BadNumber` naming the field; the routes
turn it into the product's documented error.

Prices and quantities are integers on the inside (ticks of
``10**-price_precision``, lots of ``10**-quantity_precision``) so the books
are exact; :func:`fmt` turns them back into fixed-point strings.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_UP, Context, Decimal, InvalidOperation

MAX_TEXT = 48
#: |adjusted exponent| allowed: values up to ~1e30 and down to 1e-30.
MAX_EXPONENT = 30
MAX_INT = 2**63 - 1


class BadNumber(ValueError):
    """A parameter that is not a bounded, finite number (``field`` names it)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class PrecisionTooFine(BadNumber):
    """More decimals than the symbol's precision allows."""


def parse_decimal(value: object, field: str = "value") -> Decimal:
    """A client's number (JSON str/int/float, or query text) as a bounded Decimal."""
    if isinstance(value, bool) or value is None:
        raise BadNumber(field, "is not a number")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise BadNumber(field, "is not finite")
        text = repr(value)  # the shortest text that round-trips: what the client wrote
    elif isinstance(value, int):
        if abs(value) > 10**MAX_EXPONENT:
            raise BadNumber(field, "is out of range")
        return Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise BadNumber(field, "is not a number")
    if not text or len(text) > MAX_TEXT:
        raise BadNumber(field, "is not a number" if not text else "is too long")
    try:
        d = Decimal(text)
    except (InvalidOperation, ValueError):
        raise BadNumber(field, f"{text!r} is not a decimal number") from None
    if not d.is_finite():
        raise BadNumber(field, "is not finite")
    if d and abs(d.adjusted()) > MAX_EXPONENT:
        raise BadNumber(field, "is out of range")
    return d


def to_units(value: object, precision: int, field: str = "value") -> int:
    """Exact decimal -> integer units of ``10**-precision``; refuses finer values."""
    d = parse_decimal(value, field)
    scaled = d.scaleb(precision)
    integral = scaled.to_integral_value()
    if scaled != integral:
        raise PrecisionTooFine(field, f"has more than {precision} decimals")
    return int(integral)


def parse_int(value: object, field: str, lo: int = 0, hi: int = MAX_INT) -> int:
    """An integer parameter (JSON int or digit text) inside ``lo..hi``."""
    if isinstance(value, bool):
        raise BadNumber(field, "is not an integer")
    if isinstance(value, int):
        n = value
    elif isinstance(value, str):
        text = value.strip()
        body = text[1:] if text[:1] in "+-" else text
        if not body or len(text) > 20 or not body.isascii() or not body.isdigit():
            raise BadNumber(field, "is not an integer")
        n = int(text)
    elif isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        n = int(value)
    else:
        raise BadNumber(field, "is not an integer")
    if not lo <= n <= hi:
        raise BadNumber(field, f"must be within {lo}..{hi}")
    return n


def fmt(units: int, precision: int) -> str:
    """Integer units -> fixed-point decimal string with ``precision`` digits."""
    if precision <= 0:
        return str(units * 10 ** (-precision))
    sign = "-" if units < 0 else ""
    digits = str(abs(units)).rjust(precision + 1, "0")
    return f"{sign}{digits[:-precision]}.{digits[-precision:]}"


def dec_str(d: Decimal) -> str:
    """Decimal -> plain string without exponent or trailing zeros."""
    if d == 0:
        return "0"
    return format(d.normalize(), "f")


#: Inverse (COIN-M) values are rounded to 18 decimals, a coin's smallest unit,
#: so every later sum and difference stays exact in Decimal's 28 digits.
QUANTUM = Decimal("1e-18")
_WIDE = Context(prec=60)


def qz(x: Decimal) -> Decimal:
    return x.quantize(QUANTUM, context=_WIDE)


#: Futures wallets book amounts (fees, PnL, funding, margin) to the margin
#: coin's published precision (``baseCoinPrecision``/``quoteCoinPrecision``: 8).
COIN_DP = Decimal("1e-8")


def amount(x: Decimal) -> Decimal:
    """A booked amount: ``x`` to 8 decimals, half to even (PnL, funding, shares)."""
    return x.quantize(COIN_DP, ROUND_HALF_EVEN, context=_WIDE)


def amount_up(x: Decimal) -> Decimal:
    """A charge or a requirement, rounded away from zero (fees, margin needed)."""
    return x.quantize(COIN_DP, ROUND_UP, context=_WIDE)
