"""``python -m wexcore.sim`` / ``wexcore sim``: run the simulator until stopped."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys


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


async def run(args: argparse.Namespace, *, ready: asyncio.Event | None = None,
              stop: asyncio.Event | None = None) -> None:
    from .faults import FaultSpec
    from .server import DEMO_API_KEY, DEMO_SECRET, Simulator

    FaultSpec.parse(args.faults)  # fail fast on a bad spelling
    symbols = args.symbols if not isinstance(args.symbols, str) else _symbols(args.symbols)
    sim = Simulator(host=args.host, port=args.port, symbols=symbols,
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
        if ready is not None:
            ready.set()
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wexcore sim", description="Run the local WEX simulator")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        asyncio.run(run(args))
    except ImportError as exc:
        print(f"wexcore sim: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"wexcore sim: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
