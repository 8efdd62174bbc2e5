"""Instructions per live-book frame (``BookSync.deliver``), for callgrind.

Builds N one-level spot depth_update frames, loads a snapshot, then feeds
them (or, with a second argument, stops before feeding). The marginal cost
of one deliver is the difference of four runs, which cancels start-up and
frame building::

    for n in 2000 6000; do for skip in "" skip; do
      valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python bench/callgrind_deliver.py $n $skip 2>&1 | grep Collected
    done; done
    # per frame = ((run 6000 - skip 6000) - (run 2000 - skip 2000)) / 4000

Instruction counts do not depend on what else the machine runs.
"""

import sys

import orjson

from wexcore import OrderBook
from wexcore.stream.livebook import BookSync

N = int(sys.argv[1])
frames = []
for k in range(N):
    i = 1001 + k
    frames.append(orjson.dumps({"topic": "depth_update", "event": "depth_update@btc_usdt",
                                "data": {"s": "btc_usdt", "fi": i, "i": i,
                                         "b": [[f"{100 - (k % 7) * 0.01:.2f}", f"{1 + k % 5}.0"]],
                                         "a": [[f"{101 + (k % 7) * 0.01:.2f}", f"{1 + k % 3}.0"]]}}))
sync = BookSync(OrderBook("btc_usdt", 2, 1))
sync.on_snapshot(orjson.dumps({"lastUpdateId": 1000, "bids": [["100.00", "1.0"]],
                               "asks": [["101.00", "1.0"]]}))
deliver = sync.deliver
if len(sys.argv) > 2:
    raise SystemExit(0)
for f in frames:
    deliver(f, None, 0)
assert sync.applied == N, sync.applied
