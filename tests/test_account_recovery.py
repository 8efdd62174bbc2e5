"""Each way an Account finds what the stream did not deliver, one at a time:
a reconnect, a listen-key renewal on a live connection, the periodic light
reconciliation, a per-order check, a push that cannot be read, a REST 5xx
storm; and orders placed through the account whose outcome is unknown."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest

import wexcore
from stream_support import FakeExchange, wait_until
from wexcore import ReconnectPolicy

pytest.importorskip("aiohttp")
from sim_support import fut, spot  # noqa: E402
from wexcore.sim import DEMO_API_KEY, DEMO_SECRET, Simulator  # noqa: E402

QUIET = dict(seed=11, symbols=["btc_usdt"], paused=True, rate_limits=False)


def account(sim: Simulator, product: str = "spot", *, ws_url: str | None = None,
            **kw: Any) -> Any:
    opts: dict[str, Any] = dict(reconcile_interval=60.0, settle=0.02, gap_timeout=0.2,
                                rest_options=dict(rate_limit=False),
                                stream_options=dict(
                                    token_min_interval=0.01,
                                    reconnect=ReconnectPolicy(initial=0.02, maximum=0.1)))
    for k in ("rest_options", "stream_options"):
        opts[k] = {**opts[k], **kw.pop(k, {})}
    opts.update(kw)
    return wexcore.Account(DEMO_API_KEY, DEMO_SECRET, product=product,  # type: ignore[call-overload]
                           rest_url=sim.rest_url, ws_url=ws_url or sim.ws_url, **opts)


async def next_event(events: Any, kind: type, timeout: float = 5.0) -> Any:
    """The next event of a kind (others skipped), within a bounded time."""
    async def find() -> Any:
        async for ev in events:
            if isinstance(ev, kind):
                return ev
        raise AssertionError("events ended")
    return await asyncio.wait_for(find(), timeout)


async def resting_spot(http: httpx.AsyncClient, sim: Simulator, **extra: Any) -> int:
    """A spot limit buy far below the market, placed behind the account's back."""
    bid = Decimal(sim.book_snapshot("btc_usdt", depth=1)["bids"][0][0])
    status, res = await spot(http, "POST", "/v4/order", body={
        "symbol": "btc_usdt", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
        "bizType": "SPOT", "price": str((bid / 2).quantize(bid)), "quantity": "0.01", **extra})
    assert status == 200 and res["rc"] == 0, res
    return int(res["result"]["orderId"])


async def unseen(sim: Simulator, place: Any) -> Any:
    """Run ``place`` with every private push dropped: only REST can tell."""
    sim.set_faults("private_drop=1")
    try:
        return await place()
    finally:
        sim.set_faults(None)


# ---------------------------------------------------------------- the seams
async def test_reconnect_reconciles_what_was_pushed_while_down():
    async with Simulator(**QUIET) as sim, httpx.AsyncClient(base_url=sim.rest_url) as http, \
            account(sim) as acct:
        events = acct.events()
        await acct.wait_synced(5)
        oid = await unseen(sim, lambda: resting_spot(http, sim))
        assert oid not in acct.open_orders
        await sim.disconnect("spot")
        ev = await next_event(events, wexcore.OrderEvent)
        assert (ev.order.order_id, str(ev.order.state), ev.recovered) == (oid, "NEW", True)
        await acct.wait_synced(5)
        assert acct.stream.counters.reconnects == 1 and oid in acct.open_orders


