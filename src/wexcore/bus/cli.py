"""``wexcore feed`` and ``wexcore books``: the bus from the command line.

Registered in :mod:`wexcore.cli` (``COMMANDS``); each command is an
``add_arguments`` / ``run`` pair.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["feed_arguments", "feed_run", "books_arguments", "books_run", "FEED_EXAMPLES",
           "BOOKS_EXAMPLES"]

FEED_EXAMPLES = """examples:
  wexcore feed btc_usdt eth_usdt --nats nats://127.0.0.1:4222
  wexcore feed btc_usdt eth_usdt sol_usdt --nats nats://h1:4222,nats://h2:4222 --group g1
  wexcore feed btc_usdt --product futures --nats nats://127.0.0.1:4222
  # against the simulator (wexcore sim --port 8080):
  wexcore feed btc_usdt --nats nats://127.0.0.1:4222 \\
      --rest-url http://127.0.0.1:8080 --ws-url ws://127.0.0.1:8080
several feeds with the same --group share the symbols; see docs/bus.md"""

BOOKS_EXAMPLES = """examples:
  wexcore books btc_usdt eth_usdt --nats nats://127.0.0.1:4222
  wexcore books btc_usdt --nats nats://127.0.0.1:4222 --plain --seconds 10"""


def _common(parser: argparse.ArgumentParser) -> None:
    from wexcore.cli import symbol_name

    parser.add_argument("symbols", nargs="+", metavar="SYMBOL", type=symbol_name,
                        help="e.g. btc_usdt")
    parser.add_argument("--nats", required=True, metavar="URL",
                        help="NATS server URL(s), comma-separated for a cluster")
    parser.add_argument("--product", choices=("spot", "futures"), default="spot",
                        help="spot (default) or futures")


def feed_arguments(parser: argparse.ArgumentParser) -> None:
    # the argument types of every wexcore command: nonsense values are usage errors
    from wexcore.cli import non_negative_float, positive_float, positive_int

    _common(parser)
    parser.add_argument("--group", default="default",
                        help="feeds of one group share the symbols (default 'default')")
    parser.add_argument("--rest-url", default=None, help="REST base URL (default: the exchange)")
    parser.add_argument("--ws-url", default=None, help="WebSocket URL (default: the exchange)")
    parser.add_argument("--lease-ttl", type=positive_float, default=5.0,
                        help="seconds a symbol's lease lives without renewal (default 5)")
    parser.add_argument("--snapshot-interval", type=positive_float, default=5.0,
                        help="seconds between refreshed KV snapshots (default 5)")
    parser.add_argument("--replicas", type=positive_int, default=1,
                        help="replicas of the stream and buckets when this feed creates "
                             "them (3 on a 3-node cluster)")
    parser.add_argument("--no-trades", action="store_true", help="do not publish trades")
    parser.add_argument("--transport", choices=("picows", "websockets"), default=None,
                        help="WebSocket transport (default: picows; websockets where picows "
                        "cannot be imported)")
    parser.add_argument("--status-interval", type=non_negative_float, default=5.0,
                        help="seconds between status lines on stdout (0: none)")


def _run(make: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    # through wexcore.cli: Ctrl-C / SIGTERM end every command the same way
    # (exit 128 + signal after a clean stop), on uvloop where it is installed
    # (a frame or a record that arrives alone wakes the loop for less)
    from wexcore.cli import run_async

    with contextlib.suppress(KeyboardInterrupt):
        run_async(make)


async def _run_feed(args: argparse.Namespace, stop: asyncio.Event) -> None:
    from wexcore.bus.feed import Feed

    async with Feed(args.symbols, nats_url=args.nats, product=args.product, group=args.group,
                    rest_url=args.rest_url, ws_url=args.ws_url, lease_ttl=args.lease_ttl,
                    snapshot_interval=args.snapshot_interval, replicas=args.replicas,
                    trades=not args.no_trades, transport=args.transport) as feed:
        print(f"feed {feed.id}: group {feed.group}, {len(feed.symbols)} symbol(s) on "
              f"{args.nats}", flush=True)
        owned: list[str] = []
        last_status = time.monotonic()
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.25)
            now_owned = sorted(feed.owned)
            if now_owned != owned:
                owned = now_owned
                print(f"owns: {' '.join(owned) or '-'}", flush=True)
            if args.status_interval > 0 and time.monotonic() - last_status >= \
                    args.status_interval:
                last_status = time.monotonic()
                c = feed.counters
                print(f"deltas {c.deltas} snapshots {c.snapshots} trades {c.trades} "
                      f"publish_errors {c.publish_errors} leases lost {c.lost}", flush=True)


