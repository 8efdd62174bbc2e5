"""Sync and async REST clients: thin drivers of the one request core.

Every call's plan -- clock sync, rate limit, signing, retries, clock resync,
typed decoding, error mapping -- lives once, in
:meth:`wexcore.rest.core.RequestCore.plan`. The clients here only perform
its actions: :class:`_SyncShell` with blocking sockets and ``time.sleep``,
:class:`_AsyncShell` with asyncio and ``asyncio.sleep``; each inherits one
generated method per endpoint (``_methods.py``).

Transports: wexcore's hardened keep-alive pool (:mod:`wexcore.rest._http`)
by default; ``transport=``/``http_client=`` switch to httpx (installed with
``pip install wexcore[httpx]``) for proxies, HTTP/2 or mock transports. The
REST clients, the stream clients' token fetches, the live books' snapshots
and the recorder all go through these clients: one signer with the tracked
clock offset, one rate limiter, one retry policy, one envelope parser.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from wexcore._sign import Signer
from wexcore.errors import (
    ConnectFailed,
    ConnectionLost,
    InvalidParameterError,
    ProtocolError,
    ReadTimeout,
    TransportError,
)
from wexcore.rest import endpoints as _endpoints
from wexcore.rest._http import (
    MAX_BODY_BYTES,
    MAX_HEADER_BYTES,
    AsyncPool,
    Response,
    SyncPool,
)
from wexcore.rest._methods import (
    AsyncFuturesMethods,
    AsyncSpotMethods,
    FuturesMethods,
    SpotMethods,
)
from wexcore.rest.clock import ClockSync
from wexcore.rest.core import (
    TIME_PATH,
    Action,
    Reply,
    RequestCore,
    Send,
    Sleep,
    values_for,
)
from wexcore.rest.endpoints import Endpoint
from wexcore.rest.filters import FuturesSymbolFilters, SymbolFilters
from wexcore.rest.limits import RateLimiter
from wexcore.rest.types import FuturesSymbol, RawResponse, SpotSymbols

if TYPE_CHECKING:
    import httpx

__all__ = [
    "SPOT_URL",
    "USDT_M_URL",
    "COIN_M_URL",
    "TIME_PATH",
    "RequestCore",
    "SpotClient",
    "AsyncSpotClient",
    "FuturesClient",
    "AsyncFuturesClient",
]

log = logging.getLogger("wexcore.rest")

R = TypeVar("R")

SPOT_URL = "https://sapi.wexex.io"
USDT_M_URL = "https://fapi.wexex.io"
COIN_M_URL = "https://dapi.wexex.io"

_SYMBOLS = _endpoints.spot["symbols"]
_F_SYMBOL = _endpoints.futures["symbol_detail"]
_F_SYMBOLS = _endpoints.futures["symbols"]

#: A symbol's pre-trade rules: spot filters or a futures contract's limits.
Filters = SymbolFilters | FuturesSymbolFilters


def _table_for(product: str) -> dict[str, Endpoint[Any]]:
    return _endpoints.spot if product == "spot" else _endpoints.futures


def _split_origin(url: str) -> tuple[str, str]:
    """``("scheme://host:port", "/path?query")``."""
    i = url.find("/", url.find("//") + 2)
    return (url, "/") if i < 0 else (url[:i], url[i:])


def _httpx_error(exc: Exception, req: Send) -> TransportError:
    """The :class:`~wexcore.errors.TransportError` for an httpx exception."""
    import httpx

    u = urlsplit(req.url)
    where: dict[str, Any] = dict(method=req.method, path=u.path, host=u.netloc, cause=exc)
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return ConnectFailed(text, **where)
    if isinstance(exc, httpx.TimeoutException):
        return ReadTimeout(text, **where)
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.DecodingError, httpx.TooManyRedirects)):
        return ProtocolError(text, **where)
    return ConnectionLost(text, **where)


def _httpx_exceptions() -> tuple[type[Exception], ...]:
    import httpx

    return (httpx.TransportError, httpx.DecodingError, httpx.TooManyRedirects)


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
        max_body_bytes: int,
        max_header_bytes: int,
        clock: Callable[[], float] | None,
    ) -> None:
        if (api_key is None) != (secret is None):
            raise InvalidParameterError("api_key and secret must be given together",
                                        field="secret" if secret is None else "api_key")
        signer: Signer | None = None
        if api_key is not None:
            assert secret is not None
            try:
                signer = Signer(api_key, secret, algorithm=algorithm, recv_window=recv_window)
            except (TypeError, ValueError) as exc:
                # The message names the argument; the secret is never in it.
                raise InvalidParameterError(str(exc)) from None
        if isinstance(rate_limit, RateLimiter):
            limiter: RateLimiter | None = rate_limit
        else:
            limiter = RateLimiter.shared() if rate_limit else None
        self._clock = ClockSync(
            clock_sync_interval, enabled=sync_clock and signer is not None, wall_ms=clock
        )
        try:
            self._core = RequestCore(
                self._product, base_url, signer, limiter, max_retries=max_retries,
                backoff=backoff, clock=self._clock, time_url=time_url,
            )
        except ValueError as exc:
            field = "time_url" if str(exc).startswith("time_url") else "base_url"
            raise InvalidParameterError(str(exc), field=field) from None
        self._signer = signer
        self._timeout = timeout
        self._max_body = max_body_bytes
        self._max_header = max_header_bytes
        self._filters: dict[str, Filters | None] = {}
        self._table = _table_for(self._product)

    @property
    def base_url(self) -> str:
        return self._core.base_url

    @property
    def time_url(self) -> str:
        """Where the clock offset is measured."""
        return self._core.time_url

    @property
    def signer(self) -> Signer | None:
        """The signer (it holds the secret; the secret cannot be read back)."""
        return self._signer

    @property
    def rate_limiter(self) -> RateLimiter | None:
        return self._core.limiter

    @property
    def core(self) -> RequestCore:
        """The sans-I/O request core this client drives."""
        return self._core

    @property
    def time_offset_ms(self) -> int:
        """Server clock minus local clock, as last measured (ms)."""
        return self._signer.time_offset_ms if self._signer is not None else self._clock.offset_ms

    def __repr__(self) -> str:
        key = self._signer.api_key[:4] + "..." if self._signer is not None else None
        return f"{type(self).__name__}(api_key={key!r}, base_url={self.base_url!r})"

    def _order_args(self, ep: Endpoint[Any], values: tuple[Any, ...]) -> dict[str, Any]:
        return {p.arg: v for p, v in zip(ep.params, values, strict=True)}

    def _filters_request(self, symbol: str | None) -> tuple[Endpoint[Any], tuple[Any, ...]]:
        """The call that fetches the rules of ``symbol`` (of all symbols: ``None``)."""
        if self._product == "spot":
            return _SYMBOLS, (symbol, None, None)
        if symbol is None:
            return _F_SYMBOLS, ()
        return _F_SYMBOL, (symbol,)

    def _store_filters(
        self, symbol: str, result: SpotSymbols | FuturesSymbol | list[FuturesSymbol]
    ) -> Filters | None:
        found: Filters | None = None
        made: list[Filters]
        if isinstance(result, SpotSymbols):
            made = [SymbolFilters.from_symbol(info) for info in result.symbols or ()]
        else:
            infos = [result] if isinstance(result, FuturesSymbol) else result or []
            made = [FuturesSymbolFilters.from_symbol(info) for info in infos]
        for f in made:
            self._filters[f.symbol] = f
            if f.symbol == symbol:
                found = f
        self._filters.setdefault(symbol, found)
        return found

    def _check_order(self, filters: Filters | None, args: dict[str, Any]) -> None:
        spot = self._product == "spot"
        names = (("symbol", "side", "type") if spot
                 else ("symbol", "order_side", "order_type", "position_side"))
        for name in names:
            if not isinstance(args.get(name), str):
                raise InvalidParameterError(
                    f"place_order: {name} must be a str, got {type(args.get(name)).__name__}",
                    field=name,
                )
        if isinstance(filters, SymbolFilters):
            filters.check_order(
                args["side"],
                args["type"],
                price=args.get("price"),
                quantity=args.get("quantity"),
                quote_qty=args.get("quote_qty"),
            )
        elif isinstance(filters, FuturesSymbolFilters):
            filters.check_order(
                args["order_side"], args["order_type"],
                quantity=args.get("orig_qty"), price=args.get("price"),
            )

    def symbol_filters(self, symbol: str) -> Filters | None:
        """The cached rules of ``symbol`` (loaded by the first validated order
        or by :meth:`load_filters`): :class:`~wexcore.rest.filters.SymbolFilters`
        on spot, :class:`~wexcore.rest.filters.FuturesSymbolFilters` on futures,
        or ``None``."""
        return self._filters.get(symbol)

    def _endpoint(self, name: str) -> Endpoint[Any]:
        ep = self._table.get(name)
        if ep is None:
            raise InvalidParameterError(f"no {self._product} endpoint named {name!r}",
                                        field="name")
        return ep


P = TypeVar("P", SyncPool, AsyncPool)


def _pool(pools: dict[str, P], cls: type[P], origin: str, shell: _Shell) -> P:
    """The shell's pool for ``origin`` (the base URL's, or the time URL's), made on first use."""
    pool = pools.get(origin)
    if pool is None:
        pool = pools[origin] = cls(origin, timeout=shell._timeout,
                                   max_body_bytes=shell._max_body,
                                   max_header_bytes=shell._max_header)
    return pool


