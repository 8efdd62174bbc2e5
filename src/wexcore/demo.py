"""``wexcore demo`` and ``wexcore book``: live books on screen.

``wexcore demo`` is the first thing a newcomer runs.  With nothing
configured it starts the local simulator in-process on a free 127.0.0.1
port and exercises every layer against it, the way a trading program would:

* live books (:class:`~wexcore.LiveBooks`) for two spot symbols and one
  futures symbol, plus their public trade streams, on shared connections;
* the private order streams (spot token, futures listen key);
* a few limit orders placed and cancelled through the REST clients on the
  simulator's demo account, far from the touch so they never fill;
* a terminal view redrawn in place (or plain lines), then a one-screen
  summary: messages, updates applied, resyncs, unrepaired gaps, latency
  percentiles, and a final check of every live book, as it is, against the
  simulator's own book (top 50 levels per side and the update id).

``wexcore book SYMBOL`` is the same view for one symbol against any endpoint
(the real exchange by default).

Both show their state from the first moment: while the connections open the
view says what it is connecting to, and a stop request (``stop``: the
command line sets it on Ctrl-C or SIGTERM) or the end of ``seconds`` ends the
command at once, connected or not.

The session objects here only read the layers below (stream, REST, book);
rendering is :mod:`wexcore.view`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from wexcore._steps import Ended, noted, unless_ended
from wexcore.view import BookPanel, RateMeter, Screen, fit_view, plain_line, wants_plain

__all__ = ["LiveSession", "run_demo", "run_book", "DemoResult", "VERIFY_LEVELS"]

SPOT_SYMBOLS = ("btc_usdt", "eth_usdt")
FUTURES_SYMBOL = "btc_usdt"

#: levels per side the demo's final check compares (with the update id)
VERIFY_LEVELS = 50

def _side_name(side: Any) -> str:
    return str(getattr(side, "value", side) or "?")


@dataclass
class _Tracked:
    product: str
    symbol: str
    live: Any  # LiveBook
    panel: BookPanel
    meter: RateMeter = field(default_factory=RateMeter)


class LiveSession:
    """Books, trades and order events collected from callbacks, rendered on a timer.

    Args:
        out: where to draw (a terminal, or any text stream in plain mode).
        plain: one line per symbol per second instead of the in-place view.
        refresh: seconds between redraws of the in-place view.
        depth: the most levels per side in the view (fewer when the terminal
            is small).
        header: the view's first line.
        size: ``() -> (columns, rows)`` of the terminal (default: asked from
            ``out`` before every frame).
    """

    def __init__(self, out: TextIO, *, plain: bool, refresh: float = 0.25,
                 depth: int = 10, header: str = "",
                 size: Callable[[], tuple[int, int]] | None = None) -> None:
        self.out = out
        self.plain = plain
        self.refresh = refresh
        self.depth = depth
        self.header = header
        self.books: list[_Tracked] = []
        self.order_events: deque[str] = deque(maxlen=8)
        self.trades = 0
        self.order_event_count = 0
        self.started = time.monotonic()
        #: what the command is doing while it has no books to show
        #: ("connecting to ..."); empty once they run
        self.status = ""
        self.screen = None if plain else Screen(out, size)

    def add_book(self, product: str, symbol: str, live: Any) -> None:
        panel = BookPanel(f"{product:<7} {symbol}", live.price_precision or 0,
                          live.quantity_precision or 0)
        self.books.append(_Tracked(product, symbol, live, panel))

    def trade_callback(self, product: str) -> Any:
        """A stream callback that files each public trade under its book."""
        panels = {(t.product, t.symbol): t.panel for t in self.books}

        def on_trade(ev: Any) -> None:
            panel = panels.get((product, str(getattr(ev, "symbol", ""))))
            if panel is None:
                return
            self.trades += 1
            panel.trades.append((ev.time or 0, _side_name(ev.side), float(ev.price or 0.0),
                                 float(ev.quantity or 0.0)))

        return on_trade

    def _elapsed(self) -> str:
        return f"t={time.monotonic() - self.started:5.1f}s"

    def note(self, text: str) -> None:
        """An order event (from a stream or a REST answer) for the view and the log."""
        self.order_event_count += 1
        stamp = self._elapsed()
        self.order_events.append(f"{stamp} {text}")
        if self.plain:
            self.out.write(f"{stamp} order {text}\n")
            self.out.flush()

    def order_callback(self, product: str) -> Any:
        def on_order(ev: Any) -> None:
            state = _side_name(getattr(ev, "state", None))
            if state == "?":
                return  # not an order event (the stream also routes replies)
            price = getattr(ev, "price_string", None) or "-"
            qty = getattr(ev, "original_quantity_string", None) or "-"
            self.note(f"{product} {ev.symbol} {state} {_side_name(ev.side)} {qty} @ {price} "
                      f"(id {ev.order_id}, stream)")

        return on_order

    def _refresh_panels(self) -> None:
        now = time.monotonic()
        for t in self.books:
            live, p = t.live, t.panel
            sync = live.sync
            if sync is None:
                continue
            p.synced = sync.synced
            p.updates = sync.applied
            p.resyncs = sync.resyncs
            p.rate = t.meter.update(sync.applied, now)
            p.bids = live.book.bids(self.depth)
            p.asks = live.book.asks(self.depth)
            p.last_update_id = int(live.book.last_update_id)
            p.price_precision = live.price_precision or 0
            p.quantity_precision = live.quantity_precision or 0

    def frame(self) -> list[str]:
        """The in-place view, fitted to the terminal (:func:`wexcore.view.fit_view`):
        never taller or wider than the screen, so redraws never scroll."""
        columns, rows = self.screen.size() if self.screen is not None else (120, 40)
        elapsed = time.monotonic() - self.started
        head = [self.header] if self.header else []
        head += [f"elapsed {elapsed:5.1f}s  {self.status or 'running'}  (Ctrl-C to stop)", ""]
        lines, _ = fit_view(head, [t.panel for t in self.books], list(self.order_events),
                            columns, rows, max_depth=self.depth)
        return lines

    def draw(self) -> None:
        """One redraw: the in-place frame, or in plain mode one line per book
        (one status line while there are none)."""
        self._refresh_panels()
        if self.screen is not None:
            self.screen.draw(self.frame())
            return
        if self.status or not self.books:
            self.out.write(f"{self._elapsed()} {self.status or 'waiting'}\n")
        else:
            elapsed = time.monotonic() - self.started
            for t in self.books:
                self.out.write(plain_line(t.panel, elapsed) + "\n")
        self.out.flush()

    async def render_until(self, stop: asyncio.Event, seconds: float | None) -> None:
        """Draw until ``stop`` is set or ``seconds`` (from the session's start)
        have passed. The screen stays in view mode: :meth:`close` ends it."""
        deadline = None if seconds is None else self.started + seconds
        period = 1.0 if self.plain else self.refresh
        while not stop.is_set():
            self.draw()
            wait = period
            if deadline is not None:
                left = deadline - time.monotonic()
                # Event loops time in whole milliseconds (uvloop rounds a
                # shorter wait to none): a remainder below that would redraw
                # the same second several times in a busy loop.
                if left <= TIMER_SLACK:
                    break
                wait = min(wait, left)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)

    def close(self) -> None:
        """Draw the last frame (in-place view only) and give the terminal back."""
        if self.screen is not None:
            self._refresh_panels()
            self.screen.draw(self.frame())
            self.screen.close()


#: The event loops' timer granularity (s): a wait shorter than this ends at once.
TIMER_SLACK = 0.002


def _price_below(ticks: int, precision: int, fraction: str) -> str:
    """A price ``fraction`` below ``ticks`` (exact decimal arithmetic), as wire text."""
    unit = Decimal(1).scaleb(-precision)
    value = (Decimal(ticks) * unit * (1 - Decimal(fraction))).quantize(unit)
    return format(value, "f")


async def _exercise_orders(session: LiveSession, books: dict[tuple[str, str], Any],
                           spot_rest: Any, fut_rest: Any, stop: asyncio.Event,
                           rounds: int, counts: dict[str, int],
                           round_trips: list[float],
                           private_ready: asyncio.Event | None = None) -> None:
    """Place a resting limit buy 2% under the touch, then cancel it, a few times
    on each product; every step is shown as an order event."""
    spot = books[("spot", SPOT_SYMBOLS[0])]
    fut = books[("futures", FUTURES_SYMBOL)]
    if private_ready is not None:
        # orders are shown by their stream events: wait for the private streams
        waits = {asyncio.ensure_future(private_ready.wait()),
                 asyncio.ensure_future(stop.wait())}
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
    for _ in range(rounds):
        if stop.is_set():
            return
        for product, live in (("spot", spot), ("futures", fut)):
            best = live.book.best_bid_ticks()
            if best is None:
                continue
            price = _price_below(best[0], live.price_precision, "0.02")
            try:
                t0 = time.perf_counter()
                if product == "spot":
                    res = await spot_rest.place_order(live.symbol, "BUY", "LIMIT", price=price,
                                                      quantity="0.0100")
                    oid = res.order_id
                else:
                    oid = await fut_rest.place_order(live.symbol, "BUY", "LIMIT", 1, "LONG",
                                                     price=price)
                round_trips.append(time.perf_counter() - t0)
                counts["placed"] += 1
                session.note(f"{product} {live.symbol} placed BUY @ {price} (id {oid}, REST)")
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.4)
                t0 = time.perf_counter()
                await (spot_rest if product == "spot" else fut_rest).cancel_order(oid)
                round_trips.append(time.perf_counter() - t0)
                counts["canceled"] += 1
                session.note(f"{product} {live.symbol} cancel sent (id {oid}, REST)")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - shown, counted, the demo goes on
                counts["errors"] += 1
                session.note(f"{product} {live.symbol} order error: {type(exc).__name__}: {exc}")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


def _ticks_levels(levels: list[list[str]], pp: int, qp: int) -> list[tuple[int, int]]:
    from wexcore import decimal_to_ticks

    return [(decimal_to_ticks(p, pp), decimal_to_ticks(q, qp)) for p, q in levels]


async def _verify_against(sim: Any, live: Any, product: str, *, levels: int = VERIFY_LEVELS,
                          wait: float = 5.0) -> bool:
    """True when the live book, as it is, equals the simulator's own book: the
    top ``levels`` per side, exactly, and the update id.

    The market is paused first (``sim.quiesce``). Frames still on their way
    may take a moment, and a book whose last frames were lost only learns it
    from its own staleness rule (a quiet period, then a snapshot compare:
    :class:`~wexcore.LiveBook`'s ``stale_after``), so the check waits up to
    ``wait`` seconds for the book to report being in sync at the simulator's
    id. It never resyncs the book itself: what is compared is what a user of
    the book would read.
    """
    snap = sim.book_snapshot(live.symbol, product, depth=levels)
    target = int(snap["last_update_id"])
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while loop.time() < deadline and not (live.synced and live.last_update_id == target):
        await asyncio.sleep(0.02)
    pp, qp = live.price_precision, live.quantity_precision
    # no await from here on: the book cannot change while it is read
    got_b = [tuple(map(int, r)) for r in live.book.bid_ticks(levels)]
    got_a = [tuple(map(int, r)) for r in live.book.ask_ticks(levels)]
    return (bool(live.synced) and live.last_update_id == target
            and got_b == _ticks_levels(snap["bids"], pp, qp)
            and got_a == _ticks_levels(snap["asks"], pp, qp))


@dataclass
class DemoResult:
    """What ``wexcore demo`` measured (also printed as the summary)."""

    seconds: float = 0.0
    messages: int = 0
    bytes: int = 0
    updates_applied: int = 0
    stale_skipped: int = 0
    resyncs: int = 0
    resync_reasons: dict[str, int] = field(default_factory=dict)
    unrepaired_gaps: int = 0
    books_verified: int = 0
    books: int = 0
    trades: int = 0
    orders_placed: int = 0
    orders_canceled: int = 0
    order_errors: int = 0
    order_events: int = 0
    latency: dict[str, dict[str, float]] = field(default_factory=dict)
    rest_round_trips_ms: list[float] = field(default_factory=list)
    faults: dict[str, int] = field(default_factory=dict)
    #: False when the run ended before the books had started
    started: bool = True

    def lines(self) -> list[str]:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.resync_reasons.items())) or "-"
        out = [f"wexcore demo summary ({self.seconds:.1f} s)"]
        if not self.started:
            out.append("  stopped before the live books had started: nothing to check")
            return out
        out += [
            f"  messages received:      {self.messages} ({self.bytes} bytes)",
            f"  depth updates applied:  {self.updates_applied}"
            f" (stale skipped {self.stale_skipped})",
            f"  resyncs:                {self.resyncs} ({reasons})",
            f"  unrepaired gaps:        {self.unrepaired_gaps}",
            f"  books verified:         {self.books_verified}/{self.books}"
            f" identical to the simulator's (top {VERIFY_LEVELS} levels and update id)",
            f"  public trades seen:     {self.trades}",
            f"  orders placed/canceled: {self.orders_placed}/{self.orders_canceled}"
            f" (errors {self.order_errors}), order events shown {self.order_events}",
        ]
        if self.faults:
            out.append("  faults injected:        "
                       + ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items())))
        for name, label in (("apply", "apply latency (µs):    "),
                            ("exchange_to_receive", "exchange->receive (µs):")):
            s = self.latency.get(name, {})
            if s.get("count"):
                out.append(f"  {label} p50 {s['p50_us']:.1f}  p90 {s['p90_us']:.1f}  "
                           f"p99 {s['p99_us']:.1f}  max {s['max_us']:.1f}  (n={s['count']:.0f})")
            else:
                out.append(f"  {label} no samples")
        rt = sorted(self.rest_round_trips_ms)
        if rt:
            out.append(f"  REST round trip (ms):   min {rt[0]:.2f}  median "
                       f"{rt[len(rt) // 2]:.2f}  max {rt[-1]:.2f}  (n={len(rt)}, "
                       "signed place/cancel)")
        return out


def _merge_latency(stats: list[Any]) -> dict[str, dict[str, float]]:
    from wexcore.stream.livebook import LatencyStats

    merged = LatencyStats()
    for s in stats:
        merged.merge(s)
    return merged.summary()


@dataclass
class _DemoParts:
    spot: Any
    fut: Any
    spot_private: Any
    fut_user: Any
    spot_rest: Any = None
    fut_rest: Any = None
    private_ready: asyncio.Event = field(default_factory=asyncio.Event)
    private_task: asyncio.Future[None] | None = None


async def _cancel(task: asyncio.Future[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


async def _hold_private_streams(parts: _DemoParts, session: LiveSession, ws_url: str) -> None:
    """Open the private streams, subscribe to orders, and keep them open until
    cancelled (closing them then). A failure is shown and the demo goes on
    without order events."""
    try:
        async with contextlib.AsyncExitStack() as stack:
            await noted(stack.enter_async_context(parts.spot_private),
                        f"spot private stream at {ws_url}")
            await noted(stack.enter_async_context(parts.fut_user),
                        f"futures user stream at {ws_url}")
            await parts.spot_private.subscribe("order", callback=session.order_callback("spot"),
                                               queue_size=0)
            await parts.fut_user.subscribe("order", callback=session.order_callback("futures"),
                                           queue_size=0)
            parts.private_ready.set()
            await asyncio.Event().wait()  # held open until the demo ends
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - shown; the books go on
        session.note(f"private streams: {type(exc).__name__}: {exc}")
        raise


async def _start_demo(stack: contextlib.AsyncExitStack, sim: Any, session: LiveSession,
                      transport: str | None, stale_after: float) -> _DemoParts:
    """Open every connection of the demo (each registered on ``stack``)."""
    from wexcore import AsyncFuturesClient, AsyncSpotClient, LiveBooks
    from wexcore.sim import DEMO_API_KEY, DEMO_SECRET
    from wexcore.stream import FuturesUserStream, SpotPrivateStream

    parts = _DemoParts(
        spot=LiveBooks(SPOT_SYMBOLS, product="spot", rest_url=sim.rest_url, ws_url=sim.ws_url,
                       transport=transport, stale_after=stale_after),
        fut=LiveBooks([FUTURES_SYMBOL], product="futures", rest_url=sim.rest_url,
                      ws_url=sim.ws_url, transport=transport, stale_after=stale_after),
        # the futures listen key goes where the stream client puts it by
        # default (inside each topic, order@<key>; docs/streams.md)
        spot_private=SpotPrivateStream(url=sim.ws_url, transport=transport,
                                       api_key=DEMO_API_KEY, secret=DEMO_SECRET,
                                       rest_url=sim.rest_url),
        fut_user=FuturesUserStream(url=sim.ws_url, transport=transport, api_key=DEMO_API_KEY,
                                   secret=DEMO_SECRET, rest_url=sim.rest_url),
    )
    session.status = f"starting live books at {sim.ws_url} ..."
    await noted(stack.enter_async_context(parts.spot), f"spot live books at {sim.ws_url}")
    await noted(stack.enter_async_context(parts.fut), f"futures live books at {sim.ws_url}")
    for product, books in (("spot", parts.spot), ("futures", parts.fut)):
        for sym, live in books.books.items():
            session.add_book(product, sym, live)
    await parts.spot.streams[0].subscribe(*(f"trade@{s}" for s in SPOT_SYMBOLS),
                                          callback=session.trade_callback("spot"),
                                          queue_size=0)
    await parts.fut.streams[0].subscribe(f"trade@{FUTURES_SYMBOL}",
                                         callback=session.trade_callback("futures"),
                                         queue_size=0)
    parts.spot_rest = await stack.enter_async_context(
        AsyncSpotClient(DEMO_API_KEY, DEMO_SECRET, base_url=sim.rest_url))
    parts.fut_rest = await stack.enter_async_context(
        AsyncFuturesClient(DEMO_API_KEY, DEMO_SECRET, base_url=sim.rest_url,
                           time_url=sim.rest_url + "/v4/public/time"))
    # The private streams open beside the books, not before them: their token
    # and listen key are rate-limited to 1 per 10 s, so one 5xx answer to that
    # call delays them by up to 10 s, and the books must not wait for that.
    task = asyncio.ensure_future(_hold_private_streams(parts, session, sim.ws_url))
    stack.push_async_callback(_cancel, task)
    parts.private_task = task
    session.status = "waiting for the books' first snapshots ..."
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(asyncio.gather(parts.spot.wait_synced(), parts.fut.wait_synced()),
                               5.0)
    session.status = ""
    return parts


async def run_demo(*, seconds: float = 15.0, plain: bool = False, out: TextIO | None = None,
                   seed: int = 0, faults: str = "", refresh: float = 0.25,
                   transport: str | None = None, stop: asyncio.Event | None = None,
                   size: Callable[[], tuple[int, int]] | None = None,
                   stale_after: float = 1.0) -> DemoResult:
    """Run the demo against an in-process simulator; return the summary.

    ``stop`` ends the run early (the command line sets it on Ctrl-C or
    SIGTERM); ``size`` is the terminal's ``(columns, rows)`` (asked from
    ``out`` by default); ``stale_after`` is the live books' quiet-period bound.
    """
    try:
        from wexcore.sim import Simulator
    except ImportError as exc:  # aiohttp missing
        raise RuntimeError("the demo needs the simulator: pip install 'wexcore[sim]'") from exc

    out = out or sys.stdout
    plain = wants_plain(out, plain)
    stop = stop or asyncio.Event()
    result = DemoResult()
    counts = {"placed": 0, "canceled": 0, "errors": 0}
    round_trips: list[float] = []
    symbols = sorted(set(SPOT_SYMBOLS) | {FUTURES_SYMBOL})
    t_start = time.monotonic()
    # the demo checks its books level by level against the simulator's, so it
    # asks for whole futures snapshots (the exchange serves 50 levels at most)
    async with Simulator(symbols=symbols, seed=seed, faults=faults or None,
                         futures_depth_limit=500) as sim:
        header = f"wexcore demo: simulator {sim.rest_url}"
        session = LiveSession(out, plain=plain, refresh=refresh, header=header, size=size)
        session.started = t_start
        if plain:
            out.write(f"{header} (spot {', '.join(SPOT_SYMBOLS)}; futures {FUTURES_SYMBOL})\n")
        session.status = f"starting live books at {sim.ws_url} ..."
        render = asyncio.ensure_future(session.render_until(stop, seconds))
        try:
            async with contextlib.AsyncExitStack() as stack:
                try:
                    parts = await unless_ended(
                        _start_demo(stack, sim, session, transport, stale_after), render)
                except Ended:
                    result.started = False
                    if not stop.is_set():
                        raise TimeoutError(f"the live books did not start within {seconds} s "
                                           f"(simulator {sim.rest_url})") from None
                else:
                    await _run_and_check(sim, session, parts, stop, render, seconds, counts,
                                         round_trips, result)
        finally:
            render.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await render
            session.close()
    result.seconds = time.monotonic() - t_start
    result.orders_placed = counts["placed"]
    result.orders_canceled = counts["canceled"]
    result.order_errors = counts["errors"]
    result.rest_round_trips_ms = [x * 1000.0 for x in round_trips]
    for line in result.lines():
        out.write(line + "\n")
    out.flush()
    return result


async def _run_and_check(sim: Any, session: LiveSession, parts: _DemoParts, stop: asyncio.Event,
                         render: asyncio.Future[None], seconds: float, counts: dict[str, int],
                         round_trips: list[float], result: DemoResult) -> None:
    """Run until the view ends, then check every book against the simulator's."""
    all_books = {(t.product, t.symbol): t.live for t in session.books}
    orders = asyncio.create_task(_exercise_orders(
        session, all_books, parts.spot_rest, parts.fut_rest, stop,
        rounds=max(1, min(3, int(seconds // 3) or 1)), counts=counts,
        round_trips=round_trips, private_ready=parts.private_ready))
    try:
        await render
    finally:
        orders.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await orders
    # every book, as it is, against the simulator's own, with the market paused
    await sim.quiesce()
    verify_wait = parts.spot.stale_after + 5.0
    checks = await asyncio.gather(*(_verify_against(sim, t.live, t.product, wait=verify_wait)
                                    for t in session.books))
    result.books_verified = sum(checks)
    result.books = len(session.books)
    result.faults = {k: v for k, v in sim.fault_counts.items() if v}
    for s in [*parts.spot.streams, *parts.fut.streams, parts.spot_private, parts.fut_user]:
        result.messages += s.counters.messages
        result.bytes += s.counters.bytes
    for books in (parts.spot, parts.fut):
        for ev in books.resync_events:
            result.resync_reasons[ev.reason] = result.resync_reasons.get(ev.reason, 0) + 1
    for t in session.books:
        sync = t.live.sync
        result.updates_applied += sync.applied
        result.stale_skipped += sync.stale
        result.resyncs += sync.resyncs
    result.unrepaired_gaps = result.books - result.books_verified
    result.latency = _merge_latency([parts.spot.stats, parts.fut.stats])
    result.trades = session.trades
    result.order_events = session.order_event_count


async def _start_book(stream: Any, live: Any, session: LiveSession, symbol: str,
                      product: str) -> None:
    session.status = f"connecting to {stream.url} ..."
    await noted(stream.start(), f"connecting to {stream.url}")
    session.status = f"loading {symbol} from {live.rest_url} ..."
    await noted(live.start(), f"starting the {product} {symbol} book ({live.rest_url}, "
                               f"{stream.url})")
    session.add_book(product, symbol, live)
    await stream.subscribe(f"trade@{symbol}", callback=session.trade_callback(product),
                           queue_size=0)
    session.status = ""


async def run_book(symbol: str, *, product: str = "spot", rest_url: str | None = None,
                   ws_url: str | None = None, seconds: float | None = None,
                   plain: bool = False, out: TextIO | None = None, depth: int = 10,
                   refresh: float = 0.25, transport: str | None = None,
                   stop: asyncio.Event | None = None,
                   size: Callable[[], tuple[int, int]] | None = None) -> dict[str, Any]:
    """The live view of one symbol against any endpoint; returns its final counters.

    The view shows what it is connecting to until the book runs; ``stop`` or
    ``seconds`` end it at any moment. Ending before the book started is a
    ``TimeoutError`` naming the endpoints when ``seconds`` ran out, and an
    empty summary (``"started": False``) when ``stop`` was set.
    """
    from wexcore import LiveBook, StreamClient

    out = out or sys.stdout
    plain = wants_plain(out, plain)
    stop = stop or asyncio.Event()
    # one connection for the book and the trades: the book shares our stream
    stream = StreamClient(product, "public" if product == "spot" else "market", url=ws_url,
                          transport=transport)
    live = LiveBook(symbol, product=product, rest_url=rest_url, stream=stream)
    header = f"wexcore book: {product} {symbol} from {live.rest_url} and {stream.url}"
    session = LiveSession(out, plain=plain, refresh=refresh, depth=depth, header=header,
                          size=size)
    if plain:
        out.write(header + "\n")
    session.status = f"connecting to {stream.url} ..."
    render = asyncio.ensure_future(session.render_until(stop, seconds))
    summary: dict[str, Any] = {"symbol": symbol, "product": product, "started": False}
    try:
        try:
            await unless_ended(_start_book(stream, live, session, symbol, product), render)
        except Ended:
            if not stop.is_set():
                raise TimeoutError(
                    f"no live book within {seconds} s: {session.status.rstrip(' .')}"
                ) from None
            out.write(f"{product} {symbol}: stopped before the book had started "
                      f"({session.status.rstrip(' .')})\n")
            return summary
        await render
        sync = live.sync
        assert sync is not None
        stats = live.stats.summary()["apply"]
        summary.update({
            "started": True, "synced": sync.synced,
            "updates": sync.applied, "resyncs": sync.resyncs, "trades": session.trades,
            "messages": stream.counters.messages,
            "last_update_id": int(live.book.last_update_id),
            "checksum": int(live.book.checksum()),
            "apply_p50_us": stats.get("p50_us"), "apply_p99_us": stats.get("p99_us"),
        })
    finally:
        render.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await render
        session.close()
        await live.close()
        await stream.close()
    out.write(f"{product} {symbol}: {summary['messages']} messages, {summary['updates']} "
              f"updates applied, {summary['resyncs']} resyncs, {summary['trades']} trades, "
              f"last update id {summary['last_update_id']}, checksum {summary['checksum']}\n")
    out.flush()
    return summary
