"""``wexcore bench``: wexcore against the usual Python ways, in one run, one table.

Four groups, each on the same seeded input for every implementation:

* **signing**: ``Signer.headers`` vs the same canonical string signed with
  the standard library's ``hmac`` (per request);
* **decoding**: trade frames to typed values (``wexcore.decode`` then the
  fields read) vs ``orjson.loads`` + ``float()`` and, when installed,
  ``msgspec`` Structs; depth frames to price/quantity arrays
  (``DepthParser``) vs ``orjson`` + floats;
* **book**: raw depth frames applied to a 500-level book with the sequence
  rules (``OrderBook.apply``) vs ``orjson`` + ``dict``, + ``SortedDict``
  (sortedcontainers) and + ``order_book.OrderBook`` (order-book) when
  installed;
* **end_to_end**: what a live book does per received frame after the socket:
  the sync machine (:class:`~wexcore.stream.livebook.BookSync`), then reading
  the top 10 levels per side, vs ``orjson`` + a sequence check + each Python
  book + the same read;
* **socket**: the whole path over loopback, a pusher process on one side
  (``wexcore._socketbench``, pre-encoded frames, never the bottleneck).
  *Flood*: every depth frame at once after the subscribe; wexcore's
  :class:`~wexcore.StreamClient` with the live book's sync machine as its
  sink, over the default transport (picows, the reference row) and
  websockets, vs ``websockets`` + ``orjson`` + a dict book; wall time from
  the subscribe request to the last update applied, per message.
  *Paced*: one frame per write at 10,000 frames/s across 20 symbols into
  live books, permessage-deflate on; CPU time of the client process per
  message for picows on uvloop (the default: ``wexcore.run``), picows on
  asyncio's loop, websockets on asyncio's loop (the default before), and
  the default with reads coalesced for 1 ms (``coalesce=0.001``, opt-in).
  ``bench/bench_stream.py`` measures more (latency percentiles; 2k/10k/30k
  msg/s, with and without deflate).

Every implementation's result is checked (headers equal, sums equal, the final
book equal to the workload generator's own book) before its time is shown: a
fast wrong answer fails the run.  Times are the median over ``repeat`` runs
of the whole batch, divided by the batch size (µs per operation); the
"vs wexcore" column is baseline time / wexcore time.

The machine is often shared: numbers move by 10-30% between runs; the ratios,
measured in the same run, are what to compare.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import importlib.util
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TextIO

import orjson

from wexcore._socketbench import PusherError

__all__ = ["Result", "run_benchmarks", "GROUPS"]

GROUPS = ("signing", "decoding", "book", "end_to_end", "socket")

#: optional baseline packages found missing during a run (reported under the table)
MISSING: set[str] = set()

KEY = "3976eb88-76d0-4f6e-a6b2-a57980770085"
SECRET = "bc6630d0231fda5cd98794f52c4998659beda290"
TS = 1641446237201
ORDER_BODY = (b'{"symbol":"btc_usdt","side":"BUY","type":"LIMIT","timeInForce":"GTC",'
              b'"price":"39000.5","quantity":"0.25"}')
QUERY = {"symbol": "btc_usdt", "limit": 100, "bizType": "SPOT"}


@dataclass
class Result:
    group: str
    case: str
    implementation: str
    median_us: float
    baseline: bool
    ops: int
    ratio: float | None = None  # this row's time / the case's reference wexcore row's


class _Progress:
    def __init__(self, total: int, stream: TextIO | None, enabled: bool) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = enabled and bool(isatty and isatty())

    def step(self, label: str) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} {label[:40]:<40}")
        self.stream.flush()
        self.done += 1

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 90 + "\r")
            self.stream.flush()


def _measure(setup: Callable[[], Any], run: Callable[[Any], Any], ops: int,
             repeat: int) -> tuple[float, Any]:
    """Median µs per operation over ``repeat`` timed runs; setup is not timed.
    Returns the last run's state for checking."""
    times = []
    state = None
    run(setup())  # warm-up (caches, lazy imports), not timed
    for _ in range(repeat):
        state = setup()
        t0 = time.perf_counter_ns()
        run(state)
        times.append((time.perf_counter_ns() - t0) / ops / 1000.0)
    return statistics.median(times), state


