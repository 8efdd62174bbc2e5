"""The transport layer: default and fallback selection, the event loop runner,
bounded messages from hostile servers, and tokens kept out of log lines."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import pickle
import re
import sys
import zlib

import orjson
import pytest

import wexcore
from stream_support import FakeExchange, wait_until
from wexcore import MessageTooBig, StreamClient
from wexcore.stream import _redact
from wexcore.stream.transport import (
    TRANSPORTS,
    available_transports,
    connect,
    default_transport,
    resolve_transport,
)

# ---- choosing a transport ------------------------------------------------------------


@pytest.fixture
def no_picows(monkeypatch):
    """picows as on a platform where it cannot be imported."""
    monkeypatch.setitem(sys.modules, "picows", None)  # import raises ImportError


def test_picows_is_the_default():
    assert default_transport() == "picows"
    assert available_transports() == ["picows", "websockets"]
    assert StreamClient().transport == "picows"
    assert wexcore.LiveBooks(["btc_usdt"]).transport is None  # resolved by its streams


def test_websockets_is_the_fallback_without_picows(no_picows, caplog):
    caplog.set_level(logging.INFO, "wexcore.stream.transport")
    assert available_transports() == ["websockets"]
    assert default_transport() == "websockets"
    assert StreamClient().transport == "websockets"
    assert "picows cannot be imported" in caplog.text


def test_picows_by_name_without_picows_raises(no_picows):
    with pytest.raises(ImportError, match="picows"):
        StreamClient(transport="picows")


def test_unknown_transport_rejected():
    with pytest.raises(ValueError, match="transport must be one of picows, websockets"):
        resolve_transport("aiohttp")
    assert resolve_transport("websockets") == "websockets"
    assert TRANSPORTS == ("picows", "websockets")


async def test_fallback_transport_streams_end_to_end(no_picows):
    async with FakeExchange() as ex, StreamClient(url=ex.url) as stream:
        assert stream.transport == "websockets"
        sub = await stream.subscribe("trade@btc_usdt", raw=True)
        frame = orjson.dumps({"topic": "trade", "event": "trade@btc_usdt", "data": {}})
        await ex.push(frame)
        assert await asyncio.wait_for(sub.get(), 5) == frame


# ---- the event loop ---------------------------------------------------------------------


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_run_uses_uvloop():
    assert wexcore.run(_loop_module()).startswith("uvloop")


def test_run_falls_back_to_asyncio_without_uvloop(monkeypatch):
    monkeypatch.setitem(sys.modules, "uvloop", None)
    assert wexcore.run(_loop_module()).startswith("asyncio")


# ---- hostile servers: bounded messages ---------------------------------------------------

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(payload: bytes, opcode: int = 1, *, fin: bool = True, rsv1: bool = False) -> bytes:
    """An unmasked server frame (RFC 6455 5.2), built here independently."""
    b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    n = len(payload)
    if n < 126:
        head = bytes((b0, n))
    elif n < 65536:
        head = bytes((b0, 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((b0, 127)) + n.to_bytes(8, "big")
    return head + payload


def deflate_messages(*payloads: bytes) -> list[bytes]:
    """RFC 7692 message bodies, one compression context across them."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = []
    for p in payloads:
        data = c.compress(p) + c.flush(zlib.Z_SYNC_FLUSH)
        assert data.endswith(b"\x00\x00\xff\xff")
        out.append(data[:-4])
    return out


class RawServer:
    """Answers the upgrade (with permessage-deflate when ``deflate``), then
    writes ``script`` as is and keeps the connection open until the client
    leaves."""

    def __init__(self, script: bytes, *, deflate: bool = True) -> None:
        self.script = script
        self.deflate = deflate
        self.client_closed = asyncio.Event()

    async def __aenter__(self) -> RawServer:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/public"
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def _handle(self, reader, writer) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            key = re.search(rb"(?i)sec-websocket-key:\s*(\S+)", head).group(1)
            accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
            ext = b"Sec-WebSocket-Extensions: permessage-deflate\r\n" if self.deflate else b""
            writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n"
                         + ext + b"\r\n" + self.script)
            await writer.drain()
            while True:  # the client's frames, until it closes
                b0, b1 = await reader.readexactly(2)
                n = b1 & 0x7F
                if n >= 126:
                    n = int.from_bytes(await reader.readexactly(2 if n == 126 else 8), "big")
                await reader.readexactly(4 + n)  # mask and payload
                if b0 & 0x0F == 8:
                    writer.write(frame(b"\x03\xe8", 8))
                    await writer.drain()
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.client_closed.set()
            writer.close()


async def _receive(url: str, transport: str, max_size: int) -> tuple[list[bytes], object]:
    got: list[bytes] = []
    conn = await connect(url, lambda m, _ns: got.append(m), transport=transport,
                         compression=True, max_size=max_size)
    try:
        cause = await asyncio.wait_for(conn.closed, 5)
    finally:
        await conn.close()
    return got, cause


