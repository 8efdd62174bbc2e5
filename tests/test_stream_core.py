"""The sans-I/O stream core, fed hand-built frames from the spec (no network)."""

from __future__ import annotations

import random

import orjson
import pytest

from wexcore.stream.core import (
    Heartbeat,
    ListenKeyError,
    ReconnectPolicy,
    StreamCore,
    SubscriptionError,
    TokenLifecycle,
    event_of,
    route_key,
)


class Sink:
    def __init__(self, raw: bool = False) -> None:
        self.raw = raw
        self.got: list[tuple[bytes, object, int]] = []

    def deliver(self, frame, decoded, received_ns):
        self.got.append((frame, decoded, received_ns))


class Waiter:
    def __init__(self) -> None:
        self.result = None
        self.exception: BaseException | None = None

    def set_result(self, r):
        self.result = r

    def set_exception(self, e):
        self.exception = e

    def done(self):
        return self.result is not None or self.exception is not None


def frame(topic: str, event: str, data) -> bytes:
    return orjson.dumps({"topic": topic, "event": event, "data": data})


SPOT_TRADE = (
    b'{"topic":"trade","event":"trade@btc_usdt","data":{"s":"btc_usdt",'
    b'"i":6316559590087222000,"t":1655992403617,"oi":6616559590087222666,"p":"43000",'
    b'"q":"0.21","v":"9030","b":true}}'
)


# ---- request shapes ----------------------------------------------------------


def test_spot_public_request_shape_follows_spec_request_message_format():
    core = StreamCore("spot", "public")
    rid, data = core.request("subscribe", ["depth_update@btc_usdt", "trade@btc_usdt"])
    assert orjson.loads(data) == {
        "method": "subscribe", "params": ["depth_update@btc_usdt", "trade@btc_usdt"], "id": rid,
    }


def test_futures_market_request_uses_upper_case_method():
    core = StreamCore("futures", "market")
    rid, data = core.request("unsubscribe", ["depth_update@btc_usdt,100ms"])
    assert orjson.loads(data) == {
        "method": "UNSUBSCRIBE", "params": ["depth_update@btc_usdt,100ms"], "id": rid,
    }


def test_spot_private_request_carries_listen_key_field():
    core = StreamCore("spot", "private")
    core.listen_key = "512312356123123123"
    rid, data = core.request("subscribe", ["order", "trade"])
    assert orjson.loads(data) == {
        "method": "subscribe", "params": ["order", "trade"],
        "listenKey": "512312356123123123", "id": rid,
    }


def test_futures_user_request_puts_listen_key_in_each_topic_by_default():
    core = StreamCore("futures", "user")
    core.listen_key = "LK"
    rid, data = core.request("subscribe", ["order", "position"])
    assert orjson.loads(data) == {"method": "SUBSCRIBE", "params": ["order@LK", "position@LK"],
                                  "id": rid}


def test_futures_user_request_with_listen_key_field():
    core = StreamCore("futures", "user", listen_key_in="field")
    core.listen_key = "LK"
    rid, data = core.request("subscribe", ["order"])
    assert orjson.loads(data) == {"method": "SUBSCRIBE", "params": ["order"],
                                  "listenKey": "LK", "id": rid}


def test_private_request_without_key_raises():
    core = StreamCore("spot", "private")
    with pytest.raises(ListenKeyError, match="listen key"):
        core.request("subscribe", ["order"])


def test_request_ids_are_unique_strings():
    core = StreamCore()
    ids = [core.request("subscribe", [f"trade@s{i}"])[0] for i in range(100)]
    assert len(set(ids)) == 100 and all(isinstance(i, str) for i in ids)


@pytest.mark.parametrize("product,channel", [("spot", "nope"), ("options", "public")])
def test_unknown_endpoint_rejected(product, channel):
    with pytest.raises(ValueError, match="product|channel"):
        StreamCore(product, channel)


def test_channel_aliases():
    assert StreamCore("futures", "public").channel == "market"
    assert StreamCore("spot", "user").channel == "private"


def test_resubscribe_requests_chunk_many_topics():
    core = StreamCore(max_params_per_request=3)
    sink = Sink()
    core.add([f"trade@s{i}" for i in range(7)], sink)
    reqs = core.resubscribe_requests()
    params = [orjson.loads(d)["params"] for _, d in reqs]
    assert [len(p) for p in params] == [3, 3, 1]
    assert sum(params, []) == [f"trade@s{i}" for i in range(7)]


# ---- replies -------------------------------------------------------------------


def test_reply_with_matching_id_resolves_waiter():
    core = StreamCore()
    w = Waiter()
    rid, _ = core.request("subscribe", ["trade@btc_usdt"], w)
    core.feed(orjson.dumps({"id": rid, "code": 0, "msg": "success"}))
    assert w.result.ok and w.result.id == rid
    assert core.pending == 0


