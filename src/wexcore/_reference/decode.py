"""Plain-Python reference of the message decoding kernel (wexcore._decode).

Test oracle and benchmark baseline; never imported at run time. It returns
plain dicts ``{"type": <event class name>, <field>: <value>, ...}`` with the
same field names as the compiled events' ``as_dict()``, decimal fields as
float plus ``<field>_string`` (the exact text), so a test can compare the two
field by field.

orjson validates the frame (syntax, UTF-8, nesting depth); the standard
library's ``json`` then re-reads it with hooks that keep the literal text of
every unquoted number: orjson turns ``0.0002`` into a float and
``6616559590087222666`` into an int, losing the exact spelling the decoder
promises to keep. The rules written here are the decoder's contract:

- decimals: a JSON number, or a string holding exactly a JSON number; ``""``
  and ``null`` mean absent (None); at most 64 characters; must be finite.
- integers (ids, times): the same spellings, integral value (``1.5e1`` is
  15), in [-2**63, 2**64 - 1]; never through a float.
- strings must be strings, booleans booleans; enum texts map to members when
  known and stay plain ``str`` otherwise.
- required fields missing, null or empty raise DecodeError.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from wexcore.errors import DecodeError

_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
MAX_NUMBER_LENGTH = 64


class _Num(str):
    """The literal text of an unquoted JSON number."""


def _reject_constant(name: str) -> Any:
    raise DecodeError(f"invalid JSON constant {name}")


def _loads(frame: bytes | str) -> Any:
    try:
        orjson.loads(frame)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f"invalid JSON: {exc}") from None
    return json.loads(frame, parse_int=_Num, parse_float=_Num, parse_constant=_reject_constant)


SIDE = {"BUY": "BUY", "SELL": "SELL", "BID": "BUY", "ASK": "SELL"}
ORDER_STATE = {s: s for s in
               ("NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "REJECTED", "EXPIRED")}
ORDER_TYPE = {"LIMIT": "LIMIT", "MARKET": "MARKET"}
TIME_IN_FORCE = {s: s for s in ("GTC", "IOC", "FOK", "GTX")}
POSITION_SIDE = {"LONG": "LONG", "SHORT": "SHORT"}
POSITION_TYPE = {"ISOLATED": "ISOLATED", "CROSSED": "CROSSED"}
NOTIFY_TYPE = {s: s for s in ("WARN", "PARTIAL", "LIQUIDATION", "ADL")}

# field -> (kind, wire keys); kind: dec, int, str, bool, intish, levels, or an enum dict
TRADE = {
    "symbol": ("str", ("s", "symbol")),
    "time": ("int", ("t", "timestamp")),
    "trade_id": ("int", ("i",)),
    "order_id": ("int", ("oi", "orderId")),
    "client_order_id": ("str", ("clientOrderId",)),
    "price": ("dec", ("p", "price")),
    "quantity": ("dec", ("q", "a", "quantity")),
    "quote_quantity": ("dec", ("v",)),
    "buyer_is_maker": ("bool", ("b",)),
    "is_maker": ("bool", ("isMaker", "tm")),
    "side": (SIDE, ("m", "orderSide")),
    "position_side": (POSITION_SIDE, ("positionSide",)),
    "margin_unfrozen": ("dec", ("marginUnfrozen",)),
    "fee": ("dec", ("fee",)),
}
KLINE = {
    "symbol": ("str", ("s",)), "time": ("int", ("t",)), "interval": ("str", ("i",)),
    "open": ("dec", ("o",)), "close": ("dec", ("c",)), "high": ("dec", ("h",)),
    "low": ("dec", ("l",)), "volume": ("dec", ("q", "a")), "quote_volume": ("dec", ("v",)),
    "change_rate": ("dec", ("ch",)),
}
TICKER = {
    "symbol": ("str", ("s",)), "time": ("int", ("t",)), "open": ("dec", ("o",)),
    "close": ("dec", ("c",)), "high": ("dec", ("h",)), "low": ("dec", ("l",)),
    "volume": ("dec", ("q", "a")), "quote_volume": ("dec", ("v",)),
    "change_value": ("dec", ("cv",)), "change_rate": ("dec", ("cr", "ch", "r")),
    "index_price": ("dec", ("i",)), "mark_price": ("dec", ("m",)),
    "best_bid_price": ("dec", ("bp",)), "best_ask_price": ("dec", ("ap",)),
}
PRICE = {"symbol": ("str", ("s",)), "time": ("int", ("t",)), "price": ("dec", ("p",))}
FUNDING = {"symbol": ("str", ("s",)), "time": ("int", ("t",)), "rate": ("dec", ("r",))}
DEPTH_UPDATE = {
    "symbol": ("str", ("s",)), "time": ("int", ("t",)),
    "first_update_id": ("int", ("fi", "fu")), "last_update_id": ("int", ("i", "u")),
    "previous_update_id": ("int", ("pu",)), "bids": ("levels", ("b",)),
    "asks": ("levels", ("a",)),
}
DEPTH = {
    "symbol": ("str", ("s",)), "time": ("int", ("t",)), "update_id": ("int", ("i", "id")),
    "bids": ("levels", ("b",)), "asks": ("levels", ("a",)),
}
ORDER = {
    "symbol": ("str", ("s", "symbol")), "time": ("int", ("t",)),
    "create_time": ("int", ("ct", "createdTime")), "order_id": ("int", ("i", "orderId")),
    "client_order_id": ("str", ("ci", "clientOrderId")), "state": (ORDER_STATE, ("st", "state")),
    "side": (SIDE, ("sd", "orderSide")), "order_type": (ORDER_TYPE, ("tp", "orderType")),
    "time_in_force": (TIME_IN_FORCE, ("timeInForce",)), "price": ("dec", ("p", "price")),
    "average_price": ("dec", ("ap", "avgPrice")),
    "original_quantity": ("dec", ("oq", "origQty")),
    "original_quote_quantity": ("dec", ("oqq",)),
    "executed_quantity": ("dec", ("eq", "executedQty")),
    "remaining_quantity": ("dec", ("lq",)), "fee": ("dec", ("f",)),
    "base_currency": ("str", ("bc",)), "quote_currency": ("str", ("qc",)),
    "position_side": (POSITION_SIDE, ("positionSide",)),
    "position_type": (POSITION_TYPE, ("positionType",)),
    "margin_frozen": ("dec", ("marginFrozen",)), "source_type": ("str", ("sourceType",)),
    "category": ("str", ("type",)), "leverage": ("int", ("leverage",)),
}
BALANCE = {
    "currency": ("str", ("c", "coin")), "time": ("int", ("t",)), "account_id": ("int", ("a",)),
    "balance": ("dec", ("b", "walletBalance")), "frozen": ("dec", ("f",)),
    "business_type": ("str", ("z",)), "symbol": ("str", ("s",)),
    "underlying_type": ("intish", ("underlyingType",)),
    "open_order_margin_frozen": ("dec", ("openOrderMarginFrozen",)),
    "isolated_margin": ("dec", ("isolatedMargin",)), "crossed_margin": ("dec", ("crossedMargin",)),
}
POSITION = {
    "symbol": ("str", ("symbol",)), "contract_type": ("str", ("contractType",)),
    "position_type": (POSITION_TYPE, ("positionType",)),
    "position_side": (POSITION_SIDE, ("positionSide",)),
    "position_size": ("dec", ("positionSize",)), "close_order_size": ("dec", ("closeOrderSize",)),
    "available_close_size": ("dec", ("availableCloseSize",)),
    "realized_profit": ("dec", ("realizedProfit",)), "entry_price": ("dec", ("entryPrice",)),
    "isolated_margin": ("dec", ("isolatedMargin",)),
    "open_order_margin_frozen": ("dec", ("openOrderMarginFrozen",)),
    "underlying_type": ("intish", ("underlyingType",)), "leverage": ("int", ("leverage",)),
}
NOTIFY = {
    "symbol": ("str", ("symbol",)), "position_type": (POSITION_TYPE, ("positionType",)),
    "position_side": (POSITION_SIDE, ("positionSide",)),
    "position_size": ("dec", ("positionSize",)), "notify_type": (NOTIFY_TYPE, ("notifyType",)),
}

# topic -> (table, class name, required fields)
TOPICS: dict[str, tuple[dict[str, Any], str, tuple[str, ...]]] = {
    "kline": (KLINE, "Kline", ("symbol", "time", "open", "close", "high", "low")),
    "ticker": (TICKER, "Ticker", ("symbol", "time", "close")),
    "agg_ticker": (TICKER, "Ticker", ("symbol", "time", "close")),
    "tickers": (TICKER, "Ticker", ("symbol", "time", "close")),
    "index_price": (PRICE, "IndexPrice", ("symbol", "time", "price")),
    "mark_price": (PRICE, "MarkPrice", ("symbol", "time", "price")),
    "fund_rate": (FUNDING, "FundingRate", ("symbol", "time", "rate")),
    "depth_update": (DEPTH_UPDATE, "DepthUpdate",
                     ("symbol", "first_update_id", "last_update_id", "bids", "asks")),
    "depth": (DEPTH, "DepthSnapshot", ("symbol", "update_id", "bids", "asks")),
    "order": (ORDER, "OrderUpdate", ("symbol", "order_id", "state", "side")),
    "balance": (BALANCE, "BalanceUpdate", ("currency",)),
    "position": (POSITION, "PositionUpdate", ("symbol",)),
    "notify": (NOTIFY, "Notify", ("symbol", "notify_type")),
}
TRADE_FIELDS = ("symbol", "time", "trade_id", "order_id", "price", "quantity",
                "quote_quantity", "buyer_is_maker", "side")
USER_TRADE_FIELDS = tuple(TRADE)
KLINE_FIELDS = ("symbol", "time", "interval", "open", "close", "high", "low", "volume",
                "quote_volume", "change_rate")
USER_TRADE_KEYS = {"tm", "clientOrderId", "isMaker", "positionSide", "marginUnfrozen", "fee"}

_ABSENT = object()


def _number_text(value: Any, topic: str, key: str) -> str | None:
    if isinstance(value, _Num):
        text = str(value)
    elif isinstance(value, str):
        if value == "":
            return None
        if not _NUMBER.fullmatch(value):
            raise DecodeError("not a number", topic=topic, field=key)
        text = value
    else:
        raise DecodeError("expected a number", topic=topic, field=key)
    if len(text) > MAX_NUMBER_LENGTH:
        raise DecodeError("number too long", topic=topic, field=key)
    return text


def _decimal(value: Any, topic: str, key: str) -> tuple[float, str] | None:
    text = _number_text(value, topic, key)
    if text is None:
        return None
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise DecodeError("number out of range", topic=topic, field=key)
    return number, text


def _integer(value: Any, topic: str, key: str) -> int | None:
    text = _number_text(value, topic, key)
    if text is None:
        return None
    try:
        exact = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex already checked
        raise DecodeError("not a number", topic=topic, field=key) from None
    if exact != exact.to_integral_value():
        raise DecodeError("expected an integer", topic=topic, field=key)
    # Decimal's default context would round 20-digit ids: convert exactly
    if exact.adjusted() > 25:
        raise DecodeError("integer out of range", topic=topic, field=key)
    number = int(exact.scaleb(0))
    if not -(2**63) <= number <= 2**64 - 1:
        raise DecodeError("integer out of range", topic=topic, field=key)
    return number


def _field(kind: Any, value: Any, topic: str, key: str, out: dict[str, Any], name: str) -> None:
    if value is None:
        out[name] = None
        if kind == "dec":
            out[name + "_string"] = None
        return
    if kind == "dec":
        pair = _decimal(value, topic, key)
        out[name] = pair[0] if pair else None
        out[name + "_string"] = pair[1] if pair else None
    elif kind == "int":
        if key == "tm":
            number = _integer(value, topic, key)
            if number not in (1, 2):
                raise DecodeError("expected 1 or 2", topic=topic, field=key)
            out[name] = number == 2
        else:
            out[name] = _integer(value, topic, key)
    elif kind == "intish":
        if isinstance(value, _Num):
            out[name] = _integer(value, topic, key)
        elif not isinstance(value, str):
            raise DecodeError("expected a string or number", topic=topic, field=key)
        elif value == "":
            out[name] = None
        else:
            try:
                out[name] = _integer(value, topic, key) if len(value) <= 20 else value
            except DecodeError:
                out[name] = value
    elif kind == "str":
        if type(value) is not str:
            raise DecodeError("expected a string", topic=topic, field=key)
        out[name] = value
    elif kind == "bool":
        if key == "tm":
            number = _integer(value, topic, key) if not isinstance(value, bool) else None
            if number not in (1, 2):
                raise DecodeError("expected 1 or 2", topic=topic, field=key)
            out[name] = number == 2
        else:
            if not isinstance(value, bool):
                raise DecodeError("expected a boolean", topic=topic, field=key)
            out[name] = value
    elif kind == "levels":
        if not isinstance(value, list):
            raise DecodeError("expected levels", topic=topic, field=key)
        floats, texts = [], []
        for level in value:
            if not isinstance(level, list) or len(level) != 2:
                raise DecodeError("expected [price, quantity]", topic=topic, field=key)
            price = _decimal(level[0], topic, key)
            qty = _decimal(level[1], topic, key)
            if price is None or qty is None:
                raise DecodeError("empty price or quantity", topic=topic, field=key)
            floats.append([price[0], qty[0]])
            texts.append((price[1], qty[1]))
        out[name] = floats
        out[name[:-1] + "_strings"] = texts
    else:  # an enum table
        if type(value) is not str:
            raise DecodeError("expected a string", topic=topic, field=key)
        out[name] = kind.get(value, value)


def _data(table: dict[str, Any], data: Any, topic: str) -> tuple[dict[str, Any], set[str]]:
    if not isinstance(data, dict):
        raise DecodeError("expected the data object", topic=topic, field="data")
    out: dict[str, Any] = {}
    # the last of several keys filling one field wins, in wire order
    for key, value in data.items():
        for name, (kind, keys) in table.items():
            if key in keys:
                _field(kind, value, topic, key, out, name)
    for name, (kind, _keys) in table.items():
        if name not in out:
            out[name] = None
            if kind == "dec":
                out[name + "_string"] = None
            if kind == "levels":
                out[name[:-1] + "_strings"] = None
    return out, set(data)


def _require(out: dict[str, Any], names: tuple[str, ...], topic: str) -> None:
    for name in names:
        if out.get(name) is None:
            raise DecodeError(f"missing required field {name}", topic=topic, field=name)


def _select(out: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    result = {}
    for name in names:
        result[name] = out[name]
        if name + "_string" in out:
            result[name + "_string"] = out[name + "_string"]
    return result


def _build(topic: str, event: Any, data: Any) -> Any:
    if topic == "trade":
        out, keys = _data(TRADE, data, topic)
        # a fill has keys a market trade never has; the spot private stream
        # also sends the bare event "trade" (no "@symbol")
        user = bool(keys & USER_TRADE_KEYS) or (isinstance(event, str) and "@" not in event)
        if user:
            _require(out, ("symbol", "time", "price", "quantity", "order_id"), topic)
            return {"type": "UserTrade", **_select(out, USER_TRADE_FIELDS)}
        _require(out, ("symbol", "time", "price", "quantity"), topic)
        result = {"type": "Trade", **_select(out, TRADE_FIELDS)}
        if out["side"] is None and out["buyer_is_maker"] is not None:
            result["side"] = "SELL" if out["buyer_is_maker"] else "BUY"
        return result
    table, name, required = TOPICS[topic]
    out, _keys = _data(table, data, topic)
    _require(out, required, topic)
    if name == "Kline" and out["interval"] is None and isinstance(event, str) and "," in event:
        out["interval"] = event.rsplit(",", 1)[1]
    if name == "Kline":
        return {"type": name, **_select(out, KLINE_FIELDS)}
    if name in ("DepthUpdate", "DepthSnapshot"):
        fields = [f for f in table if f not in ("bids", "asks")]
        result = {"type": name, **_select(out, tuple(fields))}
        result["bids"] = out["bids"]
        result["asks"] = out["asks"]
        result["bid_strings"] = out["bid_strings"]
        result["ask_strings"] = out["ask_strings"]
        return result
    return {"type": name, **_select(out, tuple(table))}


def _text_frame(text: str) -> dict[str, Any] | None:
    low = text.strip().lower()
    if low == "pong":
        return {"type": "Pong"}
    if low.endswith("@invalid_listenkey"):
        return {"type": "ErrorMessage", "reason": "invalid_listenkey",
                "topic": text.strip().rsplit("@", 1)[0], "text": text}
    if low == "invalid parameter":
        return {"type": "ErrorMessage", "reason": "invalid_parameter", "topic": None,
                "text": text}
    if low in ("token expire", "token expired"):
        return {"type": "ErrorMessage", "reason": "token_expire", "topic": None, "text": text}
    return None


def decode(frame: bytes | str) -> Any:
    """Reference decode: a dict per event (a list of dicts for ``tickers``)."""
    if isinstance(frame, (bytes, bytearray, memoryview)):
        raw = bytes(frame)
    elif isinstance(frame, str):
        try:
            raw = frame.encode()
        except UnicodeEncodeError:
            raise DecodeError("lone surrogate") from None
    else:
        raise TypeError("bytes or str")
    stripped = raw.strip(b" \t\r\n")
    if not stripped.startswith(b"{"):
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            raise DecodeError("invalid UTF-8") from None
        if stripped.startswith(b'"'):
            value = _loads(raw)
            if not isinstance(value, str):
                raise DecodeError("not a JSON object")
            result = _text_frame(value)
        else:
            result = _text_frame(text) if len(raw) <= 256 else None
        if result is None:
            raise DecodeError("not a JSON object")
        return result
    message = _loads(raw)
    topic = message.get("topic", _ABSENT)
    event = message.get("event")
    if topic is not _ABSENT and type(topic) is not str:
        raise DecodeError("topic must be a string", field="topic")
    if isinstance(event, str) and event.endswith("@invalid_listenkey"):
        return {"type": "ErrorMessage", "reason": "invalid_listenkey",
                "topic": event.rsplit("@", 1)[0], "text": event}
    if topic is not _ABSENT and topic in TOPICS or topic == "trade":
        if "data" not in message:
            raise DecodeError("missing data", topic=topic, field="data")
        data = message["data"]
        if topic == "tickers":
            if not isinstance(data, list):
                raise DecodeError("expected an array", topic=topic, field="data")
            return [_build("tickers", event, item) for item in data]
        return _build(topic, event if isinstance(event, str) else None, data)
    if topic is _ABSENT and "code" in message:
        code = _integer(message["code"], "reply", "code")
        if code is None:
            raise DecodeError("reply code", field="code")
        rid = message.get("id")
        if isinstance(rid, _Num):
            rid = _integer(rid, "reply", "id")
        elif rid is not None and not isinstance(rid, str):
            raise DecodeError("reply id", field="id")
        msg = message.get("msg")
        return {"type": "Reply", "id": rid, "code": code,
                "msg": msg if isinstance(msg, str) else None}
    return {"type": "UnknownMessage", "message": orjson.loads(raw)}
