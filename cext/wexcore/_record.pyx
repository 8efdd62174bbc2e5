# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, auto_pickle=False
"""The compact binary book record that the NATS bus carries (``wexcore.bus``).

One record is one book change (``KIND_DELTA``: the level changes of one
exchange update, with its update ids), one whole book (``KIND_SNAPSHOT``) or
one public trade (``KIND_TRADE``). Prices and quantities are int64 ticks of
the symbol's precisions, which travel in the header: a consumer never parses
decimal text and the numbers stay exact.

Layout (little-endian; every field at a fixed offset, level arrays 8-aligned
so a consumer hands them to the book kernel without copying)::

    0   4s   magic b"WXB1"
    4   u8   kind            1 delta, 2 snapshot, 3 trade
    5   u8   flags           1 futures, 2 previous_id present, 4 buyer is maker
    6   u8   price_precision
    7   u8   quantity_precision
    8   u64  epoch           the publisher's ownership epoch (its lease revision)
    16  u64  seq             record number of this symbol within the epoch
    24  i64  first_id        delta: first update id; snapshot: its update id;
                             trade: the trade id
    32  i64  last_id         delta: last update id; snapshot: its update id
    40  i64  previous_id     futures ``pu`` (when flag 2), else -1
    48  i64  time_ns         when the feed received the frame (epoch ns)
    56  u64  stream_seq      snapshot kept in the KV bucket: the stream sequence
                             of the same snapshot in the stream; else 0
    64  u32  n_bids
    68  u32  n_asks
    72  u16  symbol length (1..255)
    74  6x   zero
    80  symbol bytes, zero-padded to a multiple of 8
    then delta/snapshot: bid prices[n_bids], bid quantities[n_bids],
                         ask prices[n_asks], ask quantities[n_asks]  (int64)
         trade: price, quantity, exchange time (ms)                 (int64)

Decoding validates everything (length, magic, kind, counts, symbol) and
raises :class:`wexcore.errors.DecodeError` naming the field.
"""

cimport cython
from cpython.buffer cimport PyBUF_FORMAT, PyBUF_WRITABLE
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize
from cpython.bytes cimport PyBytes_GET_SIZE
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcmp, memcpy, memset

from wexcore._book cimport wex_depth_decode, wex_error_exception
from wexcore._types cimport WEX_E_CAPACITY, wex_depth_frame, wex_error

import sys

from wexcore.errors import DecodeError, SequenceGap

if sys.byteorder != "little":  # the level arrays are read in place as int64
    raise ImportError("wexcore._record needs a little-endian machine")

KIND_DELTA = 1
KIND_SNAPSHOT = 2
KIND_TRADE = 3
FLAG_FUTURES = 1
FLAG_PREVIOUS = 2
FLAG_BUYER_MAKER = 4
HEADER_SIZE = 80

#: :meth:`BookFollower.position` results
POSITION_BEHIND = -1
POSITION_NEXT = 0
POSITION_AHEAD = 1

#: :meth:`BookFollower.feed` results
FOLLOW_STALE = 0
FOLLOW_APPLIED = 1
FOLLOW_SNAPSHOT = 2
FOLLOW_IGNORED = 3
FOLLOW_NEW_OWNER = 4
FOLLOW_OWNER_GAP = -1
FOLLOW_RECORD_GAP = -2
FOLLOW_UPDATE_GAP = -3
FOLLOW_CROSSED = -4

cdef enum:
    _HDR = 80
    _K_DELTA = 1
    _K_SNAPSHOT = 2
    _K_TRADE = 3
    _F_FUTURES = 1
    _F_PREVIOUS = 2
    _F_MAKER = 4
    _MAX_PREC = 18

cdef const char *_MAGIC = b"WXB1"
cdef char *_FORMAT_Q = b"q"


cdef struct _Hdr:
    int kind
    int flags
    int pp
    int qp
    uint64_t epoch
    uint64_t seq
    int64_t first
    int64_t last
    int64_t prev
    int64_t time_ns
    uint64_t stream_seq
    Py_ssize_t nb
    Py_ssize_t na
    Py_ssize_t sym_len
    Py_ssize_t body          # offset of the level arrays / trade fields


cdef inline Py_ssize_t _pad8(Py_ssize_t n) noexcept nogil:
    return (n + 7) & ~(<Py_ssize_t>7)


cdef inline uint64_t _u64(const char *p) noexcept nogil:
    cdef uint64_t v
    memcpy(&v, p, 8)
    return v


cdef inline int64_t _i64(const char *p) noexcept nogil:
    cdef int64_t v
    memcpy(&v, p, 8)
    return v


