"""One exit-code rule for every command, and what Ctrl-C and SIGTERM do.

0 done, 1 failed, 2 wrong command line, 128 + signal after a clean ending
(``wexcore.cli.exit_code``). Signals are sent to real processes of the
installed entry point, each step waiting on what the process prints or
writes (bounded), never on a fixed sleep.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest

from record_support import small_recording
from wexcore import cli
from wexcore.cli import COMMANDS, EXIT_FAILED, EXIT_OK, EXIT_USAGE, exit_code, main
from wexcore.record import RecordingError, read_records, replay

ENV = dict(os.environ, SKBUILD_EDITABLE_VERBOSE="0")


def test_the_rule():
    assert exit_code() == EXIT_OK == 0
    assert exit_code(failed=True) == EXIT_FAILED == 1
    assert exit_code(signum=signal.SIGINT) == 130
    assert exit_code(signum=signal.SIGTERM) == 143
    assert exit_code(failed=True, signum=signal.SIGINT) == 1  # a failure says more
    assert EXIT_USAGE == 2


# ------------------------------------------------------------------ usage errors


@pytest.mark.parametrize(("argv", "complaint"), [
    (["demo", "--refresh", "0"], "argument --refresh: must be more than 0, not 0"),
    (["demo", "--refresh", "nan"], "argument --refresh: 'nan' is not a finite number"),
    (["demo", "--seconds", "-1"], "argument --seconds: must be more than 0, not -1"),
    (["demo", "--faults", "drop=2"], "argument --faults:"),
    (["demo", "--faults", "nonsense=1"], "argument --faults:"),
    (["book", "btc_usdt", "--depth", "0"], "argument --depth: must be 1 or more, not 0"),
    (["book", "btc usdt"], "argument symbol: 'btc usdt' is not a symbol"),
    (["book", "btc_usdt", "--seconds", "0"], "argument --seconds: must be more than 0"),
    (["record", "btc_usdt", "-o", "x.gz", "--seconds", "inf"], "is not a finite number"),
    (["replay", "x.gz", "--speed", "-2"], "argument --speed: must be 0 or more, not -2"),
    (["replay", "x.gz", "--serve", "70000"], "argument --serve: must be a port number"),
    (["bench", "--repeat", "0"], "argument --repeat: must be 1 or more, not 0"),
    (["books", "btc_usdt", "--nats", "nats://127.0.0.1:1", "--refresh", "0"],
     "argument --refresh: must be more than 0, not 0"),
    (["books", "btc_usdt", "--nats", "nats://127.0.0.1:1", "--seconds", "-1"],
     "argument --seconds: must be more than 0, not -1"),
    (["books", "btc usdt", "--nats", "nats://127.0.0.1:1"], "is not a symbol"),
    (["feed", "btc_usdt", "--nats", "nats://127.0.0.1:1", "--replicas", "0"],
     "argument --replicas: must be 1 or more, not 0"),
    (["feed", "btc_usdt", "--nats", "nats://127.0.0.1:1", "--lease-ttl", "nan"],
     "argument --lease-ttl: 'nan' is not a finite number"),
])
def test_nonsense_values_are_refused_before_anything_runs(capsys, argv, complaint):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"wexcore {argv[0]}: error: " in err and complaint in err


@pytest.mark.parametrize(("argv", "complaint"), [
    (["sim", "--faults", "nonsense=1"], "wexcore sim: error: --faults: "),
    (["record", "btc_usdt", "--sim", "--rest-url", "http://x", "-o", "x.gz"],
     "wexcore record: error: --sim records from its own simulator"),
    (["replay", "x.gz", "--serve", "0"], "wexcore replay: error: --serve needs --speed > 0"),
])
def test_options_that_do_not_go_together_are_usage_errors(capsys, argv, complaint):
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(complaint) and err.count("\n") == 1


def test_bench_png_checks_for_matplotlib_before_running(capsys, monkeypatch):
    import importlib.util

    import wexcore.benchmarks

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else real(name, *a))
    monkeypatch.setattr(wexcore.benchmarks, "run_benchmarks",
                        lambda **kw: pytest.fail("the benchmarks ran"))
    assert main(["bench", "--png", "chart.png"]) == EXIT_USAGE
    assert "--png needs matplotlib: pip install 'wexcore[chart]'" in capsys.readouterr().err


# ------------------------------------------------------------------ errors name what failed


def test_a_closed_port_is_named(capsys):
    assert main(["book", "btc_usdt", "--rest-url", "http://127.0.0.1:9", "--ws-url",
                 "ws://127.0.0.1:9", "--seconds", "5", "--plain"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("wexcore book: error: connecting to ws://127.0.0.1:9/public: ")
    assert err.count("\n") == 1


def test_an_unknown_host_is_named(capsys):
    assert main(["book", "btc_usdt", "--rest-url", "http://no-such-host.invalid",
                 "--ws-url", "ws://no-such-host.invalid", "--seconds", "5",
                 "--plain"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert "ws://no-such-host.invalid/public" in err and err.count("\n") == 1


def test_a_rest_endpoint_that_fails_is_named(capsys, tmp_path):
    from wexcore.sim import Simulator

    with Simulator(seed=1) as sim:
        assert main(["book", "btc_usdt", "--rest-url", "http://127.0.0.1:9", "--ws-url",
                     sim.ws_url, "--seconds", "5", "--plain"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("wexcore book: error: starting the spot btc_usdt book "
                          "(http://127.0.0.1:9, ")
    # the REST error names the request: method, path and host
    assert "GET /v4/public/symbol on 127.0.0.1:9" in err


def test_a_missing_file_is_named(capsys, tmp_path):
    path = tmp_path / "nope.jsonl.gz"
    assert main(["replay", str(path)]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("wexcore replay: error: ") and str(path) in err


def test_an_error_without_text_says_what_caused_it():
    try:
        try:
            raise ConnectionResetError("peer went away")
        except ConnectionResetError as inner:
            raise RuntimeError("error") from inner
    except RuntimeError as exc:
        exc.add_note("connecting to ws://example.test/public")
        text = cli.describe_error(exc)
    assert text == ("connecting to ws://example.test/public: ConnectionResetError: "
                    "peer went away")
    assert cli.describe_error(TimeoutError()) == "TimeoutError: no answer in time"


# ------------------------------------------------------------------ signals, in process


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_a_synchronous_command_exits_128_plus_signal(monkeypatch, sig):
    def run(args):  # a command that gets interrupted half-way
        os.kill(os.getpid(), sig)
        for _ in range(1000):
            time.sleep(0.001)  # the handler raises at the next bytecode
        pytest.fail("the signal did not interrupt the command")

    help_text, arguments, _ = COMMANDS["bench"]
    monkeypatch.setitem(COMMANDS, "bench", (help_text, arguments, run))
    assert main(["bench"]) == 128 + sig


def test_a_signal_sets_the_stop_event_of_an_async_command(monkeypatch):
    import asyncio

    seen = []

    def run(args):
        async def body(stop):
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.wait_for(stop.wait(), 5)
            seen.append("stopped cleanly")
            return EXIT_OK

        return cli.run_async(body)

    help_text, arguments, _ = COMMANDS["demo"]
    monkeypatch.setitem(COMMANDS, "demo", (help_text, arguments, run))
    assert main(["demo"]) == 143
    assert seen == ["stopped cleanly"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers given back


# ------------------------------------------------------------------ signals, real processes


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "wexcore", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV)


def _wait_for_line(proc: subprocess.Popen[str], pred: Callable[[str], bool],
                   timeout: float = 30.0) -> str:
    watchdog = threading.Timer(timeout, proc.kill)  # never hang the suite
    watchdog.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if pred(line):
                return line
    finally:
        watchdog.cancel()
    pytest.fail(f"the process ended without the expected line: {proc.stderr.read()}")


def _finish(proc: subprocess.Popen[str], timeout: float = 30.0) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_demo_ctrl_c_prints_the_summary_and_exits_130():
    proc = _start("demo", "--seconds", "60", "--plain")
    _wait_for_line(proc, lambda line: line.startswith("t=") and " synced " in line)
    proc.send_signal(signal.SIGINT)
    out, err = _finish(proc)
    assert proc.returncode == 130, err
    assert "wexcore demo summary" in out
    assert "unrepaired gaps:        0" in out


def _wait_for_frames(path: str, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            frames = sum(r["type"] == "frame" for r in read_records(path))
        except (OSError, RecordingError):
            frames = 0
        if frames:
            return frames
        assert time.monotonic() < deadline, "nothing readable in the file while recording"
        time.sleep(0.05)


def test_record_sigterm_ends_like_ctrl_c_with_a_complete_file(tmp_path):
    path = str(tmp_path / "term.jsonl.gz")
    proc = _start("record", "btc_usdt", "--sim", "-o", path)
    _wait_for_line(proc, lambda line: line.startswith("recording btc_usdt to "))
    # readable while it records: blocks reach the disk as it goes
    assert _wait_for_frames(path) > 0
    proc.send_signal(signal.SIGTERM)
    out, err = _finish(proc)
    assert proc.returncode == 143, err
    assert "recorded " in out
    kinds = [r["type"] for r in read_records(path)]
    assert kinds[0] == "header" and kinds[-1] == "end"
    assert replay(path).matches is True


def test_record_killed_hard_replays_up_to_where_it_died(tmp_path, capsys):
    path = str(tmp_path / "killed.jsonl.gz")
    proc = _start("record", "btc_usdt", "--sim", "-o", path)
    _wait_for_line(proc, lambda line: line.startswith("recording btc_usdt to "))
    assert _wait_for_frames(path) > 0
    proc.kill()
    _finish(proc)
    assert main(["replay", path]) == EXIT_OK
    out, err = capsys.readouterr()
    assert "final books identical to the recording: not checked" in out
    assert "wexcore replay: warning: final books not checked" in err
    assert int(out.split("replayed ")[1].split()[0]) > 0


def test_book_ctrl_c_while_a_host_never_answers_stops_at_once():
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    port = silent.getsockname()[1]
    try:
        proc = _start("book", "btc_usdt", "--rest-url", f"http://127.0.0.1:{port}",
                      "--ws-url", f"ws://127.0.0.1:{port}", "--plain")
        _wait_for_line(proc, lambda line: f"connecting to ws://127.0.0.1:{port}" in line)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = _finish(proc)
        assert time.monotonic() - t0 < 3.0  # not the 10 s connect timeout
    finally:
        silent.close()
    assert proc.returncode == 130, err
    assert "stopped before the book had started" in out


def test_replay_serve_says_it_waits_and_ctrl_c_ends_it(tmp_path):
    path = small_recording(tmp_path)
    proc = _start("replay", path, "--speed", "1", "--serve", "0")
    line = _wait_for_line(proc, lambda line: line.startswith("waiting up to 30 s for a "
                                                             "subscriber"))
    assert "depth_update@btc_usdt" in line
    proc.send_signal(signal.SIGINT)
    out, err = _finish(proc)
    assert proc.returncode == 130, err
    assert "final books identical to the recording: not checked (the replay was stopped" in out
