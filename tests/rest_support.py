"""A scripted HTTP/1.1 server for the REST tests (127.0.0.1, free port, threads that stop).

``Scripted(answer)`` calls ``answer(method, target, headers, body)`` for every request
(``target`` is the path with its query) and sends back what it returns: ``(status,
body_bytes)`` or ``(status, body_bytes, headers)``. The server keeps connections alive and
records every request. ``FlakyFront(upstream, fail)`` is a Scripted server that forwards
to ``upstream`` except for the request numbers ``fail(n)`` picks, which get a 502.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import orjson

Answer = tuple[int, bytes] | tuple[int, bytes, dict[str, str]]


def spot_ok(result: Any) -> bytes:
    return orjson.dumps({"rc": 0, "mc": "SUCCESS", "ma": [], "result": result})


def fut_ok(result: Any) -> bytes:
    return orjson.dumps({"returnCode": 0, "msgInfo": "success", "error": None, "result": result})


def spot_err(code: str) -> bytes:
    return orjson.dumps({"rc": 1, "mc": code, "ma": [], "result": None})


def fut_err(code: str | None, msg: str = "", info: str = "failure") -> bytes:
    err = None if code is None else {"code": code, "msg": msg}
    return orjson.dumps({"returnCode": 1, "msgInfo": info, "error": err, "result": None})


def server_time(offset_ms: int = 0) -> bytes:
    return spot_ok({"serverTime": time.time_ns() // 1_000_000 + offset_ms})


class RawServer:
    """A raw HTTP/1.1-ish TCP server: reads each request (head and sized body) and
    calls ``respond(conn, n, head, body)`` with its 1-based number over all
    connections; the callback writes whatever bytes it wants, and returning
    ``False`` closes the connection."""

    def __init__(
        self, respond: Callable[[socket.socket, int, bytes, bytes], bool | None]
    ) -> None:
        self.respond = respond
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stop = threading.Event()
        self.heads: list[bytes] = []
        self.connections = 0
        self.lock = threading.Lock()
        self._conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buf = b""
        conn.settimeout(5.0)
        try:
            while not self.stop.is_set():
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, _, rest = buf.partition(b"\r\n\r\n")
                n = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        n = int(line.split(b":")[1])
                while len(rest) < n:
                    data = conn.recv(65536)
                    if not data:
                        return
                    rest += data
                body, buf = rest[:n], rest[n:]
                with self.lock:
                    self.heads.append(head)
                    number = len(self.heads)
                if self.respond(conn, number, head, body) is False:
                    return
        except OSError:
            return
        finally:
            conn.close()

    def wait(self, seconds: float) -> bool:
        """Server-side pause (a scenario's behaviour); True if stopped meanwhile."""
        return self.stop.wait(seconds)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        with self.lock:
            for c in self._conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Scripted(RawServer):
    def __init__(self, answer: Callable[[str, str, dict[str, str], bytes], Answer]) -> None:
        self.answer = answer
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        super().__init__(self._reply)

    def paths(self) -> list[str]:
        return [r[1].split("?")[0] for r in self.requests]

    def _reply(self, conn: socket.socket, n: int, head: bytes, body: bytes) -> None:
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        self.requests.append((method, target, headers, body))
        out = self.answer(method, target, headers, body)
        status, payload = out[0], out[1]
        extra = out[2] if len(out) > 2 else {}  # type: ignore[misc]
        head_out = f"HTTP/1.1 {status} X\r\nContent-Length: {len(payload)}\r\n"
        for k, v in extra.items():
            head_out += f"{k}: {v}\r\n"
        conn.sendall(head_out.encode() + b"\r\n" + payload)

    def __enter__(self) -> Scripted:
        return self


class FlakyFront(Scripted):
    """Forwards every request to ``upstream`` (scheme://host:port), except the
    1-based request numbers for which ``fail(n)`` is true: those get a 502
    without reaching the upstream (as a gateway in trouble answers)."""

    def __init__(self, upstream: str, fail: Callable[[int], bool]) -> None:
        self.upstream = urlsplit(upstream)
        self.fail = fail
        self.failed = 0
        self._n = 0
        self._lock = threading.Lock()
        super().__init__(self._forward)

    def _forward(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        with self._lock:
            self._n += 1
            n = self._n
        if self.fail(n):
            with self._lock:
                self.failed += 1
            return 502, b"<html>bad gateway</html>"
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=10)
        try:
            keep = {k: v for k, v in headers.items() if k.startswith("validate-")
                    or k in ("content-type", "accept")}
            conn.request(method, target, body=body or None, headers=keep)
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()
