"""The sans-I/O stream core: bytes in, events and requests out, no sockets.

Everything a WEX WebSocket session has to get right lives here, so that it can
be tested by feeding raw frames without a network:

* request ids and the subscribe/unsubscribe request shapes of the four
  endpoints (spot public, spot private, futures market, futures user);
* routing of pushes to subscriptions without parsing the whole frame (one
  ``bytes.find`` for the ``"event"`` key and a dict lookup);
* resolving subscribe/unsubscribe replies by ``id`` and classifying errors
  (listen key invalid or expired -> renew), including the plain-text ones
  (``order@invalid_listenkey`` renews; ``Invalid method`` is logged and
  counted, never fatal);
* the heartbeat schedule (text ``ping``/``pong``) and the dead-connection
  rule;
* the reconnect policy (jittered exponential backoff);
* the token / listen-key lifecycle (renew before expiry, renew on rejection);
* bounded delivery queues with an explicit overflow policy.

The asyncio driver in :mod:`wexcore.stream.client` owns the clock and the
transport and calls into this module; nothing here awaits.
"""

from __future__ import annotations

import enum
import itertools
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from wexcore._stream import Router
from wexcore.errors import AuthenticationError, WexAPIError

__all__ = [
    "ConnectionState",
    "ConnectionEvent",
    "StreamCounters",
    "ReconnectPolicy",
    "Heartbeat",
    "TokenLifecycle",
    "StreamCore",
    "SubscriptionError",
    "ListenKeyError",
    "Reply",
    "endpoint",
    "route_key",
    "DEFAULT_URLS",
    "TOKEN_TTL",
    "TOKEN_MIN_INTERVAL",
    "SERVER_PING_WINDOW",
]

log = logging.getLogger("wexcore.stream")

# Where each (product, channel) lives on the real exchange. Overridable per
# client (the simulator, a proxy).
DEFAULT_URLS: dict[tuple[str, str], str] = {
    ("spot", "public"): "wss://stream.wexex.io/public",
    ("spot", "private"): "wss://stream.wexex.io/private",
    ("futures", "market"): "wss://fstream.wexex.io/ws/market",
    ("futures", "user"): "wss://fstream.wexex.io/ws/user",
}

# The server closes a connection that sent no text ``ping`` within this many
# seconds (spot "General WSS information": 1 minute; futures: 30 seconds).
SERVER_PING_WINDOW = {"spot": 60.0, "futures": 30.0}

# Validity of a spot ws token ("valid for 2 days") and of a futures listen key
# ("Valid time is 8 hours").
TOKEN_TTL = {"spot": 2 * 86400.0, "futures": 8 * 3600.0}

# Rate limits of the token endpoints: spot /v4/ws-token "1 request / 10s /
# apikey", futures listen-key "200/s/apikey".
TOKEN_MIN_INTERVAL = {"spot": 10.0, "futures": 0.005}

PRIVATE_CHANNELS = {("spot", "private"), ("futures", "user")}

# Aliases accepted for ``channel`` so that users can say what they mean.
_CHANNEL_ALIASES = {
    ("spot", "market"): "public",
    ("spot", "user"): "private",
    ("futures", "public"): "market",
    ("futures", "private"): "user",
}


def endpoint(product: str, channel: str) -> tuple[str, str]:
    """Normalise ``(product, channel)``; raise ``ValueError`` for unknown ones."""
    if product not in ("spot", "futures"):
        raise ValueError(f"product must be 'spot' or 'futures', not {product!r}")
    channel = _CHANNEL_ALIASES.get((product, channel), channel)
    if (product, channel) not in DEFAULT_URLS:
        raise ValueError(f"unknown channel {channel!r} for product {product!r}")
    return product, channel


# --------------------------------------------------------------------------
# connection state and counters


