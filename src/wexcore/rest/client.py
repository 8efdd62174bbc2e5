"""Sync and async REST clients over one sans-I/O request builder.

:class:`RequestCore` turns an :class:`~wexcore.rest.endpoints.Endpoint` row
and argument values into ``(method, url, headers, body)`` and a response into
a result or an exception; it also decides retries and pagination. The four
clients are thin shells that add sleeping, sending (httpx, keep-alive pools)
and clock sync around it, and inherit one generated method per endpoint.

Wire rules kept here (see ``endpoints.py`` for the per-endpoint choices):

* The query string is built once with :func:`wexcore.encode_query` (sorted,
  percent-encoded) and appended to the URL by hand, so the bytes signed are
  the bytes sent; JSON bodies are serialised once with orjson and those same
  bytes are signed and sent.
* Public endpoints are not signed.
* Only GETs are retried (jittered exponential backoff on connection errors,
  429 -- honouring ``Retry-After`` -- and 502/503). A write whose answer was
  lost raises :class:`~wexcore.OrderStateUnknownError`; one that provably
  never left raises :class:`~wexcore.rest.codes.TransportError`. Neither is
  retried.
* On ``AUTH_105`` (stale timestamp) the clock is resynced once and a GET is
  sent again; a write is not re-sent (it raises, and the next call is signed
  with the corrected clock).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import orjson

from wexcore._sign import Signer, encode_query
from wexcore.errors import (
    AuthenticationError,
    OrderStateUnknownError,
    RateLimitError,
    ServerError,
    WexAPIError,
)
from wexcore.rest import endpoints as _endpoints
from wexcore.rest._http import AsyncPool, ConnectFailed, HTTPError, SyncPool
from wexcore.rest._methods import (
    AsyncFuturesMethods,
    AsyncSpotMethods,
    FuturesMethods,
    SpotMethods,
)
from wexcore.rest.clock import ClockSync, wall_ms
from wexcore.rest.codes import TransportError, error_class, status_class
from wexcore.rest.endpoints import Endpoint, Param
from wexcore.rest.filters import SymbolFilters, to_decimal
from wexcore.rest.limits import RateLimiter

__all__ = [
    "SPOT_URL",
    "USDT_M_URL",
    "COIN_M_URL",
    "RequestCore",
    "SpotClient",
    "AsyncSpotClient",
    "FuturesClient",
    "AsyncFuturesClient",
]

log = logging.getLogger("wexcore.rest")

SPOT_URL = "https://sapi.wexex.io"
USDT_M_URL = "https://fapi.wexex.io"
COIN_M_URL = "https://dapi.wexex.io"
TIME_PATH = "/v4/public/time"

_JSON_CT = "application/json"
_FORM_CT = "application/x-www-form-urlencoded"
# httpx raises these before any byte of the request was written.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, ConnectFailed)
_TRANSPORT_ERRORS = (httpx.TransportError, HTTPError)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return format(obj, "f")
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def _dumps(obj: Any) -> bytes:
    return orjson.dumps(obj, default=_json_default)


def _int_value(p: Param, v: Any) -> Any:
    if isinstance(v, bool):
        raise TypeError(f"{p.arg}: expected int, got bool")
    if isinstance(v, int):
        n = v
    elif isinstance(v, str) and v.lstrip("-").isdigit():
        n = int(v)
    else:
        raise TypeError(f"{p.arg}: expected int (or a string of digits), got {v!r}")
    if p.range is not None and not (p.range[0] <= n <= p.range[1]):
        raise ValueError(f"{p.arg}: {n} is outside the documented range {p.range[0]}..{p.range[1]}")
    return n


def _wire(p: Param, v: Any, as_json: bool) -> Any:
    """One argument as it goes on the wire (query text, or a JSON value)."""
    kind = p.kind
    if kind == "str":
        if not isinstance(v, str):
            raise TypeError(f"{p.arg}: expected str, got {type(v).__name__}")
        return v
    if kind == "int":
        n = _int_value(p, v)
        return n if as_json else (v if isinstance(v, str) else str(n))
    if kind == "decimal":
        d = to_decimal(v, p.arg)
        # Keep the caller's text when it is already a valid number: what they
        # wrote is what is sent.
        return v if isinstance(v, str) else (str(v) if isinstance(v, int) else format(d, "f"))
    if kind == "bool":
        if not isinstance(v, bool):
            raise TypeError(f"{p.arg}: expected bool, got {type(v).__name__}")
        return v if as_json else ("true" if v else "false")
    if kind == "csv":
        if isinstance(v, str):
            return v
        return ",".join(str(x) for x in v)
    if kind == "list":
        if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
            raise TypeError(f"{p.arg}: expected a list, got {type(v).__name__}")
        return list(v)
    if kind == "jsonstr":
        return v if isinstance(v, str) else _dumps(v).decode()
    raise AssertionError(kind)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    v = headers.get("retry-after")
    if v is None:
        return None
    try:
        return max(0.0, float(v))
    except ValueError:
        return None  # an HTTP-date; fall back on backoff


class RequestCore:
    """Sans-I/O request building, response decoding and retry decisions.

    Args:
        product: ``"spot"`` or ``"futures"`` (decides the envelope and signing).
        base_url: scheme and host, e.g. ``https://sapi.wexex.io``.
        signer: a :class:`~wexcore.Signer`, or ``None`` for public use only.
        limiter: a :class:`~wexcore.rest.limits.RateLimiter` or ``None``.
        max_retries: retries allowed for a GET (writes are never retried).
        backoff: first retry delay in seconds; doubles, with full jitter, up
            to ``backoff_max``.
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
    ) -> None:
        if product not in ("spot", "futures"):
            raise ValueError(f"product must be 'spot' or 'futures', got {product!r}")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be http(s)://host[:port], got {base_url!r}")
        self.product = product
        self.spot = product == "spot"
        self.base_url = base_url.rstrip("/")
        self.host = parts.netloc
        self.signer = signer
        self.limiter = limiter
        self.max_retries = max_retries
        self.backoff = backoff
        self.backoff_max = backoff_max
        self._buckets: dict[str, tuple] = {}
        if self.spot:
            self._ct = {"query": _JSON_CT, "json": _JSON_CT, "form": _FORM_CT}
        else:
            self._ct = {"query": _FORM_CT, "json": _JSON_CT, "form": _FORM_CT}

    # -- building ---------------------------------------------------------
    def buckets(self, ep: Endpoint) -> tuple:
        b = self._buckets.get(ep.key)
        if b is None:
            if self.limiter is None:
                b = ()
            else:
                key = self.signer.api_key if self.signer is not None else None
                b = self.limiter.buckets_for(ep, self.host, key)
            self._buckets[ep.key] = b
        return b

    def build_request(self, ep: Endpoint, values: tuple) -> tuple[str, str, dict, bytes | None]:
        """``(method, url, headers, body)`` for one call; signs when the endpoint needs it."""
        if ep.product != self.product:
            raise ValueError(f"{ep.key} is not a {self.product} endpoint")
        as_json = ep.encoding == "json"
        path = ep.path
        query: dict[str, Any] = {}
        body_obj: Any = None
        for p, v in zip(ep.params, values, strict=True):
            if v is None:
                if p.required:
                    raise ValueError(f"{ep.name}: {p.arg} is required")
                continue
            if p.where == "path":
                w = _wire(p, v, False)
                path = path.replace("{" + p.name + "}", quote(str(w), safe=""))
            elif p.kind == "body":
                body_obj = list(v)
            elif as_json:
                if body_obj is None:
                    body_obj = {}
                body_obj[p.name] = _wire(p, v, True)
            else:
                query[p.name] = _wire(p, v, False)
        qs = encode_query(query) if query else ""
        body = _dumps(body_obj) if body_obj is not None else None
        headers = {"Content-Type": self._ct[ep.encoding]}
        if ep.auth:
            signer = self.signer
            if signer is None:
                raise AuthenticationError(
                    f"{ep.name} is a signed endpoint: create the client with api_key and secret"
                )
            headers.update(signer.headers(ep.method, path, qs or None, body, product=self.product))
        url = self.base_url + path + ("?" + qs if qs else "")
        return ep.method, url, headers, body

    # -- decoding ---------------------------------------------------------
    def _code_and_message(self, doc: Any) -> tuple[str | None, str]:
        if not isinstance(doc, dict):
            return None, ""
        if self.spot:
            code = doc.get("mc")
            ma = doc.get("ma")
            msg = f"{code}" + (f" {ma}" if ma else "")
            return (code if code and code != "SUCCESS" else None), msg
        err = doc.get("error")
        code = msg = None
        if isinstance(err, dict):
            code = err.get("code") or None
            msg = err.get("msg") or None
        info = doc.get("msgInfo") or None
        code = code or info
        return code, (msg or info or "")

    def parse_response(
        self, ep: Endpoint, status: int, headers: Mapping[str, str], content: bytes
    ) -> Any:
        """The decoded ``result``, or raise the :class:`~wexcore.WexAPIError` subclass for it."""
        try:
            doc = orjson.loads(content) if content else None
        except orjson.JSONDecodeError:
            doc = None
        if 200 <= status < 300:
            if isinstance(doc, dict):
                rc = doc.get("rc") if self.spot else doc.get("returnCode")
                if rc == 0:
                    return doc.get("result")
                if rc is not None:
                    code, msg = self._code_and_message(doc)
                    raise error_class(code)(
                        f"{ep.method} {ep.path}: {msg or 'request failed'}",
                        http_status=status,
                        code=code,
                        body=content,
                    )
            raise ServerError(
                f"{ep.method} {ep.path}: response is not a WEX envelope",
                http_status=status,
                body=content,
            )
        code, msg = self._code_and_message(doc)
        text = f"{ep.method} {ep.path}: HTTP {status}" + (f" {msg}" if msg else "")
        if status == 429:
            raise RateLimitError(
                text, retry_after=_retry_after(headers), http_status=status, code=code, body=content
            )
        cls = error_class(code) if code else WexAPIError
        if cls is WexAPIError:
            cls = status_class(status)
        raise cls(text, http_status=status, code=code, body=content)

    # -- retries ----------------------------------------------------------
    def backoff_delay(self, attempt: int) -> float:
        """Full-jitter exponential backoff for retry number ``attempt`` (0-based)."""
        return random.uniform(0.0, min(self.backoff_max, self.backoff * (2**attempt)))

    def retry_after_error(self, ep: Endpoint, exc: WexAPIError, attempt: int) -> float | None:
        """Seconds to wait before sending ``ep`` again, or ``None`` to raise ``exc``."""
        if not ep.idempotent or attempt >= self.max_retries:
            return None
        if isinstance(exc, RateLimitError):
            d = self.backoff_delay(attempt)
            return max(d, exc.retry_after) if exc.retry_after is not None else d
        if isinstance(exc, ServerError) and exc.http_status in (502, 503):
            return self.backoff_delay(attempt)
        return None

    def retry_after_transport(self, ep: Endpoint, exc: Exception, attempt: int) -> float:
        """Seconds to wait before sending again, or raise the error the caller sees."""
        if ep.idempotent:
            if attempt < self.max_retries:
                return self.backoff_delay(attempt)
            raise TransportError(
                f"{ep.method} {ep.path}: {exc!r} after {attempt + 1} attempts",
                method=ep.method,
                path=ep.path,
                cause=exc,
            ) from exc
        if isinstance(exc, _NOT_SENT):
            raise TransportError(
                f"{ep.method} {ep.path}: not sent ({exc!r}); nothing was executed",
                method=ep.method,
                path=ep.path,
                cause=exc,
            ) from exc
        raise OrderStateUnknownError(
            f"{ep.method} {ep.path}: no answer ({exc!r}); the request may or may not have been "
            "executed -- query the order (by client order id) before acting again",
            method=ep.method,
            path=ep.path,
            cause=exc,
        ) from exc

    # -- clock and pagination ------------------------------------------------
    @staticmethod
    def server_time_of(content: bytes) -> int:
        doc = orjson.loads(content)
        return int(doc["result"]["serverTime"])

    @staticmethod
    def next_page(ep: Endpoint, params: dict, result: Any) -> tuple[list, dict | None]:
        """Items of one page and the params of the next (``None`` when done)."""
        kind = ep.paging[0]
        if isinstance(result, dict):
            items = result.get("items") or []
        else:
            items = result or []
        if not items:
            return items, None
        if kind == "page":
            arg = {p.name: p for p in ep.params}
            page = params.get("page") or arg["page"].default or 1
            size = params.get("size") or arg["size"].default or len(items)
            if isinstance(result, dict) and "hasNext" in result:
                more = bool(result["hasNext"])
            elif isinstance(result, dict) and result.get("total") is not None:
                more = page * size < int(result["total"])
            else:
                more = len(items) >= size
            return items, ({**params, "page": page + 1} if more else None)
        _, req_field, item_field = ep.paging
        by_name = {p.name: p for p in ep.params}
        cursor_arg = by_name[req_field].arg
        if isinstance(result, dict) and "hasNext" in result:
            more = bool(result["hasNext"])
        else:
            limit = params.get("limit") or (
                by_name["limit"].default if "limit" in by_name else None
            )
            more = limit is not None and len(items) >= limit
        last = items[-1].get(item_field) if isinstance(items[-1], dict) else None
        if not more or last is None or str(last) == str(params.get(cursor_arg)):
            return items, None
        nxt = {**params, cursor_arg: last}
        if "direction" in by_name and not params.get("direction"):
            nxt["direction"] = "NEXT"
        return items, nxt

    @staticmethod
    def fresh_items(ep: Endpoint, items: list, seen: set) -> list:
        """The items of a page not yielded before (cursor endpoints only).

        Guards against a server whose reading of ``direction`` differs from
        ours (it would send the same page again): iteration stops when a
        page brings nothing new instead of repeating items.
        """
        if ep.paging[0] == "page":
            return items
        field = ep.paging[2]
        out = []
        for it in items:
            k = it.get(field) if isinstance(it, dict) else None
            if k is None or k not in seen:
                seen.add(k)
                out.append(it)
        return out


