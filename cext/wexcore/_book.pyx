# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Order book kernel: exact L2 books in contiguous arrays, with the exchange's
sequence rules, fed straight from raw depth bytes.

Storage
-------
Each side is one contiguous array of 16-byte ``(key, quantity)`` levels, kept
sorted by key in ascending order with the **best level at the far end**. The
key is the price in ticks for bids and minus the price for asks, so both sides
share one code path and "best" is always the last element. Prices are int64
ticks at the symbol's ``pricePrecision``, quantities int64 at its
``quantityPrecision``; no float is involved until a read asks for one.

Finding a level is a galloping search that starts at the best level (steps 1,
2, 4, ... away from the touch, then a binary search in the bracket), so a
change ``d`` levels from the touch costs O(log d) comparisons, and inserting or
deleting moves only the ``d`` levels between it and the touch (one
``memmove``). Market data is concentrated near the touch, which is exactly the
cheap end. The costs of this choice:

* a change deep in a big book moves many levels (5,000 levels deep is one
  80 kB memmove, about 2-4 µs) — rare in real streams, and bounded;
* memory is 16 bytes per level times the array capacity (growth by 1.5x), so
  a book costs 16-24 bytes per level plus small per-message scratch arrays,
  against a tick-indexed ladder whose memory grows with the price *range*
  (a 500-level BTC book spread over 50,000 ticks would need 800 kB a side).

Messages
--------
``apply``/``load_snapshot``/``replace`` accept the raw bytes of a push frame,
a REST envelope or a bare data object, or an already decoded dict. Bytes go
through a C scanner (``cext/csrc/wex_depth.h``) that writes tick arrays
directly; a shape it does not recognise falls back to ``orjson.loads`` and the
validating dict path, which produces the same arrays. Every message is fully
decoded and validated, its sequence checked and the book's capacity reserved
*before* the first level changes, so a bad message leaves the book exactly as
it was.

Spec decisions
--------------
* Futures REST depth: the English docs label ``"a"`` Buy and ``"b"`` Sell;
  the Chinese docs say ``a`` 卖单 (asks) and ``b`` 买单 (bids), as every push
  message does. ``a`` is read as asks, ``b`` as bids, everywhere.
* The futures procedure fetches ``/future/market/v1/public/depth?level=500``;
  the documented endpoint is ``.../public/q/depth`` (level 1-50). Both bodies
  have the same shape; ``load_snapshot`` takes either.
* ``pu`` is checked only from the second applied event on: the first event
  straddles the snapshot id, so its ``pu`` names an id the book never saw.
* After a gap the book refuses every update (``SequenceGap``, "out of sync")
  until a snapshot, so nothing is applied on top of a book known to be wrong.
* A book whose best bid equals its best ask counts as crossed.
* Futures limited depth carries ``"id"`` (a string in the example) instead of
  ``u``, and ``"s":"btc_index"`` on a btc_usdt topic: ``replace`` reads the id
  from ``i``/``id``/``u``/``lastUpdateId`` and does not check the symbol.
  ``apply`` and ``load_snapshot`` reject a message whose ``s`` differs from
  the book's symbol (exact bytes).
* Values: digits below the precision are accepted only when they are zeros;
  every negative value (also ``-0``) is rejected; a price repeated within one
  message is applied in order (the last one wins), in a snapshot the last one
  wins and zero quantities are skipped. Ids are integers (bare or quoted) in
  0..2**63-1 and never pass through a float.

