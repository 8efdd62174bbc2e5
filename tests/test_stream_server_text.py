"""Plain-text server messages over a real connection (a scripted WebSocket
server): the futures user stream's documented ``{topic}@invalid_listenkey``
renews the listen key and resubscribes; any other text is logged, counted and
harmless."""

from __future__ import annotations

import itertools

import pytest

from stream_support import TRANSPORTS, FakeExchange, wait_until
from wexcore.stream import ConnectionState, FuturesUserStream


@pytest.fixture(params=TRANSPORTS)
def transport(request):
    return request.param


async def test_bare_text_invalid_listenkey_renews_and_resubscribes(transport):
    keys = (f"key{i}" for i in itertools.count(1))

    async def provider() -> str:
        return next(keys)

    async with FakeExchange() as server:
        states = []
        async with FuturesUserStream(url=server.url + "/ws/user", token_provider=provider,
                                     token_min_interval=0.01, transport=transport,
                                     on_state=states.append) as stream:
            await stream.subscribe("order")
            assert server.requests[-1]["params"] == ["order@key1"]
            await server.push(b"order@invalid_listenkey")  # the spec's error, as text
            await wait_until(lambda: server.requests[-1]["params"] == ["order@key2"], 5.0,
                             "a subscription with a renewed key")
            assert stream.token.token == "key2"
            assert stream.counters.server_texts == 1
            assert ConnectionState.TOKEN_RENEWED in [s.state for s in states]
            assert stream.counters.connects == 1  # renewed on the same connection


async def test_other_bare_text_keeps_the_connection(transport):
    async with FakeExchange() as server:
        async with FuturesUserStream(url=server.url + "/ws/user",
                                     token_provider=lambda: _const("k"),
                                     transport=transport) as stream:
            sub = await stream.subscribe("order", raw=True)
            for text in (b"Invalid method", b"Invalid Parameter"):
                await server.push(text)
            push = b'{"topic":"order","event":"order@k","data":{"s":"btc_usdt"}}'
            await server.push(push)
            assert await sub.get() == push  # the stream goes on
            assert stream.counters.server_texts == 2
            assert stream.counters.connects == 1 and stream.counters.reconnects == 0


async def _const(value: str) -> str:
    return value
