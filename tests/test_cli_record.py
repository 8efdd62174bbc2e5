"""Recordings on disk: independent blocks, torn tails, and what replay makes of
bad files. Block boundaries are found here with the standard library's zlib
(and the zstandard module), not with the reader under test."""

from __future__ import annotations

import asyncio
import gzip
import os
import zlib

import orjson
import pytest

from record_support import small_recording
from wexcore.cli import EXIT_FAILED, EXIT_OK, main
from wexcore.record import (
    BLOCK_SECONDS,
    ReadReport,
    Recorder,
    RecordingError,
    _abandon,
    read_records,
    record,
    replay,
)
from wexcore.sim import Simulator

FAST = {"step_interval": 0.01, "depth_interval": 0.02}


def gzip_members(data: bytes) -> list[bytes]:
    """The file's gzip members, split with zlib."""
    out = []
    while data:
        d = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
        d.decompress(data)
        assert d.eof, "a member is incomplete"
        size = len(data) - len(d.unused_data)
        out.append(data[:size])
        data = d.unused_data
    return out


def zstd_frames(data: bytes) -> list[bytes]:
    import zstandard

    out = []
    while data:
        d = zstandard.ZstdDecompressor().decompressobj()
        d.decompress(data)
        assert d.eof
        size = len(data) - len(d.unused_data)
        out.append(data[:size])
        data = d.unused_data
    return out


def blocks_of(path: str) -> list[bytes]:
    data = open(path, "rb").read()
    return zstd_frames(data) if path.endswith(".zst") else gzip_members(data)


def decompress_block(path: str, block: bytes) -> bytes:
    if path.endswith(".zst"):
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj().decompress(block)
    return gzip.decompress(block)


# ------------------------------------------------------------------ the format


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.zst"])
def test_a_recording_is_independent_blocks_of_whole_lines(tmp_path, suffix):
    path = small_recording(tmp_path, suffix)
    blocks = blocks_of(path)
    assert len(blocks) >= 3  # header alone first, then one every BLOCK_SECONDS at most
    lines = []
    for block in blocks:
        text = decompress_block(path, block)
        assert text.endswith(b"\n")  # no record spans two blocks
        lines += [orjson.loads(x) for x in text.splitlines()]
    assert lines[0]["type"] == "header" and lines[-1]["type"] == "end"
    assert lines == list(read_records(path))
    if suffix == ".jsonl.gz":  # one ordinary multi-member gzip file
        assert gzip.decompress(open(path, "rb").read()).count(b"\n") == len(lines)


def test_blocks_reach_the_disk_within_a_second(tmp_path):
    path = str(tmp_path / "live.jsonl.gz")

    async def main_() -> list[float]:
        lags = []
        async with Simulator(symbols=["btc_usdt"], seed=2, **FAST) as sim:
            started: list = []
            stop = asyncio.Event()
            task = asyncio.create_task(record(["btc_usdt"], path, rest_url=sim.rest_url,
                                              ws_url=sim.ws_url, stop=stop,
                                              on_started=started.extend))
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 20
            while not started or started[0].recorder.frames < 5:
                assert not task.done() and loop.time() < deadline
                await asyncio.sleep(0.02)
            for _ in range(3):  # three times: written n frames -> n frames on disk
                want = started[0].recorder.frames
                t0 = loop.time()
                while sum(r["type"] == "frame" for r in read_records(path)) < want:
                    assert loop.time() - t0 < 3, "frames did not reach the disk"
                    await asyncio.sleep(0.02)
                lags.append(loop.time() - t0)
            stop.set()
            await task
        return lags

    lags = asyncio.run(main_())
    assert max(lags) <= 2 * BLOCK_SECONDS + 0.25  # "at least every second"


