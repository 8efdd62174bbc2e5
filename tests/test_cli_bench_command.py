"""The README's benchmark command, ``python -m pytest bench --benchmark-enable``, runs
to the end: every benchmark is timed, the tables are printed and the ratio checks
run (a stream throughput goal included, whose baseline runs after the subject).

Bounded: one round per benchmark and no warm-up, the ratio goals reported rather
than asserted (one round on a shared machine says nothing about speed; the goals
are for a real run), and the stream benchmarks limited to one workload's
throughput (the other workload and the latency runs push tens of thousands of
frames each, ~25 s, through the same code: bench_stream.py's own correctness run
covers them; the paced CPU runs likewise, ~10 min enabled), without bench_bus.py, whose enabled runs start NATS servers
(~14 s), and without bench_sim.py's two load runs, which run a 200-symbol simulator
for a fixed 33 s (~50 s); their bodies run once in the normal test run.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_benchmark_command_runs_every_benchmark_and_prints_the_tables():
    env = dict(os.environ, SKBUILD_EDITABLE_VERBOSE="0")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "bench", "--benchmark-enable", "-q",
         "-p", "no:cacheprovider", "--benchmark-min-rounds=1", "--benchmark-max-time=0.00001",
         "--benchmark-warmup=off", "--ratio-goals=report",
         "-k", "not aggregated and not latency and not paced and not test_sim_throughput"
         " and not test_sim_faster", "--ignore=bench/bench_bus.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=180, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "Traceback" not in out
    assert "wexcore benchmarks (median and min per call)" in out
    # one figure per round (a throughput) is shown without a minimum, not a KeyError
    assert re.search(r"^stream throughput small\s+wexcore-websockets\s+[\d.]+ us$", out, re.M)
    ratios = out.split("ratios against same-run baselines")[1]
    # checked although its baseline ran after it
    assert re.search(r"stream throughput small\s+wexcore-websockets vs websockets\+orjson\+dict: "
                     r"[\d.]+x \(goal >= 1.0x\) (ok|MISSED)", ratios)
    assert re.search(r"raw_500\s+wexcore vs orjson\+dict: [\d.]+x", ratios)
