"""The asyncio driver: :class:`Account` = one private stream + one REST client
+ the sans-I/O :class:`~wexcore.account.state.AccountState`.

It decides *when* to read REST (on start, after every reconnect or
listen-key renewal, every ``reconcile_interval`` seconds, when a check falls
due, when a push could not be read) and hands what it read to the state;
the state decides what it means.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import deque
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Generic, Literal, TypedDict, Unpack, overload

from wexcore._decode import decode
from wexcore.account.events import (
    AccountStats,
    BalanceEvent,
    BalanceT,
    FillEvent,
    FillT,
    OrderEvent,
    OrderT,
    PendingOrder,
    PositionEvent,
)
from wexcore.account.source import FuturesSource, SpotSource
from wexcore.account.state import FUTURES, SPOT, AccountState, BadFrame, Snapshot
from wexcore.errors import (
    AuthenticationError,
    DecodeError,
    EventOverflowError,
    InvalidParameterError,
    OrderStateUnknownError,
    ServerError,
    WexError,
)
from wexcore.rest import types as T
from wexcore.rest.client import AsyncFuturesClient, AsyncSpotClient
from wexcore.rest.clock import wall_ms
from wexcore.stream.client import StreamClient
from wexcore.stream.core import ConnectionEvent, ConnectionState

__all__ = ["Account", "AccountEvents"]

#: what one account's events() yields, typed by its product
Event = (OrderEvent[OrderT] | FillEvent[FillT] | BalanceEvent[BalanceT] | PositionEvent)

log = logging.getLogger("wexcore.account")

TOPICS = {"spot": ("order", "trade", "balance"),
          "futures": ("order", "trade", "balance", "position")}
#: orders read one by one in one reconciliation at most (the rest next time)
MAX_LOOKUPS = 200
#: concurrent REST reads of one reconciliation's second phase
LOOKUP_CONCURRENCY = 8
#: back-to-back follow-ups for ambiguous balances before leaving it to the period
MAX_FOLLOW_UPS = 5


class AccountEvents(Generic[OrderT, FillT, BalanceT]):
    """The events of one :meth:`Account.events` call, as an async iterator.

    Bounded: a consumer more than ``maxsize`` events behind gets the events
    queued so far, then :class:`~wexcore.errors.EventOverflowError` (the
    account's state is not affected: read it again). It ends
    (``StopAsyncIteration``) when the account closes, and raises the
    account's fatal error if it stopped on one.
    """

    def __init__(self, account: Account[OrderT, FillT, BalanceT], maxsize: int) -> None:
        if maxsize < 1:
            raise InvalidParameterError("maxsize must be >= 1", field="maxsize")
        self._account: Account[OrderT, FillT, BalanceT] = account
        self._maxsize = maxsize
        self._queue: deque[Event[OrderT, FillT, BalanceT]] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._error: BaseException | None = None
        self._closed = False
        account._listeners.append(self)

    def _put(self, events: list[Any]) -> None:
        if self._closed:
            return
        room = self._maxsize - len(self._queue)
        if len(events) > room:
            self._queue.extend(events[:room])
            self._end(EventOverflowError(
                f"an events() consumer fell {self._maxsize} events behind; the events after "
                "that were not queued for it (the account's state is complete: read it again)"))
            return
        self._queue.extend(events)
        self._wake()

    def _wake(self) -> None:
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    def _end(self, error: BaseException | None = None) -> None:
        if self._closed:
            return
        self._closed = True
        self._error = error
        with contextlib.suppress(ValueError):
            self._account._listeners.remove(self)
        self._wake()

    def close(self) -> None:
        """Stop receiving events (what is queued can still be read)."""
        self._end()

    def __len__(self) -> int:
        return len(self._queue)

    def __aiter__(self) -> AccountEvents[OrderT, FillT, BalanceT]:
        return self

    async def __anext__(self) -> Event[OrderT, FillT, BalanceT]:
        q = self._queue
        while not q:
            if self._closed:
                if self._error is not None:
                    raise self._error
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return q.popleft()

    def get_nowait(self) -> Event[OrderT, FillT, BalanceT]:
        """The next queued event; ``IndexError`` when none is queued."""
        return self._queue.popleft()


class AccountOptions(TypedDict, total=False):
    """The keywords of :class:`Account` besides keys, product and REST client."""

    coin_margined: bool
    rest_url: str | None
    ws_url: str | None
    reconcile_interval: float
    settle: float
    gap_timeout: float
    overlap: float
    unknown_grace: float
    max_fills: int
    max_closed_orders: int
    rest_options: Mapping[str, Any] | None
    stream_options: Mapping[str, Any] | None


class Account(Generic[OrderT, FillT, BalanceT]):
    """Orders, fills, balances and positions of one WEX account, kept exact
    from the private stream and REST together.

    ::

        async with wexcore.Account(api_key, secret, product="spot") as acct:
            await acct.wait_synced()
            print(acct.open_orders, acct.balances)
            async for ev in acct.events():      # OrderEvent, FillEvent, BalanceEvent...
                ...

    It subscribes to the private stream (spot ``order``, ``trade``,
    ``balance``; futures also ``position``), reads the starting state from
    REST, and reconciles with REST after every reconnect or listen-key
    renewal, every ``reconcile_interval`` seconds, when a push could not be
    read, and when an order's fills and its updates disagree for
    ``gap_timeout`` seconds. What REST shows that the stream did not deliver
    is emitted as ordinary events with ``recovered=True``; what both
    delivered is emitted once. docs/account.md describes the rules.

    Args:
        api_key, secret: the key pair (the secret goes straight into the REST
            client's signer; the account keeps no copy). Or ``rest_client``.
        product: ``"spot"`` or ``"futures"``.
        coin_margined: futures only: COIN-M (``https://dapi.wexex.io``)
            instead of USDT-M.
        rest_url: the REST host (the simulator's ``rest_url``).
        ws_url: the WebSocket URL or host (the simulator's ``ws_url``).
        rest_client: a signed :class:`~wexcore.AsyncSpotClient` /
            :class:`~wexcore.AsyncFuturesClient` to use (and not close)
            instead of keys.
        reconcile_interval: seconds between light reconciliations while
            connected (open orders, fills since the last seen, order history
            since the last reconciliation, balances, positions).
        settle: seconds to wait after a reconciliation's reads before taking
            their balances and positions, so that a push sent before the read
            but delivered after it is recognised (see docs/account.md).
        gap_timeout: seconds an order update may wait for its fills (or a fill
            for its order) before both are read from REST.
        overlap: seconds each fill and order-history read reaches back
            before the newest record already read (for records REST lists late).
        unknown_grace: seconds added to the REST client's ``recv_window``
            before a lost order placement is looked up for the last time.
        max_fills, max_closed_orders: how many fills and finished orders are
            kept (oldest dropped first).
        rest_options: keyword arguments for the REST client the account makes
            (``timeout``, ``rate_limit``, ``recv_window``...).
        stream_options: keyword arguments for the private
            :class:`~wexcore.StreamClient` (``transport``, ``reconnect``,
            ``token_min_interval``...).
    """

    # The product picks the record types; the other keywords are the same for
    # both (AccountOptions, checked by name and type under mypy).
    @overload
    def __init__(
        self: Account[T.SpotOrder, T.SpotUserTrade, T.SpotBalance],
        api_key: str | None = None,
        secret: str | bytes | None = None,
        *,
        product: Literal["spot"] = "spot",
        rest_client: AsyncSpotClient | None = None,
        **options: Unpack[AccountOptions],
    ) -> None: ...

    @overload
    def __init__(
        self: Account[T.FuturesOrder, T.FuturesUserTrade, T.FuturesBalance],
        api_key: str | None = None,
        secret: str | bytes | None = None,
        *,
        product: Literal["futures"],
        rest_client: AsyncFuturesClient | None = None,
        **options: Unpack[AccountOptions],
    ) -> None: ...

    def __init__(
        self,
        api_key: str | None = None,
        secret: str | bytes | None = None,
        *,
        product: str = "spot",
        coin_margined: bool = False,
        rest_url: str | None = None,
        ws_url: str | None = None,
        rest_client: AsyncSpotClient | AsyncFuturesClient | None = None,
        reconcile_interval: float = 30.0,
        settle: float = 0.25,
        gap_timeout: float = 1.0,
        overlap: float = 5.0,
        unknown_grace: float = 1.0,
        max_fills: int = 100_000,
        max_closed_orders: int = 10_000,
        rest_options: Mapping[str, Any] | None = None,
        stream_options: Mapping[str, Any] | None = None,
    ) -> None:
        if product not in ("spot", "futures"):
            raise InvalidParameterError(f"product must be 'spot' or 'futures', not {product!r}",
                                        field="product")
        for name, value in (("reconcile_interval", reconcile_interval),
                            ("gap_timeout", gap_timeout)):
            if not value > 0:
                raise InvalidParameterError(f"{name} must be > 0 seconds", field=name)
        for name, value in (("settle", settle), ("overlap", overlap),
                            ("unknown_grace", unknown_grace)):
            if not value >= 0:
                raise InvalidParameterError(f"{name} must be >= 0 seconds", field=name)
        for name, n in (("max_fills", max_fills), ("max_closed_orders", max_closed_orders)):
            if n < 1:
                raise InvalidParameterError(f"{name} must be >= 1", field=name)
        spot = product == "spot"
        if rest_client is None:
            if not (api_key and secret):
                raise InvalidParameterError("an Account needs api_key and secret "
                                            "(or a signed rest_client)", field="api_key")
            opts = dict(rest_options or {})
            if rest_url is not None:
                opts["base_url"] = rest_url
            rest_client = (AsyncSpotClient(api_key, secret, **opts) if spot
                           else AsyncFuturesClient(api_key, secret, coin_margined=coin_margined,
                                                   **opts))
            self._own_rest = True
        else:
            expected = AsyncSpotClient if spot else AsyncFuturesClient
            if not isinstance(rest_client, expected):
                raise InvalidParameterError(f"rest_client must be an {expected.__name__}",
                                            field="rest_client")
            if rest_client.signer is None:
                raise InvalidParameterError("rest_client has no key pair", field="rest_client")
            self._own_rest = False
        self.product = product
        #: the REST client every read (and :meth:`place_order`) goes through
        self.rest: AsyncSpotClient | AsyncFuturesClient = rest_client
        self._source: SpotSource | FuturesSource = (
            SpotSource(rest_client) if isinstance(rest_client, AsyncSpotClient)
            else FuturesSource(rest_client))
        self._state: AccountState[Any, Any, Any] = AccountState(
            SPOT if spot else FUTURES, gap_timeout=gap_timeout, overlap_ms=int(overlap * 1000),
            max_fills=max_fills, max_closed_orders=max_closed_orders)
        #: the private stream (its ``counters``, ``states()``...)
        self.stream = StreamClient(
            product, "private" if spot else "user", url=ws_url, rest_client=rest_client,
            decoder=self._decode, on_state=self._on_state, **dict(stream_options or {}))
        self.reconcile_interval = reconcile_interval
        self.settle = settle
        self.unknown_grace = unknown_grace
        self._overlap_ms = int(overlap * 1000)
        self._rules_loaded: set[str] = set()  # symbols whose pre-trade rules were fetched
        self._listeners: list[AccountEvents[OrderT, FillT, BalanceT]] = []
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._synced: asyncio.Event | None = None
        self._stopped: asyncio.Event | None = None
        self._closing = False
        self._error: BaseException | None = None
        self._want_full = False
        self._want_light = False
        self._initial = True
        self._waiters: list[asyncio.Future[None]] = []
        self._next_light = 0.0
        self._timer_at: float | None = None
        self._history_from: int | None = None
        self._follow_ups = 0

    # ------------------------------------------------------------ state
    @property
    def open_orders(self) -> Mapping[int, OrderT]:
        """Open orders by order id (a live read-only view; each order's record
        carries its ``client_order_id``)."""
        return MappingProxyType(self._state.open_orders)

    @property
    def balances(self) -> Mapping[str, BalanceT]:
        """Balances by currency (spot: the SPOT wallet; futures: by margin coin)."""
        return MappingProxyType(self._state.balances)

    @property
    def positions(self) -> Mapping[tuple[str, str], T.FuturesPosition]:
        """Open futures positions by ``(symbol, position side)``; empty for spot."""
        return MappingProxyType(self._state.positions)

    @property
    def fills(self) -> list[FillT]:
        """The fills since the account started, oldest first (a copy; at most
        ``max_fills``)."""
        return list(self._state.fills.values())

    @property
    def pending(self) -> Mapping[str, PendingOrder]:
        """Orders sent through :meth:`place_order` not seen yet, by client order id."""
        return MappingProxyType(self._state.pending)

    @property
    def stats(self) -> AccountStats:
        return self._state.stats

    @property
    def synced(self) -> bool:
        """``True`` when the starting state was read, the stream is connected
        and no reconciliation after a reconnect is outstanding."""
        return self._synced is not None and self._synced.is_set()

    def order(self, order_id: int) -> OrderT | None:
        """An order's latest record (open or recently finished), or ``None``."""
        return self._state.order(order_id)

    # ------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> Account[OrderT, FillT, BalanceT]:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Connect and subscribe (raises if that fails, e.g. on a refused key);
        the starting state is read in the background (:meth:`wait_synced`)."""
        if self._task is not None:
            return
        self._closing = False
        self._wake = asyncio.Event()
        self._synced = asyncio.Event()
        self._stopped = asyncio.Event()
        try:
            await self.stream.start()
            await self.stream.subscribe(*TOPICS[self.product], callback=self._on_push,
                                        queue_size=0)
        except BaseException:
            await self.close()  # the stream, and the REST client if the account made it
            raise
        self._task = asyncio.create_task(self._run(), name=f"wexcore-account {self.product}")

    async def close(self) -> None:
        """Stop: close the stream (and the REST client the account made); end
        every :meth:`events` iterator."""
        self._closing = True
        if self._stopped is not None:
            self._stopped.set()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.stream.close()
        if self._own_rest:
            await self.rest.aclose()
        for listener in list(self._listeners):
            listener._end(self._error)
        for w in self._waiters:
            if not w.done():
                w.cancel()
        self._waiters = []

    async def wait_synced(self, timeout: float | None = None) -> None:
        """Wait until :attr:`synced`; raises the account's fatal error (a
        refused key...), ``TimeoutError`` after ``timeout`` seconds, and
        :class:`~wexcore.errors.InvalidParameterError` when the account is
        closed meanwhile."""
        if self._synced is None:
            raise InvalidParameterError("the account is not started", field="start")
        synced, stopped = self._synced, self._stopped
        assert stopped is not None
        if not synced.is_set() and self._error is None:
            waits = {asyncio.ensure_future(synced.wait()), asyncio.ensure_future(stopped.wait())}
            try:
                done, _ = await asyncio.wait(waits, timeout=timeout,
                                             return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waits:
                    w.cancel()
            if not done:
                raise TimeoutError(f"account not synced within {timeout} s")
        if self._error is not None:
            raise self._error
        if not synced.is_set():
            raise InvalidParameterError("the account was closed before it synced",
                                        field="close")

    def events(self, maxsize: int = 100_000) -> AccountEvents[OrderT, FillT, BalanceT]:
        """Every change from this call on, as an async iterator of
        :class:`~wexcore.account.OrderEvent`, :class:`~wexcore.account.FillEvent`,
        :class:`~wexcore.account.BalanceEvent` and
        :class:`~wexcore.account.PositionEvent` (see :class:`AccountEvents`)."""
        return AccountEvents(self, maxsize)

    async def reconcile(self) -> None:
        """Reconcile with REST now and return when it is merged (the account
        is :attr:`synced` after it, if the stream is connected)."""
        if self._task is None or self._task.done():
            if self._error is not None:
                raise self._error
            raise InvalidParameterError("the account is not running", field="start")
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        self._want_full = True
        self._poke()
        await fut

    # ------------------------------------------------------------ orders
    async def place_order(self, *args: Any, client_order_id: str | None = None,
                          **kwargs: Any) -> int | None:
        """Place an order through the account's REST client and track it.

        Arguments are those of the client's ``place_order`` (spot
        ``symbol, side, type, ...``; futures ``symbol, order_side,
        order_type, orig_qty, position_side, ...``). A client order id is
        generated when none is given; the order is in :attr:`pending` until
        the stream or REST shows it.

        Returns the order id. When the request was sent but no answer came
        (:class:`~wexcore.errors.OrderStateUnknownError`, a 5xx from the
        gateway, a create answered without an id), the order is looked up by
        its client order id: found, its id is returned; not found once the
        request's ``recv_window`` (+ ``unknown_grace``) has passed, so the
        exchange would refuse it if it arrived now, ``None`` is returned: it
        was not placed, and sending it again is safe. If the lookups fail too,
        the original error is raised and the order stays in :attr:`pending`
        (marked ``unknown``) for the next reconciliation to settle.
        """
        cid = client_order_id or "wx" + secrets.token_hex(10)
        symbol = args[0] if args else kwargs.get("symbol")
        if kwargs.get("validate", True) and isinstance(symbol, str) \
                and symbol not in self._rules_loaded:
            # The client's first validated order of a symbol fetches its rules
            # first. Fetched here, before the order is tracked: the lost-answer
            # rule below counts the recv window from the moment of sending, and
            # a failed fetch is an error for an order that was never sent.
            await self.rest.load_filters(symbol)
            self._rules_loaded.add(symbol)
        state = self._state
        pending = self.track(cid, symbol if isinstance(symbol, str) else None)
        sent_at = pending.sent_at
        try:
            order_id = await self._source.place(args, {**kwargs, "client_order_id": cid})
        except (OrderStateUnknownError, ServerError, asyncio.CancelledError) as exc:
            if isinstance(exc, ServerError) and (exc.http_status or 0) < 500:
                state.pending.pop(cid, None)  # a refusal ("busy" codes): nothing was placed
                raise
            pending.unknown = True
            if isinstance(exc, asyncio.CancelledError):
                raise  # the next reconciliation settles it
            return await self._settle_unknown(cid, sent_at, exc)
        except BaseException:
            state.pending.pop(cid, None)  # refused (or never sent): not placed
            raise
        if order_id is None:  # accepted, but the answer names no order
            pending.unknown = True
            return await self._settle_unknown(cid, sent_at, None)
        state.acknowledge(cid, order_id)
        return order_id

    def track(self, client_order_id: str, symbol: str | None = None) -> PendingOrder:
        """Track an order you are about to send yourself (through :attr:`rest`
        or another client) with this client order id: it is in
        :attr:`pending` until the stream or REST shows it. Call just before
        sending (the time is the start of its ``recv_window``)."""
        if not isinstance(client_order_id, str) or not client_order_id:
            raise InvalidParameterError("client_order_id must be a non-empty string",
                                        field="client_order_id")
        return self._state.track(client_order_id, symbol, time.monotonic())

    async def resolve(self, client_order_id: str) -> int | None:
        """Settle a tracked order whose placement raised
        :class:`~wexcore.errors.OrderStateUnknownError`: its order id if the
        exchange has it, ``None`` if it has not once its request's
        ``recv_window`` has passed (see :meth:`place_order`)."""
        p = self._state.pending.get(client_order_id)
        sent_at = p.sent_at if p is not None else time.monotonic()
        if p is not None:
            p.unknown = True
        return await self._settle_unknown(client_order_id, sent_at, None)

    async def _settle_unknown(self, cid: str, sent_at: float,
                              cause: BaseException | None) -> int | None:
        signer = self.rest.signer
        window = (signer.recv_window if signer is not None else 5000) / 1000.0
        deadline = sent_at + window + self.unknown_grace
        try:
            found = await self._source.by_client_id(cid)
            if found is None:
                await asyncio.sleep(max(0.0, deadline - time.monotonic()))
                found = await self._source.by_client_id(cid)
        except WexError as exc:
            log.warning("account: order %s: outcome unknown and the lookup failed (%s)", cid, exc)
            if cause is None:
                raise OrderStateUnknownError(
                    f"order {cid}: its outcome is unknown and the lookup failed ({exc})",
                    method="POST",
                    path="/v4/order" if self.product == "spot"
                    else "/future/trade/v1/order/create") from exc
            raise cause from exc
        if found is None:
            self._state.pending.pop(cid, None)
            return None
        self._state.acknowledge(cid, found.order_id)
        self._state._offer_order(found, True, None)
        self._flush()
        return found.order_id

    # ------------------------------------------------------------ pushes
    def _decode(self, frame: bytes) -> Any:
        try:
            return decode(frame)
        except DecodeError as exc:
            return BadFrame(exc)

    def _on_push(self, ev: Any) -> None:
        state = self._state
        state.feed(ev)
        if state.out:
            self._flush()
        if state.checks:
            at = state.next_check()
            if self._timer_at is None or (at is not None and at < self._timer_at):
                self._poke()
        if state.suspect and not self._want_light:
            self._want_light = True
            self._poke()

    def _flush(self) -> None:
        out = self._state.out
        if not out:
            return
        self._state.out = []
        for listener in list(self._listeners):
            listener._put(out)

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def _on_state(self, ev: ConnectionEvent) -> None:
        if ev.state in (ConnectionState.RECONNECTING, ConnectionState.CLOSED,
                        ConnectionState.CONNECTING):
            if self._synced is not None:
                self._synced.clear()
        elif ev.state is ConnectionState.RESUBSCRIBED and self._task is not None:
            # anything pushed while the connection was down is gone: read it
            self._want_full = True
            if self._synced is not None:
                self._synced.clear()
            self._poke()

    # ------------------------------------------------------------ the loop
    async def _run(self) -> None:
        assert self._wake is not None and self._synced is not None
        loop = asyncio.get_running_loop()
        failures = 0
        while not self._closing:
            state = self._state
            targets = state.due()
            now = loop.time()
            if now >= self._next_light and not self._initial:
                self._want_light = True
            if self._initial or self._want_full or self._want_light or targets:
                full, initial = self._want_full, self._initial
                waiters, self._waiters = self._waiters, []
                self._want_full = self._want_light = False
                try:
                    ambiguous = await self._reconcile(full, initial, targets)
                except asyncio.CancelledError:
                    raise
                except (AuthenticationError, InvalidParameterError) as exc:
                    self._fail(exc, waiters)
                    return
                except (WexError, OSError) as exc:
                    failures += 1
                    state.stats.reconcile_failures += 1
                    delay = min(0.25 * 2 ** (failures - 1), 10.0)
                    log.warning("account: reconciliation failed (%s); again in %.2f s", exc, delay)
                    self._want_full = self._want_full or full
                    self._want_light = True
                    self._waiters = waiters + self._waiters
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), delay)
                    continue
                failures = 0
                if initial:
                    self._initial = False
                self._next_light = loop.time() + self.reconcile_interval
                if ambiguous and self._follow_ups < MAX_FOLLOW_UPS:
                    self._follow_ups += 1
                    self._next_light = loop.time() + max(self.settle, 0.05) * 4
                elif not ambiguous:
                    self._follow_ups = 0
                if (full or initial) and not self._want_full and self.stream.connected:
                    self._synced.set()
                for w in waiters:
                    if not w.done():
                        w.set_result(None)
                continue
            wake_at = self._next_light
            at = state.next_check()
            if at is not None:
                wake_at = min(wake_at, loop.time() + max(0.0, at - time.monotonic()))
            self._timer_at = time.monotonic() + max(0.0, wake_at - loop.time())
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, wake_at - loop.time()))
            self._timer_at = None

    def _fail(self, exc: BaseException, waiters: list[asyncio.Future[None]]) -> None:
        log.error("account: stopped: %s", exc)
        self._error = exc
        if self._stopped is not None:
            self._stopped.set()
        for w in waiters + self._waiters:
            if not w.done():
                w.set_exception(exc)
        self._waiters = []
        for listener in list(self._listeners):
            listener._end(exc)

    async def _reconcile(self, full: bool, initial: bool, targets: set[int]) -> bool:
        state, src = self._state, self._source
        mark = state.begin()
        server_ms = int(wall_ms() + self.rest.time_offset_ms)
        since = (server_ms - self._overlap_ms) if initial else state.fills_since()
        reads: list[Any] = [src.open_orders(), src.fills(since), src.balances(),
                            src.positions()]
        # orders created since the last reconciliation and finished unseen
        # (no push, no fill): only the history lists them
        history_from = None if initial else self._history_from
        if history_from is not None:
            reads.append(src.orders_since(history_from))
        results = await asyncio.gather(*reads)
        open_orders, fills, balances, positions = results[:4]
        history: list[Any] = results[4] if len(results) > 4 else []
        # second phase: what the lists cannot say
        seen = {o.order_id for o in open_orders} | {o.order_id for o in history}
        lookups = (state.vanished((o.order_id for o in open_orders), mark)
                   | state.unknown_orders(fills) | targets)
        pending_ids, pending_cids = state.unresolved(time.monotonic() - state.gap_timeout)
        lookups |= pending_ids
        lookups = set(sorted(lookups - seen)[:MAX_LOOKUPS])
        gate = asyncio.Semaphore(LOOKUP_CONCURRENCY)

        async def one(coro: Any) -> Any:
            async with gate:
                return await coro

        ordered_lookups = sorted(lookups)
        target_list = sorted(targets)
        cid_list = sorted(pending_cids)
        more = await asyncio.gather(
            *(one(src.order(i)) for i in ordered_lookups),
            *(one(src.order_fills(i)) for i in target_list),
            *(one(src.by_client_id(c)) for c in cid_list))
        found = [o for o in more[:len(ordered_lookups)] if o is not None]
        target_fills = [f for fs in more[len(ordered_lookups):len(ordered_lookups)
                                         + len(target_list)] for f in fs]
        by_cid = more[len(ordered_lookups) + len(target_list):]
        if self.settle:
            await asyncio.sleep(self.settle)
        snap: Snapshot[Any, Any, Any] = Snapshot(
            mark, open_orders=open_orders, orders=history + found + [o for o in by_cid if o],
            fills=fills + target_fills, balances=balances, positions=positions,
            targets=targets, initial=initial, server_ms=server_ms)
        ambiguous = state.merge(snap)
        self._forget_unplaced(cid_list, by_cid)
        self._flush()
        self._history_from = server_ms - self._overlap_ms
        state.stats.reconciliations += 1
        return ambiguous

    def _forget_unplaced(self, cids: list[str], found: list[Any]) -> None:
        """Tracked orders whose lookup found nothing after their request's
        window closed were not placed."""
        signer = self.rest.signer
        window = (signer.recv_window if signer is not None else 5000) / 1000.0
        horizon = time.monotonic() - window - self.unknown_grace
        for cid, order in zip(cids, found, strict=True):
            p = self._state.pending.get(cid)
            if order is None and p is not None and p.sent_at < horizon:
                del self._state.pending[cid]

