"""Typed results: every documented response decodes into its endpoint's type, exactly.

``fixtures/rest/documented.json`` holds the spec's response example of each of the 124
endpoints (``extract_documented.py`` takes them from the spec files). The spec's ``"string"``
placeholders stand for "a value of that field's type"; they are replaced by ``"0"``, which
every field type reads (text, a number, an unknown enum value).
"""

from __future__ import annotations

import json
import pathlib
import pickle
from decimal import Decimal
from typing import Any, get_args, get_origin

import msgspec
import orjson
import pytest

from wexcore import DecodeError, OrderStateUnknownError, Signer
from wexcore.rest import types as T
from wexcore.rest.core import RequestCore
from wexcore.rest.endpoints import ENDPOINTS, futures, spot

DOCUMENTED = json.loads(
    (pathlib.Path(__file__).parent / "fixtures" / "rest" / "documented.json").read_text()
)


def _placeholders_to_null(v: Any) -> Any:
    if v == "string":
        return "0"
    if isinstance(v, dict):
        return {k: _placeholders_to_null(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_placeholders_to_null(x) for x in v]
    return v


def core(product: str) -> RequestCore:
    base = "https://sapi.wexex.io" if product == "spot" else "https://fapi.wexex.io"
    return RequestCore(product, base, Signer("k", "s"), None)


def parse(ep, body: bytes | dict) -> Any:
    if isinstance(body, dict):
        body = orjson.dumps(body)
    return core(ep.product).parse_response(ep, 200, {}, body)


def _is(value: Any, tp: Any) -> bool:
    """Whether ``value`` is an instance of the result type ``tp``."""
    if isinstance(tp, T.Adapted):
        return True  # checked by the adapter tests below
    origin = get_origin(tp)
    if origin is list:
        (item,) = get_args(tp)
        return isinstance(value, list) and all(_is(v, item) for v in value)
    if origin is T.Page:
        (item,) = get_args(tp)
        return isinstance(value, T.Page) and all(_is(v, item) for v in value.items)
    return isinstance(value, tp)


@pytest.mark.parametrize("ep", ENDPOINTS, ids=[ep.key for ep in ENDPOINTS])
def test_documented_example_decodes(ep):
    assert ep.key in DOCUMENTED
    if ep.key == "futures:listen_key":
        # the spec's example is "result": {} -- a listen key without a key
        with pytest.raises(DecodeError, match="no listen key"):
            parse(ep, DOCUMENTED[ep.key])
        return
    result = parse(ep, _placeholders_to_null(DOCUMENTED[ep.key]))
    assert _is(result, ep.result), (ep.key, result)
    pickle.loads(pickle.dumps(result))  # results travel between processes


def test_documented_spot_order_is_exact():
    o = parse(spot["get_order"], _placeholders_to_null(DOCUMENTED["spot:get_order"]))
    assert o.order_id == 6216559590087220004 and o.client_order_id == "16559590087220001"
    assert (o.side, o.type, o.time_in_force, o.state) == ("BUY", "LIMIT", "GTC", "NEW")
    assert o.side is T.Side.BUY and o.state is T.OrderState.NEW and not o.state.is_final
    assert (o.price, o.orig_qty, o.executed_qty, o.avg_price) == (
        Decimal("40000"), Decimal("2"), Decimal("1.2"), Decimal("42350"))
    assert o.fee == 0 and o.time == 1655958915583


def test_documented_spot_depth_and_symbols():
    d = parse(spot["depth"], DOCUMENTED["spot:depth"])
    assert d.last_update_id == 137333589606963580  # beyond a double's exact range
    assert d.bids == [(Decimal("200.0000"), Decimal("0.996000")),
                      (Decimal("100.0000"), Decimal("0.001000")),
                      (Decimal("20.0000"), Decimal("10.000000"))]
    assert d.asks == []
    s = parse(spot["symbols"], DOCUMENTED["spot:symbols"]).symbols[0]
    assert (s.symbol, s.state, s.price_precision, s.quantity_precision) == (
        "btc_usdt", T.SymbolState.ONLINE, 4, 6)
    assert s.taker_fee_rate == Decimal("0.001") and s.order_types == ["LIMIT", "MARKET"]
    filters = {f.filter: f for f in s.filters}
    assert filters["PROTECTION_LIMIT"].buy_max_deviation == Decimal("0.8")
    assert filters["PROTECTION_ONLINE"].duration_seconds == 300
    assert filters["PRICE"].min is None and filters["QUOTE_QTY"].min is None


def test_documented_futures_shapes():
    key = parse(futures["listen_key"], {"returnCode": 0, "result": "abc123"})
    assert key == "abc123"
    bal = parse(futures["coin_balance"], DOCUMENTED["futures:coin_balance"])  # spot-style envelope
    assert bal.coin == "USDT" and bal.wallet_balance == Decimal("15234.87654321")
    assert bal.not_profit == Decimal("-500.00") and bal.account_id == 900123456789
    hist = parse(futures["trailing_order_history"], DOCUMENTED["futures:trailing_order_history"])
    assert hist.has_prev is True  # spelled "hasPre" there
    take = parse(futures["takeover_history"], DOCUMENTED["futures:takeover_history"]).items[0]
    assert take.request_id == 9876543210987654321 and take.position_type == 2
    oo = parse(futures["open_orders"], DOCUMENTED["futures:open_orders"])  # a bare object
    assert len(oo) == 1 and oo[0].order_id == 538511221008857280
    assert oo[0].contract_size == Decimal("0.01") and oo[0].margin_frozen == Decimal("80.48751569")


def test_futures_numbers_are_exact():
    body = (b'{"returnCode":0,"msgInfo":"","error":null,"result":{"orderId":'
            b'123456789012345678901234567890,"price":0.12345678901234567890,'
            b'"origQty":1e-18,"avgPrice":98765432109876543210.0123456789,'
            b'"createdTime":1703520000000,"marginFrozen":"0.30000000000000004"}}')
    o = parse(futures["get_order"], body)
    assert o.order_id == 123456789012345678901234567890
    assert o.price == Decimal("0.12345678901234567890")
    assert str(o.price) == "0.12345678901234567890"  # not 0.12345678901234568
    assert o.orig_qty == Decimal("1E-18")
    assert o.avg_price == Decimal("98765432109876543210.0123456789")
    assert o.margin_frozen == Decimal("0.30000000000000004")


def test_exact_numbers_also_on_the_slow_path():
    # An empty string elsewhere sends the decode down the slow path; it stays exact.
    body = (b'{"returnCode":0,"result":{"orderId":"18446744073709551617",'
            b'"price":0.12345678901234567890,"avgPrice":"","state":""}}')
    o = parse(futures["get_order"], body)
    assert o.order_id == 2**64 + 1 and o.price == Decimal("0.12345678901234567890")
    assert o.avg_price is None and o.state is None


@pytest.mark.parametrize("blank", ['""', "null"])
def test_blanks_read_as_absent(blank):
    fields = ",".join(f'"{k}":{blank}' for k in ("price", "time", "side"))
    body = ('{"rc":0,"result":{"symbol":"x","orderId":"7","state":"NEW",' + fields + "}}").encode()
    o = parse(spot["get_order"], body)
    assert (o.price, o.time, o.side) == (None, None, None)


def test_unknown_enum_values_do_not_fail():
    body = b'{"rc":0,"result":{"symbol":"x","orderId":1,"state":"HALTED","side":"buy"}}'
    o = parse(spot["get_order"], body)
    assert o.state == "HALTED" and not o.state.known and isinstance(o.state, T.OrderState)
    assert o.state is T.OrderState("HALTED")  # one pseudo-member per value
    assert o.side is T.Side.BUY and o.side.known  # matched case-insensitively
    assert T.TakerMaker("taker") is T.TakerMaker.TAKER
    assert list(T.OrderState) == [m for m in T.OrderState if m.known]  # not listed


def test_missing_required_field_names_it():
    with pytest.raises(DecodeError) as ei:
        parse(spot["get_order"], {"rc": 0, "result": {"symbol": "x", "state": "NEW"}})
    assert ei.value.field == "$.orderId" and "GET /v4/order/{orderId}" in str(ei.value)
    with pytest.raises(DecodeError, match="orderId"):
        parse(spot["get_order"], {"rc": 0, "result": {"symbol": "x", "orderId": "", "state": "N"}})
    with pytest.raises(DecodeError, match="no result"):
        parse(spot["get_order"], {"rc": 0, "result": None})


def test_unreadable_write_result_is_unknown_state():
    # The exchange accepted the order; its answer cannot be read: the caller
    # must treat the order's existence as unknown, exactly as a lost answer.
    with pytest.raises(OrderStateUnknownError) as ei:
        parse(spot["place_order"], {"rc": 0, "result": {"ip": "1.2.3.4"}})
    assert isinstance(ei.value.cause, DecodeError)
    assert "accepted" in str(ei.value) and ei.value.path == "/v4/order"


@pytest.mark.parametrize(
    "result,want",
    [("123", 123), (123, 123), ({"orderId": "5"}, 5), ({"entrustId": 9}, 9), ({}, None),
     ("", None), (True, None), (None, None)],
)
def test_created_id_results(result, want):
    assert parse(futures["place_order"], {"returnCode": 0, "result": result}) == want


@pytest.mark.parametrize("result,want", [({}, True), ("", True), (True, True), (False, False),
                                         (None, True), ("42", True)])
def test_acknowledgements(result, want):
    assert parse(futures["cancel_all_orders"], {"returnCode": 0, "result": result}) is want


def test_batch_id_lists_and_listen_key_forms():
    assert parse(futures["place_orders"], {"returnCode": 0, "result": ["1", {"orderId": 2}]}) == [
        1, 2]
    assert parse(futures["place_orders"], {"returnCode": 0, "result": ""}) is None
    assert parse(futures["listen_key"], {"returnCode": 0, "result": {"listenKey": "K"}}) == "K"
    with pytest.raises(DecodeError, match="listen key"):
        parse(futures["listen_key"], {"returnCode": 0, "result": {}})


def test_null_list_result_is_empty():
    assert parse(spot["open_orders"], {"rc": 0, "result": None}) == []
    assert parse(spot["order_history"], {"rc": 0, "result": None}) == T.Page()


def test_results_are_frozen_and_compare_by_value():
    a = parse(spot["server_time"], {"rc": 0, "result": {"serverTime": 5}})
    assert a == T.ServerTime(server_time=5) and hash(a) == hash(T.ServerTime(server_time=5))
    with pytest.raises(AttributeError):
        a.server_time = 6  # type: ignore[misc]


def test_raw_response_keeps_the_exact_envelope():
    raw = T.RawResponse(200, {"x": "1"}, b'{"rc":0,"result":{"p":0.10000000000000000001}}')
    assert raw.json()["result"]["p"] == Decimal("0.10000000000000000001")


def test_every_endpoint_has_a_result_type_spelled_in_the_generated_methods():
    from wexcore.rest._codegen import annotation

    for ep in ENDPOINTS:
        ann = annotation(ep.result)
        assert "Any" not in ann, ep.key


def test_typed_decode_reads_only_bytes():
    # one pass, bytes in: the decoder never sees a dict
    d = core("spot")._decoder(spot["server_time"])
    assert isinstance(d, msgspec.json.Decoder)
    assert d.decode(b'{"rc":0,"result":{"serverTime":1}}').result == T.ServerTime(server_time=1)


def test_blank_rewrite_touches_only_empty_values():
    # '":""' can only be an empty member value in valid JSON; text that merely
    # contains quotes and colons is left alone, pretty-printed blanks are read too.
    body = (b'{"rc":0,"result":{"symbol":"a:\\"\\"b","orderId":"1","state":"NEW",'
            b'"clientOrderId":"x\\":\\"\\"","price" : "",\n "fee":\t""}}')
    o = parse(spot["get_order"], body)
    assert o.symbol == 'a:""b' and o.client_order_id == 'x":""'
    assert o.price is None and o.fee is None
