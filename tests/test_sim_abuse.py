"""Safe as a server: rate limits charged to a key only after its signature checks
out, numbers bounded before arithmetic, oversized requests refused, and no
input -- on any route -- answered with a 500 or a traceback. Plus the
server clock offset used to test clients under skew."""

from __future__ import annotations

import asyncio
import time

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect

from sim_support import fut, futures_headers, now_ms, spot, spot_headers, subscribe
from wexcore.sim import DEMO_API_KEY, DEMO_SECRET, ENDPOINT_METHODS, Simulator
from wexcore.sim.codes import FUTURES_CODES, SPOT_MESSAGES


@pytest.fixture
async def sim():
    async with Simulator(seed=2, paused=True, rate_limits=False) as s:
        yield s


@pytest.fixture
async def http(sim):
    async with httpx.AsyncClient(base_url=sim.rest_url) as c:
        yield c


async def test_forged_requests_naming_a_key_do_not_use_up_its_limit():
    async with Simulator(seed=2, paused=True) as sim, \
            httpx.AsyncClient(base_url=sim.rest_url) as http:
        # 40 requests with the victim's key and a wrong signature
        forged = await asyncio.gather(*[
            spot(http, "GET", "/v4/balances", secret="not-the-secret") for _ in range(40)])
        assert {body["mc"] for _, body in forged} == {"AUTH_103"}
        # the victim's own signed calls still have their whole budget (10/s/apikey)
        mine = await asyncio.gather(*[spot(http, "GET", "/v4/balances") for _ in range(10)])
        assert [body["mc"] for _, body in mine] == ["SUCCESS"] * 10


async def test_unsigned_traffic_is_limited_per_ip():
    async with Simulator(seed=2, paused=True) as sim, \
            httpx.AsyncClient(base_url=sim.rest_url) as http:
        results = await asyncio.gather(*[
            spot(http, "GET", "/v4/balances", secret="wrong") for _ in range(60)])
        statuses = [status for status, _ in results]
        assert statuses.count(429) == 10 and statuses.count(200) == 50


@pytest.mark.parametrize("value", ["1e999990", "1e999999999", "-1e999999999", "9" * 5000,
                                   "1e-999999999", "NaN", "Infinity", "0x10", ""])
async def test_huge_or_odd_numbers_are_refused_at_once(http, value):
    t0 = time.perf_counter()
    status, body = await spot(http, "POST", "/v4/order", body={
        "symbol": "btc_usdt", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
        "bizType": "SPOT", "price": "100", "quantity": value})
    assert status == 200 and body["rc"] == 1
    assert body["mc"] in ("ORDER_001", "ORDER_008", "ORDER_F0201")
    status, body = await fut(http, "POST", "/future/trade/v1/order/create", body={
        "symbol": "btc_usdt", "orderSide": "BUY", "orderType": "LIMIT", "price": value,
        "origQty": value, "positionSide": "LONG"})
    assert status == 200 and body["error"]["code"] in (
        "invalid_params", "invalid_quantity_scale", "quantity_can_not_less_than")
    assert time.perf_counter() - t0 < 1.0


async def test_a_number_json_cannot_hold_is_a_bad_body(http):
    raw = b'{"symbol":"btc_usdt","side":"BUY","type":"LIMIT","price":1,"quantity":1e999999999}'
    headers = spot_headers("POST", "/v4/order", "", raw.decode())
    r = await http.post("/v4/order", content=raw, headers=headers)
    assert r.status_code == 200 and r.json()["mc"] == "FAILURE"


async def test_oversized_body_is_refused(http):
    raw = b'{"pad":"' + b"x" * (2 * 1024 * 1024) + b'"}'
    headers = spot_headers("POST", "/v4/order", "", "")
    r = await http.post("/v4/order", content=raw, headers=headers)
    assert r.status_code == 413 and r.json()["rc"] == 1
    headers = futures_headers("/future/trade/v1/order/create")
    r = await http.post("/future/trade/v1/order/create", content=raw, headers=headers)
    assert r.status_code == 413 and r.json()["returnCode"] == 1


