"""Private pushes (the decoder kernel's events) -> the REST layer's result types.

One record type per concept whatever the source: an order pushed on the
stream becomes the same :class:`~wexcore.rest.types.SpotOrder` /
:class:`~wexcore.rest.types.FuturesOrder` the REST endpoints return, with
exact ``Decimal`` values read from the push's decimal text (never from the
decoder's floats). A field the push does not carry is ``None``; the account
merges a push into the record it already holds (see ``state.merge``).

Every function raises :class:`~wexcore.errors.DecodeError` naming the field
when a push lacks what identifies it (``decimal.InvalidOperation`` for decimal
text ``Decimal`` cannot read, which the kernel's number check already
refuses); the account counts either as an unreadable push, changing nothing.
"""

from __future__ import annotations

from decimal import Decimal
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


_MAKER = {True: T.TakerMaker.MAKER, False: T.TakerMaker.TAKER}


def enum_value(cls: type[T.WexEnum], value: Any) -> Any:
    """``value`` (a kernel enum member, a str or ``None``) as a member of ``cls``."""
    if value is None:
        return None
    member = _TABLES[cls].get(value)
    return member if member is not None else cls(str(value))


def _required(value: Any, field: str, topic: str) -> Any:
    if value is None:
        raise DecodeError(f"{topic} push without {field}", topic=topic, field=field)
    return value


D = Decimal
# dict.get of each table, bound once: the hot conversions call these inline
_STATE = _TABLES[T.OrderState].get
_SIDE = _TABLES[T.Side].get
_OTYPE = _TABLES[T.OrderType].get
_TIF = _TABLES[T.TimeInForce].get
_PSIDE = _TABLES[T.PositionSide].get
_PTYPE = _TABLES[T.PositionType].get


