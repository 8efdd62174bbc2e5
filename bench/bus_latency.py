"""Where the bus's end-to-end latency goes (docs/bus.md, "Latency").

    python bench/bus_latency.py [--rounds 3] [--count 4000] [--rate 2000]
                                [--loop uvloop|asyncio]

1. **Transport floors** over one nats-server on loopback: a publisher process
   sends records (stamped with ``time.time_ns()``) at ``--rate``/s, a
   subscriber here notes when each arrives:

   * ``raw``: minimal NATS protocol clients on plain sockets at both ends
     (what this machine and the server allow at all; a measuring stick, not
     a client: no reconnects, no auth);
   * ``nats-py core``: nats-py publish and subscribe (on ``--loop``: uvloop,
     as ``wexcore.run``, or asyncio's own loop);
   * ``nats-py js-file`` / ``js-mem``: nats-py publishing into a JetStream
     stream (file / memory storage) read by an ordered push consumer.

2. **The real chain in stages**: bench_bus.py's paced round (pusher -> a
   ``wexcore.Feed`` process -> nats-server -> ``BusBooks`` here), with stamps:
   the feed's receive of a frame (in its record) -> the record handed to the
   socket by nats-py (bus_feeds.py's instrumentation) -> the consumer's
   socket reader getting the bytes -> the record applied.

Rounds are interleaved; each line is the median over rounds of the p50 and
the p99 (first 10 % of each round left out), with their range and the load
average. All clocks are ``time.time_ns()`` on this one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

SUBJECT = "floor.records"  # not a subject of the bus's stream
FLOORS = ["raw", "nats-py core", "nats-py js-file", "nats-py js-mem"]


# ---- the floors' publisher (a separate process) --------------------------------------

def _records(count: int) -> list[tuple[Any, ...]]:
    """encode_levels' arguments for each update of the workload."""
    from wexcore._record import KIND_DELTA
    from workload import generate

    w = generate(500, count)
    out = []
    for i, (first, last, _prev, bids, asks) in enumerate(w.updates):
        arrays = [np.array(v, np.int64) for v in ([p for p, _ in bids], [q for _, q in bids],
                                                  [p for p, _ in asks], [q for _, q in asks])]
        out.append((KIND_DELTA, w.symbol, w.price_precision, w.quantity_precision, 1, 2 + i,
                    first, last, None, 0, *arrays))
    return out


def _runner(loop: str) -> Any:
    from wexcore import run

    return run if loop == "uvloop" else asyncio.run


def publish(kind: str, url: str, count: int, rate: float, loop: str) -> None:
    """Process entry: send ``count`` stamped records at ``rate``/s."""
    from wexcore._record import encode_levels

    recs = _records(count)
    step = 1.0 / rate

    def stamped(i: int) -> bytes:
        args = list(recs[i])
        args[9] = time.time_ns()
        return encode_levels(*args)

    if kind == "raw":
        host, port = url.rsplit("/", 1)[1].split(":")
        s = socket.create_connection((host, int(port)))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.recv(4096)  # INFO
        s.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\n')
        head = f"PUB {SUBJECT} ".encode()
        t_next = time.perf_counter() + 0.3
        for i in range(count):
            if (ahead := t_next - time.perf_counter()) > 0:
                time.sleep(ahead)  # sleep, do not spin: the cores are shared
            t_next += step
            data = stamped(i)
            s.sendall(head + str(len(data)).encode() + b"\r\n" + data + b"\r\n")
        s.sendall(b"PING\r\n")
        s.recv(4096)
        s.close()
        return

    async def main() -> None:
        import nats

        nc = await nats.connect(url)
        t_next = time.perf_counter() + 0.3
        for i in range(count):
            if (ahead := t_next - time.perf_counter()) > 0:
                time.sleep(ahead)
            t_next += step
            await nc.publish(SUBJECT, stamped(i))
            await asyncio.sleep(0)  # let nats-py's flusher write it now
        await nc.flush()
        await nc.close()

    _runner(loop)(main())


# ---- the floors' subscriber (here) ---------------------------------------------------

class _RawSubscriber(asyncio.Protocol):
    """CONNECT, SUB, then MSG frames parsed in ``data_received``."""

    def __init__(self, arrivals: list[int], count: int) -> None:
        self.buf = b""
        self.arrivals = arrivals
        self.count = count
        self.ready = asyncio.Event()
        self.done = asyncio.Event()

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(b'CONNECT {"verbose":false,"pedantic":false}\r\n'
                        + f"SUB {SUBJECT} 1\r\nPING\r\n".encode())

    def data_received(self, data: bytes) -> None:
        now = time.time_ns()
        buf = self.buf + data
        while (i := buf.find(b"\r\n")) >= 0:
            line = buf[:i]
            if line.startswith(b"MSG "):
                n = int(line.rsplit(b" ", 1)[1])
                if len(buf) < i + 4 + n:
                    break
                payload = buf[i + 2:i + 2 + n]
                self.arrivals.append(now - int.from_bytes(payload[48:56], "little"))
                buf = buf[i + 4 + n:]
                if len(self.arrivals) == self.count:
                    self.done.set()
                continue
            if line == b"PING":
                self.transport.write(b"PONG\r\n")
            elif line == b"PONG":
                self.ready.set()
            buf = buf[i + 2:]
        self.buf = buf