Threads
-------
A book is not thread-safe. ``apply_many`` (and ``apply_levels`` for large
messages) release the GIL while they change the arrays; the book marks itself
busy meanwhile and any other call on it raises ``RuntimeError`` instead of
reading torn state. Sharing one book between threads needs the caller's lock.
"""

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE, PyBytes_CheckExact
from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_WRITABLE, PyBUF_C_CONTIGUOUS
from libc.stdint cimport int64_t, uint64_t, uint32_t, INT64_MAX
from libc.string cimport memcmp, memcpy
from libc.stdlib cimport malloc, free

import enum
import json
from decimal import Decimal

import numpy
import orjson

from wexcore.errors import DecodeError, PrecisionError, SequenceGap

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object s, Py_ssize_t* size) except NULL

cdef extern from "wex_depth.h" nogil:
    int WEX_DEC_OK, WEX_DEC_SYNTAX, WEX_DEC_NEGATIVE, WEX_DEC_PRECISION, WEX_DEC_RANGE
    int WEX_SCAN_OK, WEX_SCAN_FALLBACK, WEX_SCAN_BADVALUE, WEX_SCAN_NOMEM
    int WEX_ID_FI, WEX_ID_I, WEX_ID_FU, WEX_ID_U, WEX_ID_PU, WEX_ID_ID, WEX_ID_LAST, WEX_ID_COUNT


    int wex_dec_to_ticks(const char *s, size_t n, int prec, int64_t *out)
    int wex_side_reserve(wex_side_buf *b, size_t need)
    void wex_side_free(wex_side_buf *b)
    void wex_side_shrink(wex_side_buf *b, size_t keep)
    void wex_depth_reset(wex_depth_msg *m)
    int wex_scan_depth(const char *buf, size_t len, int pp, int qp, wex_depth_msg *m)

cdef extern from "wex_book.h":
    int wex_book_reserve(wex_side *s, size_t need) nogil
    size_t wex_book_find(const wex_level *lv, size_t n, int64_t key) nogil
    void wex_book_set(wex_side *s, int64_t key, int64_t qty) nogil
    void wex_book_apply(wex_side *s, const int64_t *px, const int64_t *qt, size_t n, int neg) nogil
    int wex_book_build(wex_side *out, const int64_t *px, const int64_t *qt, size_t n, int neg) nogil
    void wex_crc_init()
    uint32_t wex_crc_le64(uint32_t crc, int64_t v) nogil

wex_crc_init()


class ApplyResult(enum.IntEnum):
    """What ``apply`` (and ``load_snapshot``/``replace``) did with a message."""

    #: The message's last update id is not newer than the book's: ignored.
    STALE = 0
    #: Applied; the book is not crossed.
    APPLIED = 1
    #: Applied, and the best bid is now at or above the best ask.
    CROSSED = 2


cdef object _STALE = ApplyResult.STALE
cdef object _APPLIED = ApplyResult.APPLIED
cdef object _CROSSED = ApplyResult.CROSSED

# numpy arrays for the read path without numpy's headers (the build adds no
# numpy include directory): PyArray_New and PyArray_Type are taken from the
# C-API table numpy exports as a capsule, at the slots numpy's own
# __multiarray_api.h uses (2 and 93, unchanged since numpy 1.x), and the data
# pointer is the first field after PyObject_HEAD, as in PyArrayObject_fields.
# Verified once at import; on any doubt the reads fall back to numpy.empty.
cdef extern from *:
    """
    typedef PyObject *(*wex_array_new_fn)(PyTypeObject *, int, Py_ssize_t const *, int,
                                          Py_ssize_t const *, void *, int, int, PyObject *);
    static wex_array_new_fn wex_array_new = NULL;
    static PyTypeObject *wex_array_type = NULL;
    typedef struct { PyObject_HEAD char *data; } wex_array_head;
    static int wex_numpy_bind(PyObject *capsule) {
        void **api = (void **)PyCapsule_GetPointer(capsule, NULL);
        if (!api) { PyErr_Clear(); return -1; }
        wex_array_type = (PyTypeObject *)api[2];
        wex_array_new = (wex_array_new_fn)api[93];
        return 0;
    }
    static void wex_numpy_unbind(void) { wex_array_new = NULL; }
    static PyObject *wex_array_2d(Py_ssize_t rows, Py_ssize_t cols, int typenum) {
        Py_ssize_t dims[2] = {rows, cols};
        return wex_array_new(wex_array_type, 2, dims, typenum, NULL, NULL, 0, 0, NULL);
    }
    static inline char *wex_array_data(PyObject *a) { return ((wex_array_head *)a)->data; }
    """
    int wex_numpy_bind(object capsule) except? -1
    void wex_numpy_unbind()
    object wex_array_2d(Py_ssize_t rows, Py_ssize_t cols, int typenum)
    char *wex_array_data(object a)


cdef object _np_empty = numpy.empty
cdef object _F64 = numpy.dtype(numpy.float64)
cdef object _I64 = numpy.dtype(numpy.int64)
cdef object _loads = orjson.loads
cdef object _JSONDecodeError = orjson.JSONDecodeError

cdef int _NPY_F64 = _F64.num
cdef int _NPY_I64 = _I64.num
cdef object _capsule = None


cdef bint _bind_numpy():
    """Bind the numpy C-API table and check it makes the arrays we expect."""
    global _capsule
    try:
        try:
            from numpy._core import _multiarray_umath as _mu
        except ImportError:  # numpy 1.x
            from numpy.core import _multiarray_umath as _mu
        _capsule = _mu._ARRAY_API
        if wex_numpy_bind(_capsule) != 0:
            return False
        probe = wex_array_2d(3, 2, _NPY_I64)
        (<int64_t *>wex_array_data(probe))[5] = 42
        if (type(probe) is not numpy.ndarray or probe.shape != (3, 2) or probe.dtype != _I64
                or probe[2, 1] != 42 or not probe.flags.c_contiguous or not probe.flags.writeable):
            wex_numpy_unbind()
            return False
        probe = wex_array_2d(1, 2, _NPY_F64)
        (<double *>wex_array_data(probe))[1] = 0.5
        if probe.dtype != _F64 or probe[0, 1] != 0.5:
            wex_numpy_unbind()
            return False
        return True
    except Exception:
        wex_numpy_unbind()
        return False


cdef bint _fast_arrays = _bind_numpy()

cdef double _POW10[23]
cdef int _k
_POW10[0] = 1.0
for _k in range(1, 23):
    _POW10[_k] = _POW10[_k - 1] * 10.0

cdef int64_t _IPOW10[19]
_IPOW10[0] = 1
for _k in range(1, 19):
    _IPOW10[_k] = _IPOW10[_k - 1] * 10

# sequence check outcomes
cdef enum:
    SEQ_STALE = 0
    SEQ_OK = 1
    SEQ_GAP = 2
    SEQ_GAP_PREV = 3
    SEQ_NOSYNC = 4

cdef enum:
    KIND_UPDATE = 0
    KIND_LIMITED = 1

MAX_PRECISION = 18
_SIDE_NAMES = ("bids", "asks")
_COLUMN_NAMES = ("price", "quantity")


# ---------------------------------------------------------------- decoding

cdef inline str _span(const char *p, size_t n):
    if p == NULL:
        return None
    return p[:n].decode("utf-8", "replace")


cdef object _dec_error(int rc, str text, int precision, str field, object topic, Py_ssize_t offset):
    if rc == WEX_DEC_PRECISION:
        return PrecisionError(text, precision, field)
    if rc == WEX_DEC_NEGATIVE:
        why = f"negative value {text!r}"
    elif rc == WEX_DEC_RANGE:
        why = f"value {text!r} is out of range for int64 ticks at precision {precision}"
    else:
        why = f"not a decimal number: {text!r}"
    return DecodeError(why, topic=topic, field=field, offset=offset)


cdef int64_t _value_to_ticks(object v, int precision, str field, object topic) except? -1:
    """A decoded JSON value (str, int, float, Decimal) -> exact ticks."""
    cdef Py_ssize_t n
    cdef const char *s
    cdef int64_t out = 0
    cdef int rc
    if isinstance(v, str):
        text = <str>v
    elif isinstance(v, bool) or v is None:
        raise DecodeError(f"not a decimal number: {v!r}", topic=topic, field=field)
    elif isinstance(v, int):
        text = str(v)
    elif isinstance(v, float):
        # A JSON number the validating path read as a float: repr() is the
        # shortest decimal that round-trips, i.e. the literal as sent for up
        # to 15 significant digits. The byte scanner reads such numbers exactly.
        text = repr(v)
    elif isinstance(v, Decimal):
        text = str(v)
    else:
        raise DecodeError(f"not a decimal number: {v!r}", topic=topic, field=field)
    try:
        s = PyUnicode_AsUTF8AndSize(text, &n)
    except UnicodeEncodeError:
        raise DecodeError(f"not a decimal number: {text!r}", topic=topic, field=field) from None
    rc = wex_dec_to_ticks(s, <size_t>n, precision, &out)
    if rc != WEX_DEC_OK:
        raise _dec_error(rc, text, precision, field, topic, -1)
    return out


def decimal_to_ticks(value, int precision):
    """Convert a decimal (str, int, float via its repr, Decimal) to int ticks
    at ``precision`` exactly, as the book does for every price and quantity.

    Raises :class:`wexcore.PrecisionError` for non-zero digits below the
    precision and :class:`wexcore.DecodeError` (a ``ValueError``) for negative,
    non-numeric or out-of-range values.
    """
    if precision < 0 or precision > MAX_PRECISION:
        raise ValueError(f"precision must be 0..{MAX_PRECISION}, got {precision}")
    return _value_to_ticks(value, precision, None, None)


cdef int64_t _id_value(object v, str field, object topic) except? -2:
    """An update id from a decoded message; -1 when absent (None)."""
    if v is None:
        return -1
    if isinstance(v, bool):
        raise DecodeError(f"update id must be an integer, got {v!r}", topic=topic, field=field)
    if isinstance(v, int):
        iv = v
    elif isinstance(v, str) and (<str>v).isdigit() and (<str>v).isascii():
        iv = int(v)
    else:
        raise DecodeError(f"update id must be an integer, got {v!r}", topic=topic, field=field)
    if iv < 0 or iv > INT64_MAX:
        raise DecodeError(f"update id out of range: {v!r}", topic=topic, field=field)
    return <int64_t>iv


cdef object _json_loads = json.loads


cdef object _loads_checked(object frame):
    """The fallback path's parser. orjson decides what is valid JSON, as on
    every path; the document is then read again with its number literals
    kept as text, so that a level is validated from the characters that were
    sent, exactly as the scanner does (``-0`` and ``1e-400`` are refused
    here too, where a float would have made them 0)."""
    try:
        _loads(frame)
    except _JSONDecodeError as e:
        raise DecodeError(f"invalid JSON: {e}", offset=getattr(e, "pos", -1) or 0) from None
    try:
        return _json_loads(frame, parse_float=str, parse_int=str)
    except (ValueError, RecursionError) as e:
        raise DecodeError(f"invalid JSON: {e}") from None


cdef tuple _ID_KEYS = (("fi", WEX_ID_FI), ("i", WEX_ID_I), ("fu", WEX_ID_FU), ("u", WEX_ID_U),
                       ("pu", WEX_ID_PU), ("id", WEX_ID_ID), ("lastUpdateId", WEX_ID_LAST))


cdef inline object _exact(object v, str field, object topic):
    """A decoded level value the book can validate exactly. A float cannot:
    the parser that made it may have rounded it (``1e-400`` became 0.0), so
    the book refuses it as the bytes path would refuse what was sent."""
    if isinstance(v, float):
        raise DecodeError(f"a float ({v!r}) is not an exact decimal: pass prices and "
                          "quantities as text (as the exchange sends them), int or Decimal",
                          topic=topic, field=field)
    return v


cdef int _fill_levels(wex_depth_msg *m, int side, object levels, str name, int pp, int qp,
                      object topic) except -1:
    cdef wex_side_buf *b = &m.side[side]
    cdef Py_ssize_t j = 0
    cdef int64_t px, qt
    if not isinstance(levels, list):
        raise DecodeError(f"expected a list of [price, quantity], got {type(levels).__name__}",
                          topic=topic, field=name)
    if wex_side_reserve(b, <size_t>len(<list>levels)):
        raise MemoryError()
    for lvl in <list>levels:
        if not isinstance(lvl, (list, tuple)) or len(lvl) != 2:
            raise DecodeError(f"level must be [price, quantity], got {lvl!r}",
                              topic=topic, field=f"{name}[{j}]")
        px = _value_to_ticks(_exact(lvl[0], f"{name}[{j}].price", topic), pp,
                             f"{name}[{j}].price", topic)
        qt = _value_to_ticks(_exact(lvl[1], f"{name}[{j}].quantity", topic), qp,
                             f"{name}[{j}].quantity", topic)
        b.price[b.n] = px
        b.qty[b.n] = qt
        b.n += 1
        j += 1
    m.sides_seen |= 1u << side
    return 0


cdef int _fill_from_obj(wex_depth_msg *m, object obj, int pp, int qp, list keep) except -1:
    """The validating path: a decoded dict -> the same scratch arrays."""
    cdef bytes kb
    wex_depth_reset(m)
    keep.clear()
    if not isinstance(obj, dict):
        raise DecodeError(f"expected a JSON object, got {type(obj).__name__}")
    d = <dict>obj
    topic = d.get("topic")
    if not isinstance(topic, str):
        topic = None
    if topic is not None:
        kb = (<str>topic).encode()
        keep.append(kb)
        m.topic = PyBytes_AS_STRING(kb)
        m.topic_len = <size_t>PyBytes_GET_SIZE(kb)
    event = d.get("event")
    if isinstance(event, str):
        kb = (<str>event).encode()
        keep.append(kb)
        m.event = PyBytes_AS_STRING(kb)
        m.event_len = <size_t>PyBytes_GET_SIZE(kb)
    inner = d
    if "data" in d:
        inner = d["data"]
        where = "data"
    elif "result" in d:
        for code_key, msg_key in (("rc", "mc"), ("returnCode", "msgInfo")):
            if code_key in d and d[code_key] not in (0, "0"):
                raise DecodeError(
                    f"response reports an error: {code_key}={d[code_key]!r} "
                    f"{d.get(msg_key)!r} {d.get('error')!r}", field=code_key)
        inner = d["result"]
        where = "result"
    else:
        where = "message"
    if not isinstance(inner, dict):
        raise DecodeError(f"expected an object, got {type(inner).__name__}", topic=topic, field=where)
    di = <dict>inner
    for key, which in _ID_KEYS:
        v = di.get(key)
        if v is not None:
            m.ids[which] = _id_value(v, key, topic)
            m.ids_seen |= 1u << which
    s = di.get("s")
    if isinstance(s, str):
        kb = (<str>s).encode()
        keep.append(kb)
        m.symbol = PyBytes_AS_STRING(kb)
        m.symbol_len = <size_t>PyBytes_GET_SIZE(kb)
    for side, names in ((0, ("b", "bids")), (1, ("a", "asks"))):
        found = [k for k in names if k in di]
        if len(found) > 1:
            raise DecodeError(f"both {found[0]!r} and {found[1]!r} given", topic=topic, field=found[1])
        if found:
            # canonical names, whichever key the message used, so both paths
            # name a bad level the same way
            _fill_levels(m, side, di[found[0]], _SIDE_NAMES[side], pp, qp, topic)
    return 0


cdef int _scan(wex_depth_msg *m, object message, int pp, int qp, list keep) except -1:
    """Any accepted input -> the scratch arrays of m; raises on bad input."""
    cdef const char *buf
    cdef Py_ssize_t n
    cdef int rc
    if PyBytes_CheckExact(message):
        buf = PyBytes_AS_STRING(message)
        n = PyBytes_GET_SIZE(message)
    elif isinstance(message, dict):
        return _fill_from_obj(m, message, pp, qp, keep)
    elif isinstance(message, (bytearray, memoryview)):
        message = bytes(message)
        buf = PyBytes_AS_STRING(message)
        n = PyBytes_GET_SIZE(message)
    elif isinstance(message, str):
        try:
            buf = PyUnicode_AsUTF8AndSize(message, &n)
        except UnicodeEncodeError as e:
            raise DecodeError(f"message is not valid UTF-8: {e.reason}", offset=e.start) from None
    else:
        raise TypeError(f"expected bytes, str or dict, got {type(message).__name__}")
    rc = wex_scan_depth(buf, <size_t>n, pp, qp, m)
    if rc == WEX_SCAN_OK:
        return 0
    if rc == WEX_SCAN_FALLBACK:
        return _fill_from_obj(m, _loads_checked(message), pp, qp, keep)
    if rc == WEX_SCAN_NOMEM:
        raise MemoryError()
    # a bad level value, found by the scanner: name it
    field = f"{_SIDE_NAMES[m.err_side]}[{m.err_index}].{_COLUMN_NAMES[m.err_column]}"
    text = buf[m.err_offset:m.err_offset + m.err_len].decode("utf-8", "replace").strip('"')
    raise _dec_error(m.err_code, text, qp if m.err_column else pp, field,
                     _span(m.topic, m.topic_len), <Py_ssize_t>m.err_offset)


cdef inline bint _has(wex_depth_msg *m, int which) noexcept nogil:
    return (m.ids_seen >> which) & 1


cdef bint _is_limited(wex_depth_msg *m) noexcept:
    """A limited-depth (depth@symbol,levels) message, by its topic or event."""
    if m.topic != NULL and m.topic_len == 5 and memcmp(m.topic, b"depth", 5) == 0:
        return True
    if m.event != NULL and m.event_len >= 6 and memcmp(m.event, b"depth@", 6) == 0:
        return True
    return False


cdef object _ticks_array(const int64_t *src, size_t n):
    arr = _np_empty(n, _I64)
    cdef Py_buffer view
    if n:
        PyObject_GetBuffer(arr, &view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS)
        memcpy(view.buf, src, n * sizeof(int64_t))
        PyBuffer_Release(&view)
    return arr


@cython.final
@cython.auto_pickle(False)
cdef class DepthParser:
    """Reusable depth decoder: raw message -> int64 tick arrays, no allocation
    per message once warmed up.

    ``parse(frame)`` decodes one depth message (any shape ``OrderBook.apply``
    or ``load_snapshot`` accepts) into internal arrays and returns the number
    of levels. Read the result through the properties; ``bids()``/``asks()``
    copy it out as ``(prices, quantities)`` int64 numpy arrays.
    """

    cdef wex_depth_msg _m
    cdef list _keep
    cdef readonly int price_precision, quantity_precision

    def __init__(self, int price_precision, int quantity_precision):
        if not (0 <= price_precision <= MAX_PRECISION) or not (0 <= quantity_precision <= MAX_PRECISION):
            raise ValueError(f"precisions must be 0..{MAX_PRECISION}")
        self.price_precision = price_precision
        self.quantity_precision = quantity_precision
        self._keep = []

    def __dealloc__(self):
        wex_side_free(&self._m.side[0])
        wex_side_free(&self._m.side[1])

    def parse(self, message):
        """Decode one message; returns the number of levels (both sides)."""
        _scan(&self._m, message, self.price_precision, self.quantity_precision, self._keep)
        return self._m.side[0].n + self._m.side[1].n

    cdef object _id(self, int which):
        return self._m.ids[which] if _has(&self._m, which) else None

    @property
    def first_id(self):
        """``fi`` (spot) or ``fu`` (futures), or None."""
        return self._id(WEX_ID_FI) if _has(&self._m, WEX_ID_FI) else self._id(WEX_ID_FU)

    @property
    def last_id(self):
        """``i``/``u``/``lastUpdateId``/``id``, whichever the message has, or None."""
        for which in (WEX_ID_I, WEX_ID_U, WEX_ID_LAST, WEX_ID_ID):
            if _has(&self._m, which):
                return self._m.ids[which]
        return None

    @property
    def previous_id(self):
        """Futures ``pu``, or None."""
        return self._id(WEX_ID_PU)

    @property
    def symbol(self):
        return _span(self._m.symbol, self._m.symbol_len)

    @property
    def topic(self):
        return _span(self._m.topic, self._m.topic_len)

    def bids(self):
        """``(prices, quantities)`` of the last message's bids as int64 ticks, in message order."""
        return (_ticks_array(self._m.side[0].price, self._m.side[0].n),
                _ticks_array(self._m.side[0].qty, self._m.side[0].n))

    def asks(self):
        """``(prices, quantities)`` of the last message's asks as int64 ticks, in message order."""
        return (_ticks_array(self._m.side[1].price, self._m.side[1].n),
                _ticks_array(self._m.side[1].qty, self._m.side[1].n))


