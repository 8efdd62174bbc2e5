"""``python -m wexcore.sim`` / ``wexcore sim``: run the simulator until stopped."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (0 = a free port)")
    parser.add_argument("--symbols", default="btc_usdt,eth_usdt",
                        help="comma-separated symbols (default btc_usdt,eth_usdt)")
    parser.add_argument("--seed", type=int, default=0, help="market seed (default 0)")
    parser.add_argument("--api-key", default=None, help="demo API key")
    parser.add_argument("--secret", default=None, help="demo API secret")
    parser.add_argument("--faults", default="",
                        help="e.g. drop=0.01,duplicate=0.01,reorder=0.01,disconnect_every=5,"
                             "rest_5xx=0.02,token_ttl=30")
    parser.add_argument("--depth-interval", type=float, default=0.1,
                        help="seconds between depth_update frames (default 0.1)")
    parser.add_argument("--coin-m", action="store_true",
                        help="serve the futures routes as COIN-M (inverse) instead of USDT-M")
    parser.add_argument("--no-rate-limits", action="store_true",
                        help="do not enforce the documented rate limits")


async def run(args: argparse.Namespace, *, ready: asyncio.Event | None = None,
              stop: asyncio.Event | None = None) -> None:
    from .faults import FaultSpec
    from .server import DEMO_API_KEY, DEMO_SECRET, Simulator

    FaultSpec.parse(args.faults)  # fail fast on a bad spelling
    sim = Simulator(host=args.host, port=args.port, symbols=args.symbols.split(","),
                    seed=args.seed, api_key=args.api_key or DEMO_API_KEY,
                    secret=args.secret or DEMO_SECRET, faults=args.faults or None,
                    depth_interval=args.depth_interval, rate_limits=not args.no_rate_limits,
                    coin_m=args.coin_m)
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