cdef inline uint32_t _u32(const char *p) noexcept nogil:
    cdef uint32_t v
    memcpy(&v, p, 4)
    return v


cdef inline void _put64(char *p, uint64_t v) noexcept nogil:
    memcpy(p, &v, 8)


cdef int _parse(const char *buf, Py_ssize_t n, _Hdr *h) except -1:
    """Read and validate a record's header (and its length)."""
    cdef Py_ssize_t need
    if n < _HDR:
        raise DecodeError(f"record of {n} bytes is shorter than its {_HDR}-byte header",
                          field="length")
    if memcmp(buf, _MAGIC, 4) != 0:
        raise DecodeError("not a wexcore book record", field="magic", offset=0)
    h.kind = <uint8_t>buf[4]
    h.flags = <uint8_t>buf[5]
    h.pp = <uint8_t>buf[6]
    h.qp = <uint8_t>buf[7]
    if h.kind != _K_DELTA and h.kind != _K_SNAPSHOT and h.kind != _K_TRADE:
        raise DecodeError(f"unknown record kind {h.kind}", field="kind", offset=4)
    if h.pp > _MAX_PREC:
        raise DecodeError(f"price precision {h.pp} > {_MAX_PREC}", field="price_precision",
                          offset=6)
    if h.qp > _MAX_PREC:
        raise DecodeError(f"quantity precision {h.qp} > {_MAX_PREC}",
                          field="quantity_precision", offset=7)
    h.epoch = _u64(buf + 8)
    h.seq = _u64(buf + 16)
    h.first = _i64(buf + 24)
    h.last = _i64(buf + 32)
    h.prev = _i64(buf + 40)
    h.time_ns = _i64(buf + 48)
    h.stream_seq = _u64(buf + 56)
    h.nb = _u32(buf + 64)
    h.na = _u32(buf + 68)
    h.sym_len = (<uint8_t>buf[72]) | ((<uint8_t>buf[73]) << 8)
    if h.sym_len < 1 or h.sym_len > 255:
        raise DecodeError(f"symbol length {h.sym_len}", field="symbol", offset=72)
    if h.first < 0 or h.last < h.first:
        raise DecodeError(f"bad update ids {h.first}..{h.last}", field="first_id", offset=24)
    if (h.flags & _F_PREVIOUS) and h.prev < 0:
        raise DecodeError(f"bad previous id {h.prev}", field="previous_id", offset=40)
    h.body = _HDR + _pad8(h.sym_len)
    if h.kind == _K_TRADE:
        if h.nb or h.na:
            raise DecodeError("a trade record carries no levels", field="n_bids", offset=64)
        need = h.body + 24
    else:
        need = h.body + (h.nb + h.na) * 16
    if n != need:
        raise DecodeError(f"record is {n} bytes, its header says {need}", field="length")
    return 0


cdef inline const char *_data(object data, Py_ssize_t *n) except NULL:
    if not PyBytes_CheckExact(data):
        raise TypeError(f"a record is bytes, not {type(data).__name__}")
    n[0] = PyBytes_GET_SIZE(data)
    return PyBytes_AS_STRING(data)


cdef bytes _symbol_bytes(object symbol):
    if not isinstance(symbol, str):
        raise TypeError("symbol must be a str")
    b = (<str>symbol).encode("ascii")
    if len(b) < 1 or len(b) > 255:
        raise ValueError(f"symbol length {len(b)} is not 1..255")
    return b


cdef int _check_levels(const int64_t[::1] px, const int64_t[::1] qt, str side) except -1:
    cdef Py_ssize_t j
    if px.shape[0] != qt.shape[0]:
        raise ValueError(f"{side}: price and quantity arrays differ in length")
    for j in range(px.shape[0]):
        if px[j] <= 0:
            raise ValueError(f"{side}[{j}]: price ticks {px[j]} must be positive")
        if qt[j] < 0:
            raise ValueError(f"{side}[{j}]: quantity ticks {qt[j]} must not be negative")
    return 0


