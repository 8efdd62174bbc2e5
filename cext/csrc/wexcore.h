/* wexcore.h: wexcore's compiled kernels for C and C++ programs.
 *
 * The functions live in the installed Python package and are reached
 * through a capsule, so a C extension (or a program embedding Python)
 * needs only this header, found in wexcore.get_include():
 *
 *     #include <Python.h>
 *     #include "wexcore.h"
 *     ...
 *     if (wexcore_import() < 0) return NULL;    // once, holding the GIL
 *     wex_book *b = wex_book_new("btc_usdt", 8, 2, 4, WEX_SPOT, &err);
 *     int st = wex_book_load_snapshot(b, snap, snap_len, &err);
 *     st = wex_book_apply_frame(b, frame, frame_len, &err);  // GIL not needed
 *
 * Cython code uses the same functions through `from wexcore.api cimport ...`
 * instead (no import call needed). docs/embedding.md is the reference:
 * ownership, lifetimes and threads.
 *
 * Which functions need the GIL: wexcore_import, wex_book_of and
 * wex_signer_of. Everything else may be called with or without it. A depth
 * message the byte scanner does not recognise (escaped strings, duplicate
 * keys, an error envelope, nesting deeper than 32) is decoded by the
 * validating JSON path, which takes the GIL for that message only.
 */
#ifndef WEXCORE_H
#define WEXCORE_H

#include <Python.h>
#include "wexcore_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The function table behind the capsule "wexcore._capi.API". It only grows:
 * a package whose `version` is at least the WEXCORE_API_VERSION a program
 * was compiled with has every function that program calls. */
typedef struct {
    int version;
    size_t size;   /* sizeof the table in the installed package */

    /* books */
    wex_book *(*book_new)(const char *symbol, size_t symbol_len, int price_precision,
                          int quantity_precision, int product, wex_error *err);
    void (*book_free)(wex_book *book);
    wex_book *(*book_of)(PyObject *order_book);
    int (*book_load_snapshot)(wex_book *book, const char *buf, size_t len, wex_error *err);
    int (*book_apply_frame)(wex_book *book, const char *buf, size_t len, wex_error *err);
    size_t (*book_top_ticks)(const wex_book *book, int side, size_t n,
                             int64_t *prices, int64_t *quantities);
    size_t (*book_top)(const wex_book *book, int side, size_t n,
                       double *prices, double *quantities);
    size_t (*book_level_count)(const wex_book *book, int side);
    int64_t (*book_update_id)(const wex_book *book);
    int (*book_in_sync)(const wex_book *book);
    uint32_t (*book_checksum)(const wex_book *book, size_t levels);

    /* depth decoding */
    int (*depth_decode)(const char *buf, size_t len, int price_precision,
                        int quantity_precision, wex_depth_frame *out, wex_error *err);

    /* signing */
    wex_signer *(*signer_new)(const char *api_key, size_t api_key_len, const char *secret,
                              size_t secret_len, int recv_window_ms, wex_error *err);
    void (*signer_free)(wex_signer *signer);
    wex_signer *(*signer_of)(PyObject *signer);
    int (*sign)(const wex_signer *signer, const wex_request *request,
                char signature[WEX_SIGNATURE_LEN], wex_error *err);
} wex_api;

#ifndef WEXCORE_TABLE_ONLY   /* defined by the module that builds the table */

/* One per translation unit that includes this header. */
static const wex_api *wexcore_api = NULL;

/* Import the table (holding the GIL). 0 on success; -1 with a Python
 * exception set when wexcore is missing or older than this header. */
static inline int wexcore_import(void)
{
    /* PyCapsule_Import would not import the submodule itself */
    PyObject *mod = PyImport_ImportModule("wexcore._capi"), *capsule;
    const wex_api *api;
    if (mod == NULL) return -1;
    capsule = PyObject_GetAttrString(mod, "API");
    Py_DECREF(mod);
    if (capsule == NULL) return -1;
    api = (const wex_api *)PyCapsule_GetPointer(capsule, "wexcore._capi.API");
    Py_DECREF(capsule);  /* the module keeps it, and the table is static */
    if (api == NULL) return -1;
    if (api->version < WEXCORE_API_VERSION || api->size < sizeof(wex_api)) {
        PyErr_Format(PyExc_ImportError,
                     "wexcore C API version %d is older than this program's (%d)",
                     api->version, WEXCORE_API_VERSION);
        return -1;
    }
    wexcore_api = api;
    return 0;
}

/* ------------------------------------------------------------------ books */

/* A new empty book, out of sync until a snapshot. product: WEX_SPOT or
 * WEX_FUTURES; precisions 0..18. NULL on bad arguments or no memory. */
