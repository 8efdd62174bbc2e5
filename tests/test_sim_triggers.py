"""The trigger engine: plan, TP/SL, trailing and reverse-plan orders fire on the
price source they name (last trade, mark = futures book mid, index = spot book
mid) and on no other.

Each test pauses the market and moves one price source at a time by hand:
the mark by re-centring the futures book, the index by re-centring the spot
book, the last price by printing a trade (as a synthetic taker would). The three move
independently, so a trigger that watched the wrong one would fire (or not)
at the wrong moment.
"""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from sim_support import fut
from wexcore.sim import Simulator
from wexcore.sim.market import BUY, SELL, Fill

SYM = "btc_usdt"
SOURCES = ["LATEST_PRICE", "MARK_PRICE", "INDEX_PRICE"]


def center(book, ticks: int) -> None:
    """Replace the synthetic book by one bid and one ask around ``ticks``."""
    for side in (BUY, SELL):
        for price in list(book.side(side)):
            book.set_synthetic(side, price, 0)
    book.set_synthetic(BUY, ticks - 1, 100_000)
    book.set_synthetic(SELL, ticks + 1, 100_000)
    book.commit()


class Prices:
    """Moves one price source of the futures symbol at a time."""

    def __init__(self, sim: Simulator, http: httpx.AsyncClient) -> None:
        self.sim = sim
        self.http = http
        self.fut = sim.market(SYM, "futures")
        self.spot = sim.market(SYM, "spot")
        self.base = self.fut.mark_price()
        self.pp = self.fut.spec.price_precision

    def text(self, ticks: int) -> str:
        return self.fut.price_str(ticks)

    async def move(self, source: str, ticks: int) -> None:
        if source == "MARK_PRICE":
            center(self.fut.book, ticks)
        elif source == "INDEX_PRICE":
            center(self.spot.book, ticks)
        else:
            # a trade printed at ``ticks`` (as a synthetic taker's would be):
            # the book, hence the mark, does not move
            mark = self.fut.mark_price()
            self.fut.record_fills([Fill(ticks, 1, None)], BUY, self.sim.clock_ms(), 0)
            assert self.fut.last == ticks and self.fut.mark_price() == mark
        self.sim.after_change()  # what every request and market event does
        if source != "LATEST_PRICE":  # (a trigger that fired may have traded since)
            assert self.fut.price_of(source) == ticks

    async def reset(self) -> None:
        for s in SOURCES:
            await self.move(s, self.base)


@pytest.fixture
async def world():
    async with Simulator(seed=5, paused=True, rate_limits=False, symbols=[SYM]) as sim, \
            httpx.AsyncClient(base_url=sim.rest_url) as http:
        prices = Prices(sim, http)
        await prices.reset()
        yield sim, http, prices


async def call(http, path: str, method: str = "GET", **params):
    status, res = await fut(http, method, path, params if method == "GET" else None,
                            params if method == "POST" else None)
    assert status == 200, res
    return res


async def ok(http, path: str, method: str = "GET", **params):
    res = await call(http, path, method, **params)
    assert res["returnCode"] == 0, res
    return res["result"]


async def open_long(http, prices, qty: int = 2) -> None:
    await ok(http, "/future/trade/v1/order/create", "POST", symbol=SYM, orderSide="BUY",
             orderType="MARKET", origQty=str(qty), positionSide="LONG", timeInForce="IOC")
    pos = await ok(http, "/future/user/v1/position/list", symbol=SYM)
    assert [(p["positionSide"], p["positionSize"]) for p in pos] == [("LONG", str(qty))]


async def tpsl(http, sim, *, qty: str, source: str = "LATEST_PRICE", tp: str | None = None,
               sl: str | None = None, expire_in: int = 3_600_000) -> str:
    """A TP/SL with MARKET delegates on the LONG position; its id."""
    prices = {k: v for k, v in (("triggerProfitPrice", tp), ("triggerStopPrice", sl)) if v}
    return await ok(http, "/future/trade/v1/entrust/create-profit", "POST", symbol=SYM,
                    origQty=qty, triggerPriceType=source, positionSide="LONG",
                    expireTime=str(sim.clock_ms() + expire_in),
                    profitDelegateOrderType="MARKET", profitDelegateTimeInForce="IOC",
                    stopDelegateOrderType="MARKET", stopDelegateTimeInForce="IOC", **prices)


