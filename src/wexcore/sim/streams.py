"""WebSocket endpoints, subscriptions and the fan-out of every pushed frame.

Four endpoints on the simulator's port: spot ``/public`` and ``/private``,
futures ``/ws/market`` and ``/ws/user``. Subscriptions are indexed by topic
(public) and by account (private), so producing a frame costs one lookup and
nothing at all when nobody subscribed; each frame is encoded once
(:class:`~wexcore.sim.wire.Frame`) and queued on its subscribers, and the
queues are written once per pass (:meth:`StreamHub.flush`).

Faults applied here: ``drop``/``duplicate``/``reorder`` on depth-update
frames, ``private_drop`` on private events, and the token expiry notices.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import WSMsgType, web

from .market import BUY, SELL, Market, PublicTrade
from .views import INTERVAL_MS, agg_ticker, depth_levels, kline_push, ticker_24h
from .wire import Conn, Frame

if TYPE_CHECKING:
    from .server import Simulator

log = logging.getLogger("wexcore.sim")

SPOT_PRIVATE = ("balance", "order", "trade")
FUTURES_PRIVATE = ("balance", "order", "trade", "position", "notify")
SPOT_PUBLIC = ("trade", "ticker")
FUTURES_PUBLIC = ("trade", "agg_ticker", "index_price", "mark_price", "fund_rate")
PONG = Frame(b"pong")
SLOW_LIMIT = 5.0  # seconds a connection may stay backlogged before it is cut off


class StreamHub:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.conns: set[Conn] = set()
        #: (product, normalised topic) -> subscribed connections
        self.topics: dict[tuple[str, str], set[Conn]] = {}
        #: account id -> private connections
        self.private: dict[int, set[Conn]] = {}
        self.frames_out = 0  # market-data frames queued (depth_update and trade)
        #: private events matched to a subscribed connection, before any fault
        self.private_out = 0

    # -- registry --------------------------------------------------------------
    def _subscribe(self, c: Conn, keys: Iterable[str]) -> None:
        for k in keys:
            c.subs.add(k)
            if not c.private:
                self.topics.setdefault((c.product, k), set()).add(c)
        if c.private and c.account is not None:
            self.private.setdefault(c.account.account_id, set()).add(c)

    def _unsubscribe(self, c: Conn, keys: Iterable[str]) -> None:
        for k in keys:
            c.subs.discard(k)
            subs = self.topics.get((c.product, k))
            if subs is not None:
                subs.discard(c)
                if not subs:
                    del self.topics[(c.product, k)]

    def _forget(self, c: Conn) -> None:
        c.closed = True
        self._unsubscribe(c, list(c.subs))
        if c.account is not None:
            conns = self.private.get(c.account.account_id)
            if conns is not None:
                conns.discard(c)
        self.conns.discard(c)

    def subscribers(self, product: str, key: str) -> set[Conn] | None:
        return self.topics.get((product, key))

    def watched(self) -> set[tuple[str, str]]:
        """(product, symbol) of every market someone subscribed to."""
        out = set()
        for product, key in self.topics:
            _, _, args = key.partition("@")
            if args:
                out.add((product, args.partition(",")[0]))
        return out

    # -- fan-out -----------------------------------------------------------------
    def flush(self) -> None:
        for c in list(self.conns):
            if c.out:
                c.flush()

    def backlogged(self, now: float) -> bool:
        """Is a subscriber behind? Then the market waits (flow control for load
        tests); one that stays behind for ``SLOW_LIMIT`` s is cut off, so it
        cannot stall everyone else (counted as ``slow_consumer``)."""
        behind = False
        for c in list(self.conns):
            if c.closed or not c.backlogged():
                c.behind_since = None
                continue
            if c.behind_since is None:
                c.behind_since = now
            elif now - c.behind_since > SLOW_LIMIT:
                self.sim.faults.count("slow_consumer")
                c.abort()
                continue
            behind = True
        return behind

    def publish_depth(self, m: Market, product: str,
                      frame: tuple[int, int, list[tuple[int, int]], list[tuple[int, int]]]
                      ) -> None:
        sym = m.spec.symbol
        conns = self.topics.get((product, "depth_update@" + sym))
        if not conns:
            return
        first, last, asks, bids = frame
        ps, qs = m.price_str, m.qty_str
        # The hot path of a load test: the JSON is written directly (symbols
        # and decimals need no escaping), in the same key order as the spec's
        # example; tests decode it with orjson like any client.
        a = ",".join([f'["{ps(p)}","{qs(q)}"]' for p, q in asks])
        b = ",".join([f'["{ps(p)}","{qs(q)}"]' for p, q in bids])
        if product == "spot":
            text = (f'{{"topic":"depth_update","event":"depth_update@{sym}","data":{{"s":"{sym}"'
                    f',"fi":{first},"i":{last},"a":[{a}],"b":[{b}]}}}}')
        else:
            text = (f'{{"topic":"depth_update","event":"depth_update@{sym}","data":{{"s":"{sym}"'
                    f',"pu":{first - 1},"fu":{first},"u":{last},"a":[{a}],"b":[{b}],'
                    f'"t":{self.sim.clock_ms()}}}}}')
        self._fan_out_depth(conns, sym, Frame(text.encode()))

    def publish_raw(self, product: str, topic: str, symbol: str, payload: bytes) -> None:
        """A frame as recorded (a market replay): ``depth_update`` or ``trade``
        of ``symbol`` to its subscribers; depth frames get the depth faults."""
        conns = self.topics.get((product, f"{topic}@{symbol}"))
        if not conns:
            return
        f = Frame(payload)
        if topic == "depth_update":
            self._fan_out_depth(conns, symbol, f)
            return
        for c in conns:
            c.put(f)
        self.frames_out += len(conns)

    def _fan_out_depth(self, conns: set[Conn], sym: str, f: Frame) -> None:
        spec = self.sim.fault_spec
        if spec.drop or spec.duplicate or spec.reorder:
            for c in conns:
                self._faulty_depth(c, sym, f)
        else:
            for c in conns:
                c.put(f)
        self.frames_out += len(conns)

    def release_held(self) -> None:
        """Send every depth frame a ``reorder`` fault is holding back. Called
        when the market pauses: no next frame would come to release them, and
        a client would wait for the held ids for ever."""
        for c in list(self.conns):
            held, c.held = c.held, {}
            for f in held.values():
                c.put(f)

    def _faulty_depth(self, c: Conn, sym: str, f: Frame) -> None:
        faults = self.sim.faults
        if faults.roll("drop"):
            return
        if sym not in c.held and faults.roll("reorder"):
            c.held[sym] = f
            return
        c.put(f)
        if faults.roll("duplicate"):
            c.put(f)
        held = c.held.pop(sym, None)
        if held is not None:
            c.put(held)

    def publish_trades(self, m: Market, product: str, trades: list[PublicTrade]) -> None:
        sym = m.spec.symbol
        key = f"trade@{sym}"
        conns = self.topics.get((product, key))
        if not conns:
            return
        ps, qs = m.price_str, m.qty_str
        for t in trades:
            if product == "spot":
                data: dict[str, Any] = {"s": sym, "i": t.id, "t": t.time, "oi": t.order_id,
                                        "p": ps(t.price), "q": qs(t.qty),
                                        "v": m.quote_str(t.price * t.qty), "b": t.buyer_maker}
            else:
                data = {"s": sym, "p": ps(t.price), "a": str(t.qty),
                        "m": "ASK" if t.buyer_maker else "BID", "t": t.time}
            f = Frame.push("trade", key, data)
            for c in conns:
                c.put(f)
            self.frames_out += len(conns)

    def publish_private(self, events: list[tuple[int, str, str, dict[str, Any]]]) -> None:
        if not events:
            return
        faults = self.sim.faults
        drop = self.sim.fault_spec.private_drop
        for account_id, product, topic, data in events:
            conns = self.private.get(account_id)
            if not conns:
                continue
            f = None
            for c in conns:
                if c.closed or c.product != product or topic not in c.subs:
                    continue
                self.private_out += 1
                if drop and faults.roll("private_drop"):
                    continue
                if f is None:
                    if product == "spot":
                        event = topic
                    else:
                        event = "notify" if topic == "notify" else f"{topic}@{account_id}"
                    f = Frame.push(topic, event, data)
                c.put(f)

    def periodic(self, now: int) -> None:
        """The 1000 ms streams: limited depth, klines, tickers, index and mark prices."""
        cache: dict[tuple[str, str], Frame | None] = {}
        for (product, key), conns in list(self.topics.items()):
            if not conns or key.startswith(("depth_update@", "trade@", "fund_rate@")):
                continue
            f = cache.get((product, key))
            if f is None:
                f = cache[(product, key)] = self._periodic(product, key, now)
            if f is not None:
                for c in conns:
                    c.put(f)

    def _periodic(self, product: str, key: str, now: int) -> Frame | None:
        sim = self.sim
        topic, _, args = key.partition("@")
        if topic == "tickers":
            return Frame.push("tickers", "tickers",
                              [ticker_24h(sim.touch(m), now)
                               for m in sim.markets["spot"].values()])
        parts = args.split(",") if args else []
        m = sim.markets[product].get(parts[0]) if parts else None
        if m is None:
            return None
        sim.touch(m)
        sym = m.spec.symbol
        if topic == "depth":
            n = int(parts[1])
            asks, bids = depth_levels(m, SELL, n), depth_levels(m, BUY, n)
            if product == "spot":
                data: Any = {"s": sym, "i": m.book.update_id, "a": asks, "b": bids}
            else:
                data = {"id": str(m.book.update_id), "s": sym, "a": asks, "b": bids, "t": now}
            return Frame.push("depth", key, data)
        if topic == "kline":
            return Frame.push("kline", key, kline_push(m, parts[1], now, product))
        if topic == "ticker":
            return Frame.push("ticker", key, ticker_24h(m, now))
        if topic == "agg_ticker":
            t = agg_ticker(m, now)
            t["ch"] = t.pop("r")
            return Frame.push("agg_ticker", key, t)
        if topic == "index_price":
            return Frame.push("index_price", key,
                              {"s": sym, "p": m.price_str(m.index_price()), "t": now})
        if topic == "mark_price":
            return Frame.push("mark_price", key,
                              {"s": sym, "p": m.price_str(m.mark_price()), "t": now})
        return None

    def funding(self, now: int) -> None:
        sim = self.sim
        for (product, key), conns in list(self.topics.items()):
            if product != "futures" or not key.startswith("fund_rate@") or not conns:
                continue
            m = sim.markets["futures"].get(key.partition("@")[2])
            if m is None:
                continue
            rate = sim.engine.positions.current_rate(sim.touch(m))
            f = Frame.push("fund_rate", key, {"s": m.spec.symbol, "r": str(rate), "t": now})
            for c in conns:
                c.put(f)

    # -- tokens ----------------------------------------------------------------
    def token_expired(self, c: Conn) -> None:
        if c.product == "spot":
            c.send(Frame.of({"code": 401, "msg": "token expire"}))
        else:
            for topic in sorted(c.subs) or ["order"]:
                c.put(Frame.of({"code": 1, "msg": f"{topic}@invalid_listenkey"}))
            c.flush()
        c.closed = True
        with contextlib.suppress(Exception):
            self.sim.spawn(c.ws.close(code=4001, message=b"listen key expired"))

    # -- the WebSocket endpoints ----------------------------------------------------
    def handler(self, product: str, private: bool
                ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        sim = self.sim

        async def handle(request: web.Request) -> web.StreamResponse:
            ws = web.WebSocketResponse(autoping=True, compress=True,
                                       max_msg_size=64 * 1024)
            await ws.prepare(request)
            conn = Conn(ws, request, product, private)
            conn.start()
            self.conns.add(conn)
            window = sim.heartbeat[product]
            deadline = time.monotonic() + window
            try:
                while not conn.closed:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        # No ping within the documented window: close (spec Heartbeat).
                        await ws.close(code=1000, message=b"heartbeat timeout")
                        break
                    try:
                        msg = await ws.receive(timeout=remaining)
                    except TimeoutError:
                        continue
                    if msg.type == WSMsgType.TEXT:
                        if msg.data == "ping":
                            deadline = time.monotonic() + window
                            conn.send(PONG)
                            continue
                        self._on_message(conn, msg.data)
                        sim.dispatch()
                    elif msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED,
                                      WSMsgType.ERROR):
                        break
            finally:
                self._forget(conn)
            return ws

        return handle

    def _reply(self, c: Conn, rid: Any, code: int, msg: str) -> None:
        c.send(Frame.of({"id": rid, "code": code, "msg": msg}))

    def _on_message(self, c: Conn, text: str) -> None:
        sim = self.sim
        try:
            req = orjson.loads(text)
            method = str(req.get("method", "")).lower()
            params = req.get("params") or []
            if method not in ("subscribe", "unsubscribe") or not isinstance(params, list) \
                    or len(params) > 500:
                raise ValueError
        except (orjson.JSONDecodeError, ValueError, AttributeError, TypeError):
            self._reply(c, None, 400 if c.product == "futures" else 1, "invalid request")
            return
        rid = req.get("id")
        if not isinstance(rid, (str, int, type(None))) or isinstance(rid, bool):
            rid = None
        if c.private:
            key = req.get("listenKey")
            if key is None and c.product == "futures" and params:
                # The futures user section shows no request shape; clients
                # (and the error text "{topic}@invalid_listenkey") put the key
                # in each topic, "order@<listenKey>". Accept that form too.
                in_topics = {str(x).partition("@")[2] for x in params}
                if len(in_topics) == 1:
                    key = in_topics.pop()
                    params = [str(x).partition("@")[0] for x in params]
            tok = sim.tokens.get(str(key or ""))
            if tok is None or tok.expires <= time.monotonic() or tok.product != c.product:
                if c.product == "spot":
                    self._reply(c, rid, 2, "listenKey invalid")
                else:
                    topic = str(params[0]) if params else "order"
                    self._reply(c, rid, 1, f"{topic}@invalid_listenkey")
                return
            if c.account is not None and c.account is not tok.account:
                conns = self.private.get(c.account.account_id)
                if conns is not None:
                    conns.discard(c)
            c.account = tok.account
            c.token = tok.value
        keys = []
        for raw in params:
            k = self._normalise(c, str(raw))
            if k is None:
                code = 400 if c.product == "futures" else 1
                self._reply(c, rid, code, f"invalid topic {str(raw)[:100]}")
                return
            keys.append(k)
        if method == "subscribe":
            self._subscribe(c, keys)
        else:
            self._unsubscribe(c, keys)
        self._reply(c, rid, 0, "success")

    def _normalise(self, c: Conn, raw: str) -> str | None:
        topic, _, args = raw.partition("@")
        parts = [x.strip() for x in args.split(",")] if args else []
        if c.private:
            allowed = SPOT_PRIVATE if c.product == "spot" else FUTURES_PRIVATE
            return topic if topic in allowed and not parts else None
        if topic == "tickers" and c.product == "spot" and not parts:
            return "tickers"
        if not parts or parts[0].lower() not in self.sim.markets[c.product]:
            return None
        sym = parts[0].lower()
        if topic == "depth_update":
            # futures may name an interval (100ms..1000ms); frames follow the
            # simulator's depth_interval whichever is asked.
            if len(parts) > 2 or (len(parts) == 2 and c.product == "spot"):
                return None
            return f"depth_update@{sym}"
        if topic == "depth":
            if len(parts) < 2 or parts[1] not in ("5", "10", "20", "50") or len(parts) > 3:
                return None
            return f"depth@{sym},{parts[1]}"
        if topic == "kline":
            if len(parts) != 2 or parts[1] not in INTERVAL_MS:
                return None
            return f"kline@{sym},{parts[1]}"
        public = SPOT_PUBLIC if c.product == "spot" else FUTURES_PUBLIC
        if topic in public and len(parts) == 1:
            return f"{topic}@{sym}"
        return None
