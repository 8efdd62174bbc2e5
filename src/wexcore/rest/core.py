"""The sans-I/O request core: every REST call's plan, in one place.

:class:`RequestCore` turns an :class:`~wexcore.rest.endpoints.Endpoint` row
and argument values into a signed request, and a response into a typed
result or an exception. :meth:`RequestCore.plan` is the whole life of one
call -- clock sync, rate limit, send, retry, clock resync, decode -- written
once as a generator of :class:`Send`, :class:`Sleep` and :data:`NEED_CLOCK`
actions. The sync and async clients (``client.py``) are thin drivers: they
perform each action (a socket exchange, a ``time.sleep``/``asyncio.sleep``,
a clock sync under a lock) and send the outcome back in. No I/O happens here,
so every decision is testable with bytes alone.

The plan, for one call:

1. A signed endpoint whose clock offset is due (first call, every
   ``clock_sync_interval`` s, after a stale-clock rejection) first yields
   :data:`NEED_CLOCK`; the driver runs :meth:`RequestCore.clock_plan` (a GET
   of the server time, retried like any GET) once for all concurrent callers.
2. The rate limiter books a slot; a wait is a :class:`Sleep`.
3. The request is built and signed with the tracked offset (fresh for every
   attempt) and yielded as a :class:`Send`; the driver answers with
   ``(status, headers, body)`` or the :class:`~wexcore.errors.TransportError`
   it got.
4. Retries: idempotent endpoints (GETs, and the ws-token fetch) are sent
   again after transport errors, 429 (honouring ``Retry-After``) and 5xx /
   "system busy" answers, with full-jitter exponential backoff, up to
   ``max_retries`` times. Writes never are: a write that provably never left
   raises :class:`~wexcore.errors.ConnectFailed`; one whose answer was lost
   raises :class:`~wexcore.errors.OrderStateUnknownError`.
5. A stale-clock rejection (spot ``AUTH_105``, the futures gateway's HTTP 403
   without a more specific code, a ``"403"`` code in an envelope) resyncs the
   clock once; an idempotent call is then sent again, a write raises (the
   next call is signed with the corrected clock).
6. The body is decoded straight into the endpoint's result type
   (:mod:`wexcore.rest.types`). A response the fast path cannot read (an
   empty string where a number belongs, an error envelope) takes the slow
   path: decoded once more as plain JSON (numbers as exact ``Decimal``),
   normalised, converted; an error envelope becomes the exception its code
   maps to (:mod:`wexcore.rest.codes`).
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Generator, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any, Generic, NamedTuple, NoReturn, TypeVar, cast
from urllib.parse import quote, urlsplit

import msgspec
import orjson

from wexcore._sign import Signer, encode_query
from wexcore.errors import (
    AccessDeniedError,
    AuthenticationError,
    ConnectFailed,
    DecodeError,
    InvalidParameterError,
    OrderNotFoundError,
    OrderStateUnknownError,
    RateLimitError,
    ServerError,
    TransportError,
    WexAPIError,
)
from wexcore.rest import endpoints as _endpoints
from wexcore.rest.clock import ClockSync
from wexcore.rest.codes import NULL_CODE_ENDPOINTS, error_class, status_class
from wexcore.rest.endpoints import Endpoint, Param
from wexcore.rest.filters import to_decimal
from wexcore.rest.limits import Bucket, RateLimiter
from wexcore.rest.types import Page, RawResponse

__all__ = [
    "RequestCore",
    "Send",
    "Sleep",
    "NeedClock",
    "NEED_CLOCK",
    "Action",
    "Reply",
    "TIME_PATH",
]

log = logging.getLogger("wexcore.rest")

R = TypeVar("R")
TIME_PATH = "/v4/public/time"

_JSON_CT = "application/json"
_FORM_CT = "application/x-www-form-urlencoded"
# Decimal parameters that must be strictly positive (a zero price or size is
# never valid); the others (trigger and delegate prices) may be zero.
_POSITIVE = frozenset(
    {"price", "quantity", "quoteQty", "origQty", "amount", "margin", "callbackVal", "stopPrice"}
)
# Envelope codes that mean "busy, try later": retried for idempotent calls.
_BUSY_CODES = frozenset({"COMMON_002", "COMMON_003"})
# Authentication codes that a clock resync cannot fix.
_NOT_CLOCK = frozenset({"AUTH_101", "AUTH_102", "AUTH_103", "AUTH_104", "AUTH_106"})


class Send(NamedTuple):
    """Action: send this request; reply with ``(status, headers, body)`` or the
    :class:`~wexcore.errors.TransportError` raised."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None