async def position_size(http, side: str = "LONG") -> int:
    pos = await ok(http, "/future/user/v1/position/list", symbol=SYM)
    return sum(int(p["positionSize"]) for p in pos if p["positionSide"] == side)


@pytest.mark.parametrize("source", SOURCES)
async def test_plan_order_fires_on_its_price_source_only(world, source):
    sim, http, prices = world
    base = prices.base
    entrust = await ok(http, "/future/trade/v1/entrust/create-plan", "POST", symbol=SYM,
                       orderSide="BUY", entrustType="STOP_MARKET", origQty="1",
                       stopPrice=prices.text(base + 100), timeInForce="IOC",
                       triggerPriceType=source, positionSide="LONG")
    for other in SOURCES:
        if other != source:
            await prices.move(other, base + 200)
            plan = await ok(http, "/future/trade/v1/entrust/plan-detail", entrustId=entrust)
            assert plan["state"] == "NOT_TRIGGERED", other
            await prices.move(other, base)
    await prices.move(source, base + 99)
    assert (await ok(http, "/future/trade/v1/entrust/plan-detail",
                     entrustId=entrust))["state"] == "NOT_TRIGGERED"
    await prices.move(source, base + 100)  # BUY STOP: fires when the price rises to it
    plan = await ok(http, "/future/trade/v1/entrust/plan-detail", entrustId=entrust)
    assert plan["state"] == "TRIGGERED" and plan["executedQty"] == "1"
    order = await ok(http, "/future/trade/v1/order/detail", orderId=plan["orderId"])
    assert order["sourceType"] == "ENTRUST" and order["sourceId"] == entrust
    assert order["state"] == "FILLED" and await position_size(http) == 1
    hist = await ok(http, "/future/trade/v1/entrust/plan-list-history", symbol=SYM)
    assert [i["entrustId"] for i in hist["items"]] == [entrust]


@pytest.mark.parametrize("etype,side,start,fire", [
    ("STOP", "BUY", +1, +100), ("TAKE_PROFIT", "BUY", -1, -100),
    ("STOP_MARKET", "SELL", -1, -100), ("TAKE_PROFIT_MARKET", "SELL", +1, +100)])
async def test_plan_directions_follow_the_entrust_type(world, etype, side, start, fire):
    sim, http, prices = world
    base = prices.base
    pside = "LONG" if side == "BUY" else "SHORT"
    params = dict(symbol=SYM, orderSide=side, entrustType=etype, origQty="1",
                  stopPrice=prices.text(base + fire), triggerPriceType="MARK_PRICE",
                  positionSide=pside, timeInForce="IOC" if etype.endswith("MARKET") else "GTC")
    if not etype.endswith("MARKET"):
        params["price"] = prices.text(base + fire + (5 if side == "BUY" else -5))
    entrust = await ok(http, "/future/trade/v1/entrust/create-plan", "POST", **params)
    await prices.move("MARK_PRICE", base + fire - start)  # toward, not yet at, the stop
    assert (await ok(http, "/future/trade/v1/entrust/plan-detail",
                     entrustId=entrust))["state"] == "NOT_TRIGGERED"
    await prices.move("MARK_PRICE", base + fire)
    assert (await ok(http, "/future/trade/v1/entrust/plan-detail",
                     entrustId=entrust))["state"] == "TRIGGERED"
    # a plan that would fire at once is refused
    res = await call(http, "/future/trade/v1/entrust/create-plan", "POST", **params)
    assert res["error"]["code"] == "invalid_stop_price"


