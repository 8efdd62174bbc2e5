"""A small market maker written against the live API, backtested unchanged.

Live (the exchange; your key in WEX_API_KEY / WEX_SECRET)::

    python examples/backtest/market_maker.py

Backtest against a recording (``wexcore record btc_usdt -o session.jsonl.gz``)::

    python examples/backtest/market_maker.py session.jsonl.gz

:func:`make_market` is the strategy: it only knows URLs and a key. The
backtest hands it the URLs of a simulator that replays the recording
(docs/replay.md).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from decimal import Decimal

from wexcore import AsyncSpotClient, LiveBook, SpotPrivateStream, UserTrade


async def make_market(rest_url: str, ws_url: str, api_key: str, secret: str, *,
                      symbol: str = "btc_usdt", size: str = "0.01",
                      max_position: str = "0.05", requote: float = 0.5) -> None:
    """Quote one post-only order on each side at the touch, re-quoted every
    ``requote`` seconds; stop adding to a position beyond ``max_position``."""
    position = Decimal(0)
    limit = Decimal(max_position)

    def on_fill(fill: UserTrade) -> None:
        nonlocal position
        bought = fill.buyer_is_maker == fill.is_maker  # the buyer made it, and so did we
        qty = Decimal(fill.quantity_string)
        position += qty if bought else -qty

    async with AsyncSpotClient(api_key, secret, base_url=rest_url) as rest, \
            SpotPrivateStream(url=ws_url, api_key=api_key, secret=secret,
                              rest_url=rest_url) as private, \
            LiveBook(symbol, ws_url=ws_url, rest_url=rest_url) as book:
        await private.subscribe("trade", callback=on_fill)
        await book.wait_synced()
        scale = -book.price_precision
        while True:
            await rest.cancel_open_orders(symbol=symbol)
            bid, ask = book.best_bid_ticks(), book.best_ask_ticks()  # (price, quantity)
            if bid is not None and position < limit:
                await rest.place_order(symbol, "BUY", "LIMIT", time_in_force="GTX",
                                       price=Decimal(bid[0]).scaleb(scale), quantity=size)
            if ask is not None and position > -limit:
                await rest.place_order(symbol, "SELL", "LIMIT", time_in_force="GTX",
                                       price=Decimal(ask[0]).scaleb(scale), quantity=size)
            await asyncio.sleep(requote)


def backtest(recording: str, **latency: str) -> dict:
    """Run :func:`make_market`, unchanged, against ``recording``; the run summary."""
    from wexcore.sim.replay import run_replay

    run = run_replay(recording, lambda sim: make_market(sim.rest_url, sim.ws_url,
                                                        sim.api_key, sim.secret),
                     seed=1, **latency)
    return run.summary


if __name__ == "__main__":
    if len(sys.argv) > 1:
        summary = backtest(sys.argv[1], entry_latency="uniform:2:8", ack_latency="3")
        print(json.dumps(summary, indent=2))
    else:
        asyncio.run(make_market("https://sapi.wexex.io", "wss://stream.wexex.io",
                                os.environ["WEX_API_KEY"], os.environ["WEX_SECRET"]))
