"""The README's Python examples run as written (against the simulator they start)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_readme_has_the_four_examples():
    assert len(BLOCKS) == 4
    for block in BLOCKS:
        assert len(block.strip().splitlines()) <= 25


@pytest.mark.parametrize("index", range(len(BLOCKS)),
                         ids=["rest", "streams", "account", "live_books"])
def test_readme_example_runs(index, tmp_path):
    script = tmp_path / "example.py"
    script.write_text(BLOCKS[index])
    env = dict(os.environ, SKBUILD_EDITABLE_VERBOSE="0")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    if index == 0:
        assert "NEW" in out and "rejected: ORDER_008" in out and "futures order" in out
    elif index == 1:
        assert out.strip().splitlines()[-1] == "NEW True"
    elif index == 2:  # the fill was pushed or recovered, never both
        lines = out.strip().splitlines()
        assert lines[-1].startswith("0.0100 ") and sum("FillEvent" in x for x in lines) == 1
    else:
        assert "apply p50 µs" in out and "resyncs" in out
