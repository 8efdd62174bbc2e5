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

``--ratio-goals=report`` computes and prints every ratio but does not fail a
benchmark that misses its goal: for a smoke run of the benchmark command with
minimal rounds (tests/test_cli_bench_command.py), where one round on a busy
machine says nothing about speed.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--ratio-goals", choices=("assert", "report"), default="assert",
        help="wexcore benchmarks: fail a benchmark that misses its ratio goal (assert, "
             "default) or only print it (report)",
    )


class Ratios:
    def __init__(self) -> None:
        # Seconds per operation. A benchmark that measures one figure per
        # round (a throughput's best round) may store it in ``medians``
        # alone: that figure then also stands for its minimum.
        self.medians: dict[tuple[str, str], float] = {}
        self.minimums: dict[tuple[str, str], float] = {}
        self.goals: list[tuple[str, str, str, float, float | None]] = []
        # goals whose baseline had not run yet when they were checked
        self.deferred: list[tuple[str, str, str, float]] = []
        self.enforce = True

    def record(self, group: str, name: str, benchmark) -> float | None:
        """Store the median seconds of a finished benchmark; None when disabled."""
        stats = getattr(benchmark, "stats", None)
        if benchmark.disabled or stats is None:
            return None
        self.medians[(group, name)] = stats.stats.median
        self.minimums[(group, name)] = stats.stats.min
        return stats.stats.median

    def fastest(self, group: str, name: str) -> float | None:
        """The least disturbed figure of an entry: its minimum, else its only figure."""
        key = (group, name)
        return self.minimums.get(key, self.medians.get(key))

    def check(self, group: str, name: str, baseline: str, min_ratio: float) -> float | None:
        """Assert that ``name`` is at least ``min_ratio`` times faster than ``baseline``."""
        # Ratios of the fastest rounds: on a shared 2-core machine other
        # processes only ever add time, so minimums are the least disturbed
        # estimate of each side's cost; medians are printed alongside.
        subject = self.fastest(group, name)
        base = self.fastest(group, baseline)
        if subject is None:
            return None
        if base is None:
            # the baseline runs later in this session (parametrize order):
            # checked when the session ends, failing the run on a miss
            self.deferred.append((group, name, baseline, min_ratio))
            return None
        ratio = base / subject
        self.goals.append((group, name, baseline, min_ratio, ratio))
        if self.enforce:
            assert ratio >= min_ratio, (
                f"{group}: {name} is {ratio:.2f}x faster than {baseline}, goal {min_ratio}x"
            )
        return ratio

    def check_deferred(self) -> list[str]:
        """Check the goals whose baseline ran after them; return the missed ones."""
        missed = []
        for group, name, baseline, goal in self.deferred:
            subject = self.fastest(group, name)
            base = self.fastest(group, baseline)
            ratio = None if subject is None or base is None else base / subject
            self.goals.append((group, name, baseline, goal, ratio))
            if ratio is not None and ratio < goal:
                missed.append(f"{group}: {name} is {ratio:.2f}x faster than {baseline}, "
                              f"goal {goal}x")
        self.deferred = []
        return missed

    def table(self) -> list[str]:
        """The medians (and minimums) table, one line per entry."""
        lines = []
        for (group, name), med in sorted(self.medians.items()):
            low = self.minimums.get((group, name))
            extra = f"  (min {low * 1e6:.3f} us)" if low is not None else ""
            lines.append(f"{group:<28} {name:<36} {med * 1e6:10.3f} us{extra}")
        return lines

    def goal_lines(self) -> list[str]:
        lines = []
        for group, name, baseline, goal, ratio in self.goals:
            ok = "ok" if ratio is not None and ratio >= goal else "MISSED"
            shown = "n/a" if ratio is None else f"{ratio:.2f}x"
            lines.append(f"{group:<28} {name} vs {baseline}: {shown} (goal >= {goal}x) {ok}")
        return lines


_RATIOS = Ratios()


@pytest.fixture(scope="session")
def ratios(pytestconfig: pytest.Config) -> Ratios:
    _RATIOS.enforce = pytestconfig.getoption("--ratio-goals") == "assert"
    return _RATIOS


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    missed = _RATIOS.check_deferred()
    if missed and _RATIOS.enforce and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _RATIOS.medians:
        return
    tr = terminalreporter
    tr.section("wexcore benchmarks (median and min per call)")
    for line in _RATIOS.table():
        tr.write_line(line)
    if _RATIOS.goals:
        tr.section("wexcore ratios against same-run baselines (fastest rounds)")
        for line in _RATIOS.goal_lines():
            tr.write_line(line)
