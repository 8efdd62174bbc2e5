"""Thin WebSocket transport adapters: ``picows`` (default) and ``websockets``.

Each adapter opens one connection and hands every received message, as
``bytes``, to a synchronous ``on_message(frame, received_ns)`` callback; the
stream core does the rest. They differ only in cost. picows (a Cython
client, a core dependency) is the default; ``websockets`` stays selectable
and is what :func:`default_transport` falls back to where picows cannot be
imported (a platform without its wheel, a broken build).

Measured here with frames arriving one per write at 10,000 a second, into
live books (``bench/bench_stream.py``, CPU time of the client process per
message, medians over three runs): websockets on asyncio's default loop
25-31 µs, picows 16-17 µs, picows on uvloop 12-14 µs (permessage-deflate
on, as the spec asks); a bare ``recv`` loop that does nothing with the
bytes costs ~6 µs here, the price of waking up once per frame. Opt-in
coalesced reads (``coalesce=``) trade up to that much latency for fewer
wake-ups. See docs/streams.md.

permessage-deflate (the spec's ``Sec-WebSocket-Extensions`` request header)
is on by default. ``websockets`` implements it; ``picows`` does not, so the
picows adapter negotiates the extension itself and inflates compressed
messages with :mod:`zlib` (client-to-server messages are sent uncompressed,
which the extension allows), never to more than ``max_size`` bytes. It
costs about 2 µs per message at paced rates: on loopback or a fat link,
``compression=False`` is cheaper; over the internet the smaller frames
usually win.

Tokens and listen keys never reach a log line: the libraries log through
:class:`~wexcore.stream._redact.RedactingLogger` (see that module).
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from wexcore.errors import DecodeError
from wexcore.stream._redact import RedactingLogger

__all__ = [
    "Connection",
    "MessageTooBig",
    "TRANSPORTS",
    "available_transports",
    "connect",
    "default_transport",
    "resolve_transport",
    "run",
]

log = logging.getLogger("wexcore.stream.transport")

OnMessage = Callable[[bytes, int], None]
T = TypeVar("T")

#: every transport name, the default's first when it can be imported
TRANSPORTS = ("picows", "websockets")

#: the largest message (after inflating) a connection accepts by default
DEFAULT_MAX_SIZE = 16 * 1024 * 1024

_DEFLATE_OFFER = "permessage-deflate; client_max_window_bits"
_DEFLATE_TAIL = b"\x00\x00\xff\xff"  # RFC 7692 7.2.2: removed by the sender


class MessageTooBig(DecodeError):
    """A message larger than the connection's ``max_size`` (after inflating).

    The connection is closed with code 1009; the client reconnects.

    Attributes:
        size: bytes seen when the limit was crossed (a lower bound).
        limit: the ``max_size`` in force.
    """

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"message of at least {size} bytes exceeds max_size={limit}",
                         field="max_size")
        self.size = size
        self.limit = limit

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.size, self.limit))


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
    max_size: int, coalesce: float,
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
        # frames are logged at DEBUG: through the adapter, never with a key
        logger=RedactingLogger(logging.getLogger("websockets.client")),
    )
    if coalesce > 0:
        log.warning("coalesce=%s is not supported by the websockets transport; reads are "
                    "not held", coalesce)
    return _WebsocketsConnection(ws, on_message)


# --------------------------------------------------------------------------
# picows


def _picows_listener_class() -> type:
    import picows

    TEXT = picows.WSMsgType.TEXT
    BINARY = picows.WSMsgType.BINARY
    CONT = picows.WSMsgType.CONTINUATION
    CLOSE = picows.WSMsgType.CLOSE
    TOO_BIG = picows.WSCloseCode.MESSAGE_TOO_BIG
    ProtocolError = picows.WSProtocolError
    clock = time.time_ns

    class Listener(picows.WSListener):
        """Per connection: reassembles fragments, inflates, hands on bytes.

        ``max_size`` bounds a message's wire bytes across its fragments
        (picows bounds each frame only) and its inflated size.
        """

        conn: _PicowsConnection | None

        def __init__(self, on_message: OnMessage, max_size: int, inflater: Any) -> None:
            # everything set here, before the first frame: frames that come
            # in the same read as the upgrade response are handed over before
            # ws_connect returns
            self.on_message = on_message
            self.max_size = max_size
            self.inflater = inflater
            self.conn = None
            self.cause: BaseException | None = None
            # set when reads are coalesced: called after a read's last frame
            self.hold: Callable[[], None] | None = None
            self._parts: list[bytes] = []
            self._size = 0
            self._compressed = False

        def on_ws_connected(self, transport: Any) -> None:
            pass

        def on_ws_frame(self, transport: Any, frame: Any) -> None:
            if self.cause is not None:
                return  # closing: picows may still hand over what it read
            mt = frame.msg_type
            if mt == TEXT or mt == BINARY:
                if frame.fin:
                    # the usual case, one frame per message: no reassembly
                    payload = frame.get_payload_as_bytes()
                    if frame.rsv1:
                        payload = self._inflate(payload)
                    self.on_message(payload, clock())
                else:
                    self._compressed = bool(frame.rsv1)
                    self._parts = []
                    self._size = 0
                    self._add(frame)
            elif mt == CONT:
                self._add(frame)
                if frame.fin:
                    payload = b"".join(self._parts)
                    self._parts = []
                    if self._compressed:
                        payload = self._inflate(payload)
                    self.on_message(payload, clock())
            elif mt == CLOSE:
                transport.send_close(frame.get_close_code())
                transport.disconnect()
                return
            # PING is answered by picows (auto-pong); PONG needs nothing
            if self.hold is not None and frame.last_in_buffer:
                self.hold()

        def _add(self, frame: Any) -> None:
            self._size += frame.payload_size
            if self._size > self.max_size:
                self._too_big(self._size)
            self._parts.append(frame.get_payload_as_bytes())

        def _inflate(self, data: bytes) -> bytes:
            if self.inflater is None:
                raise ProtocolError(1002, "compressed frame without negotiated permessage-deflate")
            # never more than max_size + 1 bytes out, whatever the ratio
            out: bytes = self.inflater.decompress(data + _DEFLATE_TAIL, self.max_size + 1)
            if len(out) > self.max_size:
                self._too_big(len(out))
            return out

        def _too_big(self, size: int) -> None:
            exc = MessageTooBig(size, self.max_size)
            self._closed(exc)
            # picows answers this with a close frame (1009) and disconnects
            raise ProtocolError(TOO_BIG, str(exc))

        def _closed(self, cause: BaseException) -> None:
            if self.cause is None:
                self.cause = cause
            if self.conn is not None and not self.conn.closed.done():
                self.conn.closed.set_result(self.cause)

        def on_ws_disconnected(self, transport: Any) -> None:
            self._closed(ConnectionError("disconnected"))

    return Listener


_LISTENER: type | None = None


def _flag(obj: Any, name: str) -> bool:
    # a property in picows 2, a method in some 1.x releases
    value = getattr(obj, name, False)
    return bool(value() if callable(value) else value)


class _PicowsConnection(Connection):
    def __init__(self, transport: Any, listener: Any, coalesce: float = 0.0) -> None:
        import picows

        self._transport = transport
        self._listener = listener
        self._TEXT = picows.WSMsgType.TEXT
        self._loop = asyncio.get_running_loop()
        self.closed = self._loop.create_future()
        self.compression = listener.inflater is not None
        self._coalesce = coalesce
        self._holding = False  # reading held to coalesce the next frames
        self._client_paused = False  # reading paused by the driver (backpressure)
        listener.conn = self
        if coalesce > 0:
            listener.hold = self._hold
        if _flag(transport, "is_disconnected"):
            self.closed.set_result(listener.cause or ConnectionError("disconnected"))

    def _hold(self) -> None:
        # after a read: stop reading for `coalesce` seconds, so that frames
        # arriving meanwhile wait in the socket and come in one read, one
        # wake-up. A frame after a quiet spell is still handed over at once.
        if self._holding or self.closed.done():
            return
        self._holding = True
        self._transport.underlying_transport.pause_reading()
        self._loop.call_later(self._coalesce, self._release)

    def _release(self) -> None:
        self._holding = False
        if not self._client_paused and not self.closed.done():
            self._transport.underlying_transport.resume_reading()

    async def send_text(self, data: bytes | str) -> None:
        # picows drops a message sent after the close silently; the driver
        # must learn that the connection is gone, as with websockets
        if self.closed.done() or _flag(self._transport, "is_close_frame_sent"):
            raise ConnectionError("connection closed")
        if isinstance(data, str):
            data = data.encode()
        self._transport.send(self._TEXT, data)

    def pause_reading(self) -> None:
        self._client_paused = True
        self._transport.underlying_transport.pause_reading()

    def resume_reading(self) -> None:
        self._client_paused = False
        if not self._holding:
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


def _parse_deflate_response(header: str | None) -> dict[str, str] | None:
    for offer in (header or "").split(","):
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
    max_size: int, coalesce: float,
) -> Connection:
    global _LISTENER
    import picows

    if _LISTENER is None:
        _LISTENER = _picows_listener_class()
    listener_class = _LISTENER

    def make_listener(request: Any, response: Any) -> Any:
        inflater = None
        if compression:
            params = _parse_deflate_response(_header(response.headers,
                                                     "sec-websocket-extensions"))
            if params is not None:
                bits = int(params.get("server_max_window_bits") or 15)
                # With server_no_context_takeover every message is
                # independent; otherwise one inflater must live across
                # messages. The shared one works for both.
                inflater = zlib.decompressobj(-bits)
        return listener_class(on_message, max_size, inflater)

    headers = {"Sec-WebSocket-Extensions": _DEFLATE_OFFER} if compression else None
    transport, listener = await asyncio.wait_for(
        picows.ws_connect(
            make_listener,
            url,
            extra_headers=headers,
            websocket_handshake_timeout=open_timeout,
            max_frame_size=max_size,
            enable_auto_pong=True,
            logger_name=RedactingLogger(logging.getLogger("picows.client")),
        ),
        open_timeout,
    )
    return _PicowsConnection(transport, listener, coalesce)


def _header(headers: Any, name: str) -> str | None:
    for k in headers:
        if k.lower() == name:
            return str(headers[k])
    return None


# --------------------------------------------------------------------------
# choosing


def _picows_importable() -> bool:
    try:
        import picows  # noqa: F401
    except ImportError:
        return False
    return True


def available_transports() -> list[str]:
    """Names of the transports that can be used here, the default first."""
    return [t for t in TRANSPORTS if t != "picows" or _picows_importable()]


def default_transport() -> str:
    """``"picows"``, or ``"websockets"`` where picows cannot be imported."""
    return available_transports()[0]


def resolve_transport(transport: str | None) -> str:
    """The transport to use for ``transport`` (``None``: the default).

    Raises:
        ValueError: an unknown name.
        ImportError: ``"picows"`` asked for by name where it cannot be imported.
    """
    if transport is None:
        name = default_transport()
        if name != TRANSPORTS[0]:
            log.info("picows cannot be imported here; using the websockets transport")
        return name
    if transport not in TRANSPORTS:
        raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)} (or None for the "
                         f"default), not {transport!r}")
    if transport == "picows" and not _picows_importable():
        raise ImportError("transport='picows' cannot be imported here: pip install picows, "
                          "or use transport='websockets'")
    return transport


async def connect(
    url: str,
    on_message: OnMessage,
    *,
    transport: str | None = None,
    compression: bool = True,
    open_timeout: float = 10.0,
    max_size: int = DEFAULT_MAX_SIZE,
    coalesce: float = 0.0,
) -> Connection:
    """Open a connection with the named transport (``None``: :func:`default_transport`).

    ``max_size`` bounds every received message, after inflating: a larger
    one closes the connection with code 1009 (:class:`MessageTooBig` on
    picows, the library's ``ConnectionClosedError`` on websockets).

    ``coalesce`` (seconds, picows only; default 0: off): after each read,
    stop reading for that long, so that frames arriving meanwhile are read
    together with one wake-up. Less CPU per message at high paced rates, for
    up to ``coalesce`` of added latency on frames that follow another within
    that time (a frame after a quiet spell is not delayed).
    """
    name = resolve_transport(transport)
    if max_size < 1:
        raise ValueError(f"max_size must be positive, not {max_size}")
    if not coalesce >= 0:
        raise ValueError(f"coalesce must be >= 0 seconds, not {coalesce}")
    dial = _connect_picows if name == "picows" else _connect_websockets
    return await dial(url, on_message, compression=compression, open_timeout=open_timeout,
                      max_size=max_size, coalesce=coalesce)


# --------------------------------------------------------------------------
# event loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on uvloop where it is installed (a core
    dependency except on Windows), else with :func:`asyncio.run`.

    A frame that arrives alone wakes the event loop once; on uvloop the
    picows path costs 20-35 % less CPU per such frame than on asyncio's own
    loop (docs/streams.md, "CPU per message"). The ``wexcore`` commands run
    this way; programs may too, or choose their own loop: every transport
    works on any.
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
