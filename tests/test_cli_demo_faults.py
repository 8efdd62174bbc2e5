"""``wexcore demo`` under every fault the simulator documents.

The fault kinds come from the table in docs/simulator.md (a kind added there
without a value here fails the test, so none goes untried). Under each one
the demo must keep running, exit 0 and end with every book identical to the
simulator's (top 50 levels and update id), with the fault really injected.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wexcore.cli import main

DOCS = Path(__file__).resolve().parent.parent / "docs" / "simulator.md"

# a value for each documented kind: strong enough to matter in a 1.5 s run
VALUES = {
    "drop": "0.1",
    "duplicate": "0.2",
    "reorder": "0.1",
    # several in the run: the simulator drops one random connection of four
    # each time, and two of them carry no book (one drop proved nothing)
    "disconnect_every": "0.5",
    "rest_5xx": "0.3",  # the LiveBooks failed 8 of 8 starts here
    "rest_delay": "0.3",
    "token_ttl": "1",
    "private_drop": "0.2",
    "private_disconnect_every": "1",
}
# kinds whose injections make a book resync
RESYNCING = {"drop", "reorder", "disconnect_every"}
# kinds that need longer than the default run on a loaded 2-core machine: a
# start-up retried through 5xx answers (with backoff), and a reconnect plus
# resync that must finish after the first cut
SECONDS = {"rest_5xx": "4", "disconnect_every": "3"}


def documented_faults() -> list[tuple[str, str]]:
    """``(key, counted as)`` for every row of the Faults table."""
    text = DOCS.read_text()
    table = text.split("## Faults", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| *([a-z0-9_, ]+?) *\|.*\| *([a-z0-9_]+) *\|$", table, re.M)
    return [(keys.split(",")[0].strip(), counted) for keys, counted in rows
            if keys.strip() != "key"]


def test_the_table_is_read():
    kinds = dict(documented_faults())
    assert {"drop", "rest_5xx", "disconnect_every"} <= set(kinds)
    assert kinds["disconnect_every"] == "disconnect"


def _field(text: str, label: str) -> str:
    m = re.search(rf"^\s*{re.escape(label)}:\s*(.+)$", text, re.M)
    assert m, f"no {label!r} line in:\n{text}"
    return m.group(1)


@pytest.mark.parametrize(("kind", "counted"), documented_faults(),
                         ids=[k for k, _ in documented_faults()])
def test_demo_keeps_running_and_verifies_its_books(capsys, kind, counted):
    assert kind in VALUES, f"docs/simulator.md documents {kind!r}: give it a value here"
    code = main(["demo", "--seconds", SECONDS.get(kind, "1.5"), "--plain", "--seed", "4",
                 "--faults", f"{kind}={VALUES[kind]}"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert _field(out, "books verified").startswith("3/3 identical"), out
    assert _field(out, "unrepaired gaps") == "0"
    injected = dict(re.findall(r"(\w+) (\d+)", _field(out, "faults injected")))
    assert int(injected.get(counted, 0)) > 0, f"no {counted} was injected"
    if kind in RESYNCING:
        assert int(_field(out, "resyncs").split()[0]) > 0
