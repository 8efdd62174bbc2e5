"""Load the simulator from another process and count what it sends.

Used by ``bench_sim.py`` (and runnable alone:
``python bench/sim_load.py --symbols 200 --rate 300 --seconds 5``).

The simulator runs as ``python -m wexcore.sim`` in a subprocess (its own
core); this process subscribes to ``depth_update`` (and ``trade``) of every
symbol over one raw WebSocket connection and counts frames as they arrive,
parsing only frame headers on the hot path. Every depth frame is decoded and
its ids checked (``fi`` = previous ``i`` + 1 per symbol) so a fast but wrong
stream fails. The simulator's CPU time comes from ``/proc/<pid>/stat``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass
class LoadResult:
    symbols: int
    rate: float | None
    seconds: float
    messages: int
    depth: int
    trades: int
    sim_cpu_s: float | None
    gaps: int
    symbols_seen: int
    per_symbol: dict[str, int] = field(default_factory=dict)
    consumer_cpu_s: float | None = None

    @property
    def msgs_per_s(self) -> float:
        return self.messages / self.seconds

    @property
    def cpu_us_per_msg(self) -> float | None:
        if self.sim_cpu_s is None or not self.messages:
            return None
        return self.sim_cpu_s / self.messages * 1e6

    def line(self) -> str:
        cpu = self.cpu_us_per_msg
        busy = (f", consumer CPU {self.consumer_cpu_s / self.seconds:.0%}"
                if self.consumer_cpu_s is not None else "")
        return (f"{self.symbols} symbols, rate {self.rate or 'default'}/symbol: "
                f"{self.msgs_per_s:,.0f} msgs/s ({self.depth:,} depth + {self.trades:,} trade "
                f"in {self.seconds:.2f} s), sim CPU "
                f"{'n/a' if cpu is None else f'{cpu:.1f} us/msg'}{busy}, gaps {self.gaps}")


def _cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick  # utime + stime


class Sim:
    """``python -m wexcore.sim`` in a subprocess; stopped on exit."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "SKBUILD_EDITABLE_VERBOSE": "0"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wexcore.sim", "--port", "0", "--no-rate-limits", *args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
        self.rest = ""
        deadline = time.monotonic() + 60
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("simulator exited before printing its URL")
            if line.startswith("rest: "):
                self.rest = line.split(": ", 1)[1].strip()
                break
        else:
            raise RuntimeError("simulator did not start")
        self.host, _, port = self.rest.removeprefix("http://").partition(":")
        self.port = int(port)

    def cpu(self) -> float | None:
        return _cpu_seconds(self.proc.pid)

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.proc.kill()
            self.proc.wait(10)


def _masked(payload: bytes) -> bytes:
    """A client text frame (clients must mask; the mask is fixed here)."""
    mask = b"\x01\x02\x03\x04"
    n = len(payload)
    if n < 126:
        head = bytes((0x81, 0x80 | n))
    elif n < 65536:
        head = bytes((0x81, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x81, 0x80 | 127)) + n.to_bytes(8, "big")
    body = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
    return head + mask + body


async def consume(host: str, port: int, topics: list[str], warm: float, seconds: float,
                  ) -> tuple[float, int, int, int, int, dict[str, int], float]:
    """(elapsed, messages, depth, trades, gaps, per-symbol depth counts, consumer CPU
    seconds) after ``warm``."""
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 22)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write((f"GET /public HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head[:100]
    for i in range(0, len(topics), 400):
        writer.write(_masked(orjson.dumps({"method": "subscribe", "params": topics[i:i + 400],
                                           "id": str(i)})))
    await writer.drain()
    buf = bytearray()
    last: dict[str, int] = {}
    counts: dict[str, int] = {}
    messages = depth = trades = gaps = 0
    loop = asyncio.get_running_loop()
    t_start = loop.time() + warm
    t_end = t_start + seconds
    counting = False
    t0 = cpu0 = 0.0
    while True:
        chunk = await reader.read(1 << 20)
        if not chunk:
            raise RuntimeError("simulator closed the connection")
        now = loop.time()
        if not counting and now >= t_start:
            counting, t0 = True, now
            cpu0 = time.process_time()
        buf += chunk
        pos = 0
        n = len(buf)
        while n - pos >= 2:
            b1 = buf[pos + 1] & 0x7F
            if b1 < 126:
                hl, ln = 2, b1
            elif b1 == 126:
                if n - pos < 4:
                    break
                hl, ln = 4, int.from_bytes(buf[pos + 2:pos + 4], "big")
            else:
                if n - pos < 10:
                    break
                hl, ln = 10, int.from_bytes(buf[pos + 2:pos + 10], "big")
            if n - pos < hl + ln:
                break
            payload = bytes(buf[pos + hl:pos + hl + ln])
            pos += hl + ln
            if payload[:22] == b'{"topic":"depth_update':
                d = orjson.loads(payload)["data"]
                s = d["s"]
                prev = last.get(s)
                if prev is not None and d["fi"] != prev + 1:
                    gaps += 1
                last[s] = d["i"]
                if counting:
                    depth += 1
                    counts[s] = counts.get(s, 0) + 1
            elif payload[:15] == b'{"topic":"trade':
                if counting:
                    trades += 1
            else:
                continue
            if counting:
                messages += 1
        del buf[:pos]
        if counting and now >= t_end:
            elapsed = now - t0
            writer.close()
            return (elapsed, messages, depth, trades, gaps, counts,
                    time.process_time() - cpu0)


def run_load(symbols: int = 200, rate: float | None = 300.0, seconds: float = 5.0,
             warm: float = 1.5, trades: bool = True, total_rate: float | None = None
             ) -> LoadResult:
    args = ["--symbols", str(symbols)]
    if rate is not None:
        args += ["--rate", "inf" if rate == float("inf") else str(rate)]
    if total_rate is not None:
        args += ["--total-rate", str(total_rate)]
    sim = Sim(*args)
    try:
        names = _names(sim)
        topics = [f"depth_update@{s}" for s in names]
        if trades:
            topics += [f"trade@{s}" for s in names]
        cpu0 = sim.cpu()

        async def go() -> tuple[float, int, int, int, int, dict[str, int], float]:
            return await consume(sim.host, sim.port, topics, warm, seconds)

        t_cpu = time.monotonic()
        elapsed, messages, depth, ntrades, gaps, counts, ccpu = asyncio.run(go())
        cpu1 = sim.cpu()
        wall = time.monotonic() - t_cpu
        cpu = None
        if cpu0 is not None and cpu1 is not None:
            # CPU over the whole session, scaled to the measured window
            cpu = (cpu1 - cpu0) * elapsed / wall
        return LoadResult(symbols, rate, elapsed, messages, depth, ntrades, cpu, gaps,
                          len(counts), counts, ccpu)
    finally:
        sim.close()


def _names(sim: Sim) -> list[str]:
    import urllib.request

    with urllib.request.urlopen(f"{sim.rest}/v4/public/symbol", timeout=10) as r:
        doc: Any = orjson.loads(r.read())
    return [s["symbol"] for s in doc["result"]["symbols"]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--symbols", type=int, default=200)
    ap.add_argument("--rate", type=float, default=300.0)
    ap.add_argument("--total-rate", type=float, default=None)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--no-trades", action="store_true")
    a = ap.parse_args()
    print(run_load(a.symbols, a.rate, a.seconds, trades=not a.no_trades,
                   total_rate=a.total_rate).line())


if __name__ == "__main__":
    main()
