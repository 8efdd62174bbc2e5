# The public C types (cext/csrc/wexcore_types.h, installed as
# wexcore/include/wexcore_types.h). Users cimport them from wexcore.api,
# which re-exports everything here; this file exists so that the kernels and
# wexcore.api can share one declaration without cimporting each other.
from libc.stdint cimport int64_t

cdef extern from "wexcore_types.h" nogil:
    enum: WEXCORE_API_VERSION

    ctypedef enum wex_status:
        WEX_STALE
        WEX_APPLIED
        WEX_CROSSED
        WEX_GAP
        WEX_ERROR

    ctypedef enum wex_error_code:
        WEX_OK
        WEX_E_DECODE
        WEX_E_PRECISION
        WEX_E_SYMBOL
        WEX_E_SEQUENCE
        WEX_E_PREVIOUS
        WEX_E_NOT_SYNCED
        WEX_E_NOMEM
        WEX_E_BUSY
        WEX_E_ARGUMENT
        WEX_E_UNSUPPORTED
        WEX_E_CAPACITY

    ctypedef struct wex_error:
        int code
        int precision
        int64_t offset
        int64_t expected
        int64_t received
        char field[64]
        char value[64]
        char message[192]

    enum:
        WEX_BIDS
        WEX_ASKS
        WEX_SPOT
        WEX_FUTURES
        WEX_SIGNATURE_LEN

    ctypedef struct wex_book:
        pass

    ctypedef struct wex_depth_frame:
        int64_t *bid_prices
        int64_t *bid_quantities
        size_t bid_capacity
        int64_t *ask_prices
        int64_t *ask_quantities
        size_t ask_capacity
        size_t bid_count
        size_t ask_count
        int64_t first_id
        int64_t last_id
        int64_t previous_id
        const char *symbol
        size_t symbol_len

    ctypedef struct wex_signer:
        pass

    ctypedef struct wex_request:
        int product
        const char *method
        size_t method_len
        const char *path
        size_t path_len
        const char *query
        size_t query_len
        const char *body
        size_t body_len
        int64_t timestamp_ms
