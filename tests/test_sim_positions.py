"""Futures positions and account: leverage, margin, position type, funding,
liquidation with notify, ADL, close-all, bills, history, and the
partially-cancelled, quant and order-list endpoints."""

from __future__ import annotations

from decimal import ROUND_UP, Decimal

import httpx
import pytest
from websockets.asyncio.client import connect

from sim_support import fut, subscribe, wait_for
from wexcore.sim import Simulator
from wexcore.sim.market import BUY, SELL

SYM = "btc_usdt"
CENT = Decimal("1e-8")


@pytest.fixture
async def world():
    async with Simulator(seed=9, paused=True, rate_limits=False, symbols=[SYM]) as sim, \
            httpx.AsyncClient(base_url=sim.rest_url) as http:
        yield sim, http


async def call(http, path, method="GET", key=None, secret=None, **params):
    kw = {} if key is None else {"key": key, "secret": secret}
    status, res = await fut(http, method, path, params if method == "GET" else None,
                            params if method == "POST" else None, **kw)
    return res


async def ok(http, path, method="GET", **params):
    res = await call(http, path, method, **params)
    assert res["returnCode"] == 0, res
    return res["result"]


def center(book, ticks: int, qty: int = 100_000) -> None:
    for side in (BUY, SELL):
        for price in list(book.side(side)):
            book.set_synthetic(side, price, 0)
    book.set_synthetic(BUY, ticks - 1, qty)
    book.set_synthetic(SELL, ticks + 1, qty)
    book.commit()


async def balance(http, coin="usdt"):
    return await ok(http, "/future/user/v1/balance/detail", coin=coin)


async def test_leverage_sets_the_margin_of_new_orders_and_reprices_a_position(world):
    sim, http = world
    m = sim.market(SYM, "futures")
    center(m.book, m.mark_price())
    ask = Decimal(m.price_str(m.book.best(SELL)))
    assert await ok(http, "/future/user/v1/position/adjust-leverage", "POST", symbol=SYM,
                    positionSide="LONG", leverage="20") == {}
    lev = await ok(http, "/future/trade/v1/position/leverage/list", symbol=SYM)
    assert {i["positionSide"]: i["leverage"] for i in lev["items"]} == {"LONG": 20, "SHORT": 10}
    await ok(http, "/future/trade/v1/order/create", "POST", symbol=SYM, orderSide="BUY",
             orderType="MARKET", origQty="100", positionSide="LONG")
    value = ask * 100 * Decimal("0.0001")
    (pos,) = await ok(http, "/future/user/v1/position/list", symbol=SYM)
    assert (pos["leverage"], Decimal(pos["isolatedMargin"])) == (20, value / 20)
    # lower leverage: the position needs (and takes) more margin
    await ok(http, "/future/user/v1/position/adjust-leverage", "POST", symbol=SYM,
             positionSide="LONG", leverage="5")
    (pos,) = await ok(http, "/future/user/v1/position/list", symbol=SYM)
    assert Decimal(pos["isolatedMargin"]) == value / 5
    res = await call(http, "/future/user/v1/position/adjust-leverage", "POST", symbol=SYM,
                     positionSide="LONG", leverage="101")
    assert res["error"]["code"] == "exceed_max_leverage"


async def test_margin_add_and_remove_down_to_the_initial_margin(world):
    sim, http = world
    await ok(http, "/future/trade/v1/order/create", "POST", symbol=SYM, orderSide="BUY",
             orderType="MARKET", origQty="10", positionSide="LONG")
    (pos,) = await ok(http, "/future/user/v1/position/list", symbol=SYM)
    initial = Decimal(pos["isolatedMargin"])
    before = Decimal((await balance(http))["availableBalance"])
    await ok(http, "/future/user/v1/position/margin", "POST", symbol=SYM, margin="5",
             positionSide="LONG", type="ADD")
    (pos,) = await ok(http, "/future/user/v1/position/list", symbol=SYM)
    assert Decimal(pos["isolatedMargin"]) == initial + 5
    assert Decimal((await balance(http))["availableBalance"]) == before - 5
    res = await call(http, "/future/user/v1/position/margin", "POST", symbol=SYM, margin="5.01",
                     positionSide="LONG", type="SUB")
    assert res["error"]["code"] == "more_than_available"
    await ok(http, "/future/user/v1/position/margin", "POST", symbol=SYM, margin="5",
             positionSide="LONG", type="SUB")
    assert Decimal((await balance(http))["availableBalance"]) == before


