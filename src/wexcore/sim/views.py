"""JSON views of public market data shared by the REST routes and the streams."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .market import BUY, SELL, Market
from .numbers import fmt, to_units
from .positions import brackets

INTERVAL_MS = {
    "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
    "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000,
    "8h": 28_800_000, "12h": 43_200_000, "1d": 86_400_000, "3d": 259_200_000,
    "1w": 604_800_000, "1M": 2_592_000_000,
}
#: futures REST klines document fewer intervals than the streams
FUTURES_REST_INTERVALS = ("1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w")


def spot_symbol_info(m: Market) -> dict[str, Any]:
    s = m.spec
    tick = fmt(1, s.price_precision)
    lot = fmt(1, s.quantity_precision)
    return {
        "symbol": s.symbol, "state": "ONLINE", "tradingEnabled": True, "openapiEnabled": True,
        "nextStateTime": None, "nextState": None, "depthMergePrecision": s.price_precision,
        "baseCurrency": s.base, "baseCurrencyPrecision": s.quantity_precision,
        "quoteCurrency": s.quote, "quoteCurrencyPrecision": s.price_precision + 2,
        "pricePrecision": s.price_precision, "quantityPrecision": s.quantity_precision,
        "takerFeeRate": s.taker_fee_rate, "makerFeeRate": s.maker_fee_rate,
        "orderTypes": ["LIMIT", "MARKET"], "timeInForces": ["GTC", "FOK", "IOC", "GTX"],
        "displayWeight": 1, "displayLevel": "FULL",
        "filters": [
            {"filter": "PROTECTION_LIMIT", "buyMaxDeviation": "0.8",
             "buyPriceLimitCoefficient": "4", "sellMaxDeviation": "4",
             "sellPriceLimitCoefficient": "0.8"},
            {"filter": "PROTECTION_MARKET", "maxDeviation": "0.1"},
            {"filter": "PROTECTION_ONLINE", "durationSeconds": "300", "maxPriceMultiple": "5"},
            {"filter": "PRICE", "min": tick, "max": None, "tickSize": tick},
            {"filter": "QUANTITY", "min": s.min_quantity or lot, "max": s.max_quantity,
             "tickSize": lot},
            {"filter": "QUOTE_QTY", "min": s.min_notional},
        ],
    }


def futures_symbol_info(m: Market) -> dict[str, Any]:
    s = m.spec
    tick = fmt(1, s.price_precision)
    return {
        "symbol": s.symbol, "pair": s.symbol, "contractType": "PERPETUAL",
        "productType": "perpetual",
        "underlyingType": "COIN_BASED" if s.inverse else "U_BASED",
        "contractSize": s.contract_size, "tradeSwitch": True, "isDisplay": True,
        "isOpenApi": True, "state": 0, "initLeverage": 10, "initPositionType": "ISOLATED",
        "baseCoin": s.base, "quoteCoin": s.quote, "baseCoinPrecision": 8,
        "baseCoinDisplayPrecision": 4, "quoteCoinPrecision": 8,
        "quoteCoinDisplayPrecision": 4, "quantityPrecision": s.quantity_precision,
        "pricePrecision": s.price_precision, "supportOrderType": "LIMIT,MARKET",
        "supportTimeInForce": "GTC,FOK,IOC,GTX",
        "supportEntrustType": "TAKE_PROFIT,STOP,TAKE_PROFIT_MARKET,STOP_MARKET",
        "supportPositionType": "CROSSED,ISOLATED", "minQty": "1", "minNotional": "0",
        "maxNotional": "100000000", "multiplierDown": "0.1", "multiplierUp": "0.1",
        "maxOpenOrders": 200, "maxEntrusts": 120, "makerFee": s.maker_fee_rate,
        "takerFee": s.taker_fee_rate, "liquidationFee": "0.01", "marketTakeBound": "0.1",
        "depthPrecisionMerge": s.price_precision, "labels": [], "onboardDate": 0,
        "enName": s.symbol.upper(), "cnName": s.symbol.upper(), "enDesc": "", "cnDesc": "",
        "enRemark": "", "cnRemark": "", "minStepPrice": tick, "minPrice": None,
        "maxPrice": None, "deliveryDate": None, "deliveryPrice": None,
        "deliveryCompletion": False, "symbolGroupId": 1, "plates": [], "offTime": None,
        "predictEventParam": None, "predictEventSort": None, "predictEventType": None,
    }


def leverage_brackets(m: Market) -> dict[str, Any]:
    rows = []
    for i, (nominal, maint, start, max_lev) in enumerate(brackets(m.spec), 1):
        rows.append({"bracket": i, "maintMarginRate": maint, "maxLeverage": max_lev,
                     "maxNominalValue": str(nominal), "maxStartMarginRate": start,
                     "minLeverage": 1, "startMarginRate": start, "symbol": m.spec.symbol})
    return {"symbol": m.spec.symbol, "leverageBrackets": rows}


def book_ticker(m: Market) -> dict[str, Any]:
    bid, ask = m.book.best(BUY), m.book.best(SELL)
    return {
        "ap": m.price_str(ask) if ask is not None else None,
        "aq": m.qty_str(m.book.qty(SELL, ask)) if ask is not None else None,
        "bp": m.price_str(bid) if bid is not None else None,
        "bq": m.qty_str(m.book.qty(BUY, bid)) if bid is not None else None,
    }


def rate(change: int, base: int) -> str:
    if not base:
        return "0.0000"
    return str((Decimal(change) / Decimal(base)).quantize(Decimal("0.0001")))


def ticker_24h(m: Market, now: int) -> dict[str, Any]:
    return {"s": m.spec.symbol, "t": m.last_trade_time or now,
            "cv": m.price_str(m.last - m.open_price), "cr": rate(m.last - m.open_price,
                                                                 m.open_price),
            "o": m.price_str(m.open_price), "l": m.price_str(m.low), "h": m.price_str(m.high),
            "c": m.price_str(m.last), "q": m.qty_str(m.volume),
            "v": m.quote_str(m.quote_volume)}


def futures_ticker(m: Market, now: int) -> dict[str, Any]:
    return {"s": m.spec.symbol, "t": now, "o": m.price_str(m.open_price),
            "c": m.price_str(m.last), "h": m.price_str(m.high), "l": m.price_str(m.low),
            "a": str(m.volume), "v": m.quote_str(m.quote_volume),
            "r": rate(m.last - m.open_price, m.open_price)}


def agg_ticker(m: Market, now: int) -> dict[str, Any]:
    t = futures_ticker(m, now)
    bk = book_ticker(m)
    t.update(i=m.price_str(m.index_price()), m=m.price_str(m.mark_price()), ap=bk["ap"],
             bp=bk["bp"])
    return t


def klines(m: Market, interval: str, start: int | None, end: int | None, limit: int,
           now: int | None = None) -> list[dict[str, Any]]:
    """Candles built from the simulator's own trade record."""
    span = INTERVAL_MS[interval]
    buckets: dict[int, list[Any]] = {}
    for t in m.trades:
        if start is not None and t.time < start:
            continue
        if end is not None and t.time > end:
            continue
        b = t.time - t.time % span
        k = buckets.get(b)
        if k is None:
            buckets[b] = [t.price, t.price, t.price, t.price, t.qty, t.qty * t.price]
        else:
            k[1] = t.price
            k[2] = max(k[2], t.price)
            k[3] = min(k[3], t.price)
            k[4] += t.qty
            k[5] += t.qty * t.price
    if now is not None:
        b = now - now % span
        buckets.setdefault(b, [m.last, m.last, m.last, m.last, 0, 0])
    out = []
    for b in sorted(buckets)[-limit:]:
        o, c, h, low, q, v = buckets[b]
        out.append({"t": b, "o": m.price_str(o), "c": m.price_str(c), "h": m.price_str(h),
                    "l": m.price_str(low), "q": m.qty_str(q), "n": str(q) if
                    m.spec.quantity_precision == 0 else m.qty_str(q), "v": m.quote_str(v)})
    return out


def kline_push(m: Market, interval: str, now: int, product: str) -> dict[str, Any]:
    k = klines(m, interval, None, None, 1, now=now)[-1]
    sym = m.spec.symbol
    if product == "spot":
        return {"s": sym, "t": k["t"], "i": interval, "o": k["o"], "c": k["c"], "h": k["h"],
                "l": k["l"], "q": k["q"], "v": k["v"]}
    o = to_units(k["o"], m.spec.price_precision)
    c = to_units(k["c"], m.spec.price_precision)
    return {"s": sym, "o": k["o"], "c": k["c"], "h": k["h"], "l": k["l"], "a": k["n"],
            "v": k["v"], "ch": rate(c - o, o), "t": k["t"]}


def depth_levels(m: Market, side: str, n: int | None) -> list[list[str]]:
    ps, qs = m.price_str, m.qty_str
    return [[ps(p), qs(q)] for p, q in m.book.levels(side, n)]
