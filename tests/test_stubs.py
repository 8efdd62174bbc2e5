"""The .pyi stubs of the compiled modules match what the modules export."""

from __future__ import annotations

import importlib.util
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import wexcore

ALLOWLIST = Path(__file__).resolve().parent.parent / ".ci" / "stubtest-allowlist.txt"


def compiled_modules() -> list[str]:
    out = []
    for info in pkgutil.iter_modules(wexcore.__path__, "wexcore."):
        spec = importlib.util.find_spec(info.name)
        if spec and spec.origin and spec.origin.endswith((".so", ".pyd")):
            out.append(info.name)
    return sorted(out)


def test_compiled_modules_found():
    assert "wexcore._sign" in compiled_modules()


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy not installed")
@pytest.mark.parametrize("module", compiled_modules())
def test_stub_matches_runtime(module):
    args = [sys.executable, "-m", "mypy.stubtest", module, "--ignore-unused-allowlist"]
    if ALLOWLIST.exists():
        args += ["--allowlist", str(ALLOWLIST)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
