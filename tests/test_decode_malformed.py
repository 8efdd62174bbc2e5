"""Malformed input: every bad frame raises wexcore.DecodeError naming what and
where; nothing crashes, nothing half-decoded comes back. Includes a bounded
random-bytes fuzz run and the deep-nesting crash that orjson 3.8 had."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wexcore import DecodeError, decode

FIXTURES = Path(__file__).parent / "fixtures"
ALL_FIXTURES = sorted(p for p in FIXTURES.glob("*/ws/*.json"))
TRADE = (FIXTURES / "spot" / "ws" / "trade.json").read_bytes()
DEPTH = (FIXTURES / "futures" / "ws" / "depth_update.json").read_bytes()


def trade_with(**fields):
    data = {"s": "btc_usdt", "i": 1, "t": 2, "oi": 3, "p": "43000", "q": "0.21", "v": "9030",
            "b": True}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not ...}
    return json.dumps({"topic": "trade", "event": "trade@btc_usdt", "data": data}).encode()


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: p.name)
def test_every_truncation_of_every_fixture_raises(path):
    raw = path.read_bytes().rstrip()
    for cut in range(len(raw)):
        frame = raw[:cut]
        if frame.strip() in (b"", b"pong"):
            continue
        with pytest.raises(DecodeError):
            decode(frame)


def test_truncation_error_says_where():
    with pytest.raises(DecodeError, match="unexpected end of frame|unterminated") as info:
        decode(TRADE[:100])
    assert 0 <= info.value.offset <= 100


@pytest.mark.parametrize("field, value, message", [
    ("p", "abc", "not a number"),
    ("p", "1.2.3", "not a number"),
    ("p", " 1", "not a number"),
    ("p", "0x10", "not a number"),
    ("p", "NaN", "not a number"),
    ("p", "Infinity", "not a number"),
    ("p", "1e400", "out of range"),
    ("p", "1" * 65, "longer than 64"),
    ("p", [1], "expected a scalar"),
    ("p", True, "expected a string or a number"),
    ("i", "12x", "not a number"),
    ("i", 1.5, "expected an integer"),
    ("i", 2**64, "integer out of range"),
    ("i", -(2**63) - 1, "integer out of range"),
    ("t", "9" * 70, "longer than 64"),
    ("s", 5, "expected a string"),
    ("b", "true", "expected a boolean"),
    ("b", 1, "expected a boolean"),
])
def test_wrong_values_name_topic_field_and_offset(field, value, message):
    frame = trade_with(**{field: value})
    with pytest.raises(DecodeError, match=message) as info:
        decode(frame)
    assert info.value.topic == "trade"
    assert info.value.field == field
    assert info.value.offset > 0
    # the offset points into the data object
    assert info.value.offset >= frame.index(b'"data"')


@pytest.mark.parametrize("field", ["s", "t", "p", "q"])
def test_missing_required_field(field):
    with pytest.raises(DecodeError, match="missing required field") as info:
        decode(trade_with(**{field: ...}))
    assert info.value.topic == "trade"


@pytest.mark.parametrize("field", ["s", "p"])
def test_null_required_field(field):
    with pytest.raises(DecodeError, match="null required field"):
        decode(trade_with(**{field: None}))


def test_empty_required_decimal():
    with pytest.raises(DecodeError, match="empty required field"):
        decode(trade_with(p=""))


@pytest.mark.parametrize("frame, message", [
    (b"", "empty frame"),
    (b"   ", "empty frame"),
    (b"[]", "expected a JSON object"),
    (b"42", "expected a JSON object"),
    (b"hello", "expected a JSON object"),
    (b'"just a string"', "unexpected JSON string"),
    (b'{"topic":"trade"}', "missing data"),
    (b'{"topic":5,"data":{}}', "topic must be a string"),
    (b'{"topic":"trade","data":[]}', "expected the data object"),
    (b'{"topic":"trade","data":{}} x', "trailing data"),
    (b'{"topic":"trade","data":{}}{}', "trailing data"),
    (b'{"topic":"trade",}', "expected a key"),
    (b'{"topic" "trade"}', "expected ':'"),
    (b"{'topic':'trade'}", "expected a key"),
    (b'{"topic":"trade","data":{"s":"x",}}', "expected a key"),
    (b'{"code":"x","msg":""}', "not a number"),
    (b'{"a":tru}', "unexpected"),
    (b'{"a":nul}', "unexpected"),
    (b'{"a":01}', "expected ',' or '}'"),
    (b'{"a":-}', "invalid number"),
    (b'{"a":1.}', "invalid number"),
    (b'{"a":"\x01"}', "control character"),
    (b'{"a":"\\x"}', "invalid escape"),
    (b'{"a":"\\u12"}', "escape"),
    (b'{"a":"\\ud800"}', "lone high surrogate"),
    (b'{"a":"\\udc00"}', "lone low surrogate"),
    (b'{"topic":"depth_update","data":{"s":"x","fi":1,"i":2,"a":[["1"]],"b":[]}}',
     "expected ','"),
    (b'{"topic":"depth_update","data":{"s":"x","fi":1,"i":2,"a":[["1","2","3"]],"b":[]}}',
     "expected ']'"),
    (b'{"topic":"depth_update","data":{"s":"x","fi":1,"i":2,"a":{},"b":[]}}',
     "expected an array"),
    (b'{"topic":"depth_update","data":{"s":"x","fi":1,"i":2,"a":[["","1"]],"b":[]}}',
     "empty string"),
    (b'{"topic":"depth_update","data":{"s":"x","fi":1,"i":2,"a":[[null,"1"]],"b":[]}}',
     "expected a price"),
    (b'{"topic":"depth_update","data":{"s":"x","fi":1,"i":2,"a":[]}}',
     "missing required field bids"),
    (b'{"topic":"tickers","data":{}}', "expected an array"),
    (b'{"topic":"trade","event":"trade","data":{"s":"x","t":1,"p":"1","q":"1","tm":3}}',
     "expected 1 \\(taker\\) or 2"),
])
def test_malformed_frames(frame, message):
    with pytest.raises(DecodeError, match=message):
        decode(frame)


@pytest.mark.parametrize("frame", [
    b'{"topic":"trade","data":{"s":"\xff"}}',
    b'{"topic":"trade","data":{"s":"\xc0\xaf"}}',          # overlong
    b'{"topic":"trade","data":{"s":"\xed\xa0\x80"}}',      # encoded surrogate
    b'{"topic":"trade","data":{"s":"\xf4\x90\x80\x80"}}',  # above U+10FFFF
    b'{"topic":"trade","data":{"s":"\xe2\x82"}}',          # truncated sequence
    b'{"x\xff":1}',
    b'\xff\xfe',
])
def test_invalid_utf8(frame):
    with pytest.raises(DecodeError, match="UTF-8|expected a JSON object|unexpected"):
        decode(frame)


def test_str_with_lone_surrogate():
    with pytest.raises(DecodeError, match="lone surrogate"):
        decode('{"topic":"trade","data":{"s":"\ud800"}}')


def test_wrong_argument_type_is_a_type_error():
    with pytest.raises(TypeError):
        decode(12)


def test_bytearray_and_memoryview_are_copied():
    buf = bytearray(TRADE)
    event = decode(buf)
    buf[:] = b" " * len(buf)
    assert event.symbol == "btc_usdt"
    assert decode(memoryview(TRADE)).price == 43000.0


def test_moderate_nesting_in_unknown_keys_is_fine():
    frame = b'{"x":' + b"[" * 50 + b"]" * 50 + b',"code":0}'
    assert decode(frame).ok


@pytest.mark.parametrize("depth", [65, 1000])
def test_deep_nesting_raises(depth):
    frame = b'{"x":' + b"[" * depth + b"]" * depth + b"}"
    with pytest.raises(DecodeError, match="nesting deeper than 64"):
        decode(frame)


def test_installed_orjson_rejects_deep_nesting():
    # orjson 3.8 crashed the process here; pyproject requires >= 3.10
    major, minor = (int(x) for x in orjson.__version__.split(".")[:2])
    assert (major, minor) >= (3, 10)
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(b"[" * 300_000)


def test_three_hundred_thousand_brackets_raise_in_a_subprocess():
    # run in a child so that a crash fails this test instead of killing pytest
    code = (
        "import wexcore\n"
        "for frame in (b'[' * 300000, b'{\"a\":' * 300000, "
        "b'{\"topic\":\"x\",\"data\":' + b'[' * 300000, b'{\"rc\":' + b'[' * 300000):\n"
        "    try:\n"
        "        wexcore.decode(frame)\n"
        "    except wexcore.DecodeError:\n"
        "        pass\n"
        "    else:\n"
        "        raise SystemExit('no error')\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == b"ok"


def test_failed_decode_leaves_no_state_behind():
    with pytest.raises(DecodeError):
        decode(DEPTH.replace(b'"0.5"', b'"x"'))
    event = decode((FIXTURES / "spot" / "ws" / "depth_update.json").read_bytes())
    assert event.bid_strings == [("32000", "0.2"), ("31000", "0.5")]


# --- fuzzing ---------------------------------------------------------------------


def _mutate(data: bytes, ops) -> bytes:
    buf = bytearray(data)
    for kind, pos, byte in ops:
        if not buf:
            break
        pos %= len(buf)
        if kind == 0:
            buf[pos] = byte
        elif kind == 1:
            del buf[pos]
        elif kind == 2:
            buf.insert(pos, byte)
        else:
            buf[pos:pos] = buf[pos:pos + byte % 16]
    return bytes(buf)


FUZZ = settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_random_bytes(data):
    try:
        decode(data)
    except DecodeError:
        pass


@FUZZ
@given(st.sampled_from(ALL_FIXTURES), st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 10_000), st.integers(0, 255)),
    min_size=1, max_size=6))
def test_fuzz_mutated_fixtures(path, ops):
    frame = _mutate(path.read_bytes(), ops)
    try:
        event = decode(frame)
    except DecodeError:
        return
    # whatever decoded must be fully readable
    for item in event if isinstance(event, list) else [event]:
        if hasattr(item, "as_dict"):
            item.as_dict()
            repr(item)
        if hasattr(item, "bids"):
            assert len(item.bids) == len(item.bid_strings) == item.bid_count
            assert len(item.asks) == len(item.ask_strings) == item.ask_count


def test_fuzz_time_bounded_loop():
    """A plain random loop for a fixed wall time on top of hypothesis."""
    import random

    rng = random.Random(1234)
    seeds = [p.read_bytes() for p in ALL_FIXTURES]
    deadline = time.monotonic() + 2.0
    count = 0
    while time.monotonic() < deadline:
        ops = [(rng.randrange(4), rng.randrange(10_000), rng.randrange(256))
               for _ in range(rng.randrange(1, 8))]
        frame = _mutate(rng.choice(seeds), ops)
        try:
            decode(frame)
        except DecodeError:
            pass
        count += 1
    assert count > 1000


def test_repeated_topic_key_last_one_wins_and_data_is_reread():
    frame = (b'{"topic":"trade","event":"kline@btc_usdt,5m","data":{"s":"x","t":1,"o":"1",'
             b'"c":"2","h":"3","l":"0.5","p":"9","q":"1"},"topic":"kline"}')
    event = decode(frame)
    assert type(event).__name__ == "Kline"
    assert (event.open, event.close, event.high, event.low) == (1.0, 2.0, 3.0, 0.5)
    assert event.topic == "kline"


def test_data_before_topic():
    frame = b'{"data":{"s":"x","p":"50000","t":1},"event":"mark_price@x","topic":"mark_price"}'
    event = decode(frame)
    assert (type(event).__name__, event.price, event.event) == ("MarkPrice", 50000.0,
                                                               "mark_price@x")


def test_layout_tables_follow_the_slot_header():
    """Event arrays are sized by cext/csrc/wex_slots.h; a layout table that
    does not list exactly the header's slots, in order, refuses to load."""
    from wexcore import _decode

    with pytest.raises(ImportError, match="wex_slots.h"):
        _decode._Layout("bad", 2, [(0, "a", 0, None, "a"), (2, "b", 0, None, "b")])
    with pytest.raises(ImportError, match="wex_slots.h"):
        _decode._Layout("short", 3, [(0, "a", 0, None, "a")])
