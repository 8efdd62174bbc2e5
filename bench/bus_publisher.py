"""A paced publisher process for bench_bus.py's end-to-end rows.

``python bus_publisher.py URL MODE COUNT RATE TIMES_FILE``: publishes the
workload's updates to ``wex.spot.book.btc_usdt`` at ``RATE`` messages per
second, as a feed does (plain NATS publishes into the JetStream stream):
``MODE`` ``records`` builds each record at send time (the feed's work per
frame: encode the parsed tick arrays), ``json`` sends the raw frame (what a
generic handler's broker backend does). Writes each message's send time
(``time.time_ns()``, int64 little-endian) to ``TIMES_FILE`` at the end.
"""

from __future__ import annotations

import asyncio
import sys
import time
from array import array

import numpy as np

from wexcore._record import KIND_DELTA, encode_levels
from workload import generate


async def main(url: str, mode: str, count: int, rate: float, times_path: str) -> None:
    import nats

    w = generate(500, count)
    nc = await nats.connect(url)
    subject = "wex.spot.book.btc_usdt"
    parsed = [(f, last, np.array([p for p, _ in b], np.int64), np.array([q for _, q in b], np.int64),
               np.array([p for p, _ in a], np.int64), np.array([q for _, q in a], np.int64))
              for f, last, _, b, a in w.updates]
    sent = array("q")
    interval = 1.0 / rate
    t_next = time.perf_counter()
    for i in range(count):
        ahead = t_next - time.perf_counter()
        if ahead > 0:  # sleep, do not spin: the consumer and the server need the cores
            time.sleep(ahead)
        t_next += interval
        now = time.time_ns()
        if mode == "records":
            f, last, bp, bq, ap, aq = parsed[i]
            data = encode_levels(KIND_DELTA, w.symbol, w.price_precision, w.quantity_precision,
                                 1, 2 + i, f, last, None, now, bp, bq, ap, aq)
        else:
            data = w.messages[i]
        sent.append(now)
        await nc.publish(subject, data)
        await asyncio.sleep(0)  # let nats-py's flusher write it now
    await nc.flush()
    await nc.close()
    with open(times_path, "wb") as fh:
        fh.write(sent.tobytes())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
                     sys.argv[5]))
