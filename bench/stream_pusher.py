"""A minimal local depth pusher for the stream benchmark (runs in its own process).

It speaks just enough WebSocket (RFC 6455, no extensions) to stand in for
``wss://stream.wexex.io/public``: it answers the upgrade, acknowledges the
first subscribe request, answers text ``ping`` with ``pong``, and then sends
``count`` pre-encoded ``depth_update@btc_usdt`` frames:

* ``mode="flood"``: all at once (the kernel's socket buffer is the only
  pacing): measures sustained throughput;
* ``mode="paced"``: one frame every ``interval`` seconds, each frame's send
  time (``time.time_ns()``) written to the shared array ``sent_ns`` at its
  update id: measures end-to-end latency.

Frames are pre-built so that the pusher is never the bottleneck; it writes
raw bytes to the socket without a WebSocket library in the way.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import random
import struct
import time
from typing import Any

import orjson

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SYMBOL = "btc_usdt"
PRICE_PRECISION = 2
QUANTITY_PRECISION = 4


WORKLOADS = {
    # levels changed per depth_update frame
    "small": (1, 6),        # a quiet book, or a feed pushed per change
    "aggregated": (8, 32),  # 100 ms of an active book (the spec's push rate)
}


def make_frames(
    count: int, seed: int = 1, depth: int = 200, workload: str = "small"
) -> tuple[dict[str, Any], list[bytes], dict[str, list[tuple[int, int]]]]:
    """A snapshot (update id 0), ``count`` depth_update payloads (ids
    1..count) and the final book in ticks (for the correctness check).

    Each update changes 1-6 levels near the touch, the shape of a real book's
    100 ms diffs; quantities are absolute, 0 removes.
    """
    rng = random.Random(seed)
    lo, hi = WORKLOADS[workload]
    mid = 3_000_000  # ticks: 30000.00
    bids = {mid - 1 - i: rng.randint(1, 50_000) for i in range(depth)}
    asks = {mid + 1 + i: rng.randint(1, 50_000) for i in range(depth)}

    def fmt_p(t: int) -> str:
        return f"{t // 100}.{t % 100:02d}"

    def fmt_q(q: int) -> str:
        return f"{q // 10_000}.{q % 10_000:04d}"

    snapshot = {
        "rc": 0, "mc": "SUCCESS", "ma": [], "result": {
            "timestamp": 0, "lastUpdateId": 0,
            "bids": [[fmt_p(p), fmt_q(q)] for p, q in sorted(bids.items(), reverse=True)],
            "asks": [[fmt_p(p), fmt_q(q)] for p, q in sorted(asks.items())],
        }}
    frames = []
    for uid in range(1, count + 1):
        b, a = [], []
        for _ in range(rng.randint(lo, hi)):
            side, book = (b, bids) if rng.random() < 0.5 else (a, asks)
            off = int(rng.expovariate(0.3))
            px = (mid - 1 - off) if book is bids else (mid + 1 + off)
            q = 0 if rng.random() < 0.25 else rng.randint(1, 50_000)
            if q:
                book[px] = q
            else:
                book.pop(px, None)
            side.append([fmt_p(px), fmt_q(q)])
        frames.append(orjson.dumps({"topic": "depth_update", "event": f"depth_update@{SYMBOL}",
                                    "data": {"s": SYMBOL, "fi": uid, "i": uid, "a": a, "b": b}}))
    final = {"bids": sorted(bids.items(), reverse=True), "asks": sorted(asks.items())}
    return snapshot, frames, final


def ws_frame(payload: bytes, opcode: int = 1) -> bytes:
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


class _Conn(asyncio.Protocol):
    def __init__(self, frames: list[bytes], mode: str, interval: float, sent_ns: Any) -> None:
        self.frames = frames
        self.mode = mode
        self.interval = interval
        self.sent_ns = sent_ns
        self.buf = b""
        self.upgraded = False
        self.started = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.upgraded:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buf = self.buf[:end], self.buf[end + 4:]
            key = b""
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"sec-websocket-key:"):
                    key = line.split(b":", 1)[1].strip()
            accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
            assert self.transport is not None
            self.transport.write(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            self.upgraded = True
        while True:
            msg = self._next_message()
            if msg is None:
                return
            self._on_message(msg)

    def _next_message(self) -> tuple[int, bytes] | None:
        b = self.buf
        if len(b) < 2:
            return None
        opcode = b[0] & 0x0F
        n = b[1] & 0x7F
        pos = 2
        if n == 126:
            if len(b) < 4:
                return None
            n = struct.unpack("!H", b[2:4])[0]
            pos = 4
        elif n == 127:
            if len(b) < 10:
                return None
            n = struct.unpack("!Q", b[2:10])[0]
            pos = 10
        if len(b) < pos + 4 + n:
            return None
        mask = b[pos:pos + 4]
        data = bytes(c ^ mask[i % 4] for i, c in enumerate(b[pos + 4:pos + 4 + n]))
        self.buf = b[pos + 4 + n:]
        return opcode, data

    def _on_message(self, msg: tuple[int, bytes]) -> None:
        opcode, data = msg
        assert self.transport is not None
        if opcode == 8:
            self.transport.close()
            return
        if opcode == 9:
            self.transport.write(ws_frame(data, 10))
            return
        if data == b"ping":
            self.transport.write(ws_frame(b"pong"))
            return
        try:
            req = orjson.loads(data)
        except orjson.JSONDecodeError:
            return
        rid = req.get("id")
        self.transport.write(ws_frame(orjson.dumps({"id": rid, "code": 0, "msg": "success"})))
        if not self.started:
            self.started = True
            asyncio.get_running_loop().create_task(self._stream())

    async def _stream(self) -> None:
        assert self.transport is not None
        await asyncio.sleep(0.05)
        if self.mode == "flood":
            self.transport.write(b"".join(ws_frame(f) for f in self.frames))
            return
        sent = self.sent_ns
        write = self.transport.write
        encoded = [ws_frame(f) for f in self.frames]
        clock = time.time_ns
        for uid, data in enumerate(encoded, 1):
            sent[uid] = clock()
            write(data)
            await asyncio.sleep(self.interval)


def serve(port_out: Any, count: int, mode: str, interval: float, sent_ns: Any,
          workload: str = "small", seed: int = 1) -> None:
    """Process entry point: serve until killed; report the port through ``port_out``."""
    _, frames, _ = make_frames(count, seed, workload=workload)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: _Conn(frames, mode, interval, sent_ns), "127.0.0.1", 0)
        port_out.value = server.sockets[0].getsockname()[1]
        await asyncio.Event().wait()

    asyncio.run(main())