# ---------------------------------------------------------------------------- signing


def python_headers(api_key: str, secret_b: bytes, method: str, path: str,
                   query: dict[str, Any] | None, body: bytes | None, timestamp: int,
                   recv_window: int = 5000) -> dict[str, str]:
    """What a careful pure-Python client does per request (spot-en.txt "Signature")."""
    headers = {
        "validate-algorithms": "HmacSHA256",
        "validate-appkey": api_key,
        "validate-recvwindow": str(recv_window),
        "validate-timestamp": str(timestamp),
    }
    x = "&".join(f"{k}={headers[k]}" for k in sorted(headers))
    y = f"#{method}#{path}"
    if query:
        y += "#" + "&".join(f"{k}={query[k]}" for k in sorted(query))
    if body:
        y += "#" + body.decode()
    headers["validate-signature"] = hmac.new(secret_b, (x + y).encode(),
                                             hashlib.sha256).hexdigest()
    return headers


def _bench_signing(n: int, repeat: int, add: Callable[..., None], tick: Callable[[str], None]
                   ) -> None:
    from wexcore import Signer

    signer = Signer(KEY, SECRET)
    secret_b = SECRET.encode()
    for case, (method, path, query, body) in {
        "POST /v4/order (JSON body)": ("POST", "/v4/order", None, ORDER_BODY),
        "GET with 3 query params": ("GET", "/v4/history-order", QUERY, None),
    }.items():
        want = python_headers(KEY, secret_b, method, path, query, body, TS)
        args = (method, path, query, body)

        def wex(_: Any, args: tuple[Any, ...] = args) -> dict[str, str]:
            headers = signer.headers
            got: dict[str, str] = {}
            for _ in range(n):
                got = headers(*args, timestamp=TS)
            return got

        def py(_: Any, args: tuple[Any, ...] = args) -> dict[str, str]:
            m, pth, q, b = args
            got: dict[str, str] = {}
            for _ in range(n):
                got = python_headers(KEY, secret_b, m, pth, q, b, TS)
            return got

        tick(f"signing: {case}")
        us, _ = _measure(lambda: None, wex, n, repeat)
        assert wex(None) == want, "wexcore signature differs from hmac's"
        add("signing", case, "wexcore", us, False, n)
        tick(f"signing: {case} (hmac)")
        assert py(None) == want
        us, _ = _measure(lambda: None, py, n, repeat)
        add("signing", case, "python hmac", us, True, n)


# ---------------------------------------------------------------------------- decoding


def trade_frames(n: int, seed: int = 7) -> list[bytes]:
    """Seeded spot ``trade@btc_usdt`` pushes in the wire format."""
    rng = random.Random(seed)
    out = []
    t = 1_662_445_330_000
    tid = 137_333_589_606_960_000
    for _ in range(n):
        t += rng.randint(1, 50)
        tid += 1
        p = 3_000_000 + rng.randint(-500, 500)
        q = rng.randint(1, 500_000)
        out.append(orjson.dumps({"topic": "trade", "event": "trade@btc_usdt", "data": {
            "s": "btc_usdt", "i": tid, "t": t, "oi": tid * 3,
            "p": f"{p // 100}.{p % 100:02d}", "q": f"{q // 10000}.{q % 10000:04d}",
            "v": f"{p * q // 1000000}.{p * q % 1000000:06d}", "b": rng.random() < 0.5}}))
    return out


