"""The asyncio driver: one :class:`StreamClient` per WEX WebSocket connection.

It owns the clock, the transport and the tasks; every protocol decision is
the sans-I/O :class:`~wexcore.stream.core.StreamCore`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from wexcore.errors import WexError
from wexcore.rest.client import AsyncFuturesClient, AsyncSpotClient
from wexcore.stream import _rest
from wexcore.stream.core import (
    DEFAULT_URLS,
    SERVER_PING_WINDOW,
    TOKEN_MIN_INTERVAL,
    TOKEN_TTL,
    ConnectionEvent,
    ConnectionState,
    Heartbeat,
    ListenKeyError,
    ReconnectPolicy,
    Reply,
    StreamCore,
    StreamCounters,
    TokenLifecycle,
    endpoint,
)
from wexcore.stream.transport import Connection, connect

__all__ = [
    "StreamClient",
    "Subscription",
    "SpotPublicStream",
    "SpotPrivateStream",
    "FuturesMarketStream",
    "FuturesUserStream",
]

log = logging.getLogger("wexcore.stream")

OVERFLOW_POLICIES = ("drop_oldest", "block")


def resolve_url(url: str | None, product: str, channel: str) -> str:
    """The stream URL: the exchange's by default; a base URL without a path
    (``ws://127.0.0.1:8080``, the simulator's ``ws_url``) gets the
    endpoint's path (``/public``, ``/private``, ``/ws/market``, ``/ws/user``)."""
    default = DEFAULT_URLS[(product, channel)]
    if not url:
        return default
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        return urlunsplit(parts._replace(path=urlsplit(default).path))
    return url


class Subscription:
    """The pushes of one or more topics, as an async iterator and/or a callback.

    Each subscription has its own bounded queue: a slow consumer never makes
    memory grow without bound. When the queue is full, ``overflow`` decides:

    * ``"drop_oldest"`` (default): the oldest queued event is dropped and
      :attr:`dropped` counts it; the connection keeps reading.
    * ``"block"``: the connection stops reading from the socket until the
      consumer has drained half the queue (TCP backpressure reaches the
      server; heartbeats are still sent). Nothing is dropped, but every
      subscription on that connection waits for the slowest one.

    ``queue_size=0`` disables the queue (callback only).
    """

    def __init__(
        self,
        client: StreamClient,
        params: list[str],
        *,
        callback: Callable[[Any], Any] | None,
        queue_size: int,
        overflow: str,
        raw: bool,
    ) -> None:
        if overflow not in OVERFLOW_POLICIES:
            raise ValueError(f"overflow must be one of {OVERFLOW_POLICIES}, not {overflow!r}")
        if queue_size < 0:
            raise ValueError("queue_size must be >= 0")
        self.client = client
        self.params = params
        self.callback = callback
        self.raw = raw
        self.maxsize = queue_size
        self.overflow = overflow
        self.dropped = 0
        self.delivered = 0
        self.callback_errors = 0
        self._queue: deque[Any] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False

    # called by the core, synchronously, for every routed push
    def deliver(self, frame: bytes, decoded: Any, received_ns: int) -> None:
        event = frame if self.raw else decoded
        self.delivered += 1
        cb = self.callback
        if cb is not None:
            try:
                cb(event)
            except Exception:  # noqa: BLE001 - a user bug must not kill the connection
                self.callback_errors += 1
                log.exception("stream callback for %s raised", self.params)
        if self.maxsize == 0:
            return
        q = self._queue
        if len(q) >= self.maxsize:
            if self.overflow == "drop_oldest":
                q.popleft()
                self.dropped += 1
                self.client.counters.dropped += 1
            else:
                self.client._block_for(self)
        q.append(event)
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    def __len__(self) -> int:
        return len(self._queue)

    def __aiter__(self) -> AsyncIterator[Any]:
        return self

    async def __anext__(self) -> Any:
        try:
            return await self.get()
        except EOFError:
            raise StopAsyncIteration from None

    async def get(self) -> Any:
        """The next event; raises ``EOFError`` once unsubscribed and drained."""
        q = self._queue
        while not q:
            if self._closed:
                raise EOFError("subscription closed")
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        event = q.popleft()
        if self.overflow == "block" and len(q) <= self.maxsize // 2:
            self.client._unblock_for(self)
        return event

    def get_nowait(self) -> Any:
        event = self._queue.popleft()
        if self.overflow == "block" and len(self._queue) <= self.maxsize // 2:
            self.client._unblock_for(self)
        return event

    def _close(self) -> None:
        self._closed = True
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)
        self.client._unblock_for(self)

    async def unsubscribe(self, timeout: float = 10.0) -> None:
        """Stop these topics for this subscription (the server's reply is awaited)."""
        await self.client.unsubscribe(self, timeout=timeout)


