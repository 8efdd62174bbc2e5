"""The one exception tree of wexcore.

Everything wexcore raises on purpose derives from :class:`WexError`, so a
trading engine can catch the library's failures in one place while still
telling them apart::

    WexError
    ├── WexAPIError                   the exchange (or a local pre-check) said no
    │   ├── AuthenticationError       AUTH_* codes, HTTP 401/403 (futures 400)
    │   │   └── AccessDeniedError     risk control, country, permission
    │   ├── InvalidOrderError         ORDER_*, SYMBOL_*, futures invalid_* codes
    │   │   ├── InvalidParameterError an argument refused before sending
    │   │   └── OrderNotFoundError    (also a NotFoundError)
    │   ├── InsufficientFundsError    ORDER_002, FUND_002, insufficient_balance...
    │   ├── RateLimitError            HTTP 429
    │   ├── ServerError               HTTP 5xx, COMMON_002/003, futures ``fail``
    │   ├── NotFoundError             HTTP 404, ORDER_005
    │   └── WalletError               deposit/withdraw/transfer refusals
    ├── TransportError                the request could not be completed
    │   ├── ConnectFailed             nothing was sent
    │   ├── ConnectionLost            the connection broke mid-exchange
    │   ├── ReadTimeout               no complete response within the deadline
    │   └── ProtocolError             a response that is not valid HTTP/1.1
    │       └── ResponseTooLarge      header block or body over its limit
    ├── OrderStateUnknownError        a write was sent but no answer came back
    ├── EventOverflowError            an Account.events() consumer fell too far behind
    ├── SequenceGap                   a depth stream skipped or repeated ids
    ├── DecodeError (ValueError)      bytes that are not a valid message
    └── PrecisionError (ValueError)   a decimal finer than the symbol allows

``DecodeError``, ``PrecisionError`` and ``InvalidParameterError`` are also
``ValueError`` subclasses because they are, in the end, bad values: code
written against the standard library's conventions keeps working.

Every class pickles (multiprocessing users send them between processes):
:meth:`WexError.__reduce__` rebuilds an instance from its ``args`` and its
attributes instead of calling ``__init__`` again, whose keyword-only
arguments the default exception pickling would drop.

Messages name the request (method, path, host) where there was one; they
never contain an API secret or a signature (only the headers' names are
ever logged or shown).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "WexError",
    "WexAPIError",
    "AuthenticationError",
    "AccessDeniedError",
    "InvalidOrderError",
    "InvalidParameterError",
    "OrderNotFoundError",
    "InsufficientFundsError",
    "RateLimitError",
    "ServerError",
    "NotFoundError",
    "WalletError",
    "TransportError",
    "ConnectFailed",
    "ConnectionLost",
    "ReadTimeout",
    "ProtocolError",
    "ResponseTooLarge",
    "OrderStateUnknownError",
    "EventOverflowError",
    "SequenceGap",
    "DecodeError",
    "PrecisionError",
]


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    obj = cls.__new__(cls, *args)
    obj.args = args
    obj.__dict__.update(state)
    return obj


class WexError(Exception):
    """Base class of every error wexcore raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuild from args + attributes: subclasses have keyword-only
        # __init__ arguments the default exception reduce cannot replay.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _where(method: str | None, path: str | None, host: str | None) -> str:
    """``"GET /v4/order on sapi.wexex.io"`` (the parts that are known)."""
    out = " ".join(p for p in (method, path) if p)
    if host:
        out += (" on " if out else "") + host
    return out


