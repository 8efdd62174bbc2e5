"""Thin WebSocket transport adapters: ``websockets`` (default) and ``picows``.

Each adapter opens one connection and hands every received message, as
``bytes``, to a synchronous ``on_message(frame, received_ns)`` callback; the
stream core does the rest. They differ only in cost: measured on loopback,
``websockets`` spends about 7 µs per received message, ``picows`` (a Cython
client, ``pip install wexcore[fast]``) about 1.5 µs.

permessage-deflate (the spec's ``Sec-WebSocket-Extensions`` request header)
is on by default. ``websockets`` implements it; ``picows`` does not, so the
picows adapter negotiates the extension itself and inflates compressed
messages with :mod:`zlib` (client-to-server messages are sent uncompressed,
which the extension allows). Inflating costs about 4 µs per message here:
on loopback or a fat link, ``compression=False`` is faster; over the
internet the smaller frames usually win.
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections.abc import Callable
from typing import Any

__all__ = ["Connection", "connect", "available_transports"]

log = logging.getLogger("wexcore.stream.transport")

OnMessage = Callable[[bytes, int], None]

_DEFLATE_OFFER = "permessage-deflate; client_max_window_bits"


class Connection:
    """One open WebSocket connection, whatever the library.

    Attributes:
        closed: a future resolved (with the cause, or None) when the
            connection has ended, from either side.
        compression: whether permessage-deflate was negotiated.
    """

    closed: asyncio.Future[BaseException | None]
    compression: bool = False

    async def send_text(self, data: bytes | str) -> None:
        raise NotImplementedError

    def pause_reading(self) -> None:
        raise NotImplementedError

    def resume_reading(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        """Drop the connection at once (a dead heartbeat); no close handshake."""
        raise NotImplementedError


# --------------------------------------------------------------------------
# websockets


class _WebsocketsConnection(Connection):
    def __init__(self, ws: Any, on_message: OnMessage) -> None:
        self._ws = ws
        self._on_message = on_message
        loop = asyncio.get_running_loop()
        self.closed = loop.create_future()
        self._resume = asyncio.Event()
        self._resume.set()
        ext = [type(e).__name__ for e in getattr(ws.protocol, "extensions", [])]
        self.compression = any("Deflate" in n for n in ext)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        recv = self._ws.recv
        on_message = self._on_message
        clock = time.time_ns
        resume = self._resume
        cause: BaseException | None = None
        try:
            while True:
                if not resume.is_set():
                    await resume.wait()
                frame = await recv(decode=False)
                on_message(frame, clock())
        except asyncio.CancelledError:
            cause = None
        except Exception as exc:  # noqa: BLE001 - the cause is reported, not swallowed
            cause = exc
        if not self.closed.done():
            self.closed.set_result(cause)

    async def send_text(self, data: bytes | str) -> None:
        await self._ws.send(data, text=True)

    def pause_reading(self) -> None:
        self._resume.clear()

    def resume_reading(self) -> None:
        self._resume.set()

    async def close(self) -> None:
        self._reader.cancel()
        try:
            await asyncio.wait_for(self._ws.close(), 2.0)
        except (TimeoutError, Exception):  # noqa: BLE001
            pass
        if not self.closed.done():
            self.closed.set_result(None)

    def abort(self) -> None:
        transport = getattr(self._ws, "transport", None)
        if transport is not None:
            transport.abort()
        self._reader.cancel()
        if not self.closed.done():
            self.closed.set_result(ConnectionError("aborted"))


async def _connect_websockets(
    url: str, on_message: OnMessage, *, compression: bool, open_timeout: float,
    max_size: int,
) -> Connection:
    from websockets.asyncio.client import connect as ws_connect

    ws = await ws_connect(
        url,
        compression="deflate" if compression else None,
        open_timeout=open_timeout,
        # WEX uses text "ping"/"pong" for liveness; the core runs that
        # heartbeat, so the library's own control-frame pings are off.
        ping_interval=None,
        max_size=max_size,
        # websockets' queue is in messages; the core's queues are the real bound
        max_queue=64,
        proxy=None,
    )
    return _WebsocketsConnection(ws, on_message)


# --------------------------------------------------------------------------
# picows


def _picows_listener_class() -> type:
    import picows

    TEXT = picows.WSMsgType.TEXT
    BINARY = picows.WSMsgType.BINARY
    CONT = picows.WSMsgType.CONTINUATION
    CLOSE = picows.WSMsgType.CLOSE
    PING = picows.WSMsgType.PING

    class Listener(picows.WSListener):
        on_message: OnMessage
        inflater: Any
        conn: _PicowsConnection

        def __init__(self) -> None:
            self.inflater = None
            self._parts: list[bytes] = []
            self._compressed = False

        def on_ws_connected(self, transport: Any) -> None:
            pass

        def on_ws_frame(self, transport: Any, frame: Any) -> None:
            mt = frame.msg_type
            if mt == TEXT or mt == BINARY:
                if frame.fin and not frame.rsv1:
                    self.on_message(frame.get_payload_as_bytes(), time.time_ns())
                    return
                self._compressed = bool(frame.rsv1)
                self._parts = [frame.get_payload_as_bytes()]
                if frame.fin:
                    self._finish()
            elif mt == CONT:
                self._parts.append(frame.get_payload_as_bytes())
                if frame.fin:
                    self._finish()
            elif mt == CLOSE:
                transport.send_close(frame.get_close_code())
                transport.disconnect()
            elif mt == PING:
                pass  # auto-pong is on

        def _finish(self) -> None:
            payload = b"".join(self._parts)
            self._parts = []
            if self._compressed:
                if self.inflater is None:
                    raise ConnectionError("compressed frame without negotiated permessage-deflate")
                payload = self.inflater.decompress(payload + b"\x00\x00\xff\xff")
            self.on_message(payload, time.time_ns())

        def on_ws_disconnected(self, transport: Any) -> None:
            conn = getattr(self, "conn", None)
            if conn is not None and not conn.closed.done():
                conn.closed.set_result(ConnectionError("disconnected"))

    return Listener


_LISTENER: type | None = None


def _flag(obj: Any, name: str) -> bool:
    # a property in picows 2, a method in some 1.x releases
    value = getattr(obj, name, False)
    return bool(value() if callable(value) else value)


class _PicowsConnection(Connection):
    def __init__(self, transport: Any, listener: Any) -> None:
        import picows

        self._transport = transport
        self._listener = listener
        self._TEXT = picows.WSMsgType.TEXT
        self.closed = asyncio.get_running_loop().create_future()
        listener.conn = self
        if _flag(transport, "is_disconnected"):
            self.closed.set_result(ConnectionError("disconnected"))

    async def send_text(self, data: bytes | str) -> None:
        # picows drops a message sent after the close silently; the driver
        # must learn that the connection is gone, as with websockets
        if self.closed.done() or _flag(self._transport, "is_close_frame_sent"):
            raise ConnectionError("connection closed")
        if isinstance(data, str):
            data = data.encode()
        self._transport.send(self._TEXT, data)

    def pause_reading(self) -> None:
        self._transport.underlying_transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.underlying_transport.resume_reading()

    async def close(self) -> None:
        try:
            self._transport.send_close()
        except Exception:  # noqa: BLE001
            pass
        self._transport.disconnect()
        try:
            await asyncio.wait_for(self._transport.wait_disconnected(), 2.0)
        except (TimeoutError, Exception):  # noqa: BLE001
            pass
        if not self.closed.done():
            self.closed.set_result(None)

    def abort(self) -> None:
        self._transport.underlying_transport.abort()
        if not self.closed.done():
            self.closed.set_result(ConnectionError("aborted"))


def _parse_deflate_response(header: str) -> dict[str, str] | None:
    for offer in header.split(","):
        parts = [p.strip() for p in offer.split(";")]
        if parts[0].lower() == "permessage-deflate":
            params = {}
            for p in parts[1:]:
                k, _, v = p.partition("=")
                params[k.strip().lower()] = v.strip().strip('"')
            return params
    return None


async def _connect_picows(
    url: str, on_message: OnMessage, *, compression: bool, open_timeout: float,
    max_size: int,
) -> Connection:
    global _LISTENER
    import picows

    if _LISTENER is None:
        _LISTENER = _picows_listener_class()
    headers = {"Sec-WebSocket-Extensions": _DEFLATE_OFFER} if compression else None
    transport, listener_ = await asyncio.wait_for(
        picows.ws_connect(
            _LISTENER,
            url,
            extra_headers=headers,
            websocket_handshake_timeout=open_timeout,
            max_frame_size=max_size,
            enable_auto_pong=True,
        ),
        open_timeout,
    )
    listener: Any = listener_
    listener.on_message = on_message
    conn = _PicowsConnection(transport, listener)
    if compression:
        resp_headers = transport.response.headers
        value = None
        for k in resp_headers:
            if k.lower() == "sec-websocket-extensions":
                value = resp_headers[k]
        params = _parse_deflate_response(value) if value else None
        if params is not None:
            bits = int(params.get("server_max_window_bits") or 15)
            # With server_no_context_takeover every message is independent;
            # otherwise one inflater must live across messages. A fresh
            # decompressobj per message would break the latter, the shared one
            # works for both.
            listener.inflater = zlib.decompressobj(-bits)
            conn.compression = True
    return conn


# --------------------------------------------------------------------------


def available_transports() -> list[str]:
    """Names of the transports that can be used here."""
    out = ["websockets"]
    try:
        import picows  # noqa: F401
    except ImportError:
        return out
    out.append("picows")
    return out


async def connect(
    url: str,
    on_message: OnMessage,
    *,
    transport: str = "websockets",
    compression: bool = True,
    open_timeout: float = 10.0,
    max_size: int = 16 * 1024 * 1024,
) -> Connection:
    """Open a connection with the named transport (``websockets`` or ``picows``)."""
    if transport == "websockets":
        return await _connect_websockets(
            url, on_message, compression=compression, open_timeout=open_timeout,
            max_size=max_size,
        )
    if transport == "picows":
        try:
            import picows  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                "transport='picows' needs the optional extra: pip install 'wexcore[fast]'"
            ) from exc
        return await _connect_picows(
            url, on_message, compression=compression, open_timeout=open_timeout,
            max_size=max_size,
        )
    raise ValueError(f"transport must be 'websockets' or 'picows', not {transport!r}")
