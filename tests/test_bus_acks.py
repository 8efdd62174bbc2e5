"""The feed's snapshot acknowledgements, without a server: what counts as
stored, what makes the next record a snapshot again, and KV copies in the
order of their snapshots even when the acknowledgements' puts overlap."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from wexcore._record import Record
from wexcore.bus.feed import ACK_TIMEOUT, Feed, _ack_sequence, _Owned
from wexcore.workload import generate


@dataclass
class Msg:
    subject: str
    data: bytes
    headers: dict[str, str] | None = None


@dataclass
class SlowKV:
    """Records puts; the first one waits until released."""

    puts: list[tuple[str, int]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def put(self, key: str, value: bytes) -> int:
        if not self.puts and not self.release.is_set():
            await self.release.wait()
        self.puts.append((key, Record(value).stream_seq))
        return len(self.puts)


@pytest.mark.parametrize("msg,seq", [
    (Msg("r", b'{"stream":"WEX_SPOT","seq":42}'), 42),
    (Msg("r", b'{"stream":"WEX_SPOT","seq":7,"duplicate":true}'), 7),
    (Msg("r", b'{"error":{"code":503,"description":"no leader"}}'), None),
    (Msg("r", b"", {"Status": "503"}), None),
    (Msg("r", b'{"stream":"WEX_SPOT","seq":0}'), None),
    (Msg("r", b'{"stream":"WEX_SPOT","seq":"42"}'), None),
    (Msg("r", b"not json"), None),
    (Msg("r", b"[1, 2]"), None),
])
def test_ack_sequence(msg: Msg, seq: int | None) -> None:
    assert _ack_sequence(msg) == seq


def _feed_with(symbol: str = "btc_usdt") -> tuple[Feed, _Owned, list[bytes]]:
    from wexcore import OrderBook
    from wexcore.bus.feed import snapshot_record

    feed = Feed([symbol], nats_url="nats://127.0.0.1:1")
    owned = _Owned(feed, symbol, epoch=3)
    feed.owned[symbol] = owned
    owned.dirty = False
    w = generate(50, 2)
    book = OrderBook(symbol, w.price_precision, w.quantity_precision)
    book.load_snapshot(w.snapshot)
    snaps = [snapshot_record(book, 3, n, 0) for n in (1, 2)]
    return feed, owned, snaps


async def test_kv_copies_keep_the_order_of_their_snapshots() -> None:
    feed, owned, (s1, s2) = _feed_with()
    kv = SlowKV()
    feed._books_kv = kv
    feed._acks = {"a.1": (owned, s1, 1e18), "a.2": (owned, s2, 1e18)}
    await feed._on_ack(Msg("a.1", b'{"stream":"WEX_SPOT","seq":10}'))
    await feed._on_ack(Msg("a.2", b'{"stream":"WEX_SPOT","seq":11}'))
    await asyncio.sleep(0)  # both puts started; the first is held
    assert kv.puts == []
    kv.release.set()
    assert owned.kv_task is not None
    await asyncio.wait_for(owned.kv_task, 5)
    assert kv.puts == [("btc_usdt", 10), ("btc_usdt", 11)]
    assert feed.counters.snapshots == 2 and not owned.dirty and not feed._acks


async def test_a_refused_or_unanswered_snapshot_makes_the_next_record_a_snapshot() -> None:
    feed, owned, (s1, s2) = _feed_with()
    kv = SlowKV()
    kv.release.set()
    feed._books_kv = kv
    feed._acks = {"a.1": (owned, s1, 1e18), "a.2": (owned, s2, 100.0)}
    await feed._on_ack(Msg("a.1", b"", {"Status": "503"}))
    assert owned.dirty and feed.counters.publish_errors == 1
    owned.dirty = False
    feed._expire_acks(100.0 - ACK_TIMEOUT)  # not yet
    assert not owned.dirty and "a.2" in feed._acks
    feed._expire_acks(100.5)
    assert owned.dirty and feed.counters.publish_errors == 2 and not feed._acks
    # its acknowledgement coming after all is ignored: no KV copy of it
    await feed._on_ack(Msg("a.2", b'{"stream":"WEX_SPOT","seq":11}'))
    assert owned.kv_task is None and kv.puts == []


async def test_a_released_symbol_puts_no_kv_copy() -> None:
    feed, owned, (s1, _) = _feed_with()
    kv = SlowKV()
    feed._books_kv = kv
    feed._acks = {"a.1": (owned, s1, 1e18)}
    await feed._on_ack(Msg("a.1", b'{"stream":"WEX_SPOT","seq":10}'))
    await feed._release(owned, delete=False)
    kv.release.set()
    assert owned.kv_task is not None
    await asyncio.wait([owned.kv_task], timeout=5)
    assert kv.puts == [] and feed.counters.snapshots == 0