def _table_for(product: str) -> dict[str, Endpoint]:
    return _endpoints.spot if product == "spot" else _endpoints.futures


class _Shell:
    """What the sync and async shells share: configuration, no I/O."""

    _product = "spot"

    def __init__(
        self,
        api_key: str | None,
        secret: str | bytes | None,
        *,
        base_url: str,
        recv_window: int,
        algorithm: str,
        rate_limit: bool | RateLimiter,
        max_retries: int,
        backoff: float,
        timeout: float,
        sync_clock: bool,
        clock_sync_interval: float | None,
        time_url: str,
    ) -> None:
        if (api_key is None) != (secret is None):
            raise ValueError("api_key and secret must be given together")
        signer = (
            Signer(api_key, secret, algorithm=algorithm, recv_window=recv_window)
            if api_key is not None
            else None
        )
        if isinstance(rate_limit, RateLimiter):
            limiter: RateLimiter | None = rate_limit
        else:
            limiter = RateLimiter() if rate_limit else None
        self._core = RequestCore(
            self._product, base_url, signer, limiter, max_retries=max_retries, backoff=backoff
        )
        self._signer = signer
        self._clock = ClockSync(clock_sync_interval, enabled=sync_clock and signer is not None)
        self._time_url = time_url
        self._timeout = timeout
        self._filters: dict[str, SymbolFilters | None] = {}
        self._table = _table_for(self._product)

    @property
    def base_url(self) -> str:
        return self._core.base_url

    @property
    def signer(self) -> Signer | None:
        return self._signer

    @property
    def rate_limiter(self) -> RateLimiter | None:
        return self._core.limiter

    @property
    def time_offset_ms(self) -> int:
        """Server clock minus local clock, as last measured (ms)."""
        return self._signer.time_offset_ms if self._signer is not None else self._clock.offset_ms

    def __repr__(self) -> str:
        key = self._signer.api_key[:4] + "..." if self._signer is not None else None
        return f"{type(self).__name__}(api_key={key!r}, base_url={self.base_url!r})"

    def _log(self, method: str, path: str, status: int, t0: float) -> None:
        log.debug("%s %s -> %d in %.3f ms", method, path, status, (time.perf_counter() - t0) * 1e3)

    def _order_args(self, ep: Endpoint, values: tuple) -> dict[str, Any]:
        return {p.arg: v for p, v in zip(ep.params, values, strict=True)}

    def _apply_time(self, t0: float, t1: float, content: bytes) -> None:
        offset = self._clock.record(t0, t1, RequestCore.server_time_of(content))
        if self._signer is not None:
            self._signer.time_offset_ms = offset
        log.debug("clock offset %d ms (round trip %.1f ms)", offset, self._clock.round_trip_ms)

    def _store_filters(self, symbol: str, result: Any) -> SymbolFilters | None:
        found = None
        for info in (result or {}).get("symbols") or ():
            f = SymbolFilters.from_symbol(info)
            self._filters[f.symbol] = f
            if f.symbol == symbol:
                found = f
        self._filters.setdefault(symbol, found)
        return found

    def _check_order(self, filters: SymbolFilters | None, args: dict[str, Any]) -> None:
        if filters is not None:
            filters.check_order(
                args["side"],
                args["type"],
                price=args.get("price"),
                quantity=args.get("quantity"),
                quote_qty=args.get("quote_qty"),
            )

    def _spot_only(self, what: str) -> None:
        if self._product != "spot":
            raise NotImplementedError(
                f"{what}: pre-trade filters are modelled for spot symbols only"
            )

    def symbol_filters(self, symbol: str) -> SymbolFilters | None:
        """The cached filters of ``symbol`` (loaded by the first validated order
        or by :meth:`load_filters`), or ``None``."""
        return self._filters.get(symbol)


