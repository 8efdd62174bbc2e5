"""Shared machinery for the benchmarks.

Every speed goal is a ratio against a baseline measured in the same run (the
machines are shared and noisy; absolute numbers drift, ratios much less).
A benchmark test times its subject with pytest-benchmark's ``benchmark``
fixture, asserts the result is right, then calls ``ratios.record(...)``; the
test for wexcore calls ``ratios.check(...)`` against a baseline recorded
earlier in the same module. At the end of the session a table of medians and
ratios is printed.

In the normal test run (``python -m pytest``) benchmarks are disabled
(``--benchmark-disable`` in pyproject) and each body runs once as a
correctness test; ratios are then neither recorded nor checked. Run them for
real with ``python -m pytest bench --benchmark-enable``.
"""

from __future__ import annotations

import pytest


class Ratios:
    def __init__(self) -> None:
        self.medians: dict[tuple[str, str], float] = {}
        self.minimums: dict[tuple[str, str], float] = {}
        self.goals: list[tuple[str, str, str, float, float | None]] = []

    def record(self, group: str, name: str, benchmark) -> float | None:
        """Store the median seconds of a finished benchmark; None when disabled."""
        stats = getattr(benchmark, "stats", None)
        if benchmark.disabled or stats is None:
            return None
        self.medians[(group, name)] = stats.stats.median
        self.minimums[(group, name)] = stats.stats.min
        return stats.stats.median

    def check(self, group: str, name: str, baseline: str, min_ratio: float) -> float | None:
        """Assert that ``name`` is at least ``min_ratio`` times faster than ``baseline``."""
        # Ratios of the fastest rounds: on a shared 2-core machine other
        # processes only ever add time, so minimums are the least disturbed
        # estimate of each side's cost; medians are printed alongside.
        subject = self.minimums.get((group, name))
        base = self.minimums.get((group, baseline))
        if subject is None or base is None:
            return None
        ratio = base / subject
        self.goals.append((group, name, baseline, min_ratio, ratio))
        assert ratio >= min_ratio, (
            f"{group}: {name} is {ratio:.2f}x faster than {baseline}, goal {min_ratio}x"
        )
        return ratio


_RATIOS = Ratios()


@pytest.fixture(scope="session")
def ratios() -> Ratios:
    return _RATIOS


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _RATIOS.medians:
        return
    tr = terminalreporter
    tr.section("wexcore benchmarks (median and min per call)")
    for (group, name), med in sorted(_RATIOS.medians.items()):
        low = _RATIOS.minimums[(group, name)]
        tr.write_line(f"{group:<28} {name:<36} {med * 1e6:10.3f} us  (min {low * 1e6:.3f} us)")
    if _RATIOS.goals:
        tr.section("wexcore ratios against same-run baselines (fastest rounds)")
        for group, name, baseline, goal, ratio in _RATIOS.goals:
            ok = "ok" if ratio is not None and ratio >= goal else "MISSED"
            tr.write_line(
                f"{group:<28} {name} vs {baseline}: {ratio:.2f}x (goal >= {goal}x) {ok}"
            )