def _bench_decoding(n: int, w: Any, repeat: int, add: Callable[..., None],
                    tick: Callable[[str], None]) -> None:
    from wexcore import DepthParser, decode

    frames = trade_frames(n)
    want = round(sum(float(orjson.loads(f)["data"]["p"]) for f in frames), 6)

    def wex(_: Any) -> float:
        total = 0.0
        for f in frames:
            ev: Any = decode(f)
            total += ev.price
            ev.quantity  # noqa: B018 - the fields a consumer reads
            ev.side  # noqa: B018
        return total

    def orj(_: Any) -> float:
        total = 0.0
        for f in frames:
            d = orjson.loads(f)["data"]
            total += float(d["p"])
            float(d["q"])
            "SELL" if d["b"] else "BUY"  # noqa: B018
        return total

    case = "trade frame -> price, qty, side"
    tick(f"decoding: {case}")
    us, _ = _measure(lambda: None, wex, n, repeat)
    assert round(wex(None), 6) == want
    add("decoding", case, "wexcore", us, False, n)
    tick(f"decoding: {case} (orjson)")
    us, _ = _measure(lambda: None, orj, n, repeat)
    add("decoding", case, "orjson + float", us, True, n)
    try:
        import msgspec
    except ImportError:
        MISSING.add("msgspec")
    else:
        # built at run time: msgspec is optional
        data_t = msgspec.defstruct("TradeData", [("s", str), ("i", int), ("t", int),
                                                 ("oi", int), ("p", str), ("q", str),
                                                 ("v", str), ("b", bool)])
        frame_t = msgspec.defstruct("TradeFrame", [("topic", str), ("event", str),
                                                   ("data", data_t)])

        dec = msgspec.json.Decoder(frame_t)

        def msp(_: Any) -> float:
            total = 0.0
            for f in frames:
                d: Any = dec.decode(f).data  # type: ignore[attr-defined]
                total += float(d.p)
                float(d.q)
                "SELL" if d.b else "BUY"  # noqa: B018
            return total

        assert round(msp(None), 6) == want
        tick(f"decoding: {case} (msgspec)")
        us, _ = _measure(lambda: None, msp, n, repeat)
        add("decoding", case, "msgspec Struct + float", us, True, n)

    # depth frames -> price/quantity arrays
    msgs = w.messages
    want_levels = sum(len(b) + len(a) for _, _, _, b, a in w.updates)
    parser = DepthParser(w.price_precision, w.quantity_precision)

    def wex_depth(_: Any) -> int:
        total = 0
        for m in msgs:
            total += parser.parse(m)
        return total

    def orj_depth(_: Any) -> int:
        import numpy as np

        total = 0
        for m in msgs:
            d = orjson.loads(m)["data"]
            b = np.array([(float(p), float(q)) for p, q in d["b"]], dtype=np.float64)
            a = np.array([(float(p), float(q)) for p, q in d["a"]], dtype=np.float64)
            total += len(b) + len(a)
        return total

    case = "depth frame -> level arrays"
    tick(f"decoding: {case}")
    us, _ = _measure(lambda: None, wex_depth, len(msgs), repeat)
    assert wex_depth(None) == want_levels
    add("decoding", case, "wexcore", us, False, len(msgs))
    tick(f"decoding: {case} (orjson)")
    assert orj_depth(None) == want_levels
    us, _ = _measure(lambda: None, orj_depth, len(msgs), repeat)
    add("decoding", case, "orjson + float + numpy", us, True, len(msgs))


# ---------------------------------------------------------------------------- books


def _snapshot_floats(w: Any) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    snap = orjson.loads(w.snapshot)["result"]
    return ([(float(p), float(q)) for p, q in snap.get("bids", snap.get("b"))],
            [(float(p), float(q)) for p, q in snap.get("asks", snap.get("a"))])


