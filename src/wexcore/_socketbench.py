"""The socket benchmarks' two processes: a local depth pusher and a measured client.

Used by ``wexcore bench`` (its socket group) and by ``bench/bench_stream.py``;
never imported by the library itself.

**The pusher** (:func:`serve`, run in a process of its own) speaks just enough
RFC 6455 to stand in for ``wss://stream.wexex.io/public``: it answers the
upgrade (negotiating permessage-deflate, RFC 7692, when the client offers
it, with the server keeping its compression context as real servers do),
acknowledges subscribe requests, answers text ``ping`` with ``pong``, and
once the expected number of topics is subscribed sends its pre-encoded
frames:

* ``rate=0`` (flood): all at once, one write; measures throughput;
* ``rate>0`` (paced): one frame per write, frame ``k`` due at
  ``start + k / rate``: real arrival, where every frame wakes the client up.
  Late frames are sent at once, each still in its own write, so the rate
  holds on average. With ``sent_ns`` (a shared array) each frame's send time
  is recorded at its index.

Frames are built and compressed before the clock starts and written with
plain blocking sockets, so the pusher is never the bottleneck.

**The measured client** (:func:`paced_client`, also a process of its own so
that its CPU time is its alone) keeps a :class:`~wexcore.LiveBooks` over one
connection and reads ``time.process_time()`` while the frames arrive: CPU
seconds per message, whatever the wall clock did.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import hashlib
import random
import re
import select
import socket
import time
import zlib
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["DepthScript", "depth_script", "ws_frame", "serve", "paced_client", "LOOPS"]

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PRICE_PRECISION = 2
QUANTITY_PRECISION = 4

#: levels changed per depth_update frame
WORKLOADS = {
    "small": (1, 6),        # a quiet book, or a feed pushed per change
    "aggregated": (8, 32),  # 100 ms of an active book (the spec's push rate)
}

#: event loops the measured client can run on
LOOPS = ("asyncio", "uvloop")


@dataclass
class DepthScript:
    """Snapshots, frames (interleaved across symbols) and the final books.

    Symbol ``s`` gets update ids ``1..n_s`` (``fi == i``), so the number of
    frames a client has applied is the sum of its books' update ids.
    """

    symbols: list[str]
    snapshots: dict[str, bytes]
    frames: list[bytes]
    finals: dict[str, dict[str, list[tuple[int, int]]]]
    price_precision: int = PRICE_PRECISION
    quantity_precision: int = QUANTITY_PRECISION


def _fmt(t: int, precision: int) -> str:
    unit = 10**precision
    return f"{t // unit}.{t % unit:0{precision}d}"


def depth_script(count: int, symbols: int = 1, *, workload: str = "small", seed: int = 1,
                 depth: int = 200) -> DepthScript:
    """``count`` ``depth_update`` frames spread round-robin over ``symbols``
    symbols (``btc_usdt`` alone when 1, else ``s000_usdt``...), each symbol
    with its own seeded book of ``depth`` levels a side.

    Each update changes a few levels near the touch (``WORKLOADS``);
    quantities are absolute and 0 removes, as the spec's diff stream.
    """
    names = ["btc_usdt"] if symbols == 1 else [f"s{i:03d}_usdt" for i in range(symbols)]
    lo, hi = WORKLOADS[workload]
    pp, qp = PRICE_PRECISION, QUANTITY_PRECISION
    snapshots: dict[str, bytes] = {}
    finals: dict[str, dict[str, list[tuple[int, int]]]] = {}
    per_symbol: list[list[bytes]] = []
    for k, sym in enumerate(names):
        rng = random.Random(seed * 1_000_003 + k)
        n = count // symbols + (1 if k < count % symbols else 0)
        mid = 3_000_000 + 10_000 * k
        bids = {mid - 1 - i: rng.randint(1, 50_000) for i in range(depth)}
        asks = {mid + 1 + i: rng.randint(1, 50_000) for i in range(depth)}
        snapshots[sym] = orjson.dumps({"rc": 0, "mc": "SUCCESS", "ma": [], "result": {
            "timestamp": 0, "lastUpdateId": 0,
            "bids": [[_fmt(p, pp), _fmt(q, qp)] for p, q in sorted(bids.items(), reverse=True)],
            "asks": [[_fmt(p, pp), _fmt(q, qp)] for p, q in sorted(asks.items())]}})
        frames = []
        event = f"depth_update@{sym}"
        for uid in range(1, n + 1):
            b: list[list[str]] = []
            a: list[list[str]] = []
            for _ in range(rng.randint(lo, hi)):
                is_bid = rng.random() < 0.5
                book = bids if is_bid else asks
                off = int(rng.expovariate(0.3))
                px = (mid - 1 - off) if is_bid else (mid + 1 + off)
                q = 0 if rng.random() < 0.25 else rng.randint(1, 50_000)
                if q:
                    book[px] = q
                else:
                    book.pop(px, None)
                (b if is_bid else a).append([_fmt(px, pp), _fmt(q, qp)])
            frames.append(orjson.dumps({"topic": "depth_update", "event": event,
                                        "data": {"s": sym, "fi": uid, "i": uid, "a": a,
                                                 "b": b}}))
        per_symbol.append(frames)
        finals[sym] = {"bids": sorted(bids.items(), reverse=True), "asks": sorted(asks.items())}
    interleaved = [f for i in range(max(map(len, per_symbol), default=0))
                   for frames in per_symbol if i < len(frames) for f in (frames[i],)]
    return DepthScript(names, snapshots, interleaved, finals)


# ---------------------------------------------------------------------------- framing


def ws_frame(payload: bytes, opcode: int = 1, rsv1: bool = False) -> bytes:
    """One unmasked, final server frame (RFC 6455); ``rsv1`` marks it compressed."""
    n = len(payload)
    b0 = 0x80 | (0x40 if rsv1 else 0) | opcode
    if n < 126:
        return bytes((b0, n)) + payload
    if n < 65536:
        return bytes((b0, 126)) + n.to_bytes(2, "big") + payload
    return bytes((b0, 127)) + n.to_bytes(8, "big") + payload


class _Deflater:
    """Server-side permessage-deflate with context takeover (RFC 7692 7.2.1)."""

    def __init__(self) -> None:
        self._c = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)

    def frame(self, payload: bytes) -> bytes:
        data = self._c.compress(payload) + self._c.flush(zlib.Z_SYNC_FLUSH)
        assert data.endswith(b"\x00\x00\xff\xff")
        return ws_frame(data[:-4], rsv1=True)


class _Peer:
    """One accepted connection: handshake, the client's frames, replies."""

    def __init__(self, sock: socket.socket, deflate: bool) -> None:
        self.sock = sock
        self.buf = b""
        self.deflate = False
        self._inflate: Any = None
        self._handshake(deflate)

    def _read_more(self) -> bool:
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def _handshake(self, allow_deflate: bool) -> None:
        while b"\r\n\r\n" not in self.buf:
            if not self._read_more():
                raise ConnectionError("closed during the handshake")
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        key = re.search(rb"(?im)^sec-websocket-key:\s*(\S+)", head)
        if key is None:
            raise ConnectionError("no Sec-WebSocket-Key")
        offer = re.search(rb"(?im)^sec-websocket-extensions:.*permessage-deflate", head)
        accept = base64.b64encode(hashlib.sha1(key.group(1) + GUID).digest())
        ext = b""
        if offer is not None and allow_deflate:
            self.deflate = True
            self._inflate = zlib.decompressobj(-15)
            ext = b"Sec-WebSocket-Extensions: permessage-deflate\r\n"
        self.sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n"
                          + ext + b"\r\n")

    def messages(self) -> list[tuple[int, bytes]] | None:
        """Read once; the complete client messages now buffered (None: closed)."""
        if not self._read_more():
            return None
        out = []
        while True:
            b = self.buf
            if len(b) < 2:
                break
            n, pos = b[1] & 0x7F, 2
            if n == 126:
                n, pos = int.from_bytes(b[2:4], "big"), 4
            elif n == 127:
                n, pos = int.from_bytes(b[2:10], "big"), 10
            if len(b) < pos + 4 + n:
                break
            mask = b[pos:pos + 4]
            body = bytes(c ^ mask[i % 4] for i, c in enumerate(b[pos + 4:pos + 4 + n]))
            self.buf = b[pos + 4 + n:]
            if b[0] & 0x40 and self._inflate is not None:
                body = self._inflate.decompress(body + b"\x00\x00\xff\xff")
            out.append((b[0] & 0x0F, body))
        return out

    def send(self, payload: bytes, opcode: int = 1) -> None:
        # replies go out uncompressed: allowed, and they must not disturb the
        # compression context of the pre-encoded frames
        self.sock.sendall(ws_frame(payload, opcode))


