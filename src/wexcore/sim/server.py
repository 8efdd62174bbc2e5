"""The simulator's aiohttp application: REST routes, WebSocket streams, the loops.

One process, one port, all products:

- spot REST ``/v4/...``, futures REST ``/future/...``
- spot WebSocket ``/public`` and ``/private``; futures ``/ws/market`` and ``/ws/user``

Requests are decoded with orjson and verified by :mod:`wexcore.sim.auth`
(stdlib ``hmac``); nothing from the client's code paths is used here.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets as _secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import orjson
from aiohttp import WSMsgType, web

from . import auth
from .codes import FUTURES_AUTH_STATUS, SPOT_MESSAGES, SimError
from .faults import FaultInjector, FaultSpec
from .limits import Limit, RateLimiter
from .market import BUY, SELL, Market, dec_str, fmt, futures_spec, spot_spec, to_units
from .matching import (
    TERMINAL,
    Account,
    Engine,
    Order,
    Position,
    futures_balance_view,
    futures_order_view,
    position_view,
    spot_order_view,
)

log = logging.getLogger("wexcore.sim")

DEMO_API_KEY = "3976eb88-76d0-4f6e-a6b2-a57980770085"
DEMO_SECRET = "bc6630d0231fda5cd98794f52c4998659beda290"

INTERVAL_MS = {
    "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
    "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000,
    "8h": 28_800_000, "12h": 43_200_000, "1d": 86_400_000, "3d": 259_200_000,
    "1w": 604_800_000, "1M": 2_592_000_000,
}

IP10 = (Limit(10, 1.0, "ip"),)
# "Other endpoints: ... 1000 requests per minute per IP" - one budget for all futures.
FUT_IP = Limit(1000, 60.0, "ip", group="futures")


def _key(n: int, period: float = 1.0) -> tuple[Limit, ...]:
    return (Limit(n, period, "apikey"),)


# The spot spec often does not name the HTTP method; it is inferred from the
# operation's name (English and Chinese): get/query -> GET, submit -> POST,
# update -> PUT, cancel -> DELETE; ws-token is POST per the spec's curl
# example.  (method, path) -> (handler, private, limits).  Mirrored in
# docs/simulator.md.
SPOT_ROUTES: dict[tuple[str, str], tuple[str, bool, tuple[Limit, ...]]] = {
    ("GET", "/v4/public/time"): ("time", False, ()),
    ("GET", "/v4/public/client"): ("client", False, ()),
    ("GET", "/v4/public/symbol"): ("symbol", False, IP10),
    ("GET", "/v4/public/depth"): ("depth", False, IP10),
    ("GET", "/v4/public/kline"): ("kline", False, IP10),
    ("GET", "/v4/public/trade/recent"): ("trade_recent", False, IP10),
    ("GET", "/v4/public/trade/history"): ("trade_history", False, IP10),
    ("GET", "/v4/public/ticker"): ("ticker_full", False, IP10),
    ("GET", "/v4/public/ticker/price"): ("ticker_price", False, IP10),
    ("GET", "/v4/public/ticker/book"): ("ticker_book", False, IP10),
    ("GET", "/v4/public/ticker/24h"): ("ticker_24h", False, IP10),
    ("GET", "/v4/public/currencies"): ("currencies", False, ()),
    ("GET", "/v4/public/wallet/support/currency"): ("wallet_currencies", False, ()),
    ("GET", "/v4/order/{orderId}"): ("order_get", True, _key(10)),
    ("GET", "/v4/order"): ("order_query", True, _key(50)),
    ("POST", "/v4/order"): ("order_submit", True, _key(20)),
    ("DELETE", "/v4/order/{orderId}"): ("order_cancel", True, ()),
    ("PUT", "/v4/order/{orderId}"): ("order_update", True, _key(50)),
    ("GET", "/v4/batch-order"): ("batch_get", True, ()),
    ("POST", "/v4/batch-order"): ("batch_submit", True, _key(30)),
    ("DELETE", "/v4/batch-order"): ("batch_cancel", True, ()),
    ("GET", "/v4/open-order"): ("open_orders", True, _key(10)),
    ("DELETE", "/v4/open-order"): ("open_orders_cancel", True, _key(10)),
    ("GET", "/v4/history-order"): ("history_orders", True, _key(10)),
    ("GET", "/v4/trade"): ("trades", True, ()),
    ("GET", "/v4/balance"): ("balance", True, ()),
    ("GET", "/v4/balances"): ("balances", True, _key(10)),
    ("POST", "/v4/ws-token"): ("ws_token", True, _key(1, 10.0)),
}

_F = "/future/market/v1/public"
FUTURES_ROUTES: dict[tuple[str, str], tuple[str, bool, tuple[Limit, ...]]] = {
    ("GET", "/future/public/client"): ("f_client", False, ()),
    ("GET", f"{_F}/symbol/coins"): ("f_coins", False, ()),
    ("GET", f"{_F}/symbol/detail"): ("f_symbol_detail", False, ()),
    ("GET", "/future/market/v3/public/symbol/list"): ("f_symbol_list", False, ()),
    ("GET", f"{_F}/q/ticker"): ("f_ticker", False, ()),
    ("GET", f"{_F}/q/tickers"): ("f_tickers", False, ()),
    ("GET", f"{_F}/q/deal"): ("f_deal", False, ()),
    ("GET", f"{_F}/q/depth"): ("f_depth", False, IP10),
    ("GET", f"{_F}/q/symbol-index-price"): ("f_index_price", False, ()),
    ("GET", f"{_F}/q/index-price"): ("f_index_prices", False, ()),
    ("GET", f"{_F}/q/symbol-mark-price"): ("f_mark_price", False, ()),
    ("GET", f"{_F}/q/mark-price"): ("f_mark_prices", False, ()),
    ("GET", f"{_F}/q/kline"): ("f_kline", False, ()),
    ("GET", f"{_F}/q/agg-ticker"): ("f_agg_ticker", False, ()),
    ("GET", f"{_F}/q/agg-tickers"): ("f_agg_tickers", False, ()),
    ("GET", f"{_F}/q/funding-rate"): ("f_funding_rate", False, (Limit(1, 1.0, "ip"),)),
    ("GET", f"{_F}/q/ticker/book"): ("f_ticker_book", False, ()),
    ("GET", f"{_F}/q/ticker/books"): ("f_ticker_books", False, ()),
    ("POST", "/future/trade/v1/order/create"): ("f_order_create", True, _key(200)),
    ("POST", "/future/trade/v1/order/cancel"): ("f_order_cancel", True, _key(200)),
    ("POST", "/future/trade/v1/order/cancel-all"): ("f_order_cancel_all", True, _key(200)),
    ("GET", "/future/trade/v1/order/detail"): ("f_order_detail", True, _key(200)),
    ("GET", "/future/trade/v1/order/list"): ("f_order_list", True, _key(200)),
    ("GET", "/future/trade/v1/order/list-open-order"): ("f_open_orders", True, _key(10)),
    ("GET", "/future/trade/v1/order/list-history"): ("f_order_history", True, _key(10)),
    ("GET", "/future/trade/v1/order/trade-list"): ("f_trade_list", True, _key(10)),
    ("GET", "/future/user/v1/user/listen-key"): ("f_listen_key", True, _key(200)),
    ("GET", "/future/user/v1/compat/balance/list"): ("f_balance_list", True, _key(200)),
    ("GET", "/future/user/v1/balance/list"): ("f_balance_list", True, _key(3)),
    ("GET", "/future/user/v1/balance/detail"): ("f_balance_detail", True, _key(3)),
    ("GET", "/future/user/v1/position"): ("f_positions", True, _key(200)),
    ("GET", "/future/user/v1/position/list"): ("f_positions", True, _key(200)),
    ("GET", "/future/trade/v1/position/list/active"): ("f_positions", True, _key(200)),
}

#: (method, path) -> handler name, for the docs and for the REST client's cross-check.
ENDPOINT_METHODS = {k: v[0] for k, v in {**SPOT_ROUTES, **FUTURES_ROUTES}.items()}


@dataclass(eq=False)
class Conn:
    ws: web.WebSocketResponse
    request: web.Request
    product: str  # "spot" or "futures"
    private: bool
    subs: set[str] = field(default_factory=set)
    account: Account | None = None
    token: str | None = None
    held: dict[str, str] = field(default_factory=dict)  # reorder fault: symbol -> frame
    closed: bool = False


@dataclass
class Token:
    value: str
    account: Account
    product: str
    expires: float
    fault_ttl: bool
    expired_reported: bool = False


class Simulator:
    """A local WEX exchange on 127.0.0.1: ``async with Simulator() as sim: ...``.

    Args:
        host, port: where to listen (port 0 picks a free port).
        symbols: spot and futures symbols to simulate.
        seed: makes the market data deterministic.
        api_key, secret: the demo account (more with :meth:`add_account`).
        balances: the demo account's spot balances (currency -> decimal string).
        faults: fault spec, e.g. ``"drop=0.01,rest_5xx=0.02"`` (see faults.py).
        step_interval: seconds between market events.
        depth_interval: seconds between depth-update frames (spec: 0.1).
        stream_interval: seconds between the 1000 ms streams (depth@N, kline, tickers).
        funding_interval: seconds between fund_rate pushes (spec: 60).
        spot_heartbeat, futures_heartbeat: seconds without a client ``ping``
            before the server closes a connection (spec: 60 and 30).
        rate_limits: enforce the documented per-endpoint limits.
        coin_m: serve the futures routes as COIN-M (inverse contracts margined
            in the base coin) instead of USDT-M; run two instances for both.
        paused: start with the market paused (no synthetic events).
        clock: optional callable returning epoch milliseconds.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0,
                 symbols: tuple[str, ...] | list[str] = ("btc_usdt", "eth_usdt"),
                 seed: int = 0, api_key: str = DEMO_API_KEY, secret: str = DEMO_SECRET,
                 balances: dict[str, str] | None = None, faults: str | FaultSpec | None = None,
                 step_interval: float = 0.05, depth_interval: float = 0.1,
                 stream_interval: float = 1.0, funding_interval: float = 60.0,
                 spot_heartbeat: float = 60.0, futures_heartbeat: float = 30.0,
                 rate_limits: bool = True, paused: bool = False, depth_levels: int = 200,
                 coin_m: bool = False, clock: Callable[[], int] | None = None) -> None:
        self.host = host
        self.port = port
        self.seed = seed
        self.symbols = [s.strip().lower() for s in symbols if s.strip()]
        self.clock_ms = clock or (lambda: time.time_ns() // 1_000_000)
        self.fault_spec = FaultSpec.parse(faults)
        self.faults = FaultInjector(self.fault_spec, seed)
        self.step_interval = step_interval
        self.depth_interval = depth_interval
        self.stream_interval = stream_interval
        self.funding_interval = funding_interval
        self.heartbeat = {"spot": spot_heartbeat, "futures": futures_heartbeat}
        self.limiter = RateLimiter() if rate_limits else None
        self.paused = paused
        self.markets: dict[str, dict[str, Market]] = {"spot": {}, "futures": {}}
        for sym in self.symbols:
            self.markets["spot"][sym] = Market(spot_spec(sym), seed, depth_levels=depth_levels)
            self.markets["futures"][sym] = Market(futures_spec(sym, coin_m), seed,
                                                  depth_levels=depth_levels, product="futures")
        self.engine = Engine(self.clock_ms)
        default_bal = {"usdt": "1000000"}
        for sym in self.symbols:
            default_bal.setdefault(sym.split("_")[0], "100")
        self.api_key = api_key
        self.secret = secret
        self.coin_m = coin_m
        self.engine.add_account(api_key, secret,
                                balances if balances is not None else default_bal,
                                self._futures_balances())
        self.conns: set[Conn] = set()
        self.tokens: dict[str, Token] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # set in synchronous use
        self._thread: threading.Thread | None = None
        self.requests_seen = 0
        #: completed passes of the depth publisher (lets tests wait for "all sent").
        self.depth_cycles = 0
        self._dispatch_lock = asyncio.Lock()

    # -- lifecycle -----------------------------------------------------------
    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # Synchronous use (e.g. tests of a blocking client): the simulator runs on
    # its own event loop in a daemon thread.  Methods that read or change the
    # market (book_snapshot, step, set_faults, ...) hop onto that loop, so they
    # are safe to call from the caller's thread.
    def __enter__(self) -> Simulator:
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="wexcore-sim", daemon=True)
        self._thread.start()
        ready.wait()
        self._loop = loop
        asyncio.run_coroutine_threadsafe(self.start(), loop).result(30)
        return self

    def __exit__(self, *exc: object) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result(30)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(30)
            self._loop = self._thread = None

    def _on_loop(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn`` on the simulator's loop thread when called from another thread."""
        loop = self._loop
        if loop is None or threading.current_thread() is self._thread:
            return fn(*args)

        async def call() -> Any:
            result = fn(*args)
            if asyncio.iscoroutine(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(call(), loop).result(30)

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        for table, product in ((SPOT_ROUTES, "spot"), (FUTURES_ROUTES, "futures")):
            for (method, path), (name, private, limits) in table.items():
                app.router.add_route(method, path,
                                     self._make_handler(product, name, private, limits, path))
        app.router.add_get("/public", self._ws_handler("spot", False))
        app.router.add_get("/private", self._ws_handler("spot", True))
        app.router.add_get("/ws/market", self._ws_handler("futures", False))
        app.router.add_get("/ws/user", self._ws_handler("futures", True))
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sock = site._server.sockets[0]  # type: ignore[union-attr]
        self.port = sock.getsockname()[1]
        loops = [self._step_loop(), self._depth_loop(), self._slow_loop(),
                 self._funding_loop(), self._token_loop()]
        if self.fault_spec.disconnect_every > 0:
            loops.append(self._disconnect_loop())
        self._tasks = [asyncio.create_task(c) for c in loops]

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._tasks = []
        for conn in list(self.conns):
            conn.closed = True
            try:
                await asyncio.wait_for(conn.ws.close(), 1.0)
            except Exception:
                if conn.request.transport is not None:
                    conn.request.transport.abort()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- public helpers ------------------------------------------------------
    @property
    def rest_url(self) -> str:
        return f"http://{self._host_for_url()}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self._host_for_url()}:{self.port}"

    def _host_for_url(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    @property
    def fault_counts(self) -> dict[str, int]:
        """How many of each fault were injected so far."""
        counts: dict[str, int] = self._on_loop(lambda: dict(self.faults.counts))
        return counts

    def set_faults(self, faults: str | FaultSpec | dict[str, Any] | None) -> None:
        """Change the fault spec of a running simulator (counts are kept)."""
        if self._loop is not None and threading.current_thread() is not self._thread:
            self._on_loop(self.set_faults, faults)
            return
        spec = FaultSpec.parse(faults)
        for name, value in vars(spec).items():
            setattr(self.fault_spec, name, value)
        if spec.disconnect_every > 0 and not any(
                getattr(t.get_coro(), "__name__", "") == "_disconnect_loop" for t in self._tasks):
            self._tasks.append(asyncio.create_task(self._disconnect_loop()))

    def pause(self) -> None:
        """Stop the synthetic market (user orders still trade)."""
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    def _futures_balances(self) -> dict[str, str]:
        # USDT-M margin in usdt; COIN-M margin in each base coin.
        out = {"usdt": "100000"}
        for m in self.markets["futures"].values():
            out.setdefault(m.spec.margin_coin, "100")
        return out

    def add_account(self, api_key: str, secret: str,
                    balances: dict[str, str] | None = None,
                    futures_balances: dict[str, str] | None = None) -> Account:
        """Another account (spot balances default to 1,000,000 usdt)."""
        acct: Account = self._on_loop(self.engine.add_account, api_key, secret,
                                      balances or {"usdt": "1000000"},
                                      futures_balances or self._futures_balances())
        return acct

    def market(self, symbol: str, product: str = "spot") -> Market:
        return self.markets[_product(product)][symbol]

    def last_update_id(self, symbol: str, product: str = "spot") -> int:
        return self.market(symbol, product).book.update_id

    def published_update_id(self, symbol: str, product: str = "spot") -> int:
        """The last update id already sent in a depth-update frame."""
        return self.market(symbol, product).book.flushed_id

    def book_snapshot(self, symbol: str, product: str = "spot",
                      depth: int | None = 50) -> dict[str, Any]:
        """Top ``depth`` levels as exact decimal strings plus ``last_update_id``."""
        snap: dict[str, Any] = self._on_loop(self.market(symbol, product).snapshot, depth)
        return snap

    async def quiesce(self, timeout: float = 5.0) -> None:
        """Pause the market and wait until every pending depth change was published."""
        self.pause()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        start = self.depth_cycles
        while self.depth_cycles < start + 2:
            if loop.time() > deadline:
                raise TimeoutError("depth publisher did not run")
            await asyncio.sleep(self.depth_interval / 2)

    def step(self, n: int = 1) -> None:
        """Advance every market by ``n`` events by hand (handy while paused)."""
        def run() -> None:
            for _ in range(n):
                self._step_markets()

        self._on_loop(run)

    async def disconnect(self, product: str | None = None) -> int:
        """Close WebSocket connections abruptly (counted as ``disconnect``)."""
        n = 0
        for conn in list(self.conns):
            if product is None or conn.product == _product(product):
                self._abort(conn)
                n += 1
        return n

    def expire_tokens(self) -> None:
        """Expire every ws-token and listen key now (counted as ``token_expired``)."""
        if self._loop is not None and threading.current_thread() is not self._thread:
            self._on_loop(self.expire_tokens)
            return
        for tok in self.tokens.values():
            tok.expires = 0
            tok.fault_ttl = True

    # -- REST ----------------------------------------------------------------
    def _make_handler(self, product: str, name: str, private: bool,
                      limits: tuple[Limit, ...], route: str
                      ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        fn = getattr(self, "h_" + name)
        if product == "futures":
            limits = (*limits, FUT_IP)

        async def handler(request: web.Request) -> web.StreamResponse:
            self.requests_seen += 1
            if self.faults.roll("rest_5xx"):
                status = self.faults.rng.choice((500, 502, 503))
                return _error(product, SimError("COMMON_002", status=status))
            if self.faults.roll("rest_delay"):
                await asyncio.sleep(self.fault_spec.delay_seconds)
            ip = request.remote or "127.0.0.1"
            if self.limiter is not None and limits and not self.limiter.allow(
                    f"{request.method} {route}", limits, ip,
                    request.headers.get("validate-appkey"), time.monotonic()):
                return _error(product, SimError("TOO_MANY_REQUESTS", "too many requests",
                                                status=429))
            body = await request.read()
            raw_path, _, raw_query = request.raw_path.partition("?")
            try:
                acct = None
                if private:
                    res = auth.verify(request.headers, request.method, raw_path, raw_query,
                                      body, product=product, secrets=self._secrets(),
                                      now_ms=self.clock_ms())
                    acct = self.engine.accounts[res.api_key]
                params = dict(request.query)
                params.update(request.match_info)
                if body:
                    params.update(_parse_body(body, request.content_type))
                result = fn(params, acct, ip)
            except SimError as exc:
                if product == "futures" and exc.code in FUTURES_AUTH_STATUS:
                    exc.status = FUTURES_AUTH_STATUS[exc.code]
                await self._dispatch()
                return _error(product, exc)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                # A parameter of the wrong shape (e.g. fromId="abc"): a business
                # error naming the problem, not a 500.
                log.debug("bad parameters for %s: %r", route, exc)
                await self._dispatch()
                code = "FAILURE" if product == "spot" else "invalid_params"
                return _error(product, SimError(code, f"invalid parameter: {exc}"))
            await self._dispatch()
            return _ok(product, result)

        return handler

    def _secrets(self) -> dict[str, str]:
        return {k: a.secret for k, a in self.engine.accounts.items()}

    def _spot(self, params: dict[str, Any], required: bool = True) -> Market:
        sym = params.get("symbol")
        if not sym:
            if required:
                raise SimError("SYMBOL_001", "symbol is required")
            return None  # type: ignore[return-value]
        m = self.markets["spot"].get(str(sym).lower())
        if m is None:
            raise SimError("SYMBOL_001")
        return m

    def _spot_list(self, params: dict[str, Any]) -> list[Market]:
        names = params.get("symbols")
        if isinstance(names, str) and names:
            names = names.split(",")
        if names:
            out = []
            for n in names:
                m = self.markets["spot"].get(str(n).strip().lower())
                if m is None:
                    raise SimError("SYMBOL_001")
                out.append(m)
            return out
        if params.get("symbol"):
            return [self._spot(params)]
        return list(self.markets["spot"].values())

    # public spot
    def h_time(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return {"serverTime": self.clock_ms()}

    def h_client(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return {"ip": ip}

    def h_symbol(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        markets = self._spot_list(p)
        symbols = [spot_symbol_info(m) for m in markets]
        version = hashlib.md5(orjson.dumps(symbols)).hexdigest()
        return {"time": self.clock_ms(), "version": version,
                "symbols": None if p.get("version") == version else symbols}

    def h_depth(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        m = self._spot(p)
        limit = _int(p, "limit", 100, 1, 500)
        book = m.book
        return {
            "timestamp": self.clock_ms(), "lastUpdateId": book.update_id,
            "bids": [[m.price_str(px), m.qty_str(q)] for px, q in book.levels(BUY, limit)],
            "asks": [[m.price_str(px), m.qty_str(q)] for px, q in book.levels(SELL, limit)],
        }

    def h_kline(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        m = self._spot(p)
        interval = p.get("interval")
        if interval not in INTERVAL_MS:
            raise SimError("FAILURE", "interval")
        limit = _int(p, "limit", 100, 1, 1000)
        return [{"t": k["t"], "o": k["o"], "c": k["c"], "h": k["h"], "l": k["l"],
                 "q": k["q"], "v": k["v"]}
                for k in klines(m, interval, p.get("startTime"), p.get("endTime"), limit)]

    def _trade_view(self, m: Market, t: Any) -> dict[str, Any]:
        return {"i": t.id, "t": t.time, "p": m.price_str(t.price), "q": m.qty_str(t.qty),
                "v": m.quote_str(t.price * t.qty), "b": t.buyer_maker}

    def h_trade_recent(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        m = self._spot(p)
        limit = _int(p, "limit", 200, 1, 1000)
        trades = list(m.trades)[-limit:]
        return [self._trade_view(m, t) for t in reversed(trades)]

    def h_trade_history(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        m = self._spot(p)
        limit = _int(p, "limit", 200, 1, 1000)
        direction = str(p.get("direction") or "").upper()
        if direction not in ("PREV", "NEXT"):
            raise SimError("FAILURE", "direction must be PREV or NEXT")
        # Pages are newest first, so NEXT walks back in time (ids below
        # fromId) and PREV forward, the same reading as the private history
        # endpoints (_page_by_id); see docs/simulator.md.
        trades = list(m.trades)
        from_id = p.get("fromId")
        if from_id is not None:
            fid = _int(p, "fromId", 0, 0, 2**63 - 1)
            trades = [t for t in trades if (t.id > fid if direction == "PREV" else t.id < fid)]
        trades = trades[:limit] if direction == "PREV" and from_id is not None else trades[-limit:]
        return [self._trade_view(m, t) for t in reversed(trades)]

    def h_ticker_full(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        out = []
        for m in self._spot_list(p):
            t = ticker_24h(m, self.clock_ms())
            t.update(book_ticker(m))
            out.append(t)
        return out

    def h_ticker_price(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return [{"s": m.spec.symbol, "t": m.last_trade_time or self.clock_ms(),
                 "p": m.price_str(m.last)} for m in self._spot_list(p)]

    def h_ticker_book(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return [{"s": m.spec.symbol, "t": self.clock_ms(), **book_ticker(m)}
                for m in self._spot_list(p)]

    def h_ticker_24h(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return [ticker_24h(m, self.clock_ms()) for m in self._spot_list(p)]

    def _currencies(self) -> list[str]:
        seen: dict[str, None] = {}
        for m in self.markets["spot"].values():
            seen[m.spec.base] = None
            seen[m.spec.quote] = None
        return list(seen)

    def h_currencies(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return [{"id": i + 1, "currency": c, "fullName": c, "logo": None, "cmcLink": None,
                 "weight": 100 - i, "maxPrecision": 8, "depositStatus": 1, "withdrawStatus": 1,
                 "convertEnabled": 1, "transferEnabled": 1}
                for i, c in enumerate(self._currencies())]

    def h_wallet_currencies(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return [{"currency": c.upper(), "supportChains": [{
            "chain": c.upper(), "depositEnabled": True, "withdrawEnabled": True,
            "withdrawFeeAmount": "0.2", "withdrawMinAmount": "10", "depositFeeRate": "0"}]}
            for c in self._currencies()]

    # private spot
    def _order(self, acct: Account, oid: Any, product: str = "spot") -> Order:
        try:
            order = acct.orders.get(int(oid))
        except (TypeError, ValueError):
            order = None
        if order is None or order.product != product:
            raise SimError("ORDER_005" if product == "spot" else "invalid_params",
                           None if product == "spot" else "order not found")
        return order

    def h_order_get(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        return spot_order_view(self._order(a, p.get("orderId")))

    def h_order_query(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        if p.get("orderId"):
            return spot_order_view(self._order(a, p["orderId"]))
        cid = p.get("clientOrderId")
        if cid:
            for o in reversed(list(a.orders.values())):
                if o.client_id == cid and o.product == "spot":
                    return spot_order_view(o)
            raise SimError("ORDER_005")
        raise SimError("FAILURE", "orderId or clientOrderId is required")

    def h_order_submit(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        m = self._spot(p)
        order = self.engine.place_spot(a, m, p, ip)
        return {"orderId": str(order.id), "ip": ip}

    def h_order_cancel(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        order = self._order(a, p.get("orderId"))
        if not self.engine.cancel(order):
            raise SimError("ORDER_005", "order already finished")
        return {"cancelId": str(order.id)}

    def h_order_update(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        order = self._order(a, p.get("orderId"))
        if order.state in TERMINAL or order.type != "LIMIT":
            raise SimError("ORDER_005", "only open LIMIT orders can be updated")
        # Modelled as cancel-and-replace under the same order id: the order
        # loses its queue position and may take liquidity at the new price.
        spec = order.market.spec
        from .matching import _units
        price = _units(p.get("price"), spec.price_precision, "price")
        qty = _units(p.get("quantity"), spec.quantity_precision, "quantity")
        if qty <= order.executed:
            raise SimError("ORDER_001", "quantity must exceed the executed quantity")
        self.engine._check_filters(order.market, order.side, "LIMIT", price, qty, None)
        book = order.market.book
        acct = order.account
        remaining = qty - order.executed
        if order.side == BUY:
            need = Decimal(price * remaining).scaleb(-(spec.price_precision
                                                       + spec.quantity_precision))
            ccy = spec.quote
        else:
            need = Decimal(remaining).scaleb(-spec.quantity_precision)
            ccy = spec.base
        bal = acct.bal(ccy)
        if bal[0] + order.frozen < need:
            raise SimError("ORDER_002")
        if order.price is not None:
            book.remove_order(order.side, order.price, order)
        bal[0] += order.frozen - need
        bal[1] += need - order.frozen
        order.frozen = need
        order.price, order.orig_qty, order.remaining = price, qty, remaining
        order.updated = self.clock_ms()
        self.engine._emit_order(order)
        self.engine._emit_balance(acct, ccy, order.market)
        self.engine._execute(order)
        return {"orderId": str(order.id), "modifyId": str(next(self.engine.ids))}

    def h_batch_get(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        ids = p.get("orderIds") or ""
        ids = ids.split(",") if isinstance(ids, str) else ids
        out = []
        for oid in ids:
            with contextlib.suppress(SimError):
                out.append(spot_order_view(self._order(a, str(oid).strip())))
        return out

    def h_batch_submit(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        items = p.get("items")
        if not isinstance(items, list) or not items:
            raise SimError("FAILURE", "items is required")
        out = []
        for i, item in enumerate(items):
            entry: dict[str, Any] = {"index": str(i), "clientOrderId": item.get("clientOrderId")}
            try:
                m = self._spot(item)
                order = self.engine.place_spot(a, m, item, ip)
                entry.update(orderId=str(order.id), reject="false", reason=None)
            except SimError as exc:
                entry.update(orderId=None, reject="true", reason=exc.code)
            out.append(entry)
        return {"batchId": str(p.get("clientBatchId") or next(self.engine.ids)), "items": out}

    def h_batch_cancel(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        ids = p.get("orderIds") or []
        if isinstance(ids, str):
            ids = ids.split(",")
        for oid in ids:
            with contextlib.suppress(SimError):
                self.engine.cancel(self._order(a, str(oid).strip()))
        return {}

    def _filter_orders(self, a: Account, p: dict[str, Any], *, open_only: bool) -> list[Order]:
        out = []
        sym = p.get("symbol")
        side = p.get("side")
        for o in a.orders.values():
            if o.product != "spot" or (open_only and o.state in TERMINAL):
                continue
            if not open_only and o.state not in TERMINAL:
                continue
            if sym and o.symbol != str(sym).lower():
                continue
            if side and o.side != str(side).upper():
                continue
            out.append(o)
        return out

    def h_open_orders(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        if p.get("symbol"):
            self._spot(p)
        return [spot_order_view(o) for o in self._filter_orders(a, p, open_only=True)]

    def h_open_orders_cancel(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        if p.get("symbol"):
            self._spot(p)
        for o in self._filter_orders(a, p, open_only=True):
            self.engine.cancel(o)
        return {}

    def h_history_orders(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        orders = self._filter_orders(a, p, open_only=False)
        if p.get("state"):
            orders = [o for o in orders if o.state == str(p["state"]).upper()]
        if p.get("type"):
            orders = [o for o in orders if o.type == str(p["type"]).upper()]
        if str(p.get("hiddenCanceled", "")).lower() == "true":
            orders = [o for o in orders if o.state != "CANCELED"]
        orders = _page_by_id(orders, p, lambda o: o.id)
        limit = _int(p, "limit", 20, 1, 100)
        return {"hasPrev": False, "hasNext": len(orders) > limit,
                "items": [spot_order_view(o) for o in reversed(orders[-limit:])]}

    def h_trades(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        rows = [t for t in self.engine.user_trades
                if t["account"] == a.account_id and t.get("product") != "futures"]
        if p.get("symbol"):
            rows = [t for t in rows if t["symbol"] == str(p["symbol"]).lower()]
        if p.get("orderId"):
            rows = [t for t in rows if str(t["orderId"]) == str(p["orderId"])]
        if p.get("orderSide"):
            rows = [t for t in rows if t["orderSide"] == str(p["orderSide"]).upper()]
        rows = _page_by_id(rows, p, lambda t: t["tradeId"])
        limit = _int(p, "limit", 20, 1, 100)
        items = []
        for t in reversed(rows[-limit:]):
            item = {k: v for k, v in t.items() if k != "account"}
            item.update(tradeId=str(t["tradeId"]), orderId=str(t["orderId"]), bizType="SPOT",
                        deductType=None, deductFee=None, couponAmount=None,
                        couponCurrency=None)
            items.append(item)
        return {"hasPrev": False, "hasNext": len(rows) > limit, "items": items}

    def _asset(self, a: Account, ccy: str, idx: int) -> dict[str, Any]:
        avail, frozen = a.bal(ccy)
        return {"currency": ccy, "currencyId": idx, "frozenAmount": dec_str(frozen),
                "availableAmount": dec_str(avail), "totalAmount": dec_str(avail + frozen),
                "convertBtcAmount": "0"}

    def h_balance(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        ccy = str(p.get("currency") or "").lower()
        if not ccy:
            raise SimError("CURRENCY_001", "currency is required")
        known = self._currencies()
        return self._asset(a, ccy, known.index(ccy) + 1 if ccy in known else 0)

    def h_balances(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        known = self._currencies()
        wanted = p.get("currencies")
        names = [c.strip().lower() for c in wanted.split(",")] if wanted else \
            sorted(set(known) | set(a.balances))
        assets = [self._asset(a, c, known.index(c) + 1 if c in known else 0) for c in names]
        return {"totalBtcAmount": "0", "assets": assets}

    def h_ws_token(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        tok = self._issue_token(a, "spot", 2 * 86400.0)
        return {"accessToken": tok.value, "refreshToken": _secrets.token_hex(24)}

    def _issue_token(self, a: Account, product: str, lifetime: float) -> Token:
        ttl = self.fault_spec.token_ttl
        fault = 0 < ttl < lifetime
        expires = time.monotonic() + (ttl if fault else lifetime)
        for tok in self.tokens.values():
            # Asking again resets the validity of the same token (spec ws-token).
            if tok.account is a and tok.product == product and tok.expires > time.monotonic():
                tok.expires = expires
                tok.fault_ttl = fault
                return tok
        tok = Token(_secrets.token_hex(32), a, product, expires, fault)
        self.tokens[tok.value] = tok
        return tok

    # public futures
    def _fut(self, p: dict[str, Any]) -> Market:
        sym = p.get("symbol")
        m = self.markets["futures"].get(str(sym or "").lower())
        if m is None:
            raise SimError("invalid_symbol", "symbol does not exist")
        return m

    def h_f_client(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return {"ip": ip}

    def h_f_coins(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return sorted({m.spec.base for m in self.markets["futures"].values()})

    def h_f_symbol_detail(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return futures_symbol_info(self._fut(p))

    def h_f_symbol_list(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return [futures_symbol_info(m) for m in self.markets["futures"].values()]

    def _f_ticker(self, m: Market) -> dict[str, Any]:
        return {"s": m.spec.symbol, "t": self.clock_ms(), "o": m.price_str(m.open_price),
                "c": m.price_str(m.last), "h": m.price_str(m.high), "l": m.price_str(m.low),
                "a": str(m.volume), "v": m.quote_str(m.quote_volume),
                "r": _rate(m.last - m.open_price, m.open_price)}

    def h_f_ticker(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return self._f_ticker(self._fut(p))

    def h_f_tickers(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return [self._f_ticker(m) for m in self.markets["futures"].values()]

    def h_f_deal(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        m = self._fut(p)
        num = _int(p, "num", 50, 1, 1000)
        return [{"s": m.spec.symbol, "p": m.price_str(t.price), "a": str(t.qty),
                 "m": "ASK" if t.buyer_maker else "BID", "t": t.time}
                for t in reversed(list(m.trades)[-num:])]

    def h_f_depth(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        m = self._fut(p)
        # The spec bounds level to 1..50 but its own Orderbook procedure asks
        # for 500; accept up to 500.
        level = _int(p, "level", 50, 1, 500)
        book = m.book
        return {"s": m.spec.symbol, "t": self.clock_ms(), "u": book.update_id,
                "a": [[m.price_str(px), m.qty_str(q)] for px, q in book.levels(SELL, level)],
                "b": [[m.price_str(px), m.qty_str(q)] for px, q in book.levels(BUY, level)]}

    def _price_obj(self, m: Market, ticks: int) -> dict[str, Any]:
        return {"s": m.spec.symbol, "p": m.price_str(ticks), "t": self.clock_ms()}

    def h_f_index_price(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        m = self._fut(p)
        return self._price_obj(m, m.mid)

    def h_f_index_prices(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return [self._price_obj(m, m.mid) for m in self.markets["futures"].values()]

    def h_f_mark_price(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        m = self._fut(p)
        return self._price_obj(m, m.mark_price())

    def h_f_mark_prices(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return [self._price_obj(m, m.mark_price()) for m in self.markets["futures"].values()]

    def h_f_kline(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        m = self._fut(p)
        interval = p.get("interval")
        if interval not in INTERVAL_MS:
            raise SimError("invalid_params", "interval")
        limit = _int(p, "limit", 100, 1, 1500)
        return [{"s": m.spec.symbol, "t": k["t"], "o": k["o"], "c": k["c"], "h": k["h"],
                 "l": k["l"], "a": k["n"], "v": k["v"]}
                for k in klines(m, interval, p.get("startTime"), p.get("endTime"), limit)]

    def _agg(self, m: Market) -> dict[str, Any]:
        t = self._f_ticker(m)
        bk = book_ticker(m)
        t.update(i=m.price_str(m.mid), m=m.price_str(m.mark_price()), ap=bk["ap"], bp=bk["bp"])
        return t

    def h_f_agg_ticker(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return self._agg(self._fut(p))

    def h_f_agg_tickers(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return [self._agg(m) for m in self.markets["futures"].values()]

    def h_f_funding_rate(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        m = self._fut(p)
        return {"hasNext": False, "hasPrev": False, "items": [{
            "collectionInternal": 8, "createdTime": self.clock_ms(),
            "fundingRate": dec_str(m.funding_rate), "id": 1, "symbol": m.spec.symbol}]}

    def h_f_ticker_book(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        m = self._fut(p)
        return {"s": m.spec.symbol, "t": self.clock_ms(), **book_ticker(m)}

    def h_f_ticker_books(self, p: dict[str, Any], a: Any, ip: str) -> Any:
        return [{"s": m.spec.symbol, "t": self.clock_ms(), **book_ticker(m)}
                for m in self.markets["futures"].values()]

    # private futures
    def h_f_order_create(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        m = self._fut(p)
        order = self.engine.place_futures(a, m, p, ip)
        # The spec shows an empty object; a real client needs the id, so the
        # result is the order id as a string (as on the live exchange).
        return str(order.id)

    def h_f_order_cancel(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        order = self._order(a, p.get("orderId"), "futures")
        if not self.engine.cancel(order):
            raise SimError("invalid_params", "order already finished")
        return str(order.id)

    def h_f_order_cancel_all(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        sym = str(p.get("symbol") or "").lower()
        if sym and sym not in self.markets["futures"]:
            raise SimError("invalid_symbol", "symbol does not exist")
        for o in list(a.orders.values()):
            if o.product == "futures" and o.state not in TERMINAL and (not sym or o.symbol == sym):
                self.engine.cancel(o)
        return True

    def h_f_order_detail(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        return futures_order_view(self._order(a, p.get("orderId"), "futures"))

    def _f_orders(self, a: Account, p: dict[str, Any],
                  pred: Callable[[Order], bool]) -> list[Order]:
        sym = str(p.get("symbol") or "").lower()
        return [o for o in a.orders.values() if o.product == "futures" and pred(o)
                and (not sym or o.symbol == sym)]

    def h_f_order_list(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        state = str(p.get("state") or "NEW").upper()
        if state == "NEW":
            pred = lambda o: o.state in ("NEW", "PARTIALLY_FILLED")  # noqa: E731
        elif state == "UNFINISHED":
            pred = lambda o: o.state not in TERMINAL  # noqa: E731
        elif state == "HISTORY":
            pred = lambda o: o.state in TERMINAL  # noqa: E731
        else:
            pred = lambda o: o.state == state  # noqa: E731
        orders = self._f_orders(a, p, pred)
        if p.get("clientOrderId"):
            orders = [o for o in orders if o.client_id == p["clientOrderId"]]
        page = _int(p, "page", 1, 1, 10**6)
        size = _int(p, "size", 10, 1, 1000)
        chunk = list(reversed(orders))[(page - 1) * size: page * size]
        return {"items": [futures_order_view(o) for o in chunk], "page": page, "ps": size,
                "total": len(orders)}

    def h_f_open_orders(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        return [futures_order_view(o) for o in self._f_orders(a, p, lambda o: o.state not in
                                                               TERMINAL)]

    def h_f_order_history(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        orders = self._f_orders(a, p, lambda o: o.state in TERMINAL)
        limit = _int(p, "limit", 10, 1, 100)
        # Newest first; `id` is the cursor: NEXT pages back in time from it,
        # PREV forward (the spot history endpoints read direction the same way).
        older = str(p.get("direction") or "NEXT").upper() != "PREV"
        if p.get("id") not in (None, ""):
            fid = _int(p, "id", 0, 0, 2**63 - 1)
            orders = [o for o in orders if (o.id < fid if older else o.id > fid)]
        chunk = orders[-limit:] if older else orders[:limit]
        more = len(orders) > limit
        return {"hasPrev": more and not older, "hasNext": more and older,
                "items": [futures_order_view(o) for o in reversed(chunk)]}

    def h_f_trade_list(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        rows = [t for t in self.engine.user_trades
                if t["account"] == a.account_id and t.get("product") == "futures"]
        if p.get("orderId"):
            rows = [t for t in rows if str(t["orderId"]) == str(p["orderId"])]
        return {"page": 1, "ps": len(rows), "total": len(rows), "items": [
            {"orderId": str(t["orderId"]), "execId": str(t["tradeId"]), "symbol": t["symbol"],
             "quantity": t["quantity"], "price": t["price"], "fee": t["fee"],
             "feeCoin": "usdt", "timestamp": t["time"], "takerMaker": t["takerMaker"].upper()}
            for t in reversed(rows)]}

    def h_f_listen_key(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        return self._issue_token(a, "futures", 8 * 3600.0).value

    def _f_balance(self, a: Account, coin: str) -> dict[str, Any]:
        iso = self.engine.position_margin(a, coin)
        view = futures_balance_view(a, coin, iso)
        wallet = a.futures_wallet.get(coin, Decimal(0))
        avail = wallet - a.futures_order_frozen.get(coin, Decimal(0)) - iso
        view.update({"accountId": a.account_id, "userId": a.account_id,
                     "availableBalance": dec_str(avail), "amount": dec_str(wallet),
                     "totalAmount": dec_str(wallet), "convertBtcAmount": "0",
                     "convertUsdtAmount": "0", "profit": "0", "notProfit": "0", "bonus": "0",
                     "coupon": "0"})
        return view

    def h_f_balance_list(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        return [self._f_balance(a, coin) for coin in sorted(a.futures_wallet)]

    def h_f_balance_detail(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        coin = str(p.get("coin") or "usdt").lower()
        if coin not in a.futures_wallet:
            raise SimError("invalid_params", f"no {coin} futures wallet")
        return self._f_balance(a, coin)

    def h_f_positions(self, p: dict[str, Any], a: Account, ip: str) -> Any:
        sym = str(p.get("symbol") or "").lower()
        out = []
        for (s, side), pos in a.positions.items():
            if sym and s != sym:
                continue
            if pos.size or pos.close_frozen:
                out.append(position_view(self.markets["futures"][s], side, pos))
        return out

    # -- loops ---------------------------------------------------------------
    def _step_markets(self) -> None:
        now = self.clock_ms()
        for product in ("spot", "futures"):
            for m in self.markets[product].values():
                m.step(now)
                self.engine.market_step_fills(m)

    async def _step_loop(self) -> None:
        while True:
            await asyncio.sleep(self.step_interval)
            if not self.paused:
                self._step_markets()
            await self._dispatch()

    async def _dispatch(self) -> None:
        """Send new public trades and private events to their subscribers.

        Serialised by a lock: handlers and the market loop call it concurrently,
        and a later batch must never overtake an earlier one on the wire.
        """
        async with self._dispatch_lock:
            await self._dispatch_locked()

    async def _dispatch_locked(self) -> None:
        for product in ("spot", "futures"):
            for m in self.markets[product].values():
                if not m.new_trades:
                    continue
                trades, m.new_trades = m.new_trades, []
                topic = f"trade@{m.spec.symbol}"
                targets = [c for c in self.conns if c.product == product and not c.private
                           and topic in c.subs]
                if not targets:
                    continue
                for t in trades:
                    if product == "spot":
                        data = {"s": m.spec.symbol, "i": t.id, "t": t.time, "oi": t.order_id,
                                "p": m.price_str(t.price), "q": m.qty_str(t.qty),
                                "v": m.quote_str(t.price * t.qty), "b": t.buyer_maker}
                    else:
                        data = {"s": m.spec.symbol, "p": m.price_str(t.price), "a": str(t.qty),
                                "m": "ASK" if t.buyer_maker else "BID", "t": t.time}
                    msg = _frame("trade", topic, data)
                    for c in targets:
                        await self._send(c, msg)
        events, self.engine.events = self.engine.events, []
        for account_id, product, topic, data in events:
            for c in list(self.conns):
                if c.private and c.product == product and c.account is not None \
                        and c.account.account_id == account_id and topic in c.subs:
                    event = topic if product == "spot" else f"{topic}@{account_id}"
                    await self._send(c, _frame(topic, event, data))

    async def _depth_loop(self) -> None:
        while True:
            await asyncio.sleep(self.depth_interval)
            for product in ("spot", "futures"):
                for m in self.markets[product].values():
                    frame = m.book.flush()
                    if frame is None:
                        continue
                    first, last, asks, bids = frame
                    sym = m.spec.symbol
                    data: dict[str, Any] = {"s": sym}
                    if product == "spot":
                        data.update(fi=first, i=last)
                    else:
                        data.update(pu=first - 1, fu=first, u=last)
                    data["a"] = [[m.price_str(p), m.qty_str(q)] for p, q in asks]
                    data["b"] = [[m.price_str(p), m.qty_str(q)] for p, q in bids]
                    if product == "futures":
                        data["t"] = self.clock_ms()
                    msg = _frame("depth_update", f"depth_update@{sym}", data)
                    for c in list(self.conns):
                        if c.product == product and not c.private \
                                and f"depth_update@{sym}" in c.subs:
                            await self._send_depth(c, sym, msg)
            self.depth_cycles += 1

    async def _send_depth(self, c: Conn, sym: str, msg: str) -> None:
        if self.faults.roll("drop"):
            return
        if sym not in c.held and self.faults.roll("reorder"):
            c.held[sym] = msg
            return
        await self._send(c, msg)
        if self.faults.roll("duplicate"):
            await self._send(c, msg)
        held = c.held.pop(sym, None)
        if held is not None:
            await self._send(c, held)

    async def _slow_loop(self) -> None:
        while True:
            await asyncio.sleep(self.stream_interval)
            now = self.clock_ms()
            for c in list(self.conns):
                if c.private:
                    continue
                for sub in list(c.subs):
                    msg = self._periodic(c.product, sub, now)
                    if msg is not None:
                        await self._send(c, msg)

    def _periodic(self, product: str, sub: str, now: int) -> str | None:
        topic, _, args = sub.partition("@")
        parts = args.split(",") if args else []
        if topic == "tickers" and product == "spot":
            return _frame("tickers", "tickers",
                          [ticker_24h(m, now) for m in self.markets["spot"].values()])
        if not parts:
            return None
        m = self.markets[product].get(parts[0])
        if m is None:
            return None
        sym = m.spec.symbol
        if topic == "depth":
            n = int(parts[1])
            bids = [[m.price_str(p), m.qty_str(q)] for p, q in m.book.levels(BUY, n)]
            asks = [[m.price_str(p), m.qty_str(q)] for p, q in m.book.levels(SELL, n)]
            if product == "spot":
                data = {"s": sym, "i": m.book.update_id, "a": asks, "b": bids}
            else:
                data = {"id": str(m.book.update_id), "s": sym, "a": asks, "b": bids, "t": now}
            return _frame("depth", f"depth@{sym},{n}", data)
        if topic == "kline":
            interval = parts[1]
            ks = klines(m, interval, None, None, 1, now=now)
            k = ks[-1]
            if product == "spot":
                data = {"s": sym, "t": k["t"], "i": interval, "o": k["o"], "c": k["c"],
                        "h": k["h"], "l": k["l"], "q": k["q"], "v": k["v"]}
            else:
                o = to_units(k["o"], m.spec.price_precision)
                c_ = to_units(k["c"], m.spec.price_precision)
                data = {"s": sym, "o": k["o"], "c": k["c"], "h": k["h"], "l": k["l"],
                        "a": k["n"], "v": k["v"], "ch": _rate(c_ - o, o), "t": k["t"]}
            return _frame("kline", f"kline@{sym},{interval}", data)
        if topic == "ticker" and product == "spot":
            return _frame("ticker", f"ticker@{sym}", ticker_24h(m, now))
        if topic == "agg_ticker":
            t = self._agg(m)
            t["ch"] = t.pop("r")
            return _frame("agg_ticker", f"agg_ticker@{sym}", t)
        if topic == "index_price":
            return _frame("index_price", f"index_price@{sym}",
                          {"s": sym, "p": m.price_str(m.mid), "t": now})
        if topic == "mark_price":
            return _frame("mark_price", f"mark_price@{sym}",
                          {"s": sym, "p": m.price_str(m.mark_price()), "t": now})
        return None

    async def _funding_loop(self) -> None:
        while True:
            await asyncio.sleep(self.funding_interval)
            now = self.clock_ms()
            for c in list(self.conns):
                if c.product != "futures" or c.private:
                    continue
                for sub in list(c.subs):
                    topic, _, sym = sub.partition("@")
                    m = self.markets["futures"].get(sym)
                    if topic == "fund_rate" and m is not None:
                        await self._send(c, _frame("fund_rate", sub, {
                            "s": sym, "r": dec_str(m.funding_rate), "t": now}))

    async def _token_loop(self) -> None:
        while True:
            await asyncio.sleep(0.05)
            now = time.monotonic()
            for tok in list(self.tokens.values()):
                if tok.expires > now:
                    continue
                if tok.fault_ttl and not tok.expired_reported:
                    tok.expired_reported = True
                    self.faults.count("token_expired")
                for c in list(self.conns):
                    if c.token == tok.value and not c.closed:
                        await self._token_expired(c)
                del self.tokens[tok.value]

    async def _token_expired(self, c: Conn) -> None:
        if c.product == "spot":
            await self._send(c, orjson.dumps({"code": 401, "msg": "token expire"}).decode())
        else:
            for topic in sorted(c.subs) or ["order"]:
                await self._send(c, orjson.dumps(
                    {"code": 1, "msg": f"{topic}@invalid_listenkey"}).decode())
        c.closed = True
        with contextlib.suppress(Exception):
            await c.ws.close(code=4001, message=b"listen key expired")

    async def _disconnect_loop(self) -> None:
        while True:
            await asyncio.sleep(self.fault_spec.disconnect_every or 1.0)
            if not self.fault_spec.disconnect_every:
                continue
            live = sorted((c for c in self.conns if not c.closed), key=id)
            if live:
                self._abort(self.faults.rng.choice(live))

    def _abort(self, c: Conn) -> None:
        """Drop the TCP connection without a close frame."""
        self.faults.count("disconnect")
        c.closed = True
        transport = c.request.transport
        if transport is not None:
            transport.abort()

    async def _send(self, c: Conn, msg: str) -> None:
        if c.closed or c.ws.closed:
            return
        try:
            # A client that stops reading must not stall every other subscriber.
            await asyncio.wait_for(c.ws.send_str(msg), 2.0)
        except (TimeoutError, ConnectionError, RuntimeError):
            c.closed = True
            if c.request.transport is not None:
                c.request.transport.abort()

    # -- WebSocket -----------------------------------------------------------
    def _ws_handler(self, product: str, private: bool
                    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handler(request: web.Request) -> web.StreamResponse:
            ws = web.WebSocketResponse(autoping=True, compress=True)
            await ws.prepare(request)
            conn = Conn(ws, request, product, private)
            self.conns.add(conn)
            window = self.heartbeat[product]
            deadline = time.monotonic() + window
            try:
                while not conn.closed:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        # No ping within the documented window: close (spec Heartbeat).
                        await ws.close(code=1000, message=b"heartbeat timeout")
                        break
                    try:
                        msg = await ws.receive(timeout=remaining)
                    except TimeoutError:
                        continue
                    if msg.type == WSMsgType.TEXT:
                        if msg.data == "ping":
                            deadline = time.monotonic() + window
                            await self._send(conn, "pong")
                            continue
                        await self._on_ws_message(conn, msg.data)
                    elif msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED,
                                      WSMsgType.ERROR):
                        break
            finally:
                conn.closed = True
                self.conns.discard(conn)
            return ws

        return handler

    async def _on_ws_message(self, c: Conn, text: str) -> None:
        try:
            req = orjson.loads(text)
            method = str(req.get("method", "")).lower()
            params = req.get("params") or []
            if method not in ("subscribe", "unsubscribe") or not isinstance(params, list):
                raise ValueError
        except (orjson.JSONDecodeError, ValueError, AttributeError):
            code = 400 if c.product == "futures" else 1
            await self._send(c, orjson.dumps({"id": None, "code": code,
                                              "msg": "invalid request"}).decode())
            return
        rid = req.get("id")
        if c.private:
            key = req.get("listenKey")
            if key is None and c.product == "futures" and params:
                # The futures user section shows no request shape; clients
                # (and the error text "{topic}@invalid_listenkey") put the key
                # in each topic, "order@<listenKey>". Accept that form too.
                in_topics = {str(x).partition("@")[2] for x in params}
                if len(in_topics) == 1:
                    key = in_topics.pop()
                    params = [str(x).partition("@")[0] for x in params]
            tok = self.tokens.get(str(key or ""))
            if tok is None or tok.expires <= time.monotonic() or tok.product != c.product:
                if c.product == "spot":
                    reply = {"id": rid, "code": 2, "msg": "listenKey invalid"}
                else:
                    topic = params[0] if params else "order"
                    reply = {"id": rid, "code": 1, "msg": f"{topic}@invalid_listenkey"}
                await self._send(c, orjson.dumps(reply).decode())
                return
            c.account = tok.account
            c.token = tok.value
        keys = []
        for raw in params:
            key = self._normalise_topic(c, str(raw))
            if key is None:
                code = 400 if c.product == "futures" else 1
                await self._send(c, orjson.dumps({"id": rid, "code": code,
                                                  "msg": f"invalid topic {raw}"}).decode())
                return
            keys.append(key)
        if method == "subscribe":
            c.subs.update(keys)
        else:
            c.subs.difference_update(keys)
        await self._send(c, orjson.dumps({"id": rid, "code": 0, "msg": "success"}).decode())

    def _normalise_topic(self, c: Conn, raw: str) -> str | None:
        topic, _, args = raw.partition("@")
        parts = [x.strip() for x in args.split(",")] if args else []
        if c.private:
            allowed = ("balance", "order", "trade") if c.product == "spot" else \
                ("balance", "order", "trade", "position", "notify")
            return topic if topic in allowed and not parts else None
        if topic == "tickers" and c.product == "spot" and not parts:
            return "tickers"
        if not parts or parts[0].lower() not in self.markets[c.product]:
            return None
        sym = parts[0].lower()
        if topic == "depth_update":
            # futures may name an interval (100ms..1000ms); frames follow the
            # simulator's depth_interval whichever is asked.
            return f"depth_update@{sym}"
        if topic == "depth":
            if len(parts) < 2 or parts[1] not in ("5", "10", "20", "50"):
                return None
            return f"depth@{sym},{parts[1]}"
        if topic == "kline":
            if len(parts) != 2 or parts[1] not in INTERVAL_MS:
                return None
            return f"kline@{sym},{parts[1]}"
        spot_topics = ("trade", "ticker")
        fut_topics = ("trade", "agg_ticker", "index_price", "mark_price", "fund_rate")
        if topic in (spot_topics if c.product == "spot" else fut_topics) and len(parts) == 1:
            return f"{topic}@{sym}"
        return None


# ---------------------------------------------------------------- views
def spot_symbol_info(m: Market) -> dict[str, Any]:
    s = m.spec
    tick = fmt(1, s.price_precision)
    lot = fmt(1, s.quantity_precision)
    return {
        "symbol": s.symbol, "state": "ONLINE", "tradingEnabled": True, "openapiEnabled": True,
        "nextStateTime": None, "nextState": None, "depthMergePrecision": s.price_precision,
        "baseCurrency": s.base, "baseCurrencyPrecision": s.quantity_precision,
        "quoteCurrency": s.quote, "quoteCurrencyPrecision": s.price_precision + 2,
        "pricePrecision": s.price_precision, "quantityPrecision": s.quantity_precision,
        "takerFeeRate": s.taker_fee_rate, "makerFeeRate": s.maker_fee_rate,
        "orderTypes": ["LIMIT", "MARKET"], "timeInForces": ["GTC", "FOK", "IOC", "GTX"],
        "displayWeight": 1, "displayLevel": "FULL",
        "filters": [
            {"filter": "PROTECTION_LIMIT", "buyMaxDeviation": "0.8",
             "buyPriceLimitCoefficient": "4", "sellMaxDeviation": "4",
             "sellPriceLimitCoefficient": "0.8"},
            {"filter": "PROTECTION_MARKET", "maxDeviation": "0.1"},
            {"filter": "PROTECTION_ONLINE", "durationSeconds": "300", "maxPriceMultiple": "5"},
            {"filter": "PRICE", "min": tick, "max": None, "tickSize": tick},
            {"filter": "QUANTITY", "min": s.min_quantity or lot, "max": s.max_quantity,
             "tickSize": lot},
            {"filter": "QUOTE_QTY", "min": s.min_notional},
        ],
    }


def futures_symbol_info(m: Market) -> dict[str, Any]:
    s = m.spec
    tick = fmt(1, s.price_precision)
    return {
        "symbol": s.symbol, "pair": s.symbol, "contractType": "PERPETUAL",
        "productType": "perpetual",
        "underlyingType": "COIN_BASED" if s.inverse else "U_BASED",
        "contractSize": s.contract_size, "tradeSwitch": True, "isDisplay": True,
        "isOpenApi": True, "state": 0, "initLeverage": 10, "initPositionType": "ISOLATED",
        "baseCoin": s.base, "quoteCoin": s.quote, "baseCoinPrecision": 8,
        "baseCoinDisplayPrecision": 4, "quoteCoinPrecision": 8,
        "quoteCoinDisplayPrecision": 4, "quantityPrecision": s.quantity_precision,
        "pricePrecision": s.price_precision, "supportOrderType": "LIMIT,MARKET",
        "supportTimeInForce": "GTC,FOK,IOC,GTX", "supportEntrustType": "",
        "supportPositionType": "ISOLATED", "minQty": "1", "minNotional": "0",
        "maxNotional": "100000000", "multiplierDown": "0.1", "multiplierUp": "0.1",
        "maxOpenOrders": 200, "maxEntrusts": 120, "makerFee": s.maker_fee_rate,
        "takerFee": s.taker_fee_rate, "liquidationFee": "0.01", "marketTakeBound": "0.1",
        "depthPrecisionMerge": s.price_precision, "labels": [], "onboardDate": 0,
        "enName": s.symbol.upper(), "cnName": s.symbol.upper(), "minStepPrice": tick,
        "minPrice": None, "maxPrice": None, "deliveryDate": None, "deliveryPrice": None,
        "deliveryCompletion": False, "symbolGroupId": 1, "plates": [],
    }


def book_ticker(m: Market) -> dict[str, Any]:
    bid, ask = m.book.best(BUY), m.book.best(SELL)
    return {
        "ap": m.price_str(ask) if ask is not None else None,
        "aq": m.qty_str(m.book.qty(SELL, ask)) if ask is not None else None,
        "bp": m.price_str(bid) if bid is not None else None,
        "bq": m.qty_str(m.book.qty(BUY, bid)) if bid is not None else None,
    }


def _rate(change: int, base: int) -> str:
    if not base:
        return "0.0000"
    return str((Decimal(change) / Decimal(base)).quantize(Decimal("0.0001")))


def ticker_24h(m: Market, now: int) -> dict[str, Any]:
    return {"s": m.spec.symbol, "t": m.last_trade_time or now,
            "cv": m.price_str(m.last - m.open_price), "cr": _rate(m.last - m.open_price,
                                                                  m.open_price),
            "o": m.price_str(m.open_price), "l": m.price_str(m.low), "h": m.price_str(m.high),
            "c": m.price_str(m.last), "q": m.qty_str(m.volume),
            "v": m.quote_str(m.quote_volume)}


def klines(m: Market, interval: str, start: Any, end: Any, limit: int,
           now: int | None = None) -> list[dict[str, Any]]:
    """Candles built from the simulator's own trade record."""
    span = INTERVAL_MS[interval]
    buckets: dict[int, list[Any]] = {}
    for t in m.trades:
        if start is not None and t.time < int(start):
            continue
        if end is not None and t.time > int(end):
            continue
        b = t.time - t.time % span
        k = buckets.get(b)
        if k is None:
            buckets[b] = [t.price, t.price, t.price, t.price, t.qty, t.qty * t.price]
        else:
            k[1] = t.price
            k[2] = max(k[2], t.price)
            k[3] = min(k[3], t.price)
            k[4] += t.qty
            k[5] += t.qty * t.price
    if now is not None:
        b = now - now % span
        buckets.setdefault(b, [m.last, m.last, m.last, m.last, 0, 0])
    out = []
    for b in sorted(buckets)[-limit:]:
        o, c, h, low, q, v = buckets[b]
        out.append({"t": b, "o": m.price_str(o), "c": m.price_str(c), "h": m.price_str(h),
                    "l": m.price_str(low), "q": m.qty_str(q), "n": str(q) if
                    m.spec.quantity_precision == 0 else m.qty_str(q), "v": m.quote_str(v)})
    return out


def _page_by_id(rows: list[Any], p: dict[str, Any], key: Callable[[Any], int]) -> list[Any]:
    from_id = p.get("fromId")
    if from_id is None:
        return rows
    fid = int(from_id)
    if str(p.get("direction") or "NEXT").upper() == "PREV":
        return [r for r in rows if key(r) > fid]
    return [r for r in rows if key(r) < fid]


def _int(p: dict[str, Any], name: str, default: int, lo: int, hi: int) -> int:
    raw = p.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise SimError("FAILURE", f"{name} must be an integer") from None
    return max(lo, min(hi, value))


def _parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    if content_type == "application/x-www-form-urlencoded":
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise SimError("FAILURE", "body is not valid JSON") from None
    if not isinstance(data, dict):
        raise SimError("FAILURE", "body must be a JSON object")
    return data


def _frame(topic: str, event: str, data: Any) -> str:
    return orjson.dumps({"topic": topic, "event": event, "data": data}).decode()


def _ok(product: str, result: Any) -> web.Response:
    if product == "spot":
        body = {"rc": 0, "mc": "SUCCESS", "ma": [], "result": result}
    else:
        body = {"returnCode": 0, "msgInfo": "success", "error": None, "result": result}
    return web.Response(body=orjson.dumps(body), content_type="application/json")


def _error(product: str, exc: SimError) -> web.Response:
    if product == "spot":
        ma = [] if exc.message == SPOT_MESSAGES.get(exc.code) else [exc.message]
        body = {"rc": 1, "mc": exc.code, "ma": ma, "result": None}
    else:
        body = {"returnCode": 1, "msgInfo": "failure",
                "error": {"code": exc.code, "msg": exc.message}, "result": None}
    return web.Response(status=exc.status, body=orjson.dumps(body),
                        content_type="application/json")


def _product(product: str) -> str:
    p = product.lower()
    if p in ("spot",):
        return "spot"
    if p in ("futures", "future", "usdt_m", "usdt-m", "perp"):
        return "futures"
    raise ValueError(f"unknown product {product!r}: use 'spot' or 'futures'")


__all__ = ["Simulator", "DEMO_API_KEY", "DEMO_SECRET", "ENDPOINT_METHODS", "to_units",
           "Position"]
