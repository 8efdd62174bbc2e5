"""Every push message printed in the spec (English text), decoded and checked
field by field against values read from the documents by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import wexcore
from wexcore import (
    PONG,
    BalanceUpdate,
    DepthSnapshot,
    DepthUpdate,
    ErrorMessage,
    FundingRate,
    IndexPrice,
    Kline,
    MarkPrice,
    Notify,
    NotifyType,
    OrderState,
    OrderType,
    OrderUpdate,
    PositionSide,
    PositionType,
    PositionUpdate,
    Reply,
    Side,
    Ticker,
    TimeInForce,
    Trade,
    UnknownMessage,
    UserTrade,
    decode,
)
from wexcore._reference.decode import decode as reference_decode

FIXTURES = Path(__file__).parent / "fixtures"


def load(product: str, name: str) -> bytes:
    return (FIXTURES / product / "ws" / name).read_bytes()


def check(event, expected: dict) -> None:
    for name, value in expected.items():
        got = getattr(event, name)
        if isinstance(value, float):
            assert isinstance(got, float), (name, got)
            assert got == value, (name, got, value)
        else:
            assert got == value, (name, got, value)
            assert type(got) is type(value) or isinstance(got, type(value)), (name, type(got))


# --- spot public ------------------------------------------------------------


def test_spot_trade():
    event = decode(load("spot", "trade.json"))
    assert type(event) is Trade
    check(event, {
        "topic": "trade", "event": "trade@btc_usdt", "symbol": "btc_usdt",
        "trade_id": 6316559590087222000, "time": 1655992403617,
        "order_id": 6616559590087222666, "price": 43000.0, "price_string": "43000",
        "quantity": 0.21, "quantity_string": "0.21", "quote_quantity": 9030.0,
        "quote_quantity_string": "9030", "buyer_is_maker": True,
    })
    # buyer was the maker: the taker sold
    assert event.side is Side.SELL
    assert event.unknown is False


def test_spot_trade_ids_are_exact_beyond_2_pow_53():
    event = decode(load("spot", "trade.json"))
    assert event.order_id == 6616559590087222666
    assert float(event.order_id) != event.order_id or event.order_id > 2**53


def test_spot_kline():
    event = decode(load("spot", "kline.json"))
    assert type(event) is Kline
    check(event, {
        "symbol": "btc_usdt", "time": 1656043200000, "interval": "5m", "open": 44000.0,
        "close": 50000.0, "high": 52000.0, "low": 36000.0, "volume": 34.2,
        "volume_string": "34.2", "quote_volume": 230000.0, "change_rate": None,
    })


def test_spot_limited_depth():
    event = decode(load("spot", "depth.json"))
    assert type(event) is DepthSnapshot
    check(event, {"symbol": "btc_usdt", "update_id": 1657699200000, "time": None})
    assert event.asks.tolist() == [[34000.0, 1.2], [34001.0, 2.3]]
    assert event.bids.tolist() == [[32000.0, 0.2], [31000.0, 0.5]]
    assert event.ask_strings == [("34000", "1.2"), ("34001", "2.3")]
    assert event.bid_strings == [("32000", "0.2"), ("31000", "0.5")]
    assert event.bids.dtype == np.float64 and event.bids.shape == (2, 2)


def test_spot_depth_update():
    event = decode(load("spot", "depth_update.json"))
    assert type(event) is DepthUpdate
    check(event, {"symbol": "btc_usdt", "first_update_id": 121, "last_update_id": 123,
                  "previous_update_id": None, "time": None})
    assert event.asks.tolist() == [[34000.0, 1.2], [34001.0, 2.3]]
    assert event.bid_strings == [("32000", "0.2"), ("31000", "0.5")]
    assert (event.bid_count, event.ask_count) == (2, 2)


def test_spot_ticker():
    event = decode(load("spot", "ticker.json"))
    assert type(event) is Ticker
    check(event, {
        "topic": "ticker", "symbol": "btc_usdt", "time": 1657586700119,
        "change_value": -200.0, "change_value_string": "-200", "change_rate": -0.02,
        "open": 30000.0, "close": 39000.0, "high": 38000.0, "low": 40000.0,
        "volume": 4.0, "quote_volume": 150000.0, "index_price": None, "mark_price": None,
    })


def test_spot_tickers_empty_list():
    assert decode(load("spot", "tickers.json")) == []


def test_spot_tickers_list_of_tickers():
    frame = (b'{"topic":"tickers","event":"tickers","data":[' +
             b'{"s":"btc_usdt","t":1,"c":"39000"},{"s":"eth_usdt","t":2,"c":"2000.5"}]}')
    events = decode(frame)
    assert [type(e) for e in events] == [Ticker, Ticker]
    assert [(e.symbol, e.time, e.close) for e in events] == [
        ("btc_usdt", 1, 39000.0), ("eth_usdt", 2, 2000.5)]
    assert events[1].event == "tickers"


# --- spot private -------------------------------------------------------------


def test_spot_balance():
    event = decode(load("spot", "balance.json"))
    assert type(event) is BalanceUpdate
    check(event, {
        "account_id": 123, "time": 1656043204763, "currency": "btc", "balance": 123.0,
        "balance_string": "123", "frozen": 11.0, "business_type": "SPOT",
        "symbol": "btc_usdt", "crossed_margin": None,
    })


def test_spot_order():
    event = decode(load("spot", "order.json"))
    assert type(event) is OrderUpdate
    check(event, {
        "symbol": "btc_usdt", "base_currency": "btc", "quote_currency": "usdt",
        "time": 1656043204763, "create_time": 1656043204663,
        "order_id": 6216559590087220004, "client_order_id": "test123",
        "original_quantity": 4.0, "original_quote_quantity": 48000.0,
        "original_quote_quantity_string": "48000", "executed_quantity": 2.0,
        "remaining_quantity": 2.0, "price": 4000.0, "average_price": 30000.0,
        "fee": 0.002, "fee_string": "0.002", "leverage": None,
    })
    assert event.state is OrderState.PARTIALLY_FILLED
    assert event.side is Side.BUY
    assert event.order_type is OrderType.LIMIT


def test_spot_private_trade_is_a_user_trade():
    event = decode(load("spot", "user_trade.json"))
    assert type(event) is UserTrade
    check(event, {
        "symbol": "btc_usdt", "trade_id": 6316559590087222000, "time": 1655992403617,
        "order_id": 6616559590087222666, "price": 43000.0, "quantity": 0.21,
        "quote_quantity": 9030.0, "buyer_is_maker": True, "is_maker": False,
    })


@pytest.mark.parametrize("tm, maker", [(1, False), (2, True)])
def test_spot_private_trade_taker_maker_flag(tm, maker):
    frame = (b'{"topic":"trade","event":"trade","data":{"s":"btc_usdt","i":1,"t":2,'
             b'"oi":3,"p":"1","q":"2","v":"2","b":false,"tm":%d}}' % tm)
    assert decode(frame).is_maker is maker


# --- control frames -------------------------------------------------------------


def test_pong_text_frame():
    assert decode(load("spot", "pong.txt")) is PONG
    assert decode("pong") is PONG
    assert decode(b'"pong"') is PONG
    assert decode(b" pong\n") is PONG


@pytest.mark.parametrize("name, rid, code, msg, ok", [
    ("reply.json", "{id}", 1, "", False),
    ("reply_success.json", "123", 0, "success", True),
    ("reply_token_expire.json", "123", 401, "token expire", False),
    ("ack.json", None, 0, "success", True),
])
def test_spot_replies(name, rid, code, msg, ok):
    reply = decode(load("spot", name))
    assert type(reply) is Reply
    assert (reply.id, reply.code, reply.msg, reply.ok) == (rid, code, msg, ok)


def test_futures_replies():
    reply = decode(load("futures", "reply.json"))
    assert (reply.id, reply.code, reply.msg, reply.ok) == ("{id}", 0, "", True)
    assert decode(load("futures", "reply_success.json")).msg == "success"


def test_reply_with_integer_id():
    reply = decode(b'{"id": 7, "code": 0, "msg": "success"}')
    assert reply.id == 7 and reply.ok


def test_invalid_listenkey_text_frame():
    error = decode(load("futures", "invalid_listenkey.txt"))
    assert type(error) is ErrorMessage
    assert (error.reason, error.topic) == ("invalid_listenkey", "balance")


def test_invalid_listenkey_as_event():
    error = decode(b'{"topic":"order","event":"order@invalid_listenkey","data":{}}')
    assert type(error) is ErrorMessage
    assert (error.reason, error.topic) == ("invalid_listenkey", "order")


def test_invalid_parameter_and_token_expire_texts():
    assert decode(load("futures", "invalid_parameter.txt")).reason == "invalid_parameter"
    assert decode(b"token expire").reason == "token_expire"


def test_connect_envelope_passes_through_as_unknown():
    event = decode(load("spot", "connected.json"))
    assert type(event) is UnknownMessage
    assert event.unknown is True
    assert event.message == {"rc": 0, "mc": "SUCCESS", "ma": [], "result": {}}


def test_unknown_topic_passes_through():
    event = decode(b'{"topic":"liquidation","event":"liquidation@btc_usdt",'
                   b'"data":{"s":"btc_usdt","x":[1,2,{"y":null}]}}')
    assert type(event) is UnknownMessage and event.unknown
    assert event.topic == "liquidation"
    assert event.event == "liquidation@btc_usdt"
    assert event.data == {"s": "btc_usdt", "x": [1, 2, {"y": None}]}


# --- futures market ---------------------------------------------------------------


def test_futures_trade():
    event = decode(load("futures", "trade.json"))
    assert type(event) is Trade
    check(event, {"symbol": "btc_usdt", "price": 50000.0, "quantity": 0.1,
                  "quantity_string": "0.1", "time": 123124124, "trade_id": None,
                  "order_id": None, "buyer_is_maker": None})
    assert event.side is Side.BUY  # "m": "BID"


def test_futures_kline_interval_from_event():
    event = decode(load("futures", "kline.json"))
    assert type(event) is Kline
    check(event, {"symbol": "btc_index", "open": 49000.0, "close": 50000.0, "high": 0.1,
                  "low": 0.1, "volume": 0.1, "quote_volume": 0.1, "change_rate": 0.21,
                  "change_rate_string": "0.21", "time": 123124124, "interval": "5m"})


def test_futures_agg_ticker():
    event = decode(load("futures", "agg_ticker.json"))
    assert type(event) is Ticker
    check(event, {"topic": "agg_ticker", "symbol": "btc_index", "open": 49000.0,
                  "close": 50000.0, "volume": 0.1, "quote_volume": 0.1, "change_rate": 0.21,
                  "index_price": 0.21, "mark_price": 0.21, "best_bid_price": 0.21,
                  "best_ask_price": 0.21, "best_ask_price_string": "0.21",
                  "time": 123124124, "change_value": None})


def test_futures_agg_ticker_change_rate_as_live_servers_send_it():
    """Live servers (and the REST aggregated ticker) spell the change rate
    "r"; the spec's push example says "ch". Both are read."""
    frame = (b'{"topic":"agg_ticker","event":"agg_ticker@btc_usdt","data":{"s":"btc_usdt",'
             b'"o":"49000","c":"50000","h":"50100","l":"48000","a":"12.5","v":"610000",'
             b'"r":"-0.0213","i":"50001","m":"50000.5","bp":"49999","ap":"50001","t":1}}')
    event = decode(frame)
    assert event.change_rate == -0.0213 and event.change_rate_string == "-0.0213"
    assert event.as_dict()["change_rate"] == -0.0213
    assert reference_decode(frame)["change_rate_string"] == "-0.0213"


