"""The simulator: options, lifecycle, the REST request pipeline and the market loop.

One process, one port, all products:

- spot REST ``/v4/...``, futures REST ``/future/...`` (USDT-M, or COIN-M with
  ``coin_m=True``; the same paths serve either, as on the two real hosts)
- spot WebSocket ``/public`` and ``/private``; futures ``/ws/market`` and ``/ws/user``

Requests are decoded with orjson and verified by :mod:`wexcore.sim.auth`
(stdlib ``hmac``); nothing from the client's code paths is used here. The
route handlers are in :mod:`.routes_spot` and :mod:`.routes_futures`, the
WebSocket side in :mod:`.streams`.

The market loop works only for what someone watches: a market is advanced
continuously while it has public subscribers, resting user orders, open
positions or live triggers; any other market catches up (at most
``MAX_CATCH_UP`` events) when a request or a periodic stream reads it. With
``rate`` set, every market event of a subscribed symbol is published as its
own depth-update frame, at up to ``rate`` frames per second per symbol and
``total_rate`` in all; asked for more than the machine can do, the loop runs
flat out (a bounded batch per market per pass) instead of falling behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import re
import secrets as _secrets
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import orjson
from aiohttp import web

from . import auth
from .accounts import Account, Position
from .codes import FUTURES_GATEWAY, SPOT_MESSAGES, SimError
from .faults import FaultInjector, FaultSpec
from .ledger import Ledger
from .limits import Limit, RateLimiter
from .market import Market, SymbolSpec, as_futures, generate_specs, spot_spec, to_units
from .matching import TERMINAL, Engine
from .numbers import BadNumber, parse_decimal
from .routes_futures import FUTURES_ROUTES, FuturesRoutes
from .routes_spot import SPOT_ROUTES, SpotRoutes
from .streams import StreamHub
from .wire import Conn

if TYPE_CHECKING:
    from .replay import MarketReplay, Replay

log = logging.getLogger("wexcore.sim")
_SYMBOL = re.compile(r"^[a-z0-9]{1,20}_[a-z0-9]{1,20}$")

DEMO_API_KEY = "3976eb88-76d0-4f6e-a6b2-a57980770085"
DEMO_SECRET = "bc6630d0231fda5cd98794f52c4998659beda290"

#: "Other endpoints: ... 1000 requests per minute per IP" - one budget for all futures.
FUT_IP = Limit(1000, 60.0, "ip", group="futures")
#: requests that fail authentication are limited per IP (never charged to the
#: key they name: that would let anyone lock a victim's key out)
UNAUTHENTICATED = (Limit(50, 1.0, "ip", group="unauthenticated"),)
MAX_CATCH_UP = 2000  # events a market that nobody watched may replay when read
BURST = 8  # events per market per pass at most (more is dropped, not owed)
#: a pass of the market loop stops stepping after this long, so the sockets
#: are written between passes instead of after one long burst
PASS_BUDGET = 0.008
#: how often the set of markets to advance is recomputed (subscriptions, user state)
HOT_REFRESH = 0.02
MAX_BODY = 1024 * 1024

#: (method, path) -> handler name, for the docs and for the REST client's cross-check.
ENDPOINT_METHODS = {k: v[0] for k, v in {**SPOT_ROUTES, **FUTURES_ROUTES}.items()}


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
        symbols: spot and futures symbols to simulate, or a number N for N
            generated plausible symbols (``btc_usdt``, ``eth_usdt``, ... then
            made-up names).
        seed: makes the market data deterministic.
        api_key, secret: the demo account (more with :meth:`add_account`).
        balances: the demo account's spot balances (currency -> decimal string).
        faults: fault spec, e.g. ``"drop=0.01,rest_5xx=0.02"`` (see faults.py).
        step_interval: seconds between market events (per watched symbol).
        depth_interval: seconds between depth-update frames (spec: 0.1); 0
            publishes every market event as its own frame.
        rate: depth-update frames per second per subscribed symbol, each one
            market event (sets ``step_interval`` to ``1/rate`` and
            ``depth_interval`` to 0); ``float("inf")`` for as fast as possible.
        total_rate: a cap on frames per second over all subscribed symbols.
        stream_interval: seconds between the 1000 ms streams (depth@N, kline, tickers).
        funding_interval: seconds between fund_rate pushes (spec: 60).
        funding_period: seconds between funding settlements (spec: 8 h).
        spot_heartbeat, futures_heartbeat: seconds without a client ``ping``
            before the server closes a connection (spec: 60 and 30).
        rate_limits: enforce the documented per-endpoint limits.
        coin_m: serve the futures routes as COIN-M (inverse contracts margined
            in the base coin) instead of USDT-M; run two instances for both.
        paused: start with the market paused (no synthetic events).
        clock: optional callable returning epoch milliseconds.
        clock_offset_ms: the server's clock runs this far ahead of ``clock``
            (negative: behind), to test clients under clock skew.
        withdraw_seconds: how long a withdrawal takes from REVIEW to SUCCESS.
        futures_depth_limit: the largest ``level`` the futures REST depth
            serves; the spec documents 1..50. A test that wants the whole
            futures book in a snapshot (as the spec's Orderbook procedure
            asks, with ``level=500``) can raise it.
        replay: a recording (path) or a :class:`~wexcore.sim.replay.Replay`:
            the public market comes from it instead of the synthetic
            generator, and orders trade against it (docs/replay.md);
            ``symbols`` is then the recording's.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0,
                 symbols: Sequence[str] | int = ("btc_usdt", "eth_usdt"),
                 seed: int = 0, api_key: str = DEMO_API_KEY, secret: str = DEMO_SECRET,
                 balances: dict[str, str] | None = None, faults: str | FaultSpec | None = None,
                 step_interval: float = 0.05, depth_interval: float = 0.1,
                 rate: float | None = None, total_rate: float | None = None,
                 stream_interval: float = 1.0, funding_interval: float = 60.0,
                 funding_period: float = 8 * 3600.0,
                 spot_heartbeat: float = 60.0, futures_heartbeat: float = 30.0,
                 rate_limits: bool = True, paused: bool = False, depth_levels: int = 200,
                 coin_m: bool = False, clock: Callable[[], int] | None = None,
                 clock_offset_ms: int = 0, withdraw_seconds: float = 1.5,
                 futures_depth_limit: int = 50,
                 replay: str | os.PathLike[str] | Replay | None = None) -> None:
        self.host = host
        self.port = port
        self.seed = seed
        #: the market replay driving the markets (None: the synthetic market)
        self.replay: MarketReplay | None = None
        if replay is not None:
            from .replay import MarketReplay, Replay

            settings = replay if isinstance(replay, Replay) else Replay(os.fspath(replay))
            self.replay = MarketReplay(self, settings, seed=seed, coin_m=coin_m)
            specs = [m.spec for ms in self.replay.markets.values() for m in ms.values()]
            paused = True  # nothing synthetic moves: the recording does
        elif isinstance(symbols, int):
            specs = generate_specs(symbols, "usd" if coin_m else "usdt")
        else:
            names = [s.strip().lower() for s in symbols if s.strip()]
            if not names:
                raise ValueError("symbols: need at least one")
            for name in names:
                if not _SYMBOL.match(name):
                    raise ValueError(f"symbol {name!r}: use base_quote in lower-case letters "
                                     "and digits, e.g. btc_usdt")
            specs = [spot_spec(s) for s in dict.fromkeys(names)]
        self.symbols = list(dict.fromkeys(s.symbol for s in specs))
        self._base_clock = clock or (lambda: time.time_ns() // 1_000_000)
        # signatures are checked against the machine's clock, which clients
        # sign with, even when the market runs on a replay's clock
        self._auth_clock = self._base_clock
        if self.replay is not None:
            self._base_clock = self.replay.clock_ms
        self.clock_offset_ms = int(clock_offset_ms)
        self.fault_spec = FaultSpec.parse(faults)
        self.faults = FaultInjector(self.fault_spec, seed)
        if rate is not None:
            if not rate > 0:
                raise ValueError("rate must be positive")
            step_interval = 1.0 / rate
            depth_interval = 0.0
        if total_rate is not None and not total_rate > 0:
            raise ValueError("total_rate must be positive")
        self.step_interval = step_interval
        self.depth_interval = depth_interval
        self.total_rate = total_rate
        self.stream_interval = stream_interval
        self.funding_interval = funding_interval
        self.funding_period = funding_period
        self.heartbeat = {"spot": spot_heartbeat, "futures": futures_heartbeat}
        self.limiter = RateLimiter() if rate_limits else None
        self.paused = paused
        self.coin_m = coin_m
        self.futures_depth_limit = futures_depth_limit
        self.markets: dict[str, dict[str, Market]] = {"spot": {}, "futures": {}}
        if self.replay is not None:
            self.markets = self.replay.markets  # type: ignore[assignment]
        else:
            for spec in specs:
                self._add_market(spec, seed, depth_levels)
        self.engine = Engine(self.clock_ms, futures_biz="FUTURES_C" if coin_m else "FUTURES_U")
        self.engine.markets = self.markets
        currencies: dict[str, None] = {}
        for m in (*self.markets["spot"].values(), *self.markets["futures"].values()):
            currencies[m.spec.base] = None
            currencies[m.spec.quote] = None
        self.ledger = Ledger(self.engine, list(currencies), withdraw_seconds)
        default_bal = {"usdt": "1000000"}
        for spec in specs:
            default_bal.setdefault(spec.base, "100")
        self.api_key = api_key
        self.secret = secret
        self.engine.add_account(api_key, secret,
                                balances if balances is not None else default_bal,
                                self._futures_balances())
        self.hub = StreamHub(self)
        self.tokens: dict[str, Token] = {}
        self.spot_routes = SpotRoutes(self)
        self.futures_routes = FuturesRoutes(self)
        self._due: dict[Market, float] = {}
        self._tasks: list[asyncio.Task[Any]] = []
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # set in synchronous use
        self._thread: threading.Thread | None = None
        self.requests_seen = 0
        #: completed passes of the depth publisher (lets tests wait for "all sent").
        self.depth_cycles = 0
        self._next_disconnect = 0.0
        self._next_private_disconnect = 0.0
        self._next_funding: float | None = None
        self._hot_count = 0
        self._hot_list: list[tuple[Market, str]] = []
        self._hot_until = 0.0
        self._positions_cache: set[str] = set()
        self._rotation = 0
        #: market loop counters: passes, passes skipped for a backlogged consumer
        self.stats: Counter[str] = Counter()
        self._next_fund_push: float | None = None
        if self.replay is not None:
            self.replay.preroll()

    def _add_market(self, spec: SymbolSpec, seed: int, depth_levels: int) -> None:
        spot = Market(spec, seed, depth_levels=depth_levels)
        fut = Market(as_futures(spec, self.coin_m), seed, depth_levels=depth_levels,
                     product="futures")

        def index() -> int:
            # the index of a futures pair is the mid of its spot book
            return self.touch(spot).mark_price()

        fut.index_ref = index
        self.markets["spot"][spec.symbol] = spot
        self.markets["futures"][spec.symbol] = fut

    def clock_ms(self) -> int:
        """The server's clock (epoch ms), ``clock_offset_ms`` included (a
        replay's: the replay clock)."""
        return self._base_clock() + self.clock_offset_ms

    def auth_clock_ms(self) -> int:
        """The clock signatures are checked against and ``/v4/public/time``
        tells: the machine's (``clock``), ``clock_offset_ms`` included."""
        return self._auth_clock() + self.clock_offset_ms

    # -- lifecycle -----------------------------------------------------------
    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # Synchronous use (e.g. tests of a blocking client): the simulator runs on
    # its own event loop in a daemon thread. Methods that read or change the
    # market (book_snapshot, step, set_faults, ...) hop onto that loop, so they
    # are safe to call from the caller's thread.
    def __enter__(self) -> Simulator:
        replay = self.replay
        if replay is not None and replay.settings.as_fast_as_clients:
            from .vclock import VirtualTimeLoop

            loop: asyncio.AbstractEventLoop = VirtualTimeLoop()
        else:
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

    def _on_loop(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Run ``fn`` on the simulator's loop thread when called from another thread."""
        loop = self._loop
        if loop is None or threading.current_thread() is self._thread:
            return fn(*args, **kw)

        async def call() -> Any:
            result = fn(*args, **kw)
            if asyncio.iscoroutine(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(call(), loop).result(30)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run a coroutine on the simulator's loop; it is cancelled by :meth:`stop`."""
        task = asyncio.ensure_future(coro)
        self._tasks.append(task)

        def done(t: asyncio.Task[Any]) -> None:
            if t in self._tasks:
                self._tasks.remove(t)

        task.add_done_callback(done)

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        for table, routes in ((SPOT_ROUTES, self.spot_routes),
                              (FUTURES_ROUTES, self.futures_routes)):
            product = "spot" if routes is self.spot_routes else "futures"
            for (method, path), (name, private, limits) in table.items():
                app.router.add_route(method, path, self._make_handler(
                    product, getattr(routes, "h_" + name), private, limits, path))
        app.router.add_get("/public", self.hub.handler("spot", False))
        app.router.add_get("/private", self.hub.handler("spot", True))
        app.router.add_get("/ws/market", self.hub.handler("futures", False))
        app.router.add_get("/ws/user", self.hub.handler("futures", True))
        if self.replay is not None:
            app.router.add_get("/sim/replay/summary", self._replay_summary)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     max_line_size=8190, max_field_size=8190, max_headers=64)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sock = site._server.sockets[0]  # type: ignore[union-attr]
        self.port = sock.getsockname()[1]
        self._tasks = [asyncio.create_task(self._market_loop())]
        if self.replay is not None:
            self.replay.start()

    async def _replay_summary(self, request: web.Request) -> web.Response:
        """``GET /sim/replay/summary``: the replay's run summary (JSON)."""
        assert self.replay is not None
        return web.Response(body=self.replay.summary_json(), content_type="application/json")

    async def stop(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        for t in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._tasks = []
        for conn in list(self.hub.conns):
            conn.closed = True
            try:
                await asyncio.wait_for(conn.ws.close(), 1.0)
            except Exception:
                conn.abort()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- public helpers ------------------------------------------------------
    @property
    def conns(self) -> set[Conn]:
        """The open WebSocket connections (each with ``subs``, ``private``, ``token``)."""
        return self.hub.conns

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
        spec = FaultSpec.parse(faults)

        def apply() -> None:
            for name, value in vars(spec).items():
                setattr(self.fault_spec, name, value)

        self._on_loop(apply)

    def pause(self) -> None:
        """Stop the synthetic market (user orders still trade)."""
        self.paused = True

    def resume(self) -> None:
        """Restart the synthetic market (without a burst making up for the pause).

        A replay has no synthetic market: nothing to resume."""
        if self.replay is not None:
            return

        def run() -> None:
            self.paused = False
            self._due.clear()  # no burst to make up for the pause

        self._on_loop(run)

    def _futures_balances(self) -> dict[str, str]:
        # USDT-M margin in usdt; COIN-M margin in each base coin.
        out = {"usdt": "100000"}
        for m in self.markets["futures"].values():
            out.setdefault(m.spec.margin_coin, "100")
        return out

    def add_account(self, api_key: str, secret: str,
                    balances: dict[str, str] | None = None,
                    futures_balances: dict[str, str] | None = None, *,
                    sub_of: str | None = None, quant: bool = True,
                    futures_open: bool = True) -> Account:
        """Another account (spot balances default to 1,000,000 usdt).

        ``sub_of`` names the API key of an account whose user this one belongs
        to (sub-account transfers work between them); ``quant=False`` makes the
        quant endpoints refuse it; ``futures_open=False`` leaves its futures
        account to be opened (``/future/user/v1/account/open``).
        """
        def add() -> Account:
            user = self.engine.accounts[sub_of].user_id if sub_of else None
            return self.engine.add_account(api_key, secret, balances or {"usdt": "1000000"},
                                           futures_balances or self._futures_balances(),
                                           user_id=user, quant=quant,
                                           futures_open=futures_open)

        acct: Account = self._on_loop(add)
        return acct

    def account(self, api_key: str | None = None) -> Account:
        """The simulator's own record of an account (the demo account by default)."""
        return self.engine.accounts[api_key or self.api_key]

    def deposit(self, currency: str, amount: str, *, api_key: str | None = None,
                chain: str | None = None) -> dict[str, Any]:
        """Credit a deposit to an account's spot wallet (status SUCCESS); returns the record."""
        def run() -> dict[str, Any]:
            rec = self.ledger.deposit(self.account(api_key), currency.lower(),
                                      parse_decimal(amount, "amount"), chain)
            self.dispatch()
            return rec

        rec: dict[str, Any] = self._on_loop(run)
        return rec

    def add_reverse_plan(self, symbol: str, position_side: str, stop_price: str, *,
                         trigger_price_type: str = "LATEST_PRICE", close_type: str = "ALL",
                         quantity: int | None = None, api_key: str | None = None) -> int:
        """A reverse plan on an open position (the spec has no endpoint creating one).

        When the ``trigger_price_type`` price reaches ``stop_price`` (a LONG's
        when it falls to it, a SHORT's when it rises to it) the position is
        closed (``close_type`` ALL, or FIXED ``quantity``) and the same
        quantity opened on the other side. Returns the plan's id.
        """
        def run() -> int:
            market = self.market(symbol, "futures")
            stop = to_units(stop_price, market.spec.price_precision, "stop_price")
            t = self.engine.triggers.add_reverse(self.account(api_key), market,
                                                 position_side.upper(), stop,
                                                 trigger_price_type.upper(),
                                                 close_type.upper(), quantity)
            return t.id

        tid: int = self._on_loop(run)
        return tid

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
            await asyncio.sleep(max(self.depth_interval, 0.001) / 2)
        # a frame held back by a reorder fault goes out now: with the market
        # paused, no later frame would release it
        self.hub.release_held()

    def step(self, n: int = 1) -> None:
        """Advance every market by ``n`` events by hand (handy while paused)."""
        def run() -> None:
            now = self.clock_ms()
            for _ in range(n):
                for product in ("spot", "futures"):
                    for m in self.markets[product].values():
                        self._one_step(m, product, now, per_step=False)
            self.after_change()

        self._on_loop(run)

    async def disconnect(self, product: str | None = None) -> int:
        """Close WebSocket connections abruptly (counted as ``disconnect``)."""
        n = 0
        for conn in list(self.hub.conns):
            if product is None or conn.product == _product(product):
                self.faults.count("disconnect")
                conn.abort()
                n += 1
        return n

    def expire_tokens(self) -> None:
        """Expire every ws-token and listen key now (counted as ``token_expired``)."""
        def run() -> None:
            for tok in self.tokens.values():
                tok.expires = 0
                tok.fault_ttl = True

        self._on_loop(run)

    def issue_token(self, a: Account, product: str, lifetime: float) -> Token:
        """A ws-token / listen key for ``a`` (the route modules' helper)."""
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

    # -- the market loop ---------------------------------------------------------
    def touch(self, m: Market) -> Market:
        """Bring a market nobody watches up to date before it is read."""
        if not self.paused and self._loop_running():
            self._catch_up(m, m.product, asyncio.get_running_loop().time(),
                           self._base_rate(), MAX_CATCH_UP, per_step=False)
        return m

    @staticmethod
    def _loop_running() -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    def _base_rate(self) -> float:
        return 1.0 / self.step_interval if self.step_interval > 0 else math.inf

    def _hot(self) -> list[tuple[Market, str]]:
        """Markets advanced every pass: watched, or holding user state."""
        self._positions_cache = self._position_symbols()
        seen: dict[int, tuple[Market, str]] = {}
        for product, sym in self.hub.watched():
            m = self.markets[product][sym]
            seen[id(m)] = (m, product)
        for product in ("spot", "futures"):
            for m in self.markets[product].values():
                if m.book.user_orders:
                    seen[id(m)] = (m, product)
        for sym in self.engine.triggers.symbols():
            m = self.markets["futures"][sym]
            seen[id(m)] = (m, "futures")
        for sym in self._positions_cache:
            m = self.markets["futures"][sym]
            seen[id(m)] = (m, "futures")
        return list(seen.values())

    def _position_symbols(self) -> set[str]:
        return {s for a in self.engine.accounts.values()
                for (s, _side), p in a.positions.items() if p.size}

    def _catch_up(self, m: Market, product: str, now: float, rate: float, cap: int, *,
                  per_step: bool) -> int:
        due = self._due.get(m)
        if due is None:
            self._due[m] = now
            return 0
        if math.isinf(rate):
            n = cap
            self._due[m] = now
        else:
            n = int((now - due) * rate)
            if n <= 0:
                return 0
            if n > cap:
                n = cap
                self._due[m] = now  # what cannot be done is dropped, not owed
            else:
                self._due[m] = due + n / rate
        ms = self.clock_ms()
        for _ in range(n):
            self._one_step(m, product, ms, per_step=per_step)
        return n

    def _one_step(self, m: Market, product: str, now_ms: int, *, per_step: bool) -> None:
        m.step(now_ms)
        if m.market_fills is not None:
            self.engine.market_step_fills(m)
        if per_step:
            frame = m.book.flush()
            if frame is not None:
                self.hub.publish_depth(m, product, frame)
        if m.new_trades:
            trades, m.new_trades = m.new_trades, []
            self.hub.publish_trades(m, product, trades)
        if product == "futures" and self.engine.triggers.active.get(m.spec.symbol):
            self.engine.triggers.evaluate(m)

    def _advance(self, now: float) -> bool:
        """Step the watched markets; True if the pass ran out of time (more is due)."""
        if now >= self._hot_until:
            self._hot_list = self._hot()
            self._hot_until = now + HOT_REFRESH
        hot = self._hot_list
        self._hot_count = len(hot)
        if not hot:
            return False
        rate = self._base_rate()
        if self.total_rate is not None:
            rate = min(rate, self.total_rate / len(hot))
        per_step = self.depth_interval <= 0
        # start where the last pass stopped, so that a pass cut short by the
        # budget does not always starve the same markets
        start = self._rotation % len(hot)
        deadline = time.perf_counter() + PASS_BUDGET
        cut = False
        for i in range(len(hot)):
            m, product = hot[(start + i) % len(hot)]
            self._catch_up(m, product, now, rate, BURST, per_step=per_step)
            if time.perf_counter() > deadline:
                self._rotation = start + i + 1
                cut = True
                break
        positions = self._positions_cache
        if positions:
            for m, product in hot:
                if product == "futures" and m.spec.symbol in positions:
                    self.engine.positions.check_risk(m)
        return cut

    def _flush_depth(self) -> None:
        for (product, key), conns in list(self.hub.topics.items()):
            if not conns or not key.startswith("depth_update@"):
                continue
            m = self.markets[product][key.partition("@")[2]]
            frame = m.book.flush()
            if frame is not None:
                self.hub.publish_depth(m, product, frame)

    def dispatch(self, *, trades: bool = True) -> None:
        """Send new public trades and private events, then write every queue.

        The market loop publishes its own trades as it steps
        (``trades=False``); requests look for the trades their orders made.
        """
        if trades:
            for product in ("spot", "futures"):
                for m in self.markets[product].values():
                    if m.new_trades:
                        new, m.new_trades = m.new_trades, []
                        self.hub.publish_trades(m, product, new)
        events, self.engine.events = self.engine.events, []
        if self.replay is not None:
            self.replay.deliver_private(events)
        else:
            self.hub.publish_private(events)
        self.hub.flush()

    def after_change(self) -> None:
        """After a request or a manual step: triggers, risk, then the pushes."""
        engine = self.engine
        for sym in engine.triggers.symbols():
            engine.triggers.evaluate(self.markets["futures"][sym])
        for sym in self._position_symbols():
            engine.positions.check_risk(self.markets["futures"][sym])
        self.dispatch()

    async def _market_loop(self) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        next_depth = next_slow = next_house = start
        self._next_funding = start + self.funding_period
        self._next_fund_push = start + self.funding_interval
        while True:
            busy = False
            try:
                now = loop.time()
                if self.paused:
                    pass
                elif self.hub.backlogged(now):
                    self.stats["backlogged_passes"] += 1
                else:
                    busy = self._advance(now)
                    self.stats["passes"] += 1
                    self.stats["cut_passes"] += busy
                if now >= next_depth:
                    # (with per-event frames, markets flush as they step; this
                    # pass picks up what requests changed)
                    self._flush_depth()
                    next_depth = now + (self.depth_interval if self.depth_interval > 0
                                        else 0.01)
                    self.depth_cycles += 1
                if now >= next_slow:
                    self.hub.periodic(self.clock_ms())
                    next_slow = now + self.stream_interval
                if now >= next_house:
                    self._housekeeping(now)
                    next_house = now + 0.05
                self.dispatch(trades=False)
            except Exception:  # never let one bad pass stop the market
                log.exception("market loop pass failed")
                next_house = loop.time() + 0.05
            wake = min(next_slow, next_house, next_depth)
            if not self.paused and self._hot_count:
                wake = min(wake, loop.time() + min(self.step_interval, 0.05))
            # behind schedule: only yield to the sockets, then go on
            await asyncio.sleep(0.0 if busy else max(0.0, wake - loop.time()))

    def _housekeeping(self, now: float) -> None:
        ms = self.clock_ms()
        self.ledger.advance(ms)
        for sym in self.engine.triggers.symbols():
            self.engine.triggers.evaluate(self.markets["futures"][sym])
        if self._next_funding is not None and now >= self._next_funding:
            self._next_funding = now + self.funding_period
            for m in self.markets["futures"].values():
                self.engine.positions.settle_funding(self.touch(m), ms, self.funding_period)
        if self._next_fund_push is not None and now >= self._next_fund_push:
            self._next_fund_push = now + self.funding_interval
            self.hub.funding(ms)
        self._expire_tokens_due()
        spec = self.fault_spec
        if spec.disconnect_every > 0 and now >= self._next_disconnect:
            if self._next_disconnect:
                live = sorted((c for c in self.hub.conns if not c.closed), key=id)
                if live:
                    self.faults.count("disconnect")
                    self.faults.rng.choice(live).abort()
            self._next_disconnect = now + spec.disconnect_every
        if spec.private_disconnect_every > 0 and now >= self._next_private_disconnect:
            if self._next_private_disconnect:
                live = sorted((c for c in self.hub.conns if not c.closed and c.private),
                              key=id)
                if live:
                    self.faults.count("private_disconnect")
                    self.faults.rng.choice(live).abort()
            self._next_private_disconnect = now + spec.private_disconnect_every

    def _expire_tokens_due(self) -> None:
        mono = time.monotonic()
        for tok in list(self.tokens.values()):
            if tok.expires > mono:
                continue
            if tok.fault_ttl and not tok.expired_reported:
                tok.expired_reported = True
                self.faults.count("token_expired")
            for c in list(self.hub.conns):
                if c.token == tok.value and not c.closed:
                    self.hub.token_expired(c)
            del self.tokens[tok.value]

    # -- REST ----------------------------------------------------------------
    def _make_handler(self, product: str, fn: Callable[..., Any], private: bool,
                      limits: tuple[Limit, ...], route: str
                      ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        if product == "futures":
            limits = (*limits, FUT_IP)
        rule = route

        async def handler(request: web.Request) -> web.StreamResponse:
            self.requests_seen += 1
            if self.faults.roll("rest_5xx"):
                status = self.faults.rng.choice((500, 502, 503))
                return _error(product, SimError(
                    "COMMON_002" if product == "spot" else FUTURES_GATEWAY[status],
                    status=status))
            if self.faults.roll("rest_delay"):
                await asyncio.sleep(self.fault_spec.delay_seconds)
            ip = request.remote or "127.0.0.1"
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge:
                return _error(product, SimError(
                    "FAILURE" if product == "spot" else "BAD_REQUEST",
                    f"request body larger than {MAX_BODY} bytes", status=413))
            raw_path, _, raw_query = request.raw_path.partition("?")
            # limits count on the event loop's clock (a replay's virtual time)
            now = asyncio.get_running_loop().time()
            acct = None
            key = None
            try:
                if private:
                    try:
                        res = auth.verify(request.headers, request.method, raw_path, raw_query,
                                          body, product=product, secrets=self._secrets(),
                                          now_ms=self.auth_clock_ms())
                    except SimError:
                        if self.limiter is not None and not self.limiter.allow(
                                "unauthenticated", UNAUTHENTICATED, ip, None, now):
                            return _too_many(product)
                        raise
                    acct = self.engine.accounts[res.api_key]
                    key = res.api_key
                if self.limiter is not None and limits and not self.limiter.allow(
                        f"{request.method} {rule}", limits, ip, key, now):
                    return _too_many(product)
            except SimError as exc:
                self.after_change()
                return _error(product, exc)

            def execute() -> web.Response:
                try:
                    result = fn(_params(request, body, product), acct, ip)
                except SimError as exc:
                    self.after_change()
                    return _error(product, exc)
                except BadNumber as exc:
                    self.after_change()
                    return _error(product, SimError(
                        "FAILURE" if product == "spot" else "invalid_params", str(exc)))
                except Exception:
                    # Every input problem is a SimError; this is a simulator bug.
                    # Answer without a traceback, log it, keep serving.
                    log.exception("unexpected error in %s %s", request.method, route)
                    self.after_change()
                    return _error(product, SimError(
                        "FAILURE" if product == "spot" else "INTERNAL_SERVER_ERROR",
                        "internal error", status=500))
                self.after_change()
                return _ok(product, result)

            if private and self.replay is not None:
                # entry and acknowledgement latency on the replay clock
                response: web.Response = await self.replay.delayed(execute)
                return response
            return execute()

        return handler

    def _secrets(self) -> dict[str, str]:
        return {k: a.secret for k, a in self.engine.accounts.items()}

    # helpers for the route modules
    def spot_market(self, name: object, *, required: bool = True) -> Market | None:
        """The spot market a request names, brought up to date (``SYMBOL_001`` if none)."""
        if not name:
            if required:
                raise SimError("SYMBOL_001", "symbol is required")
            return None
        m = self.markets["spot"].get(str(name).lower())
        if m is None:
            raise SimError("SYMBOL_001")
        return self.touch(m)

    def futures_market(self, name: object, *, required: bool = True) -> Market | None:
        """The futures market a request names, brought up to date (``invalid_symbol``)."""
        if not name:
            if required:
                raise SimError("invalid_symbol", "symbol is required")
            return None
        m = self.markets["futures"].get(str(name).lower())
        if m is None:
            raise SimError("invalid_symbol", "symbol does not exist")
        return self.touch(m)


def _params(request: web.Request, body: bytes, product: str) -> dict[str, Any]:
    try:
        params: dict[str, Any] = dict(request.query)
    except (UnicodeDecodeError, ValueError):
        raise SimError("FAILURE" if product == "spot" else "invalid_params",
                       "malformed query string") from None
    params.update(request.match_info)
    if body:
        params.update(_parse_body(body, request.content_type, product))
    return params


def _parse_body(body: bytes, content_type: str, product: str) -> dict[str, Any]:
    code = "FAILURE" if product == "spot" else "invalid_params"
    if content_type == "application/x-www-form-urlencoded":
        try:
            return dict(parse_qsl(body.decode(), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            raise SimError(code, "malformed form body") from None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise SimError(code, "body is not valid JSON") from None
    if isinstance(data, list):
        return {"__body__": data}
    if not isinstance(data, dict):
        raise SimError(code, "body must be a JSON object")
    return data


def _ok(product: str, result: Any) -> web.Response:
    if product == "spot":
        body = {"rc": 0, "mc": "SUCCESS", "ma": [], "result": result}
    else:
        body = {"returnCode": 0, "msgInfo": "success", "error": None, "result": result}
    return web.Response(body=orjson.dumps(body), content_type="application/json")


def _error(product: str, exc: SimError) -> web.Response:
    if product == "spot":
        ma = [] if exc.message == SPOT_MESSAGES.get(exc.code) else [exc.message]
        body: dict[str, Any] = {"rc": 1, "mc": exc.code, "ma": ma, "result": None}
    else:
        body = {"returnCode": 1, "msgInfo": "failure",
                "error": {"code": exc.code, "msg": exc.message}, "result": None}
    return web.Response(status=exc.status, body=orjson.dumps(body),
                        content_type="application/json")


def _too_many(product: str) -> web.Response:
    return _error(product, SimError("TOO_MANY_REQUESTS", "too many requests", status=429))


def _product(product: str) -> str:
    p = product.lower()
    if p in ("spot",):
        return "spot"
    if p in ("futures", "future", "usdt_m", "usdt-m", "coin_m", "coin-m", "perp"):
        return "futures"
    raise ValueError(f"unknown product {product!r}: use 'spot' or 'futures'")


__all__ = ["Simulator", "DEMO_API_KEY", "DEMO_SECRET", "ENDPOINT_METHODS", "to_units",
           "Position", "TERMINAL", "Decimal"]
