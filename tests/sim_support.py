"""Helpers for the simulator conformance tests: hand-built signatures (stdlib hmac,
written from the spec text, independent of wexcore's Signer and of the sim's auth)."""

from __future__ import annotations

import hashlib
import hmac
import time

import httpx
import orjson

from wexcore.sim import DEMO_API_KEY, DEMO_SECRET

DIGEST = {"HmacMD5": hashlib.md5, "HmacSHA1": hashlib.sha1, "HmacSHA224": hashlib.sha224,
          "HmacSHA256": hashlib.sha256, "HmacSHA384": hashlib.sha384,
          "HmacSHA512": hashlib.sha512}


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def spot_headers(method: str, path: str, query: str = "", body: str = "", *,
                 key: str = DEMO_API_KEY, secret: str = DEMO_SECRET,
                 ts: int | None = None, recv: str = "5000", algo: str = "HmacSHA256") -> dict:
    ts = now_ms() if ts is None else ts
    x = (f"validate-algorithms={algo}&validate-appkey={key}"
         f"&validate-recvwindow={recv}&validate-timestamp={ts}")
    y = f"#{method}#{path}" + (f"#{query}" if query else "") + (f"#{body}" if body else "")
    sig = hmac.new(secret.encode(), (x + y).encode(), DIGEST[algo]).hexdigest()
    return {"validate-algorithms": algo, "validate-appkey": key, "validate-recvwindow": recv,
            "validate-timestamp": str(ts), "validate-signature": sig,
            "Content-Type": "application/json"}


def futures_headers(path: str, query: str = "", body: str = "", *, key: str = DEMO_API_KEY,
                    secret: str = DEMO_SECRET, ts: int | None = None) -> dict:
    ts = now_ms() if ts is None else ts
    s = f"validate-appkey={key}&validate-timestamp={ts}#{path}"
    s += (f"#{query}" if query else "") + (f"#{body}" if body else "")
    sig = hmac.new(secret.encode(), s.encode(), hashlib.sha256).hexdigest()
    return {"validate-appkey": key, "validate-timestamp": str(ts), "validate-signature": sig,
            "Content-Type": "application/json"}


async def spot(client: httpx.AsyncClient, method: str, path: str, params: dict | None = None,
               body: dict | list | None = None, **kw) -> tuple[int, dict]:
    query = "&".join(f"{k}={v}" for k, v in sorted((params or {}).items()))
    raw = orjson.dumps(body).decode() if body is not None else ""
    headers = spot_headers(method, path, query, raw, **kw)
    url = path + (f"?{query}" if query else "")
    r = await client.request(method, url, content=raw.encode() if raw else None,
                             headers=headers)
    return r.status_code, r.json()


async def fut(client: httpx.AsyncClient, method: str, path: str, params: dict | None = None,
              body: dict | None = None, **kw) -> tuple[int, dict]:
    query = "&".join(f"{k}={v}" for k, v in sorted((params or {}).items()))
    raw = orjson.dumps(body).decode() if body is not None else ""
    headers = futures_headers(path, query, raw, **kw)
    url = path + (f"?{query}" if query else "")
    r = await client.request(method, url, content=raw.encode() if raw else None,
                             headers=headers)
    return r.status_code, r.json()


async def recv_json(ws, timeout: float = 3.0):
    """Next JSON frame (skipping 'pong'), or raise TimeoutError."""
    import asyncio
    while True:
        text = await asyncio.wait_for(ws.recv(), timeout)
        if text == "pong":
            continue
        return orjson.loads(text)


async def wait_for(ws, pred, timeout: float = 5.0):
    """Read frames until pred(frame) is true; return that frame."""
    import asyncio
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        left = deadline - loop.time()
        if left <= 0:
            raise TimeoutError("condition not met")
        msg = await recv_json(ws, left)
        if pred(msg):
            return msg


async def subscribe(ws, *params, listen_key: str | None = None, method: str = "subscribe"):
    req = {"method": method, "params": list(params), "id": "t1"}
    if listen_key is not None:
        req["listenKey"] = listen_key
    await ws.send(orjson.dumps(req).decode())
    reply = await wait_for(ws, lambda m: "code" in m and m.get("id") == "t1")
    return reply


async def drain(sim, ws) -> list:
    """Quiesce the sim, then read every frame it sent before a ping's pong."""
    import asyncio
    await sim.quiesce()
    await ws.send("ping")
    out = []
    while True:
        text = await asyncio.wait_for(ws.recv(), 3)
        if text == "pong":
            return out
        out.append(orjson.loads(text))
