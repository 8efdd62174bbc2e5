"""The ``wexcore`` command line: one argparse subcommand per tool.

Subcommands register themselves in :data:`COMMANDS` (name -> (help,
add_arguments, run)): ``demo``, ``book``, ``record``, ``replay``, ``bench`` and
``sim``.  ``python -m wexcore`` runs the same entry point.

Every command has ``--help`` with examples.  A failure is one line on stderr
(``wexcore <command>: error: <what>``) and a non-zero exit code; a traceback
only with ``WEXCORE_DEBUG=1``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable

# ---------------------------------------------------------------------------- sim


def _sim_arguments(parser: argparse.ArgumentParser) -> None:
    from .sim.__main__ import add_arguments

    add_arguments(parser)


def _sim_run(args: argparse.Namespace) -> int:
    from .sim.__main__ import run

    try:
        asyncio.run(run(args))
    except ValueError as exc:
        print(f"wexcore sim: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


# ---------------------------------------------------------------------------- demo


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=15.0,
                        help="how long to run (default 15; Ctrl-C stops earlier)")
    parser.add_argument("--plain", action="store_true",
                        help="line output for logs and CI "
                             "(automatic when stdout is not a terminal)")
    parser.add_argument("--seed", type=int, default=0, help="simulator market seed (default 0)")
    parser.add_argument("--faults", default="",
                        help="simulator faults, e.g. drop=0.01,disconnect_every=4 "
                             "(watch the books resync)")
    parser.add_argument("--refresh", type=float, default=0.25,
                        help="seconds between redraws of the terminal view (default 0.25)")
    parser.add_argument("--transport", choices=("websockets", "picows"), default="websockets",
                        help="WebSocket transport (picows needs the 'fast' extra)")


def _demo_run(args: argparse.Namespace) -> int:
    from .demo import run_demo

    if args.seconds <= 0:
        raise ValueError("--seconds must be positive")
    result = asyncio.run(run_demo(seconds=args.seconds, plain=args.plain, seed=args.seed,
                                  faults=args.faults, refresh=args.refresh,
                                  transport=args.transport))
    if result.unrepaired_gaps:
        print(f"wexcore demo: error: {result.unrepaired_gaps} book(s) differ from the "
              "simulator at the end", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------------------- book


def _book_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("symbol", help="symbol, e.g. btc_usdt")
    parser.add_argument("--futures", action="store_true",
                        help="a futures symbol (default: spot)")
    parser.add_argument("--rest-url", default=None,
                        help="REST base URL (default: the exchange's; the simulator's "
                             "'rest:' line to use it)")
    parser.add_argument("--ws-url", default=None,
                        help="WebSocket URL or base URL (default: the exchange's)")
    parser.add_argument("--seconds", type=float, default=None,
                        help="stop after this many seconds (default: until Ctrl-C)")
    parser.add_argument("--depth", type=int, default=10, help="levels per side shown (default 10)")
    parser.add_argument("--plain", action="store_true",
                        help="one line per second (automatic when stdout is not a terminal)")
    parser.add_argument("--transport", choices=("websockets", "picows"), default="websockets")


def _book_run(args: argparse.Namespace) -> int:
    from .demo import run_book

    if args.depth < 1:
        raise ValueError("--depth must be at least 1")
    asyncio.run(run_book(args.symbol.lower(), product="futures" if args.futures else "spot",
                         rest_url=args.rest_url, ws_url=args.ws_url, seconds=args.seconds,
                         plain=args.plain, depth=args.depth, transport=args.transport))
    return 0


# ---------------------------------------------------------------------------- record / replay


def _record_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("symbols", nargs="+", metavar="SYMBOL", help="symbols to record")
    parser.add_argument("-o", "--output", required=True,
                        help="file to write; .gz = gzip (stdlib), .zst = zstd (only when the "
                             "'zstandard' module is installed)")
    parser.add_argument("--futures", action="store_true", help="futures symbols (default: spot)")
    parser.add_argument("--rest-url", default=None, help="REST base URL (default: the exchange's)")
    parser.add_argument("--ws-url", default=None, help="WebSocket URL (default: the exchange's)")
    parser.add_argument("--seconds", type=float, default=None,
                        help="stop after this many seconds (default: until Ctrl-C)")
    parser.add_argument("--no-trades", action="store_true", help="record depth only")
    parser.add_argument("--sim", action="store_true",
                        help="record from an in-process simulator instead of an endpoint")
    parser.add_argument("--faults", default="",
                        help="with --sim: simulator faults, e.g. drop=0.02,disconnect_every=2 "
                             "(the recording keeps the resyncs and still replays exactly)")


def _record_run(args: argparse.Namespace) -> int:
    from .record import record

    if args.faults and not args.sim:
        raise ValueError("--faults needs --sim (faults are the simulator's)")

    summary = asyncio.run(record(
        [s.lower() for s in args.symbols], args.output,
        product="futures" if args.futures else "spot", rest_url=args.rest_url,
        ws_url=args.ws_url, seconds=args.seconds, trades=not args.no_trades,
        use_sim=args.sim, faults=args.faults))
    print(summary.line())
    return 0


def _replay_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a file written by 'wexcore record'")
    parser.add_argument("--speed", type=float, default=0.0,
                        help="0 = as fast as possible (default); 1 = real time; 2 = twice as fast")
    parser.add_argument("--serve", type=int, default=None, metavar="PORT",
                        help="also serve the frames on ws://127.0.0.1:PORT (0 = a free port) "
                             "to clients that subscribe to the recorded topics, e.g. "
                             "depth_update@btc_usdt; needs --speed > 0")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _replay_run(args: argparse.Namespace) -> int:
    import orjson

    from .record import replay, replay_served

    if args.serve is not None:
        if args.speed <= 0:
            raise ValueError("--serve needs --speed > 0 (e.g. --speed 1 for real time)")
        result = asyncio.run(replay_served(args.file, speed=args.speed, port=args.serve))
    else:
        result = replay(args.file, speed=args.speed)
    if args.json:
        print(orjson.dumps(result.as_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        for line in result.lines():
            print(line)
    return 0


# ---------------------------------------------------------------------------- bench


def _bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="a smaller workload and fewer repeats (a few seconds; for tests)")
    parser.add_argument("--only", default="",
                        help="comma-separated groups: signing,decoding,book,end_to_end")
    parser.add_argument("--json", dest="json_path", default=None, metavar="FILE",
                        help="also write the results as JSON")
    parser.add_argument("--png", dest="png_path", default=None, metavar="FILE",
                        help="also draw a chart (needs matplotlib: the 'chart' extra)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed repeats per benchmark (default 7, quick 3)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _bench_run(args: argparse.Namespace) -> int:
    from .benchmarks import run_benchmarks

    groups = [g.strip() for g in args.only.split(",") if g.strip()] or None
    run_benchmarks(quick=args.quick, groups=groups, json_path=args.json_path,
                   png_path=args.png_path, repeat=args.repeat,
                   progress=not args.no_progress)
    return 0


# ---------------------------------------------------------------------------- registry

Command = tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]

COMMANDS: dict[str, Command] = {
    "demo": ("start the local simulator and show live books, trades and orders",
             _demo_arguments, _demo_run),
    "book": ("live order book of one symbol (the exchange by default)",
             _book_arguments, _book_run),
    "record": ("record raw stream frames (with snapshots) to a compressed file",
               _record_arguments, _record_run),
    "replay": ("replay a recording through decoder and books; throughput and checksums",
               _replay_arguments, _replay_run),
    "bench": ("side-by-side benchmarks: wexcore vs baselines, one table",
              _bench_arguments, _bench_run),
    "sim": ("run the local WEX exchange simulator (needs the 'sim' extra)",
            _sim_arguments, _sim_run),
}

EXAMPLES: dict[str, str] = {
    "demo": """examples:
  wexcore demo                         # 15 s of live books against the local simulator
  wexcore demo --seconds 60
  wexcore demo --seconds 5 --plain     # line output for logs and CI
  wexcore demo --faults drop=0.02      # lose frames: watch the books resync""",
    "book": """examples:
  wexcore book btc_usdt                # the exchange's spot book
  wexcore book btc_usdt --futures
  wexcore sim --port 8080 &            # then, against the simulator:
  wexcore book btc_usdt --rest-url http://127.0.0.1:8080 --ws-url ws://127.0.0.1:8080""",
    "record": """examples:
  wexcore record btc_usdt eth_usdt -o session.jsonl.gz --seconds 60
  wexcore record btc_usdt --futures -o fut.jsonl.gz
  wexcore record btc_usdt --sim -o sim.jsonl.gz --seconds 5   # from an in-process simulator
  wexcore record btc_usdt --sim --faults drop=0.05 -o lossy.jsonl.gz --seconds 5
file format: one JSON object per line (gzip or zstd); see docs/architecture.md""",
    "replay": """examples:
  wexcore replay session.jsonl.gz              # as fast as possible: throughput, checksums
  wexcore replay session.jsonl.gz --speed 1    # real time
  wexcore replay session.jsonl.gz --speed 1 --serve 9000   # push frames to ws://127.0.0.1:9000""",
    "bench": """examples:
  wexcore bench                        # the full table (about 15 s)
  wexcore bench --quick                # a few seconds
  wexcore bench --json bench.json --png bench.png
  wexcore bench --only book,decoding""",
    "sim": """examples:
  wexcore sim --port 8080
  wexcore sim --faults drop=0.01,disconnect_every=5 --seed 7""",
}


