"""The account's merge rules, sans I/O: pushes as bytes (decoded by the kernel,
as on the stream) and REST records, in every interleaving that matters."""

from __future__ import annotations

from decimal import Decimal

import pytest

import wexcore
from account_support import (
    fut_balance,
    fut_fill,
    fut_order,
    fut_position,
    kinds,
    rest_fut_fill,
    rest_fut_order,
    rest_position,
    rest_spot_balance,
    rest_spot_fill,
    rest_spot_order,
    spot_balance,
    spot_fill,
    spot_order,
)
from wexcore.account.state import FUTURES, SPOT, AccountState, BadFrame, Snapshot
from wexcore.rest import types as T


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def spot_state(**kw) -> AccountState:
    return AccountState(SPOT, **kw)


def fut_state(**kw) -> AccountState:
    return AccountState(FUTURES, **kw)


def take(st: AccountState) -> list:
    out, st.out = st.out, []
    return out


def loaded(st: AccountState, **kw) -> AccountState:
    """The state after an empty first load (server time 10 s)."""
    st.merge(Snapshot(st.begin(), open_orders=[], balances=[], positions=[], initial=True,
                      server_ms=10_000, **kw))
    take(st)
    return st


# ---------------------------------------------------------------- orders
def test_order_states_move_forward_once_each():
    st = loaded(spot_state())
    st.feed(spot_order(1, "NEW"))
    st.feed(spot_order(1, "NEW"))  # repeated
    st.feed(spot_order(1, "CANCELED"))
    st.feed(spot_order(1, "NEW"))  # late: behind CANCELED
    assert kinds(take(st)) == [("order", (1, "NEW", False)), ("order", (1, "CANCELED", False))]
    assert st.open_orders == {} and str(st.order(1).state) == "CANCELED"
    assert st.stats.duplicates == 1 and st.stats.stale == 1


def test_order_record_is_the_rest_type_with_exact_decimals():
    st = loaded(spot_state())
    st.feed(spot_order(7, "NEW", oq="0.30000000000000000001", p="43000.1", ci="my_1"))
    (ev,) = take(st)
    o = st.open_orders[7]
    assert ev.order is o and isinstance(o, T.SpotOrder)
    assert o.orig_qty == Decimal("0.30000000000000000001") and o.price == Decimal("43000.1")
    assert o.client_order_id == "my_1" and o.state is T.OrderState.NEW and o.side is T.Side.BUY


def test_update_waits_for_its_fills_then_follows_them():
    st = loaded(spot_state())
    st.feed(spot_order(1, "NEW", oq="2"))
    st.feed(spot_order(1, "PARTIALLY_FILLED", oq="2", eq="1"))  # its fill not here yet
    assert kinds(take(st)) == [("order", (1, "NEW", False))]
    assert str(st.open_orders[1].state) == "NEW" and 1 in st.held and 1 in st.checks
    st.feed(spot_fill(10, 1, "1"))
    assert kinds(take(st)) == [("fill", (1, Decimal("1"), False)),
                               ("order", (1, "PARTIALLY_FILLED", False))]
    assert not st.held and not st.checks


def test_several_held_updates_are_released_in_order():
    st = loaded(spot_state())
    st.feed(spot_order(1, "PARTIALLY_FILLED", oq="3", eq="1"))
    st.feed(spot_order(1, "PARTIALLY_FILLED", oq="3", eq="2"))
    st.feed(spot_order(1, "FILLED", oq="3", eq="3"))
    assert take(st) == []
    st.feed(spot_fill(10, 1, "2"))  # covers the first two
    st.feed(spot_fill(11, 1, "1"))
    assert kinds(take(st)) == [
        ("fill", (1, Decimal("2"), False)), ("order", (1, "PARTIALLY_FILLED", False)),
        ("order", (1, "PARTIALLY_FILLED", False)), ("fill", (1, Decimal("1"), False)),
        ("order", (1, "FILLED", False))]
    assert st.open_orders == {} and not st.held


def test_amendment_same_state_new_price_unless_older():
    st = loaded(spot_state())
    st.feed(spot_order(1, "NEW", p="100", t=5))
    st.feed(spot_order(1, "NEW", p="101", t=6))  # amended (cancel-and-replace, same id)
    st.feed(spot_order(1, "NEW", p="100", t=5))  # the pre-amend push, late
    assert [e.order.price for e in take(st)] == [Decimal("100"), Decimal("101")]
    assert st.open_orders[1].price == Decimal("101") and st.stats.stale == 1


