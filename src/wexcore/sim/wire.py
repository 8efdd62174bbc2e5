"""WebSocket frames written straight to the connection, batched per connection.

aiohttp does the handshake and reads client frames; every frame the
simulator sends goes through :class:`Conn` instead of ``ws.send_str``:

- A :class:`Frame` is encoded once (JSON payload and the complete unmasked
  server frame) and the same bytes go to every subscriber.
- Frames for one connection are collected during a pass of the fan-out and
  written with one ``transport.write`` (:meth:`Conn.flush`), so a tick that
  produces thousands of frames makes one system call per connection, not one
  coroutine per frame.
- A connection that negotiated permessage-deflate gets every data frame
  compressed with its own compressor (RFC 7692, with or without context
  takeover as negotiated); its compressed frames cannot be shared. Because
  all of a connection's frames come from here, one compressor sees them all
  and the client's inflater stays in step.
- Flow control: while a connection's unsent data exceeds :data:`HIGH_WATER`
  the market loop does not produce (a load test gets what its consumer can
  take, not a growing buffer); a client that stays that far behind for
  several seconds is cut off so it cannot stall the others (see
  :meth:`~wexcore.sim.streams.StreamHub.backlogged`).

Writes are synchronous and happen in program order on the event loop
thread, so a subscription's reply is always on the wire before the first
frame of that subscription.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

import orjson

HIGH_WATER = 4 * 1024 * 1024
_H2 = struct.Struct("!BB")
_H4 = struct.Struct("!BBH")
_H10 = struct.Struct("!BBQ")
_TAIL = b"\x00\x00\xff\xff"


def ws_frame(payload: bytes, first: int = 0x81) -> bytes:
    """One unmasked server frame: FIN + opcode (text by default), then the length."""
    n = len(payload)
    if n < 126:
        return _H2.pack(first, n) + payload
    if n < 65536:
        return _H4.pack(first, 126, n) + payload
    return _H10.pack(first, 127, n) + payload


class Frame:
    """A message encoded once for every subscriber."""

    __slots__ = ("payload", "raw")

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.raw = ws_frame(payload)

    @classmethod
    def of(cls, obj: Any) -> Frame:
        return cls(orjson.dumps(obj))

    @classmethod
    def push(cls, topic: str, event: str, data: Any) -> Frame:
        return cls(orjson.dumps({"topic": topic, "event": event, "data": data}))


@dataclass(eq=False)
class Conn:
    ws: Any  # aiohttp WebSocketResponse
    request: Any
    product: str  # "spot" or "futures"
    private: bool
    subs: set[str] = field(default_factory=set)
    account: Any = None
    token: str | None = None
    held: dict[str, Frame] = field(default_factory=dict)  # reorder fault: symbol -> frame
    closed: bool = False
    out: list[bytes] = field(default_factory=list)
    deflate: Any = None  # zlib compressor when permessage-deflate was negotiated
    wbits: int = 0
    notakeover: bool = False
    sent: int = 0  # frames written
    behind_since: float | None = None  # backlogged since (loop time)

    def start(self) -> None:
        """Pick up the negotiated compression after the handshake."""
        bits = int(self.ws.compress or 0)
        if bits:
            self.wbits = bits
            writer = getattr(self.ws, "_writer", None)
            self.notakeover = bool(getattr(writer, "notakeover", False))
            self.deflate = zlib.compressobj(zlib.Z_BEST_SPEED, zlib.DEFLATED, -bits)

    def _compressed(self, payload: bytes) -> bytes:
        if self.notakeover:
            c = zlib.compressobj(zlib.Z_BEST_SPEED, zlib.DEFLATED, -self.wbits)
        else:
            c = self.deflate
        data = c.compress(payload) + c.flush(zlib.Z_SYNC_FLUSH)
        if data.endswith(_TAIL):
            data = data[:-4]
        return ws_frame(data, 0xC1)  # FIN + RSV1 (compressed) + text

    def put(self, frame: Frame) -> None:
        if self.closed:
            return
        self.out.append(frame.raw if self.deflate is None else self._compressed(frame.payload))

    def send(self, frame: Frame) -> bool:
        """Queue and write at once (control replies). False if the peer is gone."""
        self.put(frame)
        return self.flush()

    def flush(self) -> bool:
        """Write what is queued in one call; False if the connection is unusable."""
        out = self.out
        if not out:
            return not self.closed
        transport = self.request.transport
        if self.closed or transport is None or transport.is_closing():
            out.clear()
            self.closed = True
            return False
        transport.write(out[0] if len(out) == 1 else b"".join(out))
        self.sent += len(out)
        out.clear()
        return True

    def backlogged(self) -> bool:
        transport = self.request.transport
        return transport is not None and transport.get_write_buffer_size() > HIGH_WATER

    def abort(self) -> None:
        """Drop the TCP connection without a close frame."""
        self.closed = True
        self.out.clear()
        transport = self.request.transport
        if transport is not None:
            transport.abort()