def parse_depth(message, int price_precision, int quantity_precision):
    """Decode one depth message into a dict of ids and int64 numpy tick arrays:
    ``first_id``, ``last_id``, ``previous_id`` (None when absent), ``symbol``,
    ``bid_prices``, ``bid_quantities``, ``ask_prices``, ``ask_quantities``.

    Convenience around :class:`DepthParser`, which avoids the allocations.
    """
    p = DepthParser(price_precision, quantity_precision)
    p.parse(message)
    bp, bq = p.bids()
    ap, aq = p.asks()
    return {"first_id": p.first_id, "last_id": p.last_id, "previous_id": p.previous_id,
            "symbol": p.symbol, "bid_prices": bp, "bid_quantities": bq,
            "ask_prices": ap, "ask_quantities": aq}


def _scan_loop(list frames, int price_precision, int quantity_precision):
    """Scan every frame with the C scanner alone, in one C loop (no Python call
    per frame, no fallback): the "plain C scan" baseline of the decode
    benchmark. Returns the total number of levels."""
    cdef wex_depth_msg m
    cdef size_t total = 0
    cdef Py_ssize_t i, nf = len(frames)
    cdef object f
    memset_msg(&m)
    try:
        for i in range(nf):
            f = frames[i]
            if wex_scan_depth(PyBytes_AS_STRING(f), <size_t>PyBytes_GET_SIZE(f),
                              price_precision, quantity_precision, &m) != WEX_SCAN_OK:
                raise ValueError(f"frame {i} needs the validating path")
            total += m.side[0].n + m.side[1].n
    finally:
        wex_side_free(&m.side[0])
        wex_side_free(&m.side[1])
    return total