async def _floor(url: str, kind: str, count: int, rate: float, loop: str) -> np.ndarray:
    import nats
    from nats.js.api import ConsumerConfig, DeliverPolicy, StorageType, StreamConfig

    lat: list[int] = []
    done = asyncio.Event()
    nc = await nats.connect(url)
    js = nc.jetstream()
    try:
        await js.delete_stream("FLOOR")
    except Exception:  # noqa: BLE001 - not there
        pass
    proto = None
    if kind == "raw":
        host, port = url.rsplit("/", 1)[1].split(":")
        proto = _RawSubscriber(lat, count)
        await asyncio.get_running_loop().create_connection(lambda: proto, host, int(port))
        await asyncio.wait_for(proto.ready.wait(), 10)
        done = proto.done
    else:
        async def cb(msg: Any) -> None:
            lat.append(time.time_ns() - int.from_bytes(msg.data[48:56], "little"))
            if len(lat) == count:
                done.set()

        if kind == "nats-py core":
            await nc.subscribe(SUBJECT, cb=cb)
        else:
            storage = StorageType.FILE if kind.endswith("file") else StorageType.MEMORY
            await js.add_stream(StreamConfig(name="FLOOR", subjects=[SUBJECT], storage=storage))
            await js.subscribe(SUBJECT, cb=cb, ordered_consumer=True, stream="FLOOR",
                               config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW),
                               pending_msgs_limit=count + 10)
        await nc.flush()
    pub = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--publish", "raw" if kind == "raw" else "nats-py", url,
        str(count), str(rate), loop, cwd=str(Path(__file__).parent))
    try:
        await asyncio.wait_for(done.wait(), 120)
    finally:
        if proto is not None:
            proto.transport.close()
        assert await asyncio.wait_for(pub.wait(), 30) == 0
        if kind.startswith("nats-py js"):
            await js.delete_stream("FLOOR")
        await nc.close()
    return np.asarray(lat[count // 10:], dtype=np.float64) / 1000


# ---- the real chain, in stages ------------------------------------------------------

async def _chain(url: str, count: int, rate: float, tmp: Path) -> dict[str, np.ndarray]:
    """bench_bus's paced records round with stamps: feed receive -> socket write
    (the feed process), -> socket read -> applied (here)."""
    import bench_bus
    from wexcore.bus import books as busbooks

    read_ns = [0]
    rows: list[tuple[int, int, int]] = []  # first id, read - receive, applied - receive
    take = busbooks.BusBook._take
    start = busbooks.BusBooks.start

    def stamped_take(self: Any, records: list[bytes], live: bool) -> None:
        take(self, records, live)
        now = time.time_ns()
        if live:
            for r in records:
                if len(r) > 56 and r[4] == 1:
                    t0 = int.from_bytes(r[48:56], "little")
                    rows.append((int.from_bytes(r[24:32], "little"), read_ns[0] - t0, now - t0))

    async def stamped_start(self: Any) -> None:
        await start(self)
        reader = self.nc._transport._io_reader  # nats-py's StreamReader
        feed_data = reader.feed_data

        def stamp(data: bytes) -> None:
            read_ns[0] = time.time_ns()
            feed_data(data)

        reader.feed_data = stamp

    busbooks.BusBook._take = stamped_take  # type: ignore[method-assign]
    busbooks.BusBooks.start = stamped_start  # type: ignore[method-assign]
    try:
        stamps = tmp / "writes.npy"
        await bench_bus._end_to_end(url, "records", count, rate, tmp, stamps=str(stamps))
    finally:
        busbooks.BusBook._take = take  # type: ignore[method-assign]
        busbooks.BusBooks.start = start  # type: ignore[method-assign]
    written = {int(a): int(b) for a, b in np.load(stamps)}
    a = np.asarray([(written[f], r, p) for f, r, p in rows if f in written and f > count // 10],
                   dtype=np.float64) / 1000
    return {"chain: feed receive -> socket write": a[:, 0],
            "chain: socket write -> consumer read": a[:, 1] - a[:, 0],
            "chain: consumer read -> applied": a[:, 2] - a[:, 1],
            "chain: total": a[:, 2]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--count", type=int, default=4000)
    ap.add_argument("--rate", type=float, default=2000.0)
    ap.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop",
                    help="event loop of the floors' nats-py clients and of the chain's "
                         "consumer (the feed process runs on uvloop)")
    args = ap.parse_args()

    from wexcore.bus.server import NatsServer, wait_jetstream

    run = _runner(args.loop)

    results: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    with NatsServer() as srv, tempfile.TemporaryDirectory() as tmp:
        asyncio.run(wait_jetstream(srv.url))
        for r in range(args.rounds):
            for kind in FLOORS:
                lat = run(_floor(srv.url, kind, args.count, args.rate, args.loop))
                results[f"floor: {kind}"].append(
                    (*np.percentile(lat, [50, 99]), os.getloadavg()[0]))
            for name, lat in run(_chain(srv.url, args.count, args.rate, Path(tmp))).items():
                results[name].append((*np.percentile(lat, [50, 99]), os.getloadavg()[0]))
            print(f"round {r + 1} of {args.rounds} done", file=sys.stderr)
    print(f"{args.count} messages at {args.rate:.0f}/s, {args.rounds} rounds, {args.loop}; "
          f"us, median [min-max] over rounds")
    for name, rows in results.items():
        p50, p99, load = zip(*rows, strict=True)
        print(f"{name:40} p50 {statistics.median(p50):6.1f} [{min(p50):5.0f}-{max(p50):5.0f}]"
              f"  p99 {statistics.median(p99):7.1f} [{min(p99):5.0f}-{max(p99):5.0f}]"
              f"  load {min(load):.2f}-{max(load):.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--publish"]:
        publish(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
    else:
        main()