# The bus and export commands live in their own modules (imports stay light:
# nats-py and pyarrow load only when a command runs).
from .bus.cli import (  # noqa: E402  # noqa: E402
    BOOKS_EXAMPLES,
    FEED_EXAMPLES,
    books_arguments,
    books_run,
    feed_arguments,
    feed_run,
)
from .export import EXPORT_EXAMPLES, export_arguments, export_run  # noqa: E402

COMMANDS.update(
    feed=("publish live books to NATS JetStream, sharing symbols with other feeds (bus extra)",
          feed_arguments, feed_run),
    books=("live books followed from NATS JetStream (bus extra)", books_arguments, books_run),
    export=("a recording as Parquet tables: book changes and trades (parquet extra)",
            export_arguments, export_run),
)
EXAMPLES.update(feed=FEED_EXAMPLES, books=BOOKS_EXAMPLES, export=EXPORT_EXAMPLES)

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wexcore",
        description="wexcore: low-latency WEX exchange connectivity. Start with 'wexcore demo'.",
        epilog="Run 'wexcore <command> --help' for each command's options and examples.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="<command>")
    for name, (help_text, add_arguments, _run) in COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text, description=help_text,
                                     epilog=EXAMPLES.get(name),
                                     formatter_class=argparse.RawDescriptionHelpFormatter))
    return parser


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if not isinstance(exc, (ValueError,)) else text


def main(argv: list[str] | None = None) -> int:
    """The ``wexcore`` entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    name = args.command
    try:
        return COMMANDS[name][2](args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line
        if os.environ.get("WEXCORE_DEBUG"):
            raise
        print(f"wexcore {name}: error: {_one_line(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