cdef bytes _header(int kind, int flags, bytes sym, int pp, int qp, uint64_t epoch,
                   uint64_t seq, int64_t first, int64_t last, int64_t prev, int64_t time_ns,
                   uint64_t stream_seq, Py_ssize_t nb, Py_ssize_t na, Py_ssize_t tail,
                   char **body):
    """A new zero-filled record with its header written; ``body`` -> where the
    levels (or trade fields) go."""
    cdef Py_ssize_t sl = len(sym)
    cdef Py_ssize_t size = _HDR + _pad8(sl) + tail
    cdef bytes out
    cdef char *p
    cdef uint32_t u
    if pp < 0 or pp > _MAX_PREC or qp < 0 or qp > _MAX_PREC:
        raise ValueError(f"precisions must be 0..{_MAX_PREC}")
    if first < 0 or last < first:
        raise ValueError(f"bad update ids {first}..{last}")
    if nb > 0xFFFFFFFF or na > 0xFFFFFFFF:
        raise ValueError("too many levels for one record")
    out = PyBytes_FromStringAndSize(NULL, size)
    p = PyBytes_AS_STRING(out)
    memset(p, 0, size)
    memcpy(p, _MAGIC, 4)
    p[4] = <char>kind
    p[5] = <char>flags
    p[6] = <char>pp
    p[7] = <char>qp
    _put64(p + 8, epoch)
    _put64(p + 16, seq)
    _put64(p + 24, <uint64_t>first)
    _put64(p + 32, <uint64_t>last)
    _put64(p + 40, <uint64_t>prev)
    _put64(p + 48, <uint64_t>time_ns)
    _put64(p + 56, stream_seq)
    u = <uint32_t>nb
    memcpy(p + 64, &u, 4)
    u = <uint32_t>na
    memcpy(p + 68, &u, 4)
    p[72] = <char>(sl & 0xFF)
    p[73] = <char>(sl >> 8)
    memcpy(p + _HDR, PyBytes_AS_STRING(sym), sl)
    body[0] = p + _HDR + _pad8(sl)
    return out


def encode_levels(int kind, str symbol, int price_precision, int quantity_precision,
                  uint64_t epoch, uint64_t seq, int64_t first_id, int64_t last_id,
                  previous_id, int64_t time_ns, bid_prices, bid_quantities, ask_prices,
                  ask_quantities, bint futures=False, uint64_t stream_seq=0):
    """A delta (``KIND_DELTA``) or whole-book (``KIND_SNAPSHOT``) record from
    int64 tick arrays (any C-contiguous int64 buffer).

    A delta's levels are the exchange update's, in its order (quantity 0
    removes a level); a snapshot's are the whole book and ``first_id ==
    last_id`` is its update id.
    """
    cdef const int64_t[::1] bp = bid_prices, bq = bid_quantities
    cdef const int64_t[::1] ap = ask_prices, aq = ask_quantities
    cdef Py_ssize_t nb = bp.shape[0], na = ap.shape[0]
    cdef int flags = _F_FUTURES if futures else 0
    cdef int64_t prev = -1
    cdef char *body
    if kind != _K_DELTA and kind != _K_SNAPSHOT:
        raise ValueError(f"encode_levels makes delta or snapshot records, not kind {kind}")
    if kind == _K_SNAPSHOT and first_id != last_id:
        raise ValueError("a snapshot has one update id (first_id == last_id)")
    _check_levels(bp, bq, "bids")
    _check_levels(ap, aq, "asks")
    if previous_id is not None:
        prev = previous_id
        if prev < 0:
            raise ValueError(f"bad previous id {prev}")
        flags |= _F_PREVIOUS
    out = _header(kind, flags, _symbol_bytes(symbol), price_precision, quantity_precision,
                  epoch, seq, first_id, last_id, prev, time_ns, stream_seq, nb, na,
                  (nb + na) * 16, &body)
    if nb:
        memcpy(body, &bp[0], nb * 8)
        memcpy(body + nb * 8, &bq[0], nb * 8)
    body += nb * 16
    if na:
        memcpy(body, &ap[0], na * 8)
        memcpy(body + na * 8, &aq[0], na * 8)
    return out


