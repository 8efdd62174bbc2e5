"""Authentication conformance: every AUTH rule of the spec, with hand-built signatures."""

from __future__ import annotations

import hashlib
import hmac

import httpx
import pytest

from sim_support import DIGEST, fut, now_ms, spot, spot_headers
from wexcore.sim import DEMO_API_KEY, DEMO_SECRET, Simulator


@pytest.fixture
async def sim():
    async with Simulator(seed=1, paused=True, rate_limits=False) as s:
        yield s


@pytest.fixture
async def client(sim):
    async with httpx.AsyncClient(base_url=sim.rest_url) as c:
        yield c


async def test_signed_request_is_accepted(client):
    status, body = await spot(client, "GET", "/v4/balances")
    assert status == 200
    assert body["rc"] == 0 and body["mc"] == "SUCCESS"


def test_spec_example_signature_is_what_the_sim_verifies():
    # The spec's "Complete Example" original string, verified by the sim's own payload builder.
    from wexcore.sim.auth import spot_payload
    headers = {"validate-algorithms": "HmacSHA256",
               "validate-appkey": "2063495b-85ec-41b3-a810-be84ceb78751",
               "validate-recvwindow": "60000", "validate-timestamp": "1666026215729"}
    body = (b'{"symbol":"BTC_USDT","side":"BUY","type":"LIMIT","timeInForce":"GTC",'
            b'"bizType":"SPOT","price":3,"quantity":2}')
    expected = (b"validate-algorithms=HmacSHA256&validate-appkey=2063495b-85ec-41b3-a810-"
                b"be84ceb78751&validate-recvwindow=60000&validate-timestamp=1666026215729"
                b"#POST#/v4/order#") + body
    assert spot_payload(headers, "POST", "/v4/order", "", body) == expected


@pytest.mark.parametrize("algo", sorted(DIGEST))
async def test_every_documented_algorithm_is_accepted(client, algo):
    status, body = await spot(client, "GET", "/v4/balance", {"currency": "usdt"}, algo=algo)
    assert (status, body["mc"]) == (200, "SUCCESS")


@pytest.mark.parametrize("missing,code", [
    ("validate-appkey", "AUTH_001"), ("validate-timestamp", "AUTH_002"),
    ("validate-recvwindow", "AUTH_003"), ("validate-algorithms", "AUTH_005"),
    ("validate-signature", "AUTH_007")])
async def test_missing_header_gives_its_code(client, missing, code):
    headers = spot_headers("GET", "/v4/balances")
    del headers[missing]
    r = await client.get("/v4/balances", headers=headers)
    assert r.status_code == 200
    assert r.json()["rc"] == 1 and r.json()["mc"] == code


@pytest.mark.parametrize("recv", ["abc", "-5", "0", "60001"])
async def test_bad_recvwindow_is_auth_004(client, recv):
    status, body = await spot(client, "GET", "/v4/balances", recv=recv)
    assert body["mc"] == "AUTH_004"


async def test_recvwindow_at_maximum_is_accepted(client):
    status, body = await spot(client, "GET", "/v4/balances", recv="60000")
    assert body["mc"] == "SUCCESS"


async def test_unknown_algorithm_is_auth_006(client):
    headers = spot_headers("GET", "/v4/balances")
    headers["validate-algorithms"] = "HmacSHA3"
    r = await client.get("/v4/balances", headers=headers)
    assert r.json()["mc"] == "AUTH_006"


async def test_unknown_key_is_auth_101(client):
    status, body = await spot(client, "GET", "/v4/balances", key="nope")
    assert body["mc"] == "AUTH_101"


async def test_wrong_secret_is_auth_103(client):
    status, body = await spot(client, "GET", "/v4/balances", secret="wrong")
    assert body["mc"] == "AUTH_103"


async def test_tampered_query_is_auth_103(client):
    headers = spot_headers("GET", "/v4/balance", "currency=usdt")
    r = await client.get("/v4/balance?currency=btc", headers=headers)
    assert r.json()["mc"] == "AUTH_103"


async def test_unsorted_query_signed_as_sent_is_accepted(client):
    # The signature covers the raw query exactly as sent.
    q = "currencies=usdt,btc"
    headers = spot_headers("GET", "/v4/balances", q)
    r = await client.get(f"/v4/balances?{q}", headers=headers)
    assert r.json()["mc"] == "SUCCESS"


async def test_tampered_body_is_auth_103(client):
    raw = ('{"symbol":"btc_usdt","side":"BUY","type":"LIMIT","timeInForce":"GTC",'
           '"price":"1","quantity":"1"}')
    headers = spot_headers("POST", "/v4/order", "", raw)
    r = await client.post("/v4/order", content=raw.replace('"1"', '"2"', 1).encode(),
                          headers=headers)
    assert r.json()["mc"] == "AUTH_103"


async def test_old_timestamp_is_auth_105(client):
    status, body = await spot(client, "GET", "/v4/balances", ts=now_ms() - 6000)
    assert body["mc"] == "AUTH_105"