def test_reply_for_other_id_leaves_waiter_pending():
    core = StreamCore()
    w = Waiter()
    core.request("subscribe", ["trade@btc_usdt"], w)
    core.feed(b'{"id":"999","code":0,"msg":"success"}')
    assert not w.done() and core.pending == 1


def test_refused_subscription_raises_and_leaves_the_set():
    core = StreamCore()
    sink = Sink()
    core.add(["trade@nope"], sink)
    w = Waiter()
    rid, _ = core.request("subscribe", ["trade@nope"], w)
    core.feed(orjson.dumps({"id": rid, "code": 1, "msg": "invalid topic trade@nope"}))
    assert isinstance(w.exception, SubscriptionError)
    assert not isinstance(w.exception, ListenKeyError)
    assert "invalid topic" in str(w.exception)
    assert core.subscriptions == []


@pytest.mark.parametrize("reply", [
    {"code": 2, "msg": "listenKey invalid"},
    {"code": 401, "msg": "token expire"},
    {"code": 1, "msg": "order@invalid_listenkey"},
])
def test_listen_key_refusals_raise_listen_key_error_and_trigger_renewal(reply):
    core = StreamCore("spot", "private")
    core.listen_key = "old"
    rejected = []
    core.on_listen_key_rejected = rejected.append
    sink = Sink()
    core.add(["order"], sink)
    w = Waiter()
    rid, _ = core.request("subscribe", ["order"], w)
    core.feed(orjson.dumps({"id": rid, **reply}))
    assert isinstance(w.exception, ListenKeyError)
    assert len(rejected) == 1
    # the subscription stays: renewal resubscribes it
    assert core.subscriptions == ["order"]


def test_unsolicited_token_expire_triggers_renewal():
    core = StreamCore("spot", "private")
    rejected = []
    core.on_listen_key_rejected = rejected.append
    core.feed(b'{"code": 401, "msg": "token expire"}')
    assert [r.code for r in rejected] == [401]


def test_pong_calls_back():
    core = StreamCore()
    pongs = []
    core.on_pong = lambda: pongs.append(1)
    core.feed(b"pong")
    core.feed("pong")
    assert pongs == [1, 1] and core.counters.pongs == 2


def test_connection_lost_keeps_user_waiters_as_orphans():
    core = StreamCore()
    w = Waiter()
    core.request("subscribe", ["trade@btc_usdt"], w)
    core.request("subscribe", ["trade@eth_usdt"], None)
    core.connection_lost()
    orphans = core.take_orphans()
    assert [o.params for o in orphans] == [["trade@btc_usdt"]]
    assert core.pending == 0 and core.take_orphans() == []


# ---- routing -------------------------------------------------------------------


@pytest.mark.parametrize("raw,expected", [
    (SPOT_TRADE, b"trade@btc_usdt"),
    (b'{"topic": "kline", "event" : "kline@btc_usdt,5m", "data": {}}', b"kline@btc_usdt,5m"),
    (b'{"id":"1","code":0,"msg":""}', None),
    (b"pong", None),
    (b'{"event":1}', None),
])
def test_event_of(raw, expected):
    assert event_of(raw) == expected


@pytest.mark.parametrize("text,private,key", [
    ("depth_update@btc_usdt,100ms", False, "depth_update@btc_usdt"),
    ("depth_update@btc_usdt", False, "depth_update@btc_usdt"),
    ("depth@btc_usdt,50,1000ms", False, "depth@btc_usdt"),
    ("depth@btc_usdt,20", False, "depth@btc_usdt"),
    ("kline@btc_usdt,5m", False, "kline@btc_usdt,5m"),
    ("tickers", False, "tickers"),
    ("balance@123456", True, "balance"),
    ("order", True, "order"),
])
def test_route_key(text, private, key):
    assert route_key(text, private) == key


def test_push_goes_to_its_subscription_only():
    core = StreamCore(decoder=orjson.loads)
    btc, eth = Sink(), Sink()
    core.add(["trade@btc_usdt"], btc)
    core.add(["trade@eth_usdt"], eth)
    core.feed(SPOT_TRADE, 123)
    assert len(btc.got) == 1 and eth.got == []
    f, decoded, ns = btc.got[0]
    assert f == SPOT_TRADE and ns == 123
    assert decoded["data"]["oi"] == 6616559590087222666  # exact, never through a float


def test_futures_depth_update_with_interval_routes_to_push_without_interval():
    core = StreamCore("futures", "market")
    sink = Sink(raw=True)
    core.add(["depth_update@btc_usdt,100ms"], sink)
    f = frame("depth_update", "depth_update@btc_usdt",
              {"s": "btc_usdt", "pu": 120, "fu": 121, "u": 123, "a": [], "b": [], "t": 1})
    core.feed(f)
    assert [g[0] for g in sink.got] == [f] and sink.got[0][1] is None  # raw: not decoded


