"""Seeded generator of WEX WebSocket push messages in the wire format.

Used by the decoding benchmarks (and usable by anyone who needs realistic
frames): compact JSON as the exchange sends it, spot spellings, prices and
quantities as quoted decimal strings, ids as bare integers above 2**53.
Every generator returns ``(frame_bytes, expected)`` where ``expected`` holds
the values a decoder must find, so a benchmark can assert its result.
"""

from __future__ import annotations

import random

SYMBOLS = ("btc_usdt", "eth_usdt", "sol_usdt", "xrp_usdt", "doge_usdt", "wex_usdt")
INTERVALS = ("1m", "5m", "15m", "1h", "4h", "1d")


def _decimal(rng: random.Random, low: float, high: float, places: int) -> str:
    text = f"{rng.uniform(low, high):.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def trade(rng: random.Random) -> tuple[bytes, dict]:
    symbol = rng.choice(SYMBOLS)
    trade_id = rng.randrange(2**62, 2**63)
    order_id = rng.randrange(2**62, 2**63)
    time = 1_700_000_000_000 + rng.randrange(10**9)
    price = _decimal(rng, 10, 70000, 2)
    qty = _decimal(rng, 0.0001, 5, 4)
    quote = _decimal(rng, 1, 100000, 4)
    maker = rng.random() < 0.5
    frame = (
        f'{{"topic":"trade","event":"trade@{symbol}","data":{{"s":"{symbol}",'
        f'"i":{trade_id},"t":{time},"oi":{order_id},"p":"{price}","q":"{qty}",'
        f'"v":"{quote}","b":{"true" if maker else "false"}}}}}'
    ).encode()
    return frame, {"symbol": symbol, "trade_id": trade_id, "order_id": order_id, "time": time,
                   "price": float(price), "quantity": float(qty), "buyer_is_maker": maker}


def ticker(rng: random.Random) -> tuple[bytes, dict]:
    symbol = rng.choice(SYMBOLS)
    time = 1_700_000_000_000 + rng.randrange(10**9)
    o, c, h, low = (_decimal(rng, 10, 70000, 2) for _ in range(4))
    change = _decimal(rng, -500, 500, 2)
    rate = _decimal(rng, -0.1, 0.1, 4)
    qty = _decimal(rng, 0, 10000, 4)
    vol = _decimal(rng, 0, 1e8, 2)
    frame = (
        f'{{"topic":"ticker","event":"ticker@{symbol}","data":{{"s":"{symbol}","t":{time},'
        f'"cv":"{change}","cr":"{rate}","o":"{o}","c":"{c}","h":"{h}","l":"{low}",'
        f'"q":"{qty}","v":"{vol}"}}}}'
    ).encode()
    return frame, {"symbol": symbol, "time": time, "close": float(c), "volume": float(qty)}


def kline(rng: random.Random) -> tuple[bytes, dict]:
    symbol = rng.choice(SYMBOLS)
    interval = rng.choice(INTERVALS)
    time = 1_700_000_000_000 + rng.randrange(10**9)
    o, c, h, low = (_decimal(rng, 10, 70000, 2) for _ in range(4))
    qty = _decimal(rng, 0, 10000, 4)
    vol = _decimal(rng, 0, 1e8, 2)
    frame = (
        f'{{"topic":"kline","event":"kline@{symbol},{interval}","data":{{"s":"{symbol}",'
        f'"t":{time},"i":"{interval}","o":"{o}","c":"{c}","h":"{h}","l":"{low}",'
        f'"q":"{qty}","v":"{vol}"}}}}'
    ).encode()
    return frame, {"symbol": symbol, "time": time, "interval": interval, "close": float(c)}


def depth_update(rng: random.Random, levels: int, first_id: int = 1000,
                 product: str = "spot") -> tuple[bytes, dict]:
    """A depth_update with ``levels`` levels per side around 30000.00."""
    symbol = "btc_usdt"
    bids = [(f"{30000 - 0.01 * (k + rng.randrange(3)):.2f}", _decimal(rng, 0, 3, 4))
            for k in range(levels)]
    asks = [(f"{30000.01 + 0.01 * (k + rng.randrange(3)):.2f}", _decimal(rng, 0, 3, 4))
            for k in range(levels)]
    last_id = first_id + rng.randrange(1, 50)
    side = ",".join(f'["{p}","{q}"]' for p, q in asks)
    bside = ",".join(f'["{p}","{q}"]' for p, q in bids)
    if product == "spot":
        ids = f'"fi":{first_id},"i":{last_id}'
    else:
        ids = f'"pu":{first_id - 1},"fu":{first_id},"u":{last_id}'
    tail = "" if product == "spot" else f',"t":{1_700_000_000_000 + first_id}'
    frame = (
        f'{{"topic":"depth_update","event":"depth_update@{symbol}","data":{{"s":"{symbol}",'
        f'{ids},"a":[{side}],"b":[{bside}]{tail}}}}}'
    ).encode()
    return frame, {"first_update_id": first_id, "last_update_id": last_id,
                   "bids": bids, "asks": asks}


GENERATORS = {"trade": trade, "ticker": ticker, "kline": kline}


def batch(kind: str, count: int, seed: int = 4) -> list[tuple[bytes, dict]]:
    rng = random.Random(seed)
    make = GENERATORS[kind]
    return [make(rng) for _ in range(count)]