@pytest.mark.parametrize("source", SOURCES)
async def test_stop_loss_fires_on_its_price_source_only(world, source):
    sim, http, prices = world
    base = prices.base
    await open_long(http, prices)
    profit = await tpsl(http, sim, qty="2", source=source,
                        tp=prices.text(base + 300), sl=prices.text(base - 300))
    for other in SOURCES:
        if other != source:
            await prices.move(other, base - 400)
            assert (await ok(http, "/future/trade/v1/entrust/profit-detail",
                             profitId=profit))["state"] == "NOT_TRIGGERED", other
            await prices.move(other, base)
    await prices.move(source, base - 300)
    detail = await ok(http, "/future/trade/v1/entrust/profit-detail", profitId=profit)
    assert detail["state"] == "TRIGGERED" and detail["triggerPriceSide"] == "STOP"
    assert await position_size(http) == 0
    history = await ok(http, "/future/trade/v1/position/list-history", symbol=SYM)
    assert history["items"][0]["closePositionSize"] == "2"


@pytest.mark.parametrize("source", SOURCES)
async def test_take_profit_fires_on_its_price_source(world, source):
    sim, http, prices = world
    base = prices.base
    await open_long(http, prices)
    profit = await tpsl(http, sim, qty="1", source=source,
                        tp=prices.text(base + 300), sl=prices.text(base - 300))
    await prices.move(source, base + 300)
    detail = await ok(http, "/future/trade/v1/entrust/profit-detail", profitId=profit)
    assert (detail["state"], detail["triggerPriceSide"]) == ("TRIGGERED", "PROFIT")
    assert await position_size(http) == 1  # origQty 1 of the 2


@pytest.mark.parametrize("source", SOURCES)
async def test_trailing_stop_follows_its_price_source(world, source):
    sim, http, prices = world
    base = prices.base
    await open_long(http, prices)
    track = await ok(http, "/future/trade/v1/entrust/create-track", "POST", symbol=SYM,
                     callback="FIXED", callbackVal="1.00", orderSide="SELL", origQty="2",
                     positionSide="LONG", positionType="ISOLATED", triggerPriceType=source)

    async def state():
        return (await ok(http, "/future/trade/v1/entrust/track-detail", trackId=track))

    for other in SOURCES:  # the others rising then falling by 3 callbacks: nothing
        if other != source:
            await prices.move(other, base + 500)
            await prices.move(other, base + 200)
            assert (await state())["state"] == "NOT_TRIGGERED", other
            await prices.move(other, base)
    await prices.move(source, base + 500)  # a new high: the stop follows it up
    assert (await state())["stopPrice"] == prices.text(base + 400)
    await prices.move(source, base + 401)  # back 0.99: not yet
    assert (await state())["state"] == "NOT_TRIGGERED"
    await prices.move(source, base + 400)  # back by the callback: fires
    done = await state()
    assert done["state"] == "TRIGGERED" and done["executedQty"] == "2"
    assert await position_size(http) == 0


async def test_trailing_proportion_with_activation(world):
    sim, http, prices = world
    base = prices.base
    await open_long(http, prices)
    track = await ok(http, "/future/trade/v1/entrust/create-track", "POST", symbol=SYM,
                     callback="PROPORTION", callbackVal="0.001", orderSide="SELL",
                     origQty="1", positionSide="LONG", positionType="ISOLATED",
                     triggerPriceType="MARK_PRICE", activationPrice=prices.text(base + 1000))
    detail = await ok(http, "/future/trade/v1/entrust/track-detail", trackId=track)
    assert detail["configActivation"] is True and detail["stopPrice"] is None
    await prices.move("MARK_PRICE", base - 200)  # a fall before activation does nothing
    await prices.move("MARK_PRICE", base + 1000)  # activated here, the highest so far
    stop = (Decimal(prices.text(base + 1000)) * Decimal("0.999")).quantize(
        Decimal("0.01"), "ROUND_DOWN")
    detail = await ok(http, "/future/trade/v1/entrust/track-detail", trackId=track)
    assert Decimal(detail["stopPrice"]) == stop
    stop_ticks = int(stop * 100)
    await prices.move("MARK_PRICE", stop_ticks + 1)  # one tick above the stop
    assert (await ok(http, "/future/trade/v1/entrust/track-detail",
                     trackId=track))["state"] == "NOT_TRIGGERED"
    await prices.move("MARK_PRICE", stop_ticks)  # at the stop: fires
    assert (await ok(http, "/future/trade/v1/entrust/track-detail",
                     trackId=track))["state"] == "TRIGGERED"
    assert await position_size(http) == 1