LIMIT = 64 * 1024


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_deflate_bomb_closes_the_connection(transport):
    # 1 MB of zeros deflates to about a kilobyte: a frame well inside any
    # frame limit that would inflate to 16x the message limit
    ok, bomb = deflate_messages(b'{"ok":1}', b"\x00" * (1 << 20))
    script = frame(ok, rsv1=True) + frame(bomb, rsv1=True) + frame(b'{"after":1}')
    async with RawServer(script) as srv:
        got, cause = await _receive(srv.url, transport, LIMIT)
    assert got == [b'{"ok":1}'], "nothing of or after the oversized message is delivered"
    assert cause is not None
    if transport == "picows":
        assert isinstance(cause, MessageTooBig)
        assert cause.limit == LIMIT and cause.size > LIMIT and cause.field == "max_size"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_fragments_adding_up_past_max_size_close_the_connection(transport):
    part = b"x" * (LIMIT // 2)
    script = (frame(b'{"ok":1}') + frame(part, fin=False) + frame(part, 0, fin=False)
              + frame(b"xx", 0))
    async with RawServer(script, deflate=False) as srv:
        got, cause = await _receive(srv.url, transport, LIMIT)
    assert got == [b'{"ok":1}']
    assert cause is not None
    if transport == "picows":
        assert isinstance(cause, MessageTooBig) and cause.size > LIMIT


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_messages_up_to_max_size_pass_compressed_and_fragmented(transport):
    exact = b"y" * LIMIT
    payloads = [b'{"a":1}', exact, b'{"a":1}' * 50, b'{"b":2}']
    c = deflate_messages(*payloads)
    # the third message: compressed and split in three fragments
    third = c[2]
    script = (frame(c[0], rsv1=True) + frame(c[1], rsv1=True)
              + frame(third[:5], rsv1=True, fin=False) + frame(third[5:9], 0, fin=False)
              + frame(third[9:], 0) + frame(c[3], rsv1=True) + frame(b"\x03\xe8", 8))
    async with RawServer(script) as srv:
        got, _cause = await _receive(srv.url, transport, LIMIT)
    assert got == payloads


def test_message_too_big_pickles():
    exc = pickle.loads(pickle.dumps(MessageTooBig(70_000, LIMIT)))
    assert isinstance(exc, wexcore.DecodeError) and isinstance(exc, wexcore.WexError)
    assert (exc.size, exc.limit) == (70_000, LIMIT)
    assert "max_size=65536" in str(exc)


async def test_max_size_must_be_positive():
    with pytest.raises(ValueError, match="max_size"):
        await connect("ws://127.0.0.1:9/public", lambda m, t: None, max_size=0)


# ---- tokens never reach a log line -------------------------------------------------------

TOKEN = "q3Zk9xTfLm2Wv8RbNc4Hs7YjPd1Ga6Eu"  # a made-up ws token, 32 characters


def test_redact_masks_registered_secrets_and_listen_key_fields():
    _redact.add_secret(TOKEN)
    _redact.add_secret("short")  # too short to be a token: left alone
    assert _redact.redact(f"key={TOKEN}; order@{TOKEN}") == "key=***; order@***"
    # a field cut by a library's elision still loses its value
    assert _redact.redact('{"listenKey":"abcdefgh') == '{"listenKey":"***'
    assert _redact.redact('{"listenKey": "zz", "id": 1}') == '{"listenKey": "***", "id": 1}'
    assert _redact.redact("short and sweet") == "short and sweet"


def _fragments(token: str, n: int = 6) -> list[str]:
    return [token[i:i + n] for i in range(len(token) - n + 1)]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("listen_key_in", ["field", "topic"])
async def test_no_log_line_carries_any_piece_of_the_token(transport, listen_key_in, caplog):
    caplog.set_level(1)  # everything, picows' own below-DEBUG level included

    async def provider() -> str:
        return TOKEN

    async with FakeExchange() as ex, StreamClient(
        "spot", "private", url=ex.url + "/private", transport=transport,
        token_provider=provider, listen_key_in=listen_key_in,
    ) as stream:
        await stream.subscribe("order")
        sent = ex.requests[-1]
        assert TOKEN in orjson.dumps(sent).decode()  # the key did travel
        # a server error that echoes the key back
        await ex.push(orjson.dumps({"code": 401, "msg": f"token expire: {TOKEN}"}))
        await wait_until(lambda: "listen key rejected" in caplog.text, 5.0)
    # the client's lines (the test server's own logger is not wexcore's business)
    lines = [r.getMessage() for r in caplog.records if not r.name.startswith("websockets.server")]
    leaked = [ln for ln in lines if any(f in ln for f in _fragments(TOKEN))]
    assert not leaked, leaked
    assert any("***" in ln for ln in lines), "the frames and the rejection were logged, masked"


# ---- coalesced reads -----------------------------------------------------------------------


async def test_coalesce_holds_reading_after_a_read_then_resumes():
    payloads = [b'{"n":%d}' % i for i in range(3)]
    async with FakeExchange() as ex:
        got: list[bytes] = []
        conn = await connect(ex.url + "/public", lambda m, _ns: got.append(m),
                             transport="picows", compression=False, coalesce=0.2)
        try:
            reader = conn._transport.underlying_transport
            await ex.push(payloads[0])
            await wait_until(lambda: len(got) == 1, 5.0)
            assert conn._holding and not reader.is_reading(), "reading held after the read"
            for p in payloads[1:]:
                await ex.push(p)  # these wait in the socket for the release
            await wait_until(lambda: reader.is_reading(), 5.0, "released after coalesce")
            await wait_until(lambda: len(got) == 3, 5.0)
            assert got == payloads
            # the driver's own pause (backpressure) outlives a hold's release
            conn._holding = False
            conn._hold()
            conn.pause_reading()
            conn._release()
            assert not reader.is_reading()
            conn.resume_reading()
            assert reader.is_reading()
        finally:
            await conn.close()


async def test_coalesce_on_a_live_stream_loses_nothing_and_keeps_backpressure():
    # the block policy pauses reading while coalescing holds it too
    async with FakeExchange() as ex, StreamClient(url=ex.url, coalesce=0.002) as stream:
        assert stream.transport == "picows"
        sub = await stream.subscribe("trade@btc_usdt", raw=True, queue_size=4, overflow="block")
        sent = [orjson.dumps({"topic": "trade", "event": "trade@btc_usdt", "data": {"i": i}})
                for i in range(40)]
        pushing = asyncio.gather(*(ex.push(f) for f in sent))
        got = [await asyncio.wait_for(sub.get(), 5) for _ in sent]
        await pushing
        assert got == sent


async def test_coalesce_is_ignored_with_a_warning_on_websockets(caplog):
    async with FakeExchange() as ex:
        conn = await connect(ex.url + "/public", lambda m, t: None, transport="websockets",
                             coalesce=0.001)
        await conn.close()
    assert "not supported by the websockets transport" in caplog.text


async def test_negative_coalesce_rejected():
    with pytest.raises(ValueError, match="coalesce"):
        StreamClient(coalesce=-1)
    with pytest.raises(ValueError, match="coalesce"):
        await connect("ws://127.0.0.1:9/public", lambda m, t: None, coalesce=float("nan"))


# ---- starting under REST 5xx ---------------------------------------------------------------
# The symbol precision and the first token go through the REST clients' one
# request plan: retried (bounded) on 5xx and dropped requests, never on a 4xx.


def _symbol_http(statuses: list[int]):
    import httpx

    calls = []

    def handler(request):
        calls.append(request.url.path)
        status = statuses[len(calls) - 1] if len(calls) <= len(statuses) else 200
        if status != 200:
            return httpx.Response(status, text="nope")
        return httpx.Response(200, json={"rc": 0, "mc": "SUCCESS", "ma": [], "result": {
            "symbols": [{"symbol": "btc_usdt", "pricePrecision": 2, "quantityPrecision": 4}]}})

    return httpx.AsyncClient(transport=httpx.MockTransport(handler)), calls


async def _snapshot(symbol: str, product: str) -> bytes:
    return orjson.dumps({"rc": 0, "mc": "SUCCESS", "ma": [], "result": {
        "timestamp": 0, "lastUpdateId": 1, "bids": [["1.00", "1.0000"]],
        "asks": [["2.00", "1.0000"]]}})


async def test_live_book_retries_the_symbol_precision_on_5xx():
    http, calls = _symbol_http([502, 503])
    async with FakeExchange() as ex, wexcore.LiveBook(
            "btc_usdt", ws_url=ex.url, rest_url="http://rest.invalid", http=http,
            snapshot_fetcher=_snapshot) as book:
        await book.wait_synced(5)
        assert (book.price_precision, book.quantity_precision) == (2, 4)
    assert calls == ["/v4/public/symbol"] * 3
    await http.aclose()


async def test_live_book_does_not_retry_a_refused_symbol_request():
    http, calls = _symbol_http([400])
    async with FakeExchange() as ex:
        book = wexcore.LiveBook("btc_usdt", ws_url=ex.url, rest_url="http://rest.invalid",
                                http=http, snapshot_fetcher=_snapshot)
        with pytest.raises(wexcore.WexAPIError, match="HTTP 400"):
            await book.start()
    assert len(calls) == 1
    await http.aclose()


async def test_private_stream_refused_token_fails_start_without_connecting():
    # 5xx answers to the token call are retried by the REST request plan
    # (tests/test_rest_stream_startup.py); a refusal ends start() at once
    async def refused() -> str:
        raise wexcore.AuthenticationError("ws-token: HTTP 401", http_status=401)

    async with FakeExchange() as ex:
        stream = StreamClient("spot", "private", url=ex.url + "/private", token_provider=refused)
        with pytest.raises(wexcore.AuthenticationError):
            await stream.start()
        assert ex.connections == 0
