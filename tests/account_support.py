"""Helpers for the account tests (not a test module): private pushes written
the way the spec's examples write them, REST records in their wire form, and
the comparison of an account with the simulator's REST."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import orjson

import wexcore
from wexcore.rest import types as T


def push(topic: str, event: str, data: dict[str, Any]) -> Any:
    """A private push as bytes, decoded by the kernel as the stream does."""
    return wexcore.decode(orjson.dumps({"topic": topic, "event": event, "data": data}))


# ---------------------------------------------------------------- spot pushes
def spot_order(oid: int, state: str, *, eq: str = "0", oq: str = "1", p: str = "100",
               t: int = 1, ci: str | None = None, sd: str = "BUY") -> Any:
    return push("order", "order", {
        "s": "btc_usdt", "bc": "btc", "qc": "usdt", "t": t, "ct": 1, "i": str(oid), "ci": ci,
        "st": state, "sd": sd, "tp": "LIMIT", "oq": oq, "eq": eq,
        "lq": str(Decimal(oq) - Decimal(eq)), "p": p, "ap": p, "f": "0"})


def spot_fill(tid: int, oid: int, q: str, *, p: str = "100", t: int = 1, b: bool = False,
              tm: int = 1) -> Any:
    return push("trade", "trade", {"s": "btc_usdt", "i": tid, "t": t, "oi": str(oid), "p": p,
                                    "q": q, "v": str(Decimal(p) * Decimal(q)), "b": b, "tm": tm})


def spot_balance(c: str, b: str, f: str, z: str = "SPOT") -> Any:
    return push("balance", "balance", {"a": "1", "t": 1, "c": c, "b": b, "f": f, "z": z,
                                        "s": "btc_usdt"})


# ---------------------------------------------------------------- futures pushes
def fut_order(oid: int, state: str, *, eq: str = "0", oq: str = "10", p: str = "100",
              ci: str | None = None) -> Any:
    return push("order", "order@1", {
        "symbol": "btc_usdt", "orderId": str(oid), "clientOrderId": ci, "origQty": oq,
        "avgPrice": p, "price": p, "executedQty": eq, "orderSide": "BUY", "timeInForce": "GTC",
        "positionSide": "LONG", "marginFrozen": "1", "sourceType": "default", "type": "ORDER",
        "state": state, "createdTime": 1, "leverage": 10, "positionType": "ISOLATED",
        "orderType": "LIMIT"})


def fut_fill(oid: int, q: str, *, p: str = "100", ts: int = 1000) -> Any:
    return push("trade", "trade@1", {
        "orderId": str(oid), "clientOrderId": None, "price": p, "quantity": q,
        "marginUnfrozen": "0", "timestamp": ts, "symbol": "btc_usdt", "orderSide": "BUY",
        "positionSide": "LONG", "isMaker": False, "fee": "0.01"})


def fut_balance(coin: str, wallet: str, frozen: str = "0") -> Any:
    return push("balance", "balance@1", {
        "coin": coin, "underlyingType": 2, "walletBalance": wallet,
        "openOrderMarginFrozen": frozen, "isolatedMargin": "0", "crossedMargin": "0"})


def fut_position(side: str, size: str, *, entry: str = "100") -> Any:
    return push("position", "position@1", {
        "symbol": "btc_usdt", "contractType": "PERPETUAL", "positionType": "ISOLATED",
        "positionSide": side, "positionSize": size, "closeOrderSize": "0",
        "availableCloseSize": size, "realizedProfit": "0", "entryPrice": entry,
        "isolatedMargin": "1", "openOrderMarginFrozen": "0", "underlyingType": "U_BASED",
        "leverage": 10})


# ---------------------------------------------------------------- REST records
def rest(tp: type[Any], **wire: Any) -> Any:
    """A REST result record from its wire (camelCase) fields."""
    return msgspec.convert(wire, tp, strict=False)


def rest_spot_order(oid: int, state: str, *, eq: str = "0", oq: str = "1", p: str = "100",
                    ci: str | None = None, updated: int = 1) -> T.SpotOrder:
    return rest(T.SpotOrder, symbol="btc_usdt", orderId=str(oid), clientOrderId=ci,
                state=state, side="BUY", type="LIMIT", timeInForce="GTC", price=p,
                origQty=oq, executedQty=eq, time=1, updatedTime=updated)


def rest_spot_fill(tid: int, oid: int, q: str, *, p: str = "100", t: int = 1,
                   fee: str = "0.1") -> T.SpotUserTrade:
    return rest(T.SpotUserTrade, symbol="btc_usdt", tradeId=str(tid), orderId=str(oid),
                time=t, price=p, quantity=q, fee=fee, feeCurrency="usdt", takerMaker="taker")


def rest_fut_fill(eid: int, oid: int, q: str, *, p: str = "100",
                  ts: int = 1000) -> T.FuturesUserTrade:
    return rest(T.FuturesUserTrade, orderId=str(oid), execId=str(eid), symbol="btc_usdt",
                price=p, quantity=q, fee="0.01", feeCoin="usdt", timestamp=ts,
                takerMaker="TAKER")


def rest_fut_order(oid: int, state: str, *, eq: str = "0", oq: str = "10",
                   p: str = "100") -> T.FuturesOrder:
    return rest(T.FuturesOrder, orderId=str(oid), symbol="btc_usdt", state=state,
                executedQty=eq, origQty=oq, price=p, orderSide="BUY", positionSide="LONG")


def rest_spot_balance(c: str, total: str, frozen: str) -> T.SpotBalance:
    return rest(T.SpotBalance, currency=c, totalAmount=total, frozenAmount=frozen,
                availableAmount=str(Decimal(total) - Decimal(frozen)))


def rest_position(side: str, size: str, *, entry: str = "100") -> T.FuturesPosition:
    return rest(T.FuturesPosition, symbol="btc_usdt", positionSide=side, positionSize=size,
                entryPrice=entry, isolatedMargin="1", closeOrderSize="0",
                availableCloseSize=size, realizedProfit="0", openOrderMarginFrozen="0",
                leverage=10, positionType="ISOLATED")


def kinds(events: list[Any]) -> list[tuple[str, Any]]:
    """A compact, comparable view of emitted events."""
    out: list[tuple[str, Any]] = []
    for e in events:
        if isinstance(e, wexcore.OrderEvent):
            out.append(("order", (e.order.order_id, str(e.order.state), e.recovered)))
        elif isinstance(e, wexcore.FillEvent):
            out.append(("fill", (e.fill.order_id, e.fill.quantity, e.recovered)))
        elif isinstance(e, wexcore.BalanceEvent):
            out.append(("balance", e.recovered))
        else:
            out.append(("position", e.recovered))
    return out
