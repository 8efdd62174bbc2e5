"""The terminal view on a fixed-size virtual screen.

Every frame the commands draw is fed to pyte, a VT100 emulator independent of
wexcore, sized like a real terminal (the tty's newline translation included).
A view that wraps a line or is taller than the screen scrolls it: pyte's
history then holds the lines that left the top. The view must never do that,
at any size from 80 x 24 up, and must show every book there.
"""

from __future__ import annotations

import asyncio
import io
import re
import socket

import pyte
import pytest

from wexcore.demo import run_book, run_demo
from wexcore.view import BookPanel, Screen, clip, fit_view, plain_line, render_panel, side_by_side


class VirtualTerminal(io.TextIOBase):
    """A text stream that is a terminal of ``columns`` x ``rows`` (pyte).

    ``frames`` keeps, for every in-place redraw, the screen's rows and how many
    lines had scrolled off its top so far.
    """

    def __init__(self, columns: int, rows: int) -> None:
        self.size = (columns, rows)
        self.screen = pyte.HistoryScreen(columns, rows, history=10_000)
        self.stream = pyte.Stream(self.screen)
        self.frames: list[tuple[list[str], int]] = []

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.stream.feed(text.replace("\n", "\r\n"))  # what the tty (onlcr) does
        if "\x1b[H" in text:
            self.frames.append(([r.rstrip() for r in self.screen.display],
                                len(self.screen.history.top)))
        return len(text)

    def flush(self) -> None:
        pass


def _panel(title: str = "spot    btc_usdt", levels: int = 12) -> BookPanel:
    p = BookPanel(title, 2, 4, synced=True, updates=7, rate=9.5, resyncs=1,
                  last_update_id=2**60 + 1,
                  bids=[(30000.0 - i * 0.01, 1.25 + i) for i in range(levels)],
                  asks=[(30000.5 + i * 0.01, 0.5 + i) for i in range(levels)])
    for i in range(4):
        p.trades.append((i, "BUY", 30000.25, 0.25 * (i + 1)))
    return p


PANELS = [_panel("spot    btc_usdt"), _panel("spot    eth_usdt"), _panel("futures btc_usdt")]
EVENTS = [f"t=  {i}.0s spot btc_usdt NEW BUY 0.0100 @ 29400.00 (id {2**62 + i}, stream)"
          for i in range(8)]
HEAD = ["wexcore demo: simulator http://127.0.0.1:54321",
        "elapsed  12.3s  running  (Ctrl-C to stop)", ""]


# ------------------------------------------------------------------ layout


@pytest.mark.parametrize(("columns", "rows"), [(80, 24), (81, 25), (100, 30), (132, 43),
                                               (200, 60)])
def test_view_fits_and_shows_every_book(columns, rows):
    lines, layout = fit_view(HEAD, PANELS, EVENTS, columns, rows)
    assert len(lines) <= rows
    assert max(len(line) for line in lines) <= columns - 1
    text = "\n".join(lines)
    for title in ("spot    btc_usdt", "spot    eth_usdt", "futures btc_usdt"):
        assert text.count(title) == 1, title
    assert layout.panels == 3 and layout.depth >= 3
    assert text.count("wexcore demo: simulator") == 1


def test_view_grows_with_the_terminal():
    small = fit_view(HEAD, PANELS, EVENTS, 80, 24)[1]
    big = fit_view(HEAD, PANELS, EVENTS, 200, 60)[1]
    assert (small.depth, small.trades) < (big.depth, big.trades)
    assert big.depth == 10 and big.trades == 3 and big.events == 8


def test_a_terminal_too_small_for_every_book_says_how_many_are_hidden():
    lines, layout = fit_view(HEAD, PANELS, EVENTS, 60, 14)
    assert len(lines) <= 14 and max(map(len, lines)) <= 59
    assert layout.panels < 3
    assert f"({3 - layout.panels} more book(s) not shown: enlarge the terminal)" in lines