def _split_origin(url: str) -> tuple[str, str]:
    """``("scheme://host:port", "/path?query")``."""
    i = url.find("/", url.find("//") + 2)
    return (url, "/") if i < 0 else (url[:i], url[i:])


class _SyncShell(_Shell):
    def __init__(
        self,
        *args: Any,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        # httpx when the caller brings a transport or client (tests, proxies);
        # otherwise the lean keep-alive pool of wexcore.rest._http.
        if transport is not None or http_client is not None:
            self._http = http_client or httpx.Client(timeout=self._timeout, transport=transport)
            self._pools: dict[str, SyncPool] | None = None
        else:
            self._http = None
            self._pools = {self.base_url: SyncPool(self.base_url, timeout=self._timeout)}
        self._pool = self._pools[self.base_url] if self._pools else None
        self._base_len = len(self.base_url)

    def _send(self, method: str, url: str, headers: dict, body: bytes | None):
        """``(status, headers, body)`` over the pool or httpx."""
        pool = self._pool
        if pool is not None:
            if url.startswith(self.base_url):
                return pool.request(method, url[self._base_len :], headers, body)
            origin, target = _split_origin(url)
            other = self._pools.get(origin)
            if other is None:
                other = self._pools[origin] = SyncPool(origin, timeout=self._timeout)
            return other.request(method, target, headers, body)
        r = self._http.request(method, url, content=body, headers=headers)
        return r.status_code, r.headers, r.content

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        if self._http is not None:
            self._http.close()
        for pool in (self._pools or {}).values():
            pool.close()

    def sync_clock(self) -> int:
        """Measure the server-time offset now; return it (ms)."""
        t0 = wall_ms()
        status, headers, content = self._send("GET", self._time_url, {}, None)
        t1 = wall_ms()
        if status != 200:
            self._core.parse_response(_endpoints.spot["server_time"], status, headers, content)
        self._apply_time(t0, t1, content)
        return self._clock.offset_ms

    def load_filters(self, symbol: str | None = None) -> None:
        """Fetch and cache spot symbol filters (all symbols when ``symbol`` is None)."""
        self._spot_only("load_filters")
        result = self._call(_endpoints.spot["symbols"], (symbol, None, None))
        self._store_filters(symbol or "", result)

    def _call(self, ep: Endpoint, values: tuple, validate: bool = False) -> Any:
        core = self._core
        if validate:
            args = self._order_args(ep, values)
            sym = args["symbol"]
            if sym not in self._filters:
                self._store_filters(sym, self._call(_endpoints.spot["symbols"], (sym, None, None)))
            self._check_order(self._filters.get(sym), args)
        if ep.auth and self._clock.due():
            self.sync_clock()
        limiter = core.limiter
        buckets = core.buckets(ep)
        attempt = 0
        resynced = False
        while True:
            if limiter is not None:
                d = limiter.reserve(buckets)
                if d > 0.0:
                    time.sleep(d)
            method, url, headers, body = core.build_request(ep, values)
            t0 = time.perf_counter()
            try:
                status, rheaders, content = self._send(method, url, headers, body)
            except _TRANSPORT_ERRORS as exc:
                d = core.retry_after_transport(ep, exc, attempt)
                attempt += 1
                time.sleep(d)
                continue
            if log.isEnabledFor(logging.DEBUG):
                self._log(method, ep.path, status, t0)
            try:
                return core.parse_response(ep, status, rheaders, content)
            except WexAPIError as exc:
                if exc.code == "AUTH_105" and not resynced and self._clock.enabled:
                    resynced = True
                    self.sync_clock()
                    if ep.idempotent:
                        continue
                    raise
                d2 = core.retry_after_error(ep, exc, attempt)
                if d2 is None:
                    raise
                attempt += 1
                time.sleep(d2)

    def paginate(self, name: str, /, **params: Any) -> Iterator[Any]:
        """Iterate the items of every page of a paginated endpoint.

        ``name`` is the method name (e.g. ``"order_history"``); ``params`` are
        its keyword arguments for the first page. Cursor endpoints follow
        ``hasNext`` with ``fromId``/``id`` = the last item's id, in the
        ``direction`` given (default ``NEXT``); page endpoints increment
        ``page``. An item already yielded is not yielded again, and a page
        with nothing new ends the iteration.
        """
        ep = self._table[name]
        if not ep.paging:
            raise ValueError(f"{name} is not a paginated endpoint")
        method = getattr(self, name)
        seen: set = set()
        while params is not None:
            result = method(**params)
            items, params = RequestCore.next_page(ep, params, result)
            items = RequestCore.fresh_items(ep, items, seen)
            if not items:
                return
            yield from items


class _AsyncShell(_Shell):
    def __init__(
        self,
        *args: Any,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        if transport is not None or http_client is not None:
            self._http = http_client or httpx.AsyncClient(
                timeout=self._timeout, transport=transport
            )
            self._pools: dict[str, AsyncPool] | None = None
        else:
            self._http = None
            self._pools = {self.base_url: AsyncPool(self.base_url, timeout=self._timeout)}
        self._pool = self._pools[self.base_url] if self._pools else None
        self._base_len = len(self.base_url)
        self._sync_lock: asyncio.Lock | None = None

    async def _send(self, method: str, url: str, headers: dict, body: bytes | None):
        """``(status, headers, body)`` over the pool or httpx."""
        pool = self._pool
        if pool is not None:
            if url.startswith(self.base_url):
                return await pool.request(method, url[self._base_len :], headers, body)
            origin, target = _split_origin(url)
            other = self._pools.get(origin)
            if other is None:
                other = self._pools[origin] = AsyncPool(origin, timeout=self._timeout)
            return await other.request(method, target, headers, body)
        r = await self._http.request(method, url, content=body, headers=headers)
        return r.status_code, r.headers, r.content

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._http is not None:
            await self._http.aclose()
        for pool in (self._pools or {}).values():
            await pool.aclose()

    close = aclose

    async def sync_clock(self) -> int:
        """Measure the server-time offset now; return it (ms)."""
        t0 = wall_ms()
        status, headers, content = await self._send("GET", self._time_url, {}, None)
        t1 = wall_ms()
        if status != 200:
            self._core.parse_response(_endpoints.spot["server_time"], status, headers, content)
        self._apply_time(t0, t1, content)
        return self._clock.offset_ms

    async def _ensure_clock(self) -> None:
        # Concurrent first requests share one sync instead of each sending one.
        if self._sync_lock is None:
            self._sync_lock = asyncio.Lock()
        async with self._sync_lock:
            if self._clock.due():
                await self.sync_clock()

    async def load_filters(self, symbol: str | None = None) -> None:
        """Fetch and cache spot symbol filters (all symbols when ``symbol`` is None)."""
        self._spot_only("load_filters")
        result = await self._call(_endpoints.spot["symbols"], (symbol, None, None))
        self._store_filters(symbol or "", result)

    async def _call(self, ep: Endpoint, values: tuple, validate: bool = False) -> Any:
        core = self._core
        if validate:
            args = self._order_args(ep, values)
            sym = args["symbol"]
            if sym not in self._filters:
                self._store_filters(
                    sym, await self._call(_endpoints.spot["symbols"], (sym, None, None))
                )
            self._check_order(self._filters.get(sym), args)
        if ep.auth and self._clock.due():
            await self._ensure_clock()
        limiter = core.limiter
        buckets = core.buckets(ep)
        attempt = 0
        resynced = False
        while True:
            if limiter is not None:
                d = limiter.reserve(buckets)
                if d > 0.0:
                    await asyncio.sleep(d)
            method, url, headers, body = core.build_request(ep, values)
            t0 = time.perf_counter()
            try:
                status, rheaders, content = await self._send(method, url, headers, body)
            except _TRANSPORT_ERRORS as exc:
                d = core.retry_after_transport(ep, exc, attempt)
                attempt += 1
                await asyncio.sleep(d)
                continue
            if log.isEnabledFor(logging.DEBUG):
                self._log(method, ep.path, status, t0)
            try:
                return core.parse_response(ep, status, rheaders, content)
            except WexAPIError as exc:
                if exc.code == "AUTH_105" and not resynced and self._clock.enabled:
                    resynced = True
                    await self.sync_clock()
                    if ep.idempotent:
                        continue
                    raise
                d2 = core.retry_after_error(ep, exc, attempt)
                if d2 is None:
                    raise
                attempt += 1
                await asyncio.sleep(d2)

    async def paginate(self, name: str, /, **params: Any) -> AsyncIterator[Any]:
        """Iterate (``async for``) the items of every page; see the sync client's ``paginate``."""
        ep = self._table[name]
        if not ep.paging:
            raise ValueError(f"{name} is not a paginated endpoint")
        method = getattr(self, name)
        seen: set = set()
        while params is not None:
            result = await method(**params)
            items, params = RequestCore.next_page(ep, params, result)
            items = RequestCore.fresh_items(ep, items, seen)
            if not items:
                return
            for item in items:
                yield item


_COMMON_DOC = """
    Args:
        api_key, secret: the API key pair; leave both ``None`` for public
            endpoints only. The secret is never logged or shown in ``repr``.
        base_url: scheme and host of the REST API.
        recv_window: ``validate-recvwindow`` in ms (default 5000, max 60000).
        algorithm: HMAC algorithm (``HmacSHA256`` is the fast path).
        rate_limit: ``True`` (default) waits to stay within the documented
            limits; ``False`` disables it; or pass a shared
            :class:`~wexcore.rest.limits.RateLimiter`.
        max_retries: retries for GETs on connection errors, 429 and 502/503.
        backoff: first retry delay (s); doubles with full jitter up to 2 s.
        timeout: HTTP timeout in seconds.
        sync_clock: measure the server-time offset before the first signed
            request and every ``clock_sync_interval`` seconds.
        time_url: the server-time endpoint used for clock sync.
        transport / http_client: an httpx transport or client to use instead
            of wexcore's lean HTTP/1.1 keep-alive pool (tests, proxies, HTTP/2).
"""


class SpotClient(_SyncShell, SpotMethods):
    __doc__ = "Blocking client for every WEX spot REST endpoint.\n" + _COMMON_DOC
    _product = "spot"

    def __init__(
        self,
        api_key: str | None = None,
        secret: str | bytes | None = None,
        *,
        base_url: str = SPOT_URL,
        recv_window: int = 5000,
        algorithm: str = "HmacSHA256",
        rate_limit: bool | RateLimiter = True,
        max_retries: int = 3,
        backoff: float = 0.1,
        timeout: float = 10.0,
        sync_clock: bool = True,
        clock_sync_interval: float | None = 300.0,
        time_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            api_key,
            secret,
            base_url=base_url,
            recv_window=recv_window,
            algorithm=algorithm,
            rate_limit=rate_limit,
            max_retries=max_retries,
            backoff=backoff,
            timeout=timeout,
            sync_clock=sync_clock,
            clock_sync_interval=clock_sync_interval,
            time_url=time_url or base_url.rstrip("/") + TIME_PATH,
            transport=transport,
            http_client=http_client,
        )


class AsyncSpotClient(_AsyncShell, AsyncSpotMethods):
    __doc__ = "asyncio client for every WEX spot REST endpoint.\n" + _COMMON_DOC
    _product = "spot"

    def __init__(
        self,
        api_key: str | None = None,
        secret: str | bytes | None = None,
        *,
        base_url: str = SPOT_URL,
        recv_window: int = 5000,
        algorithm: str = "HmacSHA256",
        rate_limit: bool | RateLimiter = True,
        max_retries: int = 3,
        backoff: float = 0.1,
        timeout: float = 10.0,
        sync_clock: bool = True,
        clock_sync_interval: float | None = 300.0,
        time_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            api_key,
            secret,
            base_url=base_url,
            recv_window=recv_window,
            algorithm=algorithm,
            rate_limit=rate_limit,
            max_retries=max_retries,
            backoff=backoff,
            timeout=timeout,
            sync_clock=sync_clock,
            clock_sync_interval=clock_sync_interval,
            time_url=time_url or base_url.rstrip("/") + TIME_PATH,
            transport=transport,
            http_client=http_client,
        )


_FUT_DOC = """
        coin_margined: ``False`` (default) for USDT-M (``https://fapi.wexex.io``),
            ``True`` for COIN-M (``https://dapi.wexex.io``); ignored when
            ``base_url`` is given.
        (Futures has no time endpoint: the clock syncs with the spot one,
        ``https://sapi.wexex.io/v4/public/time``, unless ``time_url`` is given.)
"""


def _futures_url(base_url: str | None, coin_margined: bool) -> str:
    return base_url or (COIN_M_URL if coin_margined else USDT_M_URL)


class FuturesClient(_SyncShell, FuturesMethods):
    __doc__ = "Blocking client for every WEX futures REST endpoint.\n" + _COMMON_DOC + _FUT_DOC
    _product = "futures"

    def __init__(
        self,
        api_key: str | None = None,
        secret: str | bytes | None = None,
        *,
        coin_margined: bool = False,
        base_url: str | None = None,
        recv_window: int = 5000,
        algorithm: str = "HmacSHA256",
        rate_limit: bool | RateLimiter = True,
        max_retries: int = 3,
        backoff: float = 0.1,
        timeout: float = 10.0,
        sync_clock: bool = True,
        clock_sync_interval: float | None = 300.0,
        time_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            api_key,
            secret,
            base_url=_futures_url(base_url, coin_margined),
            recv_window=recv_window,
            algorithm=algorithm,
            rate_limit=rate_limit,
            max_retries=max_retries,
            backoff=backoff,
            timeout=timeout,
            sync_clock=sync_clock,
            clock_sync_interval=clock_sync_interval,
            time_url=time_url or SPOT_URL + TIME_PATH,
            transport=transport,
            http_client=http_client,
        )


class AsyncFuturesClient(_AsyncShell, AsyncFuturesMethods):
    __doc__ = "asyncio client for every WEX futures REST endpoint.\n" + _COMMON_DOC + _FUT_DOC
    _product = "futures"

    def __init__(
        self,
        api_key: str | None = None,
        secret: str | bytes | None = None,
        *,
        coin_margined: bool = False,
        base_url: str | None = None,
        recv_window: int = 5000,
        algorithm: str = "HmacSHA256",
        rate_limit: bool | RateLimiter = True,
        max_retries: int = 3,
        backoff: float = 0.1,
        timeout: float = 10.0,
        sync_clock: bool = True,
        clock_sync_interval: float | None = 300.0,
        time_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            api_key,
            secret,
            base_url=_futures_url(base_url, coin_margined),
            recv_window=recv_window,
            algorithm=algorithm,
            rate_limit=rate_limit,
            max_retries=max_retries,
            backoff=backoff,
            timeout=timeout,
            sync_clock=sync_clock,
            clock_sync_interval=clock_sync_interval,
            time_url=time_url or SPOT_URL + TIME_PATH,
            transport=transport,
            http_client=http_client,
        )