@pytest.mark.parametrize("source", SOURCES)
async def test_reverse_plan_closes_and_opens_the_other_side(world, source):
    sim, http, prices = world
    base = prices.base
    await open_long(http, prices)
    plan = sim.add_reverse_plan(SYM, "LONG", prices.text(base - 200),
                                trigger_price_type=source)
    for other in SOURCES:
        if other != source:
            await prices.move(other, base - 300)
            await prices.move(other, base)
    assert await position_size(http, "LONG") == 2
    await prices.move(source, base - 200)
    assert await position_size(http, "LONG") == 0
    assert await position_size(http, "SHORT") == 2
    items = (await ok(http, "/future/trade/v1/entrust/reverse-plan-list", symbol=SYM))["items"]
    assert [(i["entrustId"], i["state"], i["reverseOpenExecutedQty"]) for i in items] == \
        [(str(plan), "TRIGGERED", "2")]


async def test_tpsl_attached_to_an_order_arms_when_it_fills(world):
    sim, http, prices = world
    base = prices.base
    oid = await ok(http, "/future/trade/v1/order/create", "POST", symbol=SYM, orderSide="BUY",
                   orderType="LIMIT", origQty="2", price=prices.text(base + 1),
                   timeInForce="GTC", positionSide="LONG",
                   triggerProfitPrice=prices.text(base + 500),
                   triggerStopPrice=prices.text(base - 500))
    order = await ok(http, "/future/trade/v1/order/detail", orderId=oid)
    assert order["state"] == "FILLED" and order["triggerStopPrice"] == prices.text(base - 500)
    profits = await ok(http, "/future/trade/v1/entrust/profit-list", symbol=SYM,
                       state="NOT_TRIGGERED")
    (p,) = profits["items"]
    assert (p["origQty"], p["sourceId"]) == ("2", oid)
    await prices.move("LATEST_PRICE", base - 500)  # the default source is the last price
    assert await position_size(http) == 0


@pytest.mark.parametrize("params,code", [
    ({"triggerProfitPrice": "-10"}, "trigger_profit_price_less_than_order_delegate_price"),
    ({"triggerStopPrice": "+10"}, "trigger_stop_price_more_than_order_delegate_price"),
])
async def test_attached_tpsl_must_lie_beyond_the_order_price(world, params, code):
    sim, http, prices = world
    price = Decimal(prices.text(prices.base))
    body = {k: str(price + Decimal(v)) for k, v in params.items()}
    res = await call(http, "/future/trade/v1/order/create", "POST", symbol=SYM,
                     orderSide="BUY", orderType="LIMIT", origQty="1", price=str(price),
                     positionSide="LONG", **body)
    assert res["error"]["code"] == code


@pytest.mark.parametrize("source,code", [
    ("LATEST_PRICE", "trigger_stop_price_more_than_entry_price"),
    ("MARK_PRICE", "trigger_stop_price_more_than_mark_price"),
    ("INDEX_PRICE", "trigger_stop_price_more_than_index_price"),
])
async def test_stop_loss_validated_against_entry_and_source(world, source, code):
    sim, http, prices = world
    base = prices.base
    await open_long(http, prices)
    if source != "LATEST_PRICE":
        await prices.move(source, base - 1000)  # entry stays, the source falls
        sl = prices.text(base - 900)  # below entry, above the source price
    else:
        sl = prices.text(base + 50)  # above the entry price
    res = await call(http, "/future/trade/v1/entrust/create-profit", "POST", symbol=SYM,
                     origQty="1", triggerStopPrice=sl, triggerPriceType=source,
                     expireTime=str(sim.clock_ms() + 60_000), positionSide="LONG",
                     profitDelegateOrderType="MARKET", profitDelegateTimeInForce="IOC",
                     stopDelegateOrderType="MARKET", stopDelegateTimeInForce="IOC")
    assert res["error"]["code"] == code