class ConnectionState(enum.Enum):
    """What a stream connection is doing; delivered as :class:`ConnectionEvent`."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RESUBSCRIBED = "resubscribed"
    RECONNECTING = "reconnecting"
    TOKEN_RENEWED = "token_renewed"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class ConnectionEvent:
    """A change of a connection's state.

    Attributes:
        state: the new state.
        url: the endpoint.
        attempt: the reconnect attempt number (0 for the first connection).
        delay: for ``RECONNECTING``, the backoff delay before the next attempt.
        reason: why the state changed (an exception's text, ``"pong timeout"``...).
        at: ``time.time()`` when it happened.
    """

    state: ConnectionState
    url: str
    attempt: int = 0
    delay: float = 0.0
    reason: str = ""
    at: float = field(default_factory=time.time)


@dataclass(slots=True)
class StreamCounters:
    """Monotonic counters of one stream client (never reset)."""

    connects: int = 0
    reconnects: int = 0
    disconnects: int = 0
    resubscribes: int = 0
    messages: int = 0
    bytes: int = 0
    pings_sent: int = 0
    pongs: int = 0
    pong_timeouts: int = 0
    token_renewals: int = 0
    replies: int = 0
    errors: int = 0
    unrouted: int = 0
    dropped: int = 0
    duplicates_suppressed: int = 0
    #: plain-text (not JSON) messages from the server, e.g. ``Invalid method``
    server_texts: int = 0

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__slots__}


# --------------------------------------------------------------------------
# reconnect policy


class ReconnectPolicy:
    """Jittered exponential backoff ("full jitter").

    The n-th consecutive failed attempt waits a uniform random time in
    ``[initial * factor**n / 2, min(maximum, initial * factor**n)]``; the
    lower half-bound keeps a flapping server from being hammered while still
    spreading many clients apart. ``reset()`` after a connection that stayed up.
    """

    def __init__(
        self,
        initial: float = 0.1,
        maximum: float = 30.0,
        factor: float = 2.0,
        *,
        max_attempts: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if initial <= 0 or maximum < initial or factor < 1:
            raise ValueError("need 0 < initial <= maximum and factor >= 1")
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.max_attempts = max_attempts
        self._rng = rng or random.Random()
        self.attempt = 0

    def next_delay(self) -> float | None:
        """Delay before the next attempt, or ``None`` when attempts are exhausted."""
        if self.max_attempts is not None and self.attempt >= self.max_attempts:
            return None
        ceiling = min(self.maximum, self.initial * self.factor**self.attempt)
        self.attempt += 1
        return self._rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.attempt = 0


# --------------------------------------------------------------------------
# heartbeat


class Heartbeat:
    """The text ``ping``/``pong`` schedule and the dead-connection rule.

    A ``ping`` is due every ``interval`` seconds (a third of the server's
    window by default, so that two pings may be lost before the server gives
    up). After a ping, a ``pong`` must arrive within ``timeout`` seconds or
    the connection is declared dead: no silent half-open sockets.
    """

    def __init__(self, interval: float, timeout: float) -> None:
        if interval <= 0 or timeout <= 0:
            raise ValueError("heartbeat interval and timeout must be positive")
        self.interval = interval
        self.timeout = timeout
        self.reset(0.0)

    def reset(self, now: float) -> None:
        self._last_ping = now
        self._awaiting_since: float | None = None

    def ping_sent(self, now: float) -> None:
        self._last_ping = now
        if self._awaiting_since is None:
            self._awaiting_since = now

    def pong_received(self, now: float) -> None:
        self._awaiting_since = None

    def poll(self, now: float) -> str | None:
        """``"dead"`` if a pong is overdue, ``"ping"`` if a ping is due, else None."""
        if self._awaiting_since is not None and now - self._awaiting_since >= self.timeout:
            return "dead"
        if now - self._last_ping >= self.interval:
            return "ping"
        return None

    def next_wakeup(self, now: float) -> float:
        """Seconds until :meth:`poll` may return something new."""
        due = self._last_ping + self.interval
        if self._awaiting_since is not None:
            due = min(due, self._awaiting_since + self.timeout)
        return max(0.0, due - now)


# --------------------------------------------------------------------------
# token / listen key


class TokenLifecycle:
    """When a spot ws token or futures listen key must be (re)fetched.

    Renewal is due at ``renew_fraction`` of the validity (80 % by default:
    about 9.6 days early is silly for 2 days, so the margin is a fraction),
    immediately when the server rejected the key, and before the first use.
    """

    def __init__(
        self, ttl: float, renew_fraction: float = 0.8, min_interval: float = 0.0
    ) -> None:
        if ttl <= 0 or not 0 < renew_fraction <= 1 or min_interval < 0:
            raise ValueError("ttl must be positive, 0 < renew_fraction <= 1, min_interval >= 0")
        self.ttl = ttl
        self.renew_fraction = renew_fraction
        # the token endpoints are rate limited (spot: 1 request / 10 s / key);
        # a server that keeps rejecting fresh keys must not make us spin
        self.min_interval = min_interval
        self.token: str | None = None
        self.obtained_at = -1e18
        self.invalid = False
        self._retry_at = -1e18

    def set(self, token: str, now: float) -> bool:
        """Store a fresh token; return True if it differs from the previous one."""
        changed = token != self.token
        self.token = token
        self.obtained_at = now
        self.invalid = False
        return changed

    def invalidate(self) -> None:
        self.invalid = True

    def defer(self, now: float, delay: float) -> None:
        """A renewal attempt failed: try again no sooner than ``delay`` from now."""
        self._retry_at = now + delay

    def _due(self) -> float:
        if self.token is None:
            due = -1e18
        elif self.invalid:
            due = self.obtained_at + self.min_interval
        else:
            due = self.obtained_at + self.ttl * self.renew_fraction
        return max(due, self._retry_at)

    def needs_renewal(self, now: float) -> bool:
        return now >= self._due()

    def seconds_until_renewal(self, now: float) -> float:
        return max(0.0, self._due() - now)


# --------------------------------------------------------------------------
# replies and errors


class SubscriptionError(WexAPIError):
    """The server refused a subscribe/unsubscribe request (reply ``code`` != 0)."""


class ListenKeyError(SubscriptionError, AuthenticationError):
    """The listen key / ws token was rejected as expired or invalid."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A server reply to a request: ``{"id": ..., "code": ..., "msg": ...}``."""

    id: str
    code: int
    msg: str

    @property
    def ok(self) -> bool:
        return self.code == 0


def _is_listen_key_failure(code: int, msg: str) -> bool:
    # Spot: code 2 = "listenKey invalid"; the spec's example also shows
    # {"code": 401, "msg": "token expire"}. Futures: "{topic}@invalid_listenkey".
    low = msg.lower()
    return code in (2, 401) or "invalid_listenkey" in low or "token expire" in low


def reply_error(reply: Reply, params: list[str]) -> SubscriptionError:
    cls = ListenKeyError if _is_listen_key_failure(reply.code, reply.msg) else SubscriptionError
    return cls(
        f"request {reply.id} for {params} refused: {reply.msg or 'no message'}",
        code=str(reply.code),
        body=None,
    )


# --------------------------------------------------------------------------
# routing


def route_key(topic_args: str, private: bool) -> str:
    """The routing key of a subscription parameter or of a push's ``event``.

    Subscriptions and pushes do not always spell the same string: futures
    ``depth_update@btc_usdt,100ms`` pushes ``depth_update@btc_usdt``; futures
    ``depth@btc_usdt,50,1000ms`` pushes ``depth@btc_usdt,20`` in the spec's own
    example; futures user pushes ``balance@123456`` for a ``balance``
    subscription. So the key keeps the topic and the symbol (and the interval
    for klines, where two intervals of one symbol are distinct streams), and
    on private channels only the topic.
    """
    topic, _, args = topic_args.partition("@")
    if private or not args:
        return topic
    parts = args.split(",")
    if topic == "kline" and len(parts) > 1:
        return f"kline@{parts[0]},{parts[1]}"
    return f"{topic}@{parts[0]}"


_EVENT = b'"event"'


def event_of(frame: bytes) -> bytes | None:
    """The raw value of a push's ``"event"`` key, found without parsing JSON.

    Returns None when the frame has no ``"event"`` key (replies, pong). The
    key is looked for once; pushes put it before ``data`` (the spec's
    examples do), so nested data cannot shadow it unless it precedes it, and
    the decoder validates the whole frame anyway.
    """
    pos = frame.find(_EVENT)
    if pos < 0:
        return None
    pos += 7
    n = len(frame)
    # skip whitespace and the colon
    while pos < n and frame[pos] in b" \t\r\n:":
        pos += 1
    if pos >= n or frame[pos] != 0x22:  # '"'
        return None
    end = frame.find(b'"', pos + 1)
    if end < 0:
        return None
    return frame[pos + 1 : end]


class Sink(Protocol):
    """Where the core delivers pushes of one subscription.

    ``raw`` sinks get the frame bytes only (``decoded`` is None), so a live
    book receives the socket's bytes without any Python object per level.
    """

    raw: bool

    def deliver(self, frame: bytes, decoded: Any, received_ns: int) -> None: ...


class Waiter(Protocol):
    """Anything with ``set_result``/``set_exception`` (an asyncio future)."""

    def set_result(self, result: Any) -> None: ...

    def set_exception(self, exception: BaseException) -> None: ...

    def done(self) -> bool: ...


@dataclass(slots=True)
class _Pending:
    method: str
    params: list[str]
    waiter: Waiter | None
    sent_at: float


def _fallback_decode(frame: bytes) -> Any:
    return orjson.loads(frame)


def default_decoder() -> Callable[[bytes], Any]:
    """wexcore's decoder kernel when it is built, else ``orjson.loads``."""
    try:
        from wexcore import decode
    except ImportError:
        return _fallback_decode
    return decode


# --------------------------------------------------------------------------
# the core


class StreamCore:
    """Protocol state of one WEX WebSocket connection (and its successors).

    The subscription set survives reconnects: after every (re)connect the
    driver sends :meth:`resubscribe_requests`.

    Args:
        product: ``"spot"`` or ``"futures"``.
        channel: ``"public"``/``"private"`` (spot) or ``"market"``/``"user"`` (futures).
        decoder: bytes -> typed event; defaults to :func:`wexcore.decode`.
        max_params_per_request: how many topics go into one subscribe request
            when resubscribing many symbols.
        dedupe_window: on private channels, how many recent (topic, id) keys
            are remembered to suppress a repeated order/trade push after a
            reconnect or a listen-key change (0 disables).
    """

    def __init__(
        self,
        product: str = "spot",
        channel: str = "public",
        *,
        decoder: Callable[[bytes], Any] | None = None,
        max_params_per_request: int = 50,
        dedupe_window: int = 4096,
        listen_key_in: str | None = None,
    ) -> None:
        self.product, self.channel = endpoint(product, channel)
        if listen_key_in is None:
            listen_key_in = "topic" if product == "futures" else "field"
        if listen_key_in not in ("topic", "field"):
            raise ValueError(f"listen_key_in must be 'topic' or 'field', not {listen_key_in!r}")
        self.listen_key_in = listen_key_in
        self.private = (self.product, self.channel) in PRIVATE_CHANNELS
        self.decoder = decoder or default_decoder()
        self.max_params = max_params_per_request
        self._counters = StreamCounters()
        self._ids = itertools.count(1)
        self._pending: dict[str, _Pending] = {}
        # subscription parameter -> sinks; insertion ordered for resubscribe
        self._subs: dict[str, list[Sink]] = {}
        self._routes: dict[str, list[Sink]] = {}
        self.listen_key: str | None = None
        self.on_pong: Callable[[], None] | None = None
        self.on_listen_key_rejected: Callable[[Reply], None] | None = None
        self._dedupe_window = dedupe_window if self.private else 0
        self._seen: dict[bytes, None] = {}
        self._seen_order: deque[bytes] = deque()
        self._orphans: list[_Pending] = []
        self._unrouted_control = 0
        self._texts_seen: set[str] = set()
        self._router = Router(self._resolve_route, self._control, event_of, self.decoder)
        if self._dedupe_window:
            self._router.duplicate = self._is_duplicate
        # transports call ``core.feed``: point it straight at the C router
        self.feed = self._router.feed  # type: ignore[method-assign]

    # ---- requests -------------------------------------------------------

    def next_id(self) -> str:
        return str(next(self._ids))

    def _wire_params(self, params: Iterable[str]) -> list[str]:
        if self.private and self.listen_key_in == "topic":
            # The futures user stream's spec shows no request; its error code
            # "{topic}@invalid_listenkey" and the widely used clients of this
            # API family put the key in each topic: "order@<listenKey>".
            return [f"{p.partition('@')[0]}@{self.listen_key}" for p in params]
        return list(params)

    def build_request(self, method: str, params: list[str], request_id: str) -> bytes:
        """The wire bytes of a subscribe/unsubscribe request.

        Spot: ``{"method":"subscribe","params":[...],"id":..}``, private with
        a ``"listenKey"`` field. Futures: upper-case ``"SUBSCRIBE"``
        (futures-en.txt "General WSS Information"); the user stream carries
        the listen key in each topic (``listen_key_in="topic"``, default) or
        as a ``"listenKey"`` field like spot (``listen_key_in="field"``).
        """
        if self.private and not self.listen_key:
            raise ListenKeyError("no listen key / ws token: fetch one before subscribing")
        method = method.upper() if self.product == "futures" else method
        msg: dict[str, Any] = {"method": method, "params": self._wire_params(params)}
        if self.private and self.listen_key_in == "field":
            msg["listenKey"] = self.listen_key
        msg["id"] = request_id
        return orjson.dumps(msg)

    def request(
        self, method: str, params: list[str], waiter: Waiter | None = None, now: float = 0.0
    ) -> tuple[str, bytes]:
        """Register a request and return ``(id, bytes to send)``."""
        if method not in ("subscribe", "unsubscribe"):
            raise ValueError(f"method must be subscribe or unsubscribe, not {method!r}")
        rid = self.next_id()
        data = self.build_request(method, params, rid)
        self._pending[rid] = _Pending(method, list(params), waiter, now)
        return rid, data

    # ---- subscription set ---------------------------------------------------

    def add(self, params: Iterable[str], sink: Sink) -> list[str]:
        """Attach ``sink`` to ``params``; return the params not yet subscribed."""
        new = []
        for p in params:
            sinks = self._subs.get(p)
            if sinks is None:
                self._subs[p] = [sink]
                new.append(p)
            elif sink not in sinks:
                sinks.append(sink)
            key = route_key(p, self.private)
            lst = self._routes.setdefault(key, [])
            if sink not in lst:
                lst.append(sink)
        self._router.clear()
        return new

    def remove(self, params: Iterable[str], sink: Sink | None = None) -> list[str]:
        """Detach ``sink`` (or every sink) from ``params``; return params left with none."""
        gone = []
        for p in params:
            sinks = self._subs.get(p)
            if sinks is None:
                continue
            if sink is None:
                sinks.clear()
            elif sink in sinks:
                sinks.remove(sink)
            key = route_key(p, self.private)
            if not sinks:
                del self._subs[p]
                gone.append(p)
            # rebuild this route from the remaining params that share the key
            remaining: list[Sink] = []
            for q, qs in self._subs.items():
                if route_key(q, self.private) == key:
                    for s in qs:
                        if s not in remaining:
                            remaining.append(s)
            if remaining:
                self._routes[key] = remaining
            else:
                self._routes.pop(key, None)
        self._router.clear()
        return gone

    @property
    def subscriptions(self) -> list[str]:
        return list(self._subs)

    def resubscribe_requests(self, now: float = 0.0) -> list[tuple[str, bytes]]:
        """Subscribe requests restoring every subscription, chunked."""
        params = list(self._subs)
        out = []
        for i in range(0, len(params), self.max_params):
            out.append(self.request("subscribe", params[i : i + self.max_params], None, now))
        return out

    def connection_lost(self) -> None:
        """Forget requests that can no longer be answered.

        A user's ``await subscribe(...)`` sent on the dead connection is not
        failed: the subscription stays in the set, the reconnect sends it
        again, and :meth:`take_orphans` hands its waiter to the driver to be
        resolved by that new request's reply. Internal requests are dropped.
        """
        self._orphans.extend(p for p in self._pending.values() if p.waiter is not None)
        self._pending.clear()

    def add_orphan(self, method: str, params: list[str], waiter: Waiter) -> None:
        """Park a user request made while disconnected (see :meth:`connection_lost`)."""
        self._orphans.append(_Pending(method, list(params), waiter, 0.0))

    def take_orphans(self) -> list[_Pending]:
        out, self._orphans = self._orphans, []
        return out

    # ---- receiving --------------------------------------------------------

    def feed(self, frame: bytes | str, received_ns: int = 0) -> None:
        """Process one received message (a whole WebSocket message).

        Runs in C (:class:`wexcore._stream.Router`): the compact
        ``"event":"`` key is found in the frame's first bytes, the raw
        event value looks up the cached route, the decoder runs once and
        only when a sink wants decoded events. The instance attribute set
        in ``__init__`` replaces this method, so callers reach the C code
        directly; this body is what it does.
        """
        self._router.feed(frame, received_ns)

    def _resolve_route(self, ev: bytes) -> tuple[tuple[Callable[..., None], ...], bool]:
        sinks = self._routes.get(route_key(ev.decode(errors="replace"), self.private)) or []
        return (tuple(s.deliver for s in sinks), any(not s.raw for s in sinks))

    def _is_duplicate(self, frame: bytes, decoded: Any) -> bool:
        # Private order/trade pushes can repeat when a subscription is sent
        # again (reconnect, listen-key change) or when the server re-sends
        # after a reconnect. The exact frame is the identity: an order update
        # that changes state is a different frame, a repeated one is not.
        if not (b'"order' in frame[:64] or b'"trade' in frame[:64]):
            return False
        key = frame
        if key in self._seen:
            return True
        self._seen[key] = None
        self._seen_order.append(key)
        if len(self._seen_order) > self._dedupe_window:
            self._seen.pop(self._seen_order.popleft(), None)
        return False

    def _control(self, frame: bytes) -> None:
        stripped = frame.strip()
        if stripped in (b"pong", b'"pong"'):
            self.counters.pongs += 1
            if self.on_pong is not None:
                self.on_pong()
            return
        if not stripped.startswith((b"{", b"[", b'"')):
            self._server_text(stripped)
            return
        try:
            msg = orjson.loads(stripped)
        except orjson.JSONDecodeError:
            self._server_text(stripped)
            return
        if isinstance(msg, str):
            self._server_text(msg.encode())
            return
        if not isinstance(msg, dict):
            self._unrouted_control += 1
            return
        if "id" in msg and ("code" in msg or "msg" in msg):
            rid = str(msg["id"])
            code = msg.get("code", 0)
            try:
                code = int(code)
            except (TypeError, ValueError):
                code = -1
            self._reply(Reply(rid, code, str(msg.get("msg") or "")))
            return
        if "code" in msg and msg.get("code") not in (0, "0"):
            # a reply without id (the spot public example shows {"code":0,"msg":"success"})
            code = int(msg.get("code") or -1)
            text = str(msg.get("msg") or "")
            self.counters.errors += 1
            if self.private and _is_listen_key_failure(code, text) and self.on_listen_key_rejected:
                self.on_listen_key_rejected(Reply("", code, text))
            return
        self._unrouted_control += 1

    def _server_text(self, text: bytes) -> None:
        """A message that is plain text, not JSON: the futures user stream's
        documented error ``{topic}@invalid_listenkey`` renews the key; any
        other (``Invalid method``, ``Invalid Parameter``...) is logged and
        counted in :attr:`StreamCounters.server_texts`, never fatal."""
        self.counters.server_texts += 1
        shown = text[:200].decode("utf-8", "replace")
        if _is_listen_key_failure(0, shown):  # by its text only
            self.counters.errors += 1
            if self.private and self.on_listen_key_rejected is not None:
                self.on_listen_key_rejected(Reply("", -1, shown))
                return
        # each distinct text once at WARNING (a server repeating one cannot flood the log)
        if shown not in self._texts_seen and len(self._texts_seen) < 100:
            self._texts_seen.add(shown)
            log.warning("%s %s: the server sent text: %r", self.product, self.channel, shown)
        else:
            log.debug("%s %s: the server sent text: %r", self.product, self.channel, shown)

    def _reply(self, reply: Reply) -> None:
        self.counters.replies += 1
        pend = self._pending.pop(reply.id, None)
        if not reply.ok:
            self.counters.errors += 1
            if (
                self.private
                and _is_listen_key_failure(reply.code, reply.msg)
                and self.on_listen_key_rejected
            ):
                self.on_listen_key_rejected(reply)
        if pend is None:
            return
        if not reply.ok and pend.method == "subscribe":
            # a refused subscription is not part of the set any more, except
            # when only the key was refused: renewal will resubscribe it
            if not (self.private and _is_listen_key_failure(reply.code, reply.msg)):
                self.remove(pend.params)
        w = pend.waiter
        if w is None or w.done():
            return
        if reply.ok:
            w.set_result(reply)
        else:
            w.set_exception(reply_error(reply, pend.params))

    @property
    def pending(self) -> int:
        return len(self._pending)

    @property
    def counters(self) -> StreamCounters:
        c = self._counters
        r = self._router
        c.messages = r.messages
        c.bytes = r.bytes_received
        c.unrouted = r.unrouted + self._unrouted_control
        c.duplicates_suppressed = r.duplicates
        return c
