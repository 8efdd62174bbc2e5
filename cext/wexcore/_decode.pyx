# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Message decoding kernel: one WebSocket/REST frame in, one typed event out.

The frame is read once by a validating JSON scanner written for the shapes
WEX sends: keys in any order, any whitespace, numbers quoted or not, escapes,
unknown keys (skipped, but still validated). Known keys are converted while
they are scanned (decimal text -> double, id text -> exact integer) into a
small array of fixed-size *slots*; the event object copies that array and
keeps a reference to the frame. Python objects (floats, ints, strings) are
only made when an attribute is read, so a user who looks at three fields of a
trade pays for three objects, and nobody pays for per-level objects of a
depth message.

Anything that is not valid JSON, or not a valid message of its topic, raises
:class:`wexcore.DecodeError` naming the topic, the field and the byte offset;
no partially filled event is ever returned. Unknown topics are passed through
as :class:`UnknownMessage` with the data decoded by orjson.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE, PyBytes_FromStringAndSize
from cpython.float cimport PyFloat_FromDouble
from cpython.long cimport PyLong_FromUnsignedLongLong, PyLong_FromLongLong
from cpython.ref cimport PyObject
from cpython.mem cimport PyMem_Malloc, PyMem_Realloc, PyMem_Free
from libc.stdint cimport int8_t, int16_t, int32_t, uint8_t, uint32_t, uint64_t, int64_t
from libc.string cimport memcmp, memcpy, memset, memchr
from libc.math cimport isfinite

cimport cython

import enum

import numpy as _np
import orjson as _orjson

from wexcore.errors import DecodeError

cdef extern from "Python.h":
    double PyOS_string_to_double(const char* s, char** endptr, PyObject* overflow_exception) \
        except? -1.0
    object PyUnicode_DecodeUTF8(const char* s, Py_ssize_t size, const char* errors)
    const char* PyUnicode_AsUTF8AndSize(object s, Py_ssize_t* size) except NULL

__all__ = [
    "decode",
    "Event", "Trade", "UserTrade", "Kline", "Ticker", "IndexPrice", "MarkPrice",
    "FundingRate", "DepthUpdate", "DepthSnapshot", "OrderUpdate", "BalanceUpdate",
    "PositionUpdate", "Notify", "Reply", "Pong", "ErrorMessage", "UnknownMessage",
    "Side", "OrderState", "OrderType", "TimeInForce", "PositionSide", "PositionType",
    "NotifyType", "PONG", "MAX_DEPTH", "MAX_NUMBER_LENGTH",
]

# Documents nested deeper than this are rejected. WEX messages nest at most
# four levels (object, data, side array, level array); 64 leaves room for
# unknown topics and keeps the recursive skip far from the C stack's limits.
cdef enum:
    _MAX_DEPTH = 64
MAX_DEPTH = 64
# A decimal or an integer written with more characters than this is rejected
# ("over-long number"): no price, quantity or id needs it, and it bounds the
# work done on hostile input.
cdef enum:
    _MAX_NUM = 64
MAX_NUMBER_LENGTH = 64

# ---------------------------------------------------------------------------
# Enums. StrEnum members compare equal to the wire text, so
# ``event.side == "BUY"`` holds whether or not the value was a known member.
# A value the exchange adds later is returned as a plain ``str`` instead of
# raising: a new order state must not break a user's stream.


class Side(enum.StrEnum):
    """Order or taker side. Futures market trades send ``BID``/``ASK``; they
    map to ``BUY``/``SELL``."""
    BUY = "BUY"
    SELL = "SELL"


class OrderState(enum.StrEnum):
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


class OrderType(enum.StrEnum):
    LIMIT = "LIMIT"
    MARKET = "MARKET"


