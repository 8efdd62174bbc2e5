"""``python -m wexcore.sim`` / ``wexcore sim``: run the simulator until stopped."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from typing import Any


def _symbols(text: str) -> list[str] | int:
    text = text.strip()
    if text.isdigit():
        n = int(text)
        if not 1 <= n <= 5000:
            raise argparse.ArgumentTypeError("a number of symbols must be 1..5000")
        return n
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise argparse.ArgumentTypeError("no symbols given")
    return names


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (0 = a free port)")
    parser.add_argument("--symbols", type=_symbols, default="btc_usdt,eth_usdt",
                        help="comma-separated symbols, or a number N for N generated "
                             "plausible markets (default btc_usdt,eth_usdt)")
    parser.add_argument("--seed", type=int, default=0, help="market seed (default 0)")
    parser.add_argument("--api-key", default=None, help="demo API key")
    parser.add_argument("--secret", default=None, help="demo API secret")
    parser.add_argument("--faults", default="",
                        help="e.g. drop=0.01,duplicate=0.01,reorder=0.01,disconnect_every=5,"
                             "rest_5xx=0.02,token_ttl=30,private_drop=0.05,"
                             "private_disconnect_every=3")
    parser.add_argument("--depth-interval", type=float, default=0.1,
                        help="seconds between depth_update frames (default 0.1)")
    parser.add_argument("--rate", type=_positive, default=None,
                        help="depth_update frames per second per subscribed symbol, each one "
                             "market event (load testing; default: the spec's cadence)")
    parser.add_argument("--total-rate", type=_positive, default=None,
                        help="cap on depth_update frames per second over all subscribed "
                             "symbols")
    parser.add_argument("--clock-offset", type=int, default=0, metavar="MS",
                        help="run the server clock this many ms ahead of the machine's "
                             "(negative: behind), to test clock skew")
    parser.add_argument("--coin-m", action="store_true",
                        help="serve the futures routes as COIN-M (inverse) instead of USDT-M")
    parser.add_argument("--no-rate-limits", action="store_true",
                        help="do not enforce the documented rate limits")
    replay = parser.add_argument_group(
        "market replay", "serve a recording as the market; orders trade against it "
        "(docs/replay.md)")
    replay.add_argument("--replay", metavar="FILE", default=None,
                        help="a recording by 'wexcore record' (its symbols replace --symbols)")
    pace = replay.add_mutually_exclusive_group()
    pace.add_argument("--speed", type=_positive, default=None, metavar="X",
                      help="recorded seconds per second (default 1: as recorded)")
    pace.add_argument("--as-fast-as-clients", action="store_true",
                      help="run on virtual time: the replay advances whenever the clients "
                           "have read what they were sent (deterministic for in-process "
                           "asyncio clients; see docs/replay.md)")
    replay.add_argument("--entry-latency", default="0", metavar="MS",
                        help="order entry latency: MS, uniform:LO:HI, normal:MEAN:SD or "
                             "exp:MEAN[:MIN] (ms; drawn with --seed; default 0)")
    replay.add_argument("--ack-latency", default="0", metavar="MS",
                        help="acknowledgement and private-push latency (same spellings)")
    replay.add_argument("--queue", choices=("proportional", "front", "back"),
                        default="proportional",
                        help="how much of a cancellation was ahead of a resting order "
                             "(default proportional)")
    replay.add_argument("--no-wait", action="store_true",
                        help="start the replay at once (default: when a client subscribes)")
    replay.add_argument("--exit-at-end", action="store_true",
                        help="stop when the recording ends (default: keep serving the final "
                             "market until Ctrl-C)")
    replay.add_argument("--summary", metavar="FILE", default=None,
                        help="write the run summary (JSON) to FILE on exit instead of stdout")


def replay_settings(args: argparse.Namespace) -> Any:
    """The ``Replay`` the replay options ask for (None without ``--replay``);
    ValueError for replay options without it or values that make no sense."""
    path = getattr(args, "replay", None)
    if path is None:
        extra = [name for name, on in (
            ("--speed", getattr(args, "speed", None) is not None),
            ("--as-fast-as-clients", getattr(args, "as_fast_as_clients", False)),
            ("--entry-latency", getattr(args, "entry_latency", "0") != "0"),
            ("--ack-latency", getattr(args, "ack_latency", "0") != "0"),
            ("--queue", getattr(args, "queue", "proportional") != "proportional"),
            ("--no-wait", getattr(args, "no_wait", False)),
            ("--exit-at-end", getattr(args, "exit_at_end", False)),
            ("--summary", getattr(args, "summary", None) is not None)) if on]
        if extra:
            raise ValueError(f"{', '.join(extra)} {'need' if len(extra) > 1 else 'needs'} "
                             "--replay FILE")
        return None
    from .replay import Replay

    summary = getattr(args, "summary", None)
    if summary is not None:  # found out now, not after a long replay
        folder = os.path.dirname(os.path.abspath(summary))
        if os.path.isdir(summary) or not os.path.isdir(folder) or not os.access(folder,
                                                                              os.W_OK):
            raise ValueError(f"--summary {summary}: cannot write a file there")
    return Replay(path, speed=args.speed or 1.0, as_fast_as_clients=args.as_fast_as_clients,
                  entry_latency=args.entry_latency, ack_latency=args.ack_latency,
                  queue=args.queue, wait_for_client=not args.no_wait,
                  keep_serving=not args.exit_at_end)


def loop_factory(args: argparse.Namespace) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The event loop the options need: virtual time for ``--as-fast-as-clients``."""
    if getattr(args, "replay", None) and getattr(args, "as_fast_as_clients", False):
        from .vclock import VirtualTimeLoop

        return VirtualTimeLoop
    return None