async def test_listen_key_renewal_on_a_live_connection_reconciles():
    # the client renews its key at 80 % of token_ttl, on the same connection
    async with Simulator(**QUIET) as sim, httpx.AsyncClient(base_url=sim.rest_url) as http, \
            account(sim, "futures", stream_options=dict(token_ttl=0.5)) as acct:
        events = acct.events()
        await acct.wait_synced(5)
        ask = sim.book_snapshot("btc_usdt", "futures", depth=1)["asks"][0][0]

        async def place() -> int:
            _, res = await fut(http, "POST", "/future/trade/v1/order/create", body={
                "symbol": "btc_usdt", "orderSide": "BUY", "orderType": "LIMIT", "origQty": "1",
                "price": ask, "timeInForce": "IOC", "positionSide": "LONG"})
            assert res["returnCode"] == 0, res
            return int(res["result"])

        oid = await unseen(sim, place)
        renewals = acct.stream.counters.token_renewals
        fill = await next_event(events, wexcore.FillEvent)
        order = await next_event(events, wexcore.OrderEvent)
        assert (fill.fill.order_id, fill.recovered, fill.fill.exec_id is not None) == (
            oid, True, True)
        assert (order.order.order_id, str(order.order.state)) == (oid, "FILLED")
        pos = await next_event(events, wexcore.PositionEvent)
        assert pos.recovered and pos.position.position_size == 1
        assert acct.stream.counters.token_renewals > renewals
        assert acct.stream.counters.disconnects == 0  # not a reconnect


async def test_periodic_light_reconciliation_catches_silent_loss():
    async with Simulator(**QUIET) as sim, httpx.AsyncClient(base_url=sim.rest_url) as http, \
            account(sim, reconcile_interval=0.2) as acct:
        events = acct.events()
        await acct.wait_synced(5)
        oid = await unseen(sim, lambda: resting_spot(http, sim))
        ev = await next_event(events, wexcore.OrderEvent)
        assert (ev.order.order_id, ev.recovered) == (oid, True)
        assert acct.stream.counters.disconnects == 0
        bal = await next_event(events, wexcore.BalanceEvent)  # the frozen usdt
        assert bal.recovered and bal.balance.currency == "usdt" and bal.balance.frozen_amount > 0


async def test_an_order_update_without_its_fill_fetches_the_fill():
    # The fake stream delivers the FILLED update but not the fill: after
    # gap_timeout the account reads the order's fills, then releases the
    # update, fill first.
    async with Simulator(**QUIET) as sim, httpx.AsyncClient(base_url=sim.rest_url) as http, \
            FakeExchange() as fake, account(sim, ws_url=fake.url) as acct:
        events = acct.events()
        await acct.wait_synced(5)
        ask = sim.book_snapshot("btc_usdt", depth=1)["asks"][0][0]
        _, res = await spot(http, "POST", "/v4/order", body={
            "symbol": "btc_usdt", "side": "BUY", "type": "LIMIT", "timeInForce": "IOC",
            "bizType": "SPOT", "price": ask, "quantity": "0.01"})
        oid = int(res["result"]["orderId"])
        _, res = await spot(http, "GET", f"/v4/order/{oid}")
        o = res["result"]
        assert o["state"] == "FILLED"
        await fake.push(orjson.dumps({"topic": "order", "event": "order", "data": {
            "s": "btc_usdt", "t": o["updatedTime"], "ct": o["time"], "i": str(oid),
            "st": "FILLED", "sd": "BUY", "tp": "LIMIT", "oq": o["origQty"],
            "eq": o["executedQty"], "lq": "0", "p": o["price"], "ap": o["avgPrice"],
            "f": o["fee"]}}))
        fill = await next_event(events, (wexcore.FillEvent, wexcore.OrderEvent))
        order = await next_event(events, wexcore.OrderEvent)
        assert isinstance(fill, wexcore.FillEvent) and fill.recovered
        assert fill.fill.order_id == oid and fill.fill.quantity == Decimal(o["executedQty"])
        assert (str(order.order.state), order.recovered) == ("FILLED", False)
        assert acct.stats.gaps >= 1 and acct.stats.forced_releases == 0


