"""Order-entry and acknowledgement latency of a market replay.

One spelling for Python and the command line (milliseconds):

=====================  ======================================================
``5`` or ``5ms``       fixed: always 5 ms (``0``, the default: none)
``uniform:2:8``        drawn uniformly between 2 and 8 ms
``normal:5:1``         drawn from a normal of mean 5 ms, deviation 1 ms
                       (a draw below 0 counts as 0)
``exp:5`` ``exp:5:1``  1 ms (default 0) plus an exponential draw of mean 5 ms
=====================  ======================================================

Draws come from a generator seeded with the simulator's seed and the
latency's name, one draw per use in the order the uses happen, so the same
seed and the same sequence of requests give the same latencies (and a change
to one latency leaves the other's draws alone). Values are rounded to whole
nanoseconds: the replay clock counts in nanoseconds.
"""

from __future__ import annotations

import math
import random

__all__ = ["Latency", "MAX_MS"]

#: the longest latency accepted (a minute), in ms
MAX_MS = 60_000.0


def _ms(text: str, name: str) -> float:
    t = text.strip()
    if t.endswith("ms"):
        t = t[:-2].strip()
    try:
        value = float(t)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a number of milliseconds") from None
    if not math.isfinite(value) or not 0 <= value <= MAX_MS:
        raise ValueError(f"{name}: {text!r} must be between 0 and {MAX_MS:g} ms")
    return value


class Latency:
    """A latency: fixed or drawn (see the module docstring); :meth:`draw` in ns."""

    __slots__ = ("name", "spec", "kind", "a", "b", "_rng")

    def __init__(self, spec: str | float | int = 0, *, name: str = "latency",
                 seed: int = 0) -> None:
        self.name = name
        text = str(spec).strip() if not isinstance(spec, str) else spec.strip()
        self.spec = text or "0"
        kind, _, rest = self.spec.partition(":")
        kind = kind.strip().lower()
        args = [a for a in rest.split(":")] if rest else []
        if not rest:
            self.kind, self.a, self.b = "fixed", _ms(self.spec, name), 0.0
        elif kind == "uniform" and len(args) == 2:
            lo, hi = _ms(args[0], name), _ms(args[1], name)
            if hi < lo:
                raise ValueError(f"{name}: uniform:{args[0]}:{args[1]} has its bounds reversed")
            self.kind, self.a, self.b = "uniform", lo, hi
        elif kind == "normal" and len(args) == 2:
            self.kind, self.a, self.b = "normal", _ms(args[0], name), _ms(args[1], name)
        elif kind in ("exp", "exponential") and len(args) in (1, 2):
            mean = _ms(args[0], name)
            if mean <= 0:
                raise ValueError(f"{name}: exp needs a positive mean")
            self.kind, self.a = "exp", mean
            self.b = _ms(args[1], name) if len(args) == 2 else 0.0
        else:
            raise ValueError(f"{name}: {spec!r} is not a latency (use MS, uniform:LO:HI, "
                             "normal:MEAN:SD or exp:MEAN[:MIN])")
        self._rng = random.Random(f"{seed}:{name}")

    @property
    def zero(self) -> bool:
        """Always 0 (no waiting at all)."""
        return self.kind == "fixed" and self.a == 0

    def draw(self) -> int:
        """The next latency, in nanoseconds."""
        if self.kind == "fixed":
            ms = self.a
        elif self.kind == "uniform":
            ms = self._rng.uniform(self.a, self.b)
        elif self.kind == "normal":
            ms = max(0.0, self._rng.gauss(self.a, self.b))
        else:
            ms = self.b + self._rng.expovariate(1.0 / self.a)
        return round(min(ms, MAX_MS) * 1_000_000)

    def __repr__(self) -> str:
        return f"Latency({self.spec!r}, name={self.name!r})"
