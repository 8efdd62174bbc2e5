"""A small real recording, made once per test session from the in-process
simulator (about a second), for the tests that read, cut or serve one."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from wexcore.record import record
from wexcore.sim import Simulator

_MADE: dict[str, Path] = {}


async def _record(path: Path) -> None:
    async with Simulator(symbols=["btc_usdt"], seed=3, step_interval=0.01,
                         depth_interval=0.02) as sim:
        await record(["btc_usdt"], str(path), rest_url=sim.rest_url, ws_url=sim.ws_url,
                     seconds=1.2)


def small_recording(tmp_path: Path, suffix: str = ".jsonl.gz") -> str:
    """A fresh copy (in ``tmp_path``) of a 1.2 s btc_usdt spot recording with
    trades, depth frames, a snapshot and an end record."""
    if suffix not in _MADE:
        made = tmp_path.parent / f"shared-recording{suffix}"  # the session's base folder
        asyncio.run(_record(made))
        _MADE[suffix] = made
    out = tmp_path / f"session{suffix}"
    shutil.copy(_MADE[suffix], out)
    return str(out)
