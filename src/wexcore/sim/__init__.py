"""A local WEX exchange simulator: every documented spot and futures endpoint,
REST and WebSocket on 127.0.0.1, with fault injection and a load mode.

Needs the ``sim`` extra (aiohttp)::

    from wexcore.sim import Simulator

    async with Simulator(seed=1, faults="drop=0.01") as sim:
        sim.rest_url, sim.ws_url

Or from a shell: ``wexcore sim --port 8080`` (``--symbols 200 --rate 300`` to
load-test a client). See docs/simulator.md.

A recorded market instead of the synthetic one (docs/replay.md)::

    Simulator(replay=Replay("session.jsonl.gz", speed=10))
    run_replay("session.jsonl.gz", strategy)   # deterministic, on virtual time
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .faults import FaultSpec

if TYPE_CHECKING:
    from .replay import Replay, run_replay
    from .server import DEMO_API_KEY, DEMO_SECRET, ENDPOINT_METHODS, Simulator

__all__ = ["Simulator", "FaultSpec", "DEMO_API_KEY", "DEMO_SECRET", "ENDPOINT_METHODS", "main",
           "Replay", "run_replay"]

_SERVER_NAMES = {"Simulator", "DEMO_API_KEY", "DEMO_SECRET", "ENDPOINT_METHODS"}
_REPLAY_NAMES = {"Replay", "run_replay"}


def __getattr__(name: str) -> Any:
    # aiohttp is imported only when the server is asked for, so the CLI can
    # build its parser (and say what is missing) without the 'sim' extra.
    if name in _REPLAY_NAMES:
        from . import replay

        return getattr(replay, name)
    if name in _SERVER_NAMES:
        try:
            from . import server
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("wexcore.sim needs the 'sim' extra: "
                              "pip install 'wexcore[sim]'") from exc
        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str] | None = None) -> int:
    """Run the simulator from the command line (``wexcore sim ...``)."""
    from .__main__ import main as _main

    return _main(argv)