@cython.final
cdef class DeltaEncoder:
    """A feed's per-frame path: depth frames straight into delta records.

    :meth:`decode` runs the book kernel's depth scanner over the frame into
    reusable tick arrays (no numpy arrays, no per-level objects) and exposes
    its update ids; :meth:`record` then writes the delta record from them —
    the same bytes as :func:`encode_levels` over ``DepthParser``'s arrays.

    Args:
        symbol, price_precision, quantity_precision: the symbol's, as in
            every record.
        futures: futures records (their ``pu`` travels as ``previous_id``).
    """

    cdef bytes _sym
    cdef int _pp, _qp
    cdef bint _futures
    cdef int64_t *_lv            # bid prices, bid quantities, ask prices, ask quantities
    cdef size_t _cap             # levels per array
    cdef size_t _nb, _na
    cdef int64_t _first, _last, _prev
    cdef bint _ready

    def __cinit__(self):
        self._lv = NULL

    def __init__(self, str symbol, int price_precision, int quantity_precision,
                 bint futures=False):
        if price_precision < 0 or price_precision > _MAX_PREC or quantity_precision < 0 \
                or quantity_precision > _MAX_PREC:
            raise ValueError(f"precisions must be 0..{_MAX_PREC}")
        self._sym = _symbol_bytes(symbol)
        self._pp = price_precision
        self._qp = quantity_precision
        self._futures = futures
        self._grow(256)
        self._ready = False

    def __dealloc__(self):
        free(self._lv)

    cdef int _grow(self, size_t cap) except -1:
        cdef int64_t *lv = <int64_t *>malloc(4 * cap * sizeof(int64_t))
        if lv is NULL:
            raise MemoryError()
        free(self._lv)
        self._lv = lv
        self._cap = cap
        return 0

    def decode(self, frame):
        """Decode one depth frame (bytes); returns its number of levels.
        Raises ``DecodeError``/``PrecisionError`` as the book kernel does."""
        cdef Py_ssize_t n
        cdef const char *buf = _data(frame, &n)
        cdef wex_depth_frame out
        cdef wex_error err
        self._ready = False
        while True:
            out.bid_prices = self._lv
            out.bid_quantities = self._lv + self._cap
            out.ask_prices = self._lv + 2 * self._cap
            out.ask_quantities = self._lv + 3 * self._cap
            out.bid_capacity = out.ask_capacity = self._cap
            if wex_depth_decode(buf, <size_t>n, self._pp, self._qp, &out, &err) == 0:
                break
            if err.code == WEX_E_CAPACITY and self._cap < (1 << 24):
                self._grow(self._cap * 8)   # a message bigger than any before
                continue
            raise wex_error_exception(NULL, &err)
        self._nb = out.bid_count
        self._na = out.ask_count
        self._first = out.first_id
        self._last = out.last_id
        self._prev = out.previous_id
        self._ready = True
        return <Py_ssize_t>(self._nb + self._na)

    @property
    def first_id(self):
        """The decoded frame's first update id (``fi``/``fu``), or None."""
        return self._first if self._ready and self._first >= 0 else None

    @property
    def last_id(self):
        """The decoded frame's last update id (``i``/``u``...), or None."""
        return self._last if self._ready and self._last >= 0 else None

    @property
    def previous_id(self):
        """The decoded frame's ``pu`` (futures), or None."""
        return self._prev if self._ready and self._prev >= 0 else None

    def record(self, uint64_t epoch, uint64_t seq, int64_t time_ns):
        """The delta record of the last decoded frame."""
        cdef char *body
        cdef int flags = _F_FUTURES if self._futures else 0
        cdef int64_t prev = -1
        cdef size_t nb = self._nb, na = self._na, j
        cdef int64_t *lv = self._lv
        if not self._ready:
            raise ValueError("no decoded frame")
        if self._first < 0 or self._last < 0:
            raise ValueError("the frame carries no update ids")
        for j in range(nb):
            if lv[j] <= 0 or lv[self._cap + j] < 0:
                raise ValueError(f"bids[{j}]: ticks {lv[j]}/{lv[self._cap + j]}")
        for j in range(na):
            if lv[2 * self._cap + j] <= 0 or lv[3 * self._cap + j] < 0:
                raise ValueError(f"asks[{j}]: ticks {lv[2 * self._cap + j]}/"
                                 f"{lv[3 * self._cap + j]}")
        if self._futures and self._prev >= 0:
            prev = self._prev
            flags |= _F_PREVIOUS
        out = _header(_K_DELTA, flags, self._sym, self._pp, self._qp, epoch, seq, self._first,
                      self._last, prev, time_ns, 0, nb, na, (nb + na) * 16, &body)
        memcpy(body, lv, nb * 8)
        memcpy(body + nb * 8, lv + self._cap, nb * 8)
        body += nb * 16
        memcpy(body, lv + 2 * self._cap, na * 8)
        memcpy(body + na * 8, lv + 3 * self._cap, na * 8)
        return out


def encode_trade(str symbol, int price_precision, int quantity_precision, uint64_t epoch,
                 uint64_t seq, int64_t trade_id, int64_t price, int64_t quantity,
                 int64_t trade_time_ms, int64_t time_ns, bint buyer_is_maker,
                 bint futures=False):
    """A public trade record: ``price`` and ``quantity`` in ticks."""
    cdef char *body
    cdef int flags = (_F_FUTURES if futures else 0) | (_F_MAKER if buyer_is_maker else 0)
    if price <= 0 or quantity < 0:
        raise ValueError(f"bad trade price/quantity ticks {price}/{quantity}")
    out = _header(_K_TRADE, flags, _symbol_bytes(symbol), price_precision,
                  quantity_precision, epoch, seq, trade_id, trade_id, -1, time_ns, 0, 0, 0,
                  24, &body)
    _put64(body, <uint64_t>price)
    _put64(body + 8, <uint64_t>quantity)
    _put64(body + 16, <uint64_t>trade_time_ms)
    return out