# ------------------------------------------------------------------ torn tails


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.zst"])
@pytest.mark.parametrize("keep", [1, 0.5, 0.95])
def test_a_torn_last_block_is_dropped_and_said(tmp_path, capsys, suffix, keep):
    path = small_recording(tmp_path, suffix)
    blocks = blocks_of(path)
    last = blocks[-2]  # the end record's block goes too: a recorder killed mid-write
    cut = int(len(last) * keep) if keep != 1 else 1
    whole = b"".join(blocks[:-2])
    torn = tmp_path / f"torn{suffix}"
    torn.write_bytes(whole + last[:cut])
    complete = sum(decompress_block(path, b).count(b"\n") for b in blocks[:-2])

    report = ReadReport(str(torn))
    records = list(read_records(str(torn), report))
    assert records[:complete] == list(read_records(path))[:complete]
    assert report.dropped_bytes == cut and report.dropped_at == len(whole)
    assert report.reason == "incomplete block" and report.torn
    # whole lines that came out of the torn block are kept, never a partial one
    assert complete <= len(records) < complete + decompress_block(path, last).count(b"\n")

    assert main(["replay", str(torn)]) == EXIT_OK
    out, err = capsys.readouterr()
    assert f"torn tail: dropped the last {cut} of its {len(whole) + cut} bytes" in err
    assert "final books identical to the recording: not checked (the recording is torn" in out


def test_garbage_after_the_last_block_is_dropped_and_said(tmp_path):
    path = small_recording(tmp_path)
    size = os.path.getsize(path)
    with open(path, "ab") as fh:
        fh.write(b"\0" * 4096)  # what a crash can leave at the end of a file
    result = replay(path)
    assert result.matches is True  # every block is there
    assert result.read is not None and result.read.reason == "not a block"
    assert result.read.dropped_at == size and result.read.dropped_bytes == 4096


# ------------------------------------------------------------------ bad files


def test_an_empty_file_is_an_error(tmp_path, capsys):
    path = tmp_path / "empty.jsonl.gz"
    path.write_bytes(b"")
    assert main(["replay", str(path)]) == EXIT_FAILED
    assert capsys.readouterr().err == (f"wexcore replay: error: {path}: empty file (0 bytes), "
                                       "not a recording\n")


def test_a_file_cut_inside_its_first_block_is_an_error(tmp_path, capsys):
    path = small_recording(tmp_path)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(open(path, "rb").read()[:31])
    assert main(["replay", str(cut)]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith(f"wexcore replay: error: {cut}: holds no complete record (31 bytes; "
                          "incomplete block)")
    with pytest.raises(RecordingError) as exc:
        list(read_records(str(cut)))
    assert exc.value.path == str(cut)


def test_a_recording_with_a_frame_removed_fails_the_replay(tmp_path, capsys):
    path = small_recording(tmp_path)
    recs = list(read_records(path))
    depth = [i for i, r in enumerate(recs) if r.get("topic") == "depth_update"]
    del recs[depth[len(depth) // 2]]
    edited = tmp_path / "edited.jsonl.gz"
    edited.write_bytes(gzip.compress(b"".join(orjson.dumps(r) + b"\n" for r in recs)))
    assert main(["replay", str(edited)]) == EXIT_FAILED
    out, err = capsys.readouterr()
    assert "final books identical to the recording: NO" in out
    assert "differ from the recording's end state" in err


def test_an_aborted_recording_replays_and_says_why(tmp_path, capsys):
    path = small_recording(tmp_path)
    recs = [r for r in read_records(path) if r["type"] != "end"]
    aborted = str(tmp_path / "aborted.jsonl.gz")
    rec = Recorder(aborted)
    for r in recs:
        rec._write(r)
    rec.frames = 1
    _abandon(rec, OSError(28, "No space left on device"))
    assert [r["type"] for r in read_records(aborted)][-1] == "aborted"
    assert main(["replay", aborted]) == EXIT_OK
    out, err = capsys.readouterr()
    assert ("not checked (the recording was aborted (OSError: [Errno 28] No space left on "
            "device))") in out


def test_a_recording_that_cannot_start_leaves_no_file(tmp_path, capsys):
    path = tmp_path / "never.jsonl.gz"
    assert main(["record", "btc_usdt", "-o", str(path), "--rest-url", "http://127.0.0.1:9",
                 "--ws-url", "ws://127.0.0.1:9", "--seconds", "3"]) == EXIT_FAILED
    assert "connecting to ws://127.0.0.1:9/public" in capsys.readouterr().err
    assert not path.exists()


def test_a_recording_that_fails_before_its_first_frame_removes_its_file(tmp_path):
    path = str(tmp_path / "empty.jsonl.gz")
    rec = Recorder(path)
    rec.header(product="spot", symbols=["btc_usdt"])
    _abandon(rec, RuntimeError("subscription refused"))
    assert not os.path.exists(path)
