"""Server-time offset for signed requests.

The exchange rejects a request whose ``validate-timestamp`` is more than
``recv_window`` ms behind its clock or more than 1 s ahead (AUTH_105; the
futures gateway answers HTTP 403). The clients therefore sign with ``local
clock + offset``, where the offset is measured against ``/v4/public/time``:
the server's time is taken to be the time at the middle of the round trip,
i.e. corrected for half of it.

Futures has no time endpoint of its own: the futures clients read the spot
one (``https://sapi.wexex.io/v4/public/time``) when talking to the exchange,
and their own host's ``/v4/public/time`` when given a ``base_url`` (a
simulator, a gateway); ``time_url=`` overrides both.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["ClockSync", "wall_ms"]


def wall_ms() -> float:
    """The local wall clock in (fractional) milliseconds."""
    return time.time_ns() / 1e6


class ClockSync:
    """When to resynchronise, and the arithmetic of one measurement.

    Args:
        interval: seconds between periodic resyncs (``None``: only at start
            and after a stale-clock rejection).
        enabled: ``False`` never syncs (offset stays at what the signer has).
        wall_ms: the local wall clock in ms; ``None`` is the system clock,
            read by the signer itself (the fast path). Pass a function to
            sign with another clock (tests skew it; a user may have a
            better-disciplined one).
    """

    __slots__ = ("interval", "enabled", "offset_ms", "round_trip_ms", "_last", "syncs", "_wall")

    def __init__(
        self,
        interval: float | None = 300.0,
        *,
        enabled: bool = True,
        wall_ms: Callable[[], float] | None = None,
    ) -> None:
        self.interval = interval
        self.enabled = enabled
        self.offset_ms = 0
        self.round_trip_ms: float | None = None
        self._last: float | None = None  # monotonic time of the last sync
        self.syncs = 0
        self._wall = wall_ms

    def wall_ms(self) -> float:
        """The local wall clock (ms) this client signs with."""
        return self._wall() if self._wall is not None else time.time_ns() / 1e6

    def timestamp(self, offset_ms: int) -> int | None:
        """The ``validate-timestamp`` to sign with, or ``None`` to let the
        signer read the system clock (and add its offset) itself."""
        if self._wall is None:
            return None
        return int(self._wall() + offset_ms)

    def due(self) -> bool:
        """True when a sync should happen before the next signed request."""
        if not self.enabled:
            return False
        if self._last is None:
            return True
        return self.interval is not None and time.monotonic() - self._last >= self.interval

    def record(self, sent_ms: float, received_ms: float, server_ms: int) -> int:
        """Store one measurement and return the new offset (server - local, ms).

        ``sent_ms``/``received_ms`` are local wall-clock times around the
        request; the server's reading is assumed to be taken half-way.
        """
        rtt = received_ms - sent_ms
        self.round_trip_ms = rtt
        self.offset_ms = round(server_ms - (sent_ms + rtt / 2.0))
        self._last = time.monotonic()
        self.syncs += 1
        return self.offset_ms

    def invalidate(self) -> None:
        """Force a sync before the next signed request (after a stale-clock rejection)."""
        self._last = None