async def test_position_type_changes_only_when_flat(world):
    sim, http = world
    await ok(http, "/future/user/v1/position/change-type", "POST", symbol=SYM,
             positionSide="SHORT", positionType="CROSSED")
    await ok(http, "/future/trade/v1/order/create", "POST", symbol=SYM, orderSide="SELL",
             orderType="MARKET", origQty="3", positionSide="SHORT")
    (pos,) = await ok(http, "/future/user/v1/position/list", symbol=SYM)
    assert pos["positionType"] == "CROSSED"
    bal = await balance(http)
    assert Decimal(bal["crossedMargin"]) == Decimal(pos["isolatedMargin"]) > 0
    assert Decimal(bal["isolatedMargin"]) == 0
    assert Decimal(await ok(http, f"/future/trade/v1/position/cross-margin/{SYM}")) == \
        Decimal(pos["isolatedMargin"])
    res = await call(http, "/future/user/v1/position/change-type", "POST", symbol=SYM,
                     positionSide="SHORT", positionType="ISOLATED")
    assert res["error"]["code"] == "invalid_position_type"


async def test_close_all_closes_every_position_and_writes_history(world):
    sim, http = world
    for side, pside in (("BUY", "LONG"), ("SELL", "SHORT")):
        await ok(http, "/future/trade/v1/order/create", "POST", symbol=SYM, orderSide=side,
                 orderType="MARKET", origQty="4", positionSide=pside)
    assert await ok(http, "/future/user/v1/position/close-all", "POST") is True
    assert await ok(http, "/future/user/v1/position/list", symbol=SYM) == []
    hist = await ok(http, "/future/trade/v1/position/list-history", symbol=SYM)
    assert sorted((h["positionSide"], h["closePositionSize"], h["maxPositionSize"])
                  for h in hist["items"]) == [("LONG", "4", "4"), ("SHORT", "4", "4")]
    bills = await ok(http, "/future/user/v1/balance/bills", symbol=SYM, limit="100")
    kinds = {b["type"] for b in bills["items"]}
    assert {"FEE", "CLOSE_POSITION"} <= kinds
    # every bill's afterAmount is the wallet after it, in order
    wallet = Decimal(100000)
    for b in reversed(bills["items"]):
        wallet += Decimal(b["amount"]) * (1 if b["side"] == "ADD" else -1)
        assert Decimal(b["afterAmount"]) == wallet
    assert Decimal((await balance(http))["walletBalance"]) == wallet


async def test_funding_settles_on_its_schedule_and_is_recorded(world):
    sim, http = world
    m = sim.market(SYM, "futures")
    center(m.book, 3_000_000)
    center(sim.market(SYM, "spot").book, 2_997_000)  # mark 30.00 above the index
    await ok(http, "/future/trade/v1/order/create", "POST", symbol=SYM, orderSide="BUY",
             orderType="MARKET", origQty="1000", positionSide="LONG")
    wallet = Decimal((await balance(http))["walletBalance"])
    sim.engine.positions.settle_funding(m, sim.clock_ms(), sim.funding_period)
    sim.after_change()
    premium = (Decimal("30000.00") - Decimal("29970.00")) / Decimal("29970.00")
    rate = (premium + max(Decimal("-0.0005"), min(Decimal("0.0005"), Decimal("0.0001")
                                                    - premium))).quantize(Decimal("1e-6"))
    assert rate == Decimal("0.000501")
    paid = (Decimal("30000.00") * 1000 * Decimal("0.0001") * rate).quantize(CENT)
    assert Decimal((await balance(http))["walletBalance"]) == wallet - paid
    fees = await ok(http, "/future/user/v1/balance/funding-rate-list", symbol=SYM)
    assert [(f["positionSide"], Decimal(f["cast"])) for f in fees["items"]] == \
        [("LONG", -paid)]
    record = await ok(http, "/future/market/v1/public/q/funding-rate-record", symbol=SYM)
    assert [Decimal(r["fundingRate"]) for r in record["items"]] == [rate]
    assert Decimal((await ok(http, "/future/market/v1/public/q/funding-rate",
                             symbol=SYM))["items"][0]["fundingRate"]) == rate


