"""Request building for every endpoint of the table: method, URL, signed string, body bytes.

The expectations are computed here independently of wexcore: the query with
``urllib.parse.quote``, JSON with the standard ``json`` module, the signature
with ``hmac`` from the spec's text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal
from urllib.parse import quote

import pytest

from wexcore import AuthenticationError, Signer
from wexcore.rest.client import RequestCore
from wexcore.rest.endpoints import ENDPOINTS, futures, spot

KEY = "3976eb88-76d0-4f6e-a6b2-a57980770085"
SECRET = "bc6630d0231fda5cd98794f52c4998659beda290"
BIG_ID = 6216559590087220004  # > 2**53: must stay exact


def _sample(p):
    """(python value, expected query text, expected JSON value) for one parameter."""
    k = p.kind
    if k == "str":
        v = "btc_usdt" if "symbol" in p.name.lower() else f"v_{p.name}"
        return v, v, v
    if k == "int":
        if p.name.lower().endswith("id"):
            return BIG_ID, str(BIG_ID), BIG_ID
        n = p.range[0] + 1 if p.range else 7
        return n, str(n), n
    if k == "decimal":
        return Decimal("39000.50"), "39000.50", "39000.50"
    if k == "bool":
        return True, "true", True
    if k == "csv":
        return ["btc_usdt", BIG_ID], f"btc_usdt,{BIG_ID}", f"btc_usdt,{BIG_ID}"
    if k == "list":
        v = [{"symbol": "btc_usdt", "price": "1.5"}] if p.name == "items" else [BIG_ID, 2]
        return v, None, v
    if k == "jsonstr":
        v = [{"symbol": "btc_usdt", "origQty": "1"}]
        s = json.dumps(v, separators=(",", ":"))
        return v, s, s
    if k == "body":
        v = [{"symbol": "btc_usdt", "origQty": "1"}]
        return v, None, v
    raise AssertionError(k)


def _expected_signature(product, method, path, query, body, headers):
    if product == "spot":
        x = (
            f"validate-algorithms=HmacSHA256&validate-appkey={KEY}"
            f"&validate-recvwindow=5000&validate-timestamp={headers['validate-timestamp']}"
        )
        y = f"#{method}#{path}"
    else:
        x = f"validate-appkey={KEY}&validate-timestamp={headers['validate-timestamp']}"
        y = f"#{path}"
    raw = (x + y + (f"#{query}" if query else "")).encode() + (b"#" + body if body else b"")
    return hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()


def _core(product):
    base = "https://sapi.wexex.io" if product == "spot" else "https://fapi.wexex.io"
    return RequestCore(product, base, Signer(KEY, SECRET), None)


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda e: e.key)
def test_build_every_endpoint(ep):
    values, query_parts, json_obj, body_array = [], {}, {}, None
    path = ep.path
    for p in ep.params:
        v, q, j = _sample(p)
        values.append(v)
        if p.where == "path":
            path = path.replace("{" + p.name + "}", q)
        elif p.kind == "body":
            body_array = j
        elif ep.encoding == "json":
            json_obj[p.name] = j
        else:
            query_parts[p.name] = q
    method, url, headers, body = _core(ep.product).build_request(ep, tuple(values))

    qs = "&".join(
        f"{quote(k, safe='')}={quote(v, safe='-_.~,:')}" for k, v in sorted(query_parts.items())
    )
    if body_array is not None:
        want_body = json.dumps(body_array, separators=(",", ":")).encode()
    elif json_obj:
        want_body = json.dumps(json_obj, separators=(",", ":")).encode()
    else:
        want_body = None
    base = "https://sapi.wexex.io" if ep.product == "spot" else "https://fapi.wexex.io"
    assert method == ep.method
    assert url == base + path + (f"?{qs}" if qs else "")
    assert body == want_body
    ct = (
        "application/json"
        if (ep.product == "spot" or ep.encoding == "json")
        else "application/x-www-form-urlencoded"
    )
    assert headers["Content-Type"] == ct
    if ep.auth:
        assert headers["validate-appkey"] == KEY
        assert headers["validate-signature"] == _expected_signature(
            ep.product, method, path, qs, body, headers
        )
    else:
        assert not any(h.startswith("validate-") for h in headers)


def test_query_is_percent_encoded_and_signed_as_sent():
    core = _core("spot")
    _, url, headers, _ = core.build_request(spot["query_order"], (None, "a b&c=d/é"))
    assert url.endswith("?clientOrderId=a%20b%26c%3Dd%2F%C3%A9")
    assert headers["validate-signature"] == _expected_signature(
        "spot", "GET", "/v4/order", "clientOrderId=a%20b%26c%3Dd%2F%C3%A9", None, headers
    )


def test_spot_order_body_matches_the_spec_sample_shape():
    core = _core("spot")
    ep = spot["place_order"]
    args = dict(
        symbol="btc_usdt",
        clientOrderId=None,
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        bizType="SPOT",
        price="39000",
        quantity="2",
    )
    values = tuple(args.get(p.name) for p in ep.params)
    _, url, _, body = core.build_request(ep, values)
    assert url == "https://sapi.wexex.io/v4/order"
    assert body == (
        b'{"symbol":"btc_usdt","side":"BUY","type":"LIMIT","timeInForce":"GTC",'
        b'"bizType":"SPOT","price":"39000","quantity":"2"}'
    )


def test_decimals_keep_their_text_and_floats_use_repr():
    core = _core("spot")
    ep = spot["amend_order"]
    _, _, _, body = core.build_request(ep, (BIG_ID, 0.1 + 0.2, Decimal("1E-8")))
    assert body == b'{"price":"0.30000000000000004","quantity":"0.00000001"}'


def test_missing_required_parameter_names_the_argument():
    with pytest.raises(ValueError, match="depth: symbol is required"):
        _core("spot").build_request(spot["depth"], (None, 100))


def test_range_is_checked_locally():
    with pytest.raises(ValueError, match=r"limit: 501 is outside the documented range 1..500"):
        _core("spot").build_request(spot["depth"], ("btc_usdt", 501))
    # futures depth: the table says 1..50, the order-book procedure asks 500 (both let through)
    _core("futures").build_request(futures["depth"], ("btc_usdt", 500))
    with pytest.raises(ValueError, match="level"):
        _core("futures").build_request(futures["depth"], ("btc_usdt", 501))


@pytest.mark.parametrize("bad,exc", [(1.5, TypeError), (True, TypeError), ("12a", TypeError)])
def test_ids_must_be_integers(bad, exc):
    with pytest.raises(exc, match="order_id"):
        _core("spot").build_request(spot["get_order"], (bad,))


def test_bad_decimal_names_the_field():
    with pytest.raises(ValueError, match="price"):
        _core("spot").build_request(spot["amend_order"], (1, "abc", "1"))
    with pytest.raises(ValueError, match="quantity"):
        _core("spot").build_request(spot["amend_order"], (1, "1", float("nan")))


def test_signed_endpoint_without_keys():
    core = RequestCore("spot", "https://sapi.wexex.io", None, None)
    with pytest.raises(AuthenticationError, match="api_key and secret"):
        core.build_request(spot["balances"], (None,))
    # Public ones work without keys.
    assert core.build_request(spot["server_time"], ())[1] == "https://sapi.wexex.io/v4/public/time"


def test_endpoint_of_other_product_is_refused():
    with pytest.raises(ValueError, match="not a spot endpoint"):
        _core("spot").build_request(futures["depth"], ("btc_usdt", 5))


def test_futures_write_is_form_in_query_string():
    core = _core("futures")
    ep = futures["cancel_order"]
    method, url, headers, body = core.build_request(ep, (BIG_ID,))
    assert (method, body) == ("POST", None)
    assert url == f"https://fapi.wexex.io/future/trade/v1/order/cancel?orderId={BIG_ID}"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