def test_kline_intervals_are_distinct_streams():
    core = StreamCore(decoder=orjson.loads)
    one, five = Sink(), Sink()
    core.add(["kline@btc_usdt,1m"], one)
    core.add(["kline@btc_usdt,5m"], five)
    core.feed(frame("kline", "kline@btc_usdt,5m", {"s": "btc_usdt", "i": "5m"}))
    assert len(five.got) == 1 and one.got == []


def test_futures_user_push_routes_by_topic():
    core = StreamCore("futures", "user", decoder=orjson.loads)
    core.listen_key = "LK"
    sink = Sink()
    core.add(["balance"], sink)
    core.feed(frame("balance", "balance@123456", {"coin": "usdt", "walletBalance": "1"}))
    assert len(sink.got) == 1


def test_unrouted_push_is_counted_not_delivered():
    core = StreamCore()
    core.feed(SPOT_TRADE)
    assert core.counters.unrouted == 1


def test_decoder_called_once_per_push_for_many_sinks():
    calls = []

    def decoder(f):
        calls.append(f)
        return "decoded"

    core = StreamCore(decoder=decoder)
    sinks = [Sink(), Sink(), Sink(raw=True)]
    for s in sinks:
        core.add(["trade@btc_usdt"], s)
    core.feed(SPOT_TRADE)
    assert len(calls) == 1
    assert [s.got[0][1] for s in sinks] == ["decoded", "decoded", "decoded"]


def test_raw_only_subscription_never_decodes():
    def decoder(f):
        raise AssertionError("decoded")

    core = StreamCore(decoder=decoder)
    sink = Sink(raw=True)
    core.add(["trade@btc_usdt"], sink)
    core.feed(SPOT_TRADE)
    assert len(sink.got) == 1


def test_remove_keeps_other_sinks_of_the_same_route():
    core = StreamCore(decoder=orjson.loads)
    a, b = Sink(), Sink()
    core.add(["trade@btc_usdt"], a)
    core.add(["trade@btc_usdt"], b)
    assert core.remove(["trade@btc_usdt"], a) == []  # b still wants it
    core.feed(SPOT_TRADE)
    assert a.got == [] and len(b.got) == 1
    assert core.remove(["trade@btc_usdt"], b) == ["trade@btc_usdt"]


def test_default_decoder_is_the_kernel():
    from wexcore import Trade

    core = StreamCore()
    sink = Sink()
    core.add(["trade@btc_usdt"], sink)
    core.feed(SPOT_TRADE)
    ev = sink.got[0][1]
    assert isinstance(ev, Trade)
    assert ev.order_id == 6616559590087222666 and ev.symbol == "btc_usdt"


def test_private_duplicate_order_push_is_suppressed():
    core = StreamCore("spot", "private", decoder=orjson.loads)
    sink = Sink()
    core.add(["order"], sink)
    f1 = frame("order", "order", {"s": "btc_usdt", "i": "1", "st": "NEW"})
    f2 = frame("order", "order", {"s": "btc_usdt", "i": "1", "st": "FILLED"})
    for f in (f1, f1, f2, f2):
        core.feed(f)
    assert [g[0] for g in sink.got] == [f1, f2]
    assert core.counters.duplicates_suppressed == 2


# ---- heartbeat, backoff, token ----------------------------------------------------


def test_heartbeat_schedule_and_dead_connection():
    hb = Heartbeat(interval=10, timeout=3)
    hb.reset(0)
    assert hb.poll(5) is None and hb.next_wakeup(5) == 5
    assert hb.poll(10) == "ping"
    hb.ping_sent(10)
    assert hb.poll(12) is None and hb.next_wakeup(12) == 1
    hb.pong_received(12.5)
    assert hb.poll(13.5) is None  # answered: not dead
    assert hb.poll(20) == "ping"
    hb.ping_sent(20)
    assert hb.poll(23) == "dead"  # no pong within 3 s


def test_heartbeat_unanswered_pings_keep_the_first_deadline():
    hb = Heartbeat(interval=1, timeout=2.5)
    hb.reset(0)
    hb.ping_sent(1)
    hb.ping_sent(2)
    assert hb.poll(3.4) != "dead"
    assert hb.poll(3.5) == "dead"


def test_backoff_is_jittered_exponential_and_capped():
    p = ReconnectPolicy(initial=0.1, maximum=1.0, factor=2.0, rng=random.Random(7))
    delays = [p.next_delay() for _ in range(8)]
    ceilings = [min(1.0, 0.1 * 2**n) for n in range(8)]
    for d, c in zip(delays, ceilings, strict=True):
        assert c / 2 <= d <= c
    assert len(set(delays)) == 8  # jittered
    p.reset()
    assert 0.05 <= p.next_delay() <= 0.1