async def test_funding_runs_by_itself_every_period():
    async with Simulator(seed=9, paused=True, rate_limits=False, symbols=[SYM],
                         funding_period=0.2) as sim, \
            httpx.AsyncClient(base_url=sim.rest_url) as http:
        await ok(http, "/future/trade/v1/order/create", "POST", symbol=SYM, orderSide="BUY",
                 orderType="MARKET", origQty="10", positionSide="LONG")
        import asyncio
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while len((await ok(http, "/future/user/v1/balance/funding-rate-list",
                            symbol=SYM))["items"]) < 2:
            assert loop.time() < deadline, "no funding settlement"
            await asyncio.sleep(0.05)
        record = await ok(http, "/future/market/v1/public/q/funding-rate-record", symbol=SYM)
        assert len(record["items"]) >= 2 and record["items"][0]["collectionInternal"] == 0.2


async def test_liquidation_warns_then_takes_over_and_notifies(world):
    sim, http = world
    m = sim.market(SYM, "futures")
    center(m.book, 3_000_000)
    await ok(http, "/future/user/v1/position/adjust-leverage", "POST", symbol=SYM,
             positionSide="LONG", leverage="50")
    key = await ok(http, "/future/user/v1/user/listen-key")
    async with connect(f"{sim.ws_url}/ws/user") as ws:
        await subscribe(ws, "notify", "position", listen_key=key, method="SUBSCRIBE")
        await ok(http, "/future/trade/v1/order/create", "POST", symbol=SYM, orderSide="BUY",
                 orderType="MARKET", origQty="100", positionSide="LONG")
        (brk,) = await ok(http, "/future/user/v1/position/break-list", symbol=SYM)
        break_ticks = int(Decimal(brk["breakPrice"]) * 100)
        wallet = Decimal((await balance(http))["walletBalance"])
        (pos,) = await ok(http, "/future/user/v1/position/list", symbol=SYM)
        margin = Decimal(pos["isolatedMargin"])
        center(m.book, break_ticks + 120)  # close to the break price: a warning
        sim.after_change()
        warn = await wait_for(ws, lambda f: f.get("topic") == "notify")
        assert warn["event"] == "notify"
        assert warn["data"] == {"symbol": SYM, "positionType": "ISOLATED",
                                "positionSide": "LONG", "positionSize": "100",
                                "notifyType": "WARN"}
        center(m.book, break_ticks - 1)
        sim.after_change()
        liq = await wait_for(ws, lambda f: f.get("topic") == "notify")
        assert liq["data"]["notifyType"] == "LIQUIDATION"
    assert await ok(http, "/future/user/v1/position/list", symbol=SYM) == []
    # the whole margin is gone, nothing more
    assert Decimal((await balance(http))["walletBalance"]) == wallet - margin
    (take,) = (await ok(http, "/future/user/v1/taker-over/list", symbol=SYM))["items"]
    assert take["positionSize"] == "100" and take["success"] is True
    forced = await ok(http, "/future/trade/v1/order/list-history", symbol=SYM,
                      forceClose="true")
    assert [o["forceClose"] for o in forced["items"]][:1] == [True]
    normal = await ok(http, "/future/trade/v1/order/list-history", symbol=SYM)
    assert all(not o["forceClose"] for o in normal["items"])
    hist = await ok(http, "/future/trade/v1/position/list-history", symbol=SYM)
    assert hist["items"][0]["force"] is True
    fund = await ok(http, "/future/market/v1/public/contract/risk-balance", symbol=SYM)
    assert Decimal(fund["items"][0]["amount"]) > 1_000_000  # the fee went to the fund


async def test_auto_margin_tops_up_instead_of_liquidating(world):
    sim, http = world
    m = sim.market(SYM, "futures")
    center(m.book, 3_000_000)
    await ok(http, "/future/user/v1/position/adjust-leverage", "POST", symbol=SYM,
             positionSide="LONG", leverage="50")
    await ok(http, "/future/user/v1/position/auto-margin", "POST", symbol=SYM,
             positionSide="LONG", autoMargin="true")
    await ok(http, "/future/trade/v1/order/create", "POST", symbol=SYM, orderSide="BUY",
             orderType="MARKET", origQty="100", positionSide="LONG")
    (brk,) = await ok(http, "/future/user/v1/position/break-list", symbol=SYM)
    center(m.book, int(Decimal(brk["breakPrice"]) * 100) - 1)
    sim.after_change()
    (pos,) = await ok(http, "/future/user/v1/position/list", symbol=SYM)
    assert pos["positionSize"] == "100" and pos["autoMargin"] is True


