"""Fault injection: one spelling for the CLI and for Python.

``"drop=0.01,duplicate=0.01,reorder=0.01,disconnect_every=5,rest_5xx=0.02,token_ttl=30"``

- ``drop``, ``duplicate``, ``reorder``: probability per depth-update frame per
  connection (``reorder`` holds a frame back and sends it after the next one).
- ``disconnect_every``: seconds between abrupt closes of one random WebSocket.
- ``private_drop``: probability per private-stream event (order, trade,
  balance, position, notify) per connection that it is not sent.
- ``private_disconnect_every``: seconds between abrupt closes of one random
  private-stream connection (spot ``/private`` or futures ``/ws/user``).
- ``rest_5xx``: probability per REST request of a 5xx answer *before* the
  request is processed (nothing is executed).
- ``rest_delay``: probability per REST request of a ``delay_seconds`` pause
  (default 0.5 s) before it is processed.
- ``token_ttl``: seconds after which spot ws-tokens and futures listen keys
  expire (instead of 2 days / 8 hours).

Every injected fault is counted in :attr:`FaultInjector.counts` under the keys
``drop``, ``duplicate``, ``reorder``, ``disconnect``, ``rest_5xx``,
``rest_delay``, ``token_expired``, ``private_drop`` and ``private_disconnect``.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, fields
from typing import Any

PROBABILITIES = ("drop", "duplicate", "reorder", "rest_5xx", "rest_delay", "private_drop")
SECONDS = ("disconnect_every", "token_ttl", "delay_seconds", "private_disconnect_every")


@dataclass
class FaultSpec:
    drop: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0
    rest_5xx: float = 0.0
    rest_delay: float = 0.0
    delay_seconds: float = 0.5
    disconnect_every: float = 0.0
    token_ttl: float = 0.0
    private_drop: float = 0.0
    private_disconnect_every: float = 0.0

    @classmethod
    def parse(cls, text: str | FaultSpec | dict[str, Any] | None) -> FaultSpec:
        """Parse ``"key=value,key=value"`` (or a dict, or None for no faults)."""
        if text is None or text == "":
            return cls()
        if isinstance(text, FaultSpec):
            return text
        items: dict[str, str] = {}
        if isinstance(text, dict):
            items = {k: str(v) for k, v in text.items()}
        else:
            for part in text.split(","):
                part = part.strip()
                if not part:
                    continue
                key, sep, value = part.partition("=")
                if not sep:
                    raise ValueError(f"fault {part!r} needs a value: name=value")
                items[key.strip()] = value.strip()
        known = {f.name for f in fields(cls)}
        spec = cls()
        for key, value in items.items():
            if key not in known:
                raise ValueError(f"unknown fault {key!r}; known: {', '.join(sorted(known))}")
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"fault {key!r}: {value!r} is not a number") from None
            if not number >= 0 or number == float("inf") or (key in PROBABILITIES
                                                              and number > 1):
                raise ValueError(f"fault {key!r}: {value!r} out of range")
            setattr(spec, key, number)
        return spec


class FaultInjector:
    """Decides, with its own seeded RNG, which fault to inject, and counts them."""

    def __init__(self, spec: FaultSpec, seed: int = 0) -> None:
        self.spec = spec
        self.rng = random.Random(seed ^ 0x5EED_FA17)
        self.counts: Counter[str] = Counter()

    def roll(self, name: str) -> bool:
        p = getattr(self.spec, name)
        if p > 0 and self.rng.random() < p:
            self.counts[name] += 1
            return True
        return False

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] += n