class Sleep(NamedTuple):
    """Action: wait ``seconds``; reply with ``None``."""

    seconds: float


class NeedClock(NamedTuple):
    """Action: make sure the clock offset is fresh (run
    :meth:`RequestCore.clock_plan` if it is still due); reply with ``None``."""


NEED_CLOCK = NeedClock()
Action = Send | Sleep | NeedClock
Reply = tuple[int, Mapping[str, str], bytes] | TransportError | None


class _Envelope(msgspec.Struct, Generic[R], gc=False):
    # Both envelope forms in one: spot {"rc","mc","ma","result"}, futures
    # {"returnCode","msgInfo","error","result"} (and a futures endpoint or two
    # that answer in the spot form).
    rc: int | None = None
    return_code: int | None = msgspec.field(default=None, name="returnCode")
    result: R | None = None


def _json_default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return format(obj, "f")
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def _dumps(obj: Any, what: str) -> bytes:
    try:
        return orjson.dumps(obj, default=_json_default)
    except TypeError as exc:
        raise InvalidParameterError(f"{what}: {exc}", field=what) from None


def _int_value(p: Param, v: Any) -> int:
    if isinstance(v, bool):
        raise InvalidParameterError(f"{p.arg}: expected int, got bool", field=p.arg)
    if isinstance(v, int):
        n = v
    elif isinstance(v, str) and v.isascii() and v.lstrip("-").isdigit() and len(v) <= 40:
        n = int(v)
    else:
        raise InvalidParameterError(
            f"{p.arg}: expected int (or a string of digits), got {v!r}"[:200], field=p.arg
        )
    if p.range is not None and not (p.range[0] <= n <= p.range[1]):
        raise InvalidParameterError(
            f"{p.arg}: {n} is outside the documented range {p.range[0]}..{p.range[1]}",
            field=p.arg,
        )
    return n


def _decimal_text(p: Param, v: Any) -> str:
    d = to_decimal(v, p.arg)
    if d.is_signed() or (d == 0 and p.name in _POSITIVE):
        raise InvalidParameterError(
            f"{p.arg}: {v!r} must be a {'positive' if p.name in _POSITIVE else 'non-negative'}"
            " decimal",
            field=p.arg,
        )
    # Keep the caller's text when it is a plain decimal: what they wrote is
    # what is sent. Exponents and signs are written out in full.
    if isinstance(v, str) and v.isascii() and v.replace(".", "", 1).isdigit():
        return v
    return format(d, "f")


def _wire(p: Param, v: Any, as_json: bool) -> Any:
    """One argument as it goes on the wire (query text, or a JSON value)."""
    kind = p.kind
    if kind == "str":
        if not isinstance(v, str):
            raise InvalidParameterError(
                f"{p.arg}: expected str, got {type(v).__name__}", field=p.arg
            )
        return v
    if kind == "int":
        n = _int_value(p, v)
        return n if as_json else str(n)
    if kind == "decimal":
        return _decimal_text(p, v)
    if kind == "bool":
        if not isinstance(v, bool):
            raise InvalidParameterError(
                f"{p.arg}: expected bool, got {type(v).__name__}", field=p.arg
            )
        return v if as_json else ("true" if v else "false")
    if kind == "csv":
        if isinstance(v, str):
            return v
        if isinstance(v, (bytes, Mapping)) or not isinstance(v, Sequence):
            raise InvalidParameterError(
                f"{p.arg}: expected a str or a list, got {type(v).__name__}", field=p.arg
            )
        return ",".join(str(x) for x in v)
    if kind == "list":
        if isinstance(v, (str, bytes, Mapping)) or not isinstance(v, Sequence):
            raise InvalidParameterError(
                f"{p.arg}: expected a list, got {type(v).__name__}", field=p.arg
            )
        return list(v)
    if kind == "jsonstr":
        return v if isinstance(v, str) else _dumps(v, p.arg).decode()
    raise AssertionError(kind)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    v = headers.get("retry-after")
    if v is None:
        return None
    try:
        d = float(v)
    except ValueError:
        return None  # an HTTP-date; fall back on backoff
    # A hostile or broken header must not park the client for hours.
    return min(max(0.0, d), 60.0) if d == d else None