def test_backoff_gives_up_after_max_attempts():
    p = ReconnectPolicy(max_attempts=2)
    assert p.next_delay() is not None and p.next_delay() is not None
    assert p.next_delay() is None


def test_backoff_rejects_nonsense():
    with pytest.raises(ValueError, match="initial"):
        ReconnectPolicy(initial=0)


def test_token_renewed_before_expiry():
    t = TokenLifecycle(ttl=100, renew_fraction=0.8)
    assert t.needs_renewal(0)
    assert t.set("a", 0) is True
    assert not t.needs_renewal(79.9)
    assert t.seconds_until_renewal(50) == pytest.approx(30)
    assert t.needs_renewal(80)
    assert t.set("a", 80) is False  # same token again: validity reset


def test_rejected_token_renewal_respects_min_interval():
    t = TokenLifecycle(ttl=100, min_interval=10)
    t.set("a", 0)
    t.invalidate()
    assert not t.needs_renewal(5)
    assert t.seconds_until_renewal(5) == pytest.approx(5)
    assert t.needs_renewal(10)


def test_push_with_spaced_event_key_still_routes():
    core = StreamCore(decoder=orjson.loads)
    sink = Sink()
    core.add(["trade@btc_usdt"], sink)
    spaced = b'{ "topic" : "trade", "event" : "trade@btc_usdt", "data" : {"s": "btc_usdt"} }'
    core.feed(spaced)
    core.feed(spaced.decode())  # text frames as str are accepted too
    assert len(sink.got) == 2 and sink.got[0][1]["data"]["s"] == "btc_usdt"
    assert core.counters.messages == 2 and core.counters.bytes == 2 * len(spaced)


def test_route_cache_follows_subscription_changes():
    core = StreamCore(decoder=orjson.loads)
    a, b = Sink(), Sink()
    core.add(["trade@btc_usdt"], a)
    core.feed(SPOT_TRADE)
    core.add(["trade@btc_usdt"], b)  # must not be hidden by the cached route
    core.feed(SPOT_TRADE)
    core.remove(["trade@btc_usdt"], a)
    core.feed(SPOT_TRADE)
    assert len(a.got) == 2 and len(b.got) == 2


@pytest.mark.parametrize("product,channel,interval", [
    ("spot", "public", 20.0), ("spot", "private", 20.0),
    ("futures", "market", 10.0), ("futures", "user", 10.0),
])
def test_default_heartbeat_is_a_third_of_the_server_window(product, channel, interval):
    from wexcore import StreamClient

    client = StreamClient(product, channel, token_provider=_no_token)
    assert client.heartbeat.interval == interval
    assert client.heartbeat.timeout == interval


async def _no_token() -> str:
    raise AssertionError("not called")


# ---- plain-text server messages -------------------------------------------------------


@pytest.mark.parametrize("text", [b"order@invalid_listenkey", b"balance@invalid_listenkey\n",
                                  b'"order@invalid_listenkey"'])
def test_the_futures_bare_text_invalid_listenkey_renews_the_key(text):
    core = StreamCore("futures", "user")
    core.listen_key = "old"
    rejected = []
    core.on_listen_key_rejected = rejected.append
    core.add(["order"], Sink())
    core.feed(text)
    assert [r.msg for r in rejected] == [text.strip().strip(b'"').decode()]
    assert core.counters.server_texts == 1 and core.counters.errors == 1
    assert core.subscriptions == ["order"]  # renewal resubscribes it


@pytest.mark.parametrize("text", [b"Invalid method", b"Invalid Parameter", b"\xff\xfe oops",
                                  b"<html>502 Bad Gateway</html>", b'"just a string"'])
def test_other_bare_text_is_logged_and_counted_never_fatal(text, caplog):
    core = StreamCore("futures", "user")
    rejected = []
    core.on_listen_key_rejected = rejected.append
    sink = Sink(raw=True)
    core.add(["order"], sink)
    with caplog.at_level("DEBUG", logger="wexcore.stream"):
        core.feed(text)
        core.feed(text)
    assert rejected == [] and core.counters.server_texts == 2
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "the server sent text" in warnings[0].getMessage()
    # the stream goes on: a push after it is delivered
    core.feed(frame("order", "order", {"s": "btc_usdt", "oi": "1", "st": "NEW"}))
    assert len(sink.got) == 1


def test_invalid_listenkey_text_on_a_public_stream_renews_nothing():
    core = StreamCore("futures", "market")
    core.on_listen_key_rejected = lambda r: pytest.fail("a public stream has no key")
    core.feed(b"order@invalid_listenkey")
    assert core.counters.server_texts == 1
