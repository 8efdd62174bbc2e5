"""Terminal rendering of live books for ``wexcore demo`` and ``wexcore book``.

Pure functions from book state to text: the commands decide when to draw and
where.  Two outputs:

* the full-screen view (:func:`render_panel`, :class:`Screen`): top levels per
  side, spread, mid, update rate, resyncs, last trades, redrawn in place with
  ANSI cursor-home + clear-to-end (no curses: it works in any terminal that
  understands VT100 and degrades to plain lines elsewhere);
* the plain view (:func:`plain_line`): one line per symbol per second, for logs
  and CI.

Nothing here touches the network or the event loop.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

__all__ = ["BookPanel", "RateMeter", "Screen", "render_panel", "side_by_side", "plain_line",
           "wants_plain", "format_number"]

HOME = "\x1b[H"  # cursor home
CLEAR_EOS = "\x1b[J"  # clear to the end of the screen
CLEAR_EOL = "\x1b[K"
HIDE_CURSOR = "\x1b[?25l"  # no cursor flickering across the redrawn frame
SHOW_CURSOR = "\x1b[?25h"


def wants_plain(stream: TextIO, plain: bool) -> bool:
    """Plain output when asked, when ``stream`` is not a terminal (CI, pipes,
    files) or when ``TERM=dumb``: in-place redraws would fill a log with
    escape codes."""
    if plain:
        return True
    isatty = getattr(stream, "isatty", None)
    if isatty is None or not isatty():
        return True
    return os.environ.get("TERM", "") == "dumb"


def format_number(value: float | None, places: int) -> str:
    """``value`` with ``places`` decimals, or ``-`` when there is none."""
    if value is None:
        return "-"
    return f"{value:.{max(places, 0)}f}"


class RateMeter:
    """Events per second over a sliding window, from a monotonically growing counter."""

    def __init__(self, window: float = 2.0) -> None:
        self.window = window
        self._points: deque[tuple[float, int]] = deque()

    def update(self, count: int, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        pts = self._points
        pts.append((now, count))
        while len(pts) > 2 and now - pts[0][0] > self.window:
            pts.popleft()
        t0, c0 = pts[0]
        return (count - c0) / (now - t0) if now > t0 else 0.0


@dataclass
class BookPanel:
    """What one symbol's panel shows; filled by the command from its live book."""

    title: str
    price_precision: int
    quantity_precision: int
    bids: Any = None  # (k, 2) float array or list of (price, quantity)
    asks: Any = None
    synced: bool = False
    last_update_id: int = 0
    updates: int = 0
    rate: float = 0.0
    resyncs: int = 0
    trades: deque[tuple[int, str, float, float]] = field(
        default_factory=lambda: deque(maxlen=5))  # (ms, side, price, quantity)

    @property
    def best_bid(self) -> float | None:
        return float(self.bids[0][0]) if self.bids is not None and len(self.bids) else None

    @property
    def best_ask(self) -> float | None:
        return float(self.asks[0][0]) if self.asks is not None and len(self.asks) else None

    @property
    def spread(self) -> float | None:
        b, a = self.best_bid, self.best_ask
        return None if b is None or a is None else a - b

    @property
    def mid(self) -> float | None:
        b, a = self.best_bid, self.best_ask
        return None if b is None or a is None else (a + b) / 2


PANEL_WIDTH = 48


def render_panel(p: BookPanel, depth: int = 10) -> list[str]:
    """One symbol as text lines at most :data:`PANEL_WIDTH` wide: two header
    lines, ``depth`` rows of bid | ask, the last trades."""
    pp, qp = p.price_precision, p.quantity_precision
    state = "in sync" if p.synced else "SYNCING"
    lines = [
        f"{p.title}  [{state}]  resyncs {p.resyncs}",
        f"spread {format_number(p.spread, pp)}  mid {format_number(p.mid, pp + 1)}  "
        f"{p.rate:.1f} upd/s",
        f"{'bid qty':>11} {'bid':>11} | {'ask':<11} {'ask qty':<11}",
    ]
    bids = p.bids if p.bids is not None else []
    asks = p.asks if p.asks is not None else []
    for i in range(depth):
        left = (f"{format_number(float(bids[i][1]), qp):>11} "
                f"{format_number(float(bids[i][0]), pp):>11}") if i < len(bids) else " " * 23
        right = (f"{format_number(float(asks[i][0]), pp):<11} "
                 f"{format_number(float(asks[i][1]), qp):<11}") if i < len(asks) else ""
        lines.append(f"{left} | {right}".rstrip())
    lines.append(f"updates {p.updates}  last id {p.last_update_id}")
    lines.append("last trades:")
    for _, side, px, q in list(p.trades)[::-1][:3]:
        lines.append(f"  {side:<4} {format_number(q, qp):>11} @ {format_number(px, pp)}")
    return [line[:PANEL_WIDTH] for line in lines]


def side_by_side(panels: list[list[str]], width: int, gap: int = 3) -> list[str]:
    """Panels in a grid: as many side by side as ``width`` allows, the rest in
    further rows, a blank line between rows."""
    if not panels:
        return []
    per_row = max(1, (width + gap) // (PANEL_WIDTH + gap))
    out: list[str] = []
    for start in range(0, len(panels), per_row):
        row = panels[start : start + per_row]
        if out:
            out.append("")
        height = max(len(lines) for lines in row)
        for i in range(height):
            cells = [(lines[i] if i < len(lines) else "").ljust(PANEL_WIDTH) for lines in row]
            out.append((" " * gap).join(cells).rstrip())
    return out


def plain_line(p: BookPanel, elapsed: float) -> str:
    """One log line for one symbol: touch, spread, mid, rate and counters."""
    pp, qp = p.price_precision, p.quantity_precision
    bid = f"{format_number(p.best_bid, pp)} x {format_number(_qty(p.bids), qp)}"
    ask = f"{format_number(p.best_ask, pp)} x {format_number(_qty(p.asks), qp)}"
    last = ""
    if p.trades:
        _, side, px, q = p.trades[-1]
        last = f" last {side} {format_number(q, qp)}@{format_number(px, pp)}"
    return (f"t={elapsed:5.1f}s {p.title} {'synced' if p.synced else 'syncing'} "
            f"bid {bid} ask {ask} spread {format_number(p.spread, pp)} "
            f"mid {format_number(p.mid, pp + 1)} upd/s {p.rate:.1f} updates {p.updates} "
            f"resyncs {p.resyncs}{last}")


def _qty(levels: Any) -> float | None:
    return float(levels[0][1]) if levels is not None and len(levels) else None


class Screen:
    """Redraws a block of lines in place: cursor home, each line overwritten and
    cleared to its end, then the rest of the screen cleared (no full clear
    between frames, so the view does not flicker)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._cursor_hidden = False

    def draw(self, lines: Iterable[str]) -> None:
        body = "".join(f"{line}{CLEAR_EOL}\n" for line in lines)
        prefix = ""
        if not self._cursor_hidden:
            prefix = HIDE_CURSOR
            self._cursor_hidden = True
        self.stream.write(prefix + HOME + body + CLEAR_EOS)
        self.stream.flush()

    def close(self) -> None:
        """Give the cursor back (the last frame stays on screen)."""
        if self._cursor_hidden:
            self.stream.write(SHOW_CURSOR)
            self.stream.flush()
            self._cursor_hidden = False
