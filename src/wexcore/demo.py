"""``wexcore demo`` and ``wexcore book``: live books on screen.

``wexcore demo`` is the first thing a newcomer runs.  With nothing
configured it starts the local simulator in-process on a free 127.0.0.1 port
and exercises every layer against it, the way a trading program would:

* live books (:class:`~wexcore.LiveBooks`) for two spot symbols and one
  futures symbol, plus their public trade streams, on shared connections;
* the private order streams (spot token, futures listen key);
* a few limit orders placed and cancelled through the REST clients on the
  simulator's demo account, far from the touch so they never fill;
* a terminal view redrawn in place (or plain lines), then a one-screen
  summary: messages, updates applied, resyncs, unrepaired gaps, latency
  percentiles, and a final check of every live book against the
  simulator's own book.

``wexcore book SYMBOL`` is the same view for one symbol against any endpoint
(the real exchange by default).

The session objects here only read the layers below (stream, REST, book);
rendering is :mod:`wexcore.view`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from wexcore.view import (
    BookPanel,
    RateMeter,
    Screen,
    plain_line,
    render_panel,
    side_by_side,
    wants_plain,
)

__all__ = ["LiveSession", "run_demo", "run_book", "DemoResult"]

SPOT_SYMBOLS = ("btc_usdt", "eth_usdt")
FUTURES_SYMBOL = "btc_usdt"


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
        depth: levels per side in the view.
    """

    def __init__(self, out: TextIO, *, plain: bool, refresh: float = 0.25,
                 depth: int = 10, header: str = "") -> None:
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
        self.screen = None if plain else Screen(out)

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

    def note(self, text: str) -> None:
        """An order event (from a stream or a REST answer) for the view and the log."""
        self.order_event_count += 1
        stamp = f"t={time.monotonic() - self.started:5.1f}s"
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
        """The in-place view, fitted to the terminal: panels side by side when
        wide enough, fewer levels per side when not tall enough (a frame taller
        than the screen would scroll instead of redrawing in place)."""
        size = shutil.get_terminal_size((120, 40))
        head = [self.header] if self.header else []
        elapsed = time.monotonic() - self.started
        head += [f"elapsed {elapsed:5.1f}s   Ctrl-C to stop", ""]
        tail: list[str] = []
        if self.order_events or self.order_event_count:
            tail = ["", "latest order events:", *(f"  {e}" for e in self.order_events)]
        depth = self.depth
        while True:
            body = side_by_side([render_panel(t.panel, depth) for t in self.books],
                                size.columns)
            lines = head + body + tail
            if len(lines) < size.lines or depth <= 3:
                break
            depth -= 1
        if len(lines) >= size.lines:
            lines = lines[: max(size.lines - 1, 1)]
        return lines

    async def render_until(self, stop: asyncio.Event, seconds: float | None) -> None:
        """Draw until ``stop`` is set or ``seconds`` have passed."""
        deadline = None if seconds is None else time.monotonic() + seconds
        period = 1.0 if self.plain else self.refresh
        try:
            await self._render_loop(stop, deadline, period)
        finally:
            if self.screen is not None:
                self.screen.close()
        self._refresh_panels()

    async def _render_loop(self, stop: asyncio.Event, deadline: float | None,
                           period: float) -> None:
        while not stop.is_set():
            self._refresh_panels()
            if self.plain:
                elapsed = time.monotonic() - self.started
                for t in self.books:
                    self.out.write(plain_line(t.panel, elapsed) + "\n")
                self.out.flush()
            else:
                assert self.screen is not None
                self.screen.draw(self.frame())
            wait = period
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                wait = min(wait, left)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)


@contextlib.contextmanager
def _sigint_sets(stop: asyncio.Event) -> Any:
    """The first Ctrl-C ends the run gracefully (summary printed, exit 0)
    instead of a traceback; a second one interrupts at once."""
    loop = asyncio.get_running_loop()
    installed = False

    def first_interrupt() -> None:
        stop.set()
        # the next Ctrl-C gets Python's default handler: KeyboardInterrupt
        loop.remove_signal_handler(signal.SIGINT)

    if threading.current_thread() is threading.main_thread():
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGINT, first_interrupt)
            installed = True
    try:
        yield
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGINT)


def _price_below(ticks: int, precision: int, fraction: str) -> str:
    """A price ``fraction`` below ``ticks`` (exact decimal arithmetic), as wire text."""
    unit = Decimal(1).scaleb(-precision)
    value = (Decimal(ticks) * unit * (1 - Decimal(fraction))).quantize(unit)
    return format(value, "f")


async def _exercise_orders(session: LiveSession, books: dict[tuple[str, str], Any],
                           spot_rest: Any, fut_rest: Any, stop: asyncio.Event,
                           rounds: int, counts: dict[str, int],
                           round_trips: list[float]) -> None:
    """Place a resting limit buy 2% under the touch, then cancel it, a few times
    on each product; every step is shown as an order event."""
    spot = books[("spot", SPOT_SYMBOLS[0])]
    fut = books[("futures", FUTURES_SYMBOL)]
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
                    oid = res["orderId"]
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