async def test_oversized_headers_are_refused(http):
    r = await http.get("/v4/public/time", headers={"x-pad": "y" * 20_000})
    assert r.status_code in (400, 431) and b"Traceback" not in r.content
    r = await http.get("/v4/public/time", headers={f"x-{i}": "1" for i in range(200)})
    assert r.status_code in (400, 431)
    assert (await http.get("/v4/public/time")).status_code == 200  # still serving


HOSTILE = ["", "x", "-1", "0", "1e999999999", "9" * 30, "null", "[]", "{}", "\u00e9\u20ac",
           "1.00000000000000000000001", "true", "%00", "LONG,SHORT", "a" * 300]


def _hostile_params(i: int) -> dict:
    names = ["symbol", "orderId", "price", "quantity", "origQty", "limit", "page", "size",
             "id", "fromId", "direction", "startTime", "endTime", "side", "type", "state",
             "positionSide", "leverage", "margin", "amount", "coin", "currency", "chain",
             "entrustId", "profitId", "trackId", "orderIds", "level", "interval", "num",
             "stopPrice", "callbackVal", "triggerProfitPrice", "triggerStopPrice", "list",
             "items", "bizType", "from", "to", "toAccountId", "expireTime", "autoMargin"]
    params = {n: HOSTILE[(i + k) % len(HOSTILE)] for k, n in enumerate(names)}
    if i >= 2:  # past the symbol check, into each field's own parsing
        params.update(symbol="btc_usdt", currency="usdt", coin="usdt", chain="Ethereum")
    return params


async def _signed(http, method: str, path: str, query: dict | None, body: dict | None):
    """A correctly signed request whatever the values: the query is percent-encoded
    first and the signature covers exactly the bytes sent."""
    from urllib.parse import quote, urlencode

    qs = urlencode(sorted(query.items()), quote_via=quote) if query else ""
    raw = orjson.dumps(body).decode() if body is not None else ""
    if path.startswith("/v4/"):
        headers = spot_headers(method, path, qs, raw)
    else:
        headers = futures_headers(path, qs, raw)
    r = await http.request(method, path + (f"?{qs}" if qs else ""),
                           content=raw.encode() if raw else None, headers=headers)
    return r.status_code, r.json()


async def test_no_input_on_any_route_gives_a_500(sim, http):
    """Every route, signed, with every parameter set to a hostile value (in the
    query and in a JSON body), several rounds: never a 500, always an envelope,
    only documented codes."""
    bad = []
    spot_codes, futures_codes = set(), set()
    for (method, path), _name in sorted(ENDPOINT_METHODS.items()):
        concrete = path.replace("{orderId}", "123").replace("{symbol}", "nope_usdt") \
            .replace("{coin}", "%00")
        for i in range(8):
            params = _hostile_params(i)
            body = params if method in ("POST", "PUT", "DELETE") and i % 2 else None
            query = None if body is not None else params
            status, res = await _signed(http, method, concrete, query, body)
            if concrete.startswith("/v4/"):
                good = "rc" in res
                spot_codes.add(res.get("mc"))
            else:
                good = "returnCode" in res
                futures_codes.add((res.get("error") or {}).get("code"))
            if status >= 500 or not good:
                bad.append((method, path, i, status, res))
    assert not bad, bad[:5]
    # the requests got past authentication into the handlers' own checks
    assert not {"FORBIDDEN", "BAD_REQUEST"} & futures_codes
    assert not {c for c in spot_codes if c and c.startswith("AUTH_")}
    # only the codes each product documents
    assert spot_codes - {"SUCCESS"} <= set(SPOT_MESSAGES), spot_codes - set(SPOT_MESSAGES)
    assert futures_codes - {None} <= FUTURES_CODES, futures_codes - FUTURES_CODES
    assert len(futures_codes) > 10 and len(spot_codes) > 6