def feed_run(args: argparse.Namespace) -> int:
    if args.lease_ttl < 0.5:
        raise ValueError("--lease-ttl must be at least 0.5")
    _run(lambda stop: _run_feed(args, stop))
    return 0


def books_arguments(parser: argparse.ArgumentParser) -> None:
    from wexcore.cli import positive_float, positive_int

    _common(parser)
    parser.add_argument("--seconds", type=positive_float, default=None,
                        help="stop after this many seconds (default: until Ctrl-C)")
    parser.add_argument("--plain", action="store_true",
                        help="one line per symbol per second (automatic when stdout is not "
                             "a terminal)")
    parser.add_argument("--depth", type=positive_int, default=10,
                        help="levels per side shown (fewer when the terminal is small)")
    parser.add_argument("--refresh", type=positive_float, default=0.25,
                        help="seconds between redraws (default 0.25)")


def _panel(b: Any, depth: int, rates: dict[str, Any]) -> Any:
    from wexcore.view import BookPanel, RateMeter

    synced = b.follower is not None
    applied = b.follower.applied if synced else 0
    meter = rates.setdefault(b.symbol, RateMeter())
    return BookPanel(
        f"{b.product:<7} {b.symbol} (bus)",
        b.book.price_precision if synced else 0, b.book.quantity_precision if synced else 0,
        bids=b.bids(depth) if synced else None, asks=b.asks(depth) if synced else None,
        synced=b.synced, last_update_id=b.last_update_id, updates=applied,
        rate=meter.update(applied), resyncs=b.resyncs)


def books_frame(panels: list[Any], elapsed: float, columns: int, rows: int,
                depth: int) -> list[str]:
    """The in-place view of ``panels`` fitted to a ``columns`` x ``rows``
    terminal (the demo's rule: fewer levels, then fewer panels, never a line
    that wraps or a frame that scrolls)."""
    from wexcore.view import fit_view

    head = [f"wexcore books (bus)  elapsed {elapsed:5.1f}s  (Ctrl-C to stop)", ""]
    lines, _ = fit_view(head, panels, [], columns, rows, max_depth=depth, max_trades=0)
    return lines


async def _run_books(args: argparse.Namespace, out: Any, stop: asyncio.Event) -> None:
    from wexcore.bus.books import BusBooks
    from wexcore.demo import TIMER_SLACK
    from wexcore.view import Screen, plain_line, wants_plain

    plain = wants_plain(out, args.plain)
    screen = None if plain else Screen(out)
    rates: dict[str, Any] = {}
    start = time.monotonic()
    interval = 1.0 if plain else args.refresh
    try:
        async with BusBooks(args.symbols, nats_url=args.nats, product=args.product) as books:
            while not stop.is_set():
                elapsed = time.monotonic() - start
                panels = [_panel(b, args.depth, rates) for b in books]
                if screen is None:
                    for p in panels:
                        idle = books[p.title.split()[1]].idle()
                        out.write(plain_line(p, elapsed) + f" idle {idle:.1f}s\n")
                    out.flush()
                else:
                    columns, rows = screen.size()
                    screen.draw(books_frame(panels, elapsed, columns, rows, args.depth))
                wait = interval
                if args.seconds is not None:
                    left = args.seconds - (time.monotonic() - start)
                    if left <= TIMER_SLACK:
                        break
                    wait = min(wait, left)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait)
    finally:
        if screen is not None:
            screen.close()


def books_run(args: argparse.Namespace) -> int:
    _run(lambda stop: _run_books(args, sys.stdout, stop))
    return 0