def test_rest_order_behind_the_stream_is_stale_ahead_is_recovered():
    st = loaded(spot_state())
    st.feed(spot_order(1, "NEW"))
    st.feed(spot_order(2, "NEW"))
    take(st)
    st.feed(spot_order(1, "CANCELED"))
    mark = st.begin()
    st.merge(Snapshot(mark, open_orders=[rest_spot_order(1, "NEW")],
                      orders=[rest_spot_order(2, "CANCELED")]))
    assert kinds(take(st)) == [("order", (1, "CANCELED", False)),
                               ("order", (2, "CANCELED", True))]
    assert st.open_orders == {}


def test_rest_fields_merge_into_pushed_orders_silently():
    st = loaded(spot_state())
    st.feed(spot_order(1, "NEW"))
    take(st)
    assert st.open_orders[1].time_in_force is None  # the spot push has none
    st.merge(Snapshot(st.begin(), open_orders=[rest_spot_order(1, "NEW")]))
    assert take(st) == [] and st.open_orders[1].time_in_force is T.TimeInForce.GTC


def test_vanished_orders_unless_touched_after_the_mark():
    st = loaded(spot_state())
    st.feed(spot_order(1, "NEW"))
    st.feed(spot_order(2, "NEW"))
    mark = st.begin()
    st.feed(spot_order(3, "NEW"))  # newer than the list that will be read
    assert st.vanished([2], mark) == {1}


# ---------------------------------------------------------------- fills
def test_fills_by_order_and_trade_id_self_trade_counts_twice():
    st = loaded(spot_state())
    st.feed(spot_order(1, "NEW"))
    st.feed(spot_order(2, "NEW", sd="SELL"))
    take(st)
    st.feed(spot_fill(9, 1, "1", b=False, tm=1))  # BUY taker
    st.feed(spot_fill(9, 2, "1", b=False, tm=2))  # SELL maker, the same trade
    st.feed(spot_fill(9, 1, "1", b=False, tm=1))  # repeated push
    fills = [e.fill for e in take(st)]
    assert [(f.order_id, f.trade_id) for f in fills] == [(1, 9), (2, 9)]
    assert [str(f.order_side) for f in fills] == ["BUY", "SELL"]
    assert st.stats.duplicates == 1


@pytest.mark.parametrize("b, tm, side", [(True, 2, "BUY"), (False, 1, "BUY"),
                                         (False, 2, "SELL"), (True, 1, "SELL")])
def test_spot_fill_side_from_buyer_maker_and_taker_maker(b, tm, side):
    # b: the buyer is the maker; tm: 1 taker, 2 maker (spot-en.txt "Order filled")
    st = loaded(spot_state())
    st.feed(spot_fill(1, 1, "1", b=b, tm=tm))
    (ev,) = [e for e in take(st) if isinstance(e, wexcore.FillEvent)]
    assert str(ev.fill.order_side) == side
    assert str(ev.fill.taker_maker) == ("MAKER" if tm == 2 else "TAKER")


def test_rest_recovers_missing_fills_and_adds_fees_to_pushed_ones():
    st = loaded(spot_state())
    st.feed(spot_order(1, "NEW", oq="2"))
    st.feed(spot_fill(10, 1, "1", t=20_000))
    take(st)
    # fill 11 and the FILLED update were lost; REST has both (and fees)
    st.merge(Snapshot(st.begin(), open_orders=[],
                      fills=[rest_spot_fill(11, 1, "1", t=20_001),
                             rest_spot_fill(10, 1, "1", t=20_000)],
                      orders=[rest_spot_order(1, "FILLED", oq="2", eq="2")]))
    assert kinds(take(st)) == [("fill", (1, Decimal("1"), True)),
                               ("order", (1, "FILLED", True))]
    assert sorted((f.trade_id, f.fee) for f in st.fills.values()) == [
        (10, Decimal("0.1")), (11, Decimal("0.1"))]
    assert st.fills_watermark == 20_001 and st.fills_since() == 15_001


def test_first_load_fills_are_history_and_their_late_pushes_too():
    st = spot_state()
    st.merge(Snapshot(st.begin(), open_orders=[rest_spot_order(1, "PARTIALLY_FILLED", oq="2",
                                                               eq="1")],
                      fills=[rest_spot_fill(5, 1, "1", t=9_000)], balances=[], positions=[],
                      initial=True, server_ms=10_000))
    assert take(st) == [] and st.fills == {} and st.fills_watermark == 10_000
    st.feed(spot_fill(5, 1, "1"))  # its push, late
    st.feed(spot_fill(6, 1, "1"))
    st.feed(spot_order(1, "FILLED", oq="2", eq="2"))
    # executed 1 was reached before the start: one fill more covers FILLED
    assert kinds(take(st)) == [("fill", (1, Decimal("1"), False)),
                               ("order", (1, "FILLED", False))]


