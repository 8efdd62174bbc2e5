"""The one exception tree of wexcore.

Everything wexcore raises on purpose derives from :class:`WexError`, so a
trading engine can catch the library's failures in one place while still
telling them apart::

    WexError
    ├── WexAPIError                 the exchange (or the simulator) said no
    │   ├── AuthenticationError     AUTH_* codes, HTTP 401/403
    │   ├── InvalidOrderError       ORDER_*, SYMBOL_*, futures invalid_* codes
    │   ├── InsufficientFundsError  ORDER_002, FUND_*/TRANSFER_* balance codes
    │   ├── RateLimitError          HTTP 429
    │   ├── ServerError             HTTP 5xx, COMMON_002/003
    │   └── NotFoundError           HTTP 404, ORDER_005
    ├── OrderStateUnknownError      a write was sent but no answer came back
    ├── SequenceGap                 a depth stream skipped or repeated ids
    ├── DecodeError (ValueError)    bytes that are not a valid message
    └── PrecisionError (ValueError) a decimal finer than the symbol allows

``DecodeError`` and ``PrecisionError`` are also ``ValueError`` subclasses
because they are, in the end, bad values: code written against the standard
library's conventions keeps working.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "WexError",
    "WexAPIError",
    "AuthenticationError",
    "InvalidOrderError",
    "InsufficientFundsError",
    "RateLimitError",
    "ServerError",
    "NotFoundError",
    "OrderStateUnknownError",
    "SequenceGap",
    "DecodeError",
    "PrecisionError",
]


class WexError(Exception):
    """Base class of every error wexcore raises on purpose."""


class WexAPIError(WexError):
    """The exchange answered with an error.

    Attributes:
        http_status: the HTTP status of the response (200 for envelope errors).
        code: the exchange's code, e.g. ``"AUTH_103"`` (spot ``mc``) or the
            futures ``error.code``/``msgInfo``; ``None`` when there was none.
        message: a human-readable message.
        body: the raw response body, for logging and diagnosis.
    """

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        code: str | None = None,
        body: bytes | str | None = None,
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.message = message
        self.body = body

    def __str__(self) -> str:
        parts = []
        if self.code:
            parts.append(self.code)
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        prefix = f"[{', '.join(parts)}] " if parts else ""
        return prefix + self.message


class AuthenticationError(WexAPIError):
    """Missing or wrong credentials, bad signature, stale timestamp (AUTH_*)."""


class InvalidOrderError(WexAPIError):
    """The order or its parameters break a rule or a symbol filter."""


class InsufficientFundsError(WexAPIError):
    """Not enough balance for the order or transfer."""


class RateLimitError(WexAPIError):
    """Too many requests (HTTP 429). ``retry_after`` is in seconds when known."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(WexAPIError):
    """The exchange failed (HTTP 5xx, COMMON_002/003); the request may be retried."""


class NotFoundError(WexAPIError):
    """The resource does not exist (HTTP 404, ORDER_005)."""


class OrderStateUnknownError(WexError):
    """A non-idempotent request (an order placement, a cancel) was sent but no
    answer arrived. The order may or may not exist on the exchange: query it
    (by client order id) before acting again. wexcore never retries these.
    """

    def __init__(self, message: str, *, method: str, path: str, cause: BaseException | None = None):
        super().__init__(message)
        self.method = method
        self.path = path
        self.cause = cause


class SequenceGap(WexError):
    """A depth update does not continue the book's sequence.

    The book that raised it is left exactly as it was before the message and
    is marked out of sync until the next snapshot is loaded.

    Attributes:
        symbol: the book's symbol.
        expected: the first update id the book would have accepted.
        received: the first update id of the message that was rejected.
    """

    def __init__(self, symbol: str, expected: int, received: int, detail: str = "") -> None:
        msg = f"{symbol}: sequence gap, expected update id {expected}, received {received}"
        if detail:
            msg += f" ({detail})"
        super().__init__(msg)
        self.symbol = symbol
        self.expected = expected
        self.received = received


class DecodeError(WexError, ValueError):
    """Bytes that are not a valid WEX message.

    Attributes:
        topic: the message's topic when it could be read, else ``None``.
        field: the field that was missing or bad, else ``None``.
        offset: byte offset into the frame where the problem was found, or -1.
    """

    def __init__(
        self,
        message: str,
        *,
        topic: str | None = None,
        field: str | None = None,
        offset: int = -1,
    ) -> None:
        where = []
        if topic is not None:
            where.append(f"topic={topic}")
        if field is not None:
            where.append(f"field={field}")
        if offset >= 0:
            where.append(f"offset={offset}")
        super().__init__(message + (f" [{', '.join(where)}]" if where else ""))
        self.topic = topic
        self.field = field
        self.offset = offset


class PrecisionError(WexError, ValueError):
    """A decimal has more significant digits than the symbol's precision allows."""

    def __init__(self, value: str, precision: int, field: str | None = None) -> None:
        name = f"{field} " if field else ""
        super().__init__(
            f"{name}value {value!r} has more than {precision} decimal places"
        )
        self.value = value
        self.precision = precision
        self.field = field
