"""Helpers for the market-replay tests: hand-made recordings (the documented
JSON-lines format, written here with gzip and orjson) and recordings made
from the simulator once per session."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path
from typing import Any

import orjson

from wexcore.record import record
from wexcore.sim import Simulator

SYM = "btc_usdt"
#: the hand-made recordings' first instant (ns); events are placed in ms after it
BASE_NS = 1_700_000_000_000_000_000
BASE_MS = BASE_NS // 1_000_000


async def until(cond: Any, timeout: float = 5.0) -> None:
    """Wait until ``cond()`` holds, polling on the loop's clock (virtual in a
    replay, so the bound is replay seconds); TimeoutError past ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.005)


def ms(t: float) -> int:
    """``t`` ms after BASE, in ns."""
    return BASE_NS + round(t * 1_000_000)


def levels(pairs: list[tuple[str, str]]) -> list[list[str]]:
    return [[p, q] for p, q in pairs]


def snapshot(t: float, last_id: int, bids: list[tuple[str, str]], asks: list[tuple[str, str]],
             *, product: str = "spot", symbol: str = SYM) -> dict[str, Any]:
    if product == "spot":
        body = {"rc": 0, "mc": "SUCCESS", "ma": [], "result": {
            "timestamp": (BASE_NS + round(t * 1e6)) // 1_000_000, "lastUpdateId": last_id,
            "bids": levels(bids), "asks": levels(asks)}}
    else:
        body = {"returnCode": 0, "msgInfo": "success", "error": None, "result": {
            "s": symbol, "t": 0, "u": last_id, "b": levels(bids), "a": levels(asks)}}
    return {"type": "snapshot", "ts": ms(t), "product": product, "symbol": symbol,
            "body": orjson.dumps(body).decode()}


def depth(t: float, first: int, last: int, bids: list[tuple[str, str]] = (),
          asks: list[tuple[str, str]] = (), *, product: str = "spot",
          symbol: str = SYM) -> dict[str, Any]:
    if product == "spot":
        data: dict[str, Any] = {"s": symbol, "fi": first, "i": last, "a": levels(list(asks)),
                                "b": levels(list(bids))}
    else:
        data = {"s": symbol, "pu": first - 1, "fu": first, "u": last, "a": levels(list(asks)),
                "b": levels(list(bids)), "t": ms(t) // 1_000_000}
    frame = {"topic": "depth_update", "event": f"depth_update@{symbol}", "data": data}
    return {"type": "frame", "ts": ms(t), "product": product, "symbol": symbol,
            "topic": "depth_update", "frame": orjson.dumps(frame).decode()}


def trade(t: float, price: str, qty: str, buyer_maker: bool, trade_id: int = 1, *,
          symbol: str = SYM) -> dict[str, Any]:
    data = {"s": symbol, "i": trade_id, "t": ms(t) // 1_000_000, "oi": 0, "p": price, "q": qty,
            "v": "0", "b": buyer_maker}
    frame = {"topic": "trade", "event": f"trade@{symbol}", "data": data}
    return {"type": "frame", "ts": ms(t), "product": "spot", "symbol": symbol,
            "topic": "trade", "frame": orjson.dumps(frame).decode()}


def write_recording(path: Path, records: list[dict[str, Any]], *, product: str = "spot",
                    symbol: str = SYM, price_precision: int = 2,
                    quantity_precision: int = 4, more_books: tuple[str, ...] = ()) -> str:
    """A recording file: header, book records (``symbol`` and ``more_books``,
    the same precisions), then ``records`` as given."""
    symbols = [symbol, *more_books]
    head: list[dict[str, Any]] = [{"type": "header", "format": "wexcore-record", "version": 1,
                                   "started_ns": BASE_NS, "product": product,
                                   "symbols": symbols}]
    head += [{"type": "book", "product": product, "symbol": s,
              "price_precision": price_precision, "quantity_precision": quantity_precision}
             for s in symbols]
    data = b"".join(orjson.dumps(r) + b"\n" for r in head + records)
    path.write_bytes(gzip.compress(data, mtime=0))
    return str(path)


#: a small book: bids 100.00 x 1, 99.00 x 2; asks 101.00 x 1, 102.00 x 3
BOOK_BIDS = [("100.00", "1.0000"), ("99.00", "2.0000")]
BOOK_ASKS = [("101.00", "1.0000"), ("102.00", "3.0000")]


_MADE: dict[str, Path] = {}


async def _record(path: Path, product: str, seconds: float, faults: str | None) -> None:
    async with Simulator(symbols=[SYM], seed=5, step_interval=0.005, depth_interval=0.01,
                         futures_depth_limit=500, faults=faults) as sim:
        await record([SYM], str(path), product=product, rest_url=sim.rest_url,
                     ws_url=sim.ws_url, seconds=seconds)


def sim_recording(tmp_path_factory: Any, name: str, *, product: str = "spot",
                  seconds: float = 1.0, faults: str | None = None) -> str:
    """A recording of the simulator (made once per session and name)."""
    if name not in _MADE:
        path = tmp_path_factory.mktemp("replay") / f"{name}.jsonl.gz"
        asyncio.run(_record(path, product, seconds, faults))
        _MADE[name] = path
    return str(_MADE[name])


def recorded(path: str, kind: str) -> list[dict[str, Any]]:
    from wexcore.record import read_records

    return [r for r in read_records(path) if r["type"] == kind]
