/* Slot layouts of the decoded events (cext/wexcore/_decode.pyx).
 *
 * The scanner stores each known field of a topic's data object in a fixed
 * slot; an event object keeps a copy of its topic's slots in an array of
 * exactly that layout's size. The slot numbers, the sizes of those arrays,
 * the parser's scratch buffer and the count memcpy'd into an event all come
 * from the enums below, so adding a field here grows every array that holds
 * it, and a layout that outgrows the scratch buffer does not compile.
 * _decode.pyx names each slot of its layout table with these constants and
 * checks at import that the table lists exactly these slots, in order.
 */
#ifndef WEX_SLOTS_H
#define WEX_SLOTS_H

/* the parser's scratch buffer, in slots */
#define WEX_MAX_SLOTS 24

enum {  /* trade */
    WEX_TRADE_SYMBOL,
    WEX_TRADE_TIME,
    WEX_TRADE_TRADE_ID,
    WEX_TRADE_ORDER_ID,
    WEX_TRADE_CLIENT_ORDER_ID,
    WEX_TRADE_PRICE,
    WEX_TRADE_QUANTITY,
    WEX_TRADE_QUOTE_QUANTITY,
    WEX_TRADE_BUYER_IS_MAKER,
    WEX_TRADE_IS_MAKER,
    WEX_TRADE_SIDE,
    WEX_TRADE_POSITION_SIDE,
    WEX_TRADE_MARGIN_UNFROZEN,
    WEX_TRADE_FEE,
    WEX_TRADE_NSLOTS
};
_Static_assert(WEX_TRADE_NSLOTS <= WEX_MAX_SLOTS, "the trade layout outgrew the slot buffer");

enum {  /* kline */
    WEX_KLINE_SYMBOL,
    WEX_KLINE_TIME,
    WEX_KLINE_INTERVAL,
    WEX_KLINE_OPEN,
    WEX_KLINE_CLOSE,
    WEX_KLINE_HIGH,
    WEX_KLINE_LOW,
    WEX_KLINE_VOLUME,
    WEX_KLINE_QUOTE_VOLUME,
    WEX_KLINE_CHANGE_RATE,
    WEX_KLINE_NSLOTS
};
_Static_assert(WEX_KLINE_NSLOTS <= WEX_MAX_SLOTS, "the kline layout outgrew the slot buffer");

enum {  /* ticker */
    WEX_TICKER_SYMBOL,
    WEX_TICKER_TIME,
    WEX_TICKER_OPEN,
    WEX_TICKER_CLOSE,
    WEX_TICKER_HIGH,
    WEX_TICKER_LOW,
    WEX_TICKER_VOLUME,
    WEX_TICKER_QUOTE_VOLUME,
    WEX_TICKER_CHANGE_VALUE,
    WEX_TICKER_CHANGE_RATE,
    WEX_TICKER_INDEX_PRICE,
    WEX_TICKER_MARK_PRICE,
    WEX_TICKER_BEST_BID_PRICE,
    WEX_TICKER_BEST_ASK_PRICE,
    WEX_TICKER_NSLOTS
};
_Static_assert(WEX_TICKER_NSLOTS <= WEX_MAX_SLOTS, "the ticker layout outgrew the slot buffer");

enum {  /* price */
    WEX_PRICE_SYMBOL,
    WEX_PRICE_TIME,
    WEX_PRICE_PRICE,
    WEX_PRICE_NSLOTS
};
_Static_assert(WEX_PRICE_NSLOTS <= WEX_MAX_SLOTS, "the price layout outgrew the slot buffer");

enum {  /* funding */
    WEX_FUNDING_SYMBOL,
    WEX_FUNDING_TIME,
    WEX_FUNDING_RATE,
    WEX_FUNDING_NSLOTS
};
_Static_assert(WEX_FUNDING_NSLOTS <= WEX_MAX_SLOTS, "the funding layout outgrew the slot buffer");

enum {  /* depth_update */
    WEX_DEPTH_UPDATE_SYMBOL,
    WEX_DEPTH_UPDATE_TIME,
    WEX_DEPTH_UPDATE_FIRST_UPDATE_ID,
    WEX_DEPTH_UPDATE_LAST_UPDATE_ID,
    WEX_DEPTH_UPDATE_PREVIOUS_UPDATE_ID,
    WEX_DEPTH_UPDATE_BIDS,
    WEX_DEPTH_UPDATE_ASKS,
    WEX_DEPTH_UPDATE_NSLOTS
};
_Static_assert(WEX_DEPTH_UPDATE_NSLOTS <= WEX_MAX_SLOTS, "the depth_update layout outgrew the slot buffer");

