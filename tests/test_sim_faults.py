"""Fault injection: each injected fault is counted and visible to a client."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from sim_support import drain, recv_json, spot, subscribe, wait_for
from wexcore.sim import FaultSpec, Simulator

FAST = dict(step_interval=0.002, depth_interval=0.005, rate_limits=False)


def test_fault_spec_parses_the_documented_spelling():
    spec = FaultSpec.parse("drop=0.01,duplicate=0.01,reorder=0.01,disconnect_every=5,"
                           "rest_5xx=0.02,token_ttl=30")
    assert (spec.drop, spec.duplicate, spec.reorder) == (0.01, 0.01, 0.01)
    assert (spec.disconnect_every, spec.rest_5xx, spec.token_ttl) == (5, 0.02, 30)


@pytest.mark.parametrize("text,match", [("drop", "needs a value"), ("nope=1", "unknown fault"),
                                        ("drop=2", "out of range"), ("drop=x", "not a number")])
def test_fault_spec_rejects_bad_spellings(text, match):
    with pytest.raises(ValueError, match=match):
        FaultSpec.parse(text)


async def depth_ids(ws, n: int) -> list[tuple[int, int]]:
    out = []
    while len(out) < n:
        m = await wait_for(ws, lambda m: m.get("topic") == "depth_update")
        out.append((m["data"]["fi"], m["data"]["i"]))
    return out


async def test_duplicates_are_counted_exactly():
    async with Simulator(seed=4, faults="duplicate=0.1", **FAST) as sim:
        async with connect(f"{sim.ws_url}/public") as ws:
            await subscribe(ws, "depth_update@btc_usdt")
            ids = await depth_ids(ws, 200)
            ids += [(m["data"]["fi"], m["data"]["i"]) for m in await drain(sim, ws)
                    if m.get("topic") == "depth_update"]
        seen = sum(1 for a, b in zip(ids, ids[1:], strict=False) if a == b)
        assert seen == sim.fault_counts["duplicate"] >= 1


async def test_drops_show_up_as_gaps():
    async with Simulator(seed=4, faults="drop=0.1", **FAST) as sim:
        async with connect(f"{sim.ws_url}/public") as ws:
            await subscribe(ws, "depth_update@btc_usdt")
            ids = await depth_ids(ws, 200)
            ids += [(m["data"]["fi"], m["data"]["i"]) for m in await drain(sim, ws)
                    if m.get("topic") == "depth_update"]
        gaps = sum(1 for (_, i), (fi, _) in zip(ids, ids[1:], strict=False) if fi != i + 1)
        assert 1 <= gaps <= sim.fault_counts["drop"]
        # every id the sim published is either received or inside a dropped frame
        assert ids[-1][1] == sim.last_update_id("btc_usdt") or sim.fault_counts["drop"] > gaps
        assert all(fi > i for (_, i), (fi, _) in zip(ids, ids[1:], strict=False))  # never backwards


async def test_reorders_show_up_as_frames_going_backwards():
    async with Simulator(seed=4, faults="reorder=0.1", **FAST) as sim:
        async with connect(f"{sim.ws_url}/public") as ws:
            await subscribe(ws, "depth_update@btc_usdt")
            ids = await depth_ids(ws, 200)
            sim.pause()
        backwards = sum(1 for (_, i), (fi, _) in zip(ids, ids[1:], strict=False) if fi <= i)
        assert backwards >= 1
        assert sim.fault_counts["reorder"] - backwards in (0, 1)  # one may still be held


async def test_disconnect_on_command_closes_abruptly():
    async with Simulator(seed=4, paused=True) as sim:
        async with connect(f"{sim.ws_url}/public") as ws:
            await subscribe(ws, "depth_update@btc_usdt")
            assert await sim.disconnect() == 1
            with pytest.raises(ConnectionClosed) as info:
                await asyncio.wait_for(ws.recv(), 3)
            assert info.value.rcvd is None  # no close frame: abrupt
        assert sim.fault_counts["disconnect"] == 1


async def test_disconnect_every_closes_connections_periodically():
    async with Simulator(seed=4, paused=True, faults="disconnect_every=0.2") as sim:
        async with connect(f"{sim.ws_url}/public") as ws:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 3)
        assert sim.fault_counts["disconnect"] >= 1


async def test_rest_5xx_fails_requests_and_counts_them():
    async with Simulator(seed=4, paused=True, faults="rest_5xx=0.5") as sim:
        async with httpx.AsyncClient(base_url=sim.rest_url) as http:
            statuses = [(await http.get("/v4/public/time")).status_code for _ in range(40)]
    assert set(statuses) <= {200, 500, 502, 503}
    assert sum(s >= 500 for s in statuses) == sim.fault_counts["rest_5xx"] >= 1


async def test_rest_5xx_on_an_order_does_not_execute_it():
    async with Simulator(seed=4, paused=True, faults="rest_5xx=1", rate_limits=False) as sim:
        async with httpx.AsyncClient(base_url=sim.rest_url) as http:
            status, _ = await spot(http, "POST", "/v4/order", body={
                "symbol": "btc_usdt", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                "bizType": "SPOT", "price": "29000", "quantity": "0.01"})
        assert status >= 500
        assert not sim.engine.accounts[sim.api_key].orders


async def test_token_ttl_expires_the_listen_key_and_tells_the_client():
    async with Simulator(seed=4, paused=True, faults="token_ttl=1",
                         rate_limits=False) as sim:
        async with httpx.AsyncClient(base_url=sim.rest_url) as http:
            _, tok = await spot(http, "POST", "/v4/ws-token")
        async with connect(f"{sim.ws_url}/private") as ws:
            reply = await subscribe(ws, "order", listen_key=tok["result"]["accessToken"])
            assert reply["code"] == 0
            msg = await recv_json(ws, timeout=3)
            assert msg == {"code": 401, "msg": "token expire"}
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 3)
        assert sim.fault_counts["token_expired"] == 1


async def test_futures_listen_key_expiry_is_reported_per_topic():
    from sim_support import fut
    async with Simulator(seed=4, paused=True, rate_limits=False) as sim:
        async with httpx.AsyncClient(base_url=sim.rest_url) as http:
            _, lk = await fut(http, "GET", "/future/user/v1/user/listen-key")
        async with connect(f"{sim.ws_url}/ws/user") as ws:
            await subscribe(ws, "order", listen_key=lk["result"], method="SUBSCRIBE")
            sim.expire_tokens()
            msg = await recv_json(ws, timeout=3)
            assert msg == {"code": 1, "msg": "order@invalid_listenkey"}
        assert sim.fault_counts["token_expired"] == 1


async def test_rest_delay_is_counted():
    async with Simulator(seed=4, paused=True, faults="rest_delay=1,delay_seconds=0.05") as sim:
        async with httpx.AsyncClient(base_url=sim.rest_url) as http:
            for _ in range(3):
                assert (await http.get("/v4/public/time")).status_code == 200
    assert sim.fault_counts == {"rest_delay": 3}


async def test_faults_can_be_changed_while_running():
    async with Simulator(seed=4, paused=True) as sim:
        async with httpx.AsyncClient(base_url=sim.rest_url) as http:
            assert (await http.get("/v4/public/time")).status_code == 200
            sim.set_faults("rest_5xx=1")
            assert (await http.get("/v4/public/time")).status_code >= 500
            sim.set_faults(None)
            assert (await http.get("/v4/public/time")).status_code == 200
    assert sim.fault_counts == {"rest_5xx": 1}


async def test_quiesce_releases_frames_a_reorder_is_holding():
    # with reorder=1.0 every other frame is held back until the next one; a
    # paused market sends no next one, so quiesce must release it. One event
    # stepped by hand, then another: one of the two leaves a frame held.
    async with Simulator(seed=4, faults="reorder=1.0", **FAST) as sim:
        async with connect(f"{sim.ws_url}/public") as ws:
            await subscribe(ws, "depth_update@btc_usdt")
            await depth_ids(ws, 5)
            for _ in range(2):
                await drain(sim, ws)
                sim.step(1)
                got = [m["data"]["i"] for m in await drain(sim, ws)
                       if m.get("topic") == "depth_update"]
                assert got and max(got) == sim.published_update_id("btc_usdt", "spot")
        assert sim.fault_counts["reorder"] >= 3
