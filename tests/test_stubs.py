"""The .pyi stubs of the compiled modules match what the modules export.

One ``mypy.stubtest`` process checks every compiled module: its start-up
(loading typeshed and the stubs' imports) is most of its time, so one run
for all of them costs about what one run per module did.
"""

from __future__ import annotations

import importlib.util
import pkgutil
import subprocess
import sys
from pathlib import Path

import wexcore

ALLOWLIST = Path(__file__).resolve().parent.parent / ".ci" / "stubtest-allowlist.txt"
PACKAGE = Path(wexcore.__file__).resolve().parent


def compiled_modules() -> list[str]:
    out = []
    for info in pkgutil.iter_modules(wexcore.__path__, "wexcore."):
        spec = importlib.util.find_spec(info.name)
        if spec and spec.origin and spec.origin.endswith((".so", ".pyd")):
            out.append(info.name)
    return sorted(out)


def test_every_compiled_module_has_a_stub():
    modules = compiled_modules()
    assert {"wexcore._sign", "wexcore._book", "wexcore._decode", "wexcore._stream",
            "wexcore._capi"} <= set(modules)
    for name in modules:
        assert (PACKAGE / f"{name.split('.')[-1]}.pyi").is_file(), name


def test_stubs_match_runtime():
    args = [sys.executable, "-m", "mypy.stubtest", *compiled_modules(),
            "--ignore-unused-allowlist", "--allowlist", str(ALLOWLIST)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