async def run(args: argparse.Namespace, *, ready: asyncio.Event | None = None,
              stop: asyncio.Event | None = None) -> int:
    """Run until ``stop`` (or, with ``--exit-at-end``, the end of the replay);
    1 when a replay stopped on a record it could not replay, else 0."""
    from .faults import FaultSpec
    from .server import DEMO_API_KEY, DEMO_SECRET, Simulator

    FaultSpec.parse(args.faults)  # fail fast on a bad spelling
    replay = replay_settings(args)
    symbols = args.symbols if not isinstance(args.symbols, str) else _symbols(args.symbols)
    sim = Simulator(host=args.host, port=args.port, symbols=symbols, replay=replay,
                    seed=args.seed, api_key=args.api_key or DEMO_API_KEY,
                    secret=args.secret or DEMO_SECRET, faults=args.faults or None,
                    depth_interval=args.depth_interval, rate_limits=not args.no_rate_limits,
                    coin_m=args.coin_m, rate=getattr(args, "rate", None),
                    total_rate=getattr(args, "total_rate", None),
                    clock_offset_ms=getattr(args, "clock_offset", 0))
    if stop is None:  # a caller that passes ``stop`` handles the signals itself
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
    async with sim:
        print(f"rest: {sim.rest_url}", flush=True)
        print(f"spot ws: {sim.ws_url}/public {sim.ws_url}/private", flush=True)
        print(f"futures ws: {sim.ws_url}/ws/market {sim.ws_url}/ws/user", flush=True)
        print(f"symbols: {len(sim.symbols)} ({', '.join(sim.symbols[:5])}"
              f"{', ...' if len(sim.symbols) > 5 else ''})", flush=True)
        print(f"api key: {sim.api_key}", flush=True)
        print(f"secret: {sim.secret}", flush=True)
        if sim.replay is not None:
            print(f"replay: {sim.replay.path} ({sim.replay.describe()})", flush=True)
            print(f"summary: {sim.rest_url}/sim/replay/summary", flush=True)
        if ready is not None:
            ready.set()
        if sim.replay is not None and args.exit_at_end:
            waits = [asyncio.ensure_future(stop.wait()),
                     asyncio.ensure_future(sim.replay.done.wait())]
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for w in waits:
                w.cancel()
        else:
            await stop.wait()
    if sim.replay is None:
        return 0
    summary = sim.replay.summary_json()
    if args.summary:
        with open(args.summary, "wb") as fh:
            fh.write(summary + b"\n")
    else:
        sys.stdout.write(summary.decode() + "\n")
        sys.stdout.flush()
    if sim.replay.error is not None:
        print(f"wexcore sim: replay stopped early: {sim.replay.error}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wexcore sim", description="Run the local WEX simulator")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        with asyncio.Runner(loop_factory=loop_factory(args)) as runner:
            code = runner.run(run(args))
    except ImportError as exc:
        print(f"wexcore sim: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"wexcore sim: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
