"""Pre-trade filter checks: each rule fails with the exchange's code, with exact decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wexcore import InvalidOrderError
from wexcore.errors import InvalidParameterError
from wexcore.rest.filters import FuturesSymbolFilters, SymbolFilters, to_decimal

INFO = {
    "symbol": "btc_usdt",
    "pricePrecision": 2,
    "quantityPrecision": 4,
    "filters": [
        {
            "filter": "PROTECTION_LIMIT",
            "buyMaxDeviation": "0.8",
            "sellMaxDeviation": "0.8",
            "buyPriceLimitCoefficient": "4",
            "sellPriceLimitCoefficient": "0.8",
        },
        {"filter": "PROTECTION_MARKET", "maxDeviation": "0.1"},
        {"filter": "PROTECTION_ONLINE", "durationSeconds": "300", "maxPriceMultiple": "5"},
        {"filter": "PRICE", "min": "0.10", "max": "100000", "tickSize": "0.05"},
        {"filter": "QUANTITY", "min": "0.001", "max": "1000", "tickSize": "0.001"},
        {"filter": "QUOTE_QTY", "min": "5"},
    ],
}
F = SymbolFilters.from_symbol(INFO)


def code_of(**kw):
    args = dict(side="BUY", type="LIMIT", price="100.00", quantity="1")
    args.update(kw)
    try:
        F.check_order(**args)
    except InvalidOrderError as e:
        assert e.http_status is None
        return e.code
    return None


@pytest.mark.parametrize(
    "kw,code",
    [
        ({}, None),
        ({"price": "0.05"}, "ORDER_F0101"),
        ({"price": "100000.05"}, "ORDER_F0102"),
        ({"price": "100.02"}, "ORDER_F0103"),
        ({"price": "100.15"}, None),  # 0.10 + k * 0.05
        ({"quantity": "0.00005"}, "ORDER_008"),  # precision first
        ({"quantity": "0.0005"}, "ORDER_F0201"),
        ({"quantity": "0"}, "ORDER_F0201"),
        ({"quantity": "1000.001"}, "ORDER_F0202"),
        ({"quantity": "0.0015"}, "ORDER_F0203"),
        ({"price": "1.00", "quantity": "4.999"}, "ORDER_F0301"),
        ({"price": "1.00", "quantity": "5"}, None),
        ({"price": "100.001"}, "ORDER_008"),
        ({"type": "MARKET", "price": None, "quantity": None, "quote_qty": "4.99"}, "ORDER_F0301"),
        ({"type": "MARKET", "side": "SELL", "price": None, "quantity": "0.001"}, None),
    ],
)
def test_rules(kw, code):
    assert code_of(**kw) == code


def test_float_arithmetic_does_not_leak_in():
    # 0.1 + 0.2 as a float is 0.30000000000000004: off the 0.05 grid and too precise.
    assert code_of(price=0.1 + 0.2) == "ORDER_008"
    assert code_of(price=Decimal("0.30"), quantity="20") is None


@pytest.mark.parametrize(
    "side,price,code",
    [
        ("BUY", "19.95", "ORDER_F0501"),  # < 100 - 80
        ("BUY", "20.00", None),
        ("BUY", "500.05", "ORDER_F0503"),  # > 100 + 400
        ("SELL", "180.05", "ORDER_F0502"),  # > 100 + 80
        ("SELL", "19.95", "ORDER_F0504"),  # < 100 - 80
    ],
)
def test_protection_limit_with_last_price(side, price, code):
    assert code_of(side=side, price=price, last_price="100") == code


def test_protection_market_and_online():
    assert (
        code_of(
            type="MARKET",
            price=None,
            quantity=None,
            quote_qty="10",
            last_price="100",
            best_ask="110.01",
        )
        == "ORDER_F0601"
    )
    assert (
        code_of(
            type="MARKET",
            price=None,
            quantity=None,
            quote_qty="10",
            last_price="100",
            best_ask="110",
        )
        is None
    )
    assert (
        code_of(
            type="MARKET", side="SELL", price=None, quantity="1", last_price="100", best_bid="89.99"
        )
        == "ORDER_F0601"
    )
    assert code_of(price="500.10", open_price="100") == "ORDER_F0401"


def test_null_filters_do_not_restrict():
    f = SymbolFilters.from_symbol(
        {
            "symbol": "x",
            "filters": [
                {"filter": "PRICE", "min": None, "max": None, "tickSize": None},
                {"filter": "QUANTITY", "min": None, "max": None, "tickSize": None},
                {"filter": "QUOTE_QTY", "min": None},
            ],
        }
    )
    f.check_order("BUY", "LIMIT", price="0.000001", quantity="123456789.123")


def test_to_decimal_names_field():
    with pytest.raises(ValueError, match="price"):
        to_decimal("1e", "price")
    with pytest.raises(ValueError, match="qty"):
        to_decimal(float("inf"), "qty")
    with pytest.raises(TypeError, match="price"):
        to_decimal(True, "price")
    assert to_decimal(0.1, "p") == Decimal("0.1")


# -- futures ----------------------------------------------------------------------

# A symbol_detail as the futures product prints it: limits as JSON numbers, a
# step coarser than the precision, "0" where a limit is not set.
FUT_INFO = {
    "symbol": "btc_usdt",
    "pricePrecision": 2,
    "quantityPrecision": 0,
    "minStepPrice": 0.5,
    "minPrice": 1,
    "maxPrice": 1000000,
    "minQty": 3,
    "multiplierUp": 0.05,
    "multiplierDown": 0.1,
    "minNotional": 0,
    "contractSize": 0.0001,
}
FF = FuturesSymbolFilters.from_symbol(FUT_INFO)


def fcode_of(filters=FF, **kw):
    args = dict(side="BUY", type="LIMIT", price="100.50", quantity="3")
    args.update(kw)
    side, type_ = args.pop("side"), args.pop("type")
    try:
        filters.check_order(side, type_, **args)
    except InvalidOrderError as e:
        assert e.http_status is None and "checked locally" in str(e)
        return e.code, e.field
    return None


@pytest.mark.parametrize(
    "kw,expected",
    [
        ({}, None),
        ({"quantity": 3}, None),
        ({"quantity": Decimal("3.0")}, None),  # a whole number, however written
        ({"quantity": "3.5"}, ("invalid_quantity_scale", "orig_qty")),
        ({"quantity": "2"}, ("quantity_can_not_less_than", "orig_qty")),  # minQty 3
        ({"quantity": "0"}, ("quantity_can_not_less_than", "orig_qty")),
        ({"quantity": "-4"}, ("quantity_can_not_less_than", "orig_qty")),
        ({"price": None}, ("invalid_price", "price")),  # LIMIT needs one
        ({"price": "100.25"}, ("invalid_price", "price")),  # off the 0.5 step
        ({"price": "100.505"}, ("invalid_price", "price")),  # 3 decimals > 2
        ({"price": "0.5"}, ("invalid_price", "price")),  # < minPrice 1
        ({"price": "1000000.5"}, ("invalid_price", "price")),  # > maxPrice
        ({"price": "0"}, ("invalid_price", "price")),
        ({"type": "MARKET", "price": None}, None),
        ({"type": "MARKET", "price": "0"}, None),  # what a MARKET order may carry
        ({"type": "MARKET", "price": "100.25"}, ("invalid_price", "price")),  # still checked
        ({"side": "sell", "type": "limit"}, None),  # case as the exchange reads it
    ],
)
def test_futures_rules(kw, expected):
    assert fcode_of(**kw) == expected


@pytest.mark.parametrize(
    "side,price,expected",
    [
        ("BUY", "105.00", None),  # index 100 + 5 %
        ("BUY", "105.50", ("invalid_price", "price")),
        ("SELL", "90.00", None),  # index 100 - 10 %
        ("SELL", "89.50", ("invalid_price", "price")),
        ("SELL", "1000.00", None),  # the bound is one-sided
        ("BUY", "1.00", None),
    ],
)
def test_futures_multiplier_bounds_with_index_price(side, price, expected):
    assert fcode_of(side=side, price=price, index_price="100") == expected
    assert fcode_of(side=side, price=price) is None  # no index price, no bound


def test_futures_unset_limits_do_not_restrict():
    f = FuturesSymbolFilters.from_symbol({"symbol": "x", "minStepPrice": 0, "minQty": None,
                                          "minPrice": 0, "maxPrice": 0})
    assert fcode_of(f, price="0.0001", quantity="1", index_price="1") is None
    assert fcode_of(f, quantity="0.5") == ("invalid_quantity_scale", "orig_qty")


def test_futures_limits_read_exactly_from_json_numbers():
    # 0.1 read through a float would make 0.3 off a 0.1 grid
    f = FuturesSymbolFilters.from_symbol({"symbol": "x", "minStepPrice": 0.1})
    assert f.min_step_price == Decimal("0.1")
    assert fcode_of(f, price="0.3", quantity="1") is None
    assert fcode_of(f, price=0.1 + 0.2, quantity="1") == ("invalid_price", "price")


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"quantity": "NaN"}, "orig_qty"),
        ({"quantity": True}, "orig_qty"),
        ({"quantity": "1e999999"}, "orig_qty"),
        ({"quantity": "1" * 40}, "orig_qty"),
        ({"price": "-0x1"}, "price"),
        ({"price": float("inf")}, "price"),
        ({"index_price": "abc"}, "index_price"),
    ],
)
def test_futures_bad_arguments_name_the_field(kw, field):
    with pytest.raises(InvalidParameterError) as ei:
        FF.check_order("BUY", "LIMIT", **{"quantity": "3", "price": "100.5", **kw})
    assert ei.value.field == field and field in str(ei.value)