def with_stream_seq(data, uint64_t stream_seq):
    """A copy of the record with its ``stream_seq`` field set."""
    cdef Py_ssize_t n
    cdef const char *buf = _data(data, &n)
    cdef _Hdr h
    _parse(buf, n, &h)
    out = PyBytes_FromStringAndSize(buf, n)
    _put64(PyBytes_AS_STRING(out) + 56, stream_seq)
    return out


@cython.final
cdef class Int64Span:
    """A read-only int64 buffer over part of a record (zero copy).

    .. warning:: it borrows the record's memory; it keeps the record alive,
       and is what the book kernel's ``apply_levels`` reads directly.
    """

    cdef object _owner
    cdef const char *_ptr
    cdef int _ndim
    cdef Py_ssize_t _shape[2]
    cdef Py_ssize_t _strides[2]

    def __len__(self):
        return self._shape[0]

    def __getbuffer__(self, Py_buffer *view, int flags):
        if flags & PyBUF_WRITABLE:
            raise BufferError("Int64Span is read-only")
        view.buf = <void *>self._ptr
        view.obj = self
        view.len = self._shape[0] * (self._shape[1] if self._ndim == 2 else 1) * 8
        view.readonly = 1
        view.itemsize = 8
        view.format = _FORMAT_Q if (flags & PyBUF_FORMAT) else NULL
        view.ndim = self._ndim
        view.shape = self._shape
        view.strides = self._strides
        view.suboffsets = NULL
        view.internal = NULL

    def __releasebuffer__(self, Py_buffer *view):
        pass

    def tolist(self):
        cdef Py_ssize_t i, j, w = self._shape[1] if self._ndim == 2 else 1
        if self._ndim == 2:
            return [[_i64(self._ptr + 8 * (i * w + j)) for j in range(w)]
                    for i in range(self._shape[0])]
        return [_i64(self._ptr + 8 * i) for i in range(self._shape[0])]


cdef Int64Span _span(object owner, const char *ptr, Py_ssize_t n):
    cdef Int64Span s = Int64Span.__new__(Int64Span)
    s._owner = owner
    s._ptr = ptr
    s._ndim = 1
    s._shape[0] = n
    s._strides[0] = 8
    return s


cdef Int64Span _span2(object owner, const char *ptr, Py_ssize_t rows, Py_ssize_t cols):
    cdef Int64Span s = _span(owner, ptr, rows)
    s._ndim = 2
    s._shape[1] = cols
    s._strides[0] = 8 * cols
    s._strides[1] = 8
    return s


@cython.final
cdef class Record:
    """A decoded record (validated); level arrays are zero-copy
    :class:`Int64Span` views into ``data``."""

    cdef readonly bytes data
    cdef _Hdr _h

    def __init__(self, data):
        cdef Py_ssize_t n
        cdef const char *buf = _data(data, &n)
        _parse(buf, n, &self._h)
        self.data = data

    @property
    def kind(self):
        return self._h.kind

    @property
    def futures(self):
        return bool(self._h.flags & _F_FUTURES)

    @property
    def symbol(self):
        return PyBytes_AS_STRING(self.data)[_HDR:_HDR + self._h.sym_len].decode("ascii")

    @property
    def price_precision(self):
        return self._h.pp

    @property
    def quantity_precision(self):
        return self._h.qp

    @property
    def epoch(self):
        return self._h.epoch

    @property
    def seq(self):
        return self._h.seq

    @property
    def first_id(self):
        return self._h.first

    @property
    def last_id(self):
        return self._h.last

    @property
    def previous_id(self):
        return self._h.prev if (self._h.flags & _F_PREVIOUS) else None

    @property
    def time_ns(self):
        return self._h.time_ns

    @property
    def stream_seq(self):
        return self._h.stream_seq

    @property
    def n_bids(self):
        return self._h.nb

    @property
    def n_asks(self):
        return self._h.na

    def bids(self):
        """``(prices, quantities)`` in ticks, as in the record."""
        cdef const char *b = PyBytes_AS_STRING(self.data) + self._h.body
        cdef Py_ssize_t nb = self._h.nb
        return _span(self.data, b, nb), _span(self.data, b + nb * 8, nb)

    def asks(self):
        """``(prices, quantities)`` in ticks, as in the record."""
        cdef const char *b = PyBytes_AS_STRING(self.data) + self._h.body + self._h.nb * 16
        cdef Py_ssize_t na = self._h.na
        return _span(self.data, b, na), _span(self.data, b + na * 8, na)

    @property
    def trade(self):
        """A trade record's ``(price_ticks, quantity_ticks, trade_time_ms,
        buyer_is_maker)``; ``None`` for other kinds."""
        cdef const char *b = PyBytes_AS_STRING(self.data) + self._h.body
        if self._h.kind != _K_TRADE:
            return None
        return _i64(b), _i64(b + 8), _i64(b + 16), bool(self._h.flags & _F_MAKER)

    def snapshot_body(self):
        """The book as a depth body ``{"lastUpdateId","bids","asks"}`` with
        exact decimal strings, which ``OrderBook.load_snapshot`` reads."""
        if self._h.kind != _K_SNAPSHOT:
            raise ValueError("only a snapshot record has a book body")
        return _snapshot_body(self.data, &self._h)


