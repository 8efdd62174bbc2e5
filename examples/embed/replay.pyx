# cython: language_level=3
"""Replaying recorded depth frames through wexcore's compiled API.

An engine written in Cython keeps its own book (``wex_book_new``), applies
each raw frame with the GIL released, and reads the result into its own
buffers; then it checks that book against ``wexcore.OrderBook`` fed the same
frames from Python. Build it against the installed package (see setup.py):

    python setup.py build_ext --inplace
    python -c "import replay; print(replay.check('frames.txt'))"

A recording is a text file: a JSON header line
``{"symbol", "price_precision", "quantity_precision", "product"}``, the REST
depth snapshot on the next line, then one raw depth_update frame per line.
"""

from libc.stdint cimport int64_t
from libc.stdlib cimport malloc, free

from wexcore.api cimport (
    OrderBook, wex_book, wex_error, wex_depth_frame, wex_book_new, wex_book_free,
    wex_book_of, wex_book_load_snapshot, wex_book_apply_frame, wex_book_top_ticks,
    wex_book_top, wex_book_update_id, wex_book_checksum, wex_book_level_count,
    wex_depth_decode, wex_error_exception, WEX_STALE, WEX_APPLIED, WEX_CROSSED, WEX_GAP,
    WEX_BIDS, WEX_ASKS, WEX_SPOT, WEX_FUTURES,
)

import json

import wexcore


cdef class EngineBook:
    """A book owned by this extension (freed with it), fed without the GIL."""

    cdef wex_book *book
    cdef int price_precision, quantity_precision
    cdef readonly long long applied, stale, crossed, level_changes

    def __cinit__(self, str symbol, int price_precision, int quantity_precision, str product):
        cdef wex_error err
        self.price_precision = price_precision
        self.quantity_precision = quantity_precision
        sym = symbol.encode()
        self.book = wex_book_new(sym, len(sym), price_precision, quantity_precision,
                                 WEX_FUTURES if product == "futures" else WEX_SPOT, &err)
        if self.book == NULL:
            raise ValueError(err.message.decode())

    def __dealloc__(self):
        wex_book_free(self.book)  # NULL is fine

    def load_snapshot(self, bytes snapshot):
        cdef wex_error err
        cdef const char *p = snapshot
        cdef size_t n = len(snapshot)
        cdef int st
        with nogil:
            st = wex_book_load_snapshot(self.book, p, n, &err)
        if st != WEX_APPLIED:
            raise wex_error_exception(self.book, &err)

    def apply_all(self, list frames):
        """Apply every frame in one GIL-free loop; raises the typed wexcore
        exception (SequenceGap, DecodeError...) at the first that fails."""
        cdef Py_ssize_t nf = len(frames), i
        cdef size_t longest = max([len(f) for f in frames], default=0)
        cdef size_t cap = longest // 6 + 1  # no frame has more levels a side
        cdef const char **bufs = <const char **>malloc(nf * sizeof(char *) + 1)
        cdef size_t *lens = <size_t *>malloc(nf * sizeof(size_t) + 1)
        cdef int64_t *levels = <int64_t *>malloc(4 * cap * sizeof(int64_t))
        cdef wex_depth_frame decoded
        cdef wex_error err
        cdef int st = WEX_APPLIED
        cdef bytes f
        try:
            if bufs == NULL or lens == NULL or levels == NULL:
                raise MemoryError()
            decoded.bid_prices = levels
            decoded.bid_quantities = levels + cap
            decoded.ask_prices = levels + 2 * cap
            decoded.ask_quantities = levels + 3 * cap
            decoded.bid_capacity = decoded.ask_capacity = cap
            for i in range(nf):
                f = frames[i]          # the list keeps every frame alive
                bufs[i] = f
                lens[i] = len(f)
            with nogil:
                for i in range(nf):
                    # the decoder fills the engine's own arrays (here: to count
                    # level changes); the book scans the frame itself
                    if wex_depth_decode(bufs[i], lens[i], self.price_precision,
                                        self.quantity_precision, &decoded, NULL) == 0:
                        self.level_changes += decoded.bid_count + decoded.ask_count
                    st = wex_book_apply_frame(self.book, bufs[i], lens[i], &err)
                    if st == WEX_APPLIED:
                        self.applied += 1
                    elif st == WEX_STALE:
                        self.stale += 1
                    elif st == WEX_CROSSED:
                        self.crossed += 1
                    else:
                        break
        finally:
            free(bufs)
            free(lens)
            free(levels)
        if st >= WEX_GAP:
            raise wex_error_exception(self.book, &err)

    def top(self, int side, size_t n):
        """The top n levels of a side as exact (price ticks, quantity ticks)."""
        cdef int64_t *px = <int64_t *>malloc(n * sizeof(int64_t) + 8)
        cdef int64_t *qt = <int64_t *>malloc(n * sizeof(int64_t) + 8)
        cdef size_t k
        if px == NULL or qt == NULL:
            free(px)
            free(qt)
            raise MemoryError()
        with nogil:
            k = wex_book_top_ticks(self.book, side, n, px, qt)
        out = [(px[i], qt[i]) for i in range(k)]
        free(px)
        free(qt)
        return out

    def top_float(self, int side, size_t n):
        cdef double px[64]
        cdef double qt[64]
        cdef size_t k = wex_book_top(self.book, side, n if n < 64 else 64, px, qt)
        return [(px[i], qt[i]) for i in range(k)]

    @property
    def update_id(self):
        return wex_book_update_id(self.book)

    def checksum(self, size_t levels=25):
        return wex_book_checksum(self.book, levels)

    def level_count(self, int side):
        return wex_book_level_count(self.book, side)