async def test_adl_reduces_the_most_profitable_opposite_position(world):
    sim, http = world
    m = sim.market(SYM, "futures")
    sim.add_account("short-key", "short-secret", futures_balances={"usdt": "100000"})
    center(m.book, 3_000_000)
    await ok(http, "/future/user/v1/position/adjust-leverage", "POST", symbol=SYM,
             positionSide="LONG", leverage="100")
    await ok(http, "/future/trade/v1/order/create", "POST", symbol=SYM, orderSide="BUY",
             orderType="MARKET", origQty="50", positionSide="LONG")
    res = await call(http, "/future/trade/v1/order/create", "POST", key="short-key",
                     secret="short-secret", symbol=SYM, orderSide="SELL", orderType="MARKET",
                     origQty="80", positionSide="SHORT")
    assert res["returnCode"] == 0
    sim.engine.positions.risk_fund[SYM] = Decimal(0)  # an empty insurance fund
    center(m.book, 2_900_000)  # a gap far through the long's break price
    sim.after_change()
    assert await ok(http, "/future/user/v1/position/list", symbol=SYM) == []
    adl = await ok(http, "/future/user/v1/auto-deleverage/history", key="short-key",
                   secret="short-secret", symbol=SYM)
    assert [i["quantity"] for i in adl["items"]] == ["50"]
    short = await ok(http, "/future/user/v1/position/list", key="short-key",
                     secret="short-secret", symbol=SYM)
    assert short[0]["positionSize"] == "30"


async def test_partially_cancelled_orders_within_five_minutes(world):
    sim, http = world
    m = sim.market(SYM, "futures")
    center(m.book, 3_000_000, qty=3)
    oid = await ok(http, "/future/trade/v1/order/create", "POST", symbol=SYM, orderSide="BUY",
                   orderType="LIMIT", origQty="10", price="30000.01", positionSide="LONG")
    await ok(http, "/future/trade/v1/order/cancel", "POST", orderId=oid)
    order = await ok(http, "/future/trade/v1/order/detail", orderId=oid)
    assert (order["state"], order["executedQty"]) == ("PARTIALLY_CANCELED", "3")
    now = sim.clock_ms()
    got = await ok(http, "/future/trade/v2/order/partial-canceled-orders", symbol=SYM,
                   page="1", size="10", startTime=str(now - 60_000), endTime=str(now))
    assert [(i["orderId"], i["canceledQty"]) for i in got["items"]] == [(oid, "7")]
    res = await call(http, "/future/trade/v2/order/partial-canceled-orders", symbol=SYM,
                     page="1", size="10", startTime=str(now - 400_000), endTime=str(now))
    assert res["error"]["code"] == "invalid_time_in_force"
    listed = await ok(http, "/future/trade/v1/order/list", symbol=SYM,
                      state="PARTIALLY_CANCELED")
    assert [i["orderId"] for i in listed["items"]] == [oid]


async def test_order_update_reprices_and_resizes(world):
    sim, http = world
    m = sim.market(SYM, "futures")
    center(m.book, 3_000_000)
    oid = await ok(http, "/future/trade/v1/order/create", "POST", symbol=SYM, orderSide="BUY",
                   orderType="LIMIT", origQty="5", price="29990.00", positionSide="LONG")
    frozen = Decimal((await balance(http))["openOrderMarginFrozen"])
    assert frozen == Decimal("29990.00") * 5 * Decimal("0.0001") / 10
    assert await ok(http, "/future/trade/v1/order/update", "POST", orderId=oid,
                    price="29980.00", origQty="8") == {}
    order = await ok(http, "/future/trade/v1/order/detail", orderId=oid)
    assert (order["price"], order["origQty"], order["state"]) == ("29980.00", "8", "NEW")
    frozen = Decimal((await balance(http))["openOrderMarginFrozen"])
    assert frozen == (Decimal("29980.00") * 8 * Decimal("0.0001") / 10).quantize(CENT, ROUND_UP)
    # marketable now: it trades at once
    await ok(http, "/future/trade/v1/order/update", "POST", orderId=oid, price="30000.01",
             origQty="8")
    assert (await ok(http, "/future/trade/v1/order/detail", orderId=oid))["state"] == "FILLED"
    res = await call(http, "/future/trade/v1/order/update", "POST", orderId=oid,
                     price="1", origQty="8")
    assert res["error"]["code"] == "invalid_order"