async def test_an_unreadable_push_starts_a_reconciliation():
    async with Simulator(**QUIET) as sim, httpx.AsyncClient(base_url=sim.rest_url) as http, \
            FakeExchange() as fake, account(sim, ws_url=fake.url) as acct:
        events = acct.events()
        await acct.wait_synced(5)
        oid = await resting_spot(http, sim)  # the fake stream never says so
        await fake.push(b'{"topic":"order","event":"order","data":{"s":"btc_usdt","i":"1",'
                        b'"st":"NEW","sd":"BUY","p":"12x"}}')
        ev = await next_event(events, wexcore.OrderEvent)
        assert (ev.order.order_id, ev.recovered) == (oid, True)
        assert acct.stats.bad_events == 1 and acct.stream.counters.disconnects == 0


async def test_rest_5xx_storm_retries_and_applies_nothing_half_read():
    async with Simulator(**QUIET) as sim, httpx.AsyncClient(base_url=sim.rest_url) as http, \
            account(sim, rest_options=dict(max_retries=0)) as acct:
        await acct.wait_synced(5)
        ids = [await unseen(sim, lambda: resting_spot(http, sim)) for _ in range(2)]
        sim.set_faults("rest_5xx=1")
        task = asyncio.ensure_future(acct.reconcile())
        await wait_until(lambda: acct.stats.reconcile_failures >= 2, 5.0, "failed reads")
        assert dict(acct.open_orders) == {} and not task.done()
        sim.set_faults(None)
        await asyncio.wait_for(task, 5.0)
        assert sorted(acct.open_orders) == sorted(ids)


async def test_a_refused_key_fails_start_with_a_typed_error():
    async with Simulator(**QUIET) as sim:
        acct = wexcore.Account(DEMO_API_KEY, "not-the-secret", rest_url=sim.rest_url,
                               ws_url=sim.ws_url, rest_options=dict(rate_limit=False))
        closed = []
        real_close = acct.rest.aclose

        async def aclose() -> None:
            closed.append(True)
            await real_close()

        acct.rest.aclose = aclose  # type: ignore[method-assign]
        with pytest.raises(wexcore.AuthenticationError):
            await acct.start()
        assert closed == [True]  # a failed start leaves nothing open
        with pytest.raises(wexcore.InvalidParameterError, match="closed"):
            await acct.wait_synced(1)


# ---------------------------------------------------------------- placing orders
def bid_price(sim: Simulator) -> str:
    bid = Decimal(sim.book_snapshot("btc_usdt", depth=1)["bids"][0][0])
    return str((bid / 2).quantize(bid))


async def test_place_order_tracks_until_seen():
    async with Simulator(**QUIET) as sim, account(sim) as acct:
        events = acct.events()
        await acct.wait_synced(5)
        oid = await acct.place_order("btc_usdt", "BUY", "LIMIT", price=bid_price(sim),
                                     quantity="0.01", client_order_id="mine_1")
        ev = await next_event(events, wexcore.OrderEvent)
        assert ev.order.order_id == oid and ev.order.client_order_id == "mine_1"
        assert acct.pending == {} and acct.open_orders[oid].client_order_id == "mine_1"


@pytest.mark.parametrize("product", ["spot", "futures"])
async def test_unknown_outcome_found_by_client_order_id(product):
    async with Simulator(**QUIET) as sim, account(sim, product) as acct:
        await acct.wait_synced(5)
        real = acct._source.place

        async def lost_answer(args: Any, kwargs: Any) -> Any:
            await real(args, kwargs)  # the exchange took it; the answer was lost
            raise wexcore.OrderStateUnknownError("no answer", method="POST", path="/")

        acct._source.place = lost_answer
        if product == "spot":
            oid = await acct.place_order("btc_usdt", "BUY", "LIMIT", price=bid_price(sim),
                                         quantity="0.01")
        else:
            bid = sim.book_snapshot("btc_usdt", "futures", depth=1)["bids"][0][0]
            oid = await acct.place_order("btc_usdt", "BUY", "LIMIT", 1, "LONG", price=bid)
        assert oid is not None and acct.pending == {}
        assert acct.order(oid) is not None


