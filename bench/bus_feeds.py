"""The feed processes of bench_bus.py's end-to-end rows.

``python bus_feeds.py MODE NATS_URL WS_URL COUNT OUT [STAMPS]`` connects to the
paced pusher at ``WS_URL`` (``wexcore._socketbench``: the script of
``depth_script(COUNT, 1)``) and publishes to ``wex.spot.book.btc_usdt`` until
SIGTERM, on uvloop:

* ``wexcore``: a real :class:`wexcore.Feed` (live book, DeltaEncoder records,
  KV snapshots, a lease); its records carry the frame's receive time;
* ``generic``: what a generic feed handler's broker backend does: every frame
  as it came, published from an async callback; the receive time of frame
  ``i`` goes to ``OUT`` (int64 ns, little-endian) at the end.

``STAMPS`` (a file name) turns on the latency breakdown of bus_latency.py:
the time each book record reached nats-py's socket write is stamped (by
wrapping the connection's transport ``writelines``: instrumentation, not a
path of the feed) and saved as ``[(first_id, write_ns - receive_ns)]``.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from array import array
from typing import Any

import numpy as np

from wexcore import run
from wexcore._socketbench import PRICE_PRECISION, QUANTITY_PRECISION, depth_script

SYMBOL = "btc_usdt"
SUBJECT = f"wex.spot.book.{SYMBOL}"


def stamp_writes(nc: Any, out: list[tuple[int, int]]) -> None:
    """Stamp every delta record's socket write (see the module doc)."""
    transport = nc._transport
    write = transport.writelines

    def writelines(payload: list[bytes]) -> Any:
        now = time.time_ns()
        for item in payload:
            if item.startswith(b"PUB " + SUBJECT.encode()):
                rec = item[item.index(b"\r\n") + 2:]
                if rec[4] == 1:  # a delta
                    out.append((int.from_bytes(rec[24:32], "little"),
                                now - int.from_bytes(rec[48:56], "little")))
        return write(payload)

    transport.writelines = writelines


async def wexcore_feed(nats_url: str, ws_url: str, count: int, stop: asyncio.Event,
                       stamps: list[tuple[int, int]] | None) -> None:
    from wexcore.bus import Feed

    script = depth_script(count, 1)

    async def fetch(symbol: str, product: str) -> bytes:
        return script.snapshots[symbol]

    async with Feed([SYMBOL], nats_url=nats_url, ws_url=ws_url, group="bench",
                    snapshot_fetcher=fetch, trades=False,
                    precisions={SYMBOL: (PRICE_PRECISION, QUANTITY_PRECISION)}) as feed:
        if stamps is not None:
            stamp_writes(feed.nc, stamps)
        await stop.wait()


async def generic_feed(nats_url: str, ws_url: str, count: int, stop: asyncio.Event,
                       received: array) -> None:
    import nats

    from wexcore.stream.client import StreamClient

    nc = await nats.connect(nats_url)
    queue: asyncio.Queue[bytes] = asyncio.Queue()

    class Sink:
        raw = True

        def deliver(self, frame: bytes, decoded: Any, received_ns: int) -> None:
            received.append(received_ns)
            queue.put_nowait(frame)

    async def publisher() -> None:
        while True:
            await nc.publish(SUBJECT, await queue.get())

    task = asyncio.create_task(publisher())
    client = StreamClient("spot", "public", url=ws_url)
    await client.start()
    try:
        await client.subscribe_sink([f"depth_update@{SYMBOL}"], Sink())
        await stop.wait()
    finally:
        task.cancel()
        await client.close()
        await nc.flush()
        await nc.close()


def main(mode: str, nats_url: str, ws_url: str, count: int, out: str,
         stamps_path: str | None) -> None:
    received = array("q")
    stamps: list[tuple[int, int]] | None = [] if stamps_path else None

    async def go() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        if mode == "wexcore":
            await wexcore_feed(nats_url, ws_url, count, stop, stamps)
        else:
            await generic_feed(nats_url, ws_url, count, stop, received)

    run(go())
    with open(out, "wb") as fh:
        fh.write(received.tobytes())
    if stamps_path:
        np.save(stamps_path, np.array(stamps or [(0, 0)], dtype=np.int64))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5],
         sys.argv[6] if len(sys.argv) > 6 else None)