async def test_malformed_query_bytes_are_an_error_not_a_crash(http):
    r = await http.get("/v4/public/depth?symbol=%ff%fe&limit=%%%")
    assert r.status_code == 200 and r.json()["rc"] == 1
    r = await http.get("/future/market/v1/public/q/depth?symbol=%ff&level=5")
    assert r.status_code == 200 and r.json()["returnCode"] == 1


async def test_non_ascii_signature_headers_are_refused(http):
    headers = spot_headers("GET", "/v4/balances")
    headers["validate-signature"] = "\u00e9" * 64
    r = await http.get("/v4/balances", headers={k: v.encode() if k == "validate-signature"
                                                else v for k, v in headers.items()})
    assert r.status_code == 200 and r.json()["mc"] == "AUTH_103"


async def test_hostile_websocket_messages_are_answered_and_the_socket_lives(sim):
    async with connect(f"{sim.ws_url}/public") as ws:
        for text in ["{", "[]", '{"method":"subscribe","params":"x"}',
                     orjson.dumps({"method": "subscribe", "params": ["x"] * 1000}).decode(),
                     orjson.dumps({"method": "subscribe", "params": [{"a": 1}], "id": [1]})
                     .decode()]:
            await ws.send(text)
            reply = orjson.loads(await asyncio.wait_for(ws.recv(), 3))
            assert reply["code"] != 0
        await ws.send(b"\x00\x01binary")
        assert (await subscribe(ws, "trade@btc_usdt"))["code"] == 0


# ------------------------------------------------------------------ clock offset
async def test_clock_offset_shifts_the_server_clock_for_time_and_signatures():
    offset = 7_000
    async with Simulator(seed=2, paused=True, rate_limits=False,
                         clock_offset_ms=offset) as sim, \
            httpx.AsyncClient(base_url=sim.rest_url) as http:
        local = now_ms()
        server = (await http.get("/v4/public/time")).json()["result"]["serverTime"]
        assert offset - 500 < server - local < offset + 500
        # signed with the local clock: 7 s behind the server's, outside 5 s
        _, body = await spot(http, "GET", "/v4/balances")
        assert body["mc"] == "AUTH_105"
        status, body = await fut(http, "GET", "/future/user/v1/balance/list")
        assert status == 403 and body["error"]["code"] == "FORBIDDEN"
        # signed with the server's clock: accepted
        _, body = await spot(http, "GET", "/v4/balances", ts=now_ms() + offset)
        assert body["mc"] == "SUCCESS"
        status, body = await fut(http, "GET", "/future/user/v1/balance/list",
                                 ts=now_ms() + offset)
        assert status == 200 and body["returnCode"] == 0


def test_the_clients_work_against_a_skewed_server_clock():
    import wexcore

    with Simulator(seed=2, paused=True, rate_limits=False, clock_offset_ms=-30_000) as sim:
        with wexcore.SpotClient(DEMO_API_KEY, DEMO_SECRET, base_url=sim.rest_url,
                                rate_limit=False) as client:
            assert client.balances() is not None
            assert -31_000 < client.time_offset_ms < -29_000
        with wexcore.FuturesClient(DEMO_API_KEY, DEMO_SECRET, base_url=sim.rest_url,
                                   rate_limit=False,
                                   time_url=sim.rest_url + "/v4/public/time") as fclient:
            assert fclient.funds() is not None
            assert -31_000 < fclient.time_offset_ms < -29_000
        with wexcore.FuturesClient(DEMO_API_KEY, DEMO_SECRET, base_url=sim.rest_url,
                                   rate_limit=False, sync_clock=False) as stale:
            with pytest.raises(wexcore.AuthenticationError) as ei:
                stale.funds()
            assert (ei.value.http_status, ei.value.code) == (403, "FORBIDDEN")