def test_long_lines_are_cut_at_the_right_edge():
    head = ["x" * 300]
    lines, _ = fit_view(head, PANELS[:1], [], 80, 24)
    assert lines[0] == "x" * 79


@pytest.mark.parametrize(("columns", "rows"), [(80, 24), (100, 30)])
def test_redraws_never_scroll_the_screen(columns, rows):
    term = VirtualTerminal(columns, rows)
    screen = Screen(term, size=lambda: term.size)
    for i in range(12):  # the frame changes height and width between redraws
        lines, _ = fit_view(HEAD, PANELS, EVENTS[: i % 9], columns, rows)
        screen.draw(lines + ["y" * 500] * (i % 3))
    screen.close()
    assert all(scrolled == 0 for _, scrolled in term.frames)
    display = term.frames[-1][0]
    assert display[0] == HEAD[0]
    assert sum(HEAD[0] in row for row in display) == 1


def test_clip_is_a_hard_bound():
    assert clip(["abc", "defgh", "i"], columns=4, rows=2) == ["abc", "def"]
    assert clip([], 80, 24) == []


# ------------------------------------------------------------------ pieces


def test_panel_renders_levels_spread_and_mid():
    p = BookPanel("spot    btc_usdt", 2, 4, bids=[(100.5, 1.25), (100.0, 2.0)],
                  asks=[(101.0, 0.5)], synced=True, updates=7, rate=9.5, resyncs=1,
                  last_update_id=2**60 + 1)
    p.trades.append((1, "BUY", 101.0, 0.25))
    lines = render_panel(p, depth=3, trades=1)
    text = "\n".join(lines)
    assert len(lines) == 4 + 3 + 1
    assert "[in sync]" in lines[0] and "resyncs 1" in lines[0]
    assert "spread 0.50" in lines[1] and "mid 100.750" in lines[1] and "9.5 upd/s" in lines[1]
    assert re.search(r"1\.2500\s+100\.50 \| 101\.00\s+0\.5000", text)
    assert re.search(r"2\.0000\s+100\.00 \|$", text, re.M)
    assert f"last id {2**60 + 1}" in text  # ids never pass through a float
    assert re.search(r"trade BUY\s+0\.2500 @ 101\.00", text)
    assert render_panel(p, depth=1, trades=0)[-1].startswith("last id ")


def test_panels_are_as_narrow_as_their_numbers_so_two_fit_in_80_columns():
    width = max(len(line) for line in render_panel(_panel(), depth=10))
    assert width <= 38
    assert len(side_by_side([render_panel(_panel()), render_panel(_panel())], 79)[0]) <= 79


def test_side_by_side_wraps_into_rows():
    panels = [["a", "b"], ["c"], ["d"]]
    assert side_by_side(panels, 200) == ["a   c   d", "b"]
    assert side_by_side(panels, 5) == ["a   c", "b", "", "d"]
    assert side_by_side(panels, 3) == ["a", "b", "", "c", "", "d"]


def test_plain_line():
    line = plain_line(_panel(levels=2), 3.0)
    assert line.startswith("t=  3.0s spot    btc_usdt synced bid 30000.00 x 1.2500 "
                           "ask 30000.50 x 0.5000")
    assert "last BUY 1.0000@30000.25" in line


def test_screen_output_is_home_lines_clear_and_no_final_newline():
    buf = io.StringIO()
    screen = Screen(buf, size=lambda: (10, 3))
    screen.draw(["x", "y"])
    assert buf.getvalue() == "\x1b[?25l\x1b[Hx\x1b[K\r\ny\x1b[K\x1b[J"
    screen.draw(["z" * 20, "1", "2", "3"])
    screen.close()
    assert buf.getvalue().endswith("\x1b[Hzzzzzzzzz\x1b[K\r\n1\x1b[K\r\n2\x1b[K\x1b[J"
                                   "\x1b[?25h\r\n")


# ------------------------------------------------------------------ the commands