def _answer(peer: _Peer, opcode: int, body: bytes) -> int | None:
    """Answer one client message; the number of topics it subscribed, or
    None when it was a close."""
    if opcode == 8:
        with contextlib.suppress(OSError):
            peer.send(body[:2], 8)
        return None
    if opcode == 9:
        peer.send(body, 10)
    elif body == b"ping":
        peer.send(b"pong")
    elif opcode == 1:
        req = orjson.loads(body)
        peer.send(orjson.dumps({"id": req.get("id"), "code": 0, "msg": "success"}))
        if str(req.get("method", "")).lower() == "subscribe":
            return len(req.get("params") or ())
    return 0


def _serve_one(peer: _Peer, frames: list[bytes], rate: float, start_after: int,
               lead: float, sent_ns: Any) -> None:
    subscribed = 0
    while subscribed < start_after:
        msgs = peer.messages()
        if msgs is None:
            return
        for opcode, body in msgs:
            n = _answer(peer, opcode, body)
            if n is None:
                return
            subscribed += n
    if peer.deflate:
        d = _Deflater()
        encoded = [d.frame(f) for f in frames]
    else:
        encoded = [ws_frame(f) for f in frames]
    if lead > 0:
        time.sleep(lead)
    if not _push(peer, encoded, rate, sent_ns):
        return
    while (msgs := peer.messages()) is not None:  # until the client leaves
        if any(_answer(peer, op, body) is None for op, body in msgs):
            return