def test_futures_pushed_fill_gets_its_exec_id_from_rest():
    st = loaded(fut_state())
    st.feed(fut_order(1, "NEW"))
    st.feed(fut_fill(1, "3", ts=11_000))
    take(st)
    (f,) = st.fills.values()
    assert f.exec_id is None
    st.merge(Snapshot(st.begin(), fills=[rest_fut_fill(77, 1, "3", ts=11_000)]))
    assert take(st) == []
    (f,) = st.fills.values()
    assert f.exec_id == 77 and f.fee_coin == "usdt"


def test_futures_identical_fills_match_as_a_multiset():
    st = loaded(fut_state())
    st.feed(fut_order(1, "NEW"))
    st.feed(fut_fill(1, "1", ts=11_000))  # two fills alike in every pushed field;
    take(st)                                # the second push was lost
    st.merge(Snapshot(st.begin(), fills=[rest_fut_fill(70, 1, "1", ts=11_000),
                                         rest_fut_fill(71, 1, "1", ts=11_000)]))
    assert kinds(take(st)) == [("fill", (1, Decimal("1"), True))]
    assert sorted(f.exec_id for f in st.fills.values()) == [70, 71]
    st.feed(fut_fill(1, "1", ts=11_000))  # ... and arrives after all: a duplicate
    assert take(st) == [] and len(st.fills) == 2


def test_futures_fill_recovered_before_its_late_push():
    st = loaded(fut_state())
    st.merge(Snapshot(st.begin(), fills=[rest_fut_fill(70, 1, "2", ts=11_000)]))
    assert kinds(take(st)) == [("fill", (1, Decimal("2"), True))]
    st.feed(fut_fill(1, "2", ts=11_000))
    assert take(st) == [] and st.stats.duplicates == 1


def test_futures_partially_canceled_is_final():
    st = loaded(fut_state())
    st.feed(fut_order(1, "NEW"))
    st.feed(fut_fill(1, "4"))
    st.feed(fut_order(1, "PARTIALLY_CANCELED", eq="4"))
    assert kinds(take(st))[-1] == ("order", (1, "PARTIALLY_CANCELED", False))
    assert st.open_orders == {} and st.order(1).state is T.OrderState.PARTIALLY_CANCELED


# ---------------------------------------------------------------- checks
def test_a_missing_fill_falls_due_then_forces_the_update_out():
    clock = Clock()
    st = loaded(spot_state(gap_timeout=0.5, clock=clock))
    st.feed(spot_order(1, "FILLED", eq="1"))
    assert take(st) == [] and st.due() == set()
    clock.now += 0.6
    assert st.due() == {1}
    st.merge(Snapshot(st.begin(), targets={1}))  # REST shows no fill: try again later
    assert take(st) == [] and st.due() == set()
    clock.now += 0.6
    st.merge(Snapshot(st.begin(), targets=st.due()))
    assert kinds(take(st)) == [("order", (1, "FILLED", False))]  # the push, held
    assert st.stats.forced_releases == 1 and not st.checks


def test_fill_of_an_unknown_order_and_fills_ahead_of_updates_are_checked():
    clock = Clock()
    st = loaded(spot_state(gap_timeout=0.5, clock=clock))
    st.feed(spot_fill(1, 5, "1"))  # order 5 never seen
    st.feed(spot_order(6, "NEW"))
    st.feed(spot_fill(2, 6, "1"))  # its PARTIALLY_FILLED update was lost
    clock.now += 1
    assert st.due() == {5, 6}
    st.feed(spot_order(6, "FILLED", eq="1"))
    assert st.due() == {5}