@pytest.mark.parametrize("name, cls", [("index_price.json", IndexPrice),
                                       ("mark_price.json", MarkPrice)])
def test_futures_index_and_mark_price(name, cls):
    event = decode(load("futures", name))
    assert type(event) is cls
    check(event, {"symbol": "btc_usdt", "price": 50000.0, "price_string": "50000",
                  "time": 123124124})


def test_futures_depth_update():
    event = decode(load("futures", "depth_update.json"))
    assert type(event) is DepthUpdate
    check(event, {"symbol": "btc_usdt", "previous_update_id": 120, "first_update_id": 121,
                  "last_update_id": 123, "time": 123456789})
    assert event.asks.tolist() == [[34000.0, 1.2], [34001.0, 2.3]]
    assert event.bids.tolist() == [[32000.0, 0.2], [31000.0, 0.5]]


def test_futures_limited_depth_with_string_id():
    event = decode(load("futures", "depth.json"))
    assert type(event) is DepthSnapshot
    check(event, {"symbol": "btc_index", "update_id": 1234, "time": 123456789})
    assert event.ask_strings == [("50000", "0.1"), ("50001", "0.2")]
    assert event.bids.tolist() == [[49999.0, 0.1], [48888.0, 0.2]]


def test_futures_funding_rate():
    event = decode(load("futures", "fund_rate.json"))
    assert type(event) is FundingRate
    check(event, {"symbol": "btc_usdt", "rate": 0.01, "rate_string": "0.01",
                  "time": 123124124})


