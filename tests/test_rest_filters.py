"""Pre-trade filter checks: each rule fails with the exchange's code, with exact decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wexcore import InvalidOrderError
from wexcore.rest.filters import SymbolFilters, to_decimal

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
