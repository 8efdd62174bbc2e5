"""The stream benchmarks' pusher and measured client (``wexcore._socketbench``,
shipped in the package so that ``wexcore bench`` runs from a wheel), and the
single-symbol helpers the throughput and latency benchmarks use."""

from __future__ import annotations

from typing import Any

import orjson

from wexcore._socketbench import (
    PRICE_PRECISION,
    QUANTITY_PRECISION,
    WORKLOADS,
    DepthScript,
    depth_script,
    paced_client,
    pusher,
    run_paced,
    serve,
    ws_frame,
)

__all__ = ["SYMBOL", "PRICE_PRECISION", "QUANTITY_PRECISION", "WORKLOADS", "DepthScript",
           "depth_script", "make_frames", "paced_client", "pusher", "run_paced", "serve",
           "ws_frame"]

SYMBOL = "btc_usdt"


def make_frames(
    count: int, seed: int = 1, depth: int = 200, workload: str = "small"
) -> tuple[dict[str, Any], list[bytes], dict[str, list[tuple[int, int]]]]:
    """One symbol's snapshot (parsed; update id 0), ``count`` depth_update
    payloads (ids 1..count) and the final book in ticks."""
    s = depth_script(count, 1, workload=workload, seed=seed, depth=depth)
    return orjson.loads(s.snapshots[SYMBOL]), s.frames, s.finals[SYMBOL]