async def _verify_against(sim: Any, live: Any, product: str, levels: int = 10) -> bool:
    """True when the live book's top ``levels`` equal the simulator's own book.

    The market is paused first; a book that has not caught up within a
    second (its last frames may have been lost by a fault, and no later frame
    will reveal the gap) is resynced, as a careful user would, before comparing.
    """
    target = sim.published_update_id(live.symbol, product)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 1.0
    while loop.time() < deadline and not (live.synced and live.last_update_id >= target):
        await asyncio.sleep(0.02)
    if not (live.synced and live.last_update_id >= target):
        live.resync()
        with contextlib.suppress(asyncio.TimeoutError):
            await live.wait_synced(5.0)
    snap = sim.book_snapshot(live.symbol, product, depth=levels)
    pp, qp = live.price_precision, live.quantity_precision
    want_b = _ticks_levels(snap["bids"], pp, qp)
    want_a = _ticks_levels(snap["asks"], pp, qp)
    got_b = [tuple(map(int, r)) for r in live.book.bid_ticks(levels)]
    got_a = [tuple(map(int, r)) for r in live.book.ask_ticks(levels)]
    return live.synced and got_b == want_b and got_a == want_a


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

    def lines(self) -> list[str]:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.resync_reasons.items())) or "-"
        out = [
            f"wexcore demo summary ({self.seconds:.1f} s)",
            f"  messages received:      {self.messages} ({self.bytes} bytes)",
            f"  depth updates applied:  {self.updates_applied}"
            f" (stale skipped {self.stale_skipped})",
            f"  resyncs:                {self.resyncs} ({reasons})",
            f"  unrepaired gaps:        {self.unrepaired_gaps}",
            f"  books verified:         {self.books_verified}/{self.books}"
            " identical to the simulator's top 10 levels",
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


async def run_demo(*, seconds: float = 15.0, plain: bool = False, out: TextIO | None = None,
                   seed: int = 0, faults: str = "", refresh: float = 0.25,
                   transport: str | None = None) -> DemoResult:
    """Run the demo against an in-process simulator; return the summary."""
    from wexcore import AsyncFuturesClient, AsyncSpotClient, LiveBooks
    from wexcore.stream import FuturesUserStream, SpotPrivateStream

    try:
        from wexcore.sim import DEMO_API_KEY, DEMO_SECRET, Simulator
    except ImportError as exc:  # aiohttp missing
        raise RuntimeError("the demo needs the simulator: pip install 'wexcore[sim]'") from exc

    out = out or sys.stdout
    plain = wants_plain(out, plain)
    stop = asyncio.Event()
    result = DemoResult()
    counts = {"placed": 0, "canceled": 0, "errors": 0}
    round_trips: list[float] = []
    symbols = sorted(set(SPOT_SYMBOLS) | {FUTURES_SYMBOL})
    t_start = time.monotonic()
    with _sigint_sets(stop):
        async with Simulator(symbols=symbols, seed=seed, faults=faults or None) as sim:
            header = (f"wexcore demo: local simulator at {sim.rest_url} "
                      f"(spot {', '.join(SPOT_SYMBOLS)}; futures {FUTURES_SYMBOL})")
            session = LiveSession(out, plain=plain, refresh=refresh, header=header)
            if plain:
                out.write(header + "\n")
            spot = LiveBooks(SPOT_SYMBOLS, product="spot", rest_url=sim.rest_url,
                             ws_url=sim.ws_url, transport=transport)
            fut = LiveBooks([FUTURES_SYMBOL], product="futures", rest_url=sim.rest_url,
                            ws_url=sim.ws_url, transport=transport)
            keys = {"api_key": DEMO_API_KEY, "secret": DEMO_SECRET, "rest_url": sim.rest_url}
            spot_private = SpotPrivateStream(url=sim.ws_url, transport=transport, **keys)
            # the listen key goes where the stream client puts it by default
            # (inside each topic, order@<key>; docs/streams.md)
            fut_user = FuturesUserStream(url=sim.ws_url, transport=transport, **keys)
            time_url = sim.rest_url + "/v4/public/time"
            async with contextlib.AsyncExitStack() as stack:
                await stack.enter_async_context(spot)
                await stack.enter_async_context(fut)
                for product, books in (("spot", spot), ("futures", fut)):
                    for sym, live in books.books.items():
                        session.add_book(product, sym, live)
                await spot.streams[0].subscribe(*(f"trade@{s}" for s in SPOT_SYMBOLS),
                                                callback=session.trade_callback("spot"),
                                                queue_size=0)
                await fut.streams[0].subscribe(f"trade@{FUTURES_SYMBOL}",
                                               callback=session.trade_callback("futures"),
                                               queue_size=0)
                await stack.enter_async_context(spot_private)
                await stack.enter_async_context(fut_user)
                await spot_private.subscribe("order", callback=session.order_callback("spot"),
                                             queue_size=0)
                await fut_user.subscribe("order", callback=session.order_callback("futures"),
                                         queue_size=0)
                spot_rest = await stack.enter_async_context(
                    AsyncSpotClient(DEMO_API_KEY, DEMO_SECRET, base_url=sim.rest_url))
                fut_rest = await stack.enter_async_context(
                    AsyncFuturesClient(DEMO_API_KEY, DEMO_SECRET, base_url=sim.rest_url,
                                       time_url=time_url))
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(
                        asyncio.gather(spot.wait_synced(), fut.wait_synced()),
                        min(5.0, max(seconds, 0.5)))
                all_books = {(t.product, t.symbol): t.live for t in session.books}
                orders = asyncio.create_task(_exercise_orders(
                    session, all_books, spot_rest, fut_rest, stop,
                    rounds=max(1, min(3, int(seconds // 3) or 1)), counts=counts,
                    round_trips=round_trips))
                try:
                    await session.render_until(stop, max(0.0, seconds - (time.monotonic()
                                                                        - t_start)))
                finally:
                    stop.set()
                    orders.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await orders
                # check every book against the simulator's own, with the market paused
                await sim.quiesce()
                verified = 0
                for t in session.books:
                    if await _verify_against(sim, t.live, t.product):
                        verified += 1
                result.books_verified = verified
                result.books = len(session.books)
                if not plain:
                    session._refresh_panels()
                    assert session.screen is not None
                    session.screen.draw(session.frame())
                    session.screen.close()
                result.faults = {k: v for k, v in sim.fault_counts.items() if v}
                for s in [*spot.streams, *fut.streams, spot_private, fut_user]:
                    result.messages += s.counters.messages
                    result.bytes += s.counters.bytes
                for books in (spot, fut):
                    for ev in books.resync_events:
                        result.resync_reasons[ev.reason] = result.resync_reasons.get(
                            ev.reason, 0) + 1
                for t in session.books:
                    sync = t.live.sync
                    result.updates_applied += sync.applied
                    result.stale_skipped += sync.stale
                    result.resyncs += sync.resyncs
                result.unrepaired_gaps = result.books - verified
                result.latency = _merge_latency([spot.stats, fut.stats])
                result.trades = session.trades
                result.order_events = session.order_event_count
    result.seconds = time.monotonic() - t_start
    result.orders_placed = counts["placed"]
    result.orders_canceled = counts["canceled"]
    result.order_errors = counts["errors"]
    result.rest_round_trips_ms = [x * 1000.0 for x in round_trips]
    for line in result.lines():
        out.write(line + "\n")
    out.flush()
    return result


async def run_book(symbol: str, *, product: str = "spot", rest_url: str | None = None,
                   ws_url: str | None = None, seconds: float | None = None,
                   plain: bool = False, out: TextIO | None = None, depth: int = 10,
                   refresh: float = 0.25, transport: str | None = None) -> dict[str, Any]:
    """The live view of one symbol against any endpoint; returns its final counters."""
    from wexcore import LiveBook, StreamClient

    out = out or sys.stdout
    plain = wants_plain(out, plain)
    stop = asyncio.Event()
    with _sigint_sets(stop):
        # one connection for the book and the trades: the book shares our stream
        stream = StreamClient(product, "public" if product == "spot" else "market", url=ws_url,
                              transport=transport)
        live = LiveBook(symbol, product=product, rest_url=rest_url, stream=stream)
        async with stream, live:
            header = f"wexcore book: {product} {symbol} from {live.rest_url} and {stream.url}"
            session = LiveSession(out, plain=plain, refresh=refresh, depth=depth, header=header)
            if plain:
                out.write(header + "\n")
            session.add_book(product, symbol, live)
            await stream.subscribe(f"trade@{symbol}", callback=session.trade_callback(product),
                                   queue_size=0)
            await session.render_until(stop, seconds)
            sync = live.sync
            assert sync is not None
            stats = live.stats.summary()["apply"]
            summary = {
                "symbol": symbol, "product": product, "synced": sync.synced,
                "updates": sync.applied, "resyncs": sync.resyncs, "trades": session.trades,
                "messages": stream.counters.messages,
                "last_update_id": int(live.book.last_update_id),
                "checksum": int(live.book.checksum()),
                "apply_p50_us": stats.get("p50_us"), "apply_p99_us": stats.get("p99_us"),
            }
    out.write(f"{product} {symbol}: {summary['messages']} messages, {summary['updates']} "
              f"updates applied, {summary['resyncs']} resyncs, {summary['trades']} trades, "
              f"last update id {summary['last_update_id']}, checksum {summary['checksum']}\n")
    out.flush()
    return summary
