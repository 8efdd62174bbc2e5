# The C-level contract of the order book kernel, for other kernels (a future
# LiveBook in Cython) that cimport it. Python sees src/wexcore/_book.pyi.
from libc.stdint cimport int64_t

cdef extern from "wex_depth.h" nogil:
    ctypedef struct wex_side_buf:
        int64_t *price
        int64_t *qty
        size_t n, cap

    ctypedef struct wex_depth_msg:
        wex_side_buf side[2]
        int64_t ids[7]
        unsigned ids_seen
        unsigned sides_seen
        const char *topic
        size_t topic_len
        const char *event
        size_t event_len
        const char *symbol
        size_t symbol_len
        int err_code, err_side, err_column
        size_t err_index, err_offset, err_len

cdef extern from "wex_book.h":
    ctypedef struct wex_level:
        int64_t key
        int64_t qty
    ctypedef struct wex_side:
        wex_level *lv
        size_t n, cap


cdef class OrderBook:
    cdef wex_side _side[2]          # 0 bids, 1 asks; sorted by key, best last
    cdef wex_depth_msg _m           # per-message scratch (decoded levels)
    cdef list _keep                 # keeps strings the scratch points into alive
    cdef bytes _symbol_bytes
    cdef readonly str symbol
    cdef readonly str product
    cdef readonly int price_precision
    cdef readonly int quantity_precision
    cdef int64_t _last_id
    cdef bint _in_sync
    cdef bint _awaiting_first
    cdef bint _futures
    cdef bint _busy
    cdef double _pscale
    cdef double _qscale

    cdef int _check_idle(self) except -1
    cdef int _seq(self, int64_t first, int64_t last, int64_t prev, bint has_prev,
                  int64_t *expected, int64_t *received) noexcept nogil
    cdef object _gap(self, int code, int64_t expected, int64_t received)
    cdef int _reserve(self, size_t nb, size_t na) except -1
    cdef int _validate(self, const int64_t *px, const int64_t *qt, size_t n) except -1
    cdef object _result(self)
    cdef int _check_symbol(self) except -1
    cdef int _check_limited_symbol(self) except -1
    cdef object _apply_scanned(self)
    cdef int _install(self, wex_depth_msg *m) except -1
    cdef object _replace_scanned(self)
    cdef object _best(self, int side, bint ticks)
    cdef object _levels(self, int side, Py_ssize_t n, bint ticks)
    cdef int64_t _quantity_ticks_at(self, object price, object side) except? -1
