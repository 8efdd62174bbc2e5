"""Server-side rate limits: a sliding-window log per (rule, scope, identity).

A sliding window (not a calendar second) so that "N+1 requests inside one
second" is refused no matter where the second boundary falls.  The spec's
10-minute lock-out after exceeding a futures limit is not simulated: the
excess request gets 429 and the next one inside the limit passes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    count: int
    period: float
    scope: str  # "ip" or "apikey"
    group: str | None = None  # shared budget across endpoints (e.g. all futures per IP)


class RateLimiter:
    def __init__(self, scale: float = 1.0) -> None:
        # scale multiplies every allowance (tests may loosen or tighten limits).
        self.scale = scale
        self._log: dict[tuple[str, str, str], deque[float]] = {}

    def allow(self, rule: str, limits: tuple[Limit, ...], ip: str, api_key: str | None,
              now: float) -> bool:
        """Record one request; False if any applicable limit is exceeded."""
        keys = []
        for limit in limits:
            ident = ip if limit.scope == "ip" else api_key
            if ident is None:
                continue
            key = (limit.group or rule, limit.scope, ident)
            log = self._log.setdefault(key, deque())
            while log and now - log[0] >= limit.period:
                log.popleft()
            if len(log) >= max(1, int(limit.count * self.scale)):
                return False
            keys.append(key)
        for key in keys:
            self._log[key].append(now)
        return True
