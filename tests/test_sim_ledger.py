"""Spot wallet and ledger: deposits, withdrawals, transfers between business
types and accounts (with their balance pushes), LEVER orders, and the filters
and time bounds of the spot history endpoints."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest
from websockets.asyncio.client import connect

from sim_support import fut, spot, subscribe, wait_for
from wexcore.sim import DEMO_API_KEY, Simulator

SUB = ("sub-key", "sub-secret")


@pytest.fixture
async def world():
    async with Simulator(seed=3, paused=True, rate_limits=False, withdraw_seconds=0.3,
                         balances={"usdt": "10000", "btc": "2"}) as sim, \
            httpx.AsyncClient(base_url=sim.rest_url) as http:
        yield sim, http


async def ok(http, method, path, params=None, body=None, **kw):
    status, res = await spot(http, method, path, params, body, **kw)
    assert status == 200 and res["rc"] == 0, res
    return res["result"]


async def err(http, method, path, params=None, body=None, **kw) -> str:
    status, res = await spot(http, method, path, params, body, **kw)
    assert status == 200 and res["rc"] == 1, res
    return res["mc"]


async def asset(http, ccy, **kw):
    return await ok(http, "GET", "/v4/balance", {"currency": ccy}, **kw)


async def test_wallet_currencies_and_deposit_addresses_follow_the_symbols(world):
    sim, http = world
    cur = await ok(http, "GET", "/v4/public/wallet/support/currency")
    chains = {c["currency"]: [x["chain"] for x in c["supportChains"]] for c in cur}
    assert chains == {"BTC": ["Bitcoin"], "USDT": ["Ethereum", "Tron"], "ETH": ["Ethereum"]}
    a1 = await ok(http, "GET", "/v4/deposit/address", {"chain": "Tron", "currency": "usdt"})
    a2 = await ok(http, "GET", "/v4/deposit/address", {"chain": "Tron", "currency": "usdt"})
    assert a1 == a2 and a1["address"].startswith("T") and len(a1["address"]) == 34
    assert await err(http, "GET", "/v4/deposit/address",
                     {"chain": "Bitcoin", "currency": "usdt"}) == "DEPOSIT_001"
    assert await err(http, "GET", "/v4/deposit/address",
                     {"chain": "Tron", "currency": "doge"}) == "CURRENCY_001"


async def test_deposit_credits_the_wallet_and_is_listed(world):
    sim, http = world
    key = (await ok(http, "POST", "/v4/ws-token"))["accessToken"]
    async with connect(f"{sim.ws_url}/private") as ws:
        await subscribe(ws, "balance", listen_key=key)
        rec = sim.deposit("usdt", "250.5")
        push = await wait_for(ws, lambda f: f.get("topic") == "balance")
        assert (push["data"]["c"], push["data"]["b"], push["data"]["z"]) == \
            ("usdt", "10250.5", "SPOT")
    assert Decimal((await asset(http, "usdt"))["availableAmount"]) == Decimal("10250.5")
    hist = await ok(http, "GET", "/v4/deposit/history", {"currency": "usdt"})
    assert [(i["id"], i["status"], i["amount"]) for i in hist["items"]] == \
        [(rec["id"], "SUCCESS", "250.5")]


async def test_withdrawal_freezes_then_leaves_the_wallet(world):
    sim, http = world
    address = "0x" + "12" * 20
    res = await ok(http, "POST", "/v4/withdraw", body={
        "currency": "usdt", "chain": "Ethereum", "amount": "100", "address": address})
    wid = res["id"]
    a = await asset(http, "usdt")
    assert (Decimal(a["availableAmount"]), Decimal(a["frozenAmount"])) == (9900, 100)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    seen = []
    while True:
        items = (await ok(http, "GET", "/v4/withdraw/history", {"currency": "usdt"}))["items"]
        (w,) = items
        if not seen or seen[-1] != w["status"]:
            seen.append(w["status"])
        if w["status"] == "SUCCESS":
            break
        assert loop.time() < deadline, seen
        await asyncio.sleep(0.02)
    assert w["id"] == wid and w["fee"] == "1" and w["transactionId"]
    assert seen[0] == "REVIEW" and seen == sorted(seen, key=[
        "REVIEW", "AUDITED", "PENDING", "SUCCESS"].index)
    a = await asset(http, "usdt")
    assert (Decimal(a["availableAmount"]), Decimal(a["frozenAmount"])) == (9900, 0)


@pytest.mark.parametrize("body,code", [
    ({"address": ""}, "WITHDRAW_005"),
    ({"address": "not-an-address"}, "WITHDRAW_002"),
    ({"amount": "0.5"}, "WITHDRAW_015"),
    ({"amount": "5"}, "WITHDRAW_022"),
    ({"amount": "1.0000001"}, "WITHDRAW_010"),
    ({"amount": "20000"}, "WITHDRAW_011"),
    ({"chain": "Bitcoin"}, "WITHDRAW_024"),
    ({"amount": "1e999999999"}, "WITHDRAW_010"),
])
async def test_withdrawal_refusals_change_nothing(world, body, code):
    sim, http = world
    base = {"currency": "usdt", "chain": "Ethereum", "amount": "100",
            "address": "0x" + "ab" * 20}
    assert await err(http, "POST", "/v4/withdraw", body={**base, **body}) == code
    a = await asset(http, "usdt")
    assert (Decimal(a["availableAmount"]), Decimal(a["frozenAmount"])) == (10000, 0)


async def test_transfer_to_futures_and_back_moves_exact_amounts(world):
    sim, http = world
    tid = await ok(http, "POST", "/v4/balance/transfer", body={
        "bizId": "t-1", "from": "SPOT", "to": "FUTURES_U", "currency": "usdt",
        "amount": "1234.5"})
    assert isinstance(tid, int)
    assert Decimal((await asset(http, "usdt"))["availableAmount"]) == Decimal("8765.5")
    _, bal = await fut(http, "GET", "/future/user/v1/balance/detail", {"coin": "usdt"})
    assert Decimal(bal["result"]["walletBalance"]) == Decimal("101234.5")
    _, bills = await fut(http, "GET", "/future/user/v1/balance/bills")
    (b,) = bills["result"]["items"]
    assert (b["type"], b["side"], b["amount"]) == ("EXCHANGE", "ADD", "1234.5")
    assert await err(http, "POST", "/v4/balance/transfer", body={
        "bizId": "t-1", "from": "SPOT", "to": "FUTURES_U", "currency": "usdt",
        "amount": "1"}) == "FUND_001"  # the bizId was used
    await ok(http, "POST", "/v4/balance/transfer", body={
        "bizId": "t-2", "from": "FUTURES_U", "to": "SPOT", "currency": "usdt",
        "amount": "101234.5"})
    assert Decimal((await asset(http, "usdt"))["availableAmount"]) == 110000
    _, bal = await fut(http, "GET", "/future/user/v1/balance/detail", {"coin": "usdt"})
    assert Decimal(bal["result"]["walletBalance"]) == 0


@pytest.mark.parametrize("body,code", [
    ({"from": "SPOT", "to": "SPOT"}, "FUND_015"),
    ({"amount": "10001"}, "FUND_002"),
    ({"to": "LEVER"}, "FUND_016"),
    ({"from": "BANK"}, "FUND_017"),
    ({"amount": "-1"}, "FUND_017"),
    ({"amount": "1" * 114}, "FUND_044"),
    ({"currency": "USDT"}, "FUND_017"),
    ({"currency": "doge"}, "CURRENCY_001"),
    ({"to": "FUTURES_U", "currency": "btc"}, "FUND_003"),
])
async def test_transfer_refusals(world, body, code):
    sim, http = world
    base = {"bizId": "x-1", "from": "SPOT", "to": "FINANCE", "currency": "usdt",
            "amount": "10"}
    assert await err(http, "POST", "/v4/balance/transfer", body={**base, **body}) == code
    assert Decimal((await asset(http, "usdt"))["availableAmount"]) == 10000


async def test_lever_wallet_trades_on_its_own_balance(world):
    sim, http = world
    key = (await ok(http, "POST", "/v4/ws-token"))["accessToken"]
    async with connect(f"{sim.ws_url}/private") as ws:
        await subscribe(ws, "balance", listen_key=key)
        await ok(http, "POST", "/v4/balance/transfer", body={
            "bizId": "lev-1", "from": "SPOT", "to": "LEVER", "currency": "usdt",
            "symbol": "btc_usdt", "amount": "5000"})
        lever = await wait_for(ws, lambda f: f.get("topic") == "balance"
                               and f["data"]["z"] == "LEVER")
        assert (lever["data"]["s"], lever["data"]["b"]) == ("btc_usdt", "5000")
    bid = Decimal(sim.book_snapshot("btc_usdt", depth=1)["bids"][0][0])
    order = {"symbol": "btc_usdt", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
             "price": str(bid - 100), "quantity": "0.1"}
    await ok(http, "POST", "/v4/order", body={**order, "bizType": "LEVER"})
    await ok(http, "POST", "/v4/order", body={**order, "bizType": "SPOT"})
    # the spot wallet froze only its own order
    a = await asset(http, "usdt")
    assert Decimal(a["frozenAmount"]) == (bid - 100) * Decimal("0.1")
    lever_open = await ok(http, "GET", "/v4/open-order", {"bizType": "LEVER"})
    spot_open = await ok(http, "GET", "/v4/open-order", {"bizType": "SPOT"})
    assert [o["bizType"] for o in lever_open] == ["LEVER"]
    assert [o["bizType"] for o in spot_open] == ["SPOT"]
    # an order beyond the lever wallet is refused, though the spot wallet could pay
    big = {**order, "bizType": "LEVER", "quantity": "1"}  # ~30,000 usdt
    assert await err(http, "POST", "/v4/order", body=big) == "ORDER_002"


async def test_sub_account_transfer_between_accounts_of_one_user(world):
    sim, http = world
    sim.add_account(*SUB, balances={"usdt": "0"}, sub_of=DEMO_API_KEY)
    stranger = sim.add_account("stranger", "stranger-secret")
    to_id = sim.account(SUB[0]).account_id
    await ok(http, "POST", "/v4/balance/account/transfer", body={
        "bizId": "s-1", "from": "SPOT", "to": "SPOT", "currency": "usdt", "amount": "300",
        "toAccountId": to_id})
    assert Decimal((await asset(http, "usdt"))["availableAmount"]) == 9700
    sub = await asset(http, "usdt", key=SUB[0], secret=SUB[1])
    assert Decimal(sub["availableAmount"]) == 300
    assert await err(http, "POST", "/v4/balance/account/transfer", body={
        "bizId": "s-2", "from": "SPOT", "to": "SPOT", "currency": "usdt", "amount": "1",
        "toAccountId": stranger.account_id}) == "FUND_005"
    assert await err(http, "POST", "/v4/balance/account/transfer", body={
        "bizId": "s-3", "from": "SPOT", "to": "SPOT", "currency": "usdt", "amount": "1",
        "toAccountId": sim.account().account_id}) == "FUND_014"
    assert await err(http, "POST", "/v4/balance/account/transfer", body={
        "bizId": "s-4", "from": "SPOT", "to": "SPOT", "currency": "usdt", "amount": "1",
        "toAccountId": 42}) == "TRANSFER_003"


async def _fill_some(sim, http, n: int) -> list[str]:
    ask = Decimal(sim.book_snapshot("btc_usdt", depth=1)["asks"][0][0])
    ids = []
    for _ in range(n):
        res = await ok(http, "POST", "/v4/order", body={
            "symbol": "btc_usdt", "side": "BUY", "type": "LIMIT", "timeInForce": "IOC",
            "bizType": "SPOT", "price": str(ask + 50), "quantity": "0.001"})
        ids.append(res["orderId"])
    return ids


async def test_spot_history_filters_and_time_bounds(world):
    sim, http = world
    t0 = sim.clock_ms()
    ids = await _fill_some(sim, http, 3)
    t1 = sim.clock_ms()
    sell = await ok(http, "POST", "/v4/order", body={
        "symbol": "btc_usdt", "side": "SELL", "type": "MARKET", "timeInForce": "IOC",
        "bizType": "SPOT", "quantity": "0.001"})
    hist = await ok(http, "GET", "/v4/history-order", {"side": "BUY", "limit": 100})
    assert [o["orderId"] for o in hist["items"]] == ids[::-1]
    hist = await ok(http, "GET", "/v4/history-order", {"type": "MARKET"})
    assert [o["orderId"] for o in hist["items"]] == [sell["orderId"]]
    hist = await ok(http, "GET", "/v4/history-order", {"bizType": "LEVER"})
    assert hist["items"] == []
    trades = await ok(http, "GET", "/v4/trade", {"orderSide": "SELL"})
    assert {t["orderId"] for t in trades["items"]} == {sell["orderId"]}
    every = (await ok(http, "GET", "/v4/trade", {"limit": 100}))["items"]
    trades = await ok(http, "GET", "/v4/trade", {"startTime": t0, "endTime": t1,
                                                 "limit": 100})
    # the buys are inside; the sell only if it fell in the same millisecond as t1
    assert {t["orderId"] for t in trades["items"]} == \
        {t["orderId"] for t in every if t0 <= t["time"] <= t1} >= set(ids)
    later = await ok(http, "GET", "/v4/trade", {"startTime": t1 + 1, "limit": 100})
    assert {t["orderId"] for t in later["items"]} <= {sell["orderId"]}
    trades = await ok(http, "GET", "/v4/trade", {"orderType": "MARKET"})
    assert {t["orderId"] for t in trades["items"]} == {sell["orderId"]}
    assert await err(http, "GET", "/v4/trade", {"orderSide": "UP"}) == "FAILURE"
    assert await err(http, "GET", "/v4/history-order", {"limit": 101}) == "FAILURE"


async def test_spot_trade_paging_by_from_id(world):
    sim, http = world
    await _fill_some(sim, http, 5)
    page1 = await ok(http, "GET", "/v4/trade", {"limit": 2})
    assert page1["hasNext"] is True and page1["hasPrev"] is False
    t_ids = [t["tradeId"] for t in page1["items"]]
    page2 = await ok(http, "GET", "/v4/trade", {"limit": 2, "fromId": t_ids[-1],
                                                "direction": "NEXT"})
    assert page2["hasPrev"] is True
    more = [t["tradeId"] for t in page2["items"]]
    assert all(int(a) > int(b) for a, b in zip(t_ids + more, (t_ids + more)[1:],
                                              strict=False))
    back = await ok(http, "GET", "/v4/trade", {"limit": 2, "fromId": more[0],
                                               "direction": "PREV"})
    assert [t["tradeId"] for t in back["items"]] == t_ids
