"""Client-side rate limiting modelled on the documented limits.

Each documented limit ("10/s/ip", "200/s/apikey", "1000/min per IP") becomes
a sliding-window counter: a ring of the send times of the last ``count``
requests. A request may go when the oldest of those is at least ``per``
seconds old. Unlike a token bucket (which lets ``2*count - 1`` requests into
some one-second window), a sliding window never exceeds the limit whatever
window the server counts in, so a burst waits instead of earning 429s (and,
on futures, a 10-minute account lock).

Buckets are keyed by (host, scope identity, group): the scope identity is
the API key for ``apikey`` limits and the local address for ``ip`` limits
(one process = one IP, unless several limiters are created), so clients that
share a :class:`RateLimiter` share its counts. Reserving is sans-I/O: it
returns how long to wait and books the slot; the client sleeps (``time.sleep``
or ``asyncio.sleep``). Booking before sleeping keeps concurrent async tasks
in order without a lock.

Cost when not limiting: per bucket, one index read, one compare, one store.

The default clock is ``time.monotonic``, except on an event loop that runs
on virtual time (a market replay's :class:`wexcore.sim.vclock.VirtualTimeLoop`
marks itself with ``wexcore_virtual_time``): there the loop's own clock
counts, since that is the clock the client sleeps on and the server counts
with.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from wexcore.rest.endpoints import Endpoint, Limit

__all__ = ["RateLimiter", "Bucket"]


def _clock() -> float:
    """``time.monotonic()``, or a virtual-time event loop's clock (see above)."""
    loop = asyncio._get_running_loop()
    if loop is not None and getattr(loop, "wexcore_virtual_time", False):
        return float(loop.time())
    return time.monotonic()


class Bucket:
    """A sliding window of ``count`` requests per ``per`` seconds."""

    __slots__ = ("count", "per", "_ring", "_i", "name")

    def __init__(self, count: int, per: float, name: str = "") -> None:
        if count < 1 or per <= 0:
            raise ValueError(f"rate limit must be >= 1 request per > 0 s, got {count}/{per}")
        self.count = count
        self.per = per
        # Send times of the last `count` requests; -inf = never.
        self._ring = [float("-inf")] * count
        self._i = 0
        self.name = name

    def __repr__(self) -> str:
        return f"<Bucket {self.name} {self.count}/{self.per:g}s>"


class RateLimiter:
    """Shared rate-limit state for one or more clients.

    Args:
        margin: extra seconds added to every window, to absorb the difference
            between when the client sends and when the server counts (network
            and scheduling jitter; default 0.05 s). Raise it on a loaded
            machine or a jittery link: the limiter books send times, the
            server counts arrival times.
        enabled: ``False`` turns every reservation into a no-op.
        clock: a monotonic clock in seconds (tests pass a fake one); by
            default ``time.monotonic``, or the running loop's clock when it
            is virtual.
    """

    _shared: RateLimiter | None = None
    _shared_lock = threading.Lock()

    def __init__(
        self,
        *,
        margin: float = 0.05,
        enabled: bool = True,
        clock: Callable[[], float] = _clock,
    ) -> None:
        self.margin = margin
        self.enabled = enabled
        self.clock = clock
        self._buckets: dict[tuple[str, str, str], Bucket] = {}
        # Guards the bookkeeping when sync clients share the limiter between
        # threads; uncontended acquire/release costs ~50 ns.
        self._lock = threading.Lock()

    @classmethod
    def shared(cls) -> RateLimiter:
        """The process-wide limiter every client uses by default
        (``rate_limit=True``): one process is one IP, and clients of the same
        key share its per-key limits, so their counts must add up in one place
        (REST calls, stream token fetches and live-book snapshots alike)."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def bucket(self, host: str, scope_id: str, group: str, limit: Limit) -> Bucket:
        """The bucket for one limit, created on first use."""
        key = (host, scope_id, group)
        b = self._buckets.get(key)
        if b is None:
            b = self._buckets[key] = Bucket(limit.count, limit.per + self.margin, f"{host}|{group}")
        return b

    def buckets_for(
        self, endpoint: Endpoint[Any], host: str, api_key: str | None
    ) -> tuple[Bucket, ...]:
        """The buckets one request to ``endpoint`` counts against."""
        out = []
        for lim in endpoint.limits:
            group = lim.group or f"{endpoint.product}:{endpoint.method}:{endpoint.path}"
            scope_id = (api_key or "-") if lim.scope == "apikey" else "ip"
            out.append(self.bucket(host, scope_id, group, lim))
        return tuple(out)

    def reserve(self, buckets: Iterable[Bucket]) -> float:
        """Book a slot in every bucket; return the seconds to wait before sending.

        The slot is booked at the time the request will actually go, so the
        next caller queues behind it.
        """
        if not self.enabled:
            return 0.0
        with self._lock:
            now = self.clock()
            at = now
            for b in buckets:
                # The oldest of the last `count` sends must be `per` old.
                ring = b._ring
                t = ring[b._i] + b.per
                if t > at:
                    at = t
                # Keep each ring in send order (another bucket may have pushed
                # the previous booking into the future).
                t = ring[b._i - 1]
                if t > at:
                    at = t
            for b in buckets:
                i = b._i
                b._ring[i] = at
                i += 1
                b._i = 0 if i == b.count else i
        return at - now
