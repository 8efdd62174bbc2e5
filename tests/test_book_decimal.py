"""Exact decimal string -> tick conversion, against Decimal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wexcore import DecodeError, PrecisionError, decimal_to_ticks
from wexcore._reference.book import to_ticks


@pytest.mark.parametrize(
    ("text", "precision", "ticks"),
    [
        ("0.1", 1, 1),
        ("0.1", 8, 10_000_000),
        ("30000.00", 2, 3_000_000),
        ("30000", 2, 3_000_000),
        ("30000.", 2, 3_000_000),
        (".5", 1, 5),
        ("0", 4, 0),
        ("0.000", 0, 0),
        ("1e-8", 8, 1),
        ("1E-8", 10, 100),
        ("1.5e3", 0, 1500),
        ("1.5E+3", 2, 150_000),
        ("0.996000", 6, 996_000),
        ("0.99600000000", 3, 996),  # extra digits that are zeros are fine
        ("30000.000000000000000000000000", 2, 3_000_000),  # many zeros, no overflow
        ("00012.30", 2, 1230),
        ("9223372036854775807", 0, 2**63 - 1),
        ("92233720368547758.07", 2, 2**63 - 1),
        ("0.000000000000000001", 18, 1),
        ("123456789012345678", 0, 123456789012345678),  # 18 digits: fast path
        ("1234567890123456789", 0, 1234567890123456789),  # 19 digits: general path
    ],
)
def test_exact_conversion(text, precision, ticks):
    assert decimal_to_ticks(text, precision) == ticks
    assert to_ticks(text, precision) == ticks


@pytest.mark.parametrize(
    ("text", "precision"),
    [("0.123", 2), ("1e-9", 8), ("30000.001", 2), ("1.00000000000000000001", 2),
     ("0.0000000000000000000000001", 18), ("0.5", 0)],
)
def test_finer_than_precision_is_a_precision_error(text, precision):
    with pytest.raises(PrecisionError, match="decimal places") as err:
        decimal_to_ticks(text, precision)
    assert err.value.value == text
    assert err.value.precision == precision


@pytest.mark.parametrize("text", ["-1", "-0.5", "-0", "-1e3"])
def test_negative_is_rejected_by_name(text):
    with pytest.raises(ValueError, match="negative"):
        decimal_to_ticks(text, 2)


@pytest.mark.parametrize(
    "text", ["", "abc", "1.2.3", "1e", "1e+", ".", "NaN", "Infinity", "1_000", " 1", "1 ",
             "+1", "0x10", "1,5", "--1"])
def test_non_numeric_is_rejected(text):
    with pytest.raises(DecodeError, match="not a decimal"):
        decimal_to_ticks(text, 2)


@pytest.mark.parametrize("text", ["9223372036854775808", "92233720368547758.08", "1e19",
                                  "123456789012345678901234567890", "1e999999999"])
def test_out_of_range(text):
    with pytest.raises(DecodeError, match="out of range"):
        decimal_to_ticks(text, 2 if "." in text else 0)


def test_non_string_inputs():
    assert decimal_to_ticks(5, 3) == 5000
    assert decimal_to_ticks(Decimal("1.25"), 2) == 125
    assert decimal_to_ticks(0.1, 2) == 10  # via repr: '0.1', not 0.1000000000000000055...
    with pytest.raises(DecodeError):
        decimal_to_ticks(True, 2)
    with pytest.raises(DecodeError):
        decimal_to_ticks(None, 2)
    with pytest.raises(ValueError, match="precision"):
        decimal_to_ticks("1", 19)


digits = st.text("0123456789", min_size=0, max_size=25)


@settings(max_examples=400, deadline=None)
@given(int_part=digits, frac=st.none() | digits,
       exp=st.none() | st.integers(-25, 25), precision=st.integers(0, 18))
def test_matches_decimal_reference(int_part, frac, exp, precision):
    text = int_part + ("" if frac is None else "." + frac) + ("" if exp is None else f"e{exp}")
    try:
        expected = to_ticks(text, precision)
    except PrecisionError:
        with pytest.raises(PrecisionError):
            decimal_to_ticks(text, precision)
        return
    except DecodeError as e:
        kind = "not a decimal" if "not a decimal" in str(e) else "out of range"
        with pytest.raises(DecodeError, match=kind):
            decimal_to_ticks(text, precision)
        return
    assert decimal_to_ticks(text, precision) == expected
