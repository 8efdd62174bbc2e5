"""What a reconciliation reads, per product: calls of the REST clients only.

No request path of its own: each read is a method of
:class:`~wexcore.AsyncSpotClient` / :class:`~wexcore.AsyncFuturesClient`
(signing, the tracked clock, the shared rate limiter, the retries of
idempotent calls), paged with their ``paginate``.
"""

from __future__ import annotations

from typing import Any

from wexcore.errors import DecodeError, NotFoundError
from wexcore.rest import types as T
from wexcore.rest.client import AsyncFuturesClient, AsyncSpotClient

__all__ = ["SpotSource", "FuturesSource", "MAX_ITEMS"]

#: the most records one read pages through; a server paging on past this is
#: refused (a reconciliation fails and is retried) rather than followed forever
MAX_ITEMS = 50_000


async def _all(pages: Any, what: str) -> list[Any]:
    out: list[Any] = []
    async for item in pages:
        out.append(item)
        if len(out) > MAX_ITEMS:
            raise DecodeError(f"{what}: more than {MAX_ITEMS} records in one read", field=what)
    return out


class SpotSource:
    """The spot reads (``/v4/...``)."""

    def __init__(self, rest: AsyncSpotClient) -> None:
        self.rest = rest

    async def open_orders(self) -> list[T.SpotOrder]:
        return await self.rest.open_orders()

    async def fills(self, since_ms: int | None) -> list[T.SpotUserTrade]:
        return await _all(self.rest.paginate("my_trades", start_time=since_ms, limit=100),
                          "my_trades")

    async def order_fills(self, order_id: int) -> list[T.SpotUserTrade]:
        return await _all(self.rest.paginate("my_trades", order_id=order_id, limit=100),
                          "my_trades")

    async def orders_since(self, since_ms: int) -> list[T.SpotOrder]:
        return await _all(self.rest.paginate("order_history", start_time=since_ms, limit=100),
                          "order_history")

    async def order(self, order_id: int) -> T.SpotOrder | None:
        try:
            return await self.rest.get_order(order_id)
        except NotFoundError:
            return None

    async def by_client_id(self, client_order_id: str) -> T.SpotOrder | None:
        try:
            return await self.rest.query_order(client_order_id=client_order_id)
        except NotFoundError:
            return None

    async def balances(self) -> list[T.SpotBalance]:
        return list((await self.rest.balances()).assets)

    async def positions(self) -> list[T.FuturesPosition] | None:
        return None  # spot has none

    async def place(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
        result = await self.rest.place_order(*args, **kwargs)
        return result.order_id


class FuturesSource:
    """The futures reads (``/future/...``, USDT-M or COIN-M by the client's host)."""

    def __init__(self, rest: AsyncFuturesClient) -> None:
        self.rest = rest

    async def open_orders(self) -> list[T.FuturesOrder]:
        return await self.rest.open_orders()

    async def fills(self, since_ms: int | None) -> list[T.FuturesUserTrade]:
        return await _all(self.rest.paginate("my_trades", start_time=since_ms, size=100),
                          "my_trades")

    async def order_fills(self, order_id: int) -> list[T.FuturesUserTrade]:
        return await _all(self.rest.paginate("my_trades", order_id=order_id, size=100),
                          "my_trades")

    async def orders_since(self, since_ms: int) -> list[T.FuturesOrder]:
        return await _all(self.rest.paginate("order_history", start_time=since_ms, limit=100),
                          "order_history")

    async def order(self, order_id: int) -> T.FuturesOrder | None:
        try:
            return await self.rest.get_order(order_id)
        except NotFoundError:
            return None

    async def by_client_id(self, client_order_id: str) -> T.FuturesOrder | None:
        # order/list filters by one state group at a time
        for state in ("UNFINISHED", "HISTORY"):
            page = await self.rest.orders(client_order_id=client_order_id, state=state, size=10)
            for o in page.items:
                if o.client_order_id == client_order_id:
                    return o
        return None

    async def balances(self) -> list[T.FuturesBalance]:
        return await self.rest.funds()

    async def positions(self) -> list[T.FuturesPosition] | None:
        return await self.rest.positions()

    async def place(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
        # None: accepted without an id (the spec documents "{}"): look it up
        return await self.rest.place_order(*args, **kwargs)