class WexAPIError(WexError):
    """The exchange answered with an error (or a local check refused the call).

    Attributes:
        http_status: the HTTP status of the response (200 for envelope
            errors; ``None`` when the check was local and nothing was sent).
        code: the exchange's code, e.g. ``"AUTH_103"`` (spot ``mc``) or the
            futures ``error.code``/``msgInfo``; ``None`` when there was none.
        message: a human-readable message.
        body: the raw response body, for logging and diagnosis.
        method, path, host: the request, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        code: str | None = None,
        body: bytes | str | None = None,
        method: str | None = None,
        path: str | None = None,
        host: str | None = None,
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.message = message
        self.body = body
        self.method = method
        self.path = path
        self.host = host

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


class AccessDeniedError(AuthenticationError):
    """The key is valid but the action is refused: risk control, country,
    permission, sub-account rights."""


class InvalidOrderError(WexAPIError):
    """The order or its parameters break a rule or a symbol filter.

    ``field`` names the parameter at fault when it is known (local checks
    always know it)."""

    field: str | None = None


class InvalidParameterError(InvalidOrderError, ValueError, TypeError):
    """An argument the exchange would refuse, caught before anything was sent
    (``http_status`` is ``None``): a price that is not a finite positive
    decimal, an id that is not an integer, a missing required parameter.

    ``field`` is the parameter's Python name. Also a ``ValueError`` and a
    ``TypeError``, so code written to the standard library's conventions
    still catches it."""

    def __init__(self, message: str, *, field: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.field = field


class InsufficientFundsError(WexAPIError):
    """Not enough balance for the order or transfer."""


class RateLimitError(WexAPIError):
    """Too many requests (HTTP 429). ``retry_after`` is in seconds when known."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(WexAPIError):
    """The exchange failed (HTTP 5xx, COMMON_002/003); a read may be retried."""


class NotFoundError(WexAPIError):
    """The resource does not exist (HTTP 404, ORDER_005)."""


class OrderNotFoundError(NotFoundError, InvalidOrderError):
    """The order (or plan, TP/SL, trailing order) id does not exist."""


class WalletError(WexAPIError):
    """A deposit, withdrawal or transfer was refused for a reason other than
    the balance."""


class TransportError(WexError):
    """The request could not be completed over the network (after the retries
    allowed for it). Raised for reads, and for writes that provably never left
    (:class:`ConnectFailed`); a write that may have reached the exchange raises
    :class:`OrderStateUnknownError` instead.

    Attributes:
        method, path, host: the request.
        cause: the underlying error, when there was one (an ``OSError``...).
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        host: str | None = None,
        cause: BaseException | None = None,
    ) -> None:
        where = _where(method, path, host)
        super().__init__(f"{where}: {message}" if where and where not in message else message)
        self.method = method
        self.path = path
        self.host = host
        self.cause = cause

    @property
    def reason(self) -> str:
        """The message without the request prefix."""
        text = str(self.args[0]) if self.args else ""
        where = _where(self.method, self.path, self.host)
        return text[len(where) + 2 :] if where and text.startswith(where + ": ") else text


class ConnectFailed(TransportError):
    """The connection could not be opened (refused, DNS, TLS, connect
    deadline): not a byte of the request was sent."""


class ConnectionLost(TransportError):
    """The connection broke after the request was (maybe) sent."""


class ReadTimeout(TransportError):
    """No complete response within the call's deadline (the request may have
    been received)."""


class ProtocolError(TransportError):
    """The response is not valid HTTP/1.1 as wexcore reads it (bad status
    line, conflicting lengths, bad chunk, unexpected encoding, an answer to a
    request never sent). The connection is closed, never reused."""


class ResponseTooLarge(ProtocolError):
    """A header block or body over the client's limit; refused before buffering."""


class OrderStateUnknownError(WexError):
    """A non-idempotent request (an order placement, a cancel) was sent but no
    answer arrived. The order may or may not exist on the exchange: query it
    (by client order id) before acting again. wexcore never retries these.

    Attributes:
        method, path, host: the request.
        cause: the transport error that ended the call.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        host: str | None = None,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.host = host
        self.cause = cause


class EventOverflowError(WexError):
    """A consumer of :meth:`wexcore.Account.events` fell more than its queue's
    ``maxsize`` events behind. The events queued before were delivered; the
    ones after were not queued for it. The account's state itself is
    complete: read it again (and open a new ``events()`` iterator)."""


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