# ---------------------------------------------------------------- slow path
_BLANK = re.compile(rb':[ \t\r\n]*""')
# Plain JSON with every fractional number as an exact Decimal.
_PLAIN: msgspec.json.Decoder[Any] = msgspec.json.Decoder(float_hook=Decimal)

@lru_cache(maxsize=512)
def _info(tp: Any) -> Any:
    return msgspec.inspect.type_info(tp)


def _takes_none(t: Any) -> bool:
    if isinstance(t, msgspec.inspect.UnionType):
        return any(_takes_none(x) for x in t.types)
    return isinstance(t, (msgspec.inspect.NoneType, msgspec.inspect.AnyType))


def _normalise(value: Any, t: Any) -> Any:
    """``value`` (plain JSON) with blanks where ``t`` cannot take them
    removed, so that the field's default applies: ``""`` or ``null`` for a
    number, an enum or a list reads as absent."""
    if isinstance(t, msgspec.inspect.StructType):
        if not isinstance(value, dict):
            return value
        out = {}
        for f in t.fields:
            if f.encode_name not in value:
                continue
            v = value[f.encode_name]
            # "" and null read as absent wherever the field is optional (the
            # fast path reads "" as null too); a required field keeps them.
            if (v == "" or (v is None and not _takes_none(f.type))) and not f.required:
                continue
            out[f.encode_name] = _normalise(v, f.type)
        return out
    if isinstance(t, msgspec.inspect.ListType):
        if isinstance(value, list):
            return [_normalise(v, t.item_type) for v in value]
        return value
    if isinstance(t, msgspec.inspect.UnionType):
        for member in t.types:
            if isinstance(value, dict) and isinstance(member, msgspec.inspect.StructType):
                return _normalise(value, member)
            if isinstance(value, list) and isinstance(member, msgspec.inspect.ListType):
                return _normalise(value, member)
        return value
    return value


def _error_path(text: str) -> str | None:
    """The JSON path a msgspec validation message points at (``$.items[0].price``)."""
    m = re.search(r" - at `([^`]*)`$", text)
    path = m.group(1) if m else "$"
    missing = re.match(r"Object missing required field `([^`]*)`", text)
    if missing:
        return f"{path}.{missing.group(1)}"
    return path if m else None


def _empty_result(tp: Any) -> Any:
    """What a ``null`` result means for ``tp``: an empty list or page, else missing."""
    origin = getattr(tp, "__origin__", None)
    if origin is list:
        return []
    if origin is Page or tp is Page:
        return tp()
    raise ValueError("the response has no result")


