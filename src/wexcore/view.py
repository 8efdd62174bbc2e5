"""Terminal rendering of live books for ``wexcore demo`` and ``wexcore book``.

Pure functions from book state to text: the commands decide when to draw and
where.  Two outputs:

* the full-screen view (:func:`render_panel`, :func:`fit_view`, :class:`Screen`):
  top levels per side, spread, mid, update rate, resyncs, last trades, redrawn
  in place with ANSI cursor-home + clear-to-end (no curses: it works in any
  terminal that understands VT100 and degrades to plain lines elsewhere).
  Every frame fits the terminal it is drawn on, from 80 x 24 up: fewer levels,
  fewer trades, fewer panels, lines cut at the right edge; it never scrolls;
* the plain view (:func:`plain_line`): one line per symbol per second, for logs
  and CI.

Nothing here touches the network or the event loop.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

__all__ = ["BookPanel", "RateMeter", "Screen", "Layout", "render_panel", "side_by_side",
           "fit_view", "clip", "terminal_size", "plain_line", "wants_plain", "format_number"]

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


def _column_width(p: BookPanel, depth: int) -> int:
    """Width of the four level columns: the widest number shown (at least the
    header's), so a panel is as narrow as its numbers allow."""
    width = 7  # len("bid qty")
    for side in (p.bids, p.asks):
        for row in list(side if side is not None else [])[:depth]:
            width = max(width, len(format_number(float(row[0]), p.price_precision)),
                        len(format_number(float(row[1]), p.quantity_precision)))
    return width


def render_panel(p: BookPanel, depth: int = 10, trades: int = 3) -> list[str]:
    """One symbol as text lines: a title line, a line of spread, mid and rate,
    a column header, ``depth`` rows of bid | ask, the update id and count, and
    the last ``trades`` trades (``4 + depth + trades`` lines at most). Columns
    are as wide as the widest number shown; a panel with prices of 8 digits
    is 37 characters wide, so two fit side by side in 80 columns."""
    pp, qp = p.price_precision, p.quantity_precision
    w = _column_width(p, depth)
    state = "in sync" if p.synced else "SYNCING"
    lines = [
        f"{p.title}  [{state}]  resyncs {p.resyncs}",
        f"spread {format_number(p.spread, pp)}  mid {format_number(p.mid, pp + 1)}  "
        f"{p.rate:.1f} upd/s",
        f"{'bid qty':>{w}} {'bid':>{w}} | {'ask':<{w}} {'ask qty':<{w}}",
    ]
    bids = p.bids if p.bids is not None else []
    asks = p.asks if p.asks is not None else []
    for i in range(depth):
        left = (f"{format_number(float(bids[i][1]), qp):>{w}} "
                f"{format_number(float(bids[i][0]), pp):>{w}}") if i < len(bids) \
            else " " * (2 * w + 1)
        right = (f"{format_number(float(asks[i][0]), pp):<{w}} "
                 f"{format_number(float(asks[i][1]), qp):<{w}}") if i < len(asks) else ""
        lines.append(f"{left} | {right}".rstrip())
    lines.append(f"last id {p.last_update_id}  updates {p.updates}")
    for _, side, px, q in list(p.trades)[::-1][:max(trades, 0)]:
        lines.append(f"trade {side:<4} {format_number(q, qp):>{w}} @ {format_number(px, pp)}")
    return lines


def side_by_side(panels: list[list[str]], width: int, gap: int = 3) -> list[str]:
    """Panels in a grid: as many side by side as ``width`` allows (each as wide
    as its widest line), the rest in further rows, a blank line between rows."""
    if not panels:
        return []
    widths = [max((len(line) for line in lines), default=0) for lines in panels]
    rows: list[list[int]] = [[]]
    used = 0
    for i, w in enumerate(widths):
        if rows[-1] and used + gap + w > width:
            rows.append([])
            used = 0
        used += (gap if rows[-1] else 0) + w
        rows[-1].append(i)
    out: list[str] = []
    for row in rows:
        if out:
            out.append("")
        height = max(len(panels[i]) for i in row)
        for k in range(height):
            cells = [(panels[i][k] if k < len(panels[i]) else "").ljust(widths[i]) for i in row]
            out.append((" " * gap).join(cells).rstrip())
    return out


@dataclass
class Layout:
    """What :func:`fit_view` chose to show."""

    depth: int
    trades: int
    events: int
    panels: int


def fit_view(head: list[str], panels: list[BookPanel], events: list[str], columns: int,
             rows: int, *, max_depth: int = 10, max_trades: int = 3,
             gap: int = 3) -> tuple[list[str], Layout]:
    """The full-screen view fitted to a ``columns`` x ``rows`` terminal.

    Returns at most ``rows`` lines, none longer than ``columns - 1`` (the last
    column is left alone: a character written there makes some terminals wrap
    before the next line). What gives way when space is short, in order: the
    panels that do not fit at one level per side (a line says how many are not
    shown), then order events, levels beyond three, trades, further events.
    Starting from the smallest view that fits, it grows one step at a time:
    levels to 3, events to 2, one trade, levels to ``max_depth``, trades to
    ``max_trades``, events to all of ``events``.
    """
    width = max(columns - 1, 1)

    def build(lay: Layout) -> list[str]:
        shown = panels[: lay.panels]
        body = side_by_side([render_panel(p, lay.depth, lay.trades) for p in shown], width,
                            gap)
        if lay.panels < len(panels):
            body.append(f"({len(panels) - lay.panels} more book(s) not shown: "
                        "enlarge the terminal)")
        tail: list[str] = []
        if lay.events and events:
            tail = ["", "latest order events:", *(f"  {e}" for e in events[-lay.events:])]
        return head + body + tail

    def fits(lay: Layout) -> bool:
        return len(build(lay)) <= rows

    lay = Layout(depth=1, trades=0, events=0, panels=len(panels))
    while lay.panels > 1 and not fits(lay):
        lay.panels -= 1
    if fits(lay):
        for name, limit in (("depth", min(3, max_depth)), ("events", 2),
                            ("trades", min(1, max_trades)), ("depth", max_depth),
                            ("trades", max_trades), ("events", len(events))):
            while getattr(lay, name) < limit:
                setattr(lay, name, getattr(lay, name) + 1)
                if not fits(lay):
                    setattr(lay, name, getattr(lay, name) - 1)
                    break
    return clip(build(lay), columns, rows), lay


def clip(lines: Iterable[str], columns: int, rows: int) -> list[str]:
    """At most ``rows`` lines of at most ``columns - 1`` characters: a frame
    that can never wrap or scroll a terminal of that size."""
    width = max(columns - 1, 1)
    return [line[:width] for line in list(lines)[: max(rows, 1)]]


def terminal_size(stream: TextIO) -> tuple[int, int]:
    """``(columns, rows)`` of the terminal behind ``stream`` (80 x 24 when
    there is none to ask)."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        size = shutil.get_terminal_size((80, 24))
    return max(size.columns, 1), max(size.lines, 1)


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
    """Redraws a frame in place: cursor home, each line overwritten and cleared
    to its end, then the rest of the screen cleared (no full clear between
    frames, so the view does not flicker).

    Every frame is clipped to the terminal's size first (:func:`clip`) and the
    last line gets no newline, so a frame never scrolls the screen: each
    redraw lands on the same rows. ``size`` returns ``(columns, rows)``; by
    default the terminal behind ``stream`` is asked before every frame, so a
    resized window gets a fitted frame.
    """

    def __init__(self, stream: TextIO | None = None,
                 size: Callable[[], tuple[int, int]] | None = None) -> None:
        self.stream = stream or sys.stdout
        self.size = size or (lambda: terminal_size(self.stream))
        self._cursor_hidden = False
        self._drawn = False

    def draw(self, lines: Iterable[str]) -> None:
        columns, rows = self.size()
        body = "\r\n".join(f"{line}{CLEAR_EOL}" for line in clip(lines, columns, rows))
        prefix = ""
        if not self._cursor_hidden:
            prefix = HIDE_CURSOR
            self._cursor_hidden = True
        self.stream.write(prefix + HOME + body + CLEAR_EOS)
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Give the cursor back and move below the frame (the last frame stays
        on screen; what is printed next starts on a fresh line)."""
        if self._cursor_hidden or self._drawn:
            self.stream.write(SHOW_CURSOR + ("\r\n" if self._drawn else ""))
            self.stream.flush()
            self._cursor_hidden = False
            self._drawn = False