def _python_books(w: Any) -> dict[str, tuple[Callable[[], Any], Callable[[Any], tuple[Any, ...]]]]:
    """name -> (make a fresh (bids, asks) pair, best levels and counts of a pair)."""
    books: dict[str, tuple[Callable[[], Any], Callable[[Any], tuple[Any, ...]]]] = {}

    def fresh_dict() -> Any:
        b, a = _snapshot_floats(w)
        return dict(b), dict(a)

    def best_dict(pair: Any) -> tuple[Any, ...]:
        bids, asks = pair
        bb, ba = max(bids), min(asks)
        return (bb, bids[bb]), (ba, asks[ba]), len(bids), len(asks)

    books["orjson + dict"] = (fresh_dict, best_dict)
    try:
        from sortedcontainers import SortedDict  # type: ignore[import-untyped]
    except ImportError:
        MISSING.add("sortedcontainers")
    else:
        def fresh_sorted() -> Any:
            b, a = _snapshot_floats(w)
            return SortedDict(b), SortedDict(a)

        def best_sorted(pair: Any) -> tuple[Any, ...]:
            bids, asks = pair
            return bids.peekitem(-1), asks.peekitem(0), len(bids), len(asks)

        books["orjson + SortedDict"] = (fresh_sorted, best_sorted)
    try:
        from order_book import OrderBook as CBook  # type: ignore[import-not-found]
    except ImportError:
        MISSING.add("order-book")
    else:
        def fresh_cbook() -> Any:
            b, a = _snapshot_floats(w)
            ob = CBook()
            for p, q in b:
                ob.bids[p] = q
            for p, q in a:
                ob.asks[p] = q
            return ob.bids, ob.asks

        def best_cbook(pair: Any) -> tuple[Any, ...]:
            bids, asks = pair
            return bids.index(0), asks.index(0), len(bids), len(asks)

        books["orjson + order-book (C)"] = (fresh_cbook, best_cbook)
    return books


def _apply_side(side: Any, levels: list[list[str]]) -> None:
    for p, q in levels:
        price, qty = float(p), float(q)
        if qty:
            side[price] = qty
        elif price in side:
            del side[price]


def _python_apply_all(w: Any, read_top: Callable[[Any], Any] | None = None
                      ) -> Callable[[Any], None]:
    """orjson + float() per value + the spec's sequence rules, the careful way."""
    msgs = w.messages
    snap_id = orjson.loads(w.snapshot)["result"]["lastUpdateId"]

    def run(pair: Any) -> None:
        bids, asks = pair
        last = snap_id
        for m in msgs:
            d = orjson.loads(m)["data"]
            if d["i"] <= last:
                continue
            if d["fi"] != last + 1:
                raise AssertionError("gap")
            last = d["i"]
            _apply_side(bids, d["b"])
            _apply_side(asks, d["a"])
            if read_top is not None:
                read_top(pair)

    return run


def _expected_floats(w: Any) -> tuple[Any, ...]:
    e = w.expected
    ps, qs = 10.0 ** w.price_precision, 10.0 ** w.quantity_precision
    return ((e["best_bid"][0] / ps, e["best_bid"][1] / qs),
            (e["best_ask"][0] / ps, e["best_ask"][1] / qs), e["bid_count"], e["ask_count"])


def _check_wexcore_book(book: Any, w: Any) -> None:
    e = w.expected
    assert book.best_bid_ticks() == e["best_bid"] and book.best_ask_ticks() == e["best_ask"]
    assert (book.bid_count, book.ask_count) == (e["bid_count"], e["ask_count"])
    assert book.last_update_id == e["last_update_id"]
    assert book.checksum() == e["checksum"], "wexcore book differs from the workload's"


def _bench_book(w: Any, repeat: int, add: Callable[..., None], tick: Callable[[str], None],
                end_to_end: bool) -> None:
    from wexcore import OrderBook
    from wexcore.stream.livebook import BookSync

    n = len(w.messages)
    msgs = w.messages
    expected = _expected_floats(w)

    def fresh_wexcore() -> Any:
        book = OrderBook(w.symbol, w.price_precision, w.quantity_precision, product=w.product)
        book.load_snapshot(w.snapshot)
        return book

    if not end_to_end:
        group, case = "book", f"apply raw depth frame ({w.levels} levels)"

        def wex(book: Any) -> None:
            apply = book.apply
            for m in msgs:
                apply(m)

        tick(f"book: {case}")
        us, book = _measure(fresh_wexcore, wex, n, repeat)
        _check_wexcore_book(book, w)
        add(group, case, "wexcore", us, False, n)
        for name, (fresh, best) in _python_books(w).items():
            tick(f"book: {name}")
            us, pair = _measure(fresh, _python_apply_all(w), n, repeat)
            assert best(pair) == expected, f"{name} ended on a different book"
            add(group, case, name, us, True, n)
        return

    group, case = "end_to_end", "frame -> live book -> top 10 (no socket)"

    def fresh_sync() -> Any:
        sync = BookSync(OrderBook(w.symbol, w.price_precision, w.quantity_precision,
                                  product=w.product), product=w.product)
        sync.on_snapshot(w.snapshot)
        return sync

    def wex_e2e(sync: Any) -> None:
        feed = sync.feed
        book = sync.book
        for m in msgs:
            feed(m)
            book.bids(10)
            book.asks(10)

    tick(f"end_to_end: {case}")
    us, sync = _measure(fresh_sync, wex_e2e, n, repeat)
    assert sync.synced
    _check_wexcore_book(sync.book, w)
    add(group, case, "wexcore", us, False, n)
    for name, (fresh, best) in _python_books(w).items():
        if "SortedDict" in name:
            def top(pair: Any) -> Any:
                bids, asks = pair
                return bids.items()[-10:], asks.items()[:10]
        elif "order-book" in name:
            def top(pair: Any) -> Any:
                bids, asks = pair
                return ([bids.index(i) for i in range(min(10, len(bids)))],
                        [asks.index(i) for i in range(min(10, len(asks)))])
        else:
            import heapq

            def top(pair: Any) -> Any:
                bids, asks = pair
                return heapq.nlargest(10, bids.items()), heapq.nsmallest(10, asks.items())
        tick(f"end_to_end: {name}")
        us, pair = _measure(fresh, _python_apply_all(w, top), n, repeat)
        assert best(pair) == expected, f"{name} ended on a different book"
        add(group, case, name, us, True, n)