# --- futures user -------------------------------------------------------------------


def test_futures_balance():
    event = decode(load("futures", "balance.json"))
    assert type(event) is BalanceUpdate
    check(event, {"currency": "usdt", "underlying_type": 1, "balance": 123.0,
                  "open_order_margin_frozen": 123.0, "isolated_margin": 213.0,
                  "crossed_margin": 0.0, "crossed_margin_string": "0", "account_id": None})


def test_futures_position():
    event = decode(load("futures", "position.json"))
    assert type(event) is PositionUpdate
    check(event, {"symbol": "btc_usdt", "contract_type": "PERPUTUAL",
                  "position_size": 123.0, "close_order_size": 100.0,
                  "available_close_size": 23.0, "realized_profit": 123.0,
                  "entry_price": 213.0, "isolated_margin": 213.0,
                  "open_order_margin_frozen": 123.0, "underlying_type": None, "leverage": 20})
    assert event.position_type is PositionType.ISOLATED
    assert event.position_side is PositionSide.LONG


def test_futures_user_trade():
    event = decode(load("futures", "user_trade.json"))
    assert type(event) is UserTrade
    check(event, {"order_id": 12312312, "client_order_id": "123456", "price": 34244.0,
                  "quantity": 123.0, "margin_unfrozen": 123.0, "time": 1731231231,
                  "symbol": "btc_usdt", "is_maker": True, "fee": 0.0002,
                  "fee_string": "0.0002", "trade_id": None})
    assert event.side is Side.BUY
    assert event.position_side is PositionSide.LONG