async def test_atomic_batch_places_all_or_nothing(world):
    sim, http = world
    item = {"symbol": SYM, "orderSide": "BUY", "orderType": "LIMIT", "origQty": "1",
            "price": "29000.00", "positionSide": "LONG"}
    bad = {**item, "price": "abc"}
    status, res = await fut(http, "POST", "/future/trade/v2/order/atomic-create-batch",
                            body=[item, bad])
    assert res["error"]["code"] == "invalid_price" and "order 1" in res["error"]["msg"]
    assert await ok(http, "/future/trade/v1/order/list-open-order", symbol=SYM) == []
    status, res = await fut(http, "POST", "/future/trade/v2/order/atomic-create-batch",
                            body=[item] * 21)
    assert res["error"]["code"] == "order_create_size_exceed"
    # the non-atomic batch places what it can and says why the rest failed
    import orjson
    got = await ok(http, "/future/trade/v2/order/create-batch", "POST",
                   list=orjson.dumps([item, bad]).decode())
    assert got[0]["orderId"] and got[0]["code"] is None
    assert (got[1]["orderId"], got[1]["code"]) == (None, "invalid_price")


async def test_quant_endpoints_refuse_a_non_quant_account(world):
    sim, http = world
    sim.add_account("plain", "plain-secret", quant=False)
    for path in ("/future/trade/v1/order/quant/list-history",
                 "/future/trade/v1/order/quant/trade-list"):
        res = await call(http, path, key="plain", secret="plain-secret")
        assert res["error"]["code"] == "not_quantification_account"


async def test_a_closed_futures_account_must_be_opened_first(world):
    sim, http = world
    sim.add_account("new", "new-secret", futures_open=False)
    order = dict(symbol=SYM, orderSide="BUY", orderType="MARKET", origQty="1",
                 positionSide="LONG")
    res = await call(http, "/future/trade/v1/order/create", "POST", key="new",
                     secret="new-secret", **order)
    assert res["error"]["code"] == "contract_not_open"
    info = await ok(http, "/future/user/v1/account/info", key="new", secret="new-secret")
    assert info["allowTrade"] is False
    assert await ok(http, "/future/user/v1/account/open", "POST", key="new",
                    secret="new-secret") is True
    res = await call(http, "/future/trade/v1/order/create", "POST", key="new",
                     secret="new-secret", **order)
    assert res["returnCode"] == 0


async def test_paging_by_cursor_walks_the_whole_history(world):
    sim, http = world
    for _ in range(7):
        oid = await ok(http, "/future/trade/v1/order/create", "POST", symbol=SYM,
                       orderSide="BUY", orderType="LIMIT", origQty="1", price="29000.00",
                       positionSide="LONG")
        await ok(http, "/future/trade/v1/order/cancel", "POST", orderId=oid)
    seen, cursor = [], None
    while True:
        params = {"symbol": SYM, "limit": "3"}
        if cursor:
            params["id"] = cursor
        page = await ok(http, "/future/trade/v1/order/list-history", **params)
        seen += [i["orderId"] for i in page["items"]]
        if not page["hasNext"]:
            break
        cursor = page["items"][-1]["orderId"]
    assert len(seen) == 7 and seen == sorted(seen, reverse=True)
    back = await ok(http, "/future/trade/v1/order/list-history", symbol=SYM, id=seen[-1],
                    direction="PREV", limit="2")
    assert [i["orderId"] for i in back["items"]] == seen[-3:-1] and back["hasPrev"] is True
    res = await call(http, "/future/trade/v1/order/list-history", symbol=SYM,
                     direction="SIDEWAYS")
    assert res["error"]["code"] == "invalid_direction"


async def test_time_bounds_filter_order_and_trade_lists(world):
    sim, http = world
    t0 = sim.clock_ms()
    await ok(http, "/future/trade/v1/order/create", "POST", symbol=SYM, orderSide="BUY",
             orderType="MARKET", origQty="1", positionSide="LONG")
    trades = await ok(http, "/future/trade/v1/order/trade-list", symbol=SYM,
                      startTime=str(t0 - 10), endTime=str(sim.clock_ms() + 10))
    assert trades["total"] == 1
    later = await ok(http, "/future/trade/v1/order/trade-list", symbol=SYM,
                     startTime=str(sim.clock_ms() + 1000))
    assert later["total"] == 0
    res = await call(http, "/future/trade/v1/order/trade-list", symbol=SYM, size="101")
    assert res["error"]["code"] == "invalid_size"