async def test_unknown_outcome_not_placed_waits_out_the_recv_window():
    async with Simulator(**QUIET) as sim, \
            account(sim, unknown_grace=0.1, rest_options=dict(recv_window=300)) as acct:
        await acct.wait_synced(5)

        async def never_sent(args: Any, kwargs: Any) -> Any:
            raise wexcore.OrderStateUnknownError("no answer", method="POST", path="/")

        acct._source.place = never_sent
        t0 = time.monotonic()
        assert await acct.place_order("btc_usdt", "BUY", "LIMIT", price=bid_price(sim),
                                      quantity="0.01") is None
        # a request this old would be refused now: the second lookup is final
        assert time.monotonic() - t0 >= 0.4 and acct.pending == {}


async def test_unknown_outcome_and_failed_lookups_are_settled_by_reconciliation():
    # A 5xx answers the placement (nothing executed) and every lookup: the
    # caller gets the error, the order stays pending (unknown) until a
    # reconciliation after its recv window finds no such order.
    async with Simulator(**QUIET) as sim, \
            account(sim, reconcile_interval=0.2, unknown_grace=0.05,
                    rest_options=dict(recv_window=200, max_retries=0)) as acct:
        await acct.wait_synced(5)
        sim.set_faults("rest_5xx=1")
        with pytest.raises(wexcore.ServerError):
            await acct.place_order("btc_usdt", "BUY", "LIMIT", price=bid_price(sim),
                                   quantity="0.01", client_order_id="lost_1", validate=False)
        assert acct.pending["lost_1"].unknown
        sim.set_faults(None)
        await wait_until(lambda: "lost_1" not in acct.pending, 5.0, "pending settled")
        assert acct.open_orders == {}


@pytest.mark.parametrize("product", ["spot", "futures"])
async def test_a_failed_rules_fetch_is_an_error_for_an_order_never_sent(product):
    # The first validated order of a symbol fetches its rules before anything
    # is sent: when that fails, the order is not pending and nothing waits out
    # a recv window.
    async with Simulator(**QUIET) as sim, \
            account(sim, product, rest_options=dict(max_retries=0)) as acct:
        await acct.wait_synced(5)
        sim.set_faults("rest_5xx=1")
        with pytest.raises(wexcore.ServerError) as ei:
            if product == "spot":
                await acct.place_order("btc_usdt", "BUY", "LIMIT", price=bid_price(sim),
                                       quantity="0.01", client_order_id="never_1")
            else:
                await acct.place_order("btc_usdt", "BUY", "LIMIT", 1, "LONG", price="1",
                                       client_order_id="never_1")
        assert ei.value.method == "GET"  # the rules, not the order
        assert acct.pending == {}
        sim.set_faults(None)
        bid = sim.book_snapshot("btc_usdt", product, depth=1)["bids"][0][0]
        if product == "spot":
            oid = await acct.place_order("btc_usdt", "BUY", "LIMIT", price=bid_price(sim),
                                         quantity="0.01")
        else:
            oid = await acct.place_order("btc_usdt", "BUY", "LIMIT", 1, "LONG", price=bid)
        assert oid is not None


async def test_an_order_sent_by_the_user_is_tracked_and_resolved():
    async with Simulator(**QUIET) as sim, httpx.AsyncClient(base_url=sim.rest_url) as http, \
            account(sim) as acct:
        await acct.wait_synced(5)
        p = acct.track("own_1", "btc_usdt")
        oid = await unseen(sim, lambda: resting_spot(http, sim, clientOrderId="own_1"))
        assert acct.pending == {"own_1": p}
        assert await acct.resolve("own_1") == oid  # e.g. after OrderStateUnknownError
        assert acct.pending == {} and oid in acct.open_orders
        with pytest.raises(wexcore.InvalidParameterError):
            acct.track("")
