"""The ``wexcore`` command line: one argparse subcommand per tool.

Subcommands register themselves in :data:`COMMANDS` (name -> (help,
add_arguments, run)): ``demo``, ``book``, ``record``, ``replay``, ``bench`` and
``sim``.  ``python -m wexcore`` runs the same entry point.

Every command has ``--help`` with examples.  A failure is one line on stderr
(``wexcore <command>: error: <what failed, where>``); a traceback only with
``WEXCORE_DEBUG=1``.  Exit codes follow one rule for every command
(:func:`exit_code`): 0 done, 1 failed, 2 wrong command line, 128 + signal
when Ctrl-C (130) or SIGTERM (143) ended it, always after a clean ending.

Adding a command: an entry in :data:`COMMANDS` whose ``run(args)`` returns
:data:`EXIT_OK` or :data:`EXIT_FAILED` (raising is fine too: the error is
printed as one line); an async command runs through :func:`run_async` to get
the stop event; :func:`main` applies the exit-code rule.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

# ---------------------------------------------------------------------------- exit codes

#: the command did what was asked (``--seconds`` ran out, the input was used up)
EXIT_OK = 0
#: it failed: an error (one line on stderr), or a check it makes did not pass
#: (a replay that differs from its recording, demo books that differ from the
#: simulator's, a benchmark result that is wrong)
EXIT_FAILED = 1
#: the command line was wrong (argparse's own convention)
EXIT_USAGE = 2


def exit_code(*, failed: bool = False, signum: int | None = None) -> int:
    """The one exit-code rule of every ``wexcore`` command.

    A failure is :data:`EXIT_FAILED`, whatever stopped the command. Otherwise
    a command that Ctrl-C or SIGTERM stopped exits ``128 + signal`` (130 for
    Ctrl-C, 143 for SIGTERM), the shell's convention for "ended by that
    signal", after the same clean ending as any other: the summary printed,
    files closed and complete. Otherwise :data:`EXIT_OK`. A wrong command line
    is :data:`EXIT_USAGE` before anything runs.
    """
    if failed:
        return EXIT_FAILED
    if signum is not None:
        return 128 + signum
    return EXIT_OK


class UsageError(ValueError):
    """A command line that parses but makes no sense (exit :data:`EXIT_USAGE`)."""


class _StopSignals:
    """Ctrl-C and SIGTERM for the command that is running.

    The first signal asks the command to stop: async commands get it through
    :func:`stop_event` and end cleanly; a command that asked for no event
    (a synchronous loop) gets ``KeyboardInterrupt``. A second signal always
    raises ``KeyboardInterrupt``: a command stuck in its wrap-up can still
    be interrupted. The signal number decides the exit code
    (:func:`exit_code`).
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.signum: int | None = None
        self._wakers: list[Callable[[], object]] = []

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # signal handlers can only be set from the main thread
            return
        previous = {sig: signal.signal(sig, self._handle) for sig in self.SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _handle(self, signum: int, frame: Any) -> None:
        first = self.signum is None
        if first:
            self.signum = signum
            woken = False
            for wake in self._wakers:
                with contextlib.suppress(RuntimeError):  # that event loop has ended
                    wake()
                    woken = True
            if woken:
                return
        raise KeyboardInterrupt

    def event(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        ev = asyncio.Event()
        self._wakers.append(lambda: loop.call_soon_threadsafe(ev.set))
        if self.signum is not None:
            ev.set()
        return ev


_STOP: _StopSignals | None = None


def stop_event() -> asyncio.Event:
    """An event set by the first Ctrl-C or SIGTERM of the running command.

    A command's async code waits on it to end cleanly (a second signal
    interrupts at once). Outside :func:`main` it is a plain event nobody sets.
    Call it from inside the command's event loop.
    """
    if _STOP is None:
        return asyncio.Event()
    return _STOP.event()


# ---------------------------------------------------------------------------- argument types


def _number(kind: type, *, low: float, strict: bool, what: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if value < low or (strict and value == low):
            raise argparse.ArgumentTypeError(f"must be {what}, not {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


positive_float = _number(float, low=0.0, strict=True, what="more than 0")
non_negative_float = _number(float, low=0.0, strict=False, what="0 or more")
positive_int = _number(int, low=1, strict=False, what="1 or more")


def port_number(text: str) -> int:
    value: int = _number(int, low=0, strict=False, what="0 or more")(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0..65535, not {text}")
    return value


def fault_spec(text: str) -> str:
    """A simulator ``--faults`` value, checked with the simulator's own parser."""
    from .sim.faults import FaultSpec

    try:
        FaultSpec.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def symbol_name(text: str) -> str:
    """A symbol as the exchange spells it: lower case, ``base_quote``."""
    value = text.strip().lower()
    if not value or not all(c.isalnum() or c == "_" for c in value) or not value.isascii():
        raise argparse.ArgumentTypeError(f"{text!r} is not a symbol (like btc_usdt)")
    return value


# ---------------------------------------------------------------------------- running


def run_async(make: Callable[[asyncio.Event], Awaitable[T]], *,
              loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None) -> T:
    """Run a command's coroutine, ``make(stop)``, where ``stop`` is
    :func:`stop_event`: the way every async command learns of Ctrl-C/SIGTERM.
    ``loop_factory``: a particular event loop (a replay's virtual time)."""

    async def main() -> T:
        return await make(stop_event())

    if loop_factory is not None:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            return runner.run(main())

    # on uvloop where it is installed (docs/streams.md, "CPU per message")
    from .stream.transport import run

    return run(main())


# ---------------------------------------------------------------------------- sim


def _sim_arguments(parser: argparse.ArgumentParser) -> None:
    from .sim.__main__ import add_arguments

    add_arguments(parser)


def _sim_run(args: argparse.Namespace) -> int:
    from .sim.__main__ import loop_factory, replay_settings, run

    try:
        fault_spec(args.faults)
        port_number(str(args.port))
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"--faults: {exc}" if args.faults else str(exc)) from None
    try:
        replay_settings(args)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    failed = run_async(lambda stop: run(args, stop=stop), loop_factory=loop_factory(args))
    return EXIT_FAILED if failed else EXIT_OK


# ---------------------------------------------------------------------------- demo


def _transport_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--transport", choices=("picows", "websockets"), default=None,
                        help="WebSocket transport (default: picows; websockets where picows "
                        "cannot be imported)")


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=positive_float, default=15.0,
                        help="how long to run (default 15; Ctrl-C stops earlier)")
    parser.add_argument("--plain", action="store_true",
                        help="line output for logs and CI "
                             "(automatic when stdout is not a terminal)")
    parser.add_argument("--seed", type=int, default=0, help="simulator market seed (default 0)")
    parser.add_argument("--faults", type=fault_spec, default="",
                        help="simulator faults, e.g. drop=0.01,disconnect_every=4 "
                             "(watch the books resync)")
    parser.add_argument("--refresh", type=positive_float, default=0.25,
                        help="seconds between redraws of the terminal view (default 0.25)")
    _transport_argument(parser)


def _demo_run(args: argparse.Namespace) -> int:
    from .demo import run_demo

    result = run_async(lambda stop: run_demo(
        seconds=args.seconds, plain=args.plain, seed=args.seed, faults=args.faults,
        refresh=args.refresh, transport=args.transport, stop=stop))
    if result.unrepaired_gaps:
        print(f"wexcore demo: error: {result.unrepaired_gaps} book(s) differ from the "
              "simulator at the end", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


# ---------------------------------------------------------------------------- book


def _endpoint_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--futures", action="store_true",
                        help="futures symbols (default: spot)")
    parser.add_argument("--rest-url", default=None,
                        help="REST base URL (default: the exchange's; the simulator's "
                             "'rest:' line to use it)")
    parser.add_argument("--ws-url", default=None,
                        help="WebSocket URL or base URL (default: the exchange's)")
    parser.add_argument("--seconds", type=positive_float, default=None,
                        help="stop after this many seconds (default: until Ctrl-C)")


def _book_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("symbol", type=symbol_name, help="symbol, e.g. btc_usdt")
    _endpoint_arguments(parser)
    parser.add_argument("--depth", type=positive_int, default=10,
                        help="most levels per side shown (default 10; fewer when the "
                             "terminal is small)")
    parser.add_argument("--plain", action="store_true",
                        help="one line per second (automatic when stdout is not a terminal)")
    parser.add_argument("--refresh", type=positive_float, default=0.25,
                        help="seconds between redraws of the terminal view (default 0.25)")
    _transport_argument(parser)


def _book_run(args: argparse.Namespace) -> int:
    from .demo import run_book

    run_async(lambda stop: run_book(
        args.symbol, product="futures" if args.futures else "spot", rest_url=args.rest_url,
        ws_url=args.ws_url, seconds=args.seconds, plain=args.plain, depth=args.depth,
        refresh=args.refresh, transport=args.transport, stop=stop))
    return EXIT_OK


# ---------------------------------------------------------------------------- record / replay


def _record_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("symbols", nargs="+", type=symbol_name, metavar="SYMBOL",
                        help="symbols to record")
    parser.add_argument("-o", "--output", required=True,
                        help="file to write; .gz = gzip (stdlib), .zst = zstd (only when the "
                             "'zstandard' module is installed)")
    _endpoint_arguments(parser)
    parser.add_argument("--no-trades", action="store_true", help="record depth only")
    parser.add_argument("--sim", action="store_true",
                        help="record from an in-process simulator instead of an endpoint")
    parser.add_argument("--faults", type=fault_spec, default="",
                        help="with --sim: simulator faults, e.g. drop=0.02,disconnect_every=2 "
                             "(the recording keeps the resyncs and still replays exactly)")


def _record_run(args: argparse.Namespace) -> int:
    from .record import record

    if args.faults and not args.sim:
        raise UsageError("--faults needs --sim (faults are the simulator's)")
    if args.sim and (args.rest_url or args.ws_url):
        raise UsageError("--sim records from its own simulator: drop --rest-url/--ws-url")
    summary = run_async(lambda stop: record(
        list(dict.fromkeys(args.symbols)), args.output,
        product="futures" if args.futures else "spot", rest_url=args.rest_url,
        ws_url=args.ws_url, seconds=args.seconds, trades=not args.no_trades,
        use_sim=args.sim, faults=args.faults, stop=stop,
        status=lambda text: print(text, flush=True)))
    print(summary.line())
    return EXIT_OK


def _replay_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a file written by 'wexcore record'")
    parser.add_argument("--speed", type=non_negative_float, default=0.0,
                        help="0 = as fast as possible (default); 1 = real time; 2 = twice as fast")
    parser.add_argument("--serve", type=port_number, default=None, metavar="PORT",
                        help="also serve the frames on ws://127.0.0.1:PORT (0 = a free port) "
                             "to clients that subscribe to the recorded topics, e.g. "
                             "depth_update@btc_usdt; needs --speed > 0")
    parser.add_argument("--wait", type=non_negative_float, default=30.0,
                        help="with --serve: seconds to wait for a subscriber before "
                             "replaying to nobody (default 30; 0 = do not wait)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _replay_run(args: argparse.Namespace) -> int:
    import orjson

    from .record import replay, replay_served

    if args.serve is not None:
        if args.speed <= 0:
            raise UsageError("--serve needs --speed > 0 (e.g. --speed 1 for real time)")
        result = run_async(lambda stop: replay_served(
            args.file, speed=args.speed, port=args.serve, wait_for_client=args.wait,
            stop=stop))
    else:
        result = replay(args.file, speed=args.speed)
    if args.json:
        print(orjson.dumps(result.as_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        for line in result.lines():
            print(line)
    for line in result.warnings():
        print(f"wexcore replay: warning: {line}", file=sys.stderr)
    if result.matches is False:
        print("wexcore replay: error: the replayed books differ from the recording's end "
              "state", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


# ---------------------------------------------------------------------------- bench


def _bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="a smaller workload and fewer repeats (a few seconds; for tests)")
    parser.add_argument("--only", default="",
                        help="comma-separated groups: signing,decoding,book,end_to_end,socket")
    parser.add_argument("--json", dest="json_path", default=None, metavar="FILE",
                        help="also write the results as JSON")
    parser.add_argument("--png", dest="png_path", default=None, metavar="FILE",
                        help="also draw a chart (needs matplotlib: the 'chart' extra)")
    parser.add_argument("--repeat", type=positive_int, default=None,
                        help="timed repeats per benchmark (default 7, quick 3)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _bench_run(args: argparse.Namespace) -> int:
    import importlib.util

    from .benchmarks import GROUPS, run_benchmarks

    if args.png_path and importlib.util.find_spec("matplotlib") is None:
        # before minutes of benchmarks, not after
        raise UsageError("--png needs matplotlib: pip install 'wexcore[chart]' "
                         "(or leave out --png)")
    for path in (args.json_path, args.png_path):
        if path and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise UsageError(f"{path}: no such directory")
    groups = [g.strip() for g in args.only.split(",") if g.strip()] or None
    unknown = [g for g in groups or [] if g not in GROUPS]
    if unknown:
        raise UsageError(f"--only: unknown group(s) {', '.join(unknown)}; choose from "
                         f"{', '.join(GROUPS)}")
    run_benchmarks(quick=args.quick, groups=groups, json_path=args.json_path,
                   png_path=args.png_path, repeat=args.repeat,
                   progress=not args.no_progress)
    return EXIT_OK


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
  wexcore sim --faults drop=0.01,disconnect_every=5 --seed 7
  wexcore sim --replay session.jsonl.gz --speed 10          # trade against a recording
  wexcore sim --replay session.jsonl.gz --as-fast-as-clients --entry-latency uniform:2:8 \\
      --ack-latency 3 --exit-at-end --summary run.json""",
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


def _request_url(exc: BaseException) -> str | None:
    # httpx errors carry the request they were about (a property that raises
    # when there is none)
    try:
        request = getattr(exc, "request", None)
    except RuntimeError:
        return None
    url = getattr(request, "url", None)
    return str(url) if url is not None else None


def describe_error(exc: BaseException) -> str:
    """One line naming what failed and where: the notes the commands attach
    (the URL, host or file they were working on), then the error's type and
    text, then its cause when the error alone says little."""
    notes = list(reversed(getattr(exc, "__notes__", None) or []))
    url = _request_url(exc)
    if url and not any(url in n for n in notes):
        notes.append(url)
    text = " ".join(str(exc).split())
    kind = type(exc).__name__
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)) and not text:
        text = "no answer in time"
    cause = exc.__cause__ or exc.__context__
    if cause is not None and (not text or text == kind or text.lower() == "error"):
        text = describe_error(cause)
        kind = ""
    if isinstance(exc, ValueError) and not isinstance(exc, UnicodeError) and kind:
        line = text or kind  # bad values: the message is the sentence
    else:
        line = f"{kind}: {text}" if kind and text else (text or kind)
    return ": ".join([*notes, line])


def main(argv: list[str] | None = None) -> int:
    """The ``wexcore`` entry point; returns the exit code (:func:`exit_code`)."""
    global _STOP
    args = build_parser().parse_args(argv)
    name = args.command
    stop = _STOP = _StopSignals()
    try:
        with stop.installed():
            try:
                failed = COMMANDS[name][2](args) != EXIT_OK
            except KeyboardInterrupt:
                return exit_code(signum=stop.signum or signal.SIGINT)
            except UsageError as exc:
                print(f"wexcore {name}: error: {exc}", file=sys.stderr)
                return EXIT_USAGE
            except Exception as exc:  # noqa: BLE001 - every failure becomes one line
                if os.environ.get("WEXCORE_DEBUG"):
                    raise
                print(f"wexcore {name}: error: {describe_error(exc)}", file=sys.stderr)
                return exit_code(failed=True)
        return exit_code(failed=failed, signum=stop.signum)
    finally:
        _STOP = None


if __name__ == "__main__":
    sys.exit(main())