def test_demo_in_80x24_fits_shows_the_futures_book_and_never_scrolls():
    term = VirtualTerminal(80, 24)
    result = asyncio.run(run_demo(seconds=2.5, out=term, size=lambda: term.size))
    assert result.books_verified == 3
    assert len(term.frames) >= 5
    for rows, scrolled in term.frames:
        assert scrolled == 0, "a redraw scrolled the screen"
        assert rows[0].startswith("wexcore demo: simulator http://127.0.0.1:")
        assert sum("wexcore demo:" in r for r in rows) == 1
    last = "\n".join(term.frames[-1][0])
    for title in ("spot    btc_usdt", "spot    eth_usdt", "futures btc_usdt"):
        assert title in last, title
    assert re.search(r"^\s*[\d.]+ +[\d.]+ \| [\d.]+ +[\d.]+$", last, re.M)  # a level row
    # the summary comes after the view, on its own lines
    assert "wexcore demo summary" in "\n".join(term.screen.display)


async def test_book_view_shows_the_connecting_state_of_a_host_that_never_answers():
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # the kernel accepts; nobody ever answers
    port = silent.getsockname()[1]
    term = VirtualTerminal(80, 24)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        with pytest.raises(TimeoutError, match=r"no live book within 1\.2 s: connecting to "
                                                rf"ws://127\.0\.0\.1:{port}/public"):
            await run_book("btc_usdt", rest_url=f"http://127.0.0.1:{port}",
                           ws_url=f"ws://127.0.0.1:{port}", seconds=1.2, out=term,
                           size=lambda: term.size, refresh=0.1)
    finally:
        silent.close()
    assert loop.time() - t0 < 3.0  # --seconds is honoured, not the 10 s connect timeout
    shown = "\n".join(term.frames[0][0])
    assert f"connecting to ws://127.0.0.1:{port}/public" in shown
    assert all(scrolled == 0 for _, scrolled in term.frames)


async def test_plain_view_draws_once_at_the_end_not_in_a_busy_loop(monkeypatch):
    # A wake-up just before the deadline (uvloop rounds waits below 1 ms to
    # none) once redrew the same second several times: a remainder below the
    # timer granularity ends the view instead of waiting.
    import wexcore.demo as demo_mod

    class Clock:
        def __init__(self, times):
            self.times = iter(times)

        def monotonic(self):
            return next(self.times)

    session = demo_mod.LiveSession(io.StringIO(), plain=True)
    session.started = 0.0
    draws = []
    session.draw = lambda: draws.append(1)
    monkeypatch.setattr(demo_mod, "time", Clock([0.9997, 0.9998, 0.9999, 1.0001]))
    await session.render_until(asyncio.Event(), 1.0)
    assert len(draws) == 1


@pytest.mark.parametrize(("columns", "rows", "books"), [(80, 24, 2), (80, 24, 3), (100, 30, 4)])
def test_bus_books_view_fits_and_shows_every_book(columns, rows, books):
    # wexcore books (over NATS) draws with the demo's fitting rule
    from wexcore.bus.cli import books_frame

    panels = [_panel(f"spot    sym{i}_usdt (bus)") for i in range(books)]
    for p in panels:
        p.trades.clear()  # the bus view shows books only
    term = VirtualTerminal(columns, rows)
    screen = Screen(term, size=lambda: term.size)
    for elapsed in (0.0, 0.25, 0.5):
        screen.draw(books_frame(panels, elapsed, columns, rows, 10))
    screen.close()
    assert all(scrolled == 0 for _, scrolled in term.frames)
    display = "\n".join(term.frames[-1][0])
    for i in range(books):
        assert display.count(f"sym{i}_usdt (bus)") == 1
    assert display.count("wexcore books (bus)") == 1
    assert "30000.00" in display  # the touch is shown


def test_bus_books_view_on_a_small_terminal_says_what_is_hidden():
    from wexcore.bus.cli import books_frame

    panels = [_panel(f"spot    sym{i}_usdt (bus)") for i in range(8)]
    lines = books_frame(panels, 1.0, 80, 24, 10)
    assert len(lines) <= 24 and max(map(len, lines)) <= 79
    assert any("more book(s) not shown" in line for line in lines)
