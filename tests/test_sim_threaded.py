"""Synchronous use: `with Simulator() as sim` runs it on a background thread."""

from __future__ import annotations

import threading

import httpx
from websockets.sync.client import connect

from sim_support import spot_headers
from wexcore.sim import Simulator


def test_blocking_clients_can_use_a_threaded_simulator():
    with Simulator(seed=6, step_interval=0.002, depth_interval=0.005,
                   rate_limits=False) as sim:
        with httpx.Client(base_url=sim.rest_url) as http:
            assert http.get("/v4/public/time").json()["rc"] == 0
            r = http.get("/v4/balances", headers=spot_headers("GET", "/v4/balances"))
            assert r.json()["mc"] == "SUCCESS"
        with connect(f"{sim.ws_url}/public") as ws:
            ws.send('{"method":"subscribe","params":["depth_update@btc_usdt"],"id":"1"}')
            frames = []
            while len(frames) < 20:
                msg = ws.recv(timeout=3)
                if '"depth_update"' in msg:
                    frames.append(msg)
        sim.pause()
        sim.step(5)  # hops onto the simulator's loop thread
        snap = sim.book_snapshot("btc_usdt", depth=5)
        assert len(snap["bids"]) == 5 and snap["last_update_id"] == sim.last_update_id("btc_usdt")
        sim.set_faults("rest_5xx=1")
        with httpx.Client(base_url=sim.rest_url) as http:
            assert http.get("/v4/public/time").status_code >= 500
        assert sim.fault_counts == {"rest_5xx": 1}
    assert not any(t.name == "wexcore-sim" for t in threading.enumerate())
