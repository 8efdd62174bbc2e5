"""`wexcore sim` / `python -m wexcore sim`: prints URLs and credentials, serves, stops."""

from __future__ import annotations

import asyncio
import os
import sys

import httpx
import pytest

from wexcore.cli import build_parser


def test_parser_accepts_the_documented_options():
    args = build_parser().parse_args(
        ["sim", "--host", "127.0.0.1", "--port", "0", "--symbols", "btc_usdt,eth_usdt",
         "--seed", "3", "--api-key", "K", "--secret", "S", "--faults", "drop=0.01"])
    assert (args.command, args.seed, args.api_key, args.secret, args.faults) == \
        ("sim", 3, "K", "S", "drop=0.01")


async def test_python_dash_m_wexcore_sim_prints_urls_and_serves():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wexcore", "sim", "--port", "0", "--seed", "1",
        "--api-key", "K", "--secret", "S", "--symbols", "btc_usdt",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "SKBUILD_EDITABLE_VERBOSE": "0"})
    try:
        lines = {}
        wanted = {"rest", "spot ws", "futures ws", "api key", "secret"}
        while not wanted <= set(lines):  # other lines (build chatter) are ignored
            raw = await asyncio.wait_for(proc.stdout.readline(), 30)
            assert raw, "process exited early"
            key, _, value = raw.decode().strip().partition(": ")
            lines[key] = value
        assert lines["api key"] == "K" and lines["secret"] == "S"
        assert lines["rest"].startswith("http://127.0.0.1:")
        assert lines["spot ws"].endswith("/private")
        async with httpx.AsyncClient(base_url=lines["rest"]) as http:
            r = await http.get("/v4/public/symbol")
        assert [s["symbol"] for s in r.json()["result"]["symbols"]] == ["btc_usdt"]
    finally:
        proc.terminate()
        # a clean stop by SIGTERM: 128 + 15, the rule of every command (wexcore.cli.exit_code)
        assert await asyncio.wait_for(proc.wait(), 10) == 143


def test_bad_fault_spelling_exits_with_status_2(capsys):
    from wexcore.cli import main
    assert main(["sim", "--faults", "bogus=1"]) == 2
    assert "unknown fault" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--help"]])
def test_help_lists_the_sim_subcommand(argv, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(argv)
    assert "sim" in capsys.readouterr().out
