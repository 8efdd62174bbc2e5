"""Decoded WebSocket events: the classes :func:`wexcore.decode` returns.

Everything here is re-exported from :mod:`wexcore`; this module exists to
document, in one place, how each wire key becomes a field. Prices and
quantities are ``float`` with the exact decimal text in ``<field>_string``;
ids and times are exact ``int`` (ids exceed 2**53); enums are ``StrEnum``
members (an unknown value comes back as the plain ``str``). A field the
message does not carry, or carries as ``null`` or ``""``, reads as ``None``.

How to tell events apart: by class (``type(event) is Trade``), or by
``event.topic``. ``decode`` returns ``PONG`` for the heartbeat (test with
``event is PONG``), a :class:`Reply` for subscribe answers, a list of
:class:`Ticker` for ``tickers``, and :class:`UnknownMessage` (``unknown``
True, ``data`` decoded by orjson) for topics this version does not know.

Wire key -> field (spot and futures spellings of one thing share a field)::

    Trade / UserTrade (topic trade)
        symbol                     s, symbol
        time                       t, timestamp
        trade_id                   i
        order_id                   oi, orderId
        client_order_id            clientOrderId
        price                      p, price
        quantity                   q, a, quantity
        quote_quantity             v
        buyer_is_maker             b
        is_maker                   isMaker, tm
        side                       m, orderSide
        position_side              positionSide
        margin_unfrozen            marginUnfrozen
        fee                        fee

    Kline (topic kline)
        symbol                     s
        time                       t
        interval                   i
        open                       o
        close                      c
        high                       h
        low                        l
        volume                     q, a
        quote_volume               v
        change_rate                ch

    Ticker (topic ticker, tickers, agg_ticker)
        symbol                     s
        time                       t
        open                       o
        close                      c
        high                       h
        low                        l
        volume                     q, a
        quote_volume               v
        change_value               cv
        change_rate                cr, ch, r
        index_price                i
        mark_price                 m
        best_bid_price             bp
        best_ask_price             ap

    IndexPrice / MarkPrice (topic index_price, mark_price)
        symbol                     s
        time                       t
        price                      p

    FundingRate (topic fund_rate)
        symbol                     s
        time                       t
        rate                       r

    DepthUpdate (topic depth_update)
        symbol                     s
        time                       t
        first_update_id            fi, fu
        last_update_id             i, u
        previous_update_id         pu
        bids                       b
        asks                       a

    DepthSnapshot (topic depth)
        symbol                     s
        time                       t
        update_id                  i, id
        bids                       b
        asks                       a

    OrderUpdate (topic order)
        symbol                     s, symbol
        time                       t
        create_time                ct, createdTime
        order_id                   i, orderId
        client_order_id            ci, clientOrderId
        state                      st, state
        side                       sd, orderSide
        order_type                 tp, orderType
        time_in_force              timeInForce
        price                      p, price
        average_price              ap, avgPrice
        original_quantity          oq, origQty
        original_quote_quantity    oqq
        executed_quantity          eq, executedQty
        remaining_quantity         lq
        fee                        f
        base_currency              bc
        quote_currency             qc
        position_side              positionSide
        position_type              positionType
        margin_frozen              marginFrozen
        source_type                sourceType
        category                   type
        leverage                   leverage

    BalanceUpdate (topic balance)
        currency                   c, coin
        time                       t
        account_id                 a
        balance                    b, walletBalance
        frozen                     f
        business_type              z
        symbol                     s
        underlying_type            underlyingType
        open_order_margin_frozen   openOrderMarginFrozen
        isolated_margin            isolatedMargin
        crossed_margin             crossedMargin

    PositionUpdate (topic position)
        symbol                     symbol
        contract_type              contractType
        position_type              positionType
        position_side              positionSide
        position_size              positionSize
        close_order_size           closeOrderSize
        available_close_size       availableCloseSize
        realized_profit            realizedProfit
        entry_price                entryPrice
        isolated_margin            isolatedMargin
        open_order_margin_frozen   openOrderMarginFrozen
        underlying_type            underlyingType
        leverage                   leverage

    Notify (topic notify)
        symbol                     symbol
        position_type              positionType
        position_side              positionSide
        position_size              positionSize
        notify_type                notifyType

Derived and special fields:

    Trade.side            futures "m" (BID -> BUY, ASK -> SELL); spot: the taker's
                          side, SELL when "b" (buyer is maker) is true, else BUY
    UserTrade             chosen for topic "trade" when the data has a key only a fill
                          has (tm, clientOrderId, isMaker, positionSide,
                          marginUnfrozen, fee) or the event is "trade" without "@"
    UserTrade.is_maker    futures "isMaker"; spot "tm": 1 (taker) -> False, 2 -> True
    Kline.interval        spot "i"; futures klines carry none: read from the event
                          string "kline@btc_usdt,5m"
    underlying_type       int when the wire value reads as an integer, else the text
    DepthUpdate/DepthSnapshot.bids/asks
                          float64 arrays (n, 2) of [price, quantity], wire order;
                          bid_strings/ask_strings give the exact texts
    Reply                 {"id", "code", "msg"} without a topic; ok is code == 0
    ErrorMessage          text frames "{topic}@invalid_listenkey",
                          "Invalid Parameter", "token expire" (reason
                          invalid_listenkey / invalid_parameter / token_expire),
                          and events whose "event" ends in "@invalid_listenkey"
"""

from __future__ import annotations

from wexcore._decode import (
    PONG,
    BalanceUpdate,
    DepthSnapshot,
    DepthUpdate,
    ErrorMessage,
    Event,
    FundingRate,
    IndexPrice,
    Kline,
    MarkPrice,
    Notify,
    NotifyType,
    OrderState,
    OrderType,
    OrderUpdate,
    Pong,
    PositionSide,
    PositionType,
    PositionUpdate,
    Reply,
    Side,
    Ticker,
    TimeInForce,
    Trade,
    UnknownMessage,
    UserTrade,
    decode,
)

__all__ = [
    "decode",
    "Event",
    "Trade",
    "UserTrade",
    "Kline",
    "Ticker",
    "IndexPrice",
    "MarkPrice",
    "FundingRate",
    "DepthUpdate",
    "DepthSnapshot",
    "OrderUpdate",
    "BalanceUpdate",
    "PositionUpdate",
    "Notify",
    "Reply",
    "Pong",
    "PONG",
    "ErrorMessage",
    "UnknownMessage",
    "Side",
    "OrderState",
    "OrderType",
    "TimeInForce",
    "PositionSide",
    "PositionType",
    "NotifyType",
]