def same_as_python(EngineBook engine, OrderBook book):
    """Compare the engine's book with a wexcore.OrderBook, reading the latter
    through the same API (wex_book_of borrows its book; no copy)."""
    cdef wex_book *theirs = wex_book_of(book)
    cdef int side
    for side in (WEX_BIDS, WEX_ASKS):
        n = wex_book_level_count(theirs, side)
        if engine.level_count(side) != n:
            return False
        ours = engine.top(side, n)
        expected = (book.bid_ticks(n) if side == WEX_BIDS else book.ask_ticks(n)).tolist()
        if ours != [tuple(x) for x in expected]:
            return False
    everything = 10 ** 6
    return (engine.update_id == wex_book_update_id(theirs) == book.last_update_id
            and engine.checksum(everything) == wex_book_checksum(theirs, everything)
            == book.checksum(everything))


def read_recording(path):
    with open(path, "rb") as f:
        lines = f.read().splitlines()
    return json.loads(lines[0]), lines[1], [line for line in lines[2:] if line]


def check(path):
    """Replay a recording through the engine's book and through
    wexcore.OrderBook; raise AssertionError if they differ anywhere."""
    header, snapshot, frames = read_recording(path)
    engine = EngineBook(header["symbol"], header["price_precision"],
                        header["quantity_precision"], header["product"])
    engine.load_snapshot(snapshot)
    engine.apply_all(frames)

    book = wexcore.OrderBook(header["symbol"], header["price_precision"],
                             header["quantity_precision"], product=header["product"])
    book.load_snapshot(snapshot)
    for frame in frames:
        book.apply(frame)
    assert same_as_python(engine, book), "the engine's book differs from wexcore.OrderBook"
    best = engine.top_float(WEX_BIDS, 1)
    assert best == [tuple(book.bids(1)[0])], (best, book.bids(1))
    return {"frames": len(frames), "applied": engine.applied, "stale": engine.stale,
            "crossed": engine.crossed, "level_changes": engine.level_changes,
            "update_id": engine.update_id, "checksum": engine.checksum(),
            "bids": engine.level_count(WEX_BIDS), "asks": engine.level_count(WEX_ASKS)}
