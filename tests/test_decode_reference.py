"""Property tests: valid messages with random key order, whitespace, number
spellings, escapes and unknown keys decode to what the plain-Python reference
decoder (wexcore._reference.decode) says, field by field."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wexcore import DecodeError, decode
from wexcore._reference import decode as reference

FIXTURES = Path(__file__).parent / "fixtures"
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def as_plain(event):
    """The compiled event as the reference's dict shape."""
    if isinstance(event, list):
        return [as_plain(e) for e in event]
    kind = type(event).__name__
    if kind == "Pong":
        return {"type": "Pong"}
    if kind == "ErrorMessage":
        return {"type": kind, "reason": event.reason, "topic": event.topic, "text": event.text}
    if kind == "Reply":
        return {"type": kind, "id": event.id, "code": event.code, "msg": event.msg}
    if kind == "UnknownMessage":
        return {"type": kind, "message": event.message}
    out = {"type": kind, **event.as_dict()}
    if kind in ("DepthUpdate", "DepthSnapshot"):
        out["bids"] = event.bids.tolist()
        out["asks"] = event.asks.tolist()
    return out


def same(frame):
    """Assert kernel and reference agree: equal results, or both DecodeError."""
    try:
        expected = reference.decode(frame)
    except DecodeError:
        with pytest.raises(DecodeError):
            decode(frame)
        return None
    got = as_plain(decode(frame))
    assert got == expected
    return got


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*/ws/*")), ids=lambda p: p.name)
def test_fixtures_match_reference(path):
    assert same(path.read_bytes()) is not None


# --- generators ---------------------------------------------------------------

WS = st.sampled_from(["", "", "", " ", "\n", "\t", "\r\n  ", "  "])


@st.composite
def decimal_text(draw):
    mantissa = draw(st.integers(0, 10**draw(st.integers(1, 20))))
    scale = draw(st.integers(0, 10))
    sign = draw(st.sampled_from(["", "", "-"]))
    digits = str(mantissa)
    form = draw(st.sampled_from(["plain", "plain", "exp", "exp_upper", "int"]))
    if form == "int":
        return sign + digits
    if form == "plain":
        if scale == 0:
            return sign + digits
        digits = digits.rjust(scale + 1, "0")
        return sign + digits[:-scale] + "." + digits[-scale:]
    exponent = draw(st.integers(-30, 30))
    text = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return sign + text + ("e" if form == "exp" else "E") + \
        draw(st.sampled_from(["", "+"])) * (exponent >= 0) + str(exponent)


@st.composite
def integer_text(draw):
    value = draw(st.one_of(st.integers(0, 2**64 - 1), st.integers(0, 10**13),
                           st.just(6616559590087222666)))
    form = draw(st.sampled_from(["plain", "plain", "plain", "frac", "exp"]))
    if form == "frac":
        return f"{value}.{'0' * draw(st.integers(1, 3))}"
    if form == "exp" and value:
        digits = str(value)
        exponent = len(digits) - 1
        stripped = digits.rstrip("0") or "0"
        body = stripped[0] + ("." + stripped[1:] if len(stripped) > 1 else "")
        assert Decimal(body + f"e{exponent}") == value
        return body + f"e{exponent}"
    return str(value)


def quoted_or_not(draw, text):
    return json.dumps(text) if draw(st.booleans()) else text


def escaped_string(draw, text):
    """A JSON string for text, with random escaping (\\uXXXX, ASCII-only...)."""
    if draw(st.booleans()):
        return json.dumps(text, ensure_ascii=draw(st.booleans()))
    out = []
    for ch in text:
        if draw(st.integers(0, 4)) == 0 or ch in '"\\' or ord(ch) < 32:
            if ord(ch) > 0xFFFF:
                out.append(json.dumps(ch)[1:-1] if ch not in '"\\' else "\\" + ch)
                continue
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)


def value_token(draw, kind):
    if kind == "dec":
        return quoted_or_not(draw, draw(decimal_text()))
    if kind == "int":
        return quoted_or_not(draw, draw(integer_text()))
    if kind == "intish":
        return draw(st.sampled_from(['1', '"2"', '""', '"COIN"', "null"]))
    if kind == "str":
        return escaped_string(draw, draw(TEXT))
    if kind == "bool":
        return draw(st.sampled_from(["true", "false"]))
    if kind == "tm":
        return draw(st.sampled_from(["1", "2", '"1"', '"2"']))
    if kind == "levels":
        levels = []
        for _ in range(draw(st.integers(0, 5))):
            ws = draw(WS)
            levels.append("[" + ws + quoted_or_not(draw, draw(decimal_text())) + ws + "," +
                          draw(WS) + quoted_or_not(draw, draw(decimal_text())) + "]")
        return "[" + draw(WS) + ("," + draw(WS)).join(levels) + draw(WS) + "]"
    # enum table
    return escaped_string(draw, draw(st.sampled_from(sorted(kind) + ["SOMETHING_NEW"])))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | TEXT
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=8,
)


def join_object(draw, members):
    parts = [draw(WS) + key + draw(WS) + ":" + draw(WS) + value + draw(WS)
             for key, value in members]
    return "{" + ",".join(parts) + draw(WS) + "}"


@st.composite
def data_object(draw, table, required):
    members = []
    for name, (kind, keys) in table.items():
        must = name in required
        if not must and draw(st.integers(0, 3)) == 0:
            continue
        key = draw(st.sampled_from(keys))
        vkind = "tm" if key == "tm" else (kind if isinstance(kind, str) else kind)
        if not must and draw(st.integers(0, 7)) == 0:
            token = "null"
        else:
            token = value_token(draw, vkind)
            if must and token in ('""', "null"):
                token = value_token(draw, vkind)
        members.append((json.dumps(key), token))
    for _ in range(draw(st.integers(0, 2))):
        members.append((json.dumps("x_" + draw(TEXT)),
                        json.dumps(draw(JSON_VALUES), ensure_ascii=draw(st.booleans()))))
    return join_object(draw, draw(st.permutations(members)))


TOPIC_EVENTS = {
    "trade": ["trade@btc_usdt", "trade", "trade@123456"],
    "kline": ["kline@btc_usdt,5m", "kline@eth_usdt,1M"],
    "ticker": ["ticker@btc_usdt"], "agg_ticker": ["agg_ticker@btc_usdt"],
    "index_price": ["index_price@btc_usdt"], "mark_price": ["mark_price@btc_usdt"],
    "fund_rate": ["fund_rate@btc_usdt"], "depth_update": ["depth_update@btc_usdt"],
    "depth": ["depth@btc_usdt,20"], "order": ["order", "order@123456"],
    "balance": ["balance", "balance@123456"], "position": ["position@123456"],
    "notify": ["notify"], "tickers": ["tickers"],
}


@st.composite
def message(draw):
    topic = draw(st.sampled_from(sorted(TOPIC_EVENTS)))
    event = draw(st.sampled_from(TOPIC_EVENTS[topic]))
    if topic == "trade":
        variant = draw(st.sampled_from(["spot", "futures", "spot_private", "futures_user"]))
        keys = {
            "spot": "s i t oi p q v b", "futures": "s p a m t",
            "spot_private": "s i t oi p q v b tm",
            "futures_user": "orderId clientOrderId price quantity marginUnfrozen timestamp "
                            "symbol orderSide positionSide isMaker fee",
        }[variant].split()
        table = {name: (kind, tuple(k for k in wire if k in keys))
                 for name, (kind, wire) in reference.TRADE.items()
                 if any(k in keys for k in wire)}
        required = ("symbol", "time", "price", "quantity", "order_id")
        data = draw(data_object(table, required))
    elif topic == "tickers":
        table, _name, required = reference.TOPICS["tickers"]
        items = [draw(data_object(table, required)) for _ in range(draw(st.integers(0, 3)))]
        data = "[" + draw(WS) + ",".join(items) + draw(WS) + "]"
    else:
        table, _name, required = reference.TOPICS[topic]
        data = draw(data_object(table, required))
    members = [('"topic"', escaped_string(draw, topic) if draw(st.integers(0, 5)) == 0
                else json.dumps(topic)),
               ('"event"', json.dumps(event)), ('"data"', data)]
    if draw(st.booleans()):
        members.append(('"extra"', json.dumps(draw(JSON_VALUES))))
    text = draw(WS) + join_object(draw, draw(st.permutations(members))) + draw(WS)
    return text.encode() if draw(st.booleans()) else text


@SETTINGS
@given(message())
def test_random_valid_messages_match_reference(frame):
    same(frame)


@SETTINGS
@given(message())
def test_random_messages_decode_without_error_when_reference_accepts(frame):
    try:
        reference.decode(frame)
    except DecodeError:
        return
    decode(frame)


@SETTINGS
@given(st.sampled_from(["0", "1", "2", "-1"]), st.one_of(TEXT, st.integers(0, 2**63)),
       st.text(max_size=10))
def test_replies_match_reference(code, rid, msg):
    frame = json.dumps({"id": rid, "code": int(code), "msg": msg})
    same(frame)
