"""Helpers shared by the stream tests (not a test module)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import orjson

from wexcore import decimal_to_ticks
from wexcore.stream.transport import TRANSPORTS as _ALL

# every stream test runs over every transport: picows (the default, a core
# dependency) and websockets (the fallback)
TRANSPORTS = list(_ALL)


async def wait_until(pred: Callable[[], bool], timeout: float = 5.0, what: str = "") -> None:
    """Wait for a condition, re-checking on every loop turn batch; fail on timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not pred():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or pred}")
        await asyncio.sleep(0.005)


def sim_top(sim, symbol: str, product: str, pp: int, qp: int, n: int = 50):
    snap = sim.book_snapshot(symbol, product=product, depth=n)
    bids = [(decimal_to_ticks(p, pp), decimal_to_ticks(q, qp)) for p, q in snap["bids"]]
    asks = [(decimal_to_ticks(p, pp), decimal_to_ticks(q, qp)) for p, q in snap["asks"]]
    return snap["last_update_id"], bids, asks


def book_top(book, n: int = 50):
    bids = [tuple(int(x) for x in row) for row in book.bid_ticks(n).tolist()]
    asks = [tuple(int(x) for x in row) for row in book.ask_ticks(n).tolist()]
    return int(book.last_update_id), bids, asks


async def settle(sim, book, symbol: str, product: str) -> None:
    """Stop faults and the market, publish one more clean change so that a
    fault on the last frame is detected, and wait until the book caught up."""
    spec = sim.fault_spec
    spec.drop = spec.duplicate = spec.reorder = 0.0
    await sim.quiesce()
    sim.step(3)  # a change after the faults: reveals a trailing drop as a gap
    await sim.quiesce()
    target = sim.published_update_id(symbol, product)
    await wait_until(lambda: book.synced and book.last_update_id == target, 10.0,
                     f"book at {target}")


class FakeExchange:
    """A minimal WEX-like WebSocket server for scripted tests.

    Acks subscriptions, answers ``ping`` with ``pong`` unless ``answer_pings``
    is False, and lets the test push frames to every connection.
    """

    def __init__(self, *, answer_pings: bool = True, refuse: tuple[str, ...] = ()) -> None:
        self.answer_pings = answer_pings
        self.refuse = refuse  # methods answered with code 1
        self.answer_requests = True
        self.conns: list = []
        self.requests: list[dict] = []
        self.pings = 0
        self.connections = 0
        self.subscribed = asyncio.Event()
        self._server = None

    async def __aenter__(self) -> FakeExchange:
        from websockets.asyncio.server import serve

        self._server = await serve(self._handler, "127.0.0.1", 0, compression="deflate",
                                   ping_interval=None)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc) -> None:
        self._server.close()
        for ws in list(self.conns):
            with contextlib.suppress(Exception):
                ws.transport.abort()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _handler(self, ws) -> None:
        self.conns.append(ws)
        self.connections += 1
        try:
            async for msg in ws:
                if msg == "ping":
                    self.pings += 1
                    if self.answer_pings:
                        await ws.send("pong")
                    continue
                req = orjson.loads(msg)
                self.requests.append(req)
                if not self.answer_requests:
                    continue
                if req["method"].lower() in self.refuse:
                    reply = {"id": req["id"], "code": 1, "msg": "refused"}
                else:
                    reply = {"id": req["id"], "code": 0, "msg": "success"}
                await ws.send(orjson.dumps(reply).decode())
                self.subscribed.set()
        except Exception:  # noqa: BLE001 - connection dropped by the test
            pass
        finally:
            if ws in self.conns:
                self.conns.remove(ws)

    async def push(self, frame: bytes) -> None:
        for ws in list(self.conns):
            await ws.send(frame.decode())

    def drop_all(self) -> None:
        for ws in list(self.conns):
            ws.transport.abort()