cdef Py_ssize_t _fmt(char *out, int64_t v, int prec) noexcept nogil:
    """Ticks ``v`` (>= 0) at ``prec`` as exact decimal text; returns its length."""
    cdef char tmp[24]
    cdef int k = 0, i
    cdef Py_ssize_t n = 0
    cdef uint64_t u = <uint64_t>v
    while u or k <= prec:
        tmp[k] = <char>(48 + u % 10)
        u //= 10
        k += 1
    # tmp holds the digits reversed, at least prec + 1 of them
    for i in range(k - 1, -1, -1):
        out[n] = tmp[i]
        n += 1
        if i == prec and prec > 0:
            out[n] = b'.'
            n += 1
    return n


cdef bytes _snapshot_body(bytes data, _Hdr *h):
    cdef const char *b = PyBytes_AS_STRING(data) + h.body
    cdef Py_ssize_t total = h.nb + h.na, cap = 64 + total * 52, n = 0, i, side, cnt
    cdef const char *px
    cdef const char *qt
    cdef int64_t p, q
    cdef char *out = <char *>malloc(cap)
    if out is NULL:
        raise MemoryError()
    try:
        n += _fmt_id(out, h.last)
        for side in range(2):
            cnt = h.nb if side == 0 else h.na
            px = b if side == 0 else b + h.nb * 16
            qt = px + cnt * 8
            memcpy(out + n, b'],"asks":[' if side else b',"bids":[', 10 if side else 9)
            n += 10 if side else 9
            for i in range(cnt):
                p = _i64(px + 8 * i)
                q = _i64(qt + 8 * i)
                if p <= 0 or q < 0:
                    raise DecodeError(f"{'asks' if side else 'bids'}[{i}]: ticks {p}/{q}",
                                      field="asks" if side else "bids")
                if i:
                    out[n] = b','
                    n += 1
                out[n] = b'['
                out[n + 1] = b'"'
                n += 2
                n += _fmt(out + n, p, h.pp)
                memcpy(out + n, b'","', 3)
                n += 3
                n += _fmt(out + n, q, h.qp)
                out[n] = b'"'
                out[n + 1] = b']'
                n += 2
        memcpy(out + n, b']}', 2)
        n += 2
        return PyBytes_FromStringAndSize(out, n)
    finally:
        free(out)


cdef Py_ssize_t _fmt_id(char *out, int64_t last) noexcept nogil:
    cdef Py_ssize_t n = 16
    memcpy(out, b'{"lastUpdateId":', 16)
    n += _fmt(out + n, last, 0)
    return n