class _SyncShell(_Shell):
    def __init__(
        self,
        *args: Any,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self._http: httpx.Client | None = None
        if transport is not None or http_client is not None:
            import httpx

            self._http = http_client or httpx.Client(timeout=self._timeout, transport=transport)
            self._httpx_errors = _httpx_exceptions()
        self._pools: dict[str, SyncPool] = {}
        self._base_len = len(self.base_url)
        self._pool = self._pool_for(self.base_url) if self._http is None else None
        self._clock_lock = threading.Lock()

    def _pool_for(self, origin: str) -> SyncPool:
        return _pool(self._pools, SyncPool, origin, self)

    def _send(self, req: Send) -> Response:
        """``(status, headers, body)`` over the pool or httpx."""
        pool = self._pool
        if pool is not None:
            url = req.url
            if url.startswith(self.base_url) and url[self._base_len : self._base_len + 1] in (
                "/", "?", ""
            ):
                return pool.request(req.method, url[self._base_len :] or "/", req.headers,
                                    req.body)
            origin, target = _split_origin(url)
            return self._pool_for(origin).request(req.method, target, req.headers, req.body)
        assert self._http is not None
        try:
            r = self._http.request(req.method, req.url, content=req.body, headers=req.headers)
            return r.status_code, dict(r.headers), r.content
        except self._httpx_errors as exc:
            raise _httpx_error(exc, req) from exc

    def _drive(self, gen: Generator[Action, Reply, R]) -> R:
        """Perform the plan's actions until it returns (or raises)."""
        send = self._send
        reply: Reply = None
        try:
            action = next(gen)
            while True:
                if type(action) is Send:
                    try:
                        reply = send(action)
                    except TransportError as exc:
                        reply = exc
                elif type(action) is Sleep:
                    time.sleep(action.seconds)
                    reply = None
                else:
                    self._ensure_clock()
                    reply = None
                action = gen.send(reply)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    def _ensure_clock(self) -> None:
        # Threads sharing a client share one sync instead of each sending one.
        with self._clock_lock:
            if self._clock.due():
                self._drive(self._core.clock_plan())

    def _call(self, endpoint: Endpoint[R], values: tuple[Any, ...], validate: bool = False) -> R:
        if validate:
            args = self._order_args(endpoint, values)
            sym = args["symbol"]
            if isinstance(sym, str) and sym not in self._filters:
                self._store_filters(sym, self._call(*self._filters_request(sym)))
            self._check_order(self._filters.get(sym), args)
        return self._drive(self._core.plan(endpoint, values))

    def raw(self, name: str, /, **params: Any) -> RawResponse:
        """Call endpoint ``name`` (a method name, e.g. ``"get_order"``) with the
        method's keyword arguments and return the response as received: the
        HTTP status, headers and exact body. Errors raise as for the method."""
        ep = self._endpoint(name)
        return self._drive(self._core.raw_plan(ep, values_for(ep, params)))

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        if self._http is not None:
            self._http.close()
        for pool in self._pools.values():
            pool.close()

    def sync_clock(self) -> int:
        """Measure the server-time offset now; return it (ms)."""
        with self._clock_lock:
            return self._drive(self._core.clock_plan())

    def load_filters(self, symbol: str | None = None) -> None:
        """Fetch and cache the symbol's pre-trade rules (all symbols' when
        ``symbol`` is None): spot filters, or a futures contract's limits."""
        result = self._call(*self._filters_request(symbol))
        self._store_filters(symbol or "", result)

    def paginate(self, name: str, /, **params: Any) -> Iterator[Any]:
        """Iterate the items of every page of a paginated endpoint.

        ``name`` is the method name (e.g. ``"order_history"``); ``params`` are
        its keyword arguments for the first page. Cursor endpoints follow
        ``hasNext`` with ``fromId``/``id`` = the last item's id, in the
        ``direction`` given (default ``NEXT``); page endpoints increment
        ``page``. An item already yielded is not yielded again, and a page
        with nothing new ends the iteration. Items are the endpoint's typed
        results (e.g. :class:`~wexcore.rest.types.SpotOrder`).
        """
        ep = self._endpoint(name)
        if not ep.paging:
            raise InvalidParameterError(f"{name} is not a paginated endpoint", field="name")
        method = getattr(self, name)
        seen: set[Any] = set()
        next_params: dict[str, Any] | None = params
        while next_params is not None:
            result = method(**next_params)
            items, next_params = RequestCore.next_page(ep, next_params, result)
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
        self._http: httpx.AsyncClient | None = None
        if transport is not None or http_client is not None:
            import httpx

            self._http = http_client or httpx.AsyncClient(
                timeout=self._timeout, transport=transport
            )
            self._httpx_errors = _httpx_exceptions()
        self._pools: dict[str, AsyncPool] = {}
        self._base_len = len(self.base_url)
        self._pool = self._pool_for(self.base_url) if self._http is None else None
        self._clock_lock: asyncio.Lock | None = None

    def _pool_for(self, origin: str) -> AsyncPool:
        return _pool(self._pools, AsyncPool, origin, self)

    def _send(self, req: Send) -> Awaitable[Response]:
        """``(status, headers, body)`` over the pool or httpx (an awaitable: the
        pool's coroutine is handed back, not wrapped in one more)."""
        pool = self._pool
        if pool is not None:
            url = req.url
            if url.startswith(self.base_url) and url[self._base_len : self._base_len + 1] in (
                "/", "?", ""
            ):
                return pool.request(req.method, url[self._base_len :] or "/", req.headers,
                                    req.body)
            origin, target = _split_origin(url)
            return self._pool_for(origin).request(req.method, target, req.headers, req.body)
        return self._send_httpx(req)

    async def _send_httpx(self, req: Send) -> Response:
        assert self._http is not None
        try:
            r = await self._http.request(req.method, req.url, content=req.body,
                                         headers=req.headers)
            return r.status_code, dict(r.headers), r.content
        except self._httpx_errors as exc:
            raise _httpx_error(exc, req) from exc

    async def _drive(self, gen: Generator[Action, Reply, R]) -> R:
        """Perform the plan's actions until it returns (or raises)."""
        send = self._send
        reply: Reply = None
        try:
            action = next(gen)
            while True:
                if type(action) is Send:
                    try:
                        reply = await send(action)
                    except TransportError as exc:
                        reply = exc
                elif type(action) is Sleep:
                    await asyncio.sleep(action.seconds)
                    reply = None
                else:
                    await self._ensure_clock()
                    reply = None
                action = gen.send(reply)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    async def _ensure_clock(self) -> None:
        # Concurrent first requests share one sync instead of each sending one.
        if self._clock_lock is None:
            self._clock_lock = asyncio.Lock()
        async with self._clock_lock:
            if self._clock.due():
                await self._drive(self._core.clock_plan())

    async def _call(
        self, endpoint: Endpoint[R], values: tuple[Any, ...], validate: bool = False
    ) -> R:
        if validate:
            args = self._order_args(endpoint, values)
            sym = args["symbol"]
            if isinstance(sym, str) and sym not in self._filters:
                self._store_filters(sym, await self._call(*self._filters_request(sym)))
            self._check_order(self._filters.get(sym), args)
        return await self._drive(self._core.plan(endpoint, values))

    async def raw(self, name: str, /, **params: Any) -> RawResponse:
        """Call endpoint ``name`` with the method's keyword arguments and return
        the response as received (see the sync client's ``raw``)."""
        ep = self._endpoint(name)
        return await self._drive(self._core.raw_plan(ep, values_for(ep, params)))

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._http is not None:
            await self._http.aclose()
        for pool in self._pools.values():
            await pool.aclose()

    close = aclose

    async def sync_clock(self) -> int:
        """Measure the server-time offset now; return it (ms)."""
        if self._clock_lock is None:
            self._clock_lock = asyncio.Lock()
        async with self._clock_lock:
            return await self._drive(self._core.clock_plan())

    async def load_filters(self, symbol: str | None = None) -> None:
        """Fetch and cache the symbol's pre-trade rules (all symbols' when
        ``symbol`` is None): spot filters, or a futures contract's limits."""
        result = await self._call(*self._filters_request(symbol))
        self._store_filters(symbol or "", result)

    async def paginate(self, name: str, /, **params: Any) -> AsyncIterator[Any]:
        """Iterate (``async for``) the items of every page; see the sync client's ``paginate``."""
        ep = self._endpoint(name)
        if not ep.paging:
            raise InvalidParameterError(f"{name} is not a paginated endpoint", field="name")
        method = getattr(self, name)
        seen: set[Any] = set()
        next_params: dict[str, Any] | None = params
        while next_params is not None:
            result = await method(**next_params)
            items, next_params = RequestCore.next_page(ep, next_params, result)
            items = RequestCore.fresh_items(ep, items, seen)
            if not items:
                return
            for item in items:
                yield item


_COMMON_DOC = """
    Args:
        api_key, secret: the API key pair; leave both ``None`` for public
            endpoints only. The secret lives only in the :class:`~wexcore.Signer`;
            it is never logged, shown in ``repr`` or put in an error message.
        base_url: scheme and host of the REST API.
        recv_window: ``validate-recvwindow`` in ms (default 5000, max 60000).
        algorithm: HMAC algorithm (``HmacSHA256`` is the fast path).
        rate_limit: ``True`` (default) waits to stay within the documented
            limits, counted in the process-wide
            :meth:`~wexcore.rest.limits.RateLimiter.shared` limiter; ``False``
            disables it; or pass a :class:`~wexcore.rest.limits.RateLimiter`.
        max_retries: retries for idempotent calls on transport errors, 429 and 5xx.
        backoff: first retry delay (s); doubles with full jitter up to 2 s.
        timeout: the deadline of one attempt, in seconds: connect, send and
            the whole response.
        sync_clock: measure the server-time offset before the first signed
            request, every ``clock_sync_interval`` seconds and after a
            stale-clock rejection.
        time_url: the server-time endpoint used for clock sync.
        max_body_bytes, max_header_bytes: response size limits; a larger
            response is refused before it is buffered.
        clock: the local wall clock in ms to sign with (default: the system's).
        transport / http_client: an httpx transport or client to use instead
            of wexcore's keep-alive pool (``pip install wexcore[httpx]``).
"""


def _futures_url(base_url: str | None, coin_margined: bool) -> str:
    return base_url or (COIN_M_URL if coin_margined else USDT_M_URL)


def _futures_time_url(base_url: str | None, time_url: str | None) -> str:
    # The exchange's futures hosts have no time endpoint: production asks the
    # spot host. A client pointed elsewhere (a simulator, a gateway) asks
    # that host: its clock is the one that judges the timestamps.
    if time_url:
        return time_url
    if base_url and base_url.rstrip("/") not in (USDT_M_URL, COIN_M_URL):
        return base_url.rstrip("/") + TIME_PATH
    return SPOT_URL + TIME_PATH


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
        max_body_bytes: int = MAX_BODY_BYTES,
        max_header_bytes: int = MAX_HEADER_BYTES,
        clock: Callable[[], float] | None = None,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            api_key, secret, base_url=base_url, recv_window=recv_window, algorithm=algorithm,
            rate_limit=rate_limit, max_retries=max_retries, backoff=backoff, timeout=timeout,
            sync_clock=sync_clock, clock_sync_interval=clock_sync_interval,
            time_url=time_url or base_url.rstrip("/") + TIME_PATH,
            max_body_bytes=max_body_bytes, max_header_bytes=max_header_bytes, clock=clock,
            transport=transport, http_client=http_client,
        )

    def __enter__(self) -> SpotClient:
        return self


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
        max_body_bytes: int = MAX_BODY_BYTES,
        max_header_bytes: int = MAX_HEADER_BYTES,
        clock: Callable[[], float] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            api_key, secret, base_url=base_url, recv_window=recv_window, algorithm=algorithm,
            rate_limit=rate_limit, max_retries=max_retries, backoff=backoff, timeout=timeout,
            sync_clock=sync_clock, clock_sync_interval=clock_sync_interval,
            time_url=time_url or base_url.rstrip("/") + TIME_PATH,
            max_body_bytes=max_body_bytes, max_header_bytes=max_header_bytes, clock=clock,
            transport=transport, http_client=http_client,
        )

    async def __aenter__(self) -> AsyncSpotClient:
        return self