# ---------------------------------------------------------------- spot
def spot_order(ev: OrderUpdate) -> T.SpotOrder:
    """A spot ``order`` push: ``t`` is the update time (``updated_time``),
    ``ct`` the creation time (``time``), ``lq`` the remaining quantity."""
    state = _required(ev.state, "state", "order")
    side, ot, tif = ev.side, ev.order_type, ev.time_in_force
    p, oq, oqq = ev.price_string, ev.original_quantity_string, ev.original_quote_quantity_string
    eq, lq, ap, f = (ev.executed_quantity_string, ev.remaining_quantity_string,
                     ev.average_price_string, ev.fee_string)
    return T.SpotOrder(
        symbol=_required(ev.symbol, "symbol", "order"),
        order_id=ev.order_id,
        state=_STATE(state) or enum_value(T.OrderState, state),
        client_order_id=ev.client_order_id,
        base_currency=ev.base_currency,
        quote_currency=ev.quote_currency,
        side=_SIDE(side) or enum_value(T.Side, side),
        type=None if ot is None else _OTYPE(ot) or enum_value(T.OrderType, ot),
        time_in_force=None if tif is None else _TIF(tif) or enum_value(T.TimeInForce, tif),
        price=None if p is None else D(p),
        orig_qty=None if oq is None else D(oq),
        orig_quote_qty=None if oqq is None else D(oqq),
        executed_qty=None if eq is None else D(eq),
        leaving_qty=None if lq is None else D(lq),
        avg_price=None if ap is None else D(ap),
        fee=None if f is None else D(f),
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
    v, f = ev.quote_quantity_string, ev.fee_string
    return T.SpotUserTrade(
        symbol=ev.symbol,
        trade_id=_required(ev.trade_id, "trade_id", "trade"),
        order_id=ev.order_id,
        order_side=side,
        time=ev.time,
        price=D(ev.price_string),
        quantity=D(ev.quantity_string),
        quote_qty=None if v is None else D(v),
        taker_maker=None if is_maker is None else _MAKER[is_maker],
        fee=None if f is None else D(f),
    )


def spot_balance(ev: BalanceUpdate) -> T.SpotBalance | None:
    """A spot ``balance`` push of the SPOT wallet (``z`` SPOT or absent);
    ``None`` for other wallets (LEVER: per symbol, not in ``/v4/balances``)."""
    biz = ev.business_type
    if biz is not None and biz.upper() != "SPOT":
        return None
    total = D(_required(ev.balance_string, "balance", "balance"))
    frozen = D(_required(ev.frozen_string, "frozen", "balance"))
    return T.SpotBalance(currency=ev.currency, total_amount=total, frozen_amount=frozen,
                         available_amount=total - frozen)


# ---------------------------------------------------------------- futures
def futures_order(ev: OrderUpdate) -> T.FuturesOrder:
    """A futures ``order`` push (it has no update time)."""
    state = _required(ev.state, "state", "order")
    side, ot, ps, pt, tif = (ev.side, ev.order_type, ev.position_side, ev.position_type,
                             ev.time_in_force)
    p, oq, ap, eq, mf = (ev.price_string, ev.original_quantity_string, ev.average_price_string,
                         ev.executed_quantity_string, ev.margin_frozen_string)
    return T.FuturesOrder(
        order_id=ev.order_id,
        symbol=_required(ev.symbol, "symbol", "order"),
        state=_STATE(state) or enum_value(T.OrderState, state),
        client_order_id=ev.client_order_id,
        order_type=None if ot is None else _OTYPE(ot) or enum_value(T.OrderType, ot),
        order_side=_SIDE(side) or enum_value(T.Side, side),
        position_side=None if ps is None else _PSIDE(ps) or enum_value(T.PositionSide, ps),
        position_type=None if pt is None else _PTYPE(pt) or enum_value(T.PositionType, pt),
        time_in_force=None if tif is None else _TIF(tif) or enum_value(T.TimeInForce, tif),
        price=None if p is None else D(p),
        orig_qty=None if oq is None else D(oq),
        avg_price=None if ap is None else D(ap),
        executed_qty=None if eq is None else D(eq),
        margin_frozen=None if mf is None else D(mf),
        leverage=ev.leverage,
        created_time=ev.create_time,
        source_type=ev.source_type,
    )


def futures_fill(ev: UserTrade) -> T.FuturesUserTrade:
    """A futures ``trade`` push: no trade id on the wire (``exec_id`` stays
    ``None`` until a reconciliation matches it with REST)."""
    is_maker = ev.is_maker
    f = ev.fee_string
    return T.FuturesUserTrade(
        order_id=ev.order_id,
        symbol=ev.symbol,
        price=D(ev.price_string),
        quantity=D(ev.quantity_string),
        fee=None if f is None else D(f),
        timestamp=ev.time,
        taker_maker=None if is_maker is None else _MAKER[is_maker],
        order_side=enum_value(T.Side, ev.side),
        position_side=enum_value(T.PositionSide, ev.position_side),
    )


def futures_balance(ev: BalanceUpdate) -> T.FuturesBalance:
    """A futures ``balance`` push (``available_balance`` is not pushed)."""
    oo, im, cm = (ev.open_order_margin_frozen_string, ev.isolated_margin_string,
                  ev.crossed_margin_string)
    return T.FuturesBalance(
        coin=ev.currency,
        underlying_type=ev.underlying_type,
        wallet_balance=D(_required(ev.balance_string, "balance", "balance")),
        open_order_margin_frozen=None if oo is None else D(oo),
        isolated_margin=None if im is None else D(im),
        crossed_margin=None if cm is None else D(cm),
    )


def futures_position(ev: PositionUpdate) -> T.FuturesPosition:
    """A futures ``position`` push."""
    cs, ac, rp, ep, im, oo = (ev.close_order_size_string, ev.available_close_size_string,
                              ev.realized_profit_string, ev.entry_price_string,
                              ev.isolated_margin_string, ev.open_order_margin_frozen_string)
    ps, pt = _required(ev.position_side, "position_side", "position"), ev.position_type
    return T.FuturesPosition(
        symbol=ev.symbol,
        position_side=_PSIDE(ps) or enum_value(T.PositionSide, ps),
        position_type=None if pt is None else _PTYPE(pt) or enum_value(T.PositionType, pt),
        contract_type=enum_value(T.ContractType, ev.contract_type),
        position_size=D(_required(ev.position_size_string, "position_size", "position")),
        close_order_size=None if cs is None else D(cs),
        available_close_size=None if ac is None else D(ac),
        realized_profit=None if rp is None else D(rp),
        entry_price=None if ep is None else D(ep),
        isolated_margin=None if im is None else D(im),
        open_order_margin_frozen=None if oo is None else D(oo),
        leverage=ev.leverage,
        underlying_type=ev.underlying_type,
    )