# ---------------------------------------------------------------------------- socket

#: paced contenders: row name -> (transport, event loop, coalesce seconds); the
#: first is the default
PACED_ROWS = {
    "wexcore (picows, uvloop)": ("picows", "uvloop", 0.0),
    "wexcore (picows, asyncio)": ("picows", "asyncio", 0.0),
    "wexcore (websockets, asyncio)": ("websockets", "asyncio", 0.0),
    "wexcore (coalesce=0.001)": ("picows", "uvloop", 0.001),
}
PACED_RATE = 10_000
PACED_SYMBOLS = 20


def _bench_socket(w: Any, repeat: int, add: Callable[..., None],
                  tick: Callable[[str], None], quick: bool = False) -> None:
    """Loopback end to end, two cases.

    Flood: a pusher process writes every depth frame at once; each contender
    reads them from its socket into its book; wall time from the subscribe
    request to the last update applied, per message. The default transport
    (picows) is the reference row.

    Paced: one frame per write at 10,000 frames/s across 20 symbols, into
    live books; CPU time of the client process per message
    (``wexcore._socketbench.run_paced``), with the spec's permessage-deflate
    on: what real arrival costs, one wake-up per frame.
    """
    from wexcore import OrderBook
    from wexcore._socketbench import depth_script, pusher, run_paced
    from wexcore.stream import StreamClient
    from wexcore.stream.livebook import BookSync
    from wexcore.stream.transport import available_transports

    n = len(w.messages)
    target = w.expected["last_update_id"]
    transports = available_transports()  # the default first
    contenders = len(transports) + 1
    with pusher(w.messages, connections=contenders * (repeat + 1), deflate=False) as url:

        async def wex_once(transport: str) -> tuple[float, Any]:
            book = OrderBook(w.symbol, w.price_precision, w.quantity_precision)
            sync = BookSync(book, product="spot")
            sync.on_snapshot(w.snapshot)
            done = asyncio.Event()

            def on_update(b: Any, _ns: int) -> None:
                if b.last_update_id >= target:
                    done.set()

            sync.on_update = on_update
            client = StreamClient("spot", "public", url=url, compression=False,
                                  transport=transport)
            await client.start()
            try:
                t0 = time.perf_counter_ns()
                await client.subscribe_sink([f"depth_update@{w.symbol}"], sync)
                await asyncio.wait_for(done.wait(), 60)
                elapsed = time.perf_counter_ns() - t0
            finally:
                await client.close()
            return elapsed / n / 1000.0, book

        async def python_once() -> tuple[float, Any]:
            import websockets

            fresh, _best = _python_books(w)["orjson + dict"]
            bids, asks = fresh()
            last = orjson.loads(w.snapshot)["result"]["lastUpdateId"]
            async with websockets.connect(url, compression=None, max_size=None) as ws:
                t0 = time.perf_counter_ns()
                await ws.send(orjson.dumps({"id": "1", "method": "subscribe",
                                            "params": [f"depth_update@{w.symbol}"]}).decode())
                while last < target:
                    d = orjson.loads(await ws.recv())
                    if "data" not in d:
                        continue  # the subscribe reply
                    d = d["data"]
                    if d["i"] <= last:
                        continue
                    if d["fi"] != last + 1:
                        raise AssertionError("gap")
                    last = d["i"]
                    _apply_side(bids, d["b"])
                    _apply_side(asks, d["a"])
                elapsed = time.perf_counter_ns() - t0
            return elapsed / n / 1000.0, (bids, asks)

        case = "loopback socket -> book (flood)"
        runs: list[tuple[str, Callable[[], Any], bool]] = [
            (f"wexcore ({t})", functools.partial(wex_once, t), False) for t in transports]
        runs.append(("websockets + orjson + dict", python_once, True))
        for name, once, baseline in runs:
            tick(f"socket: {name}")
            times = []
            state: Any = None
            for i in range(repeat + 1):
                us, state = asyncio.run(once())
                if i:  # the first run warms up
                    times.append(us)
            if baseline:
                bb, ba = max(state[0]), min(state[1])
                got = ((bb, state[0][bb]), (ba, state[1][ba]), len(state[0]), len(state[1]))
                assert got == _expected_floats(w), f"{name} ended on a different book"
            else:
                _check_wexcore_book(state, w)
            add("socket", case, name, statistics.median(times), baseline, n)

    # paced: CPU per message, each session in processes of its own
    case = f"paced {PACED_RATE // 1000}k msg/s -> books (CPU)"
    # each session is two fresh processes (~2.5 s to start): 3 rounds of 1 s keep the
    # case near 40 s; bench/bench_stream.py runs the long version
    seconds, rounds = (0.3, 1) if quick else (1.0, max(1, min(repeat, 3)))
    script = depth_script(int(PACED_RATE * seconds), PACED_SYMBOLS)
    rows = {k: v for k, v in PACED_ROWS.items() if v[0] in transports}
    if importlib.util.find_spec("uvloop") is None:
        MISSING.add("uvloop")
        rows = {k: v for k, v in rows.items() if v[1] != "uvloop"}
    samples: dict[str, list[float]] = {k: [] for k in rows}
    for name in rows:
        tick(f"socket: paced {name}")
    for _ in range(rounds):
        for name, (transport, loop, coalesce) in rows.items():  # interleaved: drift hits all
            out = run_paced(script, PACED_RATE, transport=transport, loop=loop,
                            coalesce=coalesce)
            if out.get("error") is not None:
                raise AssertionError(f"paced {name}: {out['error']}")
            samples[name].append(out["cpu_us_per_message"])
    for name, v in samples.items():
        add("socket", case, name, statistics.median(v), False, len(script.frames))