cdef inline void memset_msg(wex_depth_msg *m) noexcept:
    m.side[0].price = NULL
    m.side[0].qty = NULL
    m.side[0].n = 0
    m.side[0].cap = 0
    m.side[1].price = NULL
    m.side[1].qty = NULL
    m.side[1].n = 0
    m.side[1].cap = 0
    wex_depth_reset(m)


# ---------------------------------------------------------------- the book

cdef inline int64_t _price_of(int side, int64_t key) noexcept nogil:
    return -key if side else key


cdef int _parse_side(object side) except -1:
    if side in ("bid", "bids", "buy_side", 0):
        return 0
    if side in ("ask", "asks", "sell_side", 1):
        return 1
    raise ValueError(f"side must be 'bid' or 'ask', got {side!r}")


@cython.final
@cython.auto_pickle(False)
cdef class OrderBook:
    """An exact L2 order book for one symbol.

    Args:
        symbol: the exchange symbol, e.g. ``"btc_usdt"``; messages that carry a
            different ``s`` are rejected.
        price_precision: the symbol's ``pricePrecision`` (decimal places).
        quantity_precision: the symbol's ``quantityPrecision``.
        product: ``"spot"`` (ids ``fi``/``i``) or ``"futures"``
            (ids ``fu``/``u``/``pu``).

    The book starts empty and out of sync; load a snapshot first.
    """

    def __init__(self, str symbol, int price_precision, int quantity_precision, *,
                 str product="spot"):
        if product not in ("spot", "futures"):
            raise ValueError(f"product must be 'spot' or 'futures', got {product!r}")
        if not (0 <= price_precision <= MAX_PRECISION):
            raise ValueError(f"price_precision must be 0..{MAX_PRECISION}, got {price_precision}")
        if not (0 <= quantity_precision <= MAX_PRECISION):
            raise ValueError(f"quantity_precision must be 0..{MAX_PRECISION}, got {quantity_precision}")
        self.symbol = symbol
        self.product = product
        self.price_precision = price_precision
        self.quantity_precision = quantity_precision
        self._symbol_bytes = symbol.encode()
        self._futures = product == "futures"
        self._pscale = _POW10[price_precision]
        self._qscale = _POW10[quantity_precision]
        self._keep = []
        self._last_id = 0
        self._in_sync = False
        self._awaiting_first = False
        self._busy = False

    def __dealloc__(self):
        free(self._side[0].lv)
        free(self._side[1].lv)
        wex_side_free(&self._m.side[0])
        wex_side_free(&self._m.side[1])

    cdef int _check_idle(self) except -1:
        if self._busy:
            raise RuntimeError("OrderBook is being updated by another thread; use a lock")
        return 0

    # ----------------------------------------------------------- sequence

    cdef int _seq(self, int64_t first, int64_t last, int64_t prev, bint has_prev,
                         int64_t *expected, int64_t *received) noexcept nogil:
        cdef int64_t lid = self._last_id
        if not self._in_sync:
            expected[0] = lid + 1
            received[0] = first
            return SEQ_NOSYNC
        if last <= lid:
            return SEQ_STALE
        if self._awaiting_first:
            # spec step 5: the first event must straddle lastUpdateId + 1
            if first <= lid + 1:
                return SEQ_OK
            expected[0] = lid + 1
            received[0] = first
            return SEQ_GAP
        if first != lid + 1:
            expected[0] = lid + 1
            received[0] = first
            return SEQ_GAP
        if has_prev and prev != lid:
            expected[0] = lid
            received[0] = prev
            return SEQ_GAP_PREV
        return SEQ_OK

    cdef object _gap(self, int code, int64_t expected, int64_t received):
        if code == SEQ_NOSYNC:
            return SequenceGap(self.symbol, expected, received,
                               "book is out of sync; load a snapshot first")
        self._in_sync = False
        if code == SEQ_GAP_PREV:
            return SequenceGap(self.symbol, expected, received, "pu does not match the previous u")
        return SequenceGap(self.symbol, expected, received)

    # ----------------------------------------------------------- applying

    cdef int _reserve(self, size_t nb, size_t na) except -1:
        if (wex_book_reserve(&self._side[0], self._side[0].n + nb)
                or wex_book_reserve(&self._side[1], self._side[1].n + na)):
            raise MemoryError()
        return 0

    cdef int _validate(self, const int64_t *px, const int64_t *qt, size_t n) except -1:
        cdef size_t j
        for j in range(n):
            if px[j] < 0 or qt[j] < 0:
                raise ValueError(f"negative tick value at level {j}")
        return 0

    cdef object _result(self):
        if self._side[0].n and self._side[1].n and \
                self._side[0].lv[self._side[0].n - 1].key >= -self._side[1].lv[self._side[1].n - 1].key:
            return _CROSSED
        return _APPLIED

    cdef int _check_symbol(self) except -1:
        cdef wex_depth_msg *m = &self._m
        if m.symbol != NULL and (m.symbol_len != <size_t>len(self._symbol_bytes)
                                 or memcmp(m.symbol, PyBytes_AS_STRING(self._symbol_bytes), m.symbol_len) != 0):
            raise DecodeError(f"message is for {_span(m.symbol, m.symbol_len)!r}, book is {self.symbol!r}",
                              topic=_span(m.topic, m.topic_len), field="s")
        return 0

    cdef object _apply_scanned(self):
        cdef wex_depth_msg *m = &self._m
        cdef int fkey, lkey, code
        cdef int64_t first, last, expected = 0, received = 0
        if self._futures:
            fkey = WEX_ID_FU
            lkey = WEX_ID_U
        else:
            fkey = WEX_ID_FI
            lkey = WEX_ID_I
        if not _has(m, fkey):
            if _is_limited(m):
                return self._replace_scanned()
            raise DecodeError("depth update without its first update id",
                              topic=_span(m.topic, m.topic_len), field="fu" if self._futures else "fi")
        if not _has(m, lkey):
            raise DecodeError("depth update without its last update id",
                              topic=_span(m.topic, m.topic_len), field="u" if self._futures else "i")
        first = m.ids[fkey]
        last = m.ids[lkey]
        if first > last:
            raise DecodeError(f"first update id {first} is after last update id {last}",
                              topic=_span(m.topic, m.topic_len), field="fu" if self._futures else "fi")
        self._check_symbol()
        code = self._seq(first, last, m.ids[WEX_ID_PU], self._futures and _has(m, WEX_ID_PU),
                         &expected, &received)
        if code == SEQ_STALE:
            return _STALE
        if code != SEQ_OK:
            raise self._gap(code, expected, received)
        self._reserve(m.side[0].n, m.side[1].n)
        wex_book_apply(&self._side[0], m.side[0].price, m.side[0].qty, m.side[0].n, 0)
        wex_book_apply(&self._side[1], m.side[1].price, m.side[1].qty, m.side[1].n, 1)
        self._last_id = last
        self._awaiting_first = False
        return self._result()

    cdef int _install(self, wex_depth_msg *m) except -1:
        """Replace both sides from the scratch arrays, all or nothing."""
        cdef wex_side nb, na
        nb.lv = NULL
        na.lv = NULL
        if wex_book_build(&nb, m.side[0].price, m.side[0].qty, m.side[0].n, 0):
            raise MemoryError()
        if wex_book_build(&na, m.side[1].price, m.side[1].qty, m.side[1].n, 1):
            free(nb.lv)
            raise MemoryError()
        free(self._side[0].lv)
        free(self._side[1].lv)
        self._side[0] = nb
        self._side[1] = na
        # a big snapshot grew the scratch arrays; give most of that back
        wex_side_shrink(&m.side[0], 256)
        wex_side_shrink(&m.side[1], 256)
        return 0

    cdef int _check_limited_symbol(self) except -1:
        """A limited-depth message names its symbol in its event
        (``depth@btc_usdt,20``), else in ``s``: the event wins, because the
        spec's own futures example carries ``"s":"btc_index"`` on a btc_usdt
        event."""
        cdef wex_depth_msg *m = &self._m
        cdef const char *sym
        cdef size_t n = 0
        if m.event != NULL and m.event_len >= 6 and memcmp(m.event, b"depth@", 6) == 0:
            sym = m.event + 6
            while 6 + n < m.event_len and sym[n] != b',':
                n += 1
            if n != <size_t>len(self._symbol_bytes) or \
                    memcmp(sym, PyBytes_AS_STRING(self._symbol_bytes), n) != 0:
                raise DecodeError(f"message is for {_span(sym, n)!r}, book is {self.symbol!r}",
                                  topic=_span(m.topic, m.topic_len), field="event")
            return 0
        return self._check_symbol()

    cdef object _replace_scanned(self):
        cdef wex_depth_msg *m = &self._m
        cdef int which
        cdef bint has_id = False
        cdef int64_t new_id = 0
        for which in (WEX_ID_I, WEX_ID_ID, WEX_ID_U, WEX_ID_LAST):
            if _has(m, which):
                has_id = True
                new_id = m.ids[which]
                break
        if not has_id:
            # without an id the book could not tell this state from an older one
            raise DecodeError("limited-depth message without an update id",
                              topic=_span(m.topic, m.topic_len),
                              field="id" if self._futures else "i")
        self._check_limited_symbol()
        if self._in_sync and new_id < self._last_id:
            return _STALE
        self._install(m)
        self._last_id = new_id
        self._in_sync = True
        self._awaiting_first = True
        return self._result()

    def apply(self, message):
        """Apply one incremental depth message (``depth_update``).

        Args:
            message: the raw frame bytes (push frame ``{"topic","event","data"}``
                or the bare data object), or the same already decoded as a dict.
                A limited-depth ``depth`` frame is passed on to :meth:`replace`.

        Returns:
            :class:`ApplyResult`: ``STALE`` (last id not newer than the book's;
            nothing changed), ``APPLIED``, or ``CROSSED`` (applied, and the best
            bid is now >= the best ask; the book reports it and keeps it).

        Raises:
            SequenceGap: the ids do not continue the book (spot: ``fi`` must be
                previous ``i`` + 1; futures: ``fu`` previous ``u`` + 1 and ``pu``
                previous ``u``; the first event after a snapshot must straddle
                lastUpdateId + 1), or the book is out of sync. The book is left
                unchanged and out of sync until the next snapshot.
            DecodeError: malformed message (names topic, field, byte offset);
                the book is unchanged.
            PrecisionError: a value finer than the symbol's precision.
        """
        self._check_idle()
        _scan(&self._m, message, self.price_precision, self.quantity_precision, self._keep)
        return self._apply_scanned()

    def load_snapshot(self, snapshot):
        """Replace the book with a REST depth snapshot and start syncing from it.

        Accepted (bytes or decoded dict): the spot ``/v4/public/depth``
        envelope ``{"rc":0,"mc":..,"result":{"lastUpdateId","bids","asks"}}``,
        the futures depth envelope ``{"returnCode":0,..,"result":{"u","b","a"}}``
        (both ``/future/market/v1/public/depth`` and ``.../q/depth``), or the bare
        ``result`` object. The update id is read from ``lastUpdateId``, ``u``,
        ``i`` or ``id``, in that order. Levels may come in any order; a
        repeated price keeps its last quantity and zero quantities are skipped.

        Returns ``ApplyResult.APPLIED`` or ``ApplyResult.CROSSED``.
        """
        cdef wex_depth_msg *m = &self._m
        cdef int which
        self._check_idle()
        _scan(m, snapshot, self.price_precision, self.quantity_precision, self._keep)
        for which in (WEX_ID_LAST, WEX_ID_U, WEX_ID_I, WEX_ID_ID):
            if _has(m, which):
                break
        else:
            raise DecodeError("snapshot without an update id", field="lastUpdateId")
        if m.sides_seen != 3:
            raise DecodeError("snapshot without both sides",
                              field="bids" if not (m.sides_seen & 1) else "asks")
        self._check_symbol()
        self._install(m)
        self._last_id = m.ids[which]
        self._in_sync = True
        self._awaiting_first = True
        return self._result()

    def replace(self, message):
        """Replace the book's contents with a limited-depth message
        (``depth@symbol,levels``: spot ``s/i/a/b``, futures ``id/s/a/b/t``).

        The book's update id becomes the message's (``i``, ``id``, ``u`` or
        ``lastUpdateId``; a message without one is a ``DecodeError``) and the
        book counts as in sync. A message older than the book's id is
        ``STALE``. Do not mix limited-depth messages and incremental updates
        on one book: their ids need not share a sequence. The symbol is
        checked against the event's (``depth@btc_usdt,20``) when there is an
        event, else against ``s`` (the spec's futures example carries
        ``"s":"btc_index"`` on a btc_usdt event).
        """
        self._check_idle()
        _scan(&self._m, message, self.price_precision, self.quantity_precision, self._keep)
        return self._replace_scanned()

    def apply_levels(self, first_id, last_id, bid_prices, bid_quantities, ask_prices,
                     ask_quantities, previous_id=None):
        """Apply one pre-parsed update: int64 tick arrays (any buffer) with the
        message's ids. Same rules and results as :meth:`apply`. Releases the
        GIL for messages of 32 levels or more."""
        cdef const int64_t[::1] bp = bid_prices, bq = bid_quantities
        cdef const int64_t[::1] ap = ask_prices, aq = ask_quantities
        cdef int64_t expected = 0, received = 0
        cdef int code
        cdef size_t nb = bp.shape[0], na = ap.shape[0]
        self._check_idle()
        if bq.shape[0] != nb or aq.shape[0] != na:
            raise ValueError("price and quantity arrays differ in length")
        cdef int64_t first = first_id, last = last_id
        cdef int64_t prev = -1 if previous_id is None else previous_id
        if first > last or first < 0:
            raise ValueError(f"bad update ids {first_id}..{last_id}")
        if nb:
            self._validate(&bp[0], &bq[0], nb)
        if na:
            self._validate(&ap[0], &aq[0], na)
        code = self._seq(first, last, prev, previous_id is not None and self._futures, &expected, &received)
        if code == SEQ_STALE:
            return _STALE
        if code != SEQ_OK:
            raise self._gap(code, expected, received)
        self._reserve(nb, na)
        if nb + na >= 32:
            self._busy = True
            with nogil:
                if nb:
                    wex_book_apply(&self._side[0], &bp[0], &bq[0], nb, 0)
                if na:
                    wex_book_apply(&self._side[1], &ap[0], &aq[0], na, 1)
            self._busy = False
        else:
            if nb:
                wex_book_apply(&self._side[0], &bp[0], &bq[0], nb, 0)
            if na:
                wex_book_apply(&self._side[1], &ap[0], &aq[0], na, 1)
        self._last_id = last
        self._awaiting_first = False
        return self._result()

    def apply_many(self, ids, bid_offsets, bid_prices, bid_quantities,
                   ask_offsets, ask_prices, ask_quantities):
        """Apply a batch of pre-parsed updates in one call, with the GIL released.

        Args:
            ids: int64 array of shape (m, 3): first id, last id, previous id
                (-1 when absent; only futures books check it) per message.
            bid_offsets, ask_offsets: int64 arrays of length m + 1; message k's
                bids are ``bid_prices[bid_offsets[k]:bid_offsets[k+1]]``.
            bid_prices, bid_quantities, ask_prices, ask_quantities: int64 ticks.

        Returns the number of messages applied (stale ones are skipped).
        Raises SequenceGap at the first discontinuity: the messages before it
        stay applied, the one that breaks the sequence and the rest are not.
        """
        cdef const int64_t[:, ::1] idv = ids
        cdef const int64_t[::1] bo = bid_offsets, ao = ask_offsets
        cdef const int64_t[::1] bp = bid_prices, bq = bid_quantities
        cdef const int64_t[::1] ap = ask_prices, aq = ask_quantities
        cdef Py_ssize_t nmsg = idv.shape[0], k
        cdef int64_t expected = 0, received = 0, b0, b1, a0, a1, maxb = 0, maxa = 0
        cdef int code = SEQ_OK
        cdef Py_ssize_t applied = 0
        cdef bint futures = self._futures
        self._check_idle()
        if idv.shape[1] != 3:
            raise ValueError("ids must have shape (m, 3)")
        if bo.shape[0] != nmsg + 1 or ao.shape[0] != nmsg + 1:
            raise ValueError("offsets must have m + 1 entries")
        if bq.shape[0] != bp.shape[0] or aq.shape[0] != ap.shape[0]:
            raise ValueError("price and quantity arrays differ in length")
        for k in range(nmsg):
            if bo[k] > bo[k + 1] or ao[k] > ao[k + 1] or bo[k] < 0 or ao[k] < 0:
                raise ValueError(f"offsets are not increasing at message {k}")
            maxb = max(maxb, bo[k + 1] - bo[k])
            maxa = max(maxa, ao[k + 1] - ao[k])
            if idv[k, 0] > idv[k, 1] or idv[k, 0] < 0:
                raise ValueError(f"bad update ids at message {k}")
        if nmsg and (bo[nmsg] > bp.shape[0] or ao[nmsg] > ap.shape[0]):
            raise ValueError("offsets run past the level arrays")
        if bp.shape[0]:
            self._validate(&bp[0], &bq[0], bp.shape[0])
        if ap.shape[0]:
            self._validate(&ap[0], &aq[0], ap.shape[0])
        self._busy = True
        try:
            with nogil:
                for k in range(nmsg):
                    code = self._seq(idv[k, 0], idv[k, 1], idv[k, 2], futures and idv[k, 2] >= 0,
                                     &expected, &received)
                    if code == SEQ_STALE:
                        continue
                    if code != SEQ_OK:
                        break
                    b0 = bo[k]
                    b1 = bo[k + 1]
                    a0 = ao[k]
                    a1 = ao[k + 1]
                    if (wex_book_reserve(&self._side[0], self._side[0].n + <size_t>(b1 - b0))
                            or wex_book_reserve(&self._side[1], self._side[1].n + <size_t>(a1 - a0))):
                        code = -1
                        break
                    if b1 > b0:
                        wex_book_apply(&self._side[0], &bp[b0], &bq[b0], <size_t>(b1 - b0), 0)
                    if a1 > a0:
                        wex_book_apply(&self._side[1], &ap[a0], &aq[a0], <size_t>(a1 - a0), 1)
                    self._last_id = idv[k, 1]
                    self._awaiting_first = False
                    applied += 1
        finally:
            self._busy = False
        if code == -1:
            raise MemoryError()
        if code != SEQ_OK and code != SEQ_STALE:
            raise self._gap(code, expected, received)
        return applied

    def clear(self):
        """Empty the book and mark it out of sync."""
        self._check_idle()
        self._side[0].n = 0
        self._side[1].n = 0
        self._in_sync = False

    # ----------------------------------------------------------- reads

    @property
    def last_update_id(self):
        """The id of the last snapshot or update applied (0 before any)."""
        return self._last_id

    @property
    def in_sync(self):
        """True after a snapshot until a sequence gap."""
        return self._in_sync

    @property
    def bid_count(self):
        return self._side[0].n

    @property
    def ask_count(self):
        return self._side[1].n

    def __len__(self):
        """Number of levels on both sides."""
        return self._side[0].n + self._side[1].n

    @property
    def nbytes(self):
        """Bytes this book holds in C memory (level arrays and scratch)."""
        return (16 * (self._side[0].cap + self._side[1].cap)
                + 16 * (self._m.side[0].cap + self._m.side[1].cap))

    def is_crossed(self):
        """True when both sides are non-empty and best bid >= best ask."""
        self._check_idle()
        return self._result() is _CROSSED

    cdef object _best(self, int side, bint ticks):
        cdef wex_side *s = &self._side[side]
        if s.n == 0:
            return None
        cdef wex_level l = s.lv[s.n - 1]
        if ticks:
            return (_price_of(side, l.key), l.qty)
        return (_price_of(side, l.key) / self._pscale, l.qty / self._qscale)

    def best_bid(self):
        """``(price, quantity)`` of the best bid as floats, or None."""
        self._check_idle()
        return self._best(0, False)

    def best_ask(self):
        """``(price, quantity)`` of the best ask as floats, or None."""
        self._check_idle()
        return self._best(1, False)

    def best_bid_ticks(self):
        """``(price_ticks, quantity_ticks)`` of the best bid, exact, or None."""
        self._check_idle()
        return self._best(0, True)

    def best_ask_ticks(self):
        """``(price_ticks, quantity_ticks)`` of the best ask, exact, or None."""
        self._check_idle()
        return self._best(1, True)

    def spread(self):
        """Best ask minus best bid as a float, or None when a side is empty."""
        self._check_idle()
        if self._side[0].n == 0 or self._side[1].n == 0:
            return None
        return (-self._side[1].lv[self._side[1].n - 1].key
                - self._side[0].lv[self._side[0].n - 1].key) / self._pscale

    def mid(self):
        """(best bid + best ask) / 2 as a float, or None when a side is empty."""
        self._check_idle()
        if self._side[0].n == 0 or self._side[1].n == 0:
            return None
        return ((<double>(-self._side[1].lv[self._side[1].n - 1].key)
                 + <double>self._side[0].lv[self._side[0].n - 1].key) / 2.0) / self._pscale

    cdef object _levels(self, int side, Py_ssize_t n, bint ticks):
        cdef wex_side *s = &self._side[side]
        cdef Py_ssize_t k = n if n < <Py_ssize_t>s.n else <Py_ssize_t>s.n
        cdef Py_ssize_t j
        cdef Py_buffer view
        cdef double *d
        cdef int64_t *t
        if k < 0:
            k = 0
        if _fast_arrays:
            arr = wex_array_2d(k, 2, _NPY_I64 if ticks else _NPY_F64)
            view.buf = wex_array_data(arr)
        else:
            arr = _np_empty((k, 2), _I64 if ticks else _F64)
            if k == 0:
                return arr
            PyObject_GetBuffer(arr, &view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS)
        if ticks:
            t = <int64_t *>view.buf
            for j in range(k):
                t[2 * j] = _price_of(side, s.lv[s.n - 1 - j].key)
                t[2 * j + 1] = s.lv[s.n - 1 - j].qty
        else:
            d = <double *>view.buf
            for j in range(k):
                d[2 * j] = _price_of(side, s.lv[s.n - 1 - j].key) / self._pscale
                d[2 * j + 1] = s.lv[s.n - 1 - j].qty / self._qscale
        if not _fast_arrays:
            PyBuffer_Release(&view)
        return arr

    def bids(self, Py_ssize_t n=10):
        """Top ``n`` bids, best first, as a float64 array of shape (k, 2):
        column 0 price, column 1 quantity (k = min(n, bid_count))."""
        self._check_idle()
        return self._levels(0, n, False)

    def asks(self, Py_ssize_t n=10):
        """Top ``n`` asks, best first, as a float64 array of shape (k, 2)."""
        self._check_idle()
        return self._levels(1, n, False)

    def bid_ticks(self, Py_ssize_t n=10):
        """Top ``n`` bids, best first, as an exact int64 array of shape (k, 2):
        price ticks, quantity ticks."""
        self._check_idle()
        return self._levels(0, n, True)

    def ask_ticks(self, Py_ssize_t n=10):
        """Top ``n`` asks, best first, as an exact int64 array of shape (k, 2)."""
        self._check_idle()
        return self._levels(1, n, True)

    def quantity_at(self, price, side=None):
        """Quantity (float) resting at ``price`` (str, int, Decimal or float);
        0.0 when there is no level. ``side`` ('bid'/'ask') limits the search;
        by default bids are searched first, then asks."""
        cdef int64_t t = self._quantity_ticks_at(price, side)
        return t / self._qscale

    def quantity_ticks_at(self, price, side=None):
        """Like :meth:`quantity_at` but exact: quantity ticks (int), 0 when absent."""
        return self._quantity_ticks_at(price, side)

    cdef int64_t _quantity_ticks_at(self, object price, object side) except? -1:
        cdef int64_t px = _value_to_ticks(price, self.price_precision, "price", None)
        cdef int sd, lo = 0, hi = 1
        cdef size_t i
        cdef int64_t key
        self._check_idle()
        if side is not None:
            lo = hi = _parse_side(side)
        for sd in range(lo, hi + 1):
            key = -px if sd else px
            i = wex_book_find(self._side[sd].lv, self._side[sd].n, key)
            if i < self._side[sd].n and self._side[sd].lv[i].key == key:
                return self._side[sd].lv[i].qty
        return 0

    def cumulative_depth(self, side, Py_ssize_t n=10):
        """Running total of quantity over the top ``n`` levels of ``side``
        ('bid' or 'ask'), best first, as a float64 array of length min(n, levels)."""
        cdef int sd = _parse_side(side)
        cdef wex_side *s = &self._side[sd]
        cdef Py_ssize_t k = n if n < <Py_ssize_t>s.n else <Py_ssize_t>s.n
        cdef Py_ssize_t j
        cdef int64_t acc = 0
        cdef Py_buffer view
        cdef double *d
        self._check_idle()
        if k < 0:
            k = 0
        arr = _np_empty(k, _F64)
        if k:
            PyObject_GetBuffer(arr, &view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS)
            d = <double *>view.buf
            for j in range(k):
                acc += s.lv[s.n - 1 - j].qty
                d[j] = acc / self._qscale
            PyBuffer_Release(&view)
        return arr

    def fill_cost(self, side, quantity):
        """Walk the book to fill ``quantity`` (decimal) on ``side``.

        ``side`` is the taker's side: 'buy' consumes asks, 'sell' consumes bids.
        Returns ``(filled, cost, vwap)`` as floats: the quantity the book can
        fill (less than asked when it is too thin), its total price*quantity,
        and cost/filled (None when nothing fills). Sums are exact in integers
        and converted to float once at the end.
        """
        cdef int sd
        if side in ("buy", "b"):
            sd = 1
        elif side in ("sell", "s"):
            sd = 0
        else:
            raise ValueError(f"side must be 'buy' or 'sell', got {side!r}")
        self._check_idle()
        cdef int64_t want = _value_to_ticks(quantity, self.quantity_precision, "quantity", None)
        cdef wex_side *s = &self._side[sd]
        cdef int64_t left = want, take, filled = 0
        cdef Py_ssize_t j = <Py_ssize_t>s.n - 1
        cost = 0
        # Python ints: price*quantity ticks can exceed 64 bits, and the walk is short
        while left > 0 and j >= 0:
            take = s.lv[j].qty if s.lv[j].qty < left else left
            cost += _price_of(sd, s.lv[j].key) * take
            left -= take
            filled += take
            j -= 1
        if filled == 0:
            return (0.0, 0.0, None)
        scale = 10 ** (self.price_precision + self.quantity_precision)
        return (filled / self._qscale, cost / scale,
                (cost / filled) / self._pscale)

    def checksum(self, Py_ssize_t levels=25):
        """A CRC-32 (zlib polynomial) over the top ``levels`` levels: bids best
        first, then asks best first, each as little-endian int64 price ticks
        then int64 quantity ticks. Equal books give equal checksums; compare
        it with ``zlib.crc32`` over the same bytes."""
        cdef uint32_t crc = 0xFFFFFFFFu
        cdef int sd
        cdef Py_ssize_t j, k
        cdef wex_side *s
        self._check_idle()
        for sd in range(2):
            s = &self._side[sd]
            k = levels if levels < <Py_ssize_t>s.n else <Py_ssize_t>s.n
            for j in range(k):
                crc = wex_crc_le64(crc, _price_of(sd, s.lv[s.n - 1 - j].key))
                crc = wex_crc_le64(crc, s.lv[s.n - 1 - j].qty)
        return crc ^ 0xFFFFFFFFu

    def __repr__(self):
        bb = self._best(0, False)
        ba = self._best(1, False)
        return (f"<OrderBook {self.symbol} {self.product} bids={self._side[0].n} asks={self._side[1].n} "
                f"best_bid={bb} best_ask={ba} last_update_id={self._last_id} in_sync={self._in_sync}>")
