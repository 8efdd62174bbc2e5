"""The seeded depth workload now lives in the package, ``wexcore.workload``, so
that ``wexcore bench`` runs from an installed wheel; this module re-exports it
for the pytest-benchmark files (``from workload import generate``)."""

from wexcore.workload import (  # noqa: F401
    FIRST_ID,
    PRICE_PRECISION,
    QUANTITY_PRECISION,
    SYMBOL,
    Workload,
    checksum,
    fmt,
    generate,
)

if __name__ == "__main__":
    import statistics

    for lv in (500, 5000):
        w = generate(lv)
        sizes = [len(b) + len(a) for _, _, _, b, a in w.updates]
        print(f"{lv} levels: {len(w.messages)} messages, levels/msg mean "
              f"{statistics.mean(sizes):.1f} median {statistics.median(sizes)}, bytes/msg "
              f"{statistics.mean(map(len, w.messages)):.0f}, final {w.expected['bid_count']}"
              f"/{w.expected['ask_count']} levels, snapshot {len(w.snapshot)} bytes")
