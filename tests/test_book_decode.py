"""Depth bytes -> tick arrays: what real JSON allows, what the scanner must
hand to the validating path, and bad input that must leave the book alone."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wexcore import (
    ApplyResult,
    DecodeError,
    DepthParser,
    OrderBook,
    PrecisionError,
    SequenceGap,
    parse_depth,
)
from wexcore._reference.book import ReferenceBook

COMPACT = (b'{"topic":"depth_update","event":"depth_update@btc_usdt","data":{"s":"btc_usdt",'
           b'"fi":121,"i":123,"a":[["34000","1.2"],["34001","2.3"]],'
           b'"b":[["32000","0.2"],["31000","0.5"]]}}')

# the spec's example as printed (comments removed): whitespace, newlines, key order
PRETTY = b"""{
    "topic": "depth_update",
    "event": "depth_update@btc_usdt",
    "data": {
        "s": "btc_usdt",
        "fi": 121,
        "i": 123,
        "a": [
            [
                "34000",
                "1.2"
            ],
            [
                "34001",
                "2.3"
            ]
        ],
        "b": [
            [
                "32000",
                "0.2"
            ],
            [
                "31000",
                "0.5"
            ]
        ]
    }
}"""

EXPECTED_BIDS = [[320000, 200], [310000, 500]]
EXPECTED_ASKS = [[340000, 1200], [340010, 2300]]


def fresh(product="spot"):
    book = OrderBook("btc_usdt", 1, 3, product=product)
    body = {"lastUpdateId": 120, "u": 120, "bids": [["1", "1"]], "asks": [["99999", "1"]]}
    book.load_snapshot(body)
    return book


def state(book):
    return (book.bid_ticks(100).tolist(), book.ask_ticks(100).tolist(), book.last_update_id,
            book.in_sync)


def applied(message, product="spot"):
    book = fresh(product)
    assert book.apply(message) is ApplyResult.APPLIED
    bids = [lv for lv in book.bid_ticks(10).tolist() if lv != [10, 1000]]
    asks = [lv for lv in book.ask_ticks(10).tolist() if lv != [999990, 1000]]
    return bids, asks


@pytest.mark.parametrize("message", [
    COMPACT,
    PRETTY,
    COMPACT.decode(),
    bytearray(COMPACT),
    memoryview(COMPACT),
    orjson.loads(COMPACT),
    orjson.loads(COMPACT)["data"],
    json.loads(COMPACT, parse_float=Decimal),
    # bare data object
    orjson.dumps(orjson.loads(COMPACT)["data"]),
    # other key order, data first
    b'{"data":{"b":[["32000","0.2"],["31000","0.5"]],"i":123,"a":[["34000","1.2"],'
    b'["34001","2.3"]],"fi":121,"s":"btc_usdt"},"event":"depth_update@btc_usdt",'
    b'"topic":"depth_update"}',
    # bare numbers, integers without a point, exponents, quoted ids
    b'{"topic":"depth_update","data":{"fi":"121","i":"123","a":[[34000,1.2],[3.4001e4,'
    b'"23e-1"]],"b":[[32000.0,2E-1],["31000.000","0.500000"]]}}',
    # unknown keys of every kind, null where the spec shows null
    b'{"topic":"depth_update","x":{"y":[1,2,{"z":null}]},"data":{"s":"btc_usdt","t":null,'
    b'"fi":121,"i":123,"extra":[true,false,null,-1.5e3,"\\u00e9\\"q"],"a":[["34000","1.2"],'
    b'["34001","2.3"]],"b":[["32000","0.2"],["31000","0.5"]]}}',
    # escaped strings (the scanner hands these to the validating path)
    b'{"topic":"depth_update","data":{"fi":121,"i":123,"\\u0061":[["3400\\u0030","1.2"],'
    b'["34001","2.3"]],"b":[["32000","0.2"],["31000","0.5"]]}}',
    # tabs and carriage returns
    COMPACT.replace(b",", b",\t\r\n "),
], ids=lambda m: type(m).__name__)
def test_accepted_shapes_give_the_same_book(message):
    bids, asks = applied(message)
    assert bids == EXPECTED_BIDS
    assert asks == EXPECTED_ASKS


def test_futures_frame_with_null_pu_and_timestamp():
    frame = (b'{"topic":"depth_update","event":"depth_update@btc_usdt","data":{"s":"btc_usdt",'
             b'"pu":null,"fu":121,"u":123,"a":[["34000","1.2"]],"b":[],"t":123456789}}')
    bids, asks = applied(frame, "futures")
    assert bids == [] and asks == [[340000, 1200]]


def test_duplicate_keys_follow_json_last_wins():
    frame = (b'{"data":{"fi":121,"i":123,"b":[["5","1"]],"b":[["6","1"]],"a":[]}}')
    bids, _ = applied(frame)
    assert bids == [[60, 1000]]


@pytest.mark.parametrize(("frame", "field", "exc"), [
    (b'{"data":{"fi":121,"i":123,"b":[["32000","0.2"],["31000","abc"]]}}',
     "bids[1].quantity", DecodeError),
    (b'{"data":{"fi":121,"i":123,"a":[["-5","1"]]}}', "asks[0].price", DecodeError),
    (b'{"data":{"fi":121,"i":123,"a":[[null,"1"]]}}', "asks[0].price", DecodeError),
    (b'{"data":{"fi":121,"i":123,"b":[["1","1"],["2","1"],["3","0.0001"]]}}',
     "bids[2].quantity", PrecisionError),
    (b'{"data":{"fi":121,"i":123,"b":[["1.25","1"]]}}', "bids[0].price", PrecisionError),
])
def test_bad_value_names_the_field_and_changes_nothing(frame, field, exc):
    book = fresh()
    before = state(book)
    with pytest.raises(exc) as err:
        book.apply(frame)
    assert err.value.field == field
    assert state(book) == before
    if exc is DecodeError:
        assert 0 < err.value.offset < len(frame)
        assert str(err.value).count("offset=")
    # the same message decoded first gives the same error (dict path)
    with pytest.raises(exc) as err2:
        book.apply(orjson.loads(frame))
    assert err2.value.field == field
    assert state(book) == before


def test_negative_value_is_a_value_error():
    with pytest.raises(ValueError, match="negative"):
        fresh().apply(b'{"data":{"fi":121,"i":123,"b":[["1","-2"]]}}')


@pytest.mark.parametrize(("frame", "field"), [
    (b'{"data":{"i":123,"b":[]}}', "fi"),
    (b'{"data":{"fi":121,"b":[]}}', "i"),
    (b'{"data":{"fi":125,"i":123}}', "fi"),
    (b'{"data":{"fi":1.5,"i":123}}', "fi"),
    (b'{"data":{"fi":-1,"i":123}}', "fi"),
    (b'{"data":{"fi":121,"i":123,"b":[["1"]]}}', "bids[0]"),
    (b'{"data":{"fi":121,"i":123,"b":[["1","2","3"]]}}', "bids[0]"),
    (b'{"data":{"fi":121,"i":123,"b":{"1":"2"}}}', "bids"),
    (b'{"data":[1,2]}', "data"),
    (b'{"rc":1,"mc":"SYMBOL_001","ma":[],"result":null}', "rc"),
])
def test_semantic_errors_name_the_field(frame, field):
    book = fresh()
    before = state(book)
    with pytest.raises(DecodeError) as err:
        book.apply(frame)
    assert err.value.field == field
    assert state(book) == before


@pytest.mark.parametrize("frame", [
    b"", b"{", b"[]", b"null", b'{"data":{fi:1}}', b'{"data":{"fi":121,"i":123}} x',
    b'{"data":{"fi":121,"i":123,"b":[["1","1"],]}}', b"\xff\xfe", b'{"a":"\x01"}',
])
def test_malformed_json_raises_decode_error_with_offset(frame):
    book = fresh()
    before = state(book)
    with pytest.raises(DecodeError) as err:
        book.apply(frame)
    assert state(book) == before
    if frame not in (b"[]", b"null"):
        assert err.value.offset >= 0


def test_every_truncation_is_rejected_and_changes_nothing():
    book = fresh()
    before = state(book)
    for n in range(len(COMPACT)):
        with pytest.raises(DecodeError):
            book.apply(COMPACT[:n])
        assert state(book) == before


@pytest.mark.parametrize("depth", [40, 100, 5000, 200000])
def test_deep_nesting_never_crashes(depth):
    book = fresh()
    deep = b'{"data":{"fi":121,"i":123,"junk":' + b"[" * depth + b"]" * depth + b',"b":[]}}'
    if depth <= 1000:  # valid JSON: the unknown key is skipped, the update applies
        assert book.apply(deep) is ApplyResult.APPLIED
    else:
        with pytest.raises(DecodeError):
            book.apply(deep)
    unbalanced = b'{"data":' + b"[" * depth
    with pytest.raises(DecodeError):
        fresh().apply(unbalanced)


@settings(max_examples=300, deadline=None)
@given(pos=st.integers(0, len(COMPACT) - 1), byte=st.integers(0, 255))
def test_corrupted_bytes_agree_with_the_reference_or_raise(pos, byte):
    frame = bytearray(COMPACT)
    frame[pos] = byte
    frame = bytes(frame)
    book = fresh()
    before = state(book)
    ref = ReferenceBook("btc_usdt", 1, 3)
    ref.load_snapshot({"lastUpdateId": 120, "bids": [["1", "1"]], "asks": [["99999", "1"]]})
    try:
        expected = ref.apply(frame)
    except Exception:
        expected = None
    try:
        got = book.apply(frame)
    except (DecodeError, PrecisionError, SequenceGap):
        got = None
        assert state(book)[:2] == before[:2]
    if got is not None and expected is not None:
        assert got == expected
        assert [tuple(x) for x in book.bid_ticks(50).tolist()] == ref.top("bid", 50)
        assert [tuple(x) for x in book.ask_ticks(50).tolist()] == ref.top("ask", 50)
    else:
        # both refused it (the reference may refuse for a different reason,
        # e.g. a corrupted symbol that wexcore checks and the reference does not)
        assert got is None or expected is None


def test_parse_depth_returns_tick_arrays():
    out = parse_depth(COMPACT, 1, 3)
    assert out["first_id"] == 121 and out["last_id"] == 123 and out["previous_id"] is None
    assert out["symbol"] == "btc_usdt"
    assert out["bid_prices"].dtype == np.int64
    assert out["bid_prices"].tolist() == [320000, 310000]
    assert out["bid_quantities"].tolist() == [200, 500]
    assert out["ask_prices"].tolist() == [340000, 340010]
    assert out["ask_quantities"].tolist() == [1200, 2300]


def test_depth_parser_reuse_and_futures_ids():
    parser = DepthParser(1, 3)
    frame = (b'{"topic":"depth_update","data":{"s":"btc_usdt","pu":120,"fu":121,"u":123,'
             b'"a":[["34000","1.2"]],"b":[],"t":1}}')
    assert parser.parse(frame) == 1
    assert (parser.first_id, parser.last_id, parser.previous_id) == (121, 123, 120)
    assert parser.topic == "depth_update"
    assert parser.parse(COMPACT) == 4
    assert parser.previous_id is None
    prices, qtys = parser.bids()
    assert prices.tolist() == [320000, 310000] and qtys.tolist() == [200, 500]


def test_big_ids_stay_exact():
    big = 2**63 - 10
    book = OrderBook("btc_usdt", 1, 3)
    book.load_snapshot(b'{"result":{"lastUpdateId":%d,"bids":[],"asks":[]}}' % big)
    assert book.last_update_id == big
    assert book.apply(b'{"data":{"fi":%d,"i":%d,"b":[["1","1"]]}}' % (big + 1, big + 1)) == 1
    assert book.last_update_id == big + 1
    with pytest.raises(DecodeError, match="range"):
        book.apply({"fi": 2**63, "i": 2**63})


def test_message_keys_beside_the_wrapper_are_read_like_the_validating_path():
    # found by differential fuzzing: "b" outside "data" is not part of the message
    frame = b'{"topic":"depth_update","data":{"fi":121,"i":123,"a":[]},"b":[["5","1"]]}'
    book = fresh()
    assert book.apply(frame) is ApplyResult.APPLIED
    assert book.quantity_at("5") == 0.0
    assert book.apply(orjson.loads(frame.replace(b"121", b"124").replace(b"123", b"124"))) == 1
    assert book.quantity_at("5") == 0.0


def test_unencodable_str_is_a_decode_error():
    with pytest.raises(DecodeError, match="UTF-8"):
        fresh().apply('{"data":{"fi":121,"i":123,"s":"\ud800"}}')
    with pytest.raises(DecodeError, match="bids"):
        fresh().apply({"fi": 121, "i": 123, "b": [["\ud800", "1"]]})