class RequestCore:
    """Sans-I/O request building, response decoding and the plan of a call.

    Args:
        product: ``"spot"`` or ``"futures"`` (decides signing and content types).
        base_url: scheme and host, e.g. ``https://sapi.wexex.io``.
        signer: a :class:`~wexcore.Signer`, or ``None`` for public use only.
        limiter: a :class:`~wexcore.rest.limits.RateLimiter` or ``None``.
        max_retries: retries allowed for an idempotent call.
        backoff: first retry delay in seconds; doubles, with full jitter, up
            to ``backoff_max``.
        clock: the :class:`~wexcore.rest.clock.ClockSync` (offset tracking);
            a disabled one by default.
        time_url: the server-time URL the clock syncs with.
    """

    def __init__(
        self,
        product: str,
        base_url: str,
        signer: Signer | None,
        limiter: RateLimiter | None,
        *,
        max_retries: int = 3,
        backoff: float = 0.1,
        backoff_max: float = 2.0,
        clock: ClockSync | None = None,
        time_url: str | None = None,
    ) -> None:
        if product not in ("spot", "futures"):
            raise ValueError(f"product must be 'spot' or 'futures', got {product!r}")
        for name, url in (("base_url", base_url), ("time_url", time_url or base_url)):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc or not url.isascii():
                raise ValueError(
                    f"{name} must be http(s)://host[:port] in ASCII (an international "
                    f"host name in its xn-- form), got {url!r}"
                )
        parts = urlsplit(base_url)
        self.product = product
        self.spot = product == "spot"
        self.base_url = base_url.rstrip("/")
        self.host = parts.netloc
        self.signer = signer
        self.limiter = limiter
        self.max_retries = max_retries
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.clock = clock if clock is not None else ClockSync(enabled=False)
        self.time_url = time_url or self.base_url + TIME_PATH
        self._buckets: dict[str, tuple[Bucket, ...]] = {}
        self._decoders: dict[str, msgspec.json.Decoder[Any]] = {}
        if self.spot:
            self._ct = {"query": _JSON_CT, "json": _JSON_CT, "form": _FORM_CT}
        else:
            self._ct = {"query": _FORM_CT, "json": _JSON_CT, "form": _FORM_CT}

    # -- building ---------------------------------------------------------
    def buckets(self, ep: Endpoint[Any]) -> tuple[Bucket, ...]:
        b = self._buckets.get(ep.key)
        if b is None:
            if self.limiter is None:
                b = ()
            else:
                key = self.signer.api_key if self.signer is not None else None
                b = self.limiter.buckets_for(ep, self.host, key)
            self._buckets[ep.key] = b
        return b

    def build_request(self, ep: Endpoint[Any], values: tuple[Any, ...]) -> Send:
        """The :class:`Send` ``(method, url, headers, body)`` of one call;
        signed when the endpoint needs it. Arguments the exchange would refuse
        raise :class:`~wexcore.errors.InvalidParameterError` naming them."""
        if ep.product != self.product:
            raise ValueError(f"{ep.key} is not a {self.product} endpoint")
        as_json = ep.encoding == "json"
        path = ep.path
        query: dict[str, Any] = {}
        body_obj: Any = None
        for p, v in zip(ep.params, values, strict=True):
            if v is None:
                if p.required:
                    raise InvalidParameterError(f"{ep.name}: {p.arg} is required", field=p.arg)
                continue
            if p.where == "path":
                w = str(_wire(p, v, False))
                if not (w.isalnum() and w.isascii()):  # ids and symbols need no quoting
                    w = quote(w, safe="")
                path = path.replace("{" + p.name + "}", w)
            elif p.kind == "body":
                if isinstance(v, (str, bytes, Mapping)) or not isinstance(v, Sequence):
                    raise InvalidParameterError(
                        f"{p.arg}: expected a list, got {type(v).__name__}", field=p.arg
                    )
                body_obj = list(v)
            elif as_json:
                if body_obj is None:
                    body_obj = {}
                body_obj[p.name] = _wire(p, v, True)
            else:
                query[p.name] = _wire(p, v, False)
        qs = encode_query(query) if query else ""
        body = _dumps(body_obj, ep.name) if body_obj is not None else None
        if ep.auth:
            signer = self.signer
            if signer is None:
                raise AuthenticationError(
                    f"{ep.name} is a signed endpoint: create the client with api_key and secret",
                    method=ep.method, path=ep.path, host=self.host,
                )
            ts = self.clock.timestamp(signer.time_offset_ms)
            headers = signer.headers(ep.method, path, qs or None, body,
                                     product=self.product, timestamp=ts)  # type: ignore[arg-type]
            headers["Content-Type"] = self._ct[ep.encoding]
        else:
            headers = {"Content-Type": self._ct[ep.encoding]}
        url = self.base_url + path + ("?" + qs if qs else "")
        return Send(ep.method, url, headers, body)

    # -- decoding ---------------------------------------------------------
    def _decoder(self, ep: Endpoint[Any]) -> msgspec.json.Decoder[Any]:
        d = self._decoders.get(ep.key)
        if d is None:
            d = msgspec.json.Decoder(
                _Envelope[ep.wire_type],  # type: ignore[name-defined]
                strict=False, float_hook=Decimal,
            )
            self._decoders[ep.key] = d
        return d

    def parse_response(
        self,
        ep: Endpoint[R],
        status: int,
        headers: Mapping[str, str],
        content: bytes,
        *,
        raw: bool = False,
    ) -> R:
        """The typed ``result``, or raise the :class:`~wexcore.WexAPIError`
        subclass for the error (``raw``: a :class:`~wexcore.rest.types.RawResponse`
        on success instead)."""
        if 200 <= status < 300 and not raw:
            content_in = content
            if b'""' in content:
                # An empty string is an absent value: rewritten to null before
                # decoding, so the fast path reads it. In valid JSON ``:""``
                # can only be an empty member value (a quote inside a string
                # is escaped), so nothing else is touched.
                content_in = content.replace(b':""', b":null")
                if b'""' in content_in:  # pretty-printed (": """), or in arrays
                    content_in = _BLANK.sub(b":null", content_in)
            try:
                env = self._decoder(ep).decode(content_in)
            except msgspec.DecodeError:
                pass  # the slow path says what is wrong
            else:
                rc = env.rc if env.rc is not None else env.return_code
                if rc == 0:
                    result = env.result
                    try:
                        if result is None:
                            if ep.adapt:
                                return ep.adapt(None)  # type: ignore[no-any-return]
                            return self._no_result(ep, status, content)  # type: ignore[no-any-return]
                        return ep.adapt(result) if ep.adapt else result  # type: ignore[no-any-return]
                    except (ValueError, TypeError, msgspec.ValidationError) as exc:
                        self._unreadable(ep, status, content, str(exc), None)
        return cast(R, self._parse_slow(ep, status, headers, content, raw))

    def _parse_slow(
        self, ep: Endpoint[Any], status: int, headers: Mapping[str, str], content: bytes,
        raw: bool,
    ) -> Any:
        try:
            doc = _PLAIN.decode(content) if content else None
        except msgspec.DecodeError:
            doc = None
        if 200 <= status < 300:
            if isinstance(doc, dict):
                rc = doc.get("rc", doc.get("returnCode"))
                if rc == 0 and not isinstance(rc, bool) or rc == "0":
                    if raw:
                        return RawResponse(status, dict(headers), content)
                    return self._convert(ep, status, content, doc.get("result"))
                if rc is not None:
                    self._raise_api_error(ep, status, headers, content, doc)
            raise ServerError(
                f"{self._where(ep)}: HTTP {status} response is not a WEX envelope",
                http_status=status, body=content, method=ep.method, path=ep.path, host=self.host,
            )
        self._raise_api_error(ep, status, headers, content, doc)

    def _convert(self, ep: Endpoint[Any], status: int, content: bytes, result: Any) -> Any:
        tp = ep.wire_type
        try:
            if result is None:
                return ep.adapt(None) if ep.adapt else self._no_result(ep, status, content)
            if tp is not Any:
                result = msgspec.convert(_normalise(result, _info(tp)), tp, strict=False)
            return ep.adapt(result) if ep.adapt else result
        except msgspec.ValidationError as exc:
            text = str(exc)
            self._unreadable(ep, status, content, text, _error_path(text))
        except (ValueError, TypeError) as exc:
            self._unreadable(ep, status, content, str(exc), None)

    def _no_result(self, ep: Endpoint[Any], status: int, content: bytes) -> Any:
        """What a success with a ``null`` result means for ``ep``."""
        if ep.key in NULL_CODE_ENDPOINTS:
            # futures order detail: a null result is its documented "null"
            # code, the order does not exist (rest.md)
            raise OrderNotFoundError(
                f"{self._where(ep)}: null result (no such order)", http_status=status,
                code="null", body=content, method=ep.method, path=ep.path, host=self.host)
        return _empty_result(ep.wire_type)

    def _unreadable(
        self, ep: Endpoint[Any], status: int, content: bytes, why: str, path: str | None
    ) -> NoReturn:
        err = DecodeError(f"{self._where(ep)}: result does not match the documented shape: "
                          f"{why}", field=path)
        if ep.idempotent:
            raise err
        # The exchange accepted a write but its answer cannot be read: the
        # caller does not know what was created, exactly as if the answer
        # had been lost.
        raise OrderStateUnknownError(
            f"{self._where(ep)}: the exchange accepted the request but its result could not "
            f"be read ({why}); query the order (by client order id) before acting again",
            method=ep.method, path=ep.path, host=self.host, cause=err,
        ) from err

    def _where(self, ep: Endpoint[Any]) -> str:
        return f"{ep.method} {ep.path} on {self.host}"

    @staticmethod
    def _code_and_message(doc: Any) -> tuple[str | None, str]:
        """The error code and message of either envelope form."""
        if not isinstance(doc, dict):
            return None, ""
        code: str | None = None
        msgs: list[str] = []
        mc = doc.get("mc")
        if isinstance(mc, (str, int)) and not isinstance(mc, bool) and str(mc) not in (
            "", "SUCCESS"
        ):
            code = str(mc)
        ma = doc.get("ma")
        if isinstance(ma, list):
            msgs += [str(m) for m in ma if m not in (None, "", {})]
        elif isinstance(ma, str) and ma:
            msgs.append(ma)
        err = doc.get("error")
        if isinstance(err, dict):
            c = err.get("code")
            if isinstance(c, (str, int)) and not isinstance(c, bool) and str(c) != "":
                code = code or str(c)
            m = err.get("msg")
            if isinstance(m, str) and m:
                msgs.append(m)
        info = doc.get("msgInfo")
        if isinstance(info, str) and info and info.lower() not in ("success", "failure", "fail"):
            code = code or info
            if info not in msgs:
                msgs.append(info)
        return code, "; ".join(msgs)[:500]

    def _raise_api_error(
        self, ep: Endpoint[Any], status: int, headers: Mapping[str, str], content: bytes,
        doc: Any,
    ) -> NoReturn:
        code, msg = self._code_and_message(doc)
        if code is None and status == 200 and ep.key in NULL_CODE_ENDPOINTS:
            code = "null"
        where = self._where(ep)
        kw: dict[str, Any] = dict(http_status=status, code=code, body=content,
                                  method=ep.method, path=ep.path, host=self.host)
        if status == 429:
            raise RateLimitError(
                f"{where}: HTTP 429 {msg}".rstrip(), retry_after=_retry_after(headers), **kw
            )
        if 300 <= status < 400:
            raise WexAPIError(
                f"{where}: HTTP {status} redirect to {headers.get('location', '?')!r} not "
                "followed (a signed request is never replayed to another URL)", **kw
            )
        if 200 <= status < 300:
            cls = error_class(code)
            text = f"{where}: {code or 'request failed'}" + (f" {msg}" if msg else "")
        else:
            cls = error_class(code) if code else WexAPIError
            if cls is WexAPIError:
                cls = status_class(status, self.product)
            text = f"{where}: HTTP {status}" + (f" {code}" if code else "") + (
                f" {msg}" if msg else ""
            )
        raise cls(text, **kw)

    # -- decisions ----------------------------------------------------------
    def backoff_delay(self, attempt: int) -> float:
        """Full-jitter exponential backoff for retry number ``attempt`` (0-based)."""
        return random.uniform(0.0, min(self.backoff_max, self.backoff * (2**attempt)))

    def retry_after_error(self, ep: Endpoint[Any], exc: WexAPIError, attempt: int) -> float | None:
        """Seconds to wait before sending ``ep`` again, or ``None`` to raise ``exc``."""
        if not ep.idempotent or attempt >= self.max_retries:
            return None
        if isinstance(exc, RateLimitError):
            d = self.backoff_delay(attempt)
            return max(d, exc.retry_after) if exc.retry_after is not None else d
        if isinstance(exc, ServerError) and (
            (exc.http_status or 0) >= 500 or exc.code in _BUSY_CODES
        ):
            return self.backoff_delay(attempt)
        return None

    def retry_after_transport(self, ep: Endpoint[Any], exc: TransportError, attempt: int) -> float:
        """Seconds to wait before sending again, or raise the error the caller sees."""
        if ep.idempotent:
            if attempt < self.max_retries:
                return self.backoff_delay(attempt)
            raise type(exc)(
                f"{exc.reason} (after {attempt + 1} attempts)",
                method=ep.method, path=ep.path, host=self.host, cause=exc.cause or exc,
            ) from exc
        if isinstance(exc, ConnectFailed):
            raise type(exc)(
                f"not sent ({exc.reason}); nothing was executed",
                method=ep.method, path=ep.path, host=self.host, cause=exc.cause or exc,
            ) from exc
        raise OrderStateUnknownError(
            f"{self._where(ep)}: no answer ({exc.reason}); the request may or may not have "
            "been executed -- query the order (by client order id) before acting again",
            method=ep.method, path=ep.path, host=self.host, cause=exc,
        ) from exc

    @staticmethod
    def is_stale_clock(exc: WexAPIError) -> bool:
        """Whether ``exc`` may be a timestamp outside the window (then a resync can help)."""
        if not isinstance(exc, AuthenticationError) or isinstance(exc, AccessDeniedError):
            return False
        if exc.code == "AUTH_105":
            return True
        if exc.code in _NOT_CLOCK:
            return False
        # The futures gateway answers an expired window with a bare 403.
        return exc.http_status == 403 or exc.code == "403"

    # -- the plan -------------------------------------------------------------
    def plan(
        self,
        ep: Endpoint[R],
        values: tuple[Any, ...],
        *,
        raw: bool = False,
        url: str | None = None,
        timing: list[float] | None = None,
    ) -> Generator[Action, Reply, R]:
        """The life of one call, as actions for a driver (see the module docstring).

        ``url``: send an unsigned GET there instead of building the request
        (the clock's server-time URL). ``timing``: append the local wall
        clock (ms) before and after every attempt's exchange."""
        if ep.auth and self.clock.due():
            yield NEED_CLOCK
        limiter = self.limiter
        buckets = self.buckets(ep)
        attempt = 0
        resynced = False
        debug = log.isEnabledFor(logging.DEBUG)
        while True:
            if limiter is not None:
                d = limiter.reserve(buckets)
                if d > 0.0:
                    yield Sleep(d)
            req = self.build_request(ep, values) if url is None else Send("GET", url, {}, None)
            t0 = time.perf_counter()
            if timing is not None:
                timing.append(self.clock.wall_ms())
            reply = yield req
            if timing is not None:
                timing.append(self.clock.wall_ms())
            if isinstance(reply, TransportError):
                d = self.retry_after_transport(ep, reply, attempt)
                attempt += 1
                yield Sleep(d)
                continue
            assert reply is not None
            status, rheaders, content = reply
            if debug:
                log.debug("%s %s -> %d in %.3f ms", ep.method, ep.path, status,
                          (time.perf_counter() - t0) * 1e3)
            try:
                return self.parse_response(ep, status, rheaders, content, raw=raw)
            except WexAPIError as exc:
                if ep.auth and not resynced and self.clock.enabled and self.is_stale_clock(exc):
                    resynced = True
                    self.clock.invalidate()
                    yield NEED_CLOCK
                    if ep.idempotent:
                        continue
                    raise
                d2 = self.retry_after_error(ep, exc, attempt)
                if d2 is None:
                    raise
                attempt += 1
                yield Sleep(d2)

    def raw_plan(
        self, ep: Endpoint[Any], values: tuple[Any, ...]
    ) -> Generator[Action, Reply, RawResponse]:
        """:meth:`plan` returning the response as received (errors still raise)."""
        result = yield from self.plan(ep, values, raw=True)
        return cast(RawResponse, result)

    def clock_plan(self) -> Generator[Action, Reply, int]:
        """Measure the server-time offset (a GET of :attr:`time_url`, retried
        like any GET); store it in the clock and the signer; return it (ms).
        Only the answered attempt's round trip counts (not the retries' waits)."""
        timing: list[float] = []
        st = yield from self.plan(_endpoints.spot["server_time"], (), url=self.time_url,
                                  timing=timing)
        offset = self.clock.record(timing[-2], timing[-1], st.server_time)
        if self.signer is not None:
            self.signer.time_offset_ms = offset
        log.debug("clock offset %d ms (round trip %.1f ms)", offset,
                  self.clock.round_trip_ms or 0.0)
        return offset

    # -- pagination ---------------------------------------------------------
    @staticmethod
    def _item_attr(item: Any, wire: str) -> Any:
        if isinstance(item, dict):
            return item.get(wire)
        for f in msgspec.structs.fields(type(item)):
            if f.encode_name == wire:
                return getattr(item, f.name)
        return None

    @staticmethod
    def next_page(
        ep: Endpoint[Any], params: dict[str, Any], result: Any
    ) -> tuple[list[Any], dict[str, Any] | None]:
        """Items of one page and the params of the next (``None`` when done)."""
        assert ep.paging is not None
        kind = ep.paging[0]
        paged = isinstance(result, Page)
        items: list[Any] = list(result.items) if paged else list(result or [])
        if not items:
            return items, None
        by_name = {p.name: p for p in ep.params}
        if kind == "page":
            page = params.get("page") or by_name["page"].default or 1
            size = params.get("size") or by_name["size"].default or len(items)
            if paged and result.has_next is not None:
                more = bool(result.has_next)
            elif paged and result.total is not None:
                more = page * size < int(result.total)
            else:
                more = len(items) >= size
            return items, ({**params, "page": page + 1} if more else None)
        _, req_field, item_field = ep.paging
        cursor_arg = by_name[req_field].arg
        if paged and result.has_next is not None:
            more = bool(result.has_next)
        else:
            limit = params.get("limit") or (
                by_name["limit"].default if "limit" in by_name else None
            )
            more = limit is not None and len(items) >= limit
        last = RequestCore._item_attr(items[-1], item_field)
        if not more or last is None or str(last) == str(params.get(cursor_arg)):
            return items, None
        nxt = {**params, cursor_arg: last}
        if "direction" in by_name and not params.get("direction"):
            nxt["direction"] = "NEXT"
        return items, nxt

    @staticmethod
    def fresh_items(ep: Endpoint[Any], items: list[Any], seen: set[Any]) -> list[Any]:
        """The items of a page not yielded before (cursor endpoints only).

        Guards against a server whose reading of ``direction`` differs from
        ours (it would send the same page again): iteration stops when a
        page brings nothing new instead of repeating items. An item is known
        by its whole record, not only its cursor value: two records can share
        one (a self-trade is one ``tradeId`` with a fill for each order).
        """
        assert ep.paging is not None
        if ep.paging[0] == "page":
            return items
        field = ep.paging[2]
        out = []
        for it in items:
            k = RequestCore._item_attr(it, field)
            ident = (k, msgspec.json.encode(it))
            if k is None or ident not in seen:
                seen.add(ident)
                out.append(it)
        return out


def values_for(ep: Endpoint[Any], params: dict[str, Any]) -> tuple[Any, ...]:
    """The argument tuple of ``ep`` from keyword arguments (the generated
    methods' defaults apply); unknown names raise ``InvalidParameterError``."""
    params = dict(params)
    values = tuple(params.pop(p.arg, p.default) for p in ep.params)
    if params:
        raise InvalidParameterError(
            f"{ep.name}: unknown parameter(s) {', '.join(sorted(params))}",
            field=next(iter(sorted(params))),
        )
    return values

