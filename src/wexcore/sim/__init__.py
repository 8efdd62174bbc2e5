"""A local WEX exchange simulator (REST + WebSocket on 127.0.0.1, with fault injection).

Needs the ``sim`` extra (aiohttp)::

    from wexcore.sim import Simulator

    async with Simulator(seed=1, faults="drop=0.01") as sim:
        sim.rest_url, sim.ws_url

Or from a shell: ``wexcore sim --port 8080``.  See docs/simulator.md.
"""

from .faults import FaultSpec
from .server import DEMO_API_KEY, DEMO_SECRET, ENDPOINT_METHODS, Simulator

__all__ = ["Simulator", "FaultSpec", "DEMO_API_KEY", "DEMO_SECRET", "ENDPOINT_METHODS", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run the simulator from the command line (``wexcore sim ...``)."""
    from .__main__ import main as _main

    return _main(argv)