_FUT_DOC = """
        coin_margined: ``False`` (default) for USDT-M (``https://fapi.wexex.io``),
            ``True`` for COIN-M (``https://dapi.wexex.io``); ignored when
            ``base_url`` is given.
        (Futures has no time endpoint: against the exchange the clock syncs
        with the spot one, ``https://sapi.wexex.io/v4/public/time``; with a
        ``base_url``, with that host's ``/v4/public/time``; ``time_url=``
        overrides both.)
"""


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
        max_body_bytes: int = MAX_BODY_BYTES,
        max_header_bytes: int = MAX_HEADER_BYTES,
        clock: Callable[[], float] | None = None,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            api_key, secret, base_url=_futures_url(base_url, coin_margined),
            recv_window=recv_window, algorithm=algorithm, rate_limit=rate_limit,
            max_retries=max_retries, backoff=backoff, timeout=timeout, sync_clock=sync_clock,
            clock_sync_interval=clock_sync_interval,
            time_url=_futures_time_url(base_url, time_url), max_body_bytes=max_body_bytes,
            max_header_bytes=max_header_bytes, clock=clock, transport=transport,
            http_client=http_client,
        )

    def __enter__(self) -> FuturesClient:
        return self


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
        max_body_bytes: int = MAX_BODY_BYTES,
        max_header_bytes: int = MAX_HEADER_BYTES,
        clock: Callable[[], float] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            api_key, secret, base_url=_futures_url(base_url, coin_margined),
            recv_window=recv_window, algorithm=algorithm, rate_limit=rate_limit,
            max_retries=max_retries, backoff=backoff, timeout=timeout, sync_clock=sync_clock,
            clock_sync_interval=clock_sync_interval,
            time_url=_futures_time_url(base_url, time_url), max_body_bytes=max_body_bytes,
            max_header_bytes=max_header_bytes, clock=clock, transport=transport,
            http_client=http_client,
        )

    async def __aenter__(self) -> AsyncFuturesClient:
        return self

