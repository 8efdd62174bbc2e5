"""Instructions per private push on the account's event path, for callgrind.

Plays bench_account.py's seeded stream of private pushes (spot or futures)
``rounds`` times into a fresh state with one contender (``orjson``,
``orjson_state`` or ``wexcore``). The marginal cost of one push is the
difference of two runs, which cancels start-up, imports and frame building::

    for c in orjson orjson_state wexcore; do for r in 1 3; do
      valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python bench/callgrind_account.py $c spot $r 2>&1 | grep Collected
    done; done
    # per push = (run 3 - run 1) / (2 * pushes); pushes is printed

Instruction counts do not depend on what else the machine runs.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_account as b  # noqa: E402

contender, product, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
run = {"orjson": b.run_orjson, "orjson_state": b.run_orjson_state,
       "wexcore": b.run_wexcore}[contender]
frames = b.FRAMES[product]
if contender == "wexcore":
    b._fresh_account(product)  # the REST and stream clients are made once, outside
for _ in range(rounds):
    result = run(frames, product)
if contender == "wexcore":
    b.check_wexcore(product, result)
print("pushes", len(frames))