def _push(peer: _Peer, encoded: list[bytes], rate: float, sent_ns: Any) -> bool:
    """Send every frame (False: the client left first)."""
    sock = peer.sock
    if rate <= 0:
        sock.sendall(b"".join(encoded))
        return True
    clock = time.perf_counter
    wall = time.time_ns
    step = 1.0 / rate
    start = clock()
    for k, data in enumerate(encoded):
        due = start + k * step
        while (wait := due - clock()) > 0:
            readable, _, _ = select.select([sock], [], [], wait)
            if readable:
                msgs = peer.messages()
                if msgs is None or any(_answer(peer, op, b) is None for op, b in msgs):
                    return False
        if sent_ns is not None:
            sent_ns[k] = wall()
        sock.sendall(data)
    return True


def _fine_timers() -> None:
    # select()'s timeout is otherwise rounded up by the default 50 µs timer
    # slack, which alone would cap the paced rate near 20k/s
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(29, 1000, 0, 0, 0)  # PR_SET_TIMERSLACK, 1 µs


def serve(port_out: Any, frames: list[bytes], *, rate: float = 0.0, connections: int = 1,
          start_after: int = 1, lead: float = 0.0, deflate: bool = True,
          sent_ns: Any = None) -> None:
    """Process entry point: serve ``connections`` connections one after the
    other, then return. The port goes out through ``port_out.value``.

    Frames start ``lead`` seconds after ``start_after`` topics are subscribed
    (time for a client's snapshot, so that it applies frames as they come
    rather than replaying them from its buffer)."""
    _fine_timers()
    server = socket.create_server(("127.0.0.1", 0))
    port_out.value = server.getsockname()[1]
    with server:
        for _ in range(connections):
            sock, _addr = server.accept()
            with sock:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                try:
                    _serve_one(_Peer(sock, deflate), frames, rate, start_after, lead, sent_ns)
                except (ConnectionError, OSError):
                    pass


# ---------------------------------------------------------------------------- client


def _cpu() -> tuple[float, float]:
    # process_time: the precise total (CLOCK_PROCESS_CPUTIME_ID); getrusage
    # for the kernel's share of it
    import resource

    return time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_stime


