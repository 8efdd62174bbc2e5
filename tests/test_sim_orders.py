"""Spot trading conformance: order types, time-in-force, states, balances, filters."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from sim_support import spot
from wexcore.sim import Simulator

BAL = {"usdt": "1000000", "btc": "10"}


@pytest.fixture
async def sim():
    # Paused: the synthetic market does not move, so the book is what we read.
    async with Simulator(seed=7, paused=True, rate_limits=False, balances=BAL) as s:
        yield s


@pytest.fixture
async def client(sim):
    async with httpx.AsyncClient(base_url=sim.rest_url) as c:
        yield c


async def balances(client) -> dict[str, tuple[Decimal, Decimal]]:
    _, body = await spot(client, "GET", "/v4/balances")
    return {a["currency"]: (Decimal(a["availableAmount"]), Decimal(a["frozenAmount"]))
            for a in body["result"]["assets"]}


async def place(client, **order) -> dict:
    order.setdefault("symbol", "btc_usdt")
    order.setdefault("bizType", "SPOT")
    return (await spot(client, "POST", "/v4/order", body=order))[1]


async def get_order(client, oid: str) -> dict:
    return (await spot(client, "GET", f"/v4/order/{oid}"))[1]["result"]


def book(sim):
    return sim.book_snapshot("btc_usdt", depth=None)


async def test_gtc_limit_below_the_touch_rests_and_freezes_quote(sim, client):
    snap = book(sim)
    best_bid = Decimal(snap["bids"][0][0])
    price = best_bid - Decimal("5.00")
    res = await place(client, side="BUY", type="LIMIT", timeInForce="GTC",
                      price=str(price), quantity="0.5")
    assert res["rc"] == 0
    order = await get_order(client, res["result"]["orderId"])
    assert order["state"] == "NEW" and order["executedQty"] == "0.0000"
    bal = await balances(client)
    assert bal["usdt"] == (Decimal("1000000") - price * Decimal("0.5"), price * Decimal("0.5"))
    # the order is in the book: the level's quantity grew by 0.5
    before = dict(snap["bids"]).get(f"{price:.2f}", "0")
    after = dict(book(sim)["bids"])[f"{price:.2f}"]
    assert Decimal(after) - Decimal(before) == Decimal("0.5")


async def test_cancel_releases_the_frozen_funds(sim, client):
    price = Decimal(book(sim)["bids"][0][0]) - 10
    res = await place(client, side="BUY", type="LIMIT", timeInForce="GTC",
                      price=str(price), quantity="1")
    oid = res["result"]["orderId"]
    status, body = await spot(client, "DELETE", f"/v4/order/{oid}")
    assert body["result"] == {"cancelId": oid}
    assert (await get_order(client, oid))["state"] == "CANCELED"
    assert await balances(client) == {**await balances(client),
                                      "usdt": (Decimal("1000000"), Decimal(0))}
    status, body = await spot(client, "DELETE", f"/v4/order/{oid}")
    assert body["mc"] == "ORDER_005"


async def test_marketable_limit_buy_fills_at_book_prices_and_pays_fee_in_base(sim, client):
    asks = book(sim)["asks"]
    p0, q0 = Decimal(asks[0][0]), Decimal(asks[0][1])
    want = q0  # exactly the best level
    res = await place(client, side="BUY", type="LIMIT", timeInForce="GTC",
                      price=str(p0), quantity=str(want))
    order = await get_order(client, res["result"]["orderId"])
    assert order["state"] == "FILLED"
    assert Decimal(order["executedQty"]) == want
    assert Decimal(order["avgPrice"]) == p0
    bal = await balances(client)
    fee = want * Decimal("0.001")
    assert bal["btc"] == (Decimal("10") + want - fee, Decimal(0))
    assert bal["usdt"] == (Decimal("1000000") - p0 * want, Decimal(0))
    assert Decimal(order["fee"]) == fee
    # the level is gone from the book
    assert book(sim)["asks"][0][0] != asks[0][0]


async def test_limit_buy_through_several_levels_refunds_price_improvement(sim, client):
    asks = book(sim)["asks"]
    (p0, q0), (p1, q1) = [(Decimal(p), Decimal(q)) for p, q in asks[:2]]
    qty = q0 + q1 / 2
    limit = p1 + 5
    res = await place(client, side="BUY", type="LIMIT", timeInForce="GTC",
                      price=str(limit), quantity=str(qty))
    order = await get_order(client, res["result"]["orderId"])
    assert order["state"] == "FILLED"
    cost = p0 * q0 + p1 * (q1 / 2)
    bal = await balances(client)
    assert bal["usdt"] == (Decimal("1000000") - cost, Decimal(0))
    assert Decimal(order["tradeQuote"]) == cost


async def test_ioc_takes_what_it_can_and_expires_the_rest(sim, client):
    asks = book(sim)["asks"]
    p0, q0 = Decimal(asks[0][0]), Decimal(asks[0][1])
    res = await place(client, side="BUY", type="LIMIT", timeInForce="IOC",
                      price=str(p0), quantity=str(q0 + 1))
    order = await get_order(client, res["result"]["orderId"])
    assert order["state"] == "EXPIRED"
    assert Decimal(order["executedQty"]) == q0
    assert (await balances(client))["usdt"][1] == 0  # nothing stays frozen


async def test_fok_that_cannot_fill_completely_does_nothing(sim, client):
    asks = book(sim)["asks"]
    p0, q0 = Decimal(asks[0][0]), Decimal(asks[0][1])
    before = book(sim)
    res = await place(client, side="BUY", type="LIMIT", timeInForce="FOK",
                      price=str(p0), quantity=str(q0 + 1))
    order = await get_order(client, res["result"]["orderId"])
    assert order["state"] == "EXPIRED" and Decimal(order["executedQty"]) == 0
    assert book(sim)["asks"] == before["asks"]
    assert await balances(client) == {**await balances(client),
                                      "usdt": (Decimal("1000000"), Decimal(0))}


async def test_fok_that_can_fill_fills_completely(sim, client):
    asks = book(sim)["asks"]
    p0, q0 = Decimal(asks[0][0]), Decimal(asks[0][1])
    res = await place(client, side="BUY", type="LIMIT", timeInForce="FOK",
                      price=str(p0), quantity=str(q0))
    assert (await get_order(client, res["result"]["orderId"]))["state"] == "FILLED"


async def test_gtx_that_would_take_is_expired_and_one_that_would_not_rests(sim, client):
    asks = book(sim)["asks"]
    res = await place(client, side="BUY", type="LIMIT", timeInForce="GTX",
                      price=asks[0][0], quantity="0.1")
    assert (await get_order(client, res["result"]["orderId"]))["state"] == "EXPIRED"
    bid = Decimal(book(sim)["bids"][0][0])
    res = await place(client, side="BUY", type="LIMIT", timeInForce="GTX",
                      price=str(bid), quantity="0.1")
    assert (await get_order(client, res["result"]["orderId"]))["state"] == "NEW"


async def test_market_sell_by_quantity(sim, client):
    bids = book(sim)["bids"]
    p0, q0 = Decimal(bids[0][0]), Decimal(bids[0][1])
    qty = min(q0, Decimal("1"))
    res = await place(client, side="SELL", type="MARKET", timeInForce="IOC", quantity=str(qty))
    order = await get_order(client, res["result"]["orderId"])
    assert order["state"] == "FILLED"
    bal = await balances(client)
    assert bal["btc"] == (Decimal("10") - qty, Decimal(0))
    assert bal["usdt"][0] == Decimal("1000000") + p0 * qty * (1 - Decimal("0.001"))


async def test_market_buy_by_amount(sim, client):
    asks = book(sim)["asks"]
    p0 = Decimal(asks[0][0])
    res = await place(client, side="BUY", type="MARKET", timeInForce="IOC", quoteQty="100")
    order = await get_order(client, res["result"]["orderId"])
    assert order["state"] == "FILLED"
    assert Decimal(order["tradeQuote"]) <= 100
    assert 100 - Decimal(order["tradeQuote"]) < p0 * Decimal("0.0001") * 2
    bal = await balances(client)
    assert bal["usdt"] == (Decimal("1000000") - Decimal(order["tradeQuote"]), Decimal(0))


async def test_market_buy_with_quantity_is_refused(client):
    res = await place(client, side="BUY", type="MARKET", timeInForce="IOC", quantity="1")
    assert res["rc"] == 1 and res["mc"] == "ORDER_001"


async def test_partially_filled_gtc_rests_the_remainder(sim, client):
    asks = book(sim)["asks"]
    p0, q0 = Decimal(asks[0][0]), Decimal(asks[0][1])
    res = await place(client, side="BUY", type="LIMIT", timeInForce="GTC",
                      price=str(p0), quantity=str(q0 + 1))
    order = await get_order(client, res["result"]["orderId"])
    assert order["state"] == "PARTIALLY_FILLED"
    assert Decimal(order["leavingQty"]) == 1
    assert book(sim)["bids"][0] == (f"{p0:.2f}", "1.0000")
    _, body = await spot(client, "GET", "/v4/open-order", {"symbol": "btc_usdt"})
    assert [o["orderId"] for o in body["result"]] == [order["orderId"]]


async def test_user_orders_trade_with_each_other(sim, client):
    sim.add_account("k2", "s2", {"usdt": "1000000", "btc": "10"})
    bid = Decimal(book(sim)["bids"][0][0])
    ask = Decimal(book(sim)["asks"][0][0])
    price = bid + Decimal("0.01")
    assert price < ask
    # account 2 posts a bid inside the spread, the demo account sells into it
    _, res = await spot(client, "POST", "/v4/order", key="k2", secret="s2", body={
        "symbol": "btc_usdt", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
        "bizType": "SPOT", "price": str(price), "quantity": "2"})
    maker_id = res["result"]["orderId"]
    taker = await place(client, side="SELL", type="LIMIT", timeInForce="IOC",
                        price=str(price), quantity="0.5")
    assert (await get_order(client, taker["result"]["orderId"]))["state"] == "FILLED"
    _, body = await spot(client, "GET", f"/v4/order/{maker_id}", key="k2", secret="s2")
    assert body["result"]["state"] == "PARTIALLY_FILLED"
    assert body["result"]["executedQty"] == "0.5000"
    _, body = await spot(client, "GET", "/v4/balance", {"currency": "btc"}, key="k2",
                         secret="s2")
    assert Decimal(body["result"]["availableAmount"]) == 10 + Decimal("0.5") * Decimal("0.999")


async def test_insufficient_funds_is_order_002(client):
    res = await place(client, side="SELL", type="LIMIT", timeInForce="GTC",
                      price="99999", quantity="11")
    assert res["mc"] == "ORDER_002"


@pytest.mark.parametrize("price,qty,code", [
    ("30000.001", "1", "ORDER_008"),       # finer than pricePrecision 2
    ("30000", "0.00001", "ORDER_008"),     # finer than quantityPrecision 4
    ("0", "1", "ORDER_F0101"),
    ("30000", "0", "ORDER_F0201"),
    ("30000", "200000", "ORDER_F0202"),
    ("1000", "0.0001", "ORDER_F0301"),     # 0.1 usdt notional < 1
    ("5000", "1", "ORDER_F0501"),          # buy far below the last price
    ("200000", "0.01", "ORDER_F0503"),     # buy above 5x the last price
])
async def test_filters_give_the_spec_codes(client, price, qty, code):
    res = await place(client, side="BUY", type="LIMIT", timeInForce="GTC", price=price,
                      quantity=qty)
    assert res["rc"] == 1 and res["mc"] == code


async def test_unknown_symbol_is_symbol_001(client):
    res = await place(client, symbol="doge_usdt", side="BUY", type="LIMIT",
                      timeInForce="GTC", price="1", quantity="1")
    assert res["mc"] == "SYMBOL_001"


async def test_query_by_client_order_id_and_history(sim, client):
    price = Decimal(book(sim)["bids"][0][0]) - 20
    res = await place(client, side="BUY", type="LIMIT", timeInForce="GTC", price=str(price),
                      quantity="0.1", clientOrderId="abc_123")
    oid = res["result"]["orderId"]
    _, body = await spot(client, "GET", "/v4/order", {"clientOrderId": "abc_123"})
    assert body["result"]["orderId"] == oid
    await spot(client, "DELETE", "/v4/open-order", body={"symbol": "btc_usdt",
                                                          "bizType": "SPOT"})
    _, body = await spot(client, "GET", "/v4/history-order", {"symbol": "btc_usdt"})
    assert [o["orderId"] for o in body["result"]["items"]] == [oid]
    assert body["result"]["items"][0]["state"] == "CANCELED"


async def test_batch_submit_get_and_cancel(sim, client):
    price = Decimal(book(sim)["bids"][0][0]) - 20
    item = {"symbol": "btc_usdt", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
            "bizType": "SPOT", "price": str(price), "quantity": "0.1"}
    bad = {**item, "price": "1.001"}
    _, body = await spot(client, "POST", "/v4/batch-order", body={"items": [item, bad]})
    items = body["result"]["items"]
    assert items[0]["reject"] == "false" and items[1]["reject"] == "true"
    assert items[1]["reason"] == "ORDER_008"
    oid = items[0]["orderId"]
    _, body = await spot(client, "GET", "/v4/batch-order", {"orderIds": oid})
    assert [o["orderId"] for o in body["result"]] == [oid]
    await spot(client, "DELETE", "/v4/batch-order", body={"orderIds": [oid]})
    assert (await get_order(client, oid))["state"] == "CANCELED"


async def test_update_order_changes_price_and_quantity(sim, client):
    price = Decimal(book(sim)["bids"][0][0]) - 20
    res = await place(client, side="BUY", type="LIMIT", timeInForce="GTC", price=str(price),
                      quantity="0.1")
    oid = res["result"]["orderId"]
    _, body = await spot(client, "PUT", f"/v4/order/{oid}",
                         body={"price": str(price - 1), "quantity": "0.2"})
    assert body["result"]["orderId"] == oid
    order = await get_order(client, oid)
    assert (order["price"], order["origQty"]) == (f"{price - 1:.2f}", "0.2000")
    assert (await balances(client))["usdt"][1] == (price - 1) * Decimal("0.2")


async def test_trades_endpoint_lists_own_fills(sim, client):
    asks = book(sim)["asks"]
    res = await place(client, side="BUY", type="LIMIT", timeInForce="IOC", price=asks[0][0],
                      quantity="0.01")
    _, body = await spot(client, "GET", "/v4/trade", {"symbol": "btc_usdt"})
    items = body["result"]["items"]
    assert len(items) == 1 and items[0]["orderId"] == res["result"]["orderId"]
    assert items[0]["takerMaker"] == "taker" and items[0]["price"] == asks[0][0]