# ---------------------------------------------------------------------------- driver


def _format_table(results: list[Result], header: str) -> list[str]:
    lines = [header, ""]
    lines.append(f"{'group':<11} {'case':<40} {'implementation':<30} {'median µs':>10}  "
                 f"{'vs wexcore':>13}")
    lines.append("-" * 109)
    last = None
    for r in results:
        key = (r.group, r.case)
        g, c = (r.group, r.case) if key != last else ("", "")
        last = key
        if r.ops == 0:
            med, ratio = "skipped", ""
        else:
            med = f"{r.median_us:10.3f}"
            if r.ratio is None:
                ratio = "1.0x"  # the reference: wexcore with its defaults
            elif r.ratio >= 1.0:
                ratio = f"{r.ratio:.1f}x slower"
            else:
                ratio = f"{1.0 / r.ratio:.1f}x faster"
        lines.append(f"{g:<11} {c:<40} {r.implementation:<30} {med:>10}  {ratio:>13}")
    lines.append("")
    lines.append("median µs per operation (request, frame or message); 'vs wexcore' = the "
                 "row's time / the case's first wexcore row's time, in this run")
    return lines


def _chart(results: list[Result], path: str, title: str) -> None:
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError("--png needs matplotlib: pip install 'wexcore[chart]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in results if r.baseline and r.ops and r.ratio]
    labels = [f"{r.case}\nvs {r.implementation}" for r in rows]
    values = [float(r.ratio or 0.0) for r in rows]
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(rows) + 1.5))
    ax.barh(range(len(rows)), values, color="#2b6cb0")
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(1.0, color="#888", lw=0.8)
    ax.set_xlabel("times faster than the baseline (log scale; same run)")
    ax.set_title(title, fontsize=9)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:.1f}x", va="center", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run_benchmarks(*, quick: bool = False, groups: list[str] | None = None,
                   json_path: str | None = None, png_path: str | None = None,
                   repeat: int | None = None, progress: bool = True,
                   out: TextIO | None = None) -> list[Result]:
    """Run the benchmark groups, print the table, optionally write JSON and a PNG."""
    from wexcore import __version__
    from wexcore.workload import generate

    out = out or sys.stdout
    groups = list(groups or GROUPS)
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        raise ValueError(f"unknown group(s) {', '.join(unknown)}; choose from {', '.join(GROUPS)}")
    repeat = repeat or (3 if quick else 7)
    if repeat < 1:
        raise ValueError("--repeat must be at least 1")
    t0 = time.perf_counter()
    MISSING.clear()
    n_sign = 500 if quick else 5000
    n_trades = 500 if quick else 5000
    w = generate(500, 200 if quick else 2000)
    steps = {"signing": 4, "decoding": 5, "book": 4, "end_to_end": 4, "socket": 7}
    bar = _Progress(sum(steps[g] for g in groups), None, progress)
    results: list[Result] = []
    notes: list[str] = []

    def add(group: str, case: str, impl: str, us: float, baseline: bool, ops: int) -> None:
        results.append(Result(group, case, impl, us, baseline, ops))

    try:
        if "signing" in groups:
            _bench_signing(n_sign, repeat, add, bar.step)
        if "decoding" in groups:
            _bench_decoding(n_trades, w, repeat, add, bar.step)
        if "book" in groups:
            _bench_book(w, repeat, add, bar.step, end_to_end=False)
        if "end_to_end" in groups:
            _bench_book(w, repeat, add, bar.step, end_to_end=True)
        if "socket" in groups:
            try:
                _bench_socket(w, repeat, add, bar.step, quick)
            except (OSError, PusherError) as exc:
                # the machine cannot run a local pusher (no processes, no
                # loopback): the other groups still stand
                notes.append(f"socket group not run: {exc}")
    finally:
        bar.close()
    elapsed = time.perf_counter() - t0
    # the reference of each case: its first wexcore row (wexcore's defaults);
    # every other row's ratio is its time over the reference's
    reference: dict[tuple[str, str], Result] = {}
    for r in results:
        if not r.baseline:
            reference.setdefault((r.group, r.case), r)
    for r in results:
        ref = reference[(r.group, r.case)]
        if r is not ref and r.ops:
            r.ratio = r.median_us / ref.median_us
    skipped = sorted(MISSING)
    header = (f"wexcore {__version__} bench{' --quick' if quick else ''}: Python "
              f"{platform.python_version()} on {platform.machine()} {platform.system()}, "
              f"median of {repeat} runs, {elapsed:.1f} s")
    for line in _format_table(results, header):
        out.write(line + "\n")
    for note in notes:
        out.write(note + "\n")
    if skipped:
        out.write(f"baselines skipped (optional packages not installed): {', '.join(skipped)}; "
                  "pip install 'wexcore[test]' has them\n")
    out.flush()
    if json_path:
        doc = {"version": __version__, "python": platform.python_version(),
               "machine": platform.machine(), "system": platform.system(), "quick": quick,
               "repeat": repeat, "seconds": elapsed,
               "workload": {"levels": w.levels, "messages": len(w.messages),
                            "signing_requests": n_sign, "trade_frames": n_trades},
               "results": [asdict(r) for r in results if r.ops]}
        with open(json_path, "wb") as fh:
            fh.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    if png_path:
        _chart(results, png_path, header)
    return results