async def test_old_timestamp_within_a_larger_window_is_accepted(client):
    status, body = await spot(client, "GET", "/v4/balances", ts=now_ms() - 6000, recv="10000")
    assert body["mc"] == "SUCCESS"


async def test_timestamp_more_than_one_second_ahead_is_auth_105(client):
    status, body = await spot(client, "GET", "/v4/balances", ts=now_ms() + 3000)
    assert body["mc"] == "AUTH_105"


async def test_timestamp_slightly_ahead_is_accepted(client):
    status, body = await spot(client, "GET", "/v4/balances", ts=now_ms() + 300)
    assert body["mc"] == "SUCCESS"


async def test_public_endpoints_need_no_signature(client):
    r = await client.get("/v4/public/time")
    assert r.json()["rc"] == 0 and isinstance(r.json()["result"]["serverTime"], int)


# ------------------------------------------------------------------ futures
async def test_futures_signed_request_is_accepted(client):
    status, body = await fut(client, "GET", "/future/user/v1/compat/balance/list")
    assert status == 200 and body["returnCode"] == 0 and body["error"] is None


async def test_futures_signature_excludes_the_method(client):
    ts = now_ms()
    path = "/future/user/v1/balance/detail"
    payload = f"validate-appkey={DEMO_API_KEY}&validate-timestamp={ts}#{path}#coin=usdt"
    sig = hmac.new(DEMO_SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
    r = await client.get(f"{path}?coin=usdt", headers={
        "validate-appkey": DEMO_API_KEY, "validate-timestamp": str(ts),
        "validate-signature": sig})
    assert r.status_code == 200 and r.json()["returnCode"] == 0


@pytest.mark.parametrize("missing", ["validate-appkey", "validate-timestamp"])
async def test_futures_missing_key_or_timestamp_header_is_http_400_bad_request(client, missing):
    # futures-en.txt "Error Code": 400 BAD_REQUEST "missing validate-appkey /
    # validate-timestamp headers"; the futures product does not use spot's AUTH_* codes
    from sim_support import futures_headers
    headers = futures_headers("/future/user/v1/compat/balance/list")
    del headers[missing]
    r = await client.get("/future/user/v1/compat/balance/list", headers=headers)
    assert r.status_code == 400
    body = r.json()
    assert body["returnCode"] == 1 and body["result"] is None
    assert body["error"]["code"] == "BAD_REQUEST" and missing in body["error"]["msg"]


@pytest.mark.parametrize("kw,reason", [
    ({"secret": "wrong"}, "signature verification failed"),
    ({"key": "not-a-key"}, "AppKey unauthorized"),
    ({"ts": -5001}, "time window expired"),
    ({"ts": 3000}, "time window expired"),
])
async def test_futures_auth_failures_are_http_403_forbidden(client, kw, reason):
    # "403 FORBIDDEN: ... time window expired, ... signature verification
    # failed, or AppKey unauthorized"
    if "ts" in kw:
        kw = {"ts": now_ms() + kw["ts"]}
    status, body = await fut(client, "GET", "/future/user/v1/compat/balance/list", **kw)
    assert status == 403 and body["returnCode"] == 1
    assert body["error"] == {"code": "FORBIDDEN", "msg": reason}


async def test_futures_missing_signature_is_http_403(client):
    from sim_support import futures_headers
    headers = futures_headers("/future/user/v1/compat/balance/list")
    del headers["validate-signature"]
    r = await client.get("/future/user/v1/compat/balance/list", headers=headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"


async def test_futures_recvwindow_above_60s_is_rejected(client):
    from sim_support import futures_headers
    headers = futures_headers("/future/user/v1/compat/balance/list")
    headers["validate-recvwindow"] = "60001"
    r = await client.get("/future/user/v1/compat/balance/list", headers=headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"
    assert "recvwindow" in r.json()["error"]["msg"]


async def test_futures_longer_recvwindow_accepts_an_older_timestamp(client):
    from sim_support import futures_headers
    headers = futures_headers("/future/user/v1/compat/balance/list", ts=now_ms() - 8000)
    headers["validate-recvwindow"] = "10000"
    r = await client.get("/future/user/v1/compat/balance/list", headers=headers)
    assert r.status_code == 200 and r.json()["returnCode"] == 0


# ------------------------------------------------------------------ window edges
class FixedClock:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


@pytest.mark.parametrize("offset,recv,ok", [
    (-4999, "5000", True),    # 4999 ms old, window 5000: inside
    (-5000, "5000", False),   # exactly the window: now - ts < recvwindow fails
    (1000, "5000", True),     # 1 s ahead is allowed
    (1001, "5000", False),    # more than 1 s ahead is not
    (-59999, "60000", True),
])
async def test_receive_window_edges_with_a_fixed_clock(offset, recv, ok):
    clock = FixedClock(1_700_000_000_000)
    async with Simulator(seed=1, paused=True, rate_limits=False, clock=clock) as sim:
        async with httpx.AsyncClient(base_url=sim.rest_url) as client:
            _, body = await spot(client, "GET", "/v4/balances", ts=clock.ms + offset,
                                 recv=recv)
    assert body["mc"] == ("SUCCESS" if ok else "AUTH_105")