enum {  /* depth */
    WEX_DEPTH_SYMBOL,
    WEX_DEPTH_TIME,
    WEX_DEPTH_UPDATE_ID,
    WEX_DEPTH_BIDS,
    WEX_DEPTH_ASKS,
    WEX_DEPTH_NSLOTS
};
_Static_assert(WEX_DEPTH_NSLOTS <= WEX_MAX_SLOTS, "the depth layout outgrew the slot buffer");

enum {  /* order */
    WEX_ORDER_SYMBOL,
    WEX_ORDER_TIME,
    WEX_ORDER_CREATE_TIME,
    WEX_ORDER_ORDER_ID,
    WEX_ORDER_CLIENT_ORDER_ID,
    WEX_ORDER_STATE,
    WEX_ORDER_SIDE,
    WEX_ORDER_ORDER_TYPE,
    WEX_ORDER_TIME_IN_FORCE,
    WEX_ORDER_PRICE,
    WEX_ORDER_AVERAGE_PRICE,
    WEX_ORDER_ORIGINAL_QUANTITY,
    WEX_ORDER_ORIGINAL_QUOTE_QUANTITY,
    WEX_ORDER_EXECUTED_QUANTITY,
    WEX_ORDER_REMAINING_QUANTITY,
    WEX_ORDER_FEE,
    WEX_ORDER_BASE_CURRENCY,
    WEX_ORDER_QUOTE_CURRENCY,
    WEX_ORDER_POSITION_SIDE,
    WEX_ORDER_POSITION_TYPE,
    WEX_ORDER_MARGIN_FROZEN,
    WEX_ORDER_SOURCE_TYPE,
    WEX_ORDER_CATEGORY,
    WEX_ORDER_LEVERAGE,
    WEX_ORDER_NSLOTS
};
_Static_assert(WEX_ORDER_NSLOTS <= WEX_MAX_SLOTS, "the order layout outgrew the slot buffer");

enum {  /* balance */
    WEX_BALANCE_CURRENCY,
    WEX_BALANCE_TIME,
    WEX_BALANCE_ACCOUNT_ID,
    WEX_BALANCE_BALANCE,
    WEX_BALANCE_FROZEN,
    WEX_BALANCE_BUSINESS_TYPE,
    WEX_BALANCE_SYMBOL,
    WEX_BALANCE_UNDERLYING_TYPE,
    WEX_BALANCE_OPEN_ORDER_MARGIN_FROZEN,
    WEX_BALANCE_ISOLATED_MARGIN,
    WEX_BALANCE_CROSSED_MARGIN,
    WEX_BALANCE_NSLOTS
};
_Static_assert(WEX_BALANCE_NSLOTS <= WEX_MAX_SLOTS, "the balance layout outgrew the slot buffer");

enum {  /* position */
    WEX_POSITION_SYMBOL,
    WEX_POSITION_CONTRACT_TYPE,
    WEX_POSITION_POSITION_TYPE,
    WEX_POSITION_POSITION_SIDE,
    WEX_POSITION_POSITION_SIZE,
    WEX_POSITION_CLOSE_ORDER_SIZE,
    WEX_POSITION_AVAILABLE_CLOSE_SIZE,
    WEX_POSITION_REALIZED_PROFIT,
    WEX_POSITION_ENTRY_PRICE,
    WEX_POSITION_ISOLATED_MARGIN,
    WEX_POSITION_OPEN_ORDER_MARGIN_FROZEN,
    WEX_POSITION_UNDERLYING_TYPE,
    WEX_POSITION_LEVERAGE,
    WEX_POSITION_NSLOTS
};
_Static_assert(WEX_POSITION_NSLOTS <= WEX_MAX_SLOTS, "the position layout outgrew the slot buffer");

enum {  /* notify */
    WEX_NOTIFY_SYMBOL,
    WEX_NOTIFY_POSITION_TYPE,
    WEX_NOTIFY_POSITION_SIDE,
    WEX_NOTIFY_POSITION_SIZE,
    WEX_NOTIFY_NOTIFY_TYPE,
    WEX_NOTIFY_NSLOTS
};
_Static_assert(WEX_NOTIFY_NSLOTS <= WEX_MAX_SLOTS, "the notify layout outgrew the slot buffer");

#endif
