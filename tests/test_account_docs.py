"""docs/account.md's example runs as written (against the simulator it starts)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "docs" / "account.md"


def test_account_page_example_runs(tmp_path):
    (block,) = re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S)
    script = tmp_path / "example.py"
    script.write_text(block)
    env = dict(os.environ, SKBUILD_EDITABLE_VERBOSE="0")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[-1].startswith("long 1 fills 1 btc wallet ")
    assert sum(line.startswith("FillEvent") for line in lines) == 1