def test_futures_order():
    event = decode(load("futures", "order.json"))
    assert type(event) is OrderUpdate
    check(event, {"symbol": "btc_usdt", "order_id": 1234, "original_quantity": 34244.0,
                  "average_price": 123.0, "price": 1111.0, "executed_quantity": 34244.0,
                  "margin_frozen": 123.0, "source_type": "default", "category": "ORDER",
                  "create_time": 1731231231, "leverage": 20, "time": None})
    assert event.side is Side.BUY
    assert event.time_in_force is TimeInForce.IOC
    assert event.position_side is PositionSide.LONG
    assert event.state is OrderState.FILLED
    assert event.position_type is PositionType.ISOLATED
    assert event.order_type is OrderType.MARKET


def test_futures_notify():
    event = decode(load("futures", "notify.json"))
    assert type(event) is Notify
    check(event, {"symbol": "btc_usdt", "position_size": 123.0})
    assert event.notify_type is NotifyType.WARN
    assert event.position_type is PositionType.ISOLATED


# --- general behaviour ---------------------------------------------------------------


def test_every_fixture_decodes_from_bytes_and_str_identically():
    for path in sorted(FIXTURES.glob("*/ws/*")):
        raw = path.read_bytes()
        a, b = decode(raw), decode(raw.decode())
        if isinstance(a, list):
            assert [x.as_dict() for x in a] == [y.as_dict() for y in b]
        elif hasattr(a, "as_dict"):
            assert repr(a) == repr(b), path


def test_unknown_enum_value_is_kept_as_text():
    event = decode(b'{"topic":"order","data":{"s":"x","i":"1","st":"PARTIALLY_CANCELED",'
                   b'"sd":"SELL"}}')
    assert event.state == "PARTIALLY_CANCELED" and type(event.state) is str
    assert event.side is Side.SELL


def test_enum_members_compare_equal_to_wire_text():
    assert Side.BUY == "BUY" and OrderState.FILLED == "FILLED"


def test_as_dict_and_repr():
    event = decode(load("futures", "mark_price.json"))
    assert event.as_dict() == {"symbol": "btc_usdt", "time": 123124124, "price": 50000.0,
                               "price_string": "50000"}
    assert repr(event).startswith("MarkPrice(symbol='btc_usdt'")


def test_events_are_exported_from_wexcore():
    for name in ("Trade", "UserTrade", "Kline", "Ticker", "DepthUpdate", "DepthSnapshot",
                 "OrderUpdate", "BalanceUpdate", "PositionUpdate", "Notify", "Reply",
                 "UnknownMessage", "ErrorMessage", "decode", "Side", "OrderState"):
        assert name in wexcore.__all__ and hasattr(wexcore, name)


def test_null_optional_field_reads_as_none():
    event = decode(b'{"topic":"trade","event":"trade@x","data":{"s":"x","t":1,"p":"1",'
                   b'"q":"2","v":null,"i":null}}')
    assert event.quote_quantity is None and event.trade_id is None
    assert event.quote_quantity_string is None


def test_empty_decimal_string_reads_as_none():
    event = decode(b'{"topic":"ticker","data":{"s":"x","t":1,"c":"5","o":""}}')
    assert event.open is None and event.close == 5.0


def test_float_precision_is_correctly_rounded():
    texts = ["0.1", "43000.12345678", "1e-7", "123456789012345678901234567890",
             "0.30000000000000004", "9007199254740993", "2.2250738585072014e-308"]
    for text in texts:
        frame = (f'{{"topic":"mark_price","data":{{"s":"x","t":1,"p":"{text}"}}}}').encode()
        event = decode(frame)
        assert event.price == float(text), text
        assert event.price_string == text
        assert not math.isnan(event.price)


def test_events_module_documents_every_wire_key():
    from wexcore import _decode, events

    layouts = [_decode._TRADE, _decode._KLINE, _decode._TICKER, _decode._PRICE,
               _decode._FUNDING, _decode._DEPTH_UPDATE, _decode._DEPTH, _decode._ORDER,
               _decode._BALANCE, _decode._POSITION, _decode._NOTIFY]
    lines = {" ".join(line.split()) for line in events.__doc__.splitlines()}
    for layout in layouts:
        for field, keys in layout.wire.items():
            assert f"{field} {', '.join(keys.split())}" in lines, (layout.name, field)
