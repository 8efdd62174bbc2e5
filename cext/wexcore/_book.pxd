# The C-level contract of the order book kernel. Other kernels and
# embedding engines reach it through wexcore/api.pxd (which re-exports the
# public names below); Python sees src/wexcore/_book.pyi.
from libc.stdint cimport int64_t, uint32_t

from wexcore._types cimport wex_book, wex_error, wex_depth_frame


cdef class OrderBook:
    cdef wex_book *_b               # the book; owned, freed with the object
    cdef list _keep                 # strings the scratch message points into
    cdef readonly str symbol
    cdef readonly str product
    cdef readonly int price_precision
    cdef readonly int quantity_precision


# ---- the public C API (docs/embedding.md); also in the wexcore._capi capsule

cdef wex_book *wex_book_new(const char *symbol, size_t symbol_len, int price_precision,
                            int quantity_precision, int product, wex_error *err) noexcept nogil
cdef void wex_book_free(wex_book *book) noexcept nogil
cdef wex_book *wex_book_of(object order_book) except NULL
cdef int wex_book_load_snapshot(wex_book *book, const char *buf, size_t len,
                                wex_error *err) noexcept nogil
cdef int wex_book_apply_frame(wex_book *book, const char *buf, size_t len,
                              wex_error *err) noexcept nogil
cdef size_t wex_book_top_ticks(const wex_book *book, int side, size_t n, int64_t *prices,
                               int64_t *quantities) noexcept nogil
cdef size_t wex_book_top(const wex_book *book, int side, size_t n, double *prices,
                         double *quantities) noexcept nogil
cdef size_t wex_book_level_count(const wex_book *book, int side) noexcept nogil
cdef int64_t wex_book_update_id(const wex_book *book) noexcept nogil
cdef int wex_book_in_sync(const wex_book *book) noexcept nogil
cdef uint32_t wex_book_checksum(const wex_book *book, size_t levels) noexcept nogil
cdef int wex_depth_decode(const char *buf, size_t len, int price_precision,
                          int quantity_precision, wex_depth_frame *out,
                          wex_error *err) noexcept nogil
# The wexcore exception a failed call stands for (SequenceGap, DecodeError,
# PrecisionError, MemoryError...), to raise from Cython code. Needs the GIL.
cdef object wex_error_exception(const wex_book *book, const wex_error *err)