def paced_client(result: Any, url: str, script: DepthScript, *, transport: str | None,
                 compression: bool, loop: str, warm: int, timeout: float = 120.0,
                 coalesce: float = 0.0) -> None:
    """Process entry point: keep every symbol's live book over one connection
    until all of ``script``'s frames are applied; put a dict into the queue
    ``result``: ``cpu_s`` and ``messages`` between the ``warm``-th frame and the
    last (so ``cpu_s / messages`` is CPU per message), ``wall_s``, the
    ``transport`` used and ``error`` (None when every book ended equal to the
    pusher's and none resynced)."""
    import asyncio

    total = len(script.frames)

    async def main() -> dict[str, Any]:
        from wexcore import LiveBooks

        async def fetch(symbol: str, product: str) -> bytes:
            return script.snapshots[symbol]

        precisions = {s: (script.price_precision, script.quantity_precision)
                      for s in script.symbols}
        kw: dict[str, Any] = {} if transport is None else {"transport": transport}
        async with LiveBooks(script.symbols, ws_url=url, compression=compression,
                             precisions=precisions, snapshot_fetcher=fetch,
                             symbols_per_connection=len(script.symbols),
                             snapshot_rate=1e6, stream_options={"coalesce": coalesce},
                             **kw) as books:
            await books.wait_synced(30)
            kernels = [b.book for b in books]
            cpu0 = cpu1 = _cpu()
            wall0 = wall1 = 0.0
            n0 = -1
            deadline = time.monotonic() + timeout
            while True:
                # a poll every 20 ms: 50 wake-ups a second, next to thousands of frames
                await asyncio.sleep(0.02)
                n = sum(int(k.last_update_id) for k in kernels)
                if n0 < 0 and n >= warm:
                    cpu0, wall0, n0 = _cpu(), time.perf_counter(), n
                if n >= total:
                    cpu1, wall1 = _cpu(), time.perf_counter()
                    break
                if time.monotonic() > deadline:
                    return {"error": f"timed out at {n} of {total} frames"}
            error = None
            for sym, b in books.books.items():
                got = {"bids": [tuple(int(x) for x in r) for r in b.bid_ticks(10_000).tolist()],
                       "asks": [tuple(int(x) for x in r) for r in b.ask_ticks(10_000).tolist()]}
                if got != script.finals[sym]:
                    error = f"{sym}: the book differs from the pusher's"
            if books.resyncs:
                error = f"{books.resyncs} resyncs"
            return {"cpu_s": cpu1[0] - cpu0[0], "system_s": cpu1[1] - cpu0[1],
                    "wall_s": wall1 - wall0, "messages": n - n0,
                    "transport": books.streams[0].transport,
                    "compression": books.streams[0]._conn is not None
                    and books.streams[0]._conn.compression,
                    "error": error}

    try:
        if loop == "uvloop":
            import uvloop

            out = uvloop.run(main())
        else:
            out = asyncio.run(main())
    except BaseException as exc:  # noqa: BLE001 - reported to the parent process
        out = {"error": f"{type(exc).__name__}: {exc}"}
    result.put(out)


# ---------------------------------------------------------------------------- driver


class PusherError(RuntimeError):
    """The local pusher process could not run."""


@contextlib.contextmanager
def pusher(frames: list[bytes], **kw: Any) -> Any:
    """Run :func:`serve` in a spawned process; yields its ``ws://`` URL."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    port = ctx.Value("i", 0)
    proc = ctx.Process(target=serve, args=(port, frames), kwargs=kw, daemon=True)
    proc.start()
    try:
        deadline = time.monotonic() + 30
        while not port.value:
            if time.monotonic() > deadline or not proc.is_alive():
                raise PusherError("the benchmark's local pusher process did not start")
            time.sleep(0.01)
        yield f"ws://127.0.0.1:{port.value}/public"
    finally:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join()


def run_paced(script: DepthScript, rate: float, *, transport: str | None = None,
              compression: bool = True, loop: str = "asyncio", warm: float = 0.1,
              timeout: float = 120.0, coalesce: float = 0.0) -> dict[str, Any]:
    """One measured session: a pusher process sends ``script`` at ``rate``
    frames per second to a client process (:func:`paced_client`); returns its
    result with ``cpu_us_per_message`` and ``rate`` (achieved, frames/s)."""
    import multiprocessing as mp
    import queue

    if loop not in LOOPS:
        raise ValueError(f"loop must be one of {LOOPS}, not {loop!r}")
    ctx = mp.get_context("spawn")
    with pusher(script.frames, rate=rate, start_after=len(script.symbols), lead=0.2) as url:
        results = ctx.Queue()
        client = ctx.Process(target=paced_client, args=(results, url, script), daemon=True,
                             kwargs={"transport": transport, "compression": compression,
                                     "loop": loop, "warm": int(len(script.frames) * warm),
                                     "timeout": timeout, "coalesce": coalesce})
        client.start()
        try:
            out: dict[str, Any] = results.get(timeout=timeout + 30)
        except queue.Empty:
            out = {"error": "the client process gave no result"}
        finally:
            client.join(timeout=10)
            if client.is_alive():
                client.kill()
                client.join()
    if out.get("error") is None:
        out["cpu_us_per_message"] = out["cpu_s"] / out["messages"] * 1e6
        out["rate"] = out["messages"] / out["wall_s"]
    return out