class StateEvents:
    """Connection-state events of one client, registered at creation."""

    def __init__(self, client: StreamClient, maxsize: int) -> None:
        self._client = client
        self._queue: asyncio.Queue[ConnectionEvent] = asyncio.Queue(maxsize=maxsize)
        client._state_queues.append(self._queue)

    def __aiter__(self) -> StateEvents:
        return self

    async def __anext__(self) -> ConnectionEvent:
        return await self._queue.get()

    def close(self) -> None:
        with contextlib.suppress(ValueError):
            self._client._state_queues.remove(self._queue)


TokenProvider = Callable[[], Awaitable[str]]


class StreamClient:
    """One WEX WebSocket connection that survives the real world.

    Args:
        product: ``"spot"`` or ``"futures"``.
        channel: spot ``"public"`` / ``"private"``, futures ``"market"`` / ``"user"``.
        url: the WebSocket URL (default: the exchange's; pass the simulator's).
        transport: ``"websockets"`` (default) or ``"picows"`` (``wexcore[fast]``).
        compression: negotiate permessage-deflate (default True, as the spec asks).
        ping_interval: seconds between text pings (default a third of the
            server's window: 20 s spot, 10 s futures).
        pong_timeout: seconds to wait for ``pong`` before the connection is
            declared dead and replaced (default: ``ping_interval``).
        reconnect: the :class:`ReconnectPolicy` (jittered exponential backoff).
        api_key, secret, rest_url: for private channels, where the ws token /
            listen key is fetched from. The secret goes straight into a
            :class:`~wexcore.Signer` (inside a REST client of this stream);
            the stream keeps no copy of it.
        rest_client: instead of keys, a signed :class:`~wexcore.AsyncSpotClient`
            / :class:`~wexcore.AsyncFuturesClient` to fetch the token with
            (shares its clock offset, rate limiter and connections; not closed
            by the stream).
        token_provider: instead of keys, an async callable returning a token.
        token_ttl: token validity in seconds (spot 2 days, futures 8 hours).
        token_min_interval: least seconds between two token fetches after a
            rejection (the endpoints' rate limits: spot 10 s, futures 5 ms).
        decoder: bytes -> event (default :func:`wexcore.decode`).
        queue_size, overflow: defaults for subscriptions.
        on_state: a callback receiving every :class:`ConnectionEvent`.
        listen_key_in: private channels only: ``"field"`` sends the key as a
            ``"listenKey"`` field (spot's documented shape, spot default);
            ``"topic"`` appends it to each topic, ``"order@<key>"`` (futures
            default; the futures spec shows no request).

    Use as ``async with StreamClient(...) as s: sub = await s.subscribe(...)``.
    """

    def __init__(
        self,
        product: str = "spot",
        channel: str = "public",
        *,
        url: str | None = None,
        transport: str = "websockets",
        compression: bool = True,
        ping_interval: float | None = None,
        pong_timeout: float | None = None,
        reconnect: ReconnectPolicy | None = None,
        api_key: str | None = None,
        secret: str | None = None,
        rest_url: str | None = None,
        rest_client: _rest.RestClient | None = None,
        token_provider: TokenProvider | None = None,
        token_ttl: float | None = None,
        token_min_interval: float | None = None,
        decoder: Callable[[bytes], Any] | None = None,
        queue_size: int = 10_000,
        overflow: str = "drop_oldest",
        on_state: Callable[[ConnectionEvent], Any] | None = None,
        open_timeout: float = 10.0,
        max_params_per_request: int = 50,
        listen_key_in: str | None = None,
    ) -> None:
        self.product, self.channel = endpoint(product, channel)
        self.url = resolve_url(url, self.product, self.channel)
        self.transport = transport
        self.compression = compression
        self.core = StreamCore(
            self.product, self.channel, decoder=decoder,
            max_params_per_request=max_params_per_request, listen_key_in=listen_key_in,
        )
        self.private = self.core.private
        window = SERVER_PING_WINDOW[self.product]
        interval = ping_interval if ping_interval is not None else window / 3
        self.heartbeat = Heartbeat(interval, pong_timeout if pong_timeout is not None else interval)
        self.reconnect_policy = reconnect or ReconnectPolicy()
        self.token = TokenLifecycle(
            token_ttl or TOKEN_TTL[self.product],
            min_interval=(token_min_interval if token_min_interval is not None
                          else TOKEN_MIN_INTERVAL[self.product]),
        )
        self.rest_url = rest_url or _rest.default_rest_url(self.product)
        # Tokens come through the REST clients' request core: the signer with
        # the tracked clock offset, the shared rate limiter, the retries. The
        # secret lives only in that client's Signer.
        self._rest: _rest.RestClient | None = rest_client
        self._own_rest = False
        if self.private and token_provider is None:
            if self._rest is None:
                if not (api_key and secret):
                    raise ValueError(
                        f"{self.product} {self.channel} stream needs api_key and secret "
                        "(or a rest_client or a token_provider)"
                    )
                rest_cls = AsyncSpotClient if self.product == "spot" else AsyncFuturesClient
                self._rest = rest_cls(api_key, secret, base_url=self.rest_url)
                self._own_rest = True
            token_provider = self._fetch_token_with_keys
        self._token_provider = token_provider
        self.queue_size = queue_size
        self.overflow = overflow
        self.open_timeout = open_timeout
        self._on_state = [on_state] if on_state else []
        self._state_queues: list[asyncio.Queue[ConnectionEvent]] = []
        self.state = ConnectionState.CLOSED
        self._conn: Connection | None = None
        self._run_task: asyncio.Task[None] | None = None
        self._closing = False
        self._wake: asyncio.Event | None = None
        self._connected: asyncio.Event | None = None
        self._blocked: set[Subscription] = set()
        self.core.on_pong = self._pong
        self.core.on_listen_key_rejected = self._key_rejected
        self._attempt = 0

    # ---- public API -------------------------------------------------------

    @property
    def counters(self) -> StreamCounters:
        return self.core.counters

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.closed.done()

    @property
    def subscriptions(self) -> list[str]:
        return self.core.subscriptions

    def add_state_listener(self, callback: Callable[[ConnectionEvent], Any]) -> None:
        self._on_state.append(callback)

    def remove_state_listener(self, callback: Callable[[ConnectionEvent], Any]) -> None:
        with contextlib.suppress(ValueError):
            self._on_state.remove(callback)

    def states(self, maxsize: int = 1000) -> StateEvents:
        """Async iterator over connection-state events from this call on
        (bounded: the oldest are dropped past ``maxsize``); ``close()`` it
        or leave the ``async for`` to stop listening."""
        return StateEvents(self, maxsize)

    async def __aenter__(self) -> StreamClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def start(self) -> None:
        """Connect; raises if the first connection cannot be opened."""
        if self._run_task is not None:
            return
        self._closing = False
        self._wake = asyncio.Event()
        self._connected = asyncio.Event()
        first: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._run_task = asyncio.create_task(self._run(first), name=f"wexcore-stream {self.url}")
        try:
            await first
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close the connection and stop reconnecting."""
        self._closing = True
        if self._wake is not None:
            self._wake.set()
        task, self._run_task = self._run_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
        if self._own_rest and self._rest is not None:
            await self._rest.aclose()
        for sinks in list(self.core._subs.values()):
            for s in sinks:
                if isinstance(s, Subscription):
                    s._close()
        if self.state is not ConnectionState.CLOSED:
            self._emit(ConnectionState.CLOSED)

    async def wait_connected(self, timeout: float | None = None) -> None:
        assert self._connected is not None, "start() the client first"
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def subscribe(
        self,
        *params: str,
        callback: Callable[[Any], Any] | None = None,
        queue_size: int | None = None,
        overflow: str | None = None,
        raw: bool = False,
        timeout: float = 10.0,
    ) -> Subscription:
        """Subscribe to topics (e.g. ``"trade@btc_usdt"``, ``"kline@btc_usdt,1m"``,
        private ``"order"``) and return their :class:`Subscription`.

        Resolves when the server's reply with the matching id arrives; raises
        :class:`~wexcore.stream.core.SubscriptionError` if it refuses
        (:class:`~wexcore.stream.core.ListenKeyError` for a rejected key,
        which also triggers renewal) and ``TimeoutError`` without reply.
        While disconnected, the subscription joins the set and is sent on
        the next connection; the call then waits for that reply.
        ``raw=True`` delivers the frame bytes undecoded.
        """
        if not params:
            raise ValueError("subscribe needs at least one topic")
        for p in params:
            if not isinstance(p, str) or not p:
                raise ValueError(f"bad topic {p!r}")
        sub = Subscription(
            self, list(params), callback=callback,
            queue_size=self.queue_size if queue_size is None else queue_size,
            overflow=overflow or self.overflow, raw=raw,
        )
        new = self.core.add(params, sub)
        if new:
            try:
                await self._request("subscribe", new, timeout)
            except BaseException:
                self.core.remove(params, sub)
                raise
        return sub

    async def subscribe_sink(self, params: list[str], sink: Any, timeout: float = 10.0) -> None:
        """Attach a low-level sink (``raw`` attribute, ``deliver(frame, decoded,
        received_ns)`` method) to topics; used by :class:`~wexcore.LiveBook`."""
        new = self.core.add(params, sink)
        if new:
            try:
                await self._request("subscribe", new, timeout)
            except BaseException:
                self.core.remove(params, sink)
                raise

    async def unsubscribe_sink(self, params: list[str], sink: Any, timeout: float = 10.0) -> None:
        gone = self.core.remove(params, sink)
        if gone and self.connected:
            await self._request("unsubscribe", gone, timeout)

    async def unsubscribe(self, subscription: Subscription, timeout: float = 10.0) -> None:
        """Detach a subscription; topics nobody else wants are unsubscribed."""
        gone = self.core.remove(subscription.params, subscription)
        subscription._close()
        if gone and self.connected:
            await self._request("unsubscribe", gone, timeout)

    async def reconnect(self, reason: str = "requested") -> None:
        """Drop the current connection now; the client reconnects as after a failure."""
        if self._conn is not None:
            self._conn.abort()

    # ---- internals --------------------------------------------------------

    async def _request(self, method: str, params: list[str], timeout: float) -> Reply:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Reply] = loop.create_future()
        if self.connected and not (self.private and self.token.token is None):
            assert self._conn is not None
            _, data = self.core.request(method, params, fut, time.monotonic())
            await self._conn.send_text(data)
        else:
            # not connected: the reconnect's resubscribe carries it
            self.core.add_orphan(method, params, fut)
        return await asyncio.wait_for(fut, timeout)

    def _emit(self, state: ConnectionState, *, delay: float = 0.0, reason: str = "") -> None:
        self.state = state
        ev = ConnectionEvent(state, self.url, self._attempt, delay, reason)
        for cb in self._on_state:
            try:
                cb(ev)
            except Exception:  # noqa: BLE001
                log.exception("state callback raised")
        for q in self._state_queues:
            if q.full():
                q.get_nowait()
            q.put_nowait(ev)

    def _pong(self) -> None:
        self.heartbeat.pong_received(time.monotonic())

    def _key_rejected(self, reply: Reply) -> None:
        log.warning("%s %s: listen key rejected (%s %s); renewing", self.product, self.channel,
                    reply.code, reply.msg)
        self.token.invalidate()
        if self._wake is not None:
            self._wake.set()

    def _block_for(self, sub: Subscription) -> None:
        if not self._blocked and self._conn is not None:
            self._conn.pause_reading()
        self._blocked.add(sub)

    def _unblock_for(self, sub: Subscription) -> None:
        if sub in self._blocked:
            self._blocked.discard(sub)
            if not self._blocked and self._conn is not None:
                self._conn.resume_reading()

    async def _fetch_token_with_keys(self) -> str:
        assert self._rest is not None
        return await _rest.fetch_token(self._rest)

    async def _renew_token(self) -> bool:
        """Fetch a token; return True if it changed."""
        assert self._token_provider is not None
        token = await self._token_provider()
        changed = self.token.set(token, time.monotonic())
        self.core.listen_key = token
        self.counters.token_renewals += 1
        return changed

    async def _run(self, first: asyncio.Future[None]) -> None:
        assert self._wake is not None and self._connected is not None
        while not self._closing:
            if self._attempt == 0:
                self._emit(ConnectionState.CONNECTING)
            conn = None
            try:
                if self.private and self.token.needs_renewal(time.monotonic()):
                    await self._renew_token()
                conn = await connect(
                    # the transport calls the core directly: no hop per message
                    self.url, self.core.feed, transport=self.transport,
                    compression=self.compression, open_timeout=self.open_timeout,
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001
                if not first.done():
                    first.set_exception(exc)
                    return
                reason = f"{type(exc).__name__}: {exc}"
                if not await self._backoff(reason):
                    return
                continue
            reason = await self._serve(conn, first)
            self._conn = None
            self._connected.clear()
            self.core.connection_lost()
            self.counters.disconnects += 1
            if self._closing:
                break
            log.info("%s: connection lost (%s); reconnecting", self.url, reason)
            if not await self._backoff(reason):
                return

    async def _backoff(self, reason: str) -> bool:
        delay = self.reconnect_policy.next_delay()
        self._attempt += 1
        if delay is None:
            self._emit(ConnectionState.CLOSED, reason=f"gave up: {reason}")
            return False
        self._emit(ConnectionState.RECONNECTING, delay=delay, reason=reason)
        assert self._wake is not None
        self._wake.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay)
        self.counters.reconnects += 1
        return not self._closing

    async def _serve(self, conn: Connection, first: asyncio.Future[None]) -> str:
        assert self._wake is not None and self._connected is not None
        now = time.monotonic()
        self.heartbeat.reset(now)
        self.counters.connects += 1
        self._blocked.clear()
        # Take the subscription set and publish the connection in one step
        # (no await in between): a subscribe() racing with this either is in
        # the set sent here or goes out directly on the new connection, never
        # both and never neither.
        pending = self._prepare_resubscribe()
        self._conn = conn
        self._emit(ConnectionState.CONNECTED)
        self._connected.set()
        if not first.done():
            first.set_result(None)
        resub = asyncio.create_task(self._resubscribe(conn, pending))
        try:
            while True:
                now = time.monotonic()
                action = self.heartbeat.poll(now)
                if action == "dead":
                    self.counters.pong_timeouts += 1
                    conn.abort()
                    return "pong timeout"
                if action == "ping":
                    await conn.send_text("ping")
                    self.counters.pings_sent += 1
                    self.heartbeat.ping_sent(now)
                if self.private and self.token.needs_renewal(now):
                    try:
                        await self._renew_and_resubscribe(conn)
                    except (OSError, WexError) as exc:
                        # the current key may still be good: keep the
                        # connection, try again after the endpoint's interval
                        delay = max(self.token.min_interval, 1.0)
                        log.warning("%s %s: token renewal failed (%s); retrying in %.1fs",
                                    self.product, self.channel, exc, delay)
                        self.token.defer(time.monotonic(), delay)
                wait = self.heartbeat.next_wakeup(time.monotonic())
                if self.private:
                    wait = min(wait, self.token.seconds_until_renewal(time.monotonic()))
                self._wake.clear()
                waker = asyncio.ensure_future(self._wake.wait())
                watched: set[asyncio.Future[Any]] = {conn.closed, waker}
                done, _ = await asyncio.wait(
                    watched, timeout=max(wait, 0.001),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                waker.cancel()
                if conn.closed.done():
                    cause = conn.closed.result()
                    return f"{type(cause).__name__}: {cause}" if cause else "closed"
                if self._closing:
                    return "closing"
        except (ConnectionError, OSError) as exc:
            conn.abort()
            return f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001 - e.g. the websockets library's ConnectionClosed
            conn.abort()
            return f"{type(exc).__name__}: {exc}"
        finally:
            resub.cancel()

    def _prepare_resubscribe(self) -> tuple[list[tuple[str, bytes]], list[Any], list[Any]]:
        """Register subscribe requests for the whole set (synchronously)."""
        loop = asyncio.get_running_loop()
        sent = self.core.resubscribe_requests(time.monotonic())
        futs: list[Any] = []
        logical = []
        for rid, _data in sent:
            fut: asyncio.Future[Reply] = loop.create_future()
            pend = self.core._pending[rid]
            pend.waiter = fut  # ours; orphans get chained below
            logical.append(pend.params)
            futs.append(fut)
        # hand user waiters from the previous connection to these requests
        for o in self.core.take_orphans():
            if o.method == "subscribe":
                _chain_orphan(o, logical, futs)
            elif o.waiter is not None and not o.waiter.done():
                o.waiter.set_result(Reply("", 0, "not connected"))
        return sent, futs, logical

    async def _resubscribe(
        self, conn: Connection,
        prepared: tuple[list[tuple[str, bytes]], list[Any], list[Any]] | None = None,
    ) -> None:
        sent, futs, _ = prepared if prepared is not None else self._prepare_resubscribe()
        try:
            for _rid, data in sent:
                await conn.send_text(data)
        except Exception:  # noqa: BLE001 - the connection died; the reconnect resubscribes
            return
        if sent:
            self.counters.resubscribes += 1
        replies = asyncio.gather(*futs, return_exceptions=True)
        # a reply never comes on a connection that died meanwhile: the
        # reconnect resubscribes, this one is abandoned
        watched: set[asyncio.Future[Any]] = {replies, conn.closed}
        await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
        if not replies.done():
            replies.cancel()
            return
        results = replies.result()
        errors = [r for r in results if isinstance(r, BaseException)]
        if any(isinstance(e, ListenKeyError) for e in errors):
            return  # renewal is under way; it resubscribes again
        self.reconnect_policy.reset()
        self._emit(ConnectionState.RESUBSCRIBED,
                   reason="; ".join(str(e) for e in errors))

    async def _renew_and_resubscribe(self, conn: Connection) -> None:
        old = self.token.token
        changed = await self._renew_token()
        self._emit(ConnectionState.TOKEN_RENEWED)
        if conn.closed.done():
            return  # the reconnect subscribes with the new token
        if changed or old is None or self.core.subscriptions:
            # The new key must be used for the subscriptions to stay valid on
            # the server; the same key after a rejection is sent again too.
            # Repeated private pushes that this may cause are suppressed by
            # the core's dedupe window.
            await self._resubscribe(conn)


def _chain_orphan(o: Any, logical: list[list[str]], futs: list[asyncio.Future[Reply]]
                  ) -> None:
    want = set(o.params)
    for params, fut in zip(logical, futs, strict=True):
        if want & set(params):
            def done(f: asyncio.Future[Reply], w: Any = o.waiter) -> None:
                if w.done():
                    return
                if f.cancelled():
                    w.cancel()
                elif f.exception() is not None:
                    w.set_exception(f.exception())
                else:
                    w.set_result(f.result())
            fut.add_done_callback(done)
            return
    if not o.waiter.done():
        o.waiter.set_result(Reply("", 0, "not subscribed any more"))


# ---- named convenience classes ---------------------------------------------


class SpotPublicStream(StreamClient):
    """``wss://stream.wexex.io/public``: trade, kline, depth, depth_update, ticker, tickers."""

    def __init__(self, **kw: Any) -> None:
        super().__init__("spot", "public", **kw)


class SpotPrivateStream(StreamClient):
    """``wss://stream.wexex.io/private``: balance, order, trade (ws token from /v4/ws-token)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__("spot", "private", **kw)


class FuturesMarketStream(StreamClient):
    """``wss://fstream.wexex.io/ws/market``: trade, kline, agg_ticker, index_price,
    mark_price, depth_update, depth, fund_rate."""

    def __init__(self, **kw: Any) -> None:
        super().__init__("futures", "market", **kw)


class FuturesUserStream(StreamClient):
    """``wss://fstream.wexex.io/ws/user``: balance, position, trade, order, notify
    (listen key from /future/user/v1/user/listen-key)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__("futures", "user", **kw)
