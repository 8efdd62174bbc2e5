"""Server-time offset for signed requests.

The exchange rejects a request whose ``validate-timestamp`` is more than
``recv_window`` ms behind its clock or more than 1 s ahead (AUTH_105). The
clients therefore sign with ``local clock + offset``, where the offset is
measured against ``/v4/public/time``: the server's time is taken to be the
time at the middle of the round trip, i.e. corrected for half of it.

Futures has no time endpoint of its own; the futures clients read the spot
one (``https://sapi.wexex.io/v4/public/time`` by default, ``time_url=`` to
change it).
"""

from __future__ import annotations

import time

__all__ = ["ClockSync", "wall_ms"]


def wall_ms() -> float:
    """The local wall clock in (fractional) milliseconds."""
    return time.time_ns() / 1e6


class ClockSync:
    """When to resynchronise, and the arithmetic of one measurement.

    Args:
        interval: seconds between periodic resyncs (``None``: only at start
            and on AUTH_105).
        enabled: ``False`` never syncs (offset stays at what the signer has).
    """

    __slots__ = ("interval", "enabled", "offset_ms", "round_trip_ms", "_last", "syncs")

    def __init__(self, interval: float | None = 300.0, *, enabled: bool = True) -> None:
        self.interval = interval
        self.enabled = enabled
        self.offset_ms = 0
        self.round_trip_ms: float | None = None
        self._last: float | None = None  # monotonic time of the last sync
        self.syncs = 0

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
        """Force a sync before the next signed request (after AUTH_105)."""
        self._last = None
