"""Error codes of the spec -> exception classes, and response decoding."""

from __future__ import annotations

import pathlib
import re

import orjson
import pytest

from wexcore import (
    AuthenticationError,
    InsufficientFundsError,
    InvalidOrderError,
    NotFoundError,
    RateLimitError,
    ServerError,
    Signer,
    WexAPIError,
)
from wexcore.rest.client import RequestCore
from wexcore.rest.codes import (
    CODES,
    AccessDeniedError,
    OrderNotFoundError,
    WalletError,
    error_class,
)
from wexcore.rest.endpoints import futures, spot

SPEC = pathlib.Path("/work/shared/spec")
if not SPEC.exists():
    SPEC = pathlib.Path(__file__).resolve().parents[2] / "shared" / "spec"
needs_spec = pytest.mark.skipif(not (SPEC / "spot-en.txt").exists(), reason="spec files not found")


def _spot_codes() -> set[str]:
    text = (SPEC / "spot-en.txt").read_text()
    table = text.split("Message Code (mc)")[1].split("Public module Edit")[0]
    return {m for m in re.findall(r"^([A-Z][A-Z0-9_]+) ", table, re.M) if m != "mc"}


def _futures_codes() -> set[str]:
    lines = (SPEC / "futures-en.txt").read_text().split("\n")
    rest_api = lines[: next(i for i, line in enumerate(lines) if line.startswith("General WSS"))]
    codes, inside = set(), False
    for line in rest_api:
        if line.startswith("Error Code Description"):
            inside = True
            continue
        if inside:
            m = re.match(r"^([A-Za-z][A-Za-z0-9_]*) \S", line)
            if m and ("_" in m.group(1)):
                codes.add(m.group(1))
            else:
                inside = False
    return codes


@needs_spec
def test_every_spot_code_maps_somewhere():
    codes = _spot_codes() - {"SUCCESS"}
    assert len(codes) > 100
    assert codes - set(CODES) == set()


@needs_spec
def test_every_futures_code_maps_somewhere():
    codes = _futures_codes()
    assert len(codes) > 60
    assert codes - set(CODES) == set()


@pytest.mark.parametrize(
    "code,cls",
    [
        ("AUTH_103", AuthenticationError),
        ("AUTH_105", AuthenticationError),
        ("AUTH_104", AccessDeniedError),
        ("ORDER_002", InsufficientFundsError),
        ("FUND_002", InsufficientFundsError),
        ("TRANSFER_002", InsufficientFundsError),
        ("WITHDRAW_011", InsufficientFundsError),
        ("ORDER_F0103", InvalidOrderError),
        ("SYMBOL_001", InvalidOrderError),
        ("ORDER_005", NotFoundError),
        ("COMMON_002", ServerError),
        ("COMMON_003", ServerError),
        ("invalid_price", InvalidOrderError),
        ("invalid_order", OrderNotFoundError),
        ("more_than_available", InsufficientFundsError),
        ("GATEWAY_0003", AccessDeniedError),
        ("WITHDRAW_002", WalletError),
        ("AUTH_999", AuthenticationError),
        ("invalid_new_thing", InvalidOrderError),
        ("totally_unknown", WexAPIError),
        (None, WexAPIError),
    ],
)
def test_error_class(code, cls):
    assert error_class(code) is cls


def test_order_not_found_is_both():
    assert issubclass(OrderNotFoundError, NotFoundError)
    assert issubclass(OrderNotFoundError, InvalidOrderError)


def _spot_core():
    return RequestCore("spot", "https://sapi.wexex.io", Signer("k", "s"), None)


def _fut_core():
    return RequestCore("futures", "https://fapi.wexex.io", Signer("k", "s"), None)


def test_spot_success_keeps_big_ids_exact():
    body = b'{"rc":0,"mc":"SUCCESS","ma":[],"result":{"lastUpdateId":137333589606963580}}'
    r = _spot_core().parse_response(spot["depth"], 200, {}, body)
    assert r.last_update_id == 137333589606963580 and r.bids == []


def test_spot_envelope_error_carries_fields():
    body = orjson.dumps({"rc": 1, "mc": "ORDER_002", "ma": [], "result": None})
    with pytest.raises(InsufficientFundsError) as ei:
        _spot_core().parse_response(spot["place_order"], 200, {}, body)
    e = ei.value
    assert (e.http_status, e.code, e.body) == (200, "ORDER_002", body)
    assert "ORDER_002" in e.message


def test_futures_envelope_error_uses_error_code():
    body = orjson.dumps(
        {
            "returnCode": 1,
            "msgInfo": "failure",
            "error": {"code": "invalid_price", "msg": "Invalid price"},
            "result": None,
        }
    )
    with pytest.raises(InvalidOrderError) as ei:
        _fut_core().parse_response(futures["place_order"], 200, {}, body)
    assert ei.value.code == "invalid_price" and "Invalid price" in ei.value.message


def test_futures_success():
    body = (
        b'{"error":{"code":"","msg":""},"msgInfo":"",'
        b'"result":{"orderId":6216559590087220004},"returnCode":0}'
    )
    assert _fut_core().parse_response(futures["get_order"], 200, {}, body).order_id == (
        6216559590087220004
    )


@pytest.mark.parametrize(
    "status,cls",
    [
        (404, NotFoundError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (403, AuthenticationError),
        (400, WexAPIError),
    ],
)
def test_http_status_without_code(status, cls):
    with pytest.raises(cls) as ei:
        _spot_core().parse_response(spot["depth"], status, {}, b"<html>oops</html>")
    assert type(ei.value) is cls and ei.value.http_status == status and ei.value.code is None


def test_http_error_with_body_code_uses_code():
    body = orjson.dumps(
        {
            "returnCode": 1,
            "msgInfo": "failure",
            "error": {"code": "AUTH_105", "msg": "Outdated message"},
        }
    )
    with pytest.raises(AuthenticationError) as ei:
        _fut_core().parse_response(futures["balances"], 403, {}, body)
    assert (ei.value.code, ei.value.http_status) == ("AUTH_105", 403)


@pytest.mark.parametrize(
    "header,want", [("2", 2.0), ("0.5", 0.5), (None, None), ("Wed, 21 Oct 2015 07:28:00 GMT", None)]
)
def test_429_retry_after(header, want):
    headers = {"retry-after": header} if header is not None else {}
    with pytest.raises(RateLimitError) as ei:
        _spot_core().parse_response(spot["depth"], 429, headers, b"")
    assert ei.value.retry_after == want and ei.value.http_status == 429


def test_non_envelope_200_is_a_server_error():
    with pytest.raises(ServerError, match="not a WEX envelope"):
        _spot_core().parse_response(spot["depth"], 200, {}, b"not json")
