"""Private pushes (the decoder kernel's events) -> the REST layer's result types.

One record type per concept whatever the source: an order pushed on the
stream becomes the same :class:`~wexcore.rest.types.SpotOrder` /
:class:`~wexcore.rest.types.FuturesOrder` the REST endpoints return, with
exact ``Decimal`` values read from the push's decimal text (never from the
decoder's floats). A field the push does not carry is ``None``; the account
merges a push into the record it already holds (see ``state.merge``).

Every function raises :class:`~wexcore.errors.DecodeError` naming the field
when a push lacks what identifies it, before anything is changed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from wexcore._decode import BalanceUpdate, OrderUpdate, PositionUpdate, UserTrade
from wexcore.errors import DecodeError
from wexcore.rest import types as T

__all__ = [
    "spot_order",
    "spot_fill",
    "spot_balance",
    "futures_order",
    "futures_fill",
    "futures_balance",
    "futures_position",
    "enum_value",
]


def _enum_table(cls: type[T.WexEnum]) -> dict[str, Any]:
    return {m.value: m for m in cls}


# The kernel's enums are StrEnums with the same values: a dict lookup by the
# value (a str hash) maps them without the Enum call machinery; values the
# kernel does not know arrive as plain str and go through the tolerant
# WexEnum constructor (a pseudo-member, never a failure).
_TABLES: dict[type[T.WexEnum], dict[str, Any]] = {
    cls: _enum_table(cls)
    for cls in (T.OrderState, T.Side, T.OrderType, T.TimeInForce, T.PositionSide,
                T.PositionType, T.ContractType)
}


def enum_value(cls: type[T.WexEnum], value: Any) -> Any:
    """``value`` (a kernel enum member, a str or ``None``) as a member of ``cls``."""
    if value is None:
        return None
    member = _TABLES[cls].get(value)
    return member if member is not None else cls(str(value))


def _dec(text: str | None, field: str, topic: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):  # the kernel checks numbers; belt and braces
        raise DecodeError(f"{field} is not a decimal: {text[:40]!r}", topic=topic,
                          field=field) from None


def _required(value: Any, field: str, topic: str) -> Any:
    if value is None:
        raise DecodeError(f"{topic} push without {field}", topic=topic, field=field)
    return value


# ---------------------------------------------------------------- spot
def spot_order(ev: OrderUpdate) -> T.SpotOrder:
    """A spot ``order`` push: ``t`` is the update time (``updated_time``),
    ``ct`` the creation time (``time``), ``lq`` the remaining quantity."""
    return T.SpotOrder(
        symbol=_required(ev.symbol, "symbol", "order"),
        order_id=ev.order_id,
        state=enum_value(T.OrderState, _required(ev.state, "state", "order")),
        client_order_id=ev.client_order_id,
        base_currency=ev.base_currency,
        quote_currency=ev.quote_currency,
        side=enum_value(T.Side, ev.side),
        type=enum_value(T.OrderType, ev.order_type),
        time_in_force=enum_value(T.TimeInForce, ev.time_in_force),
        price=_dec(ev.price_string, "price", "order"),
        orig_qty=_dec(ev.original_quantity_string, "original_quantity", "order"),
        orig_quote_qty=_dec(ev.original_quote_quantity_string, "original_quote_quantity",
                            "order"),
        executed_qty=_dec(ev.executed_quantity_string, "executed_quantity", "order"),
        leaving_qty=_dec(ev.remaining_quantity_string, "remaining_quantity", "order"),
        avg_price=_dec(ev.average_price_string, "average_price", "order"),
        fee=_dec(ev.fee_string, "fee", "order"),
        time=ev.create_time,
        updated_time=ev.time,
    )


def spot_fill(ev: UserTrade) -> T.SpotUserTrade:
    """A spot ``trade`` push. Its side is derived: the buyer is the maker
    (``b``) exactly when this account is the maker (``tm`` 2) and bought, so
    the order side is BUY when ``b`` equals ``is_maker``. The push carries no
    fee; a reconciliation adds it from REST."""
    is_maker = ev.is_maker
    buyer_maker = ev.buyer_is_maker
    side = None
    if is_maker is not None and buyer_maker is not None:
        side = T.Side.BUY if buyer_maker == is_maker else T.Side.SELL
    taker_maker = None if is_maker is None else (T.TakerMaker.MAKER if is_maker
                                                 else T.TakerMaker.TAKER)
    return T.SpotUserTrade(
        symbol=ev.symbol,
        trade_id=_required(ev.trade_id, "trade_id", "trade"),
        order_id=ev.order_id,
        order_side=side,
        time=ev.time,
        price=_dec(ev.price_string, "price", "trade"),
        quantity=_dec(ev.quantity_string, "quantity", "trade"),
        quote_qty=_dec(ev.quote_quantity_string, "quote_quantity", "trade"),
        taker_maker=taker_maker,
        fee=_dec(ev.fee_string, "fee", "trade"),
    )


def spot_balance(ev: BalanceUpdate) -> T.SpotBalance | None:
    """A spot ``balance`` push of the SPOT wallet (``z`` SPOT or absent);
    ``None`` for other wallets (LEVER: per symbol, not in ``/v4/balances``)."""
    biz = ev.business_type
    if biz is not None and biz.upper() != "SPOT":
        return None
    total = _required(_dec(ev.balance_string, "balance", "balance"), "balance", "balance")
    frozen = _required(_dec(ev.frozen_string, "frozen", "balance"), "frozen", "balance")
    return T.SpotBalance(currency=ev.currency, total_amount=total, frozen_amount=frozen,
                         available_amount=total - frozen)


# ---------------------------------------------------------------- futures
def futures_order(ev: OrderUpdate) -> T.FuturesOrder:
    """A futures ``order`` push (it has no update time)."""
    return T.FuturesOrder(
        order_id=ev.order_id,
        symbol=_required(ev.symbol, "symbol", "order"),
        state=enum_value(T.OrderState, _required(ev.state, "state", "order")),
        client_order_id=ev.client_order_id,
        order_type=enum_value(T.OrderType, ev.order_type),
        order_side=enum_value(T.Side, ev.side),
        position_side=enum_value(T.PositionSide, ev.position_side),
        position_type=enum_value(T.PositionType, ev.position_type),
        time_in_force=enum_value(T.TimeInForce, ev.time_in_force),
        price=_dec(ev.price_string, "price", "order"),
        orig_qty=_dec(ev.original_quantity_string, "original_quantity", "order"),
        avg_price=_dec(ev.average_price_string, "average_price", "order"),
        executed_qty=_dec(ev.executed_quantity_string, "executed_quantity", "order"),
        margin_frozen=_dec(ev.margin_frozen_string, "margin_frozen", "order"),
        leverage=ev.leverage,
        created_time=ev.create_time,
        source_type=ev.source_type,
    )


def futures_fill(ev: UserTrade) -> T.FuturesUserTrade:
    """A futures ``trade`` push: no trade id on the wire (``exec_id`` stays
    ``None`` until a reconciliation matches it with REST)."""
    is_maker = ev.is_maker
    return T.FuturesUserTrade(
        order_id=ev.order_id,
        symbol=ev.symbol,
        price=_required(_dec(ev.price_string, "price", "trade"), "price", "trade"),
        quantity=_required(_dec(ev.quantity_string, "quantity", "trade"), "quantity", "trade"),
        fee=_dec(ev.fee_string, "fee", "trade"),
        timestamp=ev.time,
        taker_maker=None if is_maker is None else (T.TakerMaker.MAKER if is_maker
                                                   else T.TakerMaker.TAKER),
        order_side=enum_value(T.Side, ev.side),
        position_side=enum_value(T.PositionSide, ev.position_side),
    )


def futures_balance(ev: BalanceUpdate) -> T.FuturesBalance:
    """A futures ``balance`` push (``available_balance`` is not pushed)."""
    return T.FuturesBalance(
        coin=ev.currency,
        underlying_type=ev.underlying_type,
        wallet_balance=_required(_dec(ev.balance_string, "balance", "balance"),
                                 "balance", "balance"),
        open_order_margin_frozen=_dec(ev.open_order_margin_frozen_string,
                                      "open_order_margin_frozen", "balance"),
        isolated_margin=_dec(ev.isolated_margin_string, "isolated_margin", "balance"),
        crossed_margin=_dec(ev.crossed_margin_string, "crossed_margin", "balance"),
    )


def futures_position(ev: PositionUpdate) -> T.FuturesPosition:
    """A futures ``position`` push."""
    return T.FuturesPosition(
        symbol=ev.symbol,
        position_side=enum_value(T.PositionSide,
                                 _required(ev.position_side, "position_side", "position")),
        position_type=enum_value(T.PositionType, ev.position_type),
        contract_type=enum_value(T.ContractType, ev.contract_type),
        position_size=_required(_dec(ev.position_size_string, "position_size", "position"),
                                "position_size", "position"),
        close_order_size=_dec(ev.close_order_size_string, "close_order_size", "position"),
        available_close_size=_dec(ev.available_close_size_string, "available_close_size",
                                  "position"),
        realized_profit=_dec(ev.realized_profit_string, "realized_profit", "position"),
        entry_price=_dec(ev.entry_price_string, "entry_price", "position"),
        isolated_margin=_dec(ev.isolated_margin_string, "isolated_margin", "position"),
        open_order_margin_frozen=_dec(ev.open_order_margin_frozen_string,
                                      "open_order_margin_frozen", "position"),
        leverage=ev.leverage,
        underlying_type=ev.underlying_type,
    )
