"""Account state that never misses a fill: :class:`Account`.

* :class:`Account` (``client.py``): the asyncio driver, one private stream and
  one REST client, reconciling on start, after reconnects and listen-key
  renewals, periodically and when a check finds something missing.
* :class:`~wexcore.account.state.AccountState` (``state.py``): the sans-I/O
  state and its merge rules (pushes and REST snapshots in any order).
* ``convert.py``: private pushes -> the REST layer's result types.
* ``source.py``: what a reconciliation reads, per product (REST client calls).
* ``events.py``: the event types, tracked orders, counters.

docs/account.md describes the state model and the reconciliation rules.
"""

from wexcore.account.client import Account, AccountEvents
from wexcore.account.events import (
    AccountEvent,
    AccountStats,
    BalanceEvent,
    FillEvent,
    OrderEvent,
    PendingOrder,
    PositionEvent,
)
from wexcore.account.state import AccountState

__all__ = [
    "Account",
    "AccountEvents",
    "AccountEvent",
    "AccountState",
    "AccountStats",
    "OrderEvent",
    "FillEvent",
    "BalanceEvent",
    "PositionEvent",
    "PendingOrder",
]
