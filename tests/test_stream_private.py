"""Private streams end to end against the simulator: tokens and listen keys,
renewal before expiry and after rejection, and no order event lost or
duplicated across reconnects (reconciled by order id)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest

import wexcore
from stream_support import TRANSPORTS, wait_until
from wexcore import (
    ConnectionState,
    FuturesUserStream,
    ListenKeyError,
    SpotPrivateStream,
)

pytest.importorskip("aiohttp")
from sim_support import fut, spot  # noqa: E402
from wexcore.sim import DEMO_API_KEY, DEMO_SECRET, Simulator  # noqa: E402

KEYS = dict(api_key=DEMO_API_KEY, secret=DEMO_SECRET)
QUIET = dict(seed=11, paused=True, rate_limits=False, depth_interval=0.02)


@pytest.fixture(params=TRANSPORTS)
def transport(request):
    return request.param


async def place_resting(http, sim, n: int) -> list[int]:
    """Place ``n`` spot limit buys far below the market (they rest: NEW)."""
    bid = Decimal(sim.book_snapshot("btc_usdt", depth=1)["bids"][0][0])
    ids = []
    for i in range(n):
        status, res = await spot(http, "POST", "/v4/order", body={
            "symbol": "btc_usdt", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
            "bizType": "SPOT", "price": str((bid / 2).quantize(bid) - i), "quantity": "0.01"})
        assert status == 200 and res["rc"] == 0, res
        ids.append(int(res["result"]["orderId"]))
    return ids


async def take_liquidity(http, sim) -> int:
    """A marketable IOC buy at the best ask: trades at once."""
    ask = sim.book_snapshot("btc_usdt", depth=1)["asks"][0][0]
    status, res = await spot(http, "POST", "/v4/order", body={
        "symbol": "btc_usdt", "side": "BUY", "type": "LIMIT", "timeInForce": "IOC",
        "bizType": "SPOT", "price": ask, "quantity": "0.01"})
    assert status == 200 and res["rc"] == 0, res
    return int(res["result"]["orderId"])


async def cancel(http, order_id: int) -> None:
    status, res = await spot(http, "DELETE", f"/v4/order/{order_id}")
    assert status == 200 and res["rc"] == 0, res


class Collector:
    def __init__(self) -> None:
        self.events: list = []

    def __call__(self, ev) -> None:
        self.events.append(ev)

    def trades(self) -> list:
        return [e for e in self.events if isinstance(e, wexcore.UserTrade)]

    def states(self, order_id: int) -> list[str]:
        return [str(e.state) for e in self.events
                if isinstance(e, wexcore.OrderUpdate) and e.order_id == order_id]


def resubscribed(states: list, n: int):
    return lambda: sum(1 for s in states if s.state is ConnectionState.RESUBSCRIBED) >= n


async def test_spot_private_order_events_once_each_across_reconnects(transport):
    async with Simulator(**QUIET) as sim, httpx.AsyncClient(base_url=sim.rest_url) as http:
        got, states = Collector(), []
        async with SpotPrivateStream(url=sim.ws_url, rest_url=sim.rest_url, transport=transport,
                                     on_state=states.append, token_min_interval=0.01,
                                     **KEYS) as stream:
            await stream.subscribe("order", "trade", "balance", callback=got, queue_size=0)
            ids, takers = [], []
            for round_ in range(3):
                new = await place_resting(http, sim, 2)
                for oid in new:
                    await cancel(http, oid)
                ids += new
                takers.append(await take_liquidity(http, sim))
                await wait_until(lambda ids=ids: all(got.states(o) == ["NEW", "CANCELED"]
                                                     for o in ids)
                                 and {t.order_id for t in got.trades()} == set(takers),
                                 5.0, "order and trade events")
                await sim.disconnect("spot")
                await wait_until(resubscribed(states, round_ + 2), 5.0, "resubscribed")
            for oid in ids:
                assert got.states(oid) == ["NEW", "CANCELED"]  # once each, in order
            # reconciled by id against the exchange's own trade history
            _, res = await spot(http, "GET", "/v4/trade", {"symbol": "btc_usdt", "limit": 100})
            rest_ids = sorted(int(t["tradeId"]) for t in res["result"]["items"])
            stream_ids = sorted(t.trade_id for t in got.trades())
            assert stream_ids == rest_ids and len(rest_ids) >= 3
            assert stream.counters.reconnects == 3


async def test_spot_token_renewed_before_it_expires(transport):
    # the server's tokens live 0.6 s; the client renews at 80 % of its own
    # idea of the validity (0.5 s): the connection never sees an expiry
    # Tokens every 0.4 s are far above ws-token's documented 1 / 10 s: the
    # REST client's own limiter is off for this one.
    async with Simulator(faults="token_ttl=0.6", **QUIET) as sim, \
            httpx.AsyncClient(base_url=sim.rest_url) as http, \
            wexcore.AsyncSpotClient(**KEYS, base_url=sim.rest_url, rate_limit=False) as rest:
        got = Collector()
        async with SpotPrivateStream(url=sim.ws_url, rest_client=rest, transport=transport,
                                     token_ttl=0.5) as stream:
            await stream.subscribe("order", callback=got, queue_size=0)
            await wait_until(lambda: stream.counters.token_renewals >= 4, 5.0, "renewals")
            (oid,) = await place_resting(http, sim, 1)
            await wait_until(lambda: got.states(oid) == ["NEW"], 5.0)
            assert stream.counters.disconnects == 0
            assert sim.fault_counts.get("token_expired", 0) == 0


async def test_spot_token_expired_early_is_renewed_and_resubscribed(transport):
    # An immediate second ws-token is above the documented 1 / 10 s: the REST
    # client's limiter (which would make the renewal wait) is off here.
    async with Simulator(**QUIET) as sim, httpx.AsyncClient(base_url=sim.rest_url) as http, \
            wexcore.AsyncSpotClient(**KEYS, base_url=sim.rest_url, rate_limit=False) as rest:
        got, states = Collector(), []
        async with SpotPrivateStream(url=sim.ws_url, rest_client=rest, transport=transport,
                                     on_state=states.append, token_min_interval=0.01) as stream:
            await stream.subscribe("order", callback=got, queue_size=0)
            first = stream.token.token
            sim.expire_tokens()
            await wait_until(lambda: stream.token.token != first and stream.connected, 5.0,
                             "a new token")
            await wait_until(resubscribed(states, 2), 5.0)
            (oid,) = await place_resting(http, sim, 1)
            await wait_until(lambda: got.states(oid) == ["NEW"], 5.0)
            assert stream.counters.token_renewals >= 2


async def test_invalid_listen_key_raises(transport):
    async def bogus() -> str:
        return "not-a-token"

    async with Simulator(**QUIET) as sim:
        async with SpotPrivateStream(url=sim.ws_url, token_provider=bogus, transport=transport,
                                     token_min_interval=60) as stream:
            with pytest.raises(ListenKeyError, match="listenKey invalid"):
                await stream.subscribe("order")


def test_private_stream_needs_credentials():
    with pytest.raises(ValueError, match="api_key"):
        SpotPrivateStream()


@pytest.mark.parametrize("listen_key_in", ["topic", "field"])
async def test_futures_user_stream_typed_events(transport, listen_key_in):
    # The futures spec shows no request shape (docs/streams.md): the key in
    # each topic is the default, the spot-like field the alternative; the
    # simulator accepts both.
    async with Simulator(**QUIET) as sim, httpx.AsyncClient(base_url=sim.rest_url) as http:
        got = Collector()
        async with FuturesUserStream(url=sim.ws_url, rest_url=sim.rest_url, transport=transport,
                                     listen_key_in=listen_key_in, **KEYS) as stream:
            await stream.subscribe("order", "trade", "balance", "position", "notify",
                                   callback=got, queue_size=0)
            ask = sim.book_snapshot("btc_usdt", "futures", depth=1)["asks"][0]
            qty = min(int(Decimal(ask[1])), 5)
            _, res = await fut(http, "POST", "/future/trade/v1/order/create", body={
                "symbol": "btc_usdt", "orderSide": "BUY", "orderType": "LIMIT",
                "origQty": str(qty), "price": ask[0], "timeInForce": "IOC",
                "positionSide": "LONG"})
            assert res["returnCode"] == 0, res
            oid = int(res["result"])
            kinds = (wexcore.OrderUpdate, wexcore.PositionUpdate, wexcore.BalanceUpdate)
            await wait_until(lambda: all(any(isinstance(e, k) for e in got.events)
                                         for k in kinds), 5.0, "order, position, balance")
            orders = [e for e in got.events if isinstance(e, wexcore.OrderUpdate)]
            assert {e.order_id for e in orders} == {oid}
            pos = [e for e in got.events if isinstance(e, wexcore.PositionUpdate)][-1]
            assert pos.symbol == "btc_usdt"


async def test_futures_listen_key_rejected_then_renewed(transport):
    async with Simulator(**QUIET) as sim:
        states = []
        async with FuturesUserStream(url=sim.ws_url, rest_url=sim.rest_url, transport=transport,
                                     on_state=states.append,
                                     token_min_interval=0.01, **KEYS) as stream:
            await stream.subscribe("order")
            first = stream.token.token
            sim.expire_tokens()
            await wait_until(lambda: stream.token.token not in (None, first), 5.0)
            await wait_until(resubscribed(states, 2), 5.0)
            (conn,) = [c for c in sim.conns if c.private]
            assert conn.subs == {"order"} and conn.token == stream.token.token


async def test_futures_user_default_request_puts_key_in_topic():
    # what the client sends by default (no server needed: the sans-I/O core)
    from wexcore.stream.core import StreamCore

    core = StreamCore("futures", "user")
    core.listen_key = "K"
    import orjson

    assert orjson.loads(core.request("subscribe", ["order"])[1])["params"] == ["order@K"]


async def test_renewal_waits_out_the_token_rate_limit():
    from wexcore.stream._rest import fetch_token

    calls = []
    async with Simulator(**QUIET) as sim, \
            wexcore.AsyncSpotClient(**KEYS, base_url=sim.rest_url, rate_limit=False) as rest:

        async def provider() -> str:
            calls.append(asyncio.get_running_loop().time())
            if len(calls) == 1:
                return await fetch_token(rest)
            return "revoked"  # every later key is refused

        async with SpotPrivateStream(url=sim.ws_url, token_provider=provider,
                                     token_min_interval=0.2) as stream:
            await stream.subscribe("order")
            sim.expire_tokens()
            await wait_until(lambda: len(calls) >= 4, 5.0, "renewal attempts")
            gaps = [b - a for a, b in zip(calls[1:], calls[2:], strict=False)]
            assert min(gaps) >= 0.19  # never faster than the endpoint's limit
            assert stream.subscriptions == ["order"]  # kept for when a key works again


async def test_failed_renewal_keeps_the_working_connection(transport):
    from wexcore import WexAPIError
    from wexcore.stream._rest import fetch_token

    calls = []
    async with Simulator(**QUIET) as sim, httpx.AsyncClient(base_url=sim.rest_url) as http, \
            wexcore.AsyncSpotClient(**KEYS, base_url=sim.rest_url, rate_limit=False) as rest:

        async def provider() -> str:
            calls.append(1)
            if len(calls) == 1:
                return await fetch_token(rest)
            raise WexAPIError("rate limited", http_status=429)

        got = Collector()
        async with SpotPrivateStream(url=sim.ws_url, token_provider=provider, token_ttl=0.25,
                                     token_min_interval=0.05, transport=transport) as stream:
            await stream.subscribe("order", callback=got, queue_size=0)
            await wait_until(lambda: len(calls) >= 3, 5.0, "renewal attempts")
            (oid,) = await place_resting(http, sim, 1)
            await wait_until(lambda: got.states(oid) == ["NEW"], 5.0)
            assert stream.counters.disconnects == 0