static inline wex_book *wex_book_new(const char *symbol, size_t symbol_len, int price_precision,
                                     int quantity_precision, int product, wex_error *err)
{ return wexcore_api->book_new(symbol, symbol_len, price_precision, quantity_precision, product, err); }

/* Free a book made by wex_book_new (NULL is fine). Never for wex_book_of's. */
static inline void wex_book_free(wex_book *book) { wexcore_api->book_free(book); }

/* The book inside a wexcore.OrderBook (borrowed: valid while the object
 * lives). Needs the GIL; NULL with TypeError set if it is not an OrderBook. */
static inline wex_book *wex_book_of(PyObject *order_book) { return wexcore_api->book_of(order_book); }

/* Replace the book with a REST depth snapshot (spot or futures envelope, or
 * the bare result object) and start syncing from its update id.
 * Returns WEX_APPLIED, WEX_CROSSED or WEX_ERROR. */
static inline int wex_book_load_snapshot(wex_book *book, const char *buf, size_t len, wex_error *err)
{ return wexcore_api->book_load_snapshot(book, buf, len, err); }

/* Apply one raw depth_update push (or a limited-depth push, which replaces
 * the book). Returns a wex_status; on WEX_GAP and WEX_ERROR nothing changed. */
static inline int wex_book_apply_frame(wex_book *book, const char *buf, size_t len, wex_error *err)
{ return wexcore_api->book_apply_frame(book, buf, len, err); }

/* Copy the top n levels of a side (WEX_BIDS or WEX_ASKS), best first, into
 * the caller's arrays (either may be NULL). Returns the number written:
 * min(n, levels on that side). */
static inline size_t wex_book_top_ticks(const wex_book *book, int side, size_t n,
                                        int64_t *prices, int64_t *quantities)
{ return wexcore_api->book_top_ticks(book, side, n, prices, quantities); }

/* Same as doubles (ticks / 10^precision). */
static inline size_t wex_book_top(const wex_book *book, int side, size_t n,
                                  double *prices, double *quantities)
{ return wexcore_api->book_top(book, side, n, prices, quantities); }

static inline size_t wex_book_level_count(const wex_book *book, int side)
{ return wexcore_api->book_level_count(book, side); }

/* The update id of the last snapshot or update applied (0 before any). */
static inline int64_t wex_book_update_id(const wex_book *book) { return wexcore_api->book_update_id(book); }

/* 1 after a snapshot until a gap, else 0. */
static inline int wex_book_in_sync(const wex_book *book) { return wexcore_api->book_in_sync(book); }

/* CRC-32 over the top `levels` levels, as OrderBook.checksum(levels). */
static inline uint32_t wex_book_checksum(const wex_book *book, size_t levels)
{ return wexcore_api->book_checksum(book, levels); }

/* ------------------------------------------------------------------ depth */

/* Decode one depth message into out's arrays. 0 on success, -1 with err
 * filled (WEX_E_CAPACITY when a side does not fit; nothing useful in out). */
static inline int wex_depth_decode(const char *buf, size_t len, int price_precision,
                                   int quantity_precision, wex_depth_frame *out, wex_error *err)
{ return wexcore_api->depth_decode(buf, len, price_precision, quantity_precision, out, err); }

/* ---------------------------------------------------------------- signing */

/* A HmacSHA256 signer; recv_window_ms 1..60000. NULL on bad arguments. */
static inline wex_signer *wex_signer_new(const char *api_key, size_t api_key_len, const char *secret,
                                         size_t secret_len, int recv_window_ms, wex_error *err)
{ return wexcore_api->signer_new(api_key, api_key_len, secret, secret_len, recv_window_ms, err); }

static inline void wex_signer_free(wex_signer *signer) { wexcore_api->signer_free(signer); }

/* The signer inside a wexcore.Signer (borrowed). Needs the GIL; NULL with
 * TypeError set if it is not a Signer. */
static inline wex_signer *wex_signer_of(PyObject *signer) { return wexcore_api->signer_of(signer); }

/* Write the 64 hex characters of validate-signature (no NUL). 0, or -1
 * with err filled. The other headers are the caller's: validate-appkey,
 * validate-timestamp (the request's), and for spot validate-algorithms
 * (HmacSHA256) and validate-recvwindow (the signer's). */
static inline int wex_sign(const wex_signer *signer, const wex_request *request,
                           char signature[WEX_SIGNATURE_LEN], wex_error *err)
{ return wexcore_api->sign(signer, request, signature, err); }

#endif /* WEXCORE_TABLE_ONLY */

#ifdef __cplusplus
}
#endif
#endif