# ---------------------------------------------------------------- balances, positions
def test_balance_pushes_and_rest_taken_only_when_unraced():
    st = loaded(spot_state())
    st.feed(spot_balance("usdt", "100", "10"))
    st.feed(spot_balance("usdt", "100", "10"))  # repeated
    st.feed(spot_balance("btc", "1", "0", z="LEVER"))  # another wallet
    (ev,) = take(st)
    assert ev.balance.available_amount == Decimal("90") and not ev.recovered
    mark = st.begin()
    st.feed(spot_balance("usdt", "99", "0"))  # raced the read
    ambiguous = st.merge(Snapshot(mark, balances=[rest_spot_balance("usdt", "100", "10"),
                                                  rest_spot_balance("eth", "5", "0")]))
    assert ambiguous and st.suspect and st.stats.ambiguous == 1
    assert st.balances["usdt"].total_amount == Decimal("99")
    assert [(e.balance.currency, e.recovered) for e in take(st)] == [
        ("usdt", False), ("eth", True)]
    assert not st.merge(Snapshot(st.begin(), balances=[rest_spot_balance("usdt", "98", "0")]))
    evs = take(st)
    assert [(e.balance.currency, e.balance.total_amount, e.recovered) for e in evs] == [
        ("usdt", Decimal("98"), True), ("eth", Decimal("0"), True)]
    assert set(st.balances) == {"usdt"}


def test_futures_balance_push_clears_what_it_does_not_carry():
    st = loaded(fut_state())
    st.merge(Snapshot(st.begin(), balances=[T.FuturesBalance(
        coin="usdt", wallet_balance=Decimal(5), available_balance=Decimal(4),
        open_order_margin_frozen=Decimal(1), isolated_margin=Decimal(0),
        crossed_margin=Decimal(0), account_id=3)]))
    take(st)
    st.feed(fut_balance("usdt", "6", "1"))
    b = st.balances["usdt"]
    assert b.wallet_balance == Decimal(6) and b.available_balance is None and b.account_id == 3


def test_positions_open_change_and_close():
    st = loaded(fut_state())
    st.feed(fut_position("LONG", "3"))
    st.feed(fut_position("LONG", "0"))
    st.feed(fut_position("SHORT", "0"))  # flat and unknown: nothing to say
    assert [(str(e.position.position_side), e.position.position_size) for e in take(st)] == [
        ("LONG", Decimal(3)), ("LONG", Decimal(0))]
    assert st.positions == {}
    st.merge(Snapshot(st.begin(), positions=[rest_position("SHORT", "2")]))
    assert [e.recovered for e in take(st)] == [True]
    st.merge(Snapshot(st.begin(), positions=[]))
    (ev,) = take(st)
    assert ev.position.position_size == 0 and ev.recovered and st.positions == {}


# ---------------------------------------------------------------- bad input, bounds
@pytest.mark.parametrize("frame", [
    BadFrame(wexcore.DecodeError("not a number", field="p")),
    spot_balance("usdt", "1", "0").__class__,  # not an event at all: ignored
])
def test_unreadable_pushes_change_nothing(frame):
    st = loaded(spot_state())
    st.feed(spot_order(1, "NEW"))
    before = (dict(st.open_orders), st.seq)
    take(st)
    st.feed(frame)
    assert take(st) == [] and (dict(st.open_orders), st.seq) == before
    assert st.suspect is isinstance(frame, BadFrame)


def test_a_push_without_what_identifies_it_is_a_bad_event():
    st = loaded(spot_state())
    # spot balance without "f" (frozen): refused whole, nothing half-applied
    st.feed(wexcore.decode(b'{"topic":"balance","event":"balance","data":{"c":"usdt","b":"1"}}'))
    assert st.stats.bad_events == 1 and st.balances == {} and st.suspect


def test_closed_orders_and_fills_are_bounded():
    st = loaded(spot_state(max_closed_orders=3, max_fills=2, overlap_ms=0))
    for oid in range(1, 6):
        st.feed(spot_order(oid, "CANCELED"))
    assert list(st.closed_orders) == [3, 4, 5]
    st.merge(Snapshot(st.begin(), fills=[rest_spot_fill(i, 9, "1", t=20_000 + i)
                                         for i in range(1, 5)]))
    # the oldest go once REST cannot list them again (older than the watermark)
    assert [f.trade_id for f in st.fills.values()] == [3, 4]


def test_tracked_orders_resolve_by_client_id_or_order_id():
    st = loaded(spot_state())
    st.track("c1", "btc_usdt", 1.0)
    st.track("c2", "btc_usdt", 1.0)
    st.acknowledge("c2", 22)
    assert st.unresolved(2.0) == ({22}, {"c1"})
    st.feed(spot_order(21, "NEW", ci="c1"))
    st.feed(spot_order(22, "NEW"))
    assert st.pending == {}


def test_futures_rest_order_without_state_is_ignored():
    st = loaded(fut_state())
    st.merge(Snapshot(st.begin(), orders=[T.FuturesOrder(order_id=5)],
                      open_orders=[rest_fut_order(6, "NEW")]))
    assert kinds(take(st)) == [("order", (6, "NEW", True))]