class TimeInForce(enum.StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    GTX = "GTX"


class PositionSide(enum.StrEnum):
    LONG = "LONG"
    SHORT = "SHORT"


class PositionType(enum.StrEnum):
    ISOLATED = "ISOLATED"
    CROSSED = "CROSSED"


class NotifyType(enum.StrEnum):
    """Futures ``notify`` kinds: liquidation warning, partial liquidation,
    forced liquidation, auto-deleveraging."""
    WARN = "WARN"
    PARTIAL = "PARTIAL"
    LIQUIDATION = "LIQUIDATION"
    ADL = "ADL"


# ---------------------------------------------------------------------------
# Slots: what the scanner stores per known field.

cdef enum:
    K_ABSENT = 0
    K_NULL = 1
    K_EMPTY = 2     # "" where a number was expected: treated as absent
    K_STR = 3
    K_DEC = 4
    K_INT = 5
    K_TRUE = 6
    K_FALSE = 7
    K_ENUM = 8
    K_LEVELS = 9

cdef enum:
    F_QUOTED = 1
    F_ESCAPED = 2
    F_NONASCII = 4
    F_NEG = 8

cdef enum:
    V_STR = 0
    V_DEC = 1
    V_INT = 2
    V_BOOL = 3
    V_ENUM = 4
    V_INTISH = 5    # an integer if it reads as one, else the text (underlyingType)
    V_TM = 6        # spot taker/maker flag: 1 = taker, 2 = maker -> bool is_maker
    V_LEVELS = 7
    V_ANYID = 8     # reply id: string or integer

ctypedef struct Slot:
    int32_t start       # text span in the frame (inside the quotes)
    int32_t end
    int8_t kind
    int8_t flags
    int16_t idx         # enum entry, or levels side
    double d
    uint64_t u

ctypedef struct Level:
    double price
    double qty
    int32_t ps, pe, qs, qe
    int32_t pf, qf      # flags of the two texts

ctypedef struct KeySpec:
    const char* key
    int keylen
    int slot
    int vtype
    int aux

ctypedef struct Parser:
    const unsigned char* s
    Py_ssize_t n
    int topic_id


# slot numbers and layout sizes: cext/csrc/wex_slots.h (checked there at compile time)
cdef extern from "wex_slots.h":
    enum: WEX_MAX_SLOTS
    enum:
        WEX_TRADE_SYMBOL
        WEX_TRADE_TIME
        WEX_TRADE_TRADE_ID
        WEX_TRADE_ORDER_ID
        WEX_TRADE_CLIENT_ORDER_ID
        WEX_TRADE_PRICE
        WEX_TRADE_QUANTITY
        WEX_TRADE_QUOTE_QUANTITY
        WEX_TRADE_BUYER_IS_MAKER
        WEX_TRADE_IS_MAKER
        WEX_TRADE_SIDE
        WEX_TRADE_POSITION_SIDE
        WEX_TRADE_MARGIN_UNFROZEN
        WEX_TRADE_FEE
        WEX_TRADE_NSLOTS
    enum:
        WEX_KLINE_SYMBOL
        WEX_KLINE_TIME
        WEX_KLINE_INTERVAL
        WEX_KLINE_OPEN
        WEX_KLINE_CLOSE
        WEX_KLINE_HIGH
        WEX_KLINE_LOW
        WEX_KLINE_VOLUME
        WEX_KLINE_QUOTE_VOLUME
        WEX_KLINE_CHANGE_RATE
        WEX_KLINE_NSLOTS
    enum:
        WEX_TICKER_SYMBOL
        WEX_TICKER_TIME
        WEX_TICKER_OPEN
        WEX_TICKER_CLOSE
        WEX_TICKER_HIGH
        WEX_TICKER_LOW
        WEX_TICKER_VOLUME
        WEX_TICKER_QUOTE_VOLUME
        WEX_TICKER_CHANGE_VALUE
        WEX_TICKER_CHANGE_RATE
        WEX_TICKER_INDEX_PRICE
        WEX_TICKER_MARK_PRICE
        WEX_TICKER_BEST_BID_PRICE
        WEX_TICKER_BEST_ASK_PRICE
        WEX_TICKER_NSLOTS
    enum:
        WEX_PRICE_SYMBOL
        WEX_PRICE_TIME
        WEX_PRICE_PRICE
        WEX_PRICE_NSLOTS
    enum:
        WEX_FUNDING_SYMBOL
        WEX_FUNDING_TIME
        WEX_FUNDING_RATE
        WEX_FUNDING_NSLOTS
    enum:
        WEX_DEPTH_UPDATE_SYMBOL
        WEX_DEPTH_UPDATE_TIME
        WEX_DEPTH_UPDATE_FIRST_UPDATE_ID
        WEX_DEPTH_UPDATE_LAST_UPDATE_ID
        WEX_DEPTH_UPDATE_PREVIOUS_UPDATE_ID
        WEX_DEPTH_UPDATE_BIDS
        WEX_DEPTH_UPDATE_ASKS
        WEX_DEPTH_UPDATE_NSLOTS
    enum:
        WEX_DEPTH_SYMBOL
        WEX_DEPTH_TIME
        WEX_DEPTH_UPDATE_ID
        WEX_DEPTH_BIDS
        WEX_DEPTH_ASKS
        WEX_DEPTH_NSLOTS
    enum:
        WEX_ORDER_SYMBOL
        WEX_ORDER_TIME
        WEX_ORDER_CREATE_TIME
        WEX_ORDER_ORDER_ID
        WEX_ORDER_CLIENT_ORDER_ID
        WEX_ORDER_STATE
        WEX_ORDER_SIDE
        WEX_ORDER_ORDER_TYPE
        WEX_ORDER_TIME_IN_FORCE
        WEX_ORDER_PRICE
        WEX_ORDER_AVERAGE_PRICE
        WEX_ORDER_ORIGINAL_QUANTITY
        WEX_ORDER_ORIGINAL_QUOTE_QUANTITY
        WEX_ORDER_EXECUTED_QUANTITY
        WEX_ORDER_REMAINING_QUANTITY
        WEX_ORDER_FEE
        WEX_ORDER_BASE_CURRENCY
        WEX_ORDER_QUOTE_CURRENCY
        WEX_ORDER_POSITION_SIDE
        WEX_ORDER_POSITION_TYPE
        WEX_ORDER_MARGIN_FROZEN
        WEX_ORDER_SOURCE_TYPE
        WEX_ORDER_CATEGORY
        WEX_ORDER_LEVERAGE
        WEX_ORDER_NSLOTS
    enum:
        WEX_BALANCE_CURRENCY
        WEX_BALANCE_TIME
        WEX_BALANCE_ACCOUNT_ID
        WEX_BALANCE_BALANCE
        WEX_BALANCE_FROZEN
        WEX_BALANCE_BUSINESS_TYPE
        WEX_BALANCE_SYMBOL
        WEX_BALANCE_UNDERLYING_TYPE
        WEX_BALANCE_OPEN_ORDER_MARGIN_FROZEN
        WEX_BALANCE_ISOLATED_MARGIN
        WEX_BALANCE_CROSSED_MARGIN
        WEX_BALANCE_NSLOTS
    enum:
        WEX_POSITION_SYMBOL
        WEX_POSITION_CONTRACT_TYPE
        WEX_POSITION_POSITION_TYPE
        WEX_POSITION_POSITION_SIDE
        WEX_POSITION_POSITION_SIZE
        WEX_POSITION_CLOSE_ORDER_SIZE
        WEX_POSITION_AVAILABLE_CLOSE_SIZE
        WEX_POSITION_REALIZED_PROFIT
        WEX_POSITION_ENTRY_PRICE
        WEX_POSITION_ISOLATED_MARGIN
        WEX_POSITION_OPEN_ORDER_MARGIN_FROZEN
        WEX_POSITION_UNDERLYING_TYPE
        WEX_POSITION_LEVERAGE
        WEX_POSITION_NSLOTS
    enum:
        WEX_NOTIFY_SYMBOL
        WEX_NOTIFY_POSITION_TYPE
        WEX_NOTIFY_POSITION_SIDE
        WEX_NOTIFY_POSITION_SIZE
        WEX_NOTIFY_NOTIFY_TYPE
        WEX_NOTIFY_NSLOTS

cdef enum:
    MAX_SLOTS = WEX_MAX_SLOTS
    MAX_KEYS = 256
    MAX_ENUM_ENTRIES = 64

cdef enum:
    MAX_LAYOUTS = 16
    KEY_HASH_SIZE = 128

cdef KeySpec _keys[MAX_KEYS]
# per layout, an open-addressing table of key indexes (-1: empty)
cdef int16_t _key_hash[MAX_LAYOUTS][KEY_HASH_SIZE]
cdef int _nlayouts = 0


cdef inline int _hash_key(const unsigned char* k, Py_ssize_t kl) noexcept nogil:
    return <int>((<Py_ssize_t>k[0] * 7 + <Py_ssize_t>k[kl - 1] * 3 + kl * 13)
                 & (KEY_HASH_SIZE - 1))

cdef int _nkeys = 0
cdef list _key_objects = []          # keeps the key bytes alive; names for errors
cdef list _slot_names = []           # parallel to _keys: field name for errors

cdef const char* _enum_text[MAX_ENUM_ENTRIES]
cdef int _enum_len[MAX_ENUM_ENTRIES]
cdef int _enum_first[16]
cdef int _enum_count[16]
cdef list _enum_members = []         # global entry -> member object
cdef list _enum_objects = []
cdef int _nenum_entries = 0
cdef dict _enum_ids = {}

# the levels scratch buffers, one per book side; grown on demand and reused
# (the decoder holds the GIL for the whole call, so one set is enough)
cdef Level* _lv[2]
cdef Py_ssize_t _lv_cap[2]
cdef Py_ssize_t _lv_n[2]
_lv[0] = NULL
_lv[1] = NULL
_lv_cap[0] = 0
_lv_cap[1] = 0


cdef int _register_enum(cls, dict aliases) except -1:
    global _nenum_entries
    cdef int eid = len(_enum_ids)
    _enum_ids[cls] = eid
    _enum_first[eid] = _nenum_entries
    items = [(m.value, m) for m in cls] + list(aliases.items())
    for text, member in items:
        b = text.encode()
        _enum_objects.append(b)
        _enum_text[_nenum_entries] = <const char*>PyBytes_AS_STRING(b)
        _enum_len[_nenum_entries] = len(b)
        _enum_members.append(member)
        _nenum_entries += 1
    _enum_count[eid] = _nenum_entries - _enum_first[eid]
    return 0


_register_enum(Side, {"BID": Side.BUY, "ASK": Side.SELL})
_register_enum(OrderState, {})
_register_enum(OrderType, {})
_register_enum(TimeInForce, {})
_register_enum(PositionSide, {})
_register_enum(PositionType, {})
_register_enum(NotifyType, {})


cdef class _Layout:
    """The known keys of one topic's data object and the slot each fills."""
    cdef readonly str name
    cdef readonly int first
    cdef readonly int count
    cdef readonly int nslots
    cdef readonly dict fields      # field name -> (slot, vtype, enum id)
    cdef readonly dict wire        # field name -> wire keys

    cdef readonly int id

    def __init__(self, str name, int nslots, list spec):
        global _nkeys, _nlayouts
        # the table must list exactly the slots wex_slots.h numbers, in order:
        # event arrays are sized from the header, the table fills them
        if [entry[0] for entry in spec] != list(range(nslots)):
            raise ImportError(f"{name}: the layout table disagrees with wex_slots.h")
        self.name = name
        self.id = _nlayouts
        _nlayouts += 1
        assert self.id < MAX_LAYOUTS
        self.first = _nkeys
        self.fields = {}
        self.wire = {}
        for slot, field, vtype, enum_cls, keys in spec:
            eid = _enum_ids[enum_cls] if enum_cls is not None else -1
            self.fields[field] = (slot, vtype, eid)
            self.wire[field] = keys
            for key in keys.split():
                vt = vtype
                if key == "tm":
                    vt = V_TM
                b = key.encode()
                _key_objects.append(b)
                _slot_names.append(key)
                _keys[_nkeys].key = PyBytes_AS_STRING(b)
                _keys[_nkeys].keylen = len(b)
                _keys[_nkeys].slot = slot
                _keys[_nkeys].vtype = vt
                _keys[_nkeys].aux = eid if vtype != V_LEVELS else (0 if field == "bids" else 1)
                _nkeys += 1
        self.count = _nkeys - self.first
        self.nslots = nslots
        assert self.count < KEY_HASH_SIZE // 2
        cdef int j, h
        for h in range(KEY_HASH_SIZE):
            _key_hash[self.id][h] = -1
        for j in range(self.first, self.first + self.count):
            h = _hash_key(<const unsigned char*>_keys[j].key, _keys[j].keylen)
            while _key_hash[self.id][h] >= 0:
                h = (h + 1) & (KEY_HASH_SIZE - 1)
            _key_hash[self.id][h] = <int16_t>j


# Wire key -> field, per topic. Several keys may fill one field: the spot and
# futures spellings of the same thing ("q" and "a" for a trade's quantity).
_TRADE = _Layout("trade", WEX_TRADE_NSLOTS, [
    (WEX_TRADE_SYMBOL, "symbol", V_STR, None, "s symbol"),
    (WEX_TRADE_TIME, "time", V_INT, None, "t timestamp"),
    (WEX_TRADE_TRADE_ID, "trade_id", V_INT, None, "i"),
    (WEX_TRADE_ORDER_ID, "order_id", V_INT, None, "oi orderId"),
    (WEX_TRADE_CLIENT_ORDER_ID, "client_order_id", V_STR, None, "clientOrderId"),
    (WEX_TRADE_PRICE, "price", V_DEC, None, "p price"),
    (WEX_TRADE_QUANTITY, "quantity", V_DEC, None, "q a quantity"),
    (WEX_TRADE_QUOTE_QUANTITY, "quote_quantity", V_DEC, None, "v"),
    (WEX_TRADE_BUYER_IS_MAKER, "buyer_is_maker", V_BOOL, None, "b"),
    (WEX_TRADE_IS_MAKER, "is_maker", V_BOOL, None, "isMaker tm"),
    (WEX_TRADE_SIDE, "side", V_ENUM, Side, "m orderSide"),
    (WEX_TRADE_POSITION_SIDE, "position_side", V_ENUM, PositionSide, "positionSide"),
    (WEX_TRADE_MARGIN_UNFROZEN, "margin_unfrozen", V_DEC, None, "marginUnfrozen"),
    (WEX_TRADE_FEE, "fee", V_DEC, None, "fee"),
])
_KLINE = _Layout("kline", WEX_KLINE_NSLOTS, [
    (WEX_KLINE_SYMBOL, "symbol", V_STR, None, "s"),
    (WEX_KLINE_TIME, "time", V_INT, None, "t"),
    (WEX_KLINE_INTERVAL, "interval", V_STR, None, "i"),
    (WEX_KLINE_OPEN, "open", V_DEC, None, "o"),
    (WEX_KLINE_CLOSE, "close", V_DEC, None, "c"),
    (WEX_KLINE_HIGH, "high", V_DEC, None, "h"),
    (WEX_KLINE_LOW, "low", V_DEC, None, "l"),
    (WEX_KLINE_VOLUME, "volume", V_DEC, None, "q a"),
    (WEX_KLINE_QUOTE_VOLUME, "quote_volume", V_DEC, None, "v"),
    (WEX_KLINE_CHANGE_RATE, "change_rate", V_DEC, None, "ch"),
])
_TICKER = _Layout("ticker", WEX_TICKER_NSLOTS, [
    (WEX_TICKER_SYMBOL, "symbol", V_STR, None, "s"),
    (WEX_TICKER_TIME, "time", V_INT, None, "t"),
    (WEX_TICKER_OPEN, "open", V_DEC, None, "o"),
    (WEX_TICKER_CLOSE, "close", V_DEC, None, "c"),
    (WEX_TICKER_HIGH, "high", V_DEC, None, "h"),
    (WEX_TICKER_LOW, "low", V_DEC, None, "l"),
    (WEX_TICKER_VOLUME, "volume", V_DEC, None, "q a"),
    (WEX_TICKER_QUOTE_VOLUME, "quote_volume", V_DEC, None, "v"),
    (WEX_TICKER_CHANGE_VALUE, "change_value", V_DEC, None, "cv"),
    # futures agg_ticker: the spec's push example says "ch", live servers and the
    # REST aggregated ticker say "r" (docs/spec-decisions.md)
    (WEX_TICKER_CHANGE_RATE, "change_rate", V_DEC, None, "cr ch r"),
    (WEX_TICKER_INDEX_PRICE, "index_price", V_DEC, None, "i"),
    (WEX_TICKER_MARK_PRICE, "mark_price", V_DEC, None, "m"),
    (WEX_TICKER_BEST_BID_PRICE, "best_bid_price", V_DEC, None, "bp"),
    (WEX_TICKER_BEST_ASK_PRICE, "best_ask_price", V_DEC, None, "ap"),
])
_PRICE = _Layout("price", WEX_PRICE_NSLOTS, [
    (WEX_PRICE_SYMBOL, "symbol", V_STR, None, "s"),
    (WEX_PRICE_TIME, "time", V_INT, None, "t"),
    (WEX_PRICE_PRICE, "price", V_DEC, None, "p"),
])
_FUNDING = _Layout("fund_rate", WEX_FUNDING_NSLOTS, [
    (WEX_FUNDING_SYMBOL, "symbol", V_STR, None, "s"),
    (WEX_FUNDING_TIME, "time", V_INT, None, "t"),
    (WEX_FUNDING_RATE, "rate", V_DEC, None, "r"),
])
_DEPTH_UPDATE = _Layout("depth_update", WEX_DEPTH_UPDATE_NSLOTS, [
    (WEX_DEPTH_UPDATE_SYMBOL, "symbol", V_STR, None, "s"),
    (WEX_DEPTH_UPDATE_TIME, "time", V_INT, None, "t"),
    (WEX_DEPTH_UPDATE_FIRST_UPDATE_ID, "first_update_id", V_INT, None, "fi fu"),
    (WEX_DEPTH_UPDATE_LAST_UPDATE_ID, "last_update_id", V_INT, None, "i u"),
    (WEX_DEPTH_UPDATE_PREVIOUS_UPDATE_ID, "previous_update_id", V_INT, None, "pu"),
    (WEX_DEPTH_UPDATE_BIDS, "bids", V_LEVELS, None, "b"),
    (WEX_DEPTH_UPDATE_ASKS, "asks", V_LEVELS, None, "a"),
])
_DEPTH = _Layout("depth", WEX_DEPTH_NSLOTS, [
    (WEX_DEPTH_SYMBOL, "symbol", V_STR, None, "s"),
    (WEX_DEPTH_TIME, "time", V_INT, None, "t"),
    (WEX_DEPTH_UPDATE_ID, "update_id", V_INT, None, "i id"),
    (WEX_DEPTH_BIDS, "bids", V_LEVELS, None, "b"),
    (WEX_DEPTH_ASKS, "asks", V_LEVELS, None, "a"),
])
_ORDER = _Layout("order", WEX_ORDER_NSLOTS, [
    (WEX_ORDER_SYMBOL, "symbol", V_STR, None, "s symbol"),
    (WEX_ORDER_TIME, "time", V_INT, None, "t"),
    (WEX_ORDER_CREATE_TIME, "create_time", V_INT, None, "ct createdTime"),
    (WEX_ORDER_ORDER_ID, "order_id", V_INT, None, "i orderId"),
    (WEX_ORDER_CLIENT_ORDER_ID, "client_order_id", V_STR, None, "ci clientOrderId"),
    (WEX_ORDER_STATE, "state", V_ENUM, OrderState, "st state"),
    (WEX_ORDER_SIDE, "side", V_ENUM, Side, "sd orderSide"),
    (WEX_ORDER_ORDER_TYPE, "order_type", V_ENUM, OrderType, "tp orderType"),
    (WEX_ORDER_TIME_IN_FORCE, "time_in_force", V_ENUM, TimeInForce, "timeInForce"),
    (WEX_ORDER_PRICE, "price", V_DEC, None, "p price"),
    (WEX_ORDER_AVERAGE_PRICE, "average_price", V_DEC, None, "ap avgPrice"),
    (WEX_ORDER_ORIGINAL_QUANTITY, "original_quantity", V_DEC, None, "oq origQty"),
    (WEX_ORDER_ORIGINAL_QUOTE_QUANTITY, "original_quote_quantity", V_DEC, None, "oqq"),
    (WEX_ORDER_EXECUTED_QUANTITY, "executed_quantity", V_DEC, None, "eq executedQty"),
    (WEX_ORDER_REMAINING_QUANTITY, "remaining_quantity", V_DEC, None, "lq"),
    (WEX_ORDER_FEE, "fee", V_DEC, None, "f"),
    (WEX_ORDER_BASE_CURRENCY, "base_currency", V_STR, None, "bc"),
    (WEX_ORDER_QUOTE_CURRENCY, "quote_currency", V_STR, None, "qc"),
    (WEX_ORDER_POSITION_SIDE, "position_side", V_ENUM, PositionSide, "positionSide"),
    (WEX_ORDER_POSITION_TYPE, "position_type", V_ENUM, PositionType, "positionType"),
    (WEX_ORDER_MARGIN_FROZEN, "margin_frozen", V_DEC, None, "marginFrozen"),
    (WEX_ORDER_SOURCE_TYPE, "source_type", V_STR, None, "sourceType"),
    (WEX_ORDER_CATEGORY, "category", V_STR, None, "type"),
    (WEX_ORDER_LEVERAGE, "leverage", V_INT, None, "leverage"),
])
_BALANCE = _Layout("balance", WEX_BALANCE_NSLOTS, [
    (WEX_BALANCE_CURRENCY, "currency", V_STR, None, "c coin"),
    (WEX_BALANCE_TIME, "time", V_INT, None, "t"),
    (WEX_BALANCE_ACCOUNT_ID, "account_id", V_INT, None, "a"),
    (WEX_BALANCE_BALANCE, "balance", V_DEC, None, "b walletBalance"),
    (WEX_BALANCE_FROZEN, "frozen", V_DEC, None, "f"),
    (WEX_BALANCE_BUSINESS_TYPE, "business_type", V_STR, None, "z"),
    (WEX_BALANCE_SYMBOL, "symbol", V_STR, None, "s"),
    (WEX_BALANCE_UNDERLYING_TYPE, "underlying_type", V_INTISH, None, "underlyingType"),
    (WEX_BALANCE_OPEN_ORDER_MARGIN_FROZEN, "open_order_margin_frozen", V_DEC, None,
     "openOrderMarginFrozen"),
    (WEX_BALANCE_ISOLATED_MARGIN, "isolated_margin", V_DEC, None, "isolatedMargin"),
    (WEX_BALANCE_CROSSED_MARGIN, "crossed_margin", V_DEC, None, "crossedMargin"),
])
_POSITION = _Layout("position", WEX_POSITION_NSLOTS, [
    (WEX_POSITION_SYMBOL, "symbol", V_STR, None, "symbol"),
    (WEX_POSITION_CONTRACT_TYPE, "contract_type", V_STR, None, "contractType"),
    (WEX_POSITION_POSITION_TYPE, "position_type", V_ENUM, PositionType, "positionType"),
    (WEX_POSITION_POSITION_SIDE, "position_side", V_ENUM, PositionSide, "positionSide"),
    (WEX_POSITION_POSITION_SIZE, "position_size", V_DEC, None, "positionSize"),
    (WEX_POSITION_CLOSE_ORDER_SIZE, "close_order_size", V_DEC, None, "closeOrderSize"),
    (WEX_POSITION_AVAILABLE_CLOSE_SIZE, "available_close_size", V_DEC, None, "availableCloseSize"),
    (WEX_POSITION_REALIZED_PROFIT, "realized_profit", V_DEC, None, "realizedProfit"),
    (WEX_POSITION_ENTRY_PRICE, "entry_price", V_DEC, None, "entryPrice"),
    (WEX_POSITION_ISOLATED_MARGIN, "isolated_margin", V_DEC, None, "isolatedMargin"),
    (WEX_POSITION_OPEN_ORDER_MARGIN_FROZEN, "open_order_margin_frozen", V_DEC, None,
     "openOrderMarginFrozen"),
    (WEX_POSITION_UNDERLYING_TYPE, "underlying_type", V_INTISH, None, "underlyingType"),
    (WEX_POSITION_LEVERAGE, "leverage", V_INT, None, "leverage"),
])
_NOTIFY = _Layout("notify", WEX_NOTIFY_NSLOTS, [
    (WEX_NOTIFY_SYMBOL, "symbol", V_STR, None, "symbol"),
    (WEX_NOTIFY_POSITION_TYPE, "position_type", V_ENUM, PositionType, "positionType"),
    (WEX_NOTIFY_POSITION_SIDE, "position_side", V_ENUM, PositionSide, "positionSide"),
    (WEX_NOTIFY_POSITION_SIZE, "position_size", V_DEC, None, "positionSize"),
    (WEX_NOTIFY_NOTIFY_TYPE, "notify_type", V_ENUM, NotifyType, "notifyType"),
])

# topic ids
cdef enum:
    T_TRADE = 0
    T_KLINE
    T_DEPTH
    T_DEPTH_UPDATE
    T_TICKER
    T_TICKERS
    T_AGG_TICKER
    T_INDEX_PRICE
    T_MARK_PRICE
    T_FUND_RATE
    T_BALANCE
    T_ORDER
    T_POSITION
    T_NOTIFY
    N_TOPICS

_TOPIC_NAMES = ("trade", "kline", "depth", "depth_update", "ticker", "tickers", "agg_ticker",
                "index_price", "mark_price", "fund_rate", "balance", "order", "position",
                "notify")
_TOPIC_LAYOUTS = (_TRADE, _KLINE, _DEPTH, _DEPTH_UPDATE, _TICKER, _TICKER, _TICKER, _PRICE,
                  _PRICE, _FUNDING, _BALANCE, _ORDER, _POSITION, _NOTIFY)
cdef list _topic_bytes = [t.encode() for t in _TOPIC_NAMES]
cdef int _topic_layout[N_TOPICS]
cdef int _topic_nslots[N_TOPICS]
for _i in range(N_TOPICS):
    _topic_layout[_i] = (<_Layout>_TOPIC_LAYOUTS[_i]).id
    _topic_nslots[_i] = (<_Layout>_TOPIC_LAYOUTS[_i]).nslots

cdef const char* _topic_ptr[N_TOPICS]
cdef int _topic_len[N_TOPICS]
for _i in range(N_TOPICS):
    _topic_ptr[_i] = PyBytes_AS_STRING(_topic_bytes[_i])
    _topic_len[_i] = len(_topic_bytes[_i])


cdef int _topic_lookup(const unsigned char* s, Py_ssize_t n) noexcept:
    cdef int t
    for t in range(N_TOPICS):
        if _topic_len[t] == n and memcmp(_topic_ptr[t], s, n) == 0:
            return t
    return -1


# ---------------------------------------------------------------------------
# Errors

cdef int _fail(Parser* p, str msg, Py_ssize_t offset, object field=None) except -1:
    topic = _TOPIC_NAMES[p.topic_id] if p.topic_id >= 0 else None
    raise DecodeError(msg, topic=topic, field=field, offset=offset)


cdef str _describe(const unsigned char* s, Py_ssize_t n, Py_ssize_t i):
    if i >= n:
        return "unexpected end of frame"
    cdef unsigned char c = s[i]
    if 32 < c < 127:
        return f"unexpected character {chr(c)!r}"
    return f"unexpected byte 0x{c:02x}"


# ---------------------------------------------------------------------------
# Lexing: whitespace, strings, numbers, literals. Every function returns the
# index after what it read, or raises DecodeError.

cdef inline Py_ssize_t _ws(const unsigned char* s, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    while i < n and (s[i] == 32 or s[i] == 10 or s[i] == 13 or s[i] == 9):
        i += 1
    return i


cdef inline int _utf8_len(const unsigned char* s, Py_ssize_t avail) noexcept nogil:
    """Length of the valid UTF-8 sequence at s, or 0 (overlong forms,
    surrogates and code points above U+10FFFF are invalid)."""
    cdef unsigned char c = s[0]
    cdef unsigned char c1
    if c < 0x80:
        return 1
    if c < 0xC2:
        return 0
    if avail < 2:
        return 0
    c1 = s[1]
    if c < 0xE0:
        return 2 if (c1 & 0xC0) == 0x80 else 0
    if avail < 3 or (s[2] & 0xC0) != 0x80:
        return 0
    if c < 0xF0:
        if c == 0xE0:
            return 3 if 0xA0 <= c1 <= 0xBF else 0
        if c == 0xED:
            return 3 if 0x80 <= c1 <= 0x9F else 0
        return 3 if (c1 & 0xC0) == 0x80 else 0
    if avail < 4 or (s[3] & 0xC0) != 0x80:
        return 0
    if c == 0xF0:
        return 4 if 0x90 <= c1 <= 0xBF else 0
    if c < 0xF4:
        return 4 if (c1 & 0xC0) == 0x80 else 0
    if c == 0xF4:
        return 4 if 0x80 <= c1 <= 0x8F else 0
    return 0


cdef inline int _hex4(const unsigned char* s) noexcept nogil:
    cdef int v = 0
    cdef int k
    cdef unsigned char c
    for k in range(4):
        c = s[k]
        if 48 <= c <= 57:
            v = v * 16 + (c - 48)
        elif 97 <= c <= 102:
            v = v * 16 + (c - 87)
        elif 65 <= c <= 70:
            v = v * 16 + (c - 55)
        else:
            return -1
    return v


# bytes that may appear in a JSON string as they are: printable ASCII except
# the quote and the backslash (everything else takes the slow branch)
cdef uint8_t _PLAIN[256]
for _i in range(256):
    _PLAIN[_i] = 1 if (32 <= _i < 128 and _i != 34 and _i != 92) else 0


cdef Py_ssize_t _scan_string(Parser* p, Py_ssize_t i, int* flags, object field) except -2:
    """i is just after the opening quote; returns the index of the closing
    quote. Validates escapes (surrogates must pair), control characters and
    UTF-8."""
    cdef const unsigned char* s = p.s
    cdef Py_ssize_t n = p.n
    cdef Py_ssize_t start = i
    cdef unsigned char c
    cdef int f = 0
    cdef int k, cp, lo
    while True:
        while i + 1 < n and _PLAIN[s[i]] and _PLAIN[s[i + 1]]:
            i += 2
        while i < n and _PLAIN[s[i]]:
            i += 1
        if i >= n:
            _fail(p, "unterminated string", start - 1, field)
        c = s[i]
        if c == 34:
            flags[0] = f
            return i
        if c == 92:
            f |= F_ESCAPED
            if i + 1 >= n:
                _fail(p, "unterminated string", start - 1, field)
            c = s[i + 1]
            if c == 117:  # \uXXXX
                if i + 6 > n:
                    _fail(p, "truncated \\u escape", i, field)
                cp = _hex4(s + i + 2)
                if cp < 0:
                    _fail(p, "invalid \\u escape", i, field)
                if 0xDC00 <= cp <= 0xDFFF:
                    _fail(p, "lone low surrogate in \\u escape", i, field)
                if 0xD800 <= cp <= 0xDBFF:
                    if i + 12 > n or s[i + 6] != 92 or s[i + 7] != 117:
                        _fail(p, "lone high surrogate in \\u escape", i, field)
                    lo = _hex4(s + i + 8)
                    if lo < 0xDC00 or lo > 0xDFFF:
                        _fail(p, "lone high surrogate in \\u escape", i, field)
                    i += 12
                else:
                    i += 6
            elif c == 34 or c == 92 or c == 47 or c == 98 or c == 102 or c == 110 \
                    or c == 114 or c == 116:
                i += 2
            else:
                _fail(p, "invalid escape", i, field)
        elif c < 32:
            _fail(p, "control character in string", i, field)
        else:
            f |= F_NONASCII
            k = _utf8_len(s + i, n - i)
            if k == 0:
                _fail(p, "invalid UTF-8", i, field)
            i += k


cdef inline Py_ssize_t _num_end(const unsigned char* s, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    """End of the JSON number starting at i, or -1 if it is not one."""
    if i < n and s[i] == 45:
        i += 1
    if i >= n:
        return -1
    if s[i] == 48:
        i += 1
    elif 49 <= s[i] <= 57:
        i += 1
        while i < n and 48 <= s[i] <= 57:
            i += 1
    else:
        return -1
    if i < n and s[i] == 46:
        i += 1
        if i >= n or not (48 <= s[i] <= 57):
            return -1
        while i < n and 48 <= s[i] <= 57:
            i += 1
    if i < n and (s[i] == 101 or s[i] == 69):
        i += 1
        if i < n and (s[i] == 43 or s[i] == 45):
            i += 1
        if i >= n or not (48 <= s[i] <= 57):
            return -1
        while i < n and 48 <= s[i] <= 57:
            i += 1
    return i


cdef double _POW10[23]
for _i in range(23):
    _POW10[_i] = float(10 ** _i)


cdef int _to_double(Parser* p, const unsigned char* s, Py_ssize_t a, Py_ssize_t b,
                    double* out, Py_ssize_t where, object field) except -1:
    """s[a:b] is a validated JSON number. Exact (correctly rounded) result:
    small mantissas use one IEEE multiplication or division by an exact power
    of ten; everything else goes through CPython's correctly rounded dtoa."""
    cdef Py_ssize_t i = a
    cdef bint neg = False
    cdef uint64_t m = 0
    cdef int sig = 0
    cdef int frac = 0
    cdef int ex = 0
    cdef bint eneg = False
    cdef double d
    cdef char buf[_MAX_NUM + 1]
    if b - a > _MAX_NUM:
        _fail(p, f"number longer than {_MAX_NUM} characters", where, field)
    if s[i] == 45:
        neg = True
        i += 1
    while i < b and 48 <= s[i] <= 57:
        if sig or s[i] != 48:
            sig += 1
            m = m * 10 + (s[i] - 48)
        i += 1
    if i < b and s[i] == 46:
        i += 1
        while i < b and 48 <= s[i] <= 57:
            if sig or s[i] != 48:
                sig += 1
                if sig <= 19:
                    m = m * 10 + (s[i] - 48)
            frac += 1
            i += 1
    if i < b:  # exponent
        i += 1
        if s[i] == 45:
            eneg = True
            i += 1
        elif s[i] == 43:
            i += 1
        while i < b:
            if ex < 100000:
                ex = ex * 10 + (s[i] - 48)
            i += 1
        if eneg:
            ex = -ex
    ex -= frac
    if sig <= 15 and -22 <= ex <= 22:
        d = <double>m
        if ex >= 0:
            d = d * _POW10[ex]
        else:
            d = d / _POW10[-ex]
        out[0] = -d if neg else d
        return 0
    memcpy(buf, s + a, b - a)
    buf[b - a] = 0
    d = PyOS_string_to_double(buf, NULL, NULL)
    if not isfinite(d):
        _fail(p, "number out of range", where, field)
    out[0] = d
    return 0


cdef uint64_t _U64_TENTH = 1844674407370955161ULL     # (2**64 - 1) // 10
cdef uint64_t _I64_MIN_MAG = 9223372036854775808ULL   # 2**63


cdef int _to_int(Parser* p, const unsigned char* s, Py_ssize_t a, Py_ssize_t b,
                 Slot* sl, Py_ssize_t where, object field) except -1:
    """s[a:b] is a validated JSON number that must have an integral value in
    [-2**63, 2**64 - 1]; exact, never through a double (ids exceed 2**53).
    Written with a fraction or an exponent is fine if the value is integral:
    1.655992403617e12 is 1655992403617."""
    cdef char digits[_MAX_NUM + 1]
    cdef int nd = 0
    cdef int frac = 0
    cdef int ex = 0
    cdef bint eneg = False
    cdef bint neg = False
    cdef Py_ssize_t i = a
    cdef int keep, k, _k
    cdef uint64_t v = 0
    if b - a > _MAX_NUM:
        _fail(p, f"number longer than {_MAX_NUM} characters", where, field)
    if s[i] == 45:
        neg = True
        i += 1
    if b - i <= 19:
        # the usual case: plain digits, no fraction or exponent, fits in 64 bits
        while i < b and 48 <= s[i] <= 57:
            v = v * 10 + (s[i] - 48)
            i += 1
        if i == b:
            if neg and v > _I64_MIN_MAG:
                _fail(p, "integer out of range", where, field)
            sl.u = v
            sl.kind = K_INT
            if neg and v != 0:
                sl.flags |= F_NEG
            return 0
        i = a + 1 if neg else a
        v = 0
    while i < b and 48 <= s[i] <= 57:
        digits[nd] = s[i]
        nd += 1
        i += 1
    if i < b and s[i] == 46:
        i += 1
        while i < b and 48 <= s[i] <= 57:
            digits[nd] = s[i]
            nd += 1
            frac += 1
            i += 1
    if i < b:
        i += 1
        if s[i] == 45:
            eneg = True
            i += 1
        elif s[i] == 43:
            i += 1
        while i < b:
            if ex < 100000:
                ex = ex * 10 + (s[i] - 48)
            i += 1
        if eneg:
            ex = -ex
    ex -= frac      # value = int(digits) * 10**ex
    keep = nd
    if ex < 0:
        keep = nd + ex
        if keep < 0:
            keep = 0
        for k in range(keep, nd):
            if digits[k] != 48:
                _fail(p, "expected an integer", where, field)
        ex = 0
    for k in range(keep):
        if v > _U64_TENTH or (v == _U64_TENTH and digits[k] > 53):
            _fail(p, "integer out of range", where, field)
        v = v * 10 + (digits[k] - 48)
    if v != 0:
        for _k in range(ex):
            if v > _U64_TENTH:
                _fail(p, "integer out of range", where, field)
            v = v * 10
    if neg and v > _I64_MIN_MAG:
        _fail(p, "integer out of range", where, field)
    sl.u = v
    sl.kind = K_INT
    if neg and v != 0:
        sl.flags |= F_NEG
    return 0


cdef Py_ssize_t _unescape_ascii(const unsigned char* s, Py_ssize_t a, Py_ssize_t b,
                                unsigned char* out, Py_ssize_t cap) noexcept:
    """Decode a validated string body that must be plain ASCII once
    unescaped (numbers, keys). Returns the length, or -1 if a non-ASCII
    character or more than cap bytes result."""
    cdef Py_ssize_t i = a
    cdef Py_ssize_t o = 0
    cdef unsigned char c
    cdef int cp
    while i < b:
        if o >= cap:
            return -1
        c = s[i]
        if c == 92:
            c = s[i + 1]
            if c == 117:
                cp = _hex4(s + i + 2)
                if cp < 0 or cp >= 128:
                    return -1
                out[o] = <unsigned char>cp
                i += 6
            else:
                if c == 98:
                    out[o] = 8
                elif c == 102:
                    out[o] = 12
                elif c == 110:
                    out[o] = 10
                elif c == 114:
                    out[o] = 13
                elif c == 116:
                    out[o] = 9
                else:
                    out[o] = c
                i += 2
        elif c >= 128:
            return -1
        else:
            out[o] = c
            i += 1
        o += 1
    return o


cdef Py_ssize_t _literal(Parser* p, Py_ssize_t i, const char* lit, int n, object field) except -1:
    if i + n > p.n or memcmp(p.s + i, lit, n) != 0:
        _fail(p, _describe(p.s, p.n, i) if i < p.n else "unexpected end of frame", i, field)
    return i + n


cdef Py_ssize_t _skip_value(Parser* p, Py_ssize_t i, int depth) except -1:
    """Validate and skip one JSON value of any shape (unknown keys)."""
    cdef const unsigned char* s = p.s
    cdef Py_ssize_t n = p.n
    cdef int f
    cdef unsigned char c
    if i >= n:
        _fail(p, "unexpected end of frame", i)
    c = s[i]
    if c == 34:
        return _scan_string(p, i + 1, &f, None) + 1
    if c == 123 or c == 91:
        if depth >= _MAX_DEPTH:
            _fail(p, f"nesting deeper than {_MAX_DEPTH} levels", i)
        i = _ws(s, i + 1, n)
        if i < n and s[i] == (125 if c == 123 else 93):
            return i + 1
        while True:
            if c == 123:
                if i >= n or s[i] != 34:
                    _fail(p, "expected a key: " + _describe(s, n, i), i)
                i = _scan_string(p, i + 1, &f, None) + 1
                i = _ws(s, i, n)
                if i >= n or s[i] != 58:
                    _fail(p, "expected ':': " + _describe(s, n, i), i)
                i = _ws(s, i + 1, n)
            i = _skip_value(p, i, depth + 1)
            i = _ws(s, i, n)
            if i < n and s[i] == 44:
                i = _ws(s, i + 1, n)
                continue
            if i < n and s[i] == (125 if c == 123 else 93):
                return i + 1
            _fail(p, ("expected ',' or '}': " if c == 123 else "expected ',' or ']': ")
                  + _describe(s, n, i), i)
    if c == 116:
        return _literal(p, i, "true", 4, None)
    if c == 102:
        return _literal(p, i, "false", 5, None)
    if c == 110:
        return _literal(p, i, "null", 4, None)
    cdef Py_ssize_t e = _num_end(s, i, n)
    if e < 0:
        if c == 45 or 48 <= c <= 57:
            _fail(p, "invalid number", i)
        _fail(p, _describe(s, n, i), i)
    return e


# ---------------------------------------------------------------------------
# Typed values

cdef int _number_text(Parser* p, Slot* sl, const unsigned char** ts, Py_ssize_t* ta,
                      Py_ssize_t* tb, unsigned char* buf, object field) except -1:
    """Locate the number text of a string slot (possibly unescaping it into
    buf) and check it is a JSON number. Returns 0, or 1 for an empty string."""
    cdef Py_ssize_t ln
    if sl.start == sl.end:
        return 1
    if sl.flags & F_ESCAPED:
        ln = _unescape_ascii(p.s, sl.start, sl.end, buf, _MAX_NUM + 1)
        if ln < 0 or ln > _MAX_NUM:
            _fail(p, "number longer than %d characters or not a number" % _MAX_NUM,
                  sl.start, field)
        ts[0] = buf
        ta[0] = 0
        tb[0] = ln
    else:
        ts[0] = p.s
        ta[0] = sl.start
        tb[0] = sl.end
    if _num_end(ts[0], ta[0], tb[0]) != tb[0]:
        _fail(p, "not a number", sl.start, field)
    return 0


cdef inline Py_ssize_t _fast_decimal(const unsigned char* s, Py_ssize_t i, Py_ssize_t n,
                                     double* out) noexcept nogil:
    """The common spelling of a price: at most 15 digits in all, no exponent.
    Returns the end index, or -1 when the general path must decide (longer
    mantissa, exponent, or not a number at all)."""
    cdef bint neg = False
    cdef uint64_t m = 0
    cdef Py_ssize_t start, frac_start
    cdef Py_ssize_t frac = 0
    cdef double d
    if i < n and s[i] == 45:
        neg = True
        i += 1
    start = i
    if i >= n or not (48 <= s[i] <= 57):
        return -1
    if s[i] == 48:
        i += 1
    else:
        while i < n and 48 <= s[i] <= 57:
            m = m * 10 + (s[i] - 48)
            i += 1
    if i < n and s[i] == 46:
        i += 1
        frac_start = i
        while i < n and 48 <= s[i] <= 57:
            m = m * 10 + (s[i] - 48)
            i += 1
        frac = i - frac_start
        if frac == 0:
            return -1
        if i - start - 1 > 15:
            return -1
    elif i - start > 15:
        return -1
    if i < n and (s[i] == 101 or s[i] == 69):
        return -1
    d = <double>m
    if frac:
        d = d / _POW10[frac]
    out[0] = -d if neg else d
    return i


cdef inline Py_ssize_t _fast_integer(const unsigned char* s, Py_ssize_t i, Py_ssize_t n,
                                     uint64_t* out) noexcept nogil:
    """Plain non-negative digits, at most 19 of them (no fraction, no
    exponent, no leading zero): the end index, or -1 for the general path."""
    cdef Py_ssize_t start = i
    cdef uint64_t v = 0
    if i >= n or not (49 <= s[i] <= 57):
        if i < n and s[i] == 48 and (i + 1 >= n or not (48 <= s[i + 1] <= 57)):
            if i + 1 < n and (s[i + 1] == 46 or s[i + 1] == 101 or s[i + 1] == 69):
                return -1
            out[0] = 0
            return i + 1
        return -1
    while i < n and 48 <= s[i] <= 57:
        v = v * 10 + (s[i] - 48)
        i += 1
    if i - start > 19:
        return -1
    if i < n and (s[i] == 46 or s[i] == 101 or s[i] == 69):
        return -1
    out[0] = v
    return i


cdef Py_ssize_t _parse_typed(Parser* p, Py_ssize_t i, Slot* sl, int vtype, int aux,
                             object field) except -1:
    cdef const unsigned char* s = p.s
    cdef Py_ssize_t n = p.n
    cdef int f = 0
    cdef Py_ssize_t e, ta, tb
    cdef int k, first, cnt
    cdef unsigned char c
    cdef const unsigned char* ts
    cdef unsigned char buf[_MAX_NUM + 2]
    cdef double d
    cdef uint64_t u
    if i >= n:
        _fail(p, "unexpected end of frame", i, field)
    c = s[i]
    sl.flags = 0
    sl.idx = -1
    # fast paths for the spellings the exchange uses; anything else falls
    # through to the general, validating path below
    if vtype == V_DEC:
        if c == 34:
            e = _fast_decimal(s, i + 1, n, &d)
            if e > i + 1 and e < n and s[e] == 34:
                sl.start = <int32_t>(i + 1)
                sl.end = <int32_t>e
                sl.flags = F_QUOTED
                sl.kind = K_DEC
                sl.d = d
                return e + 1
        elif c == 45 or 48 <= c <= 57:
            e = _fast_decimal(s, i, n, &d)
            if e > 0 and (e >= n or not (48 <= s[e] <= 57)):
                sl.start = <int32_t>i
                sl.end = <int32_t>e
                sl.kind = K_DEC
                sl.d = d
                return e
    elif vtype == V_INT:
        if c == 34:
            e = _fast_integer(s, i + 1, n, &u)
            if e > i + 1 and e < n and s[e] == 34:
                sl.start = <int32_t>(i + 1)
                sl.end = <int32_t>e
                sl.flags = F_QUOTED
                sl.kind = K_INT
                sl.u = u
                return e + 1
        elif 48 <= c <= 57:
            e = _fast_integer(s, i, n, &u)
            if e > 0 and (e >= n or not (48 <= s[e] <= 57)):
                sl.start = <int32_t>i
                sl.end = <int32_t>e
                sl.kind = K_INT
                sl.u = u
                return e
    if c == 34:
        e = _scan_string(p, i + 1, &f, field)
        sl.start = <int32_t>(i + 1)
        sl.end = <int32_t>e
        sl.flags = f | F_QUOTED
        sl.kind = K_STR
        e += 1
    elif c == 110:
        sl.kind = K_NULL
        return _literal(p, i, "null", 4, field)
    elif c == 116 or c == 102:
        if vtype != V_BOOL:
            _fail(p, "expected a string or a number, got a boolean", i, field)
        sl.kind = K_TRUE if c == 116 else K_FALSE
        return _literal(p, i, "true" if c == 116 else "false", 4 if c == 116 else 5, field)
    elif c == 45 or 48 <= c <= 57:
        e = _num_end(s, i, n)
        if e < 0:
            _fail(p, "invalid number", i, field)
        sl.start = <int32_t>i
        sl.end = <int32_t>e
        sl.kind = K_DEC   # provisional: a bare number
    elif c == 123 or c == 91:
        _fail(p, "expected a scalar, got an object or array", i, field)
    else:
        _fail(p, _describe(s, n, i), i, field)

    if vtype == V_STR:
        if sl.kind != K_STR:
            _fail(p, "expected a string", i, field)
    elif vtype == V_BOOL:
        _fail(p, "expected a boolean", i, field)
    elif vtype == V_ENUM:
        if sl.kind != K_STR:
            _fail(p, "expected a string", i, field)
        sl.kind = K_ENUM
        ts = s + sl.start
        tb = sl.end - sl.start
        if sl.flags & F_ESCAPED:
            tb = _unescape_ascii(s, sl.start, sl.end, buf, _MAX_NUM)
            ts = buf
        first = _enum_first[aux]
        cnt = _enum_count[aux]
        for k in range(first, first + cnt):
            if _enum_len[k] == tb and memcmp(_enum_text[k], ts, tb) == 0:
                sl.idx = <int16_t>k
                break
    elif vtype == V_DEC:
        if sl.kind == K_STR:
            if _number_text(p, sl, &ts, &ta, &tb, buf, field):
                sl.kind = K_EMPTY
                return e
        else:
            ts = s
            ta = sl.start
            tb = sl.end
        _to_double(p, ts, ta, tb, &d, sl.start, field)
        sl.d = d
        sl.kind = K_DEC
    elif vtype == V_INT or vtype == V_TM or vtype == V_ANYID:
        if sl.kind == K_STR:
            if vtype == V_ANYID:
                return e
            if _number_text(p, sl, &ts, &ta, &tb, buf, field):
                sl.kind = K_EMPTY
                return e
        else:
            ts = s
            ta = sl.start
            tb = sl.end
        _to_int(p, ts, ta, tb, sl, sl.start, field)
        if vtype == V_TM:
            if sl.u == 1 and not (sl.flags & F_NEG):
                sl.kind = K_FALSE
            elif sl.u == 2 and not (sl.flags & F_NEG):
                sl.kind = K_TRUE
            else:
                _fail(p, "expected 1 (taker) or 2 (maker)", sl.start, field)
    elif vtype == V_INTISH:
        if sl.kind == K_STR:
            if sl.start == sl.end:
                sl.kind = K_EMPTY
                return e
            if not (sl.flags & F_ESCAPED) and _num_end(s, sl.start, sl.end) == sl.end \
                    and sl.end - sl.start <= 20:
                try:
                    _to_int(p, s, sl.start, sl.end, sl, sl.start, field)
                except DecodeError:
                    sl.kind = K_STR
        else:
            _to_int(p, s, sl.start, sl.end, sl, sl.start, field)
    return e


cdef int _level_value(Parser* p, Py_ssize_t* pi, double* out, int32_t* ts_, int32_t* te_,
                      int32_t* tf_, object field) except -1:
    cdef Slot sl
    sl.flags = 0
    cdef Py_ssize_t i = pi[0]
    if i < p.n and (p.s[i] == 110 or p.s[i] == 116 or p.s[i] == 102):
        _fail(p, "expected a price or quantity", i, field)
    pi[0] = _parse_typed(p, i, &sl, V_DEC, -1, field)
    if sl.kind != K_DEC:
        _fail(p, "expected a price or quantity, got an empty string", i, field)
    out[0] = sl.d
    ts_[0] = sl.start
    te_[0] = sl.end
    tf_[0] = sl.flags
    return 0


cdef Py_ssize_t _parse_levels(Parser* p, Py_ssize_t i, Slot* sl, int side, object field) \
        except -1:
    """[[price, qty], ...] straight into the side's scratch buffer."""
    cdef const unsigned char* s = p.s
    cdef Py_ssize_t n = p.n
    cdef Level* lv
    cdef Py_ssize_t cnt = 0
    cdef Py_ssize_t newcap
    cdef Level* grown
    if i < n and s[i] == 110:
        sl.kind = K_NULL
        return _literal(p, i, "null", 4, field)
    if i >= n or s[i] != 91:
        _fail(p, "expected an array of [price, quantity] levels", i, field)
    i = _ws(s, i + 1, n)
    if i < n and s[i] == 93:
        i += 1
    else:
        while True:
            if cnt >= _lv_cap[side]:
                newcap = _lv_cap[side] * 2 if _lv_cap[side] else 64
                grown = <Level*>PyMem_Realloc(_lv[side], newcap * sizeof(Level))
                if grown == NULL:
                    raise MemoryError()
                _lv[side] = grown
                _lv_cap[side] = newcap
            lv = _lv[side] + cnt
            if i >= n or s[i] != 91:
                _fail(p, "expected a [price, quantity] level", i, field)
            i = _ws(s, i + 1, n)
            _level_value(p, &i, &lv.price, &lv.ps, &lv.pe, &lv.pf, field)
            i = _ws(s, i, n)
            if i >= n or s[i] != 44:
                _fail(p, "expected ',' between price and quantity", i, field)
            i = _ws(s, i + 1, n)
            _level_value(p, &i, &lv.qty, &lv.qs, &lv.qe, &lv.qf, field)
            i = _ws(s, i, n)
            if i >= n or s[i] != 93:
                _fail(p, "expected ']' after [price, quantity]", i, field)
            cnt += 1
            i = _ws(s, i + 1, n)
            if i < n and s[i] == 44:
                i = _ws(s, i + 1, n)
                continue
            if i < n and s[i] == 93:
                i += 1
                break
            _fail(p, "expected ',' or ']': " + _describe(s, n, i), i, field)
    _lv_n[side] = cnt
    sl.kind = K_LEVELS
    sl.idx = <int16_t>side
    return i


cdef inline int _match_key(const unsigned char* k, Py_ssize_t kl, int layout) noexcept:
    cdef int h, j
    cdef KeySpec* e
    cdef Py_ssize_t m
    if kl <= 0:
        return -1
    h = _hash_key(k, kl)
    while True:
        j = _key_hash[layout][h]
        if j < 0:
            return -1
        e = &_keys[j]
        if e.keylen == kl:
            m = 0
            while m < kl and e.key[m] == <char>k[m]:
                m += 1
            if m == kl:
                return j
        h = (h + 1) & (KEY_HASH_SIZE - 1)


cdef Py_ssize_t _parse_object(Parser* p, Py_ssize_t i, int layout, Slot* slots,
                              int nslots) except -1:
    """The data object of a known topic: known keys into slots, the rest
    validated and skipped. Duplicate keys: the last one wins (as in orjson)."""
    cdef const unsigned char* s = p.s
    cdef Py_ssize_t n = p.n
    cdef Py_ssize_t ks, ke
    cdef int f, j
    cdef KeySpec* spec
    cdef unsigned char kbuf[64]
    cdef Py_ssize_t kl, e
    cdef Slot* sl
    cdef double d
    cdef uint64_t u
    memset(slots, 0, nslots * sizeof(Slot))
    _lv_n[0] = 0
    _lv_n[1] = 0
    if i >= n or s[i] != 123:
        _fail(p, "expected the data object: " + _describe(s, n, i), i, "data")
    i = _ws(s, i + 1, n)
    if i < n and s[i] == 125:
        return i + 1
    while True:
        if i >= n or s[i] != 34:
            _fail(p, "expected a key: " + _describe(s, n, i), i, "data")
        ks = i + 1
        ke = _scan_string(p, ks, &f, "data")
        if f & F_ESCAPED:
            kl = _unescape_ascii(s, ks, ke, kbuf, 64)
            j = _match_key(kbuf, kl, layout) if kl >= 0 else -1
        else:
            j = _match_key(s + ks, ke - ks, layout)
        i = _ws(s, ke + 1, n)
        if i >= n or s[i] != 58:
            _fail(p, "expected ':': " + _describe(s, n, i), i, "data")
        i = _ws(s, i + 1, n)
        if j >= 0:
            spec = &_keys[j]
            sl = &slots[spec.slot]
            # the exchange's usual spellings, without a call: a quoted decimal
            # or a bare integer (anything else: _parse_typed decides)
            if spec.vtype == V_DEC and i < n and s[i] == 34:
                e = _fast_decimal(s, i + 1, n, &d)
                if e > i + 1 and e < n and s[e] == 34:
                    sl.start = <int32_t>(i + 1)
                    sl.end = <int32_t>e
                    sl.flags = F_QUOTED
                    sl.idx = -1
                    sl.kind = K_DEC
                    sl.d = d
                    i = _ws(s, e + 1, n)
                    if i < n and s[i] == 44:
                        i = _ws(s, i + 1, n)
                        continue
                    if i < n and s[i] == 125:
                        return i + 1
                    _fail(p, "expected ',' or '}': " + _describe(s, n, i), i, "data")
            elif spec.vtype == V_INT and i < n and 49 <= s[i] <= 57:
                e = _fast_integer(s, i, n, &u)
                if e > 0 and (e >= n or not (48 <= s[e] <= 57)):
                    sl.start = <int32_t>i
                    sl.end = <int32_t>e
                    sl.flags = 0
                    sl.idx = -1
                    sl.kind = K_INT
                    sl.u = u
                    i = _ws(s, e, n)
                    if i < n and s[i] == 44:
                        i = _ws(s, i + 1, n)
                        continue
                    if i < n and s[i] == 125:
                        return i + 1
                    _fail(p, "expected ',' or '}': " + _describe(s, n, i), i, "data")
            if spec.vtype == V_LEVELS:
                i = _parse_levels(p, i, &slots[spec.slot], spec.aux, _slot_names[j])
            else:
                i = _parse_typed(p, i, &slots[spec.slot], spec.vtype, spec.aux,
                                 _slot_names[j])
        else:
            i = _skip_value(p, i, 2)
        i = _ws(s, i, n)
        if i < n and s[i] == 44:
            i = _ws(s, i + 1, n)
            continue
        if i < n and s[i] == 125:
            return i + 1
        _fail(p, "expected ',' or '}': " + _describe(s, n, i), i, "data")


# ---------------------------------------------------------------------------
# Event classes

cdef object _text(object frame, const unsigned char* buf, int32_t a, int32_t b, int flags):
    if flags & F_ESCAPED:
        return _orjson.loads(PyBytes_FromStringAndSize(<const char*>buf + a - 1, b - a + 2))
    return PyUnicode_DecodeUTF8(<const char*>buf + a, b - a, NULL)


cdef object _int_value(Slot* sl):
    if sl.flags & F_NEG:
        if sl.u >= _I64_MIN_MAG:
            return PyLong_FromLongLong(-9223372036854775807LL - 1)
        return PyLong_FromLongLong(-<int64_t>sl.u)
    return PyLong_FromUnsignedLongLong(sl.u)


cdef class _Field:
    """Descriptor reading one slot of an event; makes the Python object on
    access."""
    cdef int slot
    cdef int vtype
    cdef int text
    cdef readonly str name

    def __init__(self, _Layout layout, str name, bint text=False):
        slot, vtype, _eid = layout.fields[name]
        self.slot = slot
        self.vtype = vtype
        self.text = text
        self.name = name + ("_string" if text else "")

    def __get__(self, obj, owner):
        if obj is None:
            return self
        cdef Event ev = <Event?>obj
        if ev._s == NULL:
            return None
        cdef Slot* sl = ev._s + self.slot
        cdef int k = sl.kind
        if k <= K_EMPTY:
            return None
        if self.text:
            return _text(ev._frame, ev._buf, sl.start, sl.end, sl.flags)
        if k == K_DEC:
            return PyFloat_FromDouble(sl.d)
        if k == K_INT:
            return _int_value(sl)
        if k == K_TRUE:
            return True
        if k == K_FALSE:
            return False
        if k == K_ENUM and sl.idx >= 0:
            return _enum_members[sl.idx]
        return _text(ev._frame, ev._buf, sl.start, sl.end, sl.flags)


@cython.no_gc
cdef class Event:
    """Base of every decoded message.

    Events keep a reference to the frame they were decoded from and make
    their attribute values on access; reading an attribute twice makes two
    equal objects. ``topic`` is the wire topic, ``event`` the wire event
    string (e.g. ``"trade@btc_usdt"``), ``unknown`` is False for every
    event the decoder understood.
    """
    cdef object _frame
    cdef const unsigned char* _buf
    cdef Slot* _s
    cdef object _topic
    cdef int32_t _ev_start, _ev_end
    cdef int _ev_flags

    _FIELDS = ()

    @property
    def topic(self):
        return self._topic

    @property
    def event(self):
        """The wire ``event`` string, or None if the frame had none."""
        if self._ev_start < 0 or self._buf == NULL:
            return None
        return _text(self._frame, self._buf, self._ev_start, self._ev_end, self._ev_flags)

    @property
    def unknown(self):
        return False

    def as_dict(self):
        """All fields as a dict (floats and ints; ``*_string`` for the exact
        decimal texts)."""
        return {name: getattr(self, name) for name in type(self)._FIELDS}

    def __repr__(self):
        body = ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items()
                         if not k.endswith("_string"))
        return f"{type(self).__name__}({body})"

    def __reduce__(self):
        raise TypeError(f"{type(self).__name__} cannot be pickled; use as_dict()")


cdef tuple _fields(_Layout layout, tuple names):
    out = []
    for name in names:
        out.append(name)
        if layout.fields[name][1] == V_DEC:
            out.append(name + "_string")
    return tuple(out)


@cython.final
@cython.no_gc
cdef class Trade(Event):
    """A public trade (spot ``trade@{symbol}``, futures market ``trade``).

    ========================  ==========  ==============  ==================
    field                     spot key    futures key     type
    ========================  ==========  ==============  ==================
    symbol                    s           s               str
    time                      t           t               int (ms)
    trade_id                  i           (none)          int | None
    order_id                  oi          (none)          int | None
    price                     p           p               float
    quantity                  q           a               float
    quote_quantity            v           (none)          float | None
    buyer_is_maker            b           (none)          bool | None
    side (taker side)         not b       m BID/ASK       Side
    ========================  ==========  ==============  ==================

    Every float field ``x`` has ``x_string``, the exact decimal text.
    """
    cdef Slot _arr[WEX_TRADE_NSLOTS]

    symbol = _Field(_TRADE, "symbol")
    time = _Field(_TRADE, "time")
    trade_id = _Field(_TRADE, "trade_id")
    order_id = _Field(_TRADE, "order_id")
    price = _Field(_TRADE, "price")
    price_string = _Field(_TRADE, "price", True)
    quantity = _Field(_TRADE, "quantity")
    quantity_string = _Field(_TRADE, "quantity", True)
    quote_quantity = _Field(_TRADE, "quote_quantity")
    quote_quantity_string = _Field(_TRADE, "quote_quantity", True)
    buyer_is_maker = _Field(_TRADE, "buyer_is_maker")
    _FIELDS = _fields(_TRADE, ("symbol", "time", "trade_id", "order_id", "price", "quantity",
                               "quote_quantity", "buyer_is_maker", "side"))

    @property
    def side(self):
        """The taker's side: futures ``m`` (BID = BUY, ASK = SELL); spot
        derives it from ``b``: a buyer-maker trade was sold into by the taker."""
        if self._s == NULL:
            return None
        cdef Slot* sl = self._s + WEX_TRADE_SIDE
        if sl.kind == K_ENUM:
            return _enum_members[sl.idx] if sl.idx >= 0 else \
                _text(self._frame, self._buf, sl.start, sl.end, sl.flags)
        sl = self._s + WEX_TRADE_BUYER_IS_MAKER
        if sl.kind == K_TRUE:
            return Side.SELL
        if sl.kind == K_FALSE:
            return Side.BUY
        return None


@cython.final
@cython.no_gc
cdef class UserTrade(Event):
    """A fill of one of the user's orders (spot private ``trade``, futures
    user ``trade``).

    ====================  ==========  ==============  ==================
    field                 spot key    futures key     type
    ====================  ==========  ==============  ==================
    symbol                s           symbol          str
    time                  t           timestamp       int
    trade_id              i           (none)          int | None
    order_id              oi          orderId         int
    client_order_id       (none)      clientOrderId   str | None
    price                 p           price           float
    quantity              q           quantity        float
    quote_quantity        v           (none)          float | None
    buyer_is_maker        b           (none)          bool | None
    is_maker              tm (2)      isMaker         bool | None
    side                  (none)      orderSide       Side | None
    position_side         (none)      positionSide    PositionSide | None
    margin_unfrozen       (none)      marginUnfrozen  float | None
    fee                   (none)      fee             float | None
    ====================  ==========  ==============  ==================
    """
    cdef Slot _arr[WEX_TRADE_NSLOTS]

    symbol = _Field(_TRADE, "symbol")
    time = _Field(_TRADE, "time")
    trade_id = _Field(_TRADE, "trade_id")
    order_id = _Field(_TRADE, "order_id")
    client_order_id = _Field(_TRADE, "client_order_id")
    price = _Field(_TRADE, "price")
    price_string = _Field(_TRADE, "price", True)
    quantity = _Field(_TRADE, "quantity")
    quantity_string = _Field(_TRADE, "quantity", True)
    quote_quantity = _Field(_TRADE, "quote_quantity")
    quote_quantity_string = _Field(_TRADE, "quote_quantity", True)
    buyer_is_maker = _Field(_TRADE, "buyer_is_maker")
    is_maker = _Field(_TRADE, "is_maker")
    side = _Field(_TRADE, "side")
    position_side = _Field(_TRADE, "position_side")
    margin_unfrozen = _Field(_TRADE, "margin_unfrozen")
    margin_unfrozen_string = _Field(_TRADE, "margin_unfrozen", True)
    fee = _Field(_TRADE, "fee")
    fee_string = _Field(_TRADE, "fee", True)
    _FIELDS = _fields(_TRADE, ("symbol", "time", "trade_id", "order_id", "client_order_id",
                               "price", "quantity", "quote_quantity", "buyer_is_maker",
                               "is_maker", "side", "position_side", "margin_unfrozen", "fee"))


@cython.final
@cython.no_gc
cdef class Kline(Event):
    """A candlestick (``kline@{symbol},{interval}``, both products).

    ============  ========  ===========  ==============
    field         spot key  futures key  type
    ============  ========  ===========  ==============
    symbol        s         s            str
    time          t         t            int
    interval      i         (event)      str
    open          o         o            float
    close         c         c            float
    high          h         h            float
    low           l         l            float
    volume        q         a            float | None
    quote_volume  v         v            float | None
    change_rate   (none)    ch           float | None
    ============  ========  ===========  ==============

    Futures klines carry no interval key: it is read from the event string
    (``kline@btc_usdt,5m``).
    """
    cdef Slot _arr[WEX_KLINE_NSLOTS]

    symbol = _Field(_KLINE, "symbol")
    time = _Field(_KLINE, "time")
    open = _Field(_KLINE, "open")
    open_string = _Field(_KLINE, "open", True)
    close = _Field(_KLINE, "close")
    close_string = _Field(_KLINE, "close", True)
    high = _Field(_KLINE, "high")
    high_string = _Field(_KLINE, "high", True)
    low = _Field(_KLINE, "low")
    low_string = _Field(_KLINE, "low", True)
    volume = _Field(_KLINE, "volume")
    volume_string = _Field(_KLINE, "volume", True)
    quote_volume = _Field(_KLINE, "quote_volume")
    quote_volume_string = _Field(_KLINE, "quote_volume", True)
    change_rate = _Field(_KLINE, "change_rate")
    change_rate_string = _Field(_KLINE, "change_rate", True)
    _FIELDS = _fields(_KLINE, ("symbol", "time", "interval", "open", "close", "high", "low",
                               "volume", "quote_volume", "change_rate"))

    @property
    def interval(self):
        if self._s == NULL:
            return None
        cdef Slot* sl = self._s + WEX_KLINE_INTERVAL
        if sl.kind == K_STR:
            return _text(self._frame, self._buf, sl.start, sl.end, sl.flags)
        ev = self.event
        if ev is not None and "," in ev:
            return ev.rsplit(",", 1)[1]
        return None


@cython.final
@cython.no_gc
cdef class Ticker(Event):
    """24-hour statistics: spot ``ticker`` and ``tickers``, futures
    ``agg_ticker`` (``topic`` tells which).

    ==============  ========  ===========  ==============
    field           spot key  futures key  type
    ==============  ========  ===========  ==============
    symbol          s         s            str
    time            t         t            int
    open            o         o            float | None
    close           c         c            float
    high            h         h            float | None
    low             l         l            float | None
    volume          q         a            float | None
    quote_volume    v         v            float | None
    change_value    cv        (none)       float | None
    change_rate     cr        ch or r      float | None
    index_price     (none)    i            float | None
    mark_price      (none)    m            float | None
    best_bid_price  (none)    bp           float | None
    best_ask_price  (none)    ap           float | None
    ==============  ========  ===========  ==============
    """
    cdef Slot _arr[WEX_TICKER_NSLOTS]

    symbol = _Field(_TICKER, "symbol")
    time = _Field(_TICKER, "time")
    open = _Field(_TICKER, "open")
    open_string = _Field(_TICKER, "open", True)
    close = _Field(_TICKER, "close")
    close_string = _Field(_TICKER, "close", True)
    high = _Field(_TICKER, "high")
    high_string = _Field(_TICKER, "high", True)
    low = _Field(_TICKER, "low")
    low_string = _Field(_TICKER, "low", True)
    volume = _Field(_TICKER, "volume")
    volume_string = _Field(_TICKER, "volume", True)
    quote_volume = _Field(_TICKER, "quote_volume")
    quote_volume_string = _Field(_TICKER, "quote_volume", True)
    change_value = _Field(_TICKER, "change_value")
    change_value_string = _Field(_TICKER, "change_value", True)
    change_rate = _Field(_TICKER, "change_rate")
    change_rate_string = _Field(_TICKER, "change_rate", True)
    index_price = _Field(_TICKER, "index_price")
    index_price_string = _Field(_TICKER, "index_price", True)
    mark_price = _Field(_TICKER, "mark_price")
    mark_price_string = _Field(_TICKER, "mark_price", True)
    best_bid_price = _Field(_TICKER, "best_bid_price")
    best_bid_price_string = _Field(_TICKER, "best_bid_price", True)
    best_ask_price = _Field(_TICKER, "best_ask_price")
    best_ask_price_string = _Field(_TICKER, "best_ask_price", True)
    _FIELDS = _fields(_TICKER, ("symbol", "time", "open", "close", "high", "low", "volume",
                                "quote_volume", "change_value", "change_rate", "index_price",
                                "mark_price", "best_bid_price", "best_ask_price"))


@cython.final
@cython.no_gc
cdef class IndexPrice(Event):
    """Futures ``index_price``: symbol (s), time (t), price (p)."""
    cdef Slot _arr[WEX_PRICE_NSLOTS]

    symbol = _Field(_PRICE, "symbol")
    time = _Field(_PRICE, "time")
    price = _Field(_PRICE, "price")
    price_string = _Field(_PRICE, "price", True)
    _FIELDS = _fields(_PRICE, ("symbol", "time", "price"))


@cython.final
@cython.no_gc
cdef class MarkPrice(Event):
    """Futures ``mark_price``: symbol (s), time (t), price (p)."""
    cdef Slot _arr[WEX_PRICE_NSLOTS]

    symbol = _Field(_PRICE, "symbol")
    time = _Field(_PRICE, "time")
    price = _Field(_PRICE, "price")
    price_string = _Field(_PRICE, "price", True)
    _FIELDS = _fields(_PRICE, ("symbol", "time", "price"))


@cython.final
@cython.no_gc
cdef class FundingRate(Event):
    """Futures ``fund_rate``: symbol (s), time (t), rate (r)."""
    cdef Slot _arr[WEX_FUNDING_NSLOTS]

    symbol = _Field(_FUNDING, "symbol")
    time = _Field(_FUNDING, "time")
    rate = _Field(_FUNDING, "rate")
    rate_string = _Field(_FUNDING, "rate", True)
    _FIELDS = _fields(_FUNDING, ("symbol", "time", "rate"))


@cython.no_gc
cdef class _DepthBase(Event):
    cdef Level* _levels       # bids then asks
    cdef Py_ssize_t _nb, _na

    def __dealloc__(self):
        PyMem_Free(self._levels)

    cdef object _array(self, Level* lv, Py_ssize_t n):
        cdef bytes raw = PyBytes_FromStringAndSize(NULL, n * 2 * sizeof(double))
        cdef double* out = <double*>PyBytes_AS_STRING(raw)
        cdef Py_ssize_t k
        for k in range(n):
            out[2 * k] = lv[k].price
            out[2 * k + 1] = lv[k].qty
        return _np.frombuffer(raw, dtype=_np.float64).reshape(n, 2)

    cdef list _strings(self, Level* lv, Py_ssize_t n):
        cdef list out = []
        cdef Py_ssize_t k
        for k in range(n):
            out.append((_text(self._frame, self._buf, lv[k].ps, lv[k].pe, lv[k].pf),
                        _text(self._frame, self._buf, lv[k].qs, lv[k].qe, lv[k].qf)))
        return out

    @property
    def bids(self):
        """Bid levels as a read-only float64 array of shape (n, 2): price,
        quantity, in wire order. A quantity of 0 removes the level."""
        return self._array(self._levels, self._nb)

    @property
    def asks(self):
        """Ask levels as a read-only float64 array of shape (n, 2)."""
        return self._array(self._levels + self._nb, self._na)

    @property
    def bid_strings(self):
        """Bid levels as a list of (price, quantity) exact decimal strings."""
        return self._strings(self._levels, self._nb)

    @property
    def ask_strings(self):
        """Ask levels as a list of (price, quantity) exact decimal strings."""
        return self._strings(self._levels + self._nb, self._na)

    @property
    def bid_count(self):
        return self._nb

    @property
    def ask_count(self):
        return self._na


@cython.final
@cython.no_gc
cdef class DepthUpdate(_DepthBase):
    """An incremental depth message (``depth_update``, both products).

    ==================  ========  ===========  ==================
    field               spot key  futures key  type
    ==================  ========  ===========  ==================
    symbol              s         s            str
    first_update_id     fi        fu           int
    last_update_id      i         u            int
    previous_update_id  (none)    pu           int | None
    time                (none)    t            int | None
    bids                b         b            float64 (n, 2)
    asks                a         a            float64 (n, 2)
    ==================  ========  ===========  ==================

    ``bid_strings``/``ask_strings`` give the exact decimal texts. To apply a
    frame to a book use ``OrderBook.apply(frame)``, which reads integer ticks
    straight from the bytes.
    """
    cdef Slot _arr[WEX_DEPTH_UPDATE_NSLOTS]

    symbol = _Field(_DEPTH_UPDATE, "symbol")
    time = _Field(_DEPTH_UPDATE, "time")
    first_update_id = _Field(_DEPTH_UPDATE, "first_update_id")
    last_update_id = _Field(_DEPTH_UPDATE, "last_update_id")
    previous_update_id = _Field(_DEPTH_UPDATE, "previous_update_id")
    _FIELDS = ("symbol", "time", "first_update_id", "last_update_id", "previous_update_id",
               "bid_strings", "ask_strings")


@cython.final
@cython.no_gc
cdef class DepthSnapshot(_DepthBase):
    """A limited-depth push (``depth@{symbol},{levels}``, both products): the
    top levels, replacing the previous ones.

    ==========  ========  ===========  ==============
    field       spot key  futures key  type
    ==========  ========  ===========  ==============
    symbol      s         s            str
    update_id   i         id           int
    time        (none)    t            int | None
    bids        b         b            float64 (n, 2)
    asks        a         a            float64 (n, 2)
    ==========  ========  ===========  ==============
    """
    cdef Slot _arr[WEX_DEPTH_NSLOTS]

    symbol = _Field(_DEPTH, "symbol")
    time = _Field(_DEPTH, "time")
    update_id = _Field(_DEPTH, "update_id")
    _FIELDS = ("symbol", "time", "update_id", "bid_strings", "ask_strings")


@cython.final
@cython.no_gc
cdef class OrderUpdate(Event):
    """An order changed state (spot private ``order``, futures user ``order``).

    =========================  ========  =============  =====================
    field                      spot key  futures key    type
    =========================  ========  =============  =====================
    symbol                     s         symbol         str
    time                       t         (none)         int | None
    create_time                ct        createdTime    int | None
    order_id                   i         orderId        int
    client_order_id            ci        clientOrderId  str | None
    state                      st        state          OrderState
    side                       sd        orderSide      Side
    order_type                 tp        orderType      OrderType | None
    time_in_force              (none)    timeInForce    TimeInForce | None
    price                      p         price          float | None
    average_price              ap        avgPrice       float | None
    original_quantity          oq        origQty        float | None
    original_quote_quantity    oqq       (none)         float | None
    executed_quantity          eq        executedQty    float | None
    remaining_quantity         lq        (none)         float | None
    fee                        f         (none)         float | None
    base_currency              bc        (none)         str | None
    quote_currency             qc        (none)         str | None
    position_side              (none)    positionSide   PositionSide | None
    position_type              (none)    positionType   PositionType | None
    margin_frozen              (none)    marginFrozen   float | None
    source_type                (none)    sourceType     str | None
    category                   (none)    type           str | None
    leverage                   (none)    leverage       int | None
    =========================  ========  =============  =====================
    """
    cdef Slot _arr[WEX_ORDER_NSLOTS]

    symbol = _Field(_ORDER, "symbol")
    time = _Field(_ORDER, "time")
    create_time = _Field(_ORDER, "create_time")
    order_id = _Field(_ORDER, "order_id")
    client_order_id = _Field(_ORDER, "client_order_id")
    state = _Field(_ORDER, "state")
    side = _Field(_ORDER, "side")
    order_type = _Field(_ORDER, "order_type")
    time_in_force = _Field(_ORDER, "time_in_force")
    price = _Field(_ORDER, "price")
    price_string = _Field(_ORDER, "price", True)
    average_price = _Field(_ORDER, "average_price")
    average_price_string = _Field(_ORDER, "average_price", True)
    original_quantity = _Field(_ORDER, "original_quantity")
    original_quantity_string = _Field(_ORDER, "original_quantity", True)
    original_quote_quantity = _Field(_ORDER, "original_quote_quantity")
    original_quote_quantity_string = _Field(_ORDER, "original_quote_quantity", True)
    executed_quantity = _Field(_ORDER, "executed_quantity")
    executed_quantity_string = _Field(_ORDER, "executed_quantity", True)
    remaining_quantity = _Field(_ORDER, "remaining_quantity")
    remaining_quantity_string = _Field(_ORDER, "remaining_quantity", True)
    fee = _Field(_ORDER, "fee")
    fee_string = _Field(_ORDER, "fee", True)
    base_currency = _Field(_ORDER, "base_currency")
    quote_currency = _Field(_ORDER, "quote_currency")
    position_side = _Field(_ORDER, "position_side")
    position_type = _Field(_ORDER, "position_type")
    margin_frozen = _Field(_ORDER, "margin_frozen")
    margin_frozen_string = _Field(_ORDER, "margin_frozen", True)
    source_type = _Field(_ORDER, "source_type")
    category = _Field(_ORDER, "category")
    leverage = _Field(_ORDER, "leverage")
    _FIELDS = _fields(_ORDER, tuple(_ORDER.fields))


@cython.final
@cython.no_gc
cdef class BalanceUpdate(Event):
    """A balance changed (spot private ``balance``, futures user ``balance``).

    ========================  ========  =====================  ============
    field                     spot key  futures key            type
    ========================  ========  =====================  ============
    currency                  c         coin                   str
    time                      t         (none)                 int | None
    account_id                a         (none)                 int | None
    balance                   b         walletBalance          float | None
    frozen                    f         (none)                 float | None
    business_type             z         (none)                 str | None
    symbol                    s         (none)                 str | None
    underlying_type           (none)    underlyingType         int | str | None
    open_order_margin_frozen  (none)    openOrderMarginFrozen  float | None
    isolated_margin           (none)    isolatedMargin         float | None
    crossed_margin            (none)    crossedMargin          float | None
    ========================  ========  =====================  ============
    """
    cdef Slot _arr[WEX_BALANCE_NSLOTS]

    currency = _Field(_BALANCE, "currency")
    time = _Field(_BALANCE, "time")
    account_id = _Field(_BALANCE, "account_id")
    balance = _Field(_BALANCE, "balance")
    balance_string = _Field(_BALANCE, "balance", True)
    frozen = _Field(_BALANCE, "frozen")
    frozen_string = _Field(_BALANCE, "frozen", True)
    business_type = _Field(_BALANCE, "business_type")
    symbol = _Field(_BALANCE, "symbol")
    underlying_type = _Field(_BALANCE, "underlying_type")
    open_order_margin_frozen = _Field(_BALANCE, "open_order_margin_frozen")
    open_order_margin_frozen_string = _Field(_BALANCE, "open_order_margin_frozen", True)
    isolated_margin = _Field(_BALANCE, "isolated_margin")
    isolated_margin_string = _Field(_BALANCE, "isolated_margin", True)
    crossed_margin = _Field(_BALANCE, "crossed_margin")
    crossed_margin_string = _Field(_BALANCE, "crossed_margin", True)
    _FIELDS = _fields(_BALANCE, tuple(_BALANCE.fields))


@cython.final
@cython.no_gc
cdef class PositionUpdate(Event):
    """A futures position changed (user ``position``). Keys are the wire's
    camelCase names in snake_case: symbol, contract_type (contractType),
    position_type, position_side, position_size, close_order_size,
    available_close_size, realized_profit, entry_price, isolated_margin,
    open_order_margin_frozen, underlying_type, leverage."""
    cdef Slot _arr[WEX_POSITION_NSLOTS]

    symbol = _Field(_POSITION, "symbol")
    contract_type = _Field(_POSITION, "contract_type")
    position_type = _Field(_POSITION, "position_type")
    position_side = _Field(_POSITION, "position_side")
    position_size = _Field(_POSITION, "position_size")
    position_size_string = _Field(_POSITION, "position_size", True)
    close_order_size = _Field(_POSITION, "close_order_size")
    close_order_size_string = _Field(_POSITION, "close_order_size", True)
    available_close_size = _Field(_POSITION, "available_close_size")
    available_close_size_string = _Field(_POSITION, "available_close_size", True)
    realized_profit = _Field(_POSITION, "realized_profit")
    realized_profit_string = _Field(_POSITION, "realized_profit", True)
    entry_price = _Field(_POSITION, "entry_price")
    entry_price_string = _Field(_POSITION, "entry_price", True)
    isolated_margin = _Field(_POSITION, "isolated_margin")
    isolated_margin_string = _Field(_POSITION, "isolated_margin", True)
    open_order_margin_frozen = _Field(_POSITION, "open_order_margin_frozen")
    open_order_margin_frozen_string = _Field(_POSITION, "open_order_margin_frozen", True)
    underlying_type = _Field(_POSITION, "underlying_type")
    leverage = _Field(_POSITION, "leverage")
    _FIELDS = _fields(_POSITION, tuple(_POSITION.fields))


@cython.final
@cython.no_gc
cdef class Notify(Event):
    """A futures risk notification (user ``notify``): symbol, position_type,
    position_side, position_size, notify_type (notifyType: WARN, PARTIAL,
    LIQUIDATION, ADL)."""
    cdef Slot _arr[WEX_NOTIFY_NSLOTS]

    symbol = _Field(_NOTIFY, "symbol")
    position_type = _Field(_NOTIFY, "position_type")
    position_side = _Field(_NOTIFY, "position_side")
    position_size = _Field(_NOTIFY, "position_size")
    position_size_string = _Field(_NOTIFY, "position_size", True)
    notify_type = _Field(_NOTIFY, "notify_type")
    _FIELDS = _fields(_NOTIFY, tuple(_NOTIFY.fields))


@cython.final
cdef class Reply:
    """The answer to a subscribe/unsubscribe request: ``{"id", "code", "msg"}``.
    ``code`` 0 is success; 1 failure, 2 invalid listenKey, 401 token expired
    (spot). ``id`` is the request id as sent (str, or int if the server sent
    a number), None when absent."""
    cdef readonly object id
    cdef readonly object code
    cdef readonly object msg

    def __init__(self, id, code, msg):
        self.id = id
        self.code = code
        self.msg = msg

    @property
    def ok(self):
        return self.code == 0

    @property
    def topic(self):
        return None

    @property
    def unknown(self):
        return False

    def as_dict(self):
        return {"id": self.id, "code": self.code, "msg": self.msg}

    def __repr__(self):
        return f"Reply(id={self.id!r}, code={self.code!r}, msg={self.msg!r})"


@cython.final
cdef class Pong:
    """The server's heartbeat answer (text ``pong``). One shared instance,
    :data:`PONG`; test with ``event is PONG``."""

    @property
    def topic(self):
        return None

    @property
    def unknown(self):
        return False

    def __repr__(self):
        return "PONG"


PONG = Pong()


@cython.final
cdef class ErrorMessage:
    """A non-JSON error frame from the server: ``{topic}@invalid_listenkey``
    (``reason`` "invalid_listenkey", ``topic`` set), ``Invalid Parameter``
    ("invalid_parameter") or ``token expire`` ("token_expire")."""
    cdef readonly str text
    cdef readonly str reason
    cdef readonly object topic

    def __init__(self, str text, str reason, topic=None):
        self.text = text
        self.reason = reason
        self.topic = topic

    @property
    def unknown(self):
        return False

    def __repr__(self):
        return f"ErrorMessage(reason={self.reason!r}, topic={self.topic!r}, text={self.text!r})"


@cython.final
cdef class UnknownMessage:
    """A valid JSON message the decoder does not know (a new topic, or an
    object without topic and code). ``message`` is the whole frame decoded by
    orjson, ``data`` its ``data`` member (None if absent), ``unknown`` True."""
    cdef readonly object topic
    cdef readonly object event
    cdef readonly object data
    cdef readonly object message

    def __init__(self, topic, event, data, message):
        self.topic = topic
        self.event = event
        self.data = data
        self.message = message

    @property
    def unknown(self):
        return True

    def __repr__(self):
        return f"UnknownMessage(topic={self.topic!r}, message={self.message!r})"


# ---------------------------------------------------------------------------
# Building events from slots

cdef int _missing(Parser* p, Slot* slots, int k, _Layout layout, Py_ssize_t offset) \
        except -1:
    for name, (slot, vtype, eid) in layout.fields.items():
        if slot == k:
            what = "null" if slots[k].kind == K_NULL else \
                ("empty" if slots[k].kind == K_EMPTY else "missing")
            _fail(p, f"{what} required field {name} ({'/'.join(layout.wire[name].split())})",
                  offset, name)
    return 0


cdef inline int _require(Parser* p, Slot* slots, uint32_t mask, _Layout layout,
                         Py_ssize_t offset) except -1:
    cdef int k = 0
    while mask:
        if (mask & 1) and slots[k].kind <= K_EMPTY:
            _missing(p, slots, k, layout, offset)
        mask >>= 1
        k += 1
    return 0


cdef uint32_t _mask(_Layout layout, tuple names) except? 0:
    cdef uint32_t m = 0
    for name in names:
        m |= (<uint32_t>1) << <int>layout.fields[name][0]
    return m


cdef inline void _fill(Event ev, object frame, const unsigned char* buf, object topic,
                       Slot* slots, int nslots) noexcept:
    ev._frame = frame
    ev._buf = buf
    ev._topic = topic
    ev._ev_start = -1
    memcpy(ev._s, slots, nslots * sizeof(Slot))


_REQ_TRADE = ("symbol", "time", "price", "quantity")
_REQ_USER_TRADE = ("symbol", "time", "price", "quantity", "order_id")
_REQ_KLINE = ("symbol", "time", "open", "close", "high", "low")
_REQ_TICKER = ("symbol", "time", "close")
_REQ_PRICE = ("symbol", "time", "price")
_REQ_FUNDING = ("symbol", "time", "rate")
_REQ_ORDER = ("symbol", "order_id", "state", "side")
_REQ_BALANCE = ("currency",)
_REQ_POSITION = ("symbol",)
_REQ_NOTIFY = ("symbol", "notify_type")
_REQ_DEPTH_UPDATE = ("symbol", "first_update_id", "last_update_id", "bids", "asks")
_REQ_DEPTH = ("symbol", "update_id", "bids", "asks")
cdef list _topic_str = list(_TOPIC_NAMES)
cdef _Layout _L_TRADE = _TRADE, _L_KLINE = _KLINE, _L_TICKER = _TICKER, _L_PRICE = _PRICE
cdef _Layout _L_FUNDING = _FUNDING, _L_ORDER = _ORDER, _L_BALANCE = _BALANCE
cdef _Layout _L_POSITION = _POSITION, _L_NOTIFY = _NOTIFY, _L_DEPTH_UPDATE = _DEPTH_UPDATE
cdef _Layout _L_DEPTH = _DEPTH
cdef uint32_t _M_TRADE = _mask(_TRADE, _REQ_TRADE)
cdef uint32_t _M_USER_TRADE = _mask(_TRADE, _REQ_USER_TRADE)
cdef uint32_t _M_KLINE = _mask(_KLINE, _REQ_KLINE)
cdef uint32_t _M_TICKER = _mask(_TICKER, _REQ_TICKER)
cdef uint32_t _M_PRICE = _mask(_PRICE, _REQ_PRICE)
cdef uint32_t _M_FUNDING = _mask(_FUNDING, _REQ_FUNDING)
cdef uint32_t _M_ORDER = _mask(_ORDER, _REQ_ORDER)
cdef uint32_t _M_BALANCE = _mask(_BALANCE, _REQ_BALANCE)
cdef uint32_t _M_POSITION = _mask(_POSITION, _REQ_POSITION)
cdef uint32_t _M_NOTIFY = _mask(_NOTIFY, _REQ_NOTIFY)
cdef uint32_t _M_DEPTH_UPDATE = _mask(_DEPTH_UPDATE, _REQ_DEPTH_UPDATE)
cdef uint32_t _M_DEPTH = _mask(_DEPTH, _REQ_DEPTH)


cdef object _build(Parser* p, int t, Slot* slots, object frame, Py_ssize_t off,
                   bint event_is_bare):
    cdef Event ev
    cdef _DepthBase dv
    cdef int nslots  # the event array's size, from the same constant as its declaration
    cdef Py_ssize_t nb, na
    topic = _topic_str[t]
    if t == T_TRADE:
        # a fill of the user's own order has keys a market trade never has
        # (spot "tm", the futures camelCase names); the spot private stream
        # also sends event "trade" without "@symbol"
        if (event_is_bare or slots[WEX_TRADE_CLIENT_ORDER_ID].kind or slots[WEX_TRADE_IS_MAKER].kind
                or slots[WEX_TRADE_POSITION_SIDE].kind or slots[WEX_TRADE_MARGIN_UNFROZEN].kind
                or slots[WEX_TRADE_FEE].kind):
            _require(p, slots, _M_USER_TRADE, _L_TRADE, off)
            ev = UserTrade.__new__(UserTrade)
            ev._s = (<UserTrade>ev)._arr
            nslots = WEX_TRADE_NSLOTS
        else:
            _require(p, slots, _M_TRADE, _L_TRADE, off)
            ev = Trade.__new__(Trade)
            ev._s = (<Trade>ev)._arr
            nslots = WEX_TRADE_NSLOTS
    elif t == T_KLINE:
        _require(p, slots, _M_KLINE, _L_KLINE, off)
        ev = Kline.__new__(Kline)
        ev._s = (<Kline>ev)._arr
        nslots = WEX_KLINE_NSLOTS
    elif t == T_TICKER or t == T_AGG_TICKER or t == T_TICKERS:
        _require(p, slots, _M_TICKER, _L_TICKER, off)
        ev = Ticker.__new__(Ticker)
        ev._s = (<Ticker>ev)._arr
        nslots = WEX_TICKER_NSLOTS
    elif t == T_INDEX_PRICE:
        _require(p, slots, _M_PRICE, _L_PRICE, off)
        ev = IndexPrice.__new__(IndexPrice)
        ev._s = (<IndexPrice>ev)._arr
        nslots = WEX_PRICE_NSLOTS
    elif t == T_MARK_PRICE:
        _require(p, slots, _M_PRICE, _L_PRICE, off)
        ev = MarkPrice.__new__(MarkPrice)
        ev._s = (<MarkPrice>ev)._arr
        nslots = WEX_PRICE_NSLOTS
    elif t == T_FUND_RATE:
        _require(p, slots, _M_FUNDING, _L_FUNDING, off)
        ev = FundingRate.__new__(FundingRate)
        ev._s = (<FundingRate>ev)._arr
        nslots = WEX_FUNDING_NSLOTS
    elif t == T_ORDER:
        _require(p, slots, _M_ORDER, _L_ORDER, off)
        ev = OrderUpdate.__new__(OrderUpdate)
        ev._s = (<OrderUpdate>ev)._arr
        nslots = WEX_ORDER_NSLOTS
    elif t == T_BALANCE:
        _require(p, slots, _M_BALANCE, _L_BALANCE, off)
        ev = BalanceUpdate.__new__(BalanceUpdate)
        ev._s = (<BalanceUpdate>ev)._arr
        nslots = WEX_BALANCE_NSLOTS
    elif t == T_POSITION:
        _require(p, slots, _M_POSITION, _L_POSITION, off)
        ev = PositionUpdate.__new__(PositionUpdate)
        ev._s = (<PositionUpdate>ev)._arr
        nslots = WEX_POSITION_NSLOTS
    elif t == T_NOTIFY:
        _require(p, slots, _M_NOTIFY, _L_NOTIFY, off)
        ev = Notify.__new__(Notify)
        ev._s = (<Notify>ev)._arr
        nslots = WEX_NOTIFY_NSLOTS
    elif t == T_DEPTH_UPDATE or t == T_DEPTH:
        if t == T_DEPTH_UPDATE:
            _require(p, slots, _M_DEPTH_UPDATE, _L_DEPTH_UPDATE, off)
            dv = DepthUpdate.__new__(DepthUpdate)
            dv._s = (<DepthUpdate>dv)._arr
            nslots = WEX_DEPTH_UPDATE_NSLOTS
        else:
            _require(p, slots, _M_DEPTH, _L_DEPTH, off)
            dv = DepthSnapshot.__new__(DepthSnapshot)
            dv._s = (<DepthSnapshot>dv)._arr
            nslots = WEX_DEPTH_NSLOTS
        nb = _lv_n[0]
        na = _lv_n[1]
        if nb + na:
            dv._levels = <Level*>PyMem_Malloc((nb + na) * sizeof(Level))
            if dv._levels == NULL:
                raise MemoryError()
            memcpy(dv._levels, _lv[0], nb * sizeof(Level))
            memcpy(dv._levels + nb, _lv[1], na * sizeof(Level))
        dv._nb = nb
        dv._na = na
        ev = dv
    else:
        raise AssertionError(t)
    _fill(ev, frame, p.s, topic, slots, nslots)
    return ev


cdef object _error_text(str text):
    cdef str low = text.strip().lower()
    if low == "pong":
        return PONG
    if low.endswith("@invalid_listenkey"):
        return ErrorMessage(text, "invalid_listenkey", text.strip().rsplit("@", 1)[0])
    if low == "invalid parameter":
        return ErrorMessage(text, "invalid_parameter")
    if low == "token expire" or low == "token expired":
        return ErrorMessage(text, "token_expire")
    return None


cdef object _decode_non_object(Parser* p, object frame, Py_ssize_t i):
    """A frame that is not a JSON object: pong, a server error text, or a
    JSON string holding one of those."""
    cdef Py_ssize_t n = p.n
    cdef int f
    cdef Py_ssize_t e
    cdef str text
    if p.s[i] == 34:
        e = _scan_string(p, i + 1, &f, None)
        if _ws(p.s, e + 1, n) == n:
            text = _text(frame, p.s, <int32_t>(i + 1), <int32_t>e, f)
            r = _error_text(text)
            if r is not None:
                return r
            _fail(p, f"unexpected JSON string {text[:40]!r}", i)
    # plain text frames: only ASCII words are recognised
    if n <= 256:
        try:
            text = PyUnicode_DecodeUTF8(<const char*>p.s, n, NULL)
        except UnicodeDecodeError:
            _fail(p, "invalid UTF-8", 0)
        r = _error_text(text)
        if r is not None:
            return r
    _fail(p, "expected a JSON object: " + _describe(p.s, n, i), i)


cdef object _decode(object frame):
    cdef Parser p
    cdef Py_ssize_t n, i, ks, ke, e, data_pos = -1, data_off = 0
    cdef int f, t = -1, data_topic = -1
    cdef const unsigned char* s
    cdef Slot slots[MAX_SLOTS]
    cdef Slot topic_sl, event_sl, id_sl, code_sl, msg_sl
    cdef bint have_topic = False, have_data = False, have_code = False, have_id = False
    cdef bint have_msg = False, have_event = False
    cdef object tickers = None
    cdef bint event_bare = False
    cdef unsigned char kbuf[16]
    cdef Py_ssize_t kl
    cdef const unsigned char* kp
    cdef Ticker tk

    if type(frame) is bytes:
        s = <const unsigned char*>PyBytes_AS_STRING(frame)
        n = PyBytes_GET_SIZE(frame)
    elif isinstance(frame, str):
        if type(frame) is not str:
            frame = str(frame)      # events are not GC-tracked: keep only plain str
        try:
            s = <const unsigned char*>PyUnicode_AsUTF8AndSize(frame, &n)
        except UnicodeEncodeError as exc:
            raise DecodeError("frame is not valid Unicode (lone surrogate)",
                              offset=exc.start) from None
    elif isinstance(frame, (bytes, bytearray, memoryview)):
        frame = bytes(frame)
        s = <const unsigned char*>PyBytes_AS_STRING(frame)
        n = PyBytes_GET_SIZE(frame)
    else:
        raise TypeError(f"decode() takes bytes or str, not {type(frame).__name__}")

    if n == 4 and memcmp(s, b"pong", 4) == 0:
        return PONG
    if n > 0x7FFFFFFF:
        raise DecodeError("frame larger than 2 GiB")
    p.s = s
    p.n = n
    p.topic_id = -1
    i = _ws(s, 0, n)
    if i >= n:
        raise DecodeError("empty frame", offset=i)
    if s[i] != 123:
        return _decode_non_object(&p, frame, i)
    i = _ws(s, i + 1, n)
    if i < n and s[i] == 125:
        i += 1
    else:
        while True:
            if i >= n or s[i] != 34:
                _fail(&p, "expected a key: " + _describe(s, n, i), i)
            ks = i + 1
            ke = _scan_string(&p, ks, &f, None)
            kp = s + ks
            kl = ke - ks
            if f & F_ESCAPED:
                kl = _unescape_ascii(s, ks, ke, kbuf, 16)
                kp = kbuf
            i = _ws(s, ke + 1, n)
            if i >= n or s[i] != 58:
                _fail(&p, "expected ':': " + _describe(s, n, i), i)
            i = _ws(s, i + 1, n)
            if kl == 5 and memcmp(kp, b"topic", 5) == 0:
                if i >= n or s[i] != 34:
                    _fail(&p, "topic must be a string", i, "topic")
                topic_sl.start = <int32_t>(i + 1)
                e = _scan_string(&p, i + 1, &f, "topic")
                topic_sl.end = <int32_t>e
                topic_sl.flags = f
                i = e + 1
                have_topic = True
                if f & F_ESCAPED:
                    tb = (<str>_text(frame, s, topic_sl.start, topic_sl.end, f)).encode()
                    t = _topic_lookup(<const unsigned char*>PyBytes_AS_STRING(tb),
                                      PyBytes_GET_SIZE(tb))
                else:
                    t = _topic_lookup(s + topic_sl.start, topic_sl.end - topic_sl.start)
                p.topic_id = t
            elif kl == 5 and memcmp(kp, b"event", 5) == 0:
                if i < n and s[i] == 34:
                    event_sl.start = <int32_t>(i + 1)
                    e = _scan_string(&p, i + 1, &f, "event")
                    event_sl.end = <int32_t>e
                    event_sl.flags = f
                    have_event = True
                    i = e + 1
                else:
                    i = _skip_value(&p, i, 1)
            elif kl == 4 and memcmp(kp, b"data", 4) == 0:
                if have_topic and t >= 0:
                    data_off = i
                    data_topic = t
                    if t == T_TICKERS:
                        i, tickers = _parse_tickers(&p, i, frame, slots)
                    else:
                        i = _parse_object(&p, i, _topic_layout[t], slots,
                                          _topic_nslots[t])
                    data_pos = -1
                else:
                    data_pos = i
                    i = _skip_value(&p, i, 1)
                have_data = True
            elif kl == 2 and memcmp(kp, b"id", 2) == 0:
                i = _parse_typed(&p, i, &id_sl, V_ANYID, -1, "id")
                have_id = True
            elif kl == 4 and memcmp(kp, b"code", 4) == 0:
                i = _parse_typed(&p, i, &code_sl, V_INT, -1, "code")
                have_code = True
            elif kl == 3 and memcmp(kp, b"msg", 3) == 0:
                if i < n and s[i] == 34:
                    msg_sl.start = <int32_t>(i + 1)
                    e = _scan_string(&p, i + 1, &f, "msg")
                    msg_sl.end = <int32_t>e
                    msg_sl.flags = f
                    msg_sl.kind = K_STR
                    i = e + 1
                else:
                    msg_sl.kind = K_NULL
                    i = _skip_value(&p, i, 1)
                have_msg = True
            else:
                i = _skip_value(&p, i, 1)
            i = _ws(s, i, n)
            if i < n and s[i] == 44:
                i = _ws(s, i + 1, n)
                continue
            if i < n and s[i] == 125:
                i += 1
                break
            _fail(&p, "expected ',' or '}': " + _describe(s, n, i), i)
    i = _ws(s, i, n)
    if i != n:
        _fail(&p, "trailing data after the JSON object", i)

    if have_event and event_sl.end - event_sl.start >= 18 and \
            memcmp(s + event_sl.end - 18, b"@invalid_listenkey", 18) == 0:
        text = _text(frame, s, event_sl.start, event_sl.end, event_sl.flags)
        return ErrorMessage(text, "invalid_listenkey", text.rsplit("@", 1)[0])

    if have_topic and t >= 0:
        if not have_data:
            _fail(&p, "missing data", -1, "data")
        if data_pos < 0 and data_topic != t:
            # a repeated "topic" key changed the topic after the data was
            # read: read it again with the final topic's keys (last key wins)
            data_pos = data_off
        if data_pos >= 0:
            data_off = data_pos
            if t == T_TICKERS:
                data_pos, tickers = _parse_tickers(&p, data_pos, frame, slots)
            else:
                _parse_object(&p, data_pos, _topic_layout[t], slots,
                              _topic_nslots[t])
        if t == T_TICKERS:
            for tk in tickers:
                if have_event:
                    tk._ev_start = event_sl.start
                    tk._ev_end = event_sl.end
                    tk._ev_flags = event_sl.flags
            return tickers
        if have_event:
            event_bare = _memchr_at(s, event_sl.start, event_sl.end) < 0
        ev = _build(&p, t, slots, frame, data_off, event_bare and t == T_TRADE)
        if have_event:
            (<Event>ev)._ev_start = event_sl.start
            (<Event>ev)._ev_end = event_sl.end
            (<Event>ev)._ev_flags = event_sl.flags
        return ev

    if not have_topic and have_code:
        if code_sl.kind != K_INT:
            _fail(&p, "reply code must be an integer", -1, "code")
        code = _int_value(&code_sl)
        rid = None
        if have_id:
            if id_sl.kind == K_STR:
                rid = _text(frame, s, id_sl.start, id_sl.end, id_sl.flags)
            elif id_sl.kind == K_INT:
                rid = _int_value(&id_sl)
        msg = None
        if have_msg and msg_sl.kind == K_STR:
            msg = _text(frame, s, msg_sl.start, msg_sl.end, msg_sl.flags)
        return Reply(rid, code, msg)

    # unknown topic, or no topic and no code: pass through
    try:
        message = _orjson.loads(frame)
    except _orjson.JSONDecodeError as exc:
        raise DecodeError(f"invalid JSON: {exc}") from None
    return UnknownMessage(message.get("topic"), message.get("event"), message.get("data"),
                          message)


cdef inline Py_ssize_t _memchr_at(const unsigned char* s, Py_ssize_t a, Py_ssize_t b) noexcept:
    cdef const void* r = memchr(s + a, 64, b - a)
    return -1 if r == NULL else (<const unsigned char*>r - s)


cdef tuple _parse_tickers(Parser* p, Py_ssize_t i, object frame, Slot* slots):
    """``tickers``: an array of ticker objects -> list of Ticker."""
    cdef const unsigned char* s = p.s
    cdef Py_ssize_t n = p.n
    cdef list out = []
    cdef Py_ssize_t start
    if i >= n or s[i] != 91:
        _fail(p, "expected an array of tickers", i, "data")
    i = _ws(s, i + 1, n)
    if i < n and s[i] == 93:
        return i + 1, out
    while True:
        start = i
        i = _parse_object(p, i, _topic_layout[T_TICKERS], slots,
                          _topic_nslots[T_TICKERS])
        out.append(_build(p, T_TICKERS, slots, frame, start, False))
        i = _ws(s, i, n)
        if i < n and s[i] == 44:
            i = _ws(s, i + 1, n)
            continue
        if i < n and s[i] == 93:
            return i + 1, out
        _fail(p, "expected ',' or ']': " + _describe(s, n, i), i, "data")


def decode(frame):
    """Decode one WebSocket frame (bytes or str) into its event.

    Returns a typed event (:class:`Trade`, :class:`DepthUpdate`, ...), a list
    of :class:`Ticker` for ``tickers``, :data:`PONG` for the heartbeat,
    :class:`Reply` for a subscribe/unsubscribe answer, :class:`ErrorMessage`
    for the server's error texts, or :class:`UnknownMessage` for a valid
    message of a topic this version does not know.

    Raises :class:`wexcore.DecodeError` (with ``topic``, ``field`` and
    ``offset``) for anything else; never returns a partly decoded event.

    .. warning:: events keep a reference to ``frame`` and read their values
       from it on access; do not pass a buffer you will mutate (bytearray and
       memoryview inputs are copied for that reason).

    The decoder holds the GIL for the whole call and reuses one module-level
    scratch buffer for depth levels; it is not meant for free-threaded
    builds without the GIL.
    """
    return _decode(frame)
