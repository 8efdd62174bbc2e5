"""What an :class:`~wexcore.Account` reports: typed changes, tracked orders, counters.

Every record inside an event is one of the REST layer's result types
(:mod:`wexcore.rest.types`), whether the change came from a private-stream
push or from a REST reconciliation: a spot order is a
:class:`~wexcore.rest.types.SpotOrder`, a futures fill a
:class:`~wexcore.rest.types.FuturesUserTrade`, with exact ``Decimal`` values.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

import msgspec

from wexcore.rest.types import (
    FuturesBalance,
    FuturesOrder,
    FuturesPosition,
    FuturesUserTrade,
    OrderState,
    SpotBalance,
    SpotOrder,
    SpotUserTrade,
)

__all__ = [
    "OrderEvent",
    "FillEvent",
    "BalanceEvent",
    "PositionEvent",
    "AccountEvent",
    "PendingOrder",
    "AccountStats",
]

OrderT = TypeVar("OrderT", SpotOrder, FuturesOrder)
FillT = TypeVar("FillT", SpotUserTrade, FuturesUserTrade)
BalanceT = TypeVar("BalanceT", SpotBalance, FuturesBalance)


class OrderEvent(msgspec.Struct, Generic[OrderT], frozen=True, gc=False):
    """An order appeared or changed (new, partially filled, filled, canceled,
    amended...): ``order`` is its whole record after the change.

    ``recovered`` is ``True`` when the change was learned from REST during a
    reconciliation because its push was lost (or had not arrived), ``False``
    when it came from the private stream.
    """

    order: OrderT
    recovered: bool = False

    @property
    def state(self) -> OrderState | None:
        """The order's state after the change."""
        return self.order.state


class FillEvent(msgspec.Struct, Generic[FillT], frozen=True, gc=False):
    """One execution of one of the account's orders (``recovered`` as for
    :class:`OrderEvent`). Spot fills carry ``trade_id``; futures fills carry
    ``exec_id``, which the futures push does not have: a fill first seen on the
    stream has ``exec_id`` ``None`` here, and the account's own record
    (:attr:`Account.fills`) gets the id at the next reconciliation."""

    fill: FillT
    recovered: bool = False


class BalanceEvent(msgspec.Struct, Generic[BalanceT], frozen=True, gc=False):
    """A currency's balance changed; ``balance`` is its new record. A
    currency that left the REST listing is reported once with zero amounts."""

    balance: BalanceT
    recovered: bool = False


class PositionEvent(msgspec.Struct, frozen=True, gc=False):
    """A futures position changed; a closed position is reported with
    ``position_size`` 0 (and leaves :attr:`Account.positions`)."""

    position: FuturesPosition
    recovered: bool = False


#: Anything :meth:`Account.events` yields.
AccountEvent = OrderEvent[Any] | FillEvent[Any] | BalanceEvent[Any] | PositionEvent


class PendingOrder(msgspec.Struct, gc=False):
    """An order sent through :meth:`Account.place_order` that the account has
    not yet seen (no push, no REST answer with it yet).

    ``order_id`` is set once the REST call answered; ``unknown`` is ``True``
    while the call's outcome is unknown (sent, no answer) and the lookup by
    client order id has not settled it.
    """

    client_order_id: str
    symbol: str | None
    sent_at: float
    order_id: int | None = None
    unknown: bool = False


@dataclass
class AccountStats:
    """Counters of one account (monotonic, never reset)."""

    #: private pushes applied (orders, fills, balances, positions)
    stream_events: int = 0
    #: pushes or REST records that repeated what the account already knew
    duplicates: int = 0
    #: order updates older than the state already known (out of order)
    stale: int = 0
    #: events emitted from REST because their push was lost
    recovered: int = 0
    #: completed reconciliations
    reconciliations: int = 0
    #: reconciliations that failed (REST errors) and were retried
    reconcile_failures: int = 0
    #: per-order checks that found a fill or an order update missing
    gaps: int = 0
    #: order updates released although REST could not show all their fills
    forced_releases: int = 0
    #: REST balance/position values not taken because a push for the same key
    #: arrived while they were being read (kept the push, checked again)
    ambiguous: int = 0
    #: pushes that could not be read (malformed): each one starts a reconciliation
    bad_events: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
