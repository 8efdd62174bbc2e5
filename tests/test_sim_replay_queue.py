"""Market replay: the queue model, against hand-computed queue positions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from replay_support import (
    BASE_MS,
    BOOK_ASKS,
    BOOK_BIDS,
    SYM,
    depth,
    snapshot,
    trade,
    until,
    write_recording,
)
from wexcore import AsyncSpotClient, SpotPrivateStream
from wexcore.sim.queue import ReplayBook

BUY, SELL = "BUY", "SELL"


@dataclass(eq=False)
class Order:
    id: int
    side: str
    price: int
    remaining: int


def book_with(model: str, bids=(), asks=()) -> ReplayBook:
    book = ReplayBook(1, model)
    for p, q in bids:
        book.set_recorded(BUY, p, q)
    for p, q in asks:
        book.set_recorded(SELL, p, q)
    return book


def fills_of(fills):
    return [(f.maker.id, f.price, f.qty) for f in fills]


# Each step of one resting buy (5 lots at 100, joining behind 10): the
# quantity ahead of it after the step, by model, worked out by hand in
# docs/replay.md ("A worked example").
STEPS = [
    # what happens                         proportional  front  back
    ("depth 100: 10 -> 8 (2 cancelled)",   8,            8,     8),
    ("depth 100: 8 -> 12 (4 join behind)", 8,            8,     8),
    ("depth 100: 12 -> 9 (3 cancelled)",   6,            5,     8),
    ("trade 4 at 100 (a seller took)",     2,            1,     4),
    ("depth 100: 9 -> 5 (the trade)",      2,            1,     4),
]


@pytest.mark.parametrize("model,column", [("proportional", 1), ("front", 2), ("back", 3)])
def test_a_resting_order_moves_up_the_queue_as_computed_by_hand(model, column):
    book = book_with(model, bids=[(100, 10), (99, 7)], asks=[(101, 3)])
    o = Order(1, BUY, 100, 5)
    book.add_order(BUY, 100, o)
    assert book.queue_ahead(o) == 10
    book.set_recorded(BUY, 100, 8)
    assert book.queue_ahead(o) == STEPS[0][column]
    book.set_recorded(BUY, 100, 12)
    assert book.queue_ahead(o) == STEPS[1][column]
    book.set_recorded(BUY, 100, 9)
    assert book.queue_ahead(o) == STEPS[2][column]
    assert book.on_trade(100, 4, BUY) == []
    assert book.queue_ahead(o) == STEPS[3][column]
    book.set_recorded(BUY, 100, 5)
    assert book.queue_ahead(o) == STEPS[4][column]
    # a trade of 5 at 100: what is left after the quantity ahead fills the order
    ahead = STEPS[4][column]
    assert fills_of(book.on_trade(100, 5, BUY)) == [(1, 100, min(5, 5 - ahead))]
    assert o.remaining == 5 - (5 - ahead)
    # a sell at 99 traded through 100: the rest fills at the order's price
    left = o.remaining
    assert fills_of(book.on_trade(99, 10, BUY)) == ([(1, 100, left)] if left else [])
    assert o.remaining == 0 and book.user_orders == 0 and book.queue_ahead(o) is None
    # the public book never saw the user order
    assert book.levels(BUY) == [(100, 5), (99, 7)]


def test_user_orders_at_one_price_keep_their_time_order():
    book = book_with("proportional", bids=[(100, 4)])
    first, second = Order(1, BUY, 100, 2), Order(2, BUY, 100, 3)
    book.add_order(BUY, 100, first)
    book.set_recorded(BUY, 100, 6)
    book.add_order(BUY, 100, second)
    assert (book.queue_ahead(first), book.queue_ahead(second)) == (4, 6)
    # 7 traded: 4 ahead of the first, 2 fill it, 1 of the 2 between them
    assert fills_of(book.on_trade(100, 7, BUY)) == [(1, 100, 2)]
    assert book.queue_ahead(second) == 1 and second.remaining == 3
    # the next 4: 1 ahead, then 3 fill the second
    assert fills_of(book.on_trade(100, 4, BUY)) == [(2, 100, 3)]


def test_a_trade_through_fills_better_prices_first_up_to_its_quantity():
    book = book_with("proportional", bids=[(100, 4), (98, 1)])
    a, b, c = Order(1, BUY, 101, 2), Order(2, BUY, 100, 3), Order(3, BUY, 99, 9)
    for o in (a, b, c):
        book.add_order(BUY, o.price, o)
    # a seller took 4 at 98: 101 first, then 100 (its queue is gone), then 99
    assert fills_of(book.on_trade(98, 4, BUY)) == [(1, 101, 2), (2, 100, 2)]
    assert book.queue_ahead(b) == 0 and book.queue_ahead(c) == 0
    assert (a.remaining, b.remaining, c.remaining) == (0, 1, 9)


def test_the_recorded_other_side_reaching_a_resting_order_fills_it():
    book = book_with("proportional", bids=[(99, 1)], asks=[(101, 1)])
    o = Order(1, BUY, 100, 5)
    book.add_order(BUY, 100, o)
    assert book.crossed_fills() == []
    book.set_recorded(SELL, 100, 3)  # a seller posts at the resting buy's price
    assert fills_of(book.crossed_fills()) == [(1, 100, 3)]
    assert book.available(SELL, 100) == 0  # taken by the user: never twice
    assert book.crossed_fills() == []
    book.set_recorded(SELL, 100, 4)  # one more arrives
    assert fills_of(book.crossed_fills()) == [(1, 100, 1)]
    book.set_recorded(SELL, 100, 2)  # recorded takers: the footprint shrinks with it
    assert book.footprint[(SELL, 100)] == 2 and book.available(SELL, 100) == 0
    book.set_recorded(SELL, 100, 0)
    assert (SELL, 100) not in book.footprint
    book.set_recorded(SELL, 99, 7)  # through the order's price: fills at its price
    assert fills_of(book.crossed_fills()) == [(1, 100, 1)] and o.remaining == 0


def test_takers_consume_recorded_liquidity_without_changing_the_public_book():
    book = book_with("proportional", bids=[(100, 1)], asks=[(101, 1), (102, 3)])
    assert book.fillable(BUY, 102, 4) and not book.fillable(BUY, 102, 5)
    assert [(f.price, f.qty, f.maker) for f in book.take(BUY, 102, 2)] == [
        (101, 1, None), (102, 1, None)]
    assert book.levels(SELL) == [(101, 1), (102, 3)]  # the recording is untouched
    assert not book.fillable(BUY, 102, 3)
    assert [(f.price, f.qty) for f in book.take(BUY, 102, 3)] == [(102, 2)]
    assert book.take(BUY, None, 1) == []
    # by quote amount: 2 lots at 101 cost 202, the budget buys 1 of what 101 has again
    book.set_recorded(SELL, 101, 0)
    book.set_recorded(SELL, 101, 5)  # the level emptied and refilled: all available
    assert [(f.price, f.qty) for f in book.take(BUY, None, None, quote_budget=303)] == [
        (101, 3)]
    assert book.update_id == 1 and book.flush() is None


def test_a_cancelled_user_order_leaves_the_queue():
    book = book_with("proportional", bids=[(100, 4)])
    o = Order(1, BUY, 100, 2)
    book.add_order(BUY, 100, o)
    book.remove_order(BUY, 100, o)
    assert book.user_orders == 0 and book.on_trade(100, 10, BUY) == [] and o.remaining == 2
    book.remove_order(BUY, 100, o)  # twice: nothing
    assert book.user_orders == 0


# -- end to end: the exchange's own clients against a hand-made recording ---------

QUEUE_RECORDING = [
    snapshot(0, 10, BOOK_BIDS, BOOK_ASKS),           # bid 100.00 x 1.0
    depth(10, 11, 11, bids=[("100.00", "0.8000")]),  # 0.2 cancelled: ahead 1.0 -> 0.8
    trade(15, "100.00", "0.5000", True, 1),          # a seller took 0.5: ahead 0.3
    depth(16, 12, 12, bids=[("100.00", "0.3000")]),  # the trade (no cancellation)
    trade(20, "100.00", "0.6000", True, 2),          # 0.3 ahead, then 0.3 to the order
    depth(21, 13, 13, bids=[("100.00", "0.0000")]),
    trade(30, "99.00", "1.0000", True, 3),           # through 100: the last 0.2
]


def test_a_resting_order_fills_where_its_queue_position_says(tmp_path):
    from wexcore.sim.replay import run_replay

    path = write_recording(tmp_path / "queue.jsonl.gz", QUEUE_RECORDING)

    async def strategy(sim):
        fills, orders = [], []
        async with AsyncSpotClient(sim.api_key, sim.secret, base_url=sim.rest_url) as rest, \
                SpotPrivateStream(url=sim.ws_url, api_key=sim.api_key, secret=sim.secret,
                                  rest_url=sim.rest_url) as private:
            await private.subscribe("trade", callback=fills.append)
            await private.subscribe("order", callback=orders.append)
            await sim.replay.sleep_until(BASE_MS + 5)
            placed = await rest.place_order(SYM, "BUY", "LIMIT", price="100.00",
                                            quantity="0.5")
            await sim.replay.done.wait()
            await until(lambda: len(fills) >= 2)
            mine = await rest.my_trades(symbol=SYM)
            return placed.order_id, fills, orders, mine

    oid, fills, orders, mine = run_replay(path, strategy, stop_at_end=False).result
    assert [(f.order_id, f.price_string, f.quantity_string, f.time, f.is_maker)
            for f in fills] == [(oid, "100.00", "0.3000", BASE_MS + 20, True),
                                (oid, "100.00", "0.2000", BASE_MS + 30, True)]
    assert [str(o.state) for o in orders][-1].endswith("FILLED")
    assert sorted((str(t.quantity), t.time, t.fee) for t in mine.items) == [
        ("0.2000", BASE_MS + 30, Decimal("0.0002")), ("0.3000", BASE_MS + 20, Decimal("0.0003"))]