cdef class BookFollower:
    """Keeps one order book equal to a symbol's record stream.

    ``feed(record)`` applies a delta (its record number must continue the
    previous record of the same epoch, and its update ids the book's), loads
    a snapshot, or says why the book cannot follow (a negative result; the
    follower is then out of sync and ignores deltas until the next snapshot,
    from the stream or handed to :meth:`load`). Records of an older epoch
    (a publisher that lost its lease) are ignored, and so are records the
    book is already past (the same epoch, a record number not above the
    last one): a consumer fed by two paths (the live subscription and the
    stream) sees most records twice.

    Args:
        book: an ``OrderBook`` of the symbol (its ``apply_levels`` and
            ``load_snapshot`` are used, nothing else).
    """

    cdef public object book
    cdef bytes _sym
    cdef object _apply_levels
    cdef object _apply_many
    cdef object _load_snapshot
    cdef bytearray _scratch
    cdef int _pp, _qp
    cdef public uint64_t epoch
    cdef public uint64_t seq
    cdef public bint synced
    cdef public int64_t last_time_ns
    cdef public long long applied, snapshots, stale, ignored
    #: index (in the list given to feed_many) of the record that stopped the
    #: last run, or -1
    cdef public Py_ssize_t stopped_at
    #: how many records of the list the last feed_many went through
    cdef public Py_ssize_t taken

    def __init__(self, book):
        self.book = book
        self._sym = (<str>book.symbol).encode("ascii")
        self._pp = book.price_precision
        self._qp = book.quantity_precision
        self._apply_levels = book.apply_levels
        self._apply_many = book.apply_many
        self._scratch = bytearray()
        self._load_snapshot = book.load_snapshot
        self.epoch = 0
        self.seq = 0
        self.synced = False
        self.stopped_at = -1
        self.taken = 0

    cdef int _check(self, const char *buf, _Hdr *h) except -1:
        if (h.sym_len != len(self._sym)
                or memcmp(buf + _HDR, PyBytes_AS_STRING(self._sym), h.sym_len) != 0):
            raise DecodeError(f"record for {buf[_HDR:_HDR + h.sym_len]!r}, book is "
                              f"{self._sym!r}", field="symbol", offset=_HDR)
        if h.pp != self._pp or h.qp != self._qp:
            raise DecodeError(f"record precisions {h.pp}/{h.qp}, book's "
                              f"{self._pp}/{self._qp}", field="price_precision", offset=6)
        return 0

    cdef int _position(self, _Hdr *h) noexcept:
        if h.kind == _K_TRADE or h.epoch < self.epoch:
            return -1
        if h.kind == _K_SNAPSHOT:
            if self.synced and h.epoch == self.epoch and h.seq <= self.seq:
                return -1
            return 0
        if not self.synced or h.epoch != self.epoch:
            return 1                    # waits for a snapshot
        if h.seq <= self.seq:
            return -1
        return 0 if h.seq == self.seq + 1 else 1

    def position(self, data):
        """Where a record stands against the book, without applying it:
        ``POSITION_NEXT`` (:meth:`feed` would apply or load it),
        ``POSITION_BEHIND`` (already applied, an older owner's, or a trade:
        :meth:`feed` would ignore it) or ``POSITION_AHEAD`` (records before
        it are missing). Raises ``DecodeError`` as :meth:`feed` does."""
        cdef Py_ssize_t n
        cdef const char *buf = _data(data, &n)
        cdef _Hdr h
        _parse(buf, n, &h)
        self._check(buf, &h)
        return self._position(&h)

    def load(self, data):
        """Load a snapshot record unconditionally (a resync); returns
        ``FOLLOW_SNAPSHOT`` (or ``FOLLOW_CROSSED`` for a crossed book)."""
        cdef Py_ssize_t n
        cdef const char *buf = _data(data, &n)
        cdef _Hdr h
        _parse(buf, n, &h)
        if h.kind != _K_SNAPSHOT:
            raise DecodeError("a resync needs a snapshot record", field="kind", offset=4)
        self._check(buf, &h)
        return self._install(data, &h)

    cdef int _install(self, bytes data, _Hdr *h) except? -9:
        body = _snapshot_body(data, h)
        result = self._load_snapshot(body)
        self.epoch = h.epoch
        self.seq = h.seq
        self.last_time_ns = h.time_ns
        self.snapshots += 1
        if result == 2:
            self.synced = False
            return -4
        self.synced = True
        return 2

    def feed(self, data):
        """Apply one record from the stream; returns a ``FOLLOW_*`` code."""
        cdef Py_ssize_t n, nb, na
        cdef const char *buf = _data(data, &n)
        cdef const char *b
        cdef _Hdr h
        cdef uint64_t old
        _parse(buf, n, &h)
        self._check(buf, &h)
        if self._position(&h) < 0:
            self.ignored += 1          # an older owner's, a trade, or already applied
            return 3
        if h.kind == _K_SNAPSHOT:
            old = self.epoch
            code = self._install(data, &h)
            if code == 2 and old != 0 and h.epoch != old:
                return 4
            return code
        if not self.synced:
            self.ignored += 1
            return 3
        if h.epoch != self.epoch:
            self.synced = False         # a new owner whose snapshot we missed
            return -1
        if h.seq != self.seq + 1:
            self.synced = False
            return -2
        b = buf + h.body
        nb = h.nb
        na = h.na
        try:
            result = self._apply_levels(
                h.first, h.last, _span(data, b, nb), _span(data, b + nb * 8, nb),
                _span(data, b + nb * 16, na), _span(data, b + nb * 16 + na * 8, na),
                h.prev if (h.flags & _F_PREVIOUS) else None)
        except SequenceGap:
            self.synced = False
            return -3
        self.seq = h.seq
        self.last_time_ns = h.time_ns
        if result == 0:
            self.stale += 1
            return 0
        if result == 2:
            self.synced = False
            return -4
        self.applied += 1
        return 1

    def feed_many(self, list records):
        """Apply a run of delta records with one ``apply_many`` call (the
        kernel loops over them with the GIL released).

        The run is the records up to the first that is not a delta (a
        snapshot or a trade, for the caller to :meth:`feed` by itself);
        :attr:`taken` says how many records the call went through. They are
        all validated before anything is applied (a bad one raises
        ``DecodeError`` with the book unchanged, so the caller can fall back
        to :meth:`feed` one by one). Records of an older epoch and records
        already applied are skipped. The run stops at the first record that
        cannot follow (returned code as :meth:`feed`; it and the rest are
        not taken, the follower is out of sync). Returns ``FOLLOW_APPLIED``
        when the run went through (stale updates included),
        ``FOLLOW_IGNORED`` when the follower was out of sync. A book left
        crossed by the run is reported as ``FOLLOW_CROSSED``.
        """
        cdef Py_ssize_t m = len(records), i, k = 0, nb = 0, na = 0, words, off
        cdef Py_ssize_t n
        cdef const char *buf
        cdef _Hdr *hs
        cdef int stop = 1
        cdef uint64_t seq = self.seq
        cdef char *base
        cdef int64_t *ids
        cdef int64_t *bo
        cdef int64_t *ao
        cdef int64_t *bp
        cdef int64_t *bq
        cdef int64_t *ap
        cdef int64_t *aq
        cdef Py_ssize_t *where
        cdef int64_t book_last
        self.stopped_at = -1
        self.taken = m
        if not self.synced:
            self.ignored += m
            return 3
        if m == 0:
            return 1
        hs = <_Hdr *>malloc(m * (sizeof(_Hdr) + sizeof(Py_ssize_t)))
        if hs is NULL:
            raise MemoryError()
        where = <Py_ssize_t *>(hs + m)
        keep = []
        try:
            for i in range(m):
                data = records[i]
                buf = _data(data, &n)
                _parse(buf, n, &hs[k])
                self._check(buf, &hs[k])
                if hs[k].kind != _K_DELTA:
                    self.taken = i          # a snapshot or a trade ends the run
                    break
                if hs[k].epoch < self.epoch or (hs[k].epoch == self.epoch and hs[k].seq <= seq):
                    self.ignored += 1       # an older owner's, or already applied
                    continue
                if hs[k].epoch != self.epoch:
                    stop = -1
                    self.stopped_at = self.taken = i
                    break
                if hs[k].seq != seq + 1:
                    stop = -2
                    self.stopped_at = self.taken = i
                    break
                where[k] = i
                seq = hs[k].seq
                nb += hs[k].nb
                na += hs[k].na
                keep.append(data)
                k += 1
            if k:
                words = 3 * k + 2 * (k + 1) + 2 * nb + 2 * na
                if len(self._scratch) < words * 8:
                    self._scratch = bytearray(words * 8 * 2)
                scratch = self._scratch
                base = <char *>(<bytearray>scratch)
                ids = <int64_t *>base
                bo = ids + 3 * k
                ao = bo + k + 1
                bp = ao + k + 1
                bq = bp + nb
                ap = bq + nb
                aq = ap + na
                bo[0] = 0
                ao[0] = 0
                for i in range(k):
                    buf = PyBytes_AS_STRING(<bytes>keep[i]) + hs[i].body
                    ids[3 * i] = hs[i].first
                    ids[3 * i + 1] = hs[i].last
                    ids[3 * i + 2] = hs[i].prev if (hs[i].flags & _F_PREVIOUS) else -1
                    off = bo[i]
                    memcpy(bp + off, buf, hs[i].nb * 8)
                    memcpy(bq + off, buf + hs[i].nb * 8, hs[i].nb * 8)
                    bo[i + 1] = off + hs[i].nb
                    buf += hs[i].nb * 16
                    off = ao[i]
                    memcpy(ap + off, buf, hs[i].na * 8)
                    memcpy(aq + off, buf + hs[i].na * 8, hs[i].na * 8)
                    ao[i + 1] = off + hs[i].na
                try:
                    applied = self._apply_many(
                        _span2(scratch, <char *>ids, k, 3), _span(scratch, <char *>bo, k + 1),
                        _span(scratch, <char *>bp, nb), _span(scratch, <char *>bq, nb),
                        _span(scratch, <char *>ao, k + 1), _span(scratch, <char *>ap, na),
                        _span(scratch, <char *>aq, na))
                except SequenceGap:
                    # the run applied up to the record that broke the sequence
                    self.synced = False
                    book_last = self.book.last_update_id
                    for i in range(k):
                        if hs[i].last > book_last:
                            self.stopped_at = self.taken = where[i]
                            break
                    return -3
                self.seq = seq
                self.last_time_ns = hs[k - 1].time_ns
                self.applied += applied
                self.stale += k - applied
        finally:
            free(hs)
        if stop < 0:
            self.synced = False
            return stop
        if self.book.is_crossed():
            self.synced = False
            return -4
        return 1
