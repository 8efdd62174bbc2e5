# cython: language_level=3
"""The C API capsule: the kernels' public functions in one table.

``wexcore._capi.API`` is a capsule named ``"wexcore._capi.API"`` holding a
``wex_api`` (``cext/csrc/wexcore.h``, installed in ``wexcore.get_include()``)
whose members point at the same functions Cython code reaches with
``from wexcore.api cimport ...``. C and C++ code imports it with
``wexcore_import()``. The table only grows (``version``, ``size``).
"""

from cpython.pycapsule cimport PyCapsule_New
from libc.stdint cimport int64_t, uint32_t

from wexcore._types cimport (
    WEXCORE_API_VERSION, wex_book, wex_error, wex_depth_frame, wex_signer, wex_request,
)
from wexcore._book cimport (
    wex_book_new, wex_book_free, wex_book_of, wex_book_load_snapshot, wex_book_apply_frame,
    wex_book_top_ticks, wex_book_top, wex_book_level_count, wex_book_update_id,
    wex_book_in_sync, wex_book_checksum, wex_depth_decode,
)
from wexcore._sign cimport wex_signer_new, wex_signer_free, wex_signer_of, wex_sign

cdef extern from *:
    """
    #define WEXCORE_TABLE_ONLY 1
    """

cdef extern from "wexcore.h":
    ctypedef struct wex_api:
        int version
        size_t size
        wex_book *(*book_new)(const char *, size_t, int, int, int, wex_error *) noexcept nogil
        void (*book_free)(wex_book *) noexcept nogil
        wex_book *(*book_of)(object) except NULL
        int (*book_load_snapshot)(wex_book *, const char *, size_t, wex_error *) noexcept nogil
        int (*book_apply_frame)(wex_book *, const char *, size_t, wex_error *) noexcept nogil
        size_t (*book_top_ticks)(const wex_book *, int, size_t, int64_t *,
                                 int64_t *) noexcept nogil
        size_t (*book_top)(const wex_book *, int, size_t, double *, double *) noexcept nogil
        size_t (*book_level_count)(const wex_book *, int) noexcept nogil
        int64_t (*book_update_id)(const wex_book *) noexcept nogil
        int (*book_in_sync)(const wex_book *) noexcept nogil
        uint32_t (*book_checksum)(const wex_book *, size_t) noexcept nogil
        int (*depth_decode)(const char *, size_t, int, int, wex_depth_frame *,
                            wex_error *) noexcept nogil
        wex_signer *(*signer_new)(const char *, size_t, const char *, size_t, int,
                                  wex_error *) noexcept nogil
        void (*signer_free)(wex_signer *) noexcept nogil
        wex_signer *(*signer_of)(object) except NULL
        int (*sign)(const wex_signer *, const wex_request *, char *, wex_error *) noexcept nogil

cdef wex_api _api
_api.version = WEXCORE_API_VERSION
_api.size = sizeof(wex_api)
_api.book_new = wex_book_new
_api.book_free = wex_book_free
_api.book_of = wex_book_of
_api.book_load_snapshot = wex_book_load_snapshot
_api.book_apply_frame = wex_book_apply_frame
_api.book_top_ticks = wex_book_top_ticks
_api.book_top = wex_book_top
_api.book_level_count = wex_book_level_count
_api.book_update_id = wex_book_update_id
_api.book_in_sync = wex_book_in_sync
_api.book_checksum = wex_book_checksum
_api.depth_decode = wex_depth_decode
_api.signer_new = wex_signer_new
_api.signer_free = wex_signer_free
_api.signer_of = wex_signer_of
_api.sign = wex_sign

#: The ``wex_api`` table (``wexcore.h``), for ``PyCapsule_Import("wexcore._capi.API", 0)``.
API = PyCapsule_New(&_api, b"wexcore._capi.API", NULL)
#: ``WEXCORE_API_VERSION`` of this build.
VERSION = WEXCORE_API_VERSION