async def test_tpsl_is_revoked_when_the_position_closes_otherwise(world):
    sim, http, prices = world
    base = prices.base
    await open_long(http, prices)
    profit = await tpsl(http, sim, qty="2", sl=prices.text(base - 300))
    await ok(http, "/future/user/v1/position/close-all", "POST")
    detail = await ok(http, "/future/trade/v1/entrust/profit-detail", profitId=profit)
    assert detail["state"] == "PLATFORM_REVOCATION"
    await prices.move("LATEST_PRICE", base - 400)
    assert await position_size(http, "SHORT") == 0  # nothing was sold short


async def test_expired_tpsl_and_cancelled_triggers_do_not_fire(world):
    sim, http, prices = world
    base = prices.base
    await open_long(http, prices)
    expired = await tpsl(http, sim, qty="1", sl=prices.text(base - 300), expire_in=-1)
    cancelled = await tpsl(http, sim, qty="1", sl=prices.text(base - 300))
    assert await ok(http, "/future/trade/v1/entrust/cancel-profit-stop", "POST",
                    profitId=cancelled) is True
    await prices.move("LATEST_PRICE", base - 400)
    states = {p: (await ok(http, "/future/trade/v1/entrust/profit-detail", profitId=p))["state"]
              for p in (expired, cancelled)}
    assert states == {expired: "EXPIRED", cancelled: "USER_REVOCATION"}
    assert await position_size(http) == 2


async def test_trigger_placement_failure_is_a_platform_revocation(world):
    sim, http, prices = world
    base = prices.base
    # a closing plan for a position that does not exist when it fires
    entrust = await ok(http, "/future/trade/v1/entrust/create-plan", "POST", symbol=SYM,
                       orderSide="SELL", entrustType="STOP_MARKET", origQty="5",
                       stopPrice=prices.text(base - 100), timeInForce="IOC",
                       triggerPriceType="MARK_PRICE", positionSide="LONG")
    await prices.move("MARK_PRICE", base - 100)
    plan = await ok(http, "/future/trade/v1/entrust/plan-detail", entrustId=entrust)
    assert (plan["state"], plan["desc"]) == ("PLATFORM_REVOCATION", "more_than_available")


@pytest.mark.parametrize("params,code", [
    ({"callback": "PROPORTION", "callbackVal": "0.0005"}, "invalid_below_min_rate_limit"),
    ({"callback": "PROPORTION", "callbackVal": "0.2"}, "invalid_exceed_max_rate_limit"),
    ({"callback": "FIXED", "callbackVal": "0.001"}, "invalid_exceed_min_price_limit"),
    ({"callback": "FIXED", "callbackVal": "4000"}, "invalid_exceed_max_price_limit"),
    ({"callback": "FIXED", "callbackVal": "1", "activationPrice": "1"},
     "invalid_activation_price"),
    ({"callback": "FIXED", "callbackVal": "1", "positionSide": "BOTH"},
     "invalid_position_side"),
])
async def test_trailing_limits_give_the_documented_codes(world, params, code):
    sim, http, prices = world
    body = {"symbol": SYM, "orderSide": "SELL", "origQty": "1", "positionSide": "LONG",
            "positionType": "ISOLATED", "triggerPriceType": "LATEST_PRICE", **params}
    res = await call(http, "/future/trade/v1/entrust/create-track", "POST", **body)
    assert res["error"]["code"] == code


@pytest.mark.parametrize("params,code", [
    ({"entrustType": "STOP_MARKET", "timeInForce": "GTC"},
     "market_plan_entrust_must_be_ioc_or_fok"),
    ({"entrustType": "STOP", "timeInForce": "GTC"}, "invalid_price"),
    ({"entrustType": "STOP_MARKET", "timeInForce": "IOC", "origQty": "1.5"},
     "invalid_quantity_scale"),
])
async def test_plan_parameters_give_the_documented_codes(world, params, code):
    sim, http, prices = world
    body = {"symbol": SYM, "orderSide": "BUY", "origQty": "1", "positionSide": "LONG",
            "stopPrice": prices.text(prices.base + 100), "triggerPriceType": "MARK_PRICE",
            **params}
    res = await call(http, "/future/trade/v1/entrust/create-plan", "POST", **body)
    assert res["error"]["code"] == code
